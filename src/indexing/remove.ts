/**
 * `rag rm`: drops files from the index by the paths they were indexed under, whether or not
 * they still exist on disk.
 *
 * The write order keeps the rules of the index run (run.ts): data is committed before the
 * records that describe it, and every state a crash can leave is one the next run repairs.
 * 1. The manifest is marked `hasPendingWrites` and the files' records are invalidated (no
 *    hash, no mtime) but kept. A crash now: `rag index` re-reads those files, finds their
 *    rows by chunk hash and rewrites them unchanged; a second `rag rm` finds them again.
 * 2. Their rows are deleted in one LanceDB commit. From here `rag search` never returns them.
 *    A crash now: the invalid records make `rag index` re-read (and re-add) files still on
 *    disk and drop the others, as it would have anyway; `rag rm` again finishes the job.
 * 3. The records are written without them, then the manifest without the mark (unless a
 *    crashed run had set it before: that run's recovery is `rag index`'s job).
 */
import { RagError } from '../errors.js';
import { acquireLock } from '../store/lock.js';
import { removePendingRebuild, tableName, writeManifest, writeRecords, type FileRecords } from '../store/manifest.js';
import { readIndexState, requireMatches, type IndexState } from './list.js';
import { selectIndexed } from './select.js';

export interface RemoveDeps {
  indexDir: string;
  exists: boolean;
  cwd: string;
  pid: number;
  now: () => number;
}

export interface RemovedFile {
  /** Relative to the index root. */
  path: string;
  passages: number;
}

export interface RemoveSummary {
  indexDir: string;
  root: string;
  dryRun: boolean;
  files: RemovedFile[];
  passages: number;
}

export async function removeFromIndex(args: string[], options: { dryRun: boolean }, deps: RemoveDeps): Promise<RemoveSummary> {
  if (args.length === 0) throw new RagError('usage', 'No paths to remove', "name files or folders as 'rag ls' lists them");
  const before = await readIndexState(deps.indexDir, deps.exists);
  const planned = plan(before, args, deps.cwd);
  if (options.dryRun) return summarize(before, planned, deps.indexDir, true);
  const lock = await acquireLock(deps.indexDir, deps.pid, deps.now);
  try {
    // Re-read under the lock: a writer may have finished in between.
    const state = await readIndexState(deps.indexDir, true);
    const paths = plan(state, args, deps.cwd);
    const summary = summarize(state, paths, deps.indexDir, false);
    await removeLocked(state, paths, deps);
    return summary;
  } finally {
    await lock.release();
  }
}

function plan(state: IndexState, args: string[], cwd: string): string[] {
  const { matched, unmatched } = selectIndexed(state.records.keys(), args, { root: state.root, cwd });
  requireMatches(unmatched);
  return matched;
}

function summarize(state: IndexState, paths: string[], indexDir: string, dryRun: boolean): RemoveSummary {
  const files = paths.map((p) => ({ path: p, passages: state.records.get(p)?.chunks ?? 0 }));
  return { indexDir, root: state.root, dryRun, files, passages: files.reduce((n, f) => n + f.passages, 0) };
}

async function removeLocked(state: IndexState, paths: string[], deps: RemoveDeps): Promise<void> {
  const { manifest, records } = state;
  const wasPending = Boolean(manifest.hasPendingWrites);
  const stamp = () => new Date(deps.now()).toISOString();
  const invalid: FileRecords = new Map(records);
  for (const p of paths) invalid.set(p, { ...records.get(p)!, hash: '', mtimeMs: -1 });
  await writeManifest(deps.indexDir, { ...manifest, hasPendingWrites: true });
  await writeRecords(deps.indexDir, manifest.generation, invalid);

  const { ChunkStore } = await import('../store/chunk-store.js');
  const store = await ChunkStore.open(deps.indexDir, tableName(manifest.generation), { dimensions: manifest.dimensions, create: true });
  await store.removeFiles(paths);

  for (const p of paths) records.delete(p);
  await writeRecords(deps.indexDir, manifest.generation, records);
  await store.maintain();
  const { hasPendingWrites: _pending, ...settled } = manifest;
  await writeManifest(deps.indexDir, { ...settled, ...(wasPending ? { hasPendingWrites: true } : {}), updatedAt: stamp() });
  // An interrupted --rebuild still holds these files: it would bring them back. As after any
  // writing `rag index`, it is dropped; the next --rebuild starts afresh.
  await removePendingRebuild(deps.indexDir);
}
