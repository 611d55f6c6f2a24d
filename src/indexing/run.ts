/**
 * An index run: discover -> load -> chunk -> embed -> store, incrementally. The plan
 * (plan.ts) decides what the run does, the batch worker (batch-worker.ts) reads and embeds
 * the candidate files, and the writer (writer.ts) alone writes, in the order that keeps the
 * index whole through a crash.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ChunkOptions } from '../chunk/chunk.js';
import { discoverFiles, relativePath, type Discovery, type SourceFile } from '../discover/walk.js';
import { Exit, RagError } from '../errors.js';
import { formatOf } from '../formats.js';
import type { RetryNotice } from '../ollama.js';
import type { OllamaHosts } from '../ollama-hosts.js';
import { homeOf, type IndexHome } from '../store/index-home.js';
import { inspectManifest, readManifest, readPendingRebuild, removeOwnFiles, requireCurrentSchema, type Manifest } from '../store/manifest.js';
import { inBatches } from './batches.js';
import { BatchWorker } from './batch-worker.js';
import { checkCompatible, indexRoot, planRun, resolveSettings, storedRoot, type IndexSettings, type RunPlan } from './plan.js';
import { sortSummary, type IndexProgress, type IndexSummary } from './summary.js';
import { IndexWriter } from './writer.js';

export { FILES_PER_BATCH } from './batches.js';
export type { FileChange } from './rows.js';
export type { IndexProgress, IndexSummary } from './summary.js';

export interface IndexOptions {
  /** As the user typed them; resolved against the cwd. */
  paths: string[];
  /** undefined: the index's own model, else the default. */
  embedModel: string | undefined;
  defaultEmbedModel: string;
  chunkSizeChars: number | undefined;
  chunkOverlapChars: number | undefined;
  defaultChunk: ChunkOptions;
  include: string[];
  exclude: string[];
  useGitignore: boolean;
  follow: boolean;
  /** undefined: each format's default (DEFAULT_MAX_FILE_SIZE_MB in formats.ts). */
  maxFileSizeBytes: number | undefined;
  rebuild: boolean;
  dryRun: boolean;
  pull: boolean;
  batchSize: number;
  concurrency: number;
  /** `-t`: only files of these formats are indexed, and only those are removed when gone. */
  types?: ReadonlySet<string>;
}

export interface IndexDeps {
  ollama: () => OllamaHosts;
  /** The index as messages name it. */
  indexDir: string;
  /** Where its state lives; undefined: the folder `indexDir`. */
  home?: IndexHome;
  isExplicitIndex: boolean;
  cwd: string;
  pid: number;
  now: () => number;
  signal: AbortSignal;
  onProgress?: (p: IndexProgress) => void;
  onPull?: (status: string, completed?: number, total?: number) => void;
  onRetry?: (notice: RetryNotice) => void;
}

/** Where the run stands once it holds the lock: what it was asked, decided before the lock. */
interface Request {
  opts: IndexOptions;
  deps: IndexDeps;
  home: IndexHome;
  absPaths: string[];
  existing: Manifest | undefined;
  settings: IndexSettings;
  root: string;
  started: number;
  isLocked: (() => Promise<boolean>) | undefined;
}

export async function runIndex(opts: IndexOptions, deps: IndexDeps): Promise<IndexSummary> {
  const started = deps.now();
  const absPaths = await resolvePaths(opts.paths, deps.cwd);
  const home = deps.home ?? homeOf(deps.indexDir);
  const found = await inspectManifest(home);
  // Only --rebuild may start over from a damaged manifest; nothing else may guess at it.
  if (found.state === 'damaged' && !opts.rebuild) throw found.error;
  if (found.state === 'missing') await home.assertOwn();
  const existing = found.manifest;
  const settings = resolveSettings(opts, existing);
  // Checked before the lock too, so a mismatch fails fast without creating anything.
  checkCompatible(existing, settings, opts.rebuild);
  if (!opts.rebuild) requireCurrentSchema(existing, home.where);
  const root = indexRoot(existing, { ...deps, home });
  if (!opts.dryRun) await home.prepare();
  const lock = opts.dryRun ? undefined : await home.acquireLock(deps.pid, deps.now);
  try {
    if (found.state === 'damaged' && !opts.dryRun) await startOver(home);
    return await indexLocked({ opts, deps, home, absPaths, existing, settings, root, started, isLocked: lock ? () => lock.isHeld() : undefined });
  } finally {
    await lock?.release();
  }
}

/** Removes what rag keeps in an index whose manifest is damaged, so that --rebuild builds it anew. */
async function startOver(home: IndexHome): Promise<void> {
  if ((await inspectManifest(home)).state !== 'damaged') return;
  const { ChunkStore } = await import('../store/chunk-store.js');
  // Where tables cannot be listed, the records still name the generations that can exist.
  const generations = (await home.docNames()).map((n) => Number(/^files_g(\d+)\.json$/.exec(n)?.[1] ?? 0));
  await ChunkStore.dropOtherTables(home, [], Math.max(1, ...generations) + 1);
  await removeOwnFiles(home);
}

async function resolvePaths(paths: string[], cwd: string): Promise<string[]> {
  const absPaths = (paths.length > 0 ? paths : ['.']).map((p) => path.resolve(cwd, p));
  for (let i = 0; i < absPaths.length; i++) {
    try {
      await fs.stat(absPaths[i]!);
    } catch {
      throw new RagError(Exit.usage, `Path not found: ${paths[i] ?? absPaths[i]}`, 'check the path and try again');
    }
  }
  return absPaths;
}

async function indexLocked(req: Request): Promise<IndexSummary> {
  const { opts, deps } = req;
  const plan = await planLocked(req);
  const rootRel = storedRoot(req.home, req.root);
  const writer = await IndexWriter.open(plan, {
    indexDir: deps.indexDir, home: req.home, root: rootRel, now: deps.now, ...(req.isLocked ? { isLocked: req.isLocked } : {}),
    modelDigest: () => deps.ollama().modelDigest(plan.settings.embedModel),
  });
  const repaired = await writer.reconcile();
  const scopes = scopesOf(req);
  const pathsAreNew = plan.live !== undefined && !writer.recordedPaths().some((p) => inScope(p, scopes));
  const discovery = await discover(req);
  const { candidates, unchanged, removedPaths } = sortOut(discovery, writer, plan, scopes, opts.types);
  const summary: IndexSummary = {
    indexDir: deps.indexDir, root: req.root, dryRun: opts.dryRun, embedModel: plan.settings.embedModel, dimensions: plan.dimensions,
    filesSeen: discovery.files.length, new: 0, changed: 0, unchanged, removed: 0, skipped: [...discovery.skipped], notes: [],
    chunksEmbedded: 0, chunksReused: 0, chunksTotal: 0, embedRequests: 0, elapsedMs: 0, changes: [],
    resumedFiles: plan.mode === 'resume' ? writer.recordedPaths().length : 0, repaired, pathsAreNew,
  };
  if (discovery.files.length === 0 && removedPaths.length === 0) throw noFiles(opts.paths, summary);

  const worker = new BatchWorker(plan, writer, { ...opts, ...deps }, summary, removedPaths, candidates.length);
  try {
    await inBatches(candidates, deps.signal, worker.runBatch);
  } catch (err) {
    await writer.settle();
    await writer.saveRecords().catch(() => {});
    throw err;
  }
  if (deps.signal.aborted) {
    await writer.saveRecords();
    throw new RagError(Exit.interrupted, 'Interrupted; the index holds every file finished so far', "run 'rag index' again to finish");
  }
  summary.removed = removedPaths.length;
  for (const p of removedPaths) summary.changes.push({ path: p, change: 'removed' });
  await writer.finish(removedPaths, summary.new + summary.changed + summary.removed > 0);
  summary.dimensions = writer.dimensions;
  summary.embedRequests = worker.embedRequests;
  summary.chunksTotal = writer.chunksTotal();
  sortSummary(summary);
  summary.elapsedMs = deps.now() - req.started;
  return summary;
}

/** Re-reads the manifest under the lock: another writer may have finished just before us. */
async function planLocked({ opts, home, existing, settings, root }: Request): Promise<RunPlan> {
  const live = opts.dryRun ? existing : await readManifest(home);
  const pendingRebuild = opts.rebuild && !opts.dryRun && live ? await readPendingRebuild(home, live) : undefined;
  return planRun({ rebuild: opts.rebuild, dryRun: opts.dryRun, settings, live, pendingRebuild, root: storedRoot(home, root) });
}

async function discover({ opts, deps, absPaths, root }: Request): Promise<Discovery> {
  const discovery = await discoverFiles(absPaths, {
    root, indexDir: deps.indexDir, include: opts.include, exclude: opts.exclude,
    useGitignore: opts.useGitignore, maxFileSizeBytes: opts.maxFileSizeBytes, follow: opts.follow, ...(opts.types ? { types: opts.types } : {}),
  });
  if (discovery.missing.length > 0) throw new RagError(Exit.usage, `Path not found: ${discovery.missing[0]}`, 'check the path and try again');
  return discovery;
}

/** The named paths relative to the root ('' for the root itself). */
function scopesOf({ absPaths, root }: Request): string[] {
  return absPaths.map((p) => {
    const rel = relativePath(root, p);
    return rel === '.' ? '' : rel;
  });
}

function inScope(relPath: string, scopes: string[]): boolean {
  return scopes.some((s) => s === '' || relPath === s || relPath.startsWith(`${s}/`));
}

/** Files whose size and mtime match their record are unchanged unread; recorded files not found are removed. */
function sortOut(discovery: Discovery, writer: IndexWriter, plan: RunPlan, scopes: string[], types: ReadonlySet<string> | undefined) {
  const candidates: SourceFile[] = [];
  let unchanged = 0;
  for (const file of discovery.files) {
    const rec = writer.record(file.relPath);
    if (rec && rec.size === file.size && rec.mtimeMs === file.mtimeMs) unchanged++;
    else candidates.push(file);
  }
  const seen = new Set(discovery.files.map((f) => f.relPath));
  // A resumed rebuild must end as a fresh one over these paths would: without files it no longer sees.
  const everywhere = plan.mode === 'resume';
  // With -t, files of other formats were not looked for: they are not gone.
  const isOfType = (p: string) => !types || types.has(formatOf(p)?.name ?? 'text');
  const removedPaths = writer.recordedPaths().filter((p) => (everywhere || (inScope(p, scopes) && isOfType(p))) && !seen.has(p)).sort();
  return { candidates, unchanged, removedPaths };
}

function noFiles(paths: string[], summary: IndexSummary): RagError {
  const skipped = summary.skipped;
  const skippedNote = skipped.length > 0 ? ` (${skipped.length} skipped: ${skipped.slice(0, 3).map((s) => `${s.relPath}: ${s.reason}`).join('; ')})` : '';
  return new RagError(
    Exit.usage,
    `No files to index in ${paths.join(', ') || '.'}${skippedNote}`,
    'rag reads Markdown, text, reStructuredText, AsciiDoc and source files; check --include, --exclude and .gitignore',
  );
}
