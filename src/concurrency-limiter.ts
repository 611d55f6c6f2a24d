/** Bounds how many async tasks (file-system calls, here) run at once. */

export type Limiter = <T>(task: () => Promise<T>) => Promise<T>;

export function createLimiter(maxInFlight: number): Limiter {
  let inFlight = 0;
  const waiting: Array<() => void> = [];
  return async (task) => {
    if (inFlight >= maxInFlight) await new Promise<void>((resolve) => waiting.push(resolve));
    else inFlight++;
    try {
      return await task();
    } finally {
      // Hand the slot straight to a waiter, so a newcomer cannot slip in between and overshoot.
      const next = waiting.shift();
      if (next) next();
      else inFlight--;
    }
  };
}
