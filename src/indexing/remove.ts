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
import { homeOf, type IndexHome } from '../store/index-home.js';
import { removePendingRebuild, tableName, writeManifest, writeRecords, type FileRecords } from '../store/manifest.js';
import { readIndexState, requireMatches, type IndexState } from './list.js';
import { selectIndexed } from './select.js';

export interface RemoveDeps {
  /** The index as messages name it. */
  indexDir: string;
  /** Where its state lives; undefined: the folder `indexDir`. */
  home?: IndexHome;
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
  const home = deps.home ?? homeOf(deps.indexDir);
  const before = await readIndexState(home, deps.exists, deps.cwd);
  const planned = plan(before, args, deps.cwd);
  if (options.dryRun) return summarize(before, planned, deps.indexDir, true);
  const lock = await home.acquireLock(deps.pid, deps.now, 'rag rm');
  try {
    // Re-read under the lock: a writer may have finished in between.
    const state = await readIndexState(home, true, deps.cwd);
    const paths = plan(state, args, deps.cwd);
    const summary = summarize(state, paths, deps.indexDir, false);
    await removeLocked(state, paths, home, deps.now);
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

async function removeLocked(state: IndexState, paths: string[], home: IndexHome, now: () => number): Promise<void> {
  const { manifest, records } = state;
  const wasPending = Boolean(manifest.hasPendingWrites);
  const stamp = () => new Date(now()).toISOString();
  const invalid: FileRecords = new Map(records);
  for (const p of paths) invalid.set(p, { ...records.get(p)!, hash: '', mtimeMs: -1 });
  await writeManifest(home, { ...manifest, hasPendingWrites: true });
  await writeRecords(home, manifest.generation, invalid);

  const { ChunkStore } = await import('../store/chunk-store.js');
  const store = await ChunkStore.open(home, tableName(manifest.generation), { dimensions: manifest.dimensions, create: true });
  await store.removeFiles(paths);

  for (const p of paths) records.delete(p);
  await writeRecords(home, manifest.generation, records);
  await store.maintain();
  const { hasPendingWrites: _pending, ...settled } = manifest;
  await writeManifest(home, { ...settled, ...(wasPending ? { hasPendingWrites: true } : {}), updatedAt: stamp() });
  // An interrupted --rebuild still holds these files: it would bring them back. As after any
  // writing `rag index`, it is dropped; the next --rebuild starts afresh.
  await removePendingRebuild(home);
  await home.tidy(now);
}
