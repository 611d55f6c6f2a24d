/**
 * Simulated model time for the Ollama stub: requests wait for one of a limited number of
 * processing slots (like OLLAMA_NUM_PARALLEL), FIFO, and the time during which any slot is
 * held is the server's busy time, which the benchmark compares wall time against.
 */
export class ProcessingSlots {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private busyTotal = 0;
  private busySince = 0;
  private peak = 0;
  private readonly timers = new Set<NodeJS.Timeout>();

  /** `parallel` is read on every decision, so a cost change applies to the next request. */
  constructor(private readonly parallel: () => number) {}

  sleep(ms: number): Promise<void> {
    if (!(ms > 0)) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  acquire(): Promise<void> {
    if (this.running < this.parallel() && this.waiting.length === 0) {
      this.start();
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.waiting.push(() => {
        this.start();
        resolve();
      }),
    );
  }

  release(): void {
    this.running--;
    if (this.running === 0) this.busyTotal += performance.now() - this.busySince;
    while (this.running < this.parallel()) {
      const next = this.waiting.shift();
      if (next === undefined) break;
      next();
    }
  }

  /** Holds a slot for `ms`; no slot and no timer at all when there is no cost. */
  async hold(ms: number): Promise<void> {
    if (!(ms > 0)) return;
    await this.acquire();
    try {
      await this.sleep(ms);
    } finally {
      this.release();
    }
  }

  /** The union of the intervals during which at least one slot was held. */
  busyMs(): number {
    return this.busyTotal + (this.running > 0 ? performance.now() - this.busySince : 0);
  }

  /** The most slots held at once since the last reset: what tests assert instead of timings. */
  peakRunning(): number {
    return this.peak;
  }

  resetBusy(): void {
    this.busyTotal = 0;
    this.peak = this.running;
    if (this.running > 0) this.busySince = performance.now();
  }

  clearTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private start(): void {
    if (this.running === 0) this.busySince = performance.now();
    this.running++;
    this.peak = Math.max(this.peak, this.running);
  }
}
