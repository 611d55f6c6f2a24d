/**
 * `rag index --watch`: index, then keep the index current until interrupted.
 *
 * File events only say *that* something changed; what changed is decided by the same
 * incremental run as `rag index` over the watched paths (unchanged files are skipped by
 * size and mtime without being read). So an update honours the same ignore rules, and
 * renames, deletions and `git checkout`s need no special cases: the index after any update
 * is what `rag index` would leave. A watched path that is gone is removed from the index as
 * `rag rm` would, and watched again once it is re-created.
 *
 * The writer lock is held only while an update writes: between updates another `rag index`
 * may run. An update that cannot run (the lock is taken, Ollama is down) is reported and
 * retried. Ctrl-C ends the watch with exit 130, after the write under way completes.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { RagError, type Reason } from '../errors.js';
import { removeFromIndex } from '../indexing/remove.js';
import { runIndex, type IndexDeps, type IndexOptions, type IndexSummary } from '../indexing/run.js';
import { Batcher } from './batcher.js';
import { watchTrees } from './tree-watcher.js';

export interface WatchTiming {
  /** An update starts once no event came for this long… */
  quietMs: number;
  /** …or this long after the first event of a burst that does not stop. */
  maxWaitMs: number;
  /** How often a deleted watched folder is looked for. */
  pollMs: number;
  /** Wait before retrying an update that could not run. */
  retryMs: number;
}

export const WATCH_TIMING: WatchTiming = { quietMs: 300, maxWaitMs: 3000, pollMs: 500, retryMs: 2000 };

/**
 * Problems an update waits out: another writer holds the lock, Ollama is down or failing, the storage
 * hiccuped. Anything else (a model removed, a damaged index) ends the watch with its exit code.
 */
const RETRIED: ReadonlySet<Reason> = new Set(['locked', 'unreachable', 'not-ollama', 'storage']);

export interface WatchUpdate {
  atMs: number;
  new: number;
  changed: number;
  removed: number;
  chunksEmbedded: number;
  elapsedMs: number;
}

export interface WatchHooks {
  /** The first, full run's summary: printed as `rag index` prints it. */
  onInitial(summary: IndexSummary): void;
  /** Paths seen and waiting for the next update. */
  onPending(count: number): void;
  /** An update that changed the index. */
  onUpdate(update: WatchUpdate): void;
  /** An update that could not run; it is retried after `retryMs`. */
  onProblem(err: RagError, retryMs: number): void;
}

/** Events under hidden folders, node_modules or the index folder are noise: discovery skips them too. */
export function isNoise(abs: string, targets: readonly string[], indexDir: string): boolean {
  if (abs === indexDir || abs.startsWith(indexDir + path.sep)) return true;
  const target = targets.find((t) => abs.startsWith(t + path.sep));
  if (!target) return false;
  return path.relative(target, abs).split(path.sep).some((part) => part.startsWith('.') || part === 'node_modules');
}

export async function watchIndex(opts: IndexOptions, deps: IndexDeps, hooks: WatchHooks, timing: WatchTiming = WATCH_TIMING): Promise<never> {
  const targets = (opts.paths.length > 0 ? opts.paths : ['.']).map((p) => path.resolve(deps.cwd, p));
  const batcher = new Batcher(timing, deps.now);
  // Started before the first run, so that nothing changed while it runs goes unnoticed.
  const watcher = watchTrees({
    targets,
    pollMs: timing.pollMs,
    isIgnored: (abs) => isNoise(abs, targets, deps.indexDir),
    onPath: (abs) => {
      batcher.add(abs);
      hooks.onPending(batcher.size);
    },
  });
  try {
    hooks.onInitial(await runIndex(opts, deps));
    const later: IndexOptions = { ...opts, rebuild: false, dryRun: false, pull: false };
    for (;;) {
      let batch: string[];
      try {
        batch = await batcher.next(deps.signal);
      } catch {
        const waiting = batcher.size;
        throw new RagError(
          'interrupted',
          waiting === 0 ? 'Stopped watching; the index is up to date' : `Stopped watching with ${waiting} change(s) not yet indexed`,
          waiting === 0 ? undefined : "run 'rag index' to pick them up",
        );
      }
      hooks.onPending(batcher.size);
      try {
        const update = await updateIndex(targets, later, deps);
        if (update.new + update.changed + update.removed > 0) hooks.onUpdate(update);
      } catch (err) {
        if (!(err instanceof RagError && RETRIED.has(err.reason))) throw err;
        hooks.onProblem(err, timing.retryMs);
        batcher.retry(batch, timing.retryMs);
      }
    }
  } finally {
    watcher.close();
    batcher.close();
  }
}

/** One update: gone targets removed, the others indexed incrementally. */
async function updateIndex(targets: string[], opts: IndexOptions, deps: IndexDeps): Promise<WatchUpdate> {
  const started = deps.now();
  const update: WatchUpdate = { atMs: started, new: 0, changed: 0, removed: 0, chunksEmbedded: 0, elapsedMs: 0 };
  const present = targets.filter((t) => existsSync(t));
  const gone = targets.filter((t) => !present.includes(t));
  for (const target of gone) {
    try {
      const removed = await removeFromIndex([target], { dryRun: false }, { indexDir: deps.indexDir, ...(deps.home ? { home: deps.home } : {}), exists: true, cwd: deps.cwd, pid: deps.pid, now: deps.now });
      update.removed += removed.files.length;
    } catch (err) {
      // Nothing of it is indexed (any more): nothing to do.
      if (!(err instanceof RagError && err.reason === 'usage')) throw err;
    }
  }
  if (present.length > 0) {
    try {
      const s = await runIndex({ ...opts, paths: present }, deps);
      update.new += s.new;
      update.changed += s.changed;
      update.removed += s.removed;
      update.chunksEmbedded += s.chunksEmbedded;
    } catch (err) {
      // "No files to index": the watched folders are empty and nothing of them is indexed.
      if (!(err instanceof RagError && err.reason === 'usage')) throw err;
    }
  }
  update.elapsedMs = deps.now() - started;
  return update;
}
