/**
 * An index run: discover -> load -> chunk -> embed -> store, incrementally.
 *
 * Safety comes from the order of writes. A batch of files is written to LanceDB in one
 * commit (each file's chunks replaced whole); only then are their records saved. A crash
 * between the two leaves records behind the data, so the next run re-reads those files,
 * finds their vectors by chunk hash, re-embeds nothing and rewrites the same ids. A
 * --rebuild writes a new table generation that the manifest switches to only at the end,
 * so the old index stays readable until the new one is whole; interrupted, it resumes when
 * asked for again with the same settings.
 *
 * A run that writes data first marks the manifest `hasPendingWrites`; only a run that ends
 * cleanly clears it. The next run after a crash sees the mark and finishes the job even
 * when no file changed: it drops rows no record accounts for (a batch written just before
 * the crash, whose files may since have gone) and maintains the table.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { chunkText, validateChunkOptions, type ChunkOptions } from '../chunk/chunk.js';
import { detectFormat } from '../formats.js';
import { discoverFiles, relativePath, type SkippedFile, type SourceFile } from '../discover/walk.js';
import { Embedder, maxEmbedChars } from '../embed.js';
import { Exit, RagError } from '../errors.js';
import { loadFile } from '../load/text.js';
import { acquireLock } from '../store/lock.js';
import {
  SCHEMA_VERSION, readManifest, readPendingRebuild, readRecords, removePendingRebuild, removeStaleRecords, tableName,
  writeManifest, writePendingRebuild, writeRecords,
  type FileRecord, type FileRecords, type Manifest,
} from '../store/manifest.js';
import { sameModel, type ModelInfo, type OllamaClient } from '../ollama.js';
import { buildRows, fillVectors, type PreparedFile } from './rows.js';
import type { ChunkStore } from '../store/chunk-store.js';

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
  maxFileSizeBytes: number;
  rebuild: boolean;
  dryRun: boolean;
  pull: boolean;
  batchSize: number;
  concurrency: number;
}

export interface IndexDeps {
  ollama: () => OllamaClient;
  indexDir: string;
  isExplicitIndex: boolean;
  cwd: string;
  pid: number;
  now: () => number;
  signal: AbortSignal;
  onProgress?: (p: IndexProgress) => void;
  onPull?: (status: string, completed?: number, total?: number) => void;
}

export interface IndexProgress {
  /** Files read so far, of those that may have changed. */
  filesDone: number;
  filesTotal: number;
  /** Passages found in changed files so far, and how many of them were embedded. */
  chunksQueued: number;
  chunksEmbedded: number;
}

export type FileChange = 'new' | 'changed' | 'removed';

export interface IndexSummary {
  indexDir: string;
  root: string;
  dryRun: boolean;
  embedModel: string;
  dimensions: number | undefined;
  filesSeen: number;
  new: number;
  changed: number;
  unchanged: number;
  removed: number;
  skipped: SkippedFile[];
  chunksEmbedded: number;
  chunksReused: number;
  chunksTotal: number;
  embedRequests: number;
  elapsedMs: number;
  /** Files an interrupted --rebuild had finished, which this run resumed from (0: none). */
  resumedFiles: number;
  /** Per-file changes, for --dry-run and --verbose. */
  changes: Array<{ path: string; change: FileChange; chunks?: number }>;
}

/**
 * Files per write: bounds memory and the size of each LanceDB commit, whose native memory
 * grows with the rows it writes. On the benchmark corpus (some 435 passages per batch)
 * peak RSS was 247-265 MB with 32 files, 289-309 MB with 64, at 0.5 s more wall time.
 */
export const FILES_PER_BATCH = 32;
/** Text per write, so a batch of large files stays bounded too. */
const BYTES_PER_BATCH = 2 * 1024 * 1024;
/** How often the per-file records are saved during a run (and always at its end). */
const RECORDS_SAVE_INTERVAL_MS = 2000;
/** Write batches in flight: one embedding while the previous one is written. */
const BATCHES_IN_FLIGHT = 2;

function inScope(relPath: string, scopes: string[]): boolean {
  return scopes.some((s) => s === '' || relPath === s || relPath.startsWith(`${s}/`));
}

export async function runIndex(opts: IndexOptions, deps: IndexDeps): Promise<IndexSummary> {
  const started = deps.now();
  const absPaths = (opts.paths.length > 0 ? opts.paths : ['.']).map((p) => path.resolve(deps.cwd, p));
  for (let i = 0; i < absPaths.length; i++) {
    try {
      await fs.stat(absPaths[i]!);
    } catch {
      throw new RagError(Exit.usage, `Path not found: ${opts.paths[i] ?? absPaths[i]}`, 'check the path and try again');
    }
  }

  const existing = await readManifest(deps.indexDir);
  const embedModel = opts.embedModel ?? existing?.embedModel ?? opts.defaultEmbedModel;
  const chunk: ChunkOptions = {
    chunkSizeChars: opts.chunkSizeChars ?? existing?.chunkSizeChars ?? opts.defaultChunk.chunkSizeChars,
    chunkOverlapChars: opts.chunkOverlapChars ?? existing?.chunkOverlapChars ?? opts.defaultChunk.chunkOverlapChars,
  };
  const problem = validateChunkOptions(chunk);
  if (problem) throw new RagError(Exit.usage, `Invalid chunk settings: ${problem}`, 'check --chunk-size and --chunk-overlap');

  /** A run must not mix models or chunkings in one index: it would rank apples against pears. */
  const checkCompatible = (m: Manifest | undefined): void => {
    if (!m || opts.rebuild) return;
    if (!sameModel(m.embedModel, embedModel)) {
      throw new RagError(
        Exit.index,
        `The index was built with embedding model '${m.embedModel}', not '${embedModel}'`,
        `drop --embed-model to keep '${m.embedModel}', or run 'rag index --rebuild --embed-model ${embedModel}'`,
      );
    }
    if (m.chunkSizeChars !== chunk.chunkSizeChars || m.chunkOverlapChars !== chunk.chunkOverlapChars) {
      throw new RagError(
        Exit.index,
        `The index was built with --chunk-size ${m.chunkSizeChars} --chunk-overlap ${m.chunkOverlapChars}`,
        `drop those options to keep them, or run 'rag index --rebuild' with the new ones`,
      );
    }
  };
  // Checked before the lock too, so a mismatch fails fast without creating anything.
  checkCompatible(existing);

  const root = existing ? path.resolve(deps.indexDir, existing.root) : deps.isExplicitIndex ? deps.cwd : path.dirname(deps.indexDir);
  if (!opts.dryRun) await fs.mkdir(deps.indexDir, { recursive: true });
  const lock = opts.dryRun ? undefined : await acquireLock(deps.indexDir, deps.pid, deps.now);
  try {
    return await indexLocked();
  } finally {
    await lock?.release();
  }

  async function indexLocked(): Promise<IndexSummary> {
    // Re-read under the lock: another writer may have finished just before us.
    const manifestNow = opts.dryRun ? existing : await readManifest(deps.indexDir);
    // A rebuild that finished in between may have changed the model or chunking.
    checkCompatible(manifestNow);
    // An interrupted --rebuild asked for again with the same settings resumes: its table and
    // records hold the files it finished, and its rows may run ahead of its records.
    const resume = opts.rebuild && !opts.dryRun && manifestNow ? await resumableRebuild(manifestNow) : undefined;
    const generation = resume?.generation ?? (opts.rebuild || !manifestNow ? (manifestNow?.generation ?? 0) + 1 : manifestNow.generation);
    const records: FileRecords = resume || (manifestNow && !opts.rebuild) ? await readRecords(deps.indexDir, generation) : new Map();
    /** The table may hold rows no record accounts for: a run died between a write and its records. */
    const isRecovering = resume !== undefined || (!opts.rebuild && Boolean(manifestNow?.hasPendingWrites));
    const discovery = await discoverFiles(absPaths, {
      root,
      indexDir: deps.indexDir,
      include: opts.include,
      exclude: opts.exclude,
      useGitignore: opts.useGitignore,
      maxFileSizeBytes: opts.maxFileSizeBytes,
    });
    if (discovery.missing.length > 0) throw new RagError(Exit.usage, `Path not found: ${discovery.missing[0]}`, 'check the path and try again');

    const scopes = absPaths.map((p) => {
      const rel = relativePath(root, p);
      return rel === '.' ? '' : rel;
    });
    const seen = new Set(discovery.files.map((f) => f.relPath));
    const candidates: SourceFile[] = [];
    let unchanged = 0;
    for (const file of discovery.files) {
      const rec = records.get(file.relPath);
      if (rec && rec.size === file.size && rec.mtimeMs === file.mtimeMs) unchanged++;
      else candidates.push(file);
    }
    // A resumed rebuild must end as a fresh one over these paths would: without files it no longer sees.
    const removedPaths = [...records.keys()].filter((p) => (resume || inScope(p, scopes)) && !seen.has(p)).sort();
    const summary: IndexSummary = {
      indexDir: deps.indexDir, root, dryRun: opts.dryRun, embedModel, dimensions: (resume ?? manifestNow)?.dimensions,
      filesSeen: discovery.files.length, new: 0, changed: 0, unchanged, removed: 0, skipped: [...discovery.skipped],
      chunksEmbedded: 0, chunksReused: 0, chunksTotal: 0, embedRequests: 0, elapsedMs: 0, changes: [],
      resumedFiles: resume ? records.size : 0,
    };

    if (discovery.files.length === 0 && removedPaths.length === 0) {
      const skippedNote = summary.skipped.length > 0 ? ` (${summary.skipped.length} skipped: ${summary.skipped.slice(0, 3).map((s) => `${s.relPath}: ${s.reason}`).join('; ')})` : '';
      throw new RagError(
        Exit.usage,
        `No files to index in ${opts.paths.join(', ') || '.'}${skippedNote}`,
        'rag reads Markdown, text, reStructuredText, AsciiDoc and source files; check --include, --exclude and .gitignore',
      );
    }

    let modelInfo: Promise<ModelInfo> | undefined;
    const requireModel = () =>
      (modelInfo ??= deps.ollama().requireModel(embedModel, 'embedding', {
        pull: opts.pull,
        onPull: (p) => deps.onPull?.(p.status, p.completed, p.total),
      }));

    let store: ChunkStore | undefined;
    let storeOpening: Promise<ChunkStore> | undefined;
    let manifest: Manifest | undefined = resume ?? (opts.rebuild ? undefined : manifestNow);
    let embedder: Embedder | undefined;
    let filesDone = 0;
    let chunksQueued = 0;
    const report = () => deps.onProgress?.({ filesDone, filesTotal: candidates.length, chunksQueued, chunksEmbedded: embedder?.inputs ?? 0 });

    /** Opens the table, creating the index on first use; dims come from the model. */
    const openStore = async (dimensions: number): Promise<ChunkStore> => {
      if (manifest && manifest.dimensions !== dimensions) {
        throw new RagError(Exit.index, `Embedding model '${embedModel}' now returns ${dimensions} dimensions, the index has ${manifest.dimensions}`, "run 'rag index --rebuild'");
      }
      if (store) return store;
      if (manifestNow && !opts.rebuild) return openExisting(manifestNow);
      if (resume) return openExisting(resume);
      const { ChunkStore } = await import('../store/chunk-store.js');
      if (opts.rebuild && manifestNow) {
        // A fresh rebuild: what an earlier, interrupted one left goes first, so that its
        // records can never be taken for this one's.
        await ChunkStore.dropOtherTables(deps.indexDir, tableName(manifestNow.generation));
        await removeStaleRecords(deps.indexDir, manifestNow.generation);
      }
      store = await ChunkStore.open(deps.indexDir, tableName(generation), { dimensions, create: true });
      if (!manifestNow || opts.rebuild) {
        const digest = (await deps.ollama().listModels().catch(() => [])).find((m) => sameModel(m.name, embedModel))?.digest;
        const stamp = new Date(deps.now()).toISOString();
        manifest = {
          schemaVersion: SCHEMA_VERSION, root: path.relative(deps.indexDir, root) || '.', generation, embedModel,
          ...(digest ? { embedDigest: digest } : {}), dimensions, chunkSizeChars: chunk.chunkSizeChars,
          chunkOverlapChars: chunk.chunkOverlapChars, createdAt: stamp, updatedAt: stamp, hasPendingWrites: true,
        };
        // A new index is live from its first write: every batch commits whole files.
        // A rebuild becomes live only when it is complete (see finish); until then its
        // manifest waits in rebuild.json, for a later --rebuild to resume.
        if (!manifestNow) await writeManifest(deps.indexDir, manifest);
        else await writePendingRebuild(deps.indexDir, manifest);
      }
      summary.dimensions = dimensions;
      return store;
    };

    const prepare = async (file: SourceFile): Promise<PreparedFile | undefined> => {
      const loaded = await loadFile(file.absPath, opts.maxFileSizeBytes);
      const previous = records.get(file.relPath);
      if (!loaded.ok) {
        summary.skipped.push({ relPath: file.relPath, reason: loaded.reason });
        if (previous) removedPaths.push(file.relPath);
        return undefined;
      }
      const record: FileRecord = { path: file.relPath, size: file.size, mtimeMs: file.mtimeMs, hash: loaded.hash, chunks: 0 };
      if (previous && previous.hash === loaded.hash) {
        // Touched but not changed: remember the new mtime so the next run skips it unread.
        records.set(file.relPath, { ...record, chunks: previous.chunks });
        summary.unchanged++;
        return undefined;
      }
      const format = detectFormat(file.relPath);
      const chunks = chunkText(loaded.text, format, chunk);
      const rows = buildRows(embedModel, file.relPath, loaded.hash, chunks);
      record.chunks = rows.length;
      chunksQueued += rows.length;
      report();
      return { file, record, format, chunks, rows, change: previous ? 'changed' : 'new' };
    };

    const embedBatch = async (prepared: PreparedFile[]): Promise<void> => {
      const needsVectors = prepared.some((p) => p.rows.length > 0);
      if (!needsVectors || opts.dryRun) return;
      // Vectors already stored under the same chunk hash are reused: for a changed file its
      // unchanged passages; after a crash, also for a 'new' file the rows the dead run wrote
      // before its record. Never from the old generation in a rebuild, which may use another
      // model; a resumed rebuild looks in its own table.
      const lookup = prepared.filter((p) => p.rows.length > 0 && (p.change === 'changed' || isRecovering));
      const live = lookup.length === 0 ? undefined : store ?? (manifest && (!opts.rebuild || resume) ? await openExisting(manifest) : undefined);
      const reusable = live ? await live.vectorsFor(lookup.map((p) => p.file.relPath)) : new Map<string, number[]>();
      const fill = await fillVectors(prepared, {
        embedModel,
        reusable,
        maxChars: async () => maxEmbedChars(await requireModel()),
        embed: (texts) => {
          embedder ??= new Embedder(deps.ollama(), { model: embedModel, batchSize: opts.batchSize, concurrency: opts.concurrency, onEmbedded: report });
          return embedder.embed(texts);
        },
      });
      summary.chunksReused += fill.reused;
      summary.chunksEmbedded += fill.embedded;
      chunksQueued += fill.addedChunks;
    };

    /** Before the first data write of a run on a live index: a crash from here on leaves work for the next run. */
    const markPending = async (): Promise<void> => {
      if (opts.rebuild || !manifest || manifest.hasPendingWrites) return;
      manifest = { ...manifest, hasPendingWrites: true };
      await writeManifest(deps.indexDir, manifest);
    };

    let writeChain: Promise<void> = Promise.resolve();
    let recordsDirty = false;
    let recordsSavedAt = -Infinity;
    /**
     * Records may lag the data (the next run re-reads those files and reuses their
     * vectors), so after the first batch they are saved every few seconds rather than
     * after every batch: rewriting them per batch costs quadratic time in the file count.
     */
    const saveRecords = async (force: boolean): Promise<void> => {
      if (!manifest || opts.dryRun || !recordsDirty) return;
      if (!force && deps.now() - recordsSavedAt < RECORDS_SAVE_INTERVAL_MS) return;
      await writeRecords(deps.indexDir, generation, records);
      recordsSavedAt = deps.now();
    };
    const write = (prepared: PreparedFile[], touched: boolean): Promise<void> => {
      writeChain = writeChain.then(async () => {
        for (const p of prepared) {
          summary[p.change === 'new' ? 'new' : 'changed']++;
          summary.changes.push({ path: p.file.relPath, change: p.change, chunks: p.rows.length });
        }
        if (opts.dryRun) return;
        if (prepared.length > 0) {
          const dims = prepared.flatMap((p) => p.rows).find((r) => r.vector)?.vector?.length ?? manifest?.dimensions;
          if (dims === undefined) {
            // Only empty files in this batch and no index yet: nothing to store, just records.
          } else {
            const s = await openStore(dims);
            await markPending();
            const rows = prepared.flatMap((p) => p.rows.map(({ embedText: _e, ...row }) => ({ ...row, vector: row.vector! })));
            // A table this run created (new index or fresh rebuild) holds nothing of these files yet.
            await s.replaceFiles(prepared.map((p) => p.file.relPath), rows, { hasNoRowsYet: !manifestNow || (opts.rebuild && !resume) });
          }
          for (const p of prepared) records.set(p.file.relPath, p.record);
        }
        if (prepared.length > 0 || touched) {
          recordsDirty = true;
          await saveRecords(false);
        }
      });
      return writeChain;
    };

    // Batches in flight: the next one loads and embeds while the previous one writes.
    const inFlight = new Set<Promise<void>>();
    let batch: SourceFile[] = [];
    let batchBytes = 0;
    const runBatch = async (files: SourceFile[]) => {
      const prepared: PreparedFile[] = [];
      let touched = false;
      for (const f of files) {
        if (deps.signal.aborted) break;
        const before = summary.unchanged;
        const p = await prepare(f);
        filesDone++;
        if (p) prepared.push(p);
        else if (summary.unchanged > before) touched = true;
      }
      await embedBatch(prepared);
      await write(prepared, touched);
      report();
    };
    const flush = async () => {
      if (batch.length === 0) return;
      const files = batch;
      batch = [];
      batchBytes = 0;
      const task = runBatch(files);
      inFlight.add(task);
      task.then(() => inFlight.delete(task), () => inFlight.delete(task));
      if (inFlight.size >= BATCHES_IN_FLIGHT) await Promise.race(inFlight);
    };
    try {
      for (const file of candidates) {
        if (deps.signal.aborted) break;
        batch.push(file);
        batchBytes += file.size;
        if (batch.length >= FILES_PER_BATCH || batchBytes >= BYTES_PER_BATCH) await flush();
      }
      await flush();
      await Promise.all(inFlight);
    } catch (err) {
      // Let batches already under way finish their writes: what they wrote is whole and kept.
      await Promise.allSettled(inFlight);
      await writeChain.catch(() => {});
      await saveRecords(true).catch(() => {});
      throw err;
    }
    if (deps.signal.aborted) {
      await saveRecords(true);
      throw new RagError(Exit.interrupted, 'Interrupted; the index holds every file finished so far', "run 'rag index' again to finish");
    }

    summary.removed = removedPaths.length;
    for (const p of removedPaths) summary.changes.push({ path: p, change: 'removed' });
    if (!opts.dryRun) {
      if (removedPaths.length > 0 && manifest) {
        const s = store ?? (await openExisting(manifest));
        await markPending();
        await s.removeFiles(removedPaths);
        for (const p of removedPaths) records.delete(p);
        recordsDirty = true;
      }
      await finish();
    }
    summary.embedRequests = embedder?.requests ?? 0;
    summary.chunksTotal = [...records.values()].reduce((n, r) => n + r.chunks, 0);
    summary.changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    // Discovery's skips come sorted, load-time ones (binary files) in batch order: one order for both.
    summary.skipped.sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
    summary.elapsedMs = deps.now() - started;
    return summary;

    /** The interrupted rebuild of `live`, when it was started with the settings asked for now. */
    async function resumableRebuild(live: Manifest): Promise<Manifest | undefined> {
      const pending = await readPendingRebuild(deps.indexDir, live);
      if (!pending || !sameModel(pending.embedModel, embedModel)) return undefined;
      if (pending.chunkSizeChars !== chunk.chunkSizeChars || pending.chunkOverlapChars !== chunk.chunkOverlapChars) return undefined;
      return pending.root === (path.relative(deps.indexDir, root) || '.') ? pending : undefined;
    }

    /** The table of `m`'s generation, opened once even when two batches ask at the same time. */
    async function openExisting(m: Manifest): Promise<ChunkStore> {
      storeOpening ??= import('../store/chunk-store.js').then(({ ChunkStore }) =>
        ChunkStore.open(deps.indexDir, tableName(m.generation), { dimensions: m.dimensions, create: true }));
      store = await storeOpening;
      return store;
    }

    async function finish(): Promise<void> {
      if (!manifest) {
        // Nothing was embedded (e.g. only empty files). A rebuild must still switch over.
        if (!opts.rebuild) return;
        if (!manifestNow) return;
        manifest = { ...manifestNow, generation, createdAt: new Date(deps.now()).toISOString() };
        await openExisting(manifest);
      }
      if (recordsDirty || opts.rebuild) await writeRecords(deps.indexDir, generation, records);
      // The previous run stopped between its first write and its end: finish its job.
      if (isRecovering) {
        const s = store ?? (await openExisting(manifest));
        await s.removeFilesExcept(new Set(records.keys()));
      }
      const changed = summary.new + summary.changed + summary.removed > 0 || opts.rebuild || isRecovering;
      if (changed && store) await store.maintain();
      if (changed || !manifestNow || manifest.hasPendingWrites) {
        const { hasPendingWrites: _done, ...settled } = manifest;
        manifest = { ...settled, updatedAt: new Date(deps.now()).toISOString() };
        await writeManifest(deps.indexDir, manifest);
      }
      // After a rebuild the old generation goes; after any other writing run, the partial
      // generation of an interrupted rebuild (a later --rebuild then starts afresh).
      if (changed) {
        await removePendingRebuild(deps.indexDir);
        const { ChunkStore } = await import('../store/chunk-store.js');
        await ChunkStore.dropOtherTables(deps.indexDir, tableName(generation));
        await removeStaleRecords(deps.indexDir, generation);
      }
    }
  }
}
