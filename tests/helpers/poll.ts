/** Polling with a deadline: a regression fails the test instead of hanging the suite. */
import assert from 'node:assert/strict';

export interface PollOptions {
  /** Give up after this long (default 20 s: generous, since CI machines are shared). */
  timeoutMs?: number;
  intervalMs?: number;
  /** Checked on every round; a message fails the poll at once (e.g. the process under test ended). */
  abortIf?: () => string | undefined;
}

export async function waitUntil(condition: () => boolean, what: string, options: PollOptions = {}): Promise<void> {
  const deadline = performance.now() + (options.timeoutMs ?? 20_000);
  while (!condition()) {
    const abort = options.abortIf?.();
    if (abort !== undefined) assert.fail(`${abort} before ${what}`);
    if (performance.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 2));
  }
}
