/**
 * What `rag index --watch` shows on stderr between updates. On a terminal one status line,
 * rewritten in place (last update, files pending); piped, one line per update, for logs.
 */
import { describeError, type RagError } from '../errors.js';
import type { Io } from '../io.js';
import type { WatchUpdate } from '../watch/watch-index.js';
import type { Style } from './style.js';
import { formatDuration } from './text.js';

function clock(ms: number): string {
  return new Date(ms).toTimeString().slice(0, 8);
}

export function updateLine(u: WatchUpdate): string {
  const passages = u.chunksEmbedded === 1 ? '1 passage' : `${u.chunksEmbedded} passages`;
  return `${clock(u.atMs)} updated: ${u.new} new, ${u.changed} changed, ${u.removed} removed · ${passages} embedded in ${formatDuration(u.elapsedMs)}`;
}

export function problemLine(err: RagError, retryMs: number): string {
  return `rag: ${describeError(err)} (retrying in ${formatDuration(retryMs)})`;
}

export class WatchStatus {
  private last = 'no changes yet';
  private pending = 0;
  private shown = false;

  constructor(
    private readonly io: Io,
    private readonly style: Style,
    private readonly targets: number,
  ) {}

  pendingChanged(count: number): void {
    this.pending = count;
    this.paint();
  }

  updated(u: WatchUpdate): void {
    this.last = updateLine(u);
    if (this.io.stderrIsTTY) this.paint();
    else this.io.stderr.write(`${this.last}\n`);
  }

  problem(err: RagError, retryMs: number): void {
    this.clear();
    this.io.stderr.write(`${this.style.yellow(problemLine(err, retryMs))}\n`);
    this.paint();
  }

  /** Leaves the terminal line empty, e.g. before the final message. */
  clear(): void {
    if (this.shown) this.io.stderr.write('\r\u001b[K');
    this.shown = false;
  }

  private paint(): void {
    if (!this.io.stderrIsTTY) return;
    const watching = `Watching ${this.targets === 1 ? '1 path' : `${this.targets} paths`} (Ctrl-C to stop)`;
    const pending = this.pending > 0 ? ` · ${this.pending} pending` : '';
    this.io.stderr.write(`\r\u001b[K${this.style.dim(`${watching} · ${this.last}${pending}`)}`);
    this.shown = true;
  }
}
