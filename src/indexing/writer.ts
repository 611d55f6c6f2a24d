/**
 * The one place an index run writes: the LanceDB table, the manifest and the file records.
 *
 * Safety comes from the order of writes, kept here and nowhere else:
 * 1. A batch of files is written to the table in one commit (each file's chunks replaced
 *    whole); only then are their records updated. A crash between the two leaves records
 *    behind the data, so the next run re-reads those files, finds their vectors by chunk hash,
 *    re-embeds nothing and rewrites the same ids. Records may lag the data, so after the first
 *    batch they are saved every few seconds rather than per batch (rewriting them per batch
 *    costs quadratic time in the file count), and always at the end.
 * 2. Before a run first writes data to the live table it marks the manifest
 *    `hasPendingWrites`; only a run that ends cleanly clears it. The next run after a crash
 *    sees the mark and finishes the job even when no file changed: it drops rows no record
 *    accounts for (a batch written just before the crash, whose files may since have gone)
 *    and maintains the table.
 * 3. A new index is live from its first write: every batch commits whole files. A --rebuild
 *    writes a new table generation whose manifest waits in rebuild.json and becomes the live
 *    manifest only at the end, so the old index stays readable until the new one is whole;
 *    interrupted, it resumes when asked for again with the same settings.
 */
import { Exit, RagError } from '../errors.js';
import type { ChunkStore } from '../store/chunk-store.js';
import { homeOf, type IndexHome } from '../store/index-home.js';
import {
  RETIRED_GRACE_MS, SCHEMA_VERSION, readRecords, removePendingRebuild, removeStaleRecords, tableName, writeManifest, writePendingRebuild, writeRecords,
  type FileRecord, type FileRecords, type Manifest, type RetiredGeneration,
} from '../store/manifest.js';
import { storageWriteError } from '../store/write-errors.js';
import type { RunPlan } from './plan.js';
import type { PreparedFile } from './rows.js';

/** How often the per-file records are saved during a run (and always at its end). */
const RECORDS_SAVE_INTERVAL_MS = 2000;

export interface WriterDeps {
  /** The index as messages name it. */
  indexDir: string;
  /** Where its state lives; undefined: the folder `indexDir`. */
  home?: IndexHome;
  /** The index root as the manifest stores it. */
  root: string;
  now: () => number;
  /** The embedding model's digest, for a manifest this run creates; undefined when unknown. */
  modelDigest: () => Promise<string | undefined>;
  /** Whether this run still holds the index's lock (someone may have deleted it by hand). */
  isLocked?: () => Promise<boolean>;
}

export class IndexWriter {
  private store: ChunkStore | undefined;
  private storeOpening: Promise<ChunkStore> | undefined;
  private manifest: Manifest | undefined;
  private recordsDirty = false;
  private recordsSavedAt = -Infinity;
  /** The table held rows no record accounts for: finish() removes them. */
  private hasOrphans = false;
  private chain: Promise<void> = Promise.resolve();
  private readonly home: IndexHome;

  private constructor(
    private readonly plan: RunPlan,
    private readonly deps: WriterDeps,
    private readonly records: FileRecords,
  ) {
    this.manifest = plan.startManifest;
    this.home = deps.home ?? homeOf(deps.indexDir);
  }

  /** A writer for `plan`, with the records it starts from. In a dry run it writes nothing. */
  static async open(plan: RunPlan, deps: WriterDeps): Promise<IndexWriter> {
    const records = plan.readsRecords ? await readRecords(deps.home ?? deps.indexDir, plan.generation) : new Map<string, FileRecord>();
    return new IndexWriter(plan, deps, records);
  }

  /**
   * Checks the live table against the records before an update run: files whose passages
   * are missing (or stored twice) lose their record, so this run reads and stores them
   * again; rows of files with no record are removed at the end. A table that cannot be read
   * is damage (exit 5, --rebuild); a missing one is rebuilt from the files. Returns the paths
   * that will be re-indexed.
   */
  async reconcile(): Promise<string[]> {
    const live = this.plan.startManifest;
    if (this.plan.mode !== 'update' || !live) return [];
    const { ChunkStore } = await import('../store/chunk-store.js');
    let store: ChunkStore;
    try {
      store = await ChunkStore.open(this.home, tableName(live.generation), { dimensions: live.dimensions, create: false });
    } catch (err) {
      if (!(err instanceof RagError && /has no data table/.test(err.message))) throw err;
      const lost = this.recordedPaths();
      this.records.clear();
      return lost.sort();
    }
    const total = this.chunksTotal();
    // The cheap check first: a full scan of the paths only when the counts disagree.
    if ((await store.checkedCount(this.deps.indexDir)) === total) return [];
    const counts = await store.pathCounts(this.deps.indexDir);
    const mismatched = [...this.records.values()].filter((r) => (counts.get(r.path) ?? 0) !== r.chunks).map((r) => r.path);
    this.hasOrphans = [...counts.keys()].some((p) => !this.records.has(p));
    const twice = mismatched.filter((p) => (counts.get(p) ?? 0) > (this.records.get(p)?.chunks ?? 0));
    if (twice.length > 0 && !this.plan.dryRun) {
      await this.assertLocked();
      await store.removeFiles(twice);
    }
    for (const p of mismatched) this.records.delete(p);
    return mismatched.sort();
  }

  record(relPath: string): FileRecord | undefined {
    return this.records.get(relPath);
  }

  recordedPaths(): string[] {
    return [...this.records.keys()];
  }

  chunksTotal(): number {
    return [...this.records.values()].reduce((n, r) => n + r.chunks, 0);
  }

  /** The index's dimensions: those of the table this run created, else those known when it planned. */
  get dimensions(): number | undefined {
    return this.manifest?.dimensions ?? this.plan.dimensions;
  }

  /** A file touched but not changed: its new size and mtime let the next run skip it unread. */
  touch(record: FileRecord): void {
    const indexedAt = this.records.get(record.path)?.indexedAt;
    this.records.set(record.path, indexedAt ? { ...record, indexedAt } : record);
  }

  /** Stored vectors by chunk hash for these files, from this run's own table (never an older generation's). */
  async reusableVectors(paths: string[]): Promise<Map<string, number[]>> {
    const live = this.store ?? (this.plan.startManifest ? await this.openExisting(this.plan.startManifest) : undefined);
    return live ? live.vectorsFor(paths) : new Map();
  }

  /** Writes a batch of changed files (vectors filled), then their records; batches are written in call order. */
  write(prepared: PreparedFile[], touched: boolean): Promise<void> {
    if (this.plan.dryRun) return Promise.resolve();
    this.chain = this.chain.then(() => this.writeBatch(prepared, touched).catch((err: unknown) => {
      throw storageWriteError(this.deps.indexDir, err);
    }));
    return this.chain;
  }

  private async writeBatch(prepared: PreparedFile[], touched: boolean): Promise<void> {
    if (prepared.length > 0) {
      const dims = prepared.flatMap((p) => p.rows).find((r) => r.vector)?.vector?.length ?? this.manifest?.dimensions;
      // undefined: only empty files in this batch and no index yet, so nothing to store but records.
      if (dims !== undefined) {
        const store = await this.openStore(dims);
        await this.assertLocked();
        await this.markPending();
        const rows = prepared.flatMap((p) => p.rows.map(({ embedText: _e, ...row }) => ({ ...row, vector: row.vector! })));
        await store.replaceFiles(prepared.map((p) => p.file.relPath), rows, { hasNoRowsYet: this.plan.startsEmpty });
      }
      const indexedAt = new Date(this.deps.now()).toISOString();
      for (const p of prepared) this.records.set(p.file.relPath, { ...p.record, indexedAt });
    }
    if (prepared.length > 0 || touched) {
      this.recordsDirty = true;
      await this.saveRecordsWhenDue();
    }
  }

  /**
   * Stops before a write when the lock file no longer names this run: another writer may be
   * in, and two writers appending to one table would store passages twice.
   */
  private async assertLocked(): Promise<void> {
    if (this.deps.isLocked && !(await this.deps.isLocked())) {
      throw new RagError(
        'locked',
        `The lock on the index at ${this.deps.indexDir} was removed while this run was writing`,
        "run 'rag index' again when no other run is writing: the files done so far are kept",
      );
    }
  }

  /** Waits for the writes under way, whatever their outcome. */
  async settle(): Promise<void> {
    await this.chain.catch(() => {});
  }

  /** Saves the records now (an interrupted or failed run keeps every file it finished). */
  async saveRecords(): Promise<void> {
    if (!this.manifest || this.plan.dryRun || !this.recordsDirty) return;
    await writeRecords(this.home, this.plan.generation, this.records);
    this.recordsSavedAt = this.deps.now();
  }

  private async saveRecordsWhenDue(): Promise<void> {
    if (this.deps.now() - this.recordsSavedAt < RECORDS_SAVE_INTERVAL_MS) return;
    await this.saveRecords();
  }

  /** Ends the run: drops the rows of `removed`, reconciles after a crash, then makes the result live. */
  async finish(removed: string[], filesChanged: boolean): Promise<void> {
    try {
      await this.finishRun(removed, filesChanged);
    } catch (err) {
      throw storageWriteError(this.deps.indexDir, err);
    }
  }

  private async finishRun(removed: string[], filesChanged: boolean): Promise<void> {
    if (this.plan.dryRun) return;
    if (removed.length > 0 && this.manifest) {
      const store = this.store ?? (await this.openExisting(this.manifest));
      await this.markPending();
      await store.removeFiles(removed);
      for (const p of removed) this.records.delete(p);
      this.recordsDirty = true;
    }
    const manifest = await this.manifestToFinish();
    if (!manifest) return;
    if (this.recordsDirty || this.plan.switchesOver) await writeRecords(this.home, this.plan.generation, this.records);
    if (this.plan.recovering || this.hasOrphans) {
      const store = this.store ?? (await this.openExisting(manifest));
      await store.removeFilesExcept(new Set(this.records.keys()));
    }
    const changed = filesChanged || this.plan.switchesOver || this.plan.recovering || this.hasOrphans;
    if (changed && this.store) await this.store.maintain();
    const retired = this.retiredGenerations(manifest);
    if (changed || !this.plan.live || manifest.hasPendingWrites || retired.length !== (manifest.retired?.length ?? 0)) {
      const { hasPendingWrites: _done, retired: _old, ...settled } = manifest;
      this.manifest = { ...settled, ...(retired.length > 0 ? { retired } : {}), updatedAt: new Date(this.deps.now()).toISOString() };
      await writeManifest(this.home, this.manifest);
    }
    // After a rebuild, generations replaced long enough ago go; after any other writing run,
    // the partial generation of an interrupted rebuild too (a later --rebuild then starts afresh).
    const kept = [this.plan.generation, ...retired.map((r) => r.generation)];
    if (changed) {
      await removePendingRebuild(this.home);
      await this.dropTablesExcept(kept);
    } else if (retired.length !== (manifest.retired?.length ?? 0)) {
      await this.dropTablesExcept([...kept, this.plan.generation + 1]);
    }
    if (changed) await this.home.tidy(this.deps.now);
  }

  /**
   * The generations still kept readable after this run: a switch-over retires the one it
   * replaces; those retired more than RETIRED_GRACE_MS ago are let go.
   */
  private retiredGenerations(manifest: Manifest): RetiredGeneration[] {
    const now = this.deps.now();
    const before = this.plan.switchesOver ? (this.plan.live?.retired ?? []) : (manifest.retired ?? []);
    const all = this.plan.switchesOver && this.plan.live ? [...before, { generation: this.plan.live.generation, at: new Date(now).toISOString() }] : before;
    return all.filter((r) => r.generation !== this.plan.generation && now - Date.parse(r.at) < RETIRED_GRACE_MS);
  }

  private async dropTablesExcept(generations: number[]): Promise<void> {
    const { ChunkStore } = await import('../store/chunk-store.js');
    await ChunkStore.dropOtherTables(this.home, generations.map(tableName), this.plan.generation + 1);
    await removeStaleRecords(this.home, generations);
  }

  /** The manifest to end under; a rebuild that embedded nothing (e.g. only empty files) must still switch over. */
  private async manifestToFinish(): Promise<Manifest | undefined> {
    if (this.manifest) return this.manifest;
    if (!this.plan.switchesOver || !this.plan.live) return undefined;
    this.manifest = { ...this.plan.live, generation: this.plan.generation, createdAt: new Date(this.deps.now()).toISOString() };
    await this.openExisting(this.manifest);
    return this.manifest;
  }

  /** Before the first data write of a run on a live index: a crash from here on leaves work for the next run. */
  private async markPending(): Promise<void> {
    if (this.plan.switchesOver || !this.manifest || this.manifest.hasPendingWrites) return;
    this.manifest = { ...this.manifest, hasPendingWrites: true };
    await writeManifest(this.home, this.manifest);
  }

  /** Opens the table, creating the index on first use; dims come from the model. */
  private async openStore(dimensions: number): Promise<ChunkStore> {
    if (this.manifest && this.manifest.dimensions !== dimensions) {
      throw new RagError(
        Exit.index,
        `Embedding model '${this.plan.settings.embedModel}' now returns ${dimensions} dimensions, the index has ${this.manifest.dimensions}`,
        "run 'rag index --rebuild'",
      );
    }
    if (this.store) return this.store;
    if (this.plan.startManifest) return this.openExisting(this.plan.startManifest);
    const { ChunkStore } = await import('../store/chunk-store.js');
    if (this.plan.mode === 'rebuild') {
      // A fresh rebuild: what an earlier, interrupted one left goes first, so that its
      // records can never be taken for this one's.
      const live = this.plan.live!;
      await this.dropTablesExcept([live.generation, ...(live.retired ?? []).map((r) => r.generation)]);
    }
    this.store = await ChunkStore.open(this.home, tableName(this.plan.generation), { dimensions, create: true });
    this.manifest = await this.newManifest(dimensions);
    if (this.plan.mode === 'new') await writeManifest(this.home, this.manifest);
    else await writePendingRebuild(this.home, this.manifest);
    return this.store;
  }

  private async newManifest(dimensions: number): Promise<Manifest> {
    const { embedModel, chunk } = this.plan.settings;
    const digest = await this.deps.modelDigest();
    const stamp = new Date(this.deps.now()).toISOString();
    return {
      schemaVersion: SCHEMA_VERSION, root: this.deps.root, generation: this.plan.generation, embedModel,
      ...(digest ? { embedDigest: digest } : {}), dimensions, chunkSizeChars: chunk.chunkSizeChars,
      chunkOverlapChars: chunk.chunkOverlapChars, createdAt: stamp, updatedAt: stamp, hasPendingWrites: true,
    };
  }

  /** The table of `m`'s generation, opened once even when two batches ask at the same time. */
  private async openExisting(m: Manifest): Promise<ChunkStore> {
    this.storeOpening ??= import('../store/chunk-store.js').then(({ ChunkStore }) =>
      ChunkStore.open(this.home, tableName(m.generation), { dimensions: m.dimensions, create: true }));
    this.store = await this.storeOpening;
    return this.store;
  }
}
