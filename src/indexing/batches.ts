/** Candidate files cut into write batches, a bounded number of them in flight. */
import type { SourceFile } from '../discover/walk.js';

/**
 * Files per write: bounds memory and the size of each LanceDB commit, whose native memory
 * grows with the rows it writes. On the benchmark corpus (some 435 passages per batch)
 * peak RSS was 247-265 MB with 32 files, 289-309 MB with 64, at 0.5 s more wall time.
 */
export const FILES_PER_BATCH = 32;
/** Text per write, so a batch of large files stays bounded too. */
const BYTES_PER_BATCH = 2 * 1024 * 1024;
/** Write batches in flight: one embedding while the previous one is written. */
const BATCHES_IN_FLIGHT = 2;

/**
 * Runs `runBatch` over `files` in batches, the next one loading and embedding while the
 * previous one writes. Stops taking files once `signal` aborts. On a failure, batches already
 * under way finish first (what they wrote is whole and kept), then the error is rethrown.
 */
export async function inBatches(files: SourceFile[], signal: AbortSignal, runBatch: (batch: SourceFile[]) => Promise<void>): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  let batch: SourceFile[] = [];
  let batchBytes = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const task = runBatch(batch);
    batch = [];
    batchBytes = 0;
    inFlight.add(task);
    task.then(() => inFlight.delete(task), () => inFlight.delete(task));
    if (inFlight.size >= BATCHES_IN_FLIGHT) await Promise.race(inFlight);
  };
  try {
    for (const file of files) {
      if (signal.aborted) break;
      batch.push(file);
      batchBytes += file.size;
      if (batch.length >= FILES_PER_BATCH || batchBytes >= BYTES_PER_BATCH) await flush();
    }
    await flush();
    await Promise.all(inFlight);
  } catch (err) {
    await Promise.allSettled(inFlight);
    throw err;
  }
}
