/**
 * Bursts of file events into batches. An editor's save (write a temp file, rename it over
 * the original) or a `git checkout` touching hundreds of files arrives as many events within
 * milliseconds: a batch is handed out once no event came for `quietMs`, or `maxWaitMs` after
 * its first event, so that a steady stream of changes still gets indexed.
 */
export interface BatcherOptions {
  quietMs: number;
  maxWaitMs: number;
}

export class Batcher {
  private pending = new Set<string>();
  private firstAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private waiter: ((batch: string[]) => void) | undefined;
  private ready: string[] | undefined;

  constructor(
    private readonly options: BatcherOptions,
    private readonly now: () => number,
  ) {}

  /** Paths seen and not yet handed out. */
  get size(): number {
    return this.pending.size + (this.ready?.length ?? 0);
  }

  add(absPath: string): void {
    if (this.pending.size === 0) this.firstAt = this.now();
    this.pending.add(absPath);
    if (this.timer) clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(this.options.quietMs, this.firstAt + this.options.maxWaitMs - this.now()));
    this.timer = setTimeout(() => this.seal(), wait);
  }

  /** The next batch: resolves once one is complete; rejects when `signal` aborts first. */
  next(signal: AbortSignal): Promise<string[]> {
    if (this.ready) {
      const batch = this.ready;
      this.ready = undefined;
      return Promise.resolve(batch);
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.waiter = undefined;
        reject(signal.reason);
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiter = (batch) => {
        signal.removeEventListener('abort', onAbort);
        resolve(batch);
      };
    });
  }

  /** Puts a batch that could not be handled back in front, to be retried after `delayMs`. */
  retry(batch: readonly string[], delayMs: number): void {
    for (const p of batch) this.pending.add(p);
    if (this.timer) clearTimeout(this.timer);
    this.firstAt = this.now();
    this.timer = setTimeout(() => this.seal(), delayMs);
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private seal(): void {
    this.timer = undefined;
    if (this.pending.size === 0) return;
    const batch = [...(this.ready ?? []), ...this.pending].sort();
    this.pending = new Set();
    if (this.waiter) {
      const waiter = this.waiter;
      this.waiter = undefined;
      this.ready = undefined;
      waiter(batch);
    } else {
      this.ready = batch;
    }
  }
}
