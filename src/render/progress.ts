/**
 * Progress on stderr. A spinner only when stderr is a terminal and neither --quiet
 * nor --json was given; otherwise a no-op, so pipes and logs get no escape codes.
 * ora is imported only when a spinner will actually run.
 */
import type { Io } from '../io.js';

export interface Progress {
  /** Throttled, unless `isUrgent` (a line that may stay up for a while, such as a retry). */
  update(text: string, isUrgent?: boolean): void;
  /** Stops the spinner and leaves nothing on the line, so the summary prints cleanly. */
  stop(): void;
}

const silent: Progress = { update() {}, stop() {} };

/**
 * A spinner needs a terminal that knows its width: ora divides by `columns` to count the
 * lines it must clear, and a terminal reporting 0 columns (a CI job faking a TTY, `stty
 * cols 0`) made it clear lines forever. Unknown (undefined) is fine: ora assumes 80.
 */
export function canAnimate(io: Pick<Io, 'stderr' | 'stderrIsTTY'>): boolean {
  if (!io.stderrIsTTY) return false;
  const columns = (io.stderr as Partial<NodeJS.WriteStream>).columns;
  return columns === undefined || (Number.isFinite(columns) && columns >= 1);
}

export async function startProgress(io: Io, options: { enabled: boolean; text: string }): Promise<Progress> {
  if (!options.enabled || !canAnimate(io)) return silent;
  const { default: ora } = await import('ora');
  // discardStdin would put the TTY in raw mode and swallow Ctrl-C: keep SIGINT plain.
  const spinner = ora({ text: options.text, stream: io.stderr as NodeJS.WriteStream, discardStdin: false, isEnabled: true }).start();
  let last = 0;
  return {
    update(text: string, isUrgent = false) {
      // Repainting on every chunk costs more than it shows.
      const now = io.now();
      if (now - last < 80 && !isUrgent) return;
      last = now;
      spinner.text = text;
    },
    stop() {
      spinner.stop();
    },
  };
}
