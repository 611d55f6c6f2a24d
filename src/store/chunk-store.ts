/**
 * The only importer of @lancedb/lancedb and, through arrow.ts, of apache-arrow (both are slow to load, so
 * commands import this module lazily). It owns the table schema, atomic per-file
 * replacement, search, and the translation of storage failures into RagError.
 */
// First: it puts the Arrow that LanceDB is to load in place (see arrow.ts).
import { Arrow as ArrowLib } from './arrow.js';
import * as lancedb from '@lancedb/lancedb';
import type * as Arrow from 'apache-arrow';
import vm from 'node:vm';
import { RagError } from '../errors.js';
import type { ChunkLocation, Hit } from '../types.js';
import { cjkIndexText, cjkQueryText } from './cjk.js';
import { homeOf, type IndexPlace, type TableSpace } from './index-home.js';
import { objectStoreFailure } from './object-store.js';

const { Field, FixedSizeList, Float32, Int32, Schema, Table, Utf8, makeData, makeVector, vectorFromArray } = ArrowLib;

/** A row of the chunks table, in memory (camelCase; the table uses DESIGN §5's names). */
export interface ChunkRow {
  id: string;
  path: string;
  startLine: number;
  endLine: number;
  heading: string;
  text: string;
  /** Heading, path and text: what full-text search matches against. */
  searchText: string;
  vector: Float32Array | number[];
  fileHash: string;
  chunkHash: string;
  /** Page range, anchor or cells of a passage from a document format; null columns otherwise. */
  location?: ChunkLocation;
}

/**
 * From this many rows on, a vector index (see notes/lancedb.md). A cold exact search reads
 * every vector: 25,000 rows of 768 floats took 0.3 s of a 0.3 s budget for a whole cold
 * `rag search`, so past a few thousand rows the index pays for itself on every query.
 */
export const VECTOR_INDEX_MIN_ROWS = 5_000;
/**
 * Search width and exact re-ranking of the candidates. Measured over 25,000 rows of 768
 * dimensions: recall@10 against exact search 0.996 (efConstruction 100, ef 400) and 0.998
 * (300, 800); at 50,000 rows of 256 dimensions defaults gave 0.35.
 */
const HNSW_EF = 400;
const HNSW_REFINE_FACTOR = 5;
/** Graph build width: LanceDB's default 300 builds slower, for no recall at HNSW_EF (above). */
const HNSW_EF_CONSTRUCTION = 100;
/**
 * Vectors sampled per partition to train the IVF centroids (LanceDB's default: 256). Every
 * partition is probed, so rough centroids cost no recall (0.990 over 25,000 rows of 768
 * dimensions), while the build's peak RSS fell from 361 MB to 266 MB.
 */
const IVF_SAMPLE_RATE = 64;
/**
 * IVF partitions of the vector index, each with its own HNSW graph, and every one probed
 * by a query: the partitions make the build faster, not the search narrower. LanceDB's
 * default is one partition per million rows, i.e. one graph, and building that took
 * 23.5 s over 81,000 rows on 2 CPUs; 16 partitions took 10.7 s, with recall@10 0.99
 * instead of 0.97 and 16 ms a query instead of 9 (exact search: 77 ms).
 */
const VECTOR_INDEX_PARTITIONS = 16;
/**
 * When compaction is due. Every write adds a fragment (one bounded batch of files,
 * typically a few hundred rows). Measured at 40,000 rows, warm: a vector and a full-text
 * query take the same time over 47 fragments as over one, about 20 ms more over 200 and
 * 40 ms more over 400. So fragments may number MAX_FRAGMENTS, or more while they average
 * at least MIN_ROWS_PER_FRAGMENT rows: a first build of any size is not rewritten just
 * after it was written, and many small writes from incremental runs are merged.
 */
export const MAX_FRAGMENTS = 64;
/** Generations below the newest that a store without table listing is checked for. */
const GUESSED_GENERATIONS = 8;
const MIN_ROWS_PER_FRAGMENT = 250;
/** Rows an index may leave to brute force before compaction folds them in. */
const MAX_UNINDEXED_SHARE = 0.1;

/**
 * The metadata cache of a connection (LanceDB's default: 1 GB). It keeps the manifest of
 * every table version the process sees, and each manifest lists all fragments, so over a
 * run of N commits it grows as N²: a 300,000-passage first build (some 940 commits) grew
 * past 800 MB while writing, and 1,200 small appends held 400 MB. Capped, the same appends
 * level off at 190 MB, in the same time. The index cache keeps its default: it holds only
 * the indexes a query has read.
 */
const METADATA_CACHE_BYTES = 64 * 1024 * 1024;


function vectorIndexConfig(): lancedb.Index {
  return lancedb.Index.hnswSq({ distanceType: 'cosine', numPartitions: VECTOR_INDEX_PARTITIONS, efConstruction: HNSW_EF_CONSTRUCTION, sampleRate: IVF_SAMPLE_RATE });
}

/** What ChunkStore.maintain() did. */
export interface Maintenance {
  compacted: boolean;
  indexesBuilt: string[];
}

function chunkSchema(dimensions: number): Arrow.Schema {
  return new Schema([
    new Field('id', new Utf8(), false),
    new Field('path', new Utf8(), false),
    new Field('start_line', new Int32(), false),
    new Field('end_line', new Int32(), false),
    new Field('heading', new Utf8(), false),
    new Field('text', new Utf8(), false),
    new Field('search_text', new Utf8(), false),
    new Field('vector', new FixedSizeList(dimensions, new Field('item', new Float32(), true)), false),
    new Field('file_hash', new Utf8(), false),
    new Field('chunk_hash', new Utf8(), false),
    // Where a passage of a PDF, HTML page or notebook sits (SCHEMA_VERSION 2); null for text files.
    new Field('start_page', new Int32(), true),
    new Field('end_page', new Int32(), true),
    new Field('anchor', new Utf8(), true),
    new Field('start_cell', new Int32(), true),
    new Field('end_cell', new Int32(), true),
  ]);
}

/**
 * A full garbage collection, now. Before a native index build or compaction: the run's
 * garbage (tens of MB of Arrow and response buffers) would otherwise stay in memory
 * beside it, as no JS runs to prompt a collection. Peak RSS of the benchmark's index run
 * falls by about 20 MB. V8 hands `gc` only to contexts created after --expose-gc is set,
 * which the process edge does for `rag index`; without it this does nothing.
 */
function collectGarbage(): void {
  const gc = vm.runInNewContext('typeof gc === "function" ? gc : undefined') as (() => void) | undefined;
  gc?.();
}

/** SQL string literal: quotes are escaped by doubling them. */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Only passages of files under this path prefix (e.g. `docs/`), or all of them. */
export interface SearchFilter {
  pathPrefix?: string;
  /** Search only the passages of these files (`-t`); a prefilter, so `limit` still holds. */
  onlyPaths?: string[];
}

/** `LIKE` would read `%` and `_` in a path as wildcards. */
function filterSql(filter: SearchFilter): string | undefined {
  const parts = [
    ...(filter.pathPrefix ? [`starts_with(path, ${sqlString(filter.pathPrefix)})`] : []),
    ...(filter.onlyPaths ? [pathIn(filter.onlyPaths)] : []),
  ];
  return parts.length > 0 ? parts.join(' AND ') : undefined;
}

function pathIn(paths: string[]): string {
  return `path IN (${paths.map(sqlString).join(', ')})`;
}

/**
 * Full-text query text that cannot trip the query parser: keep words (letters,
 * digits, `_`, `-`, `.` inside identifiers), drop operators, quotes and brackets.
 */
export function sanitizeFtsQuery(query: string): string {
  const words = query.normalize('NFKC').match(/[\p{L}\p{N}_]+(?:[.\-][\p{L}\p{N}_]+)*/gu) ?? [];
  return words.join(' ');
}

function toVector(value: unknown): number[] {
  if (value && typeof (value as { toArray?: unknown }).toArray === 'function') {
    return Array.from((value as { toArray(): ArrayLike<number> }).toArray());
  }
  return Array.from(value as ArrayLike<number>);
}

/**
 * Rows as one Arrow table, built column by column: all vectors in one Float32Array, the
 * strings in one pass each. Handing LanceDB plain objects instead makes it infer and
 * build every value through Arrow's builders, which allocated several times the batch's
 * size in short-lived garbage.
 */
function toArrowTable(rows: ChunkRow[], schema: Arrow.Schema, dimensions: number): Arrow.Table {
  const vectors = new Float32Array(rows.length * dimensions);
  rows.forEach((r, i) => vectors.set(r.vector, i * dimensions));
  const strings = (pick: (r: ChunkRow) => string) => vectorFromArray(rows.map(pick), new Utf8());
  const ints = (pick: (r: ChunkRow) => number) => makeVector(Int32Array.from(rows, pick));
  const optionalInts = (pick: (l: ChunkLocation) => number | undefined) => vectorFromArray(rows.map((r) => (r.location ? pick(r.location) ?? null : null)), new Int32());
  const vectorType = schema.fields.find((f) => f.name === 'vector')!.type as Arrow.FixedSizeList;
  const items = makeData({ type: new Float32(), length: vectors.length, data: vectors });
  return new Table(schema, {
    id: strings((r) => r.id),
    path: strings((r) => r.path),
    start_line: ints((r) => r.startLine),
    end_line: ints((r) => r.endLine),
    heading: strings((r) => r.heading),
    text: strings((r) => r.text),
    search_text: strings((r) => cjkIndexText(r.searchText)),
    vector: makeVector(makeData({ type: vectorType, length: rows.length, nullCount: 0, child: items })),
    file_hash: strings((r) => r.fileHash),
    chunk_hash: strings((r) => r.chunkHash),
    start_page: optionalInts((l) => l.startPage),
    end_page: optionalInts((l) => l.endPage),
    anchor: vectorFromArray(rows.map((r) => r.location?.anchor ?? null), new Utf8()),
    start_cell: optionalInts((l) => l.startCell),
    end_cell: optionalInts((l) => l.endCell),
  });
}

function toHit(r: Record<string, unknown>, score: number): Hit {
  return {
    id: String(r.id),
    path: String(r.path),
    startLine: Number(r.start_line),
    endLine: Number(r.end_line),
    heading: String(r.heading ?? ''),
    text: String(r.text ?? ''),
    score,
    ...locationOf(r),
  };
}

function locationOf(r: Record<string, unknown>): { location?: ChunkLocation } {
  const int = (v: unknown) => (v === null || v === undefined ? undefined : Number(v));
  const location: ChunkLocation = {};
  const startPage = int(r.start_page);
  const endPage = int(r.end_page);
  const startCell = int(r.start_cell);
  const endCell = int(r.end_cell);
  if (startPage !== undefined) location.startPage = startPage;
  if (endPage !== undefined) location.endPage = endPage;
  if (typeof r.anchor === 'string' && r.anchor !== '') location.anchor = r.anchor;
  if (startCell !== undefined) location.startCell = startCell;
  if (endCell !== undefined) location.endCell = endCell;
  return Object.keys(location).length > 0 ? { location } : {};
}

const HIT_COLUMNS = ['id', 'path', 'start_line', 'end_line', 'heading', 'text', 'start_page', 'end_page', 'anchor', 'start_cell', 'end_cell'];

/** A storage failure as the user can act on it (an object store's missing bucket, bad keys, no network). */
export function storageFailure(what: string, err: unknown): RagError {
  const full = err instanceof Error ? err.message : String(err);
  const message = full.split('\n')[0] ?? '';
  const failure = objectStoreFailure(full);
  if (failure) return new RagError('storage', `${what}: ${failure.message}`, failure.hint, { cause: err });
  return new RagError('storage', `${what}: ${message}`, "run 'rag index --rebuild' if this persists", { cause: err });
}

/** A connection to the index's tables: a folder, or an object store with its options. */
export async function connectTables(space: TableSpace, where: string, options: { readConsistent?: boolean } = {}): Promise<lancedb.Connection> {
  try {
    return await lancedb.connect(space.uri, {
      session: new lancedb.Session(undefined, BigInt(METADATA_CACHE_BYTES)),
      // An object store's tables are found by name under the URI, as in a folder: no catalogue
      // table to read (and create) on every connection.
      ...(space.storageOptions ? { storageOptions: space.storageOptions } : {}),
      ...(space.canListTables ? {} : { manifestEnabled: false }),
      // 0: every read checks for a newer version (one more request), for state other machines write.
      ...(options.readConsistent ? { readConsistencyInterval: 0 } : {}),
    });
  } catch (err) {
    throw storageFailure(`Cannot open the index at ${where}`, err);
  }
}

/** LanceDB's words for a table that is not there. */
export function isMissingTable(err: unknown): boolean {
  return /Table '[^']*' was not found/.test(err instanceof Error ? err.message : String(err));
}

/** The table `name`, or undefined when it does not exist; opened by name, since not every store lists tables. */
export async function openTableIfExists(db: lancedb.Connection, space: TableSpace, name: string): Promise<lancedb.Table | undefined> {
  if (space.canListTables) return (await db.tableNames()).includes(name) ? db.openTable(name) : undefined;
  try {
    return await db.openTable(name);
  } catch (err) {
    if (isMissingTable(err)) return undefined;
    throw err;
  }
}

function damagedError(indexDir: string, err: unknown): RagError {
  const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
  return new RagError('damaged', `The index at ${indexDir} is damaged: ${message}`, "run 'rag index --rebuild'", { cause: err });
}

export class ChunkStore {
  private readonly schema: Arrow.Schema;

  private constructor(
    private readonly table: lancedb.Table,
    readonly dimensions: number,
    private readonly now: () => number,
    /** TableSpace.maxFragments: undefined keeps the folder rule (MAX_FRAGMENTS). */
    private readonly maxFragments?: number,
  ) {
    this.schema = chunkSchema(dimensions);
  }

  /** Opens the live table; creates it when `create` is set and it does not exist. */
  static async open(place: IndexPlace, tableName: string, options: { dimensions: number; create: boolean; now?: () => number }): Promise<ChunkStore> {
    // Until every caller passes the injected clock, the system clock stands in.
    const now = options.now ?? Date.now;
    const home = homeOf(place);
    const db = await connectTables(home.tables, home.where);
    try {
      const found = await openTableIfExists(db, home.tables, tableName);
      if (found) return new ChunkStore(found, options.dimensions, now, home.tables.maxFragments);
      if (!options.create) {
        throw new RagError('damaged', `The index at ${home.where} has no data table`, "run 'rag index' to build it, or 'rag index --rebuild'");
      }
      const table = await db.createEmptyTable(tableName, chunkSchema(options.dimensions), { mode: 'create', existOk: true });
      return new ChunkStore(table, options.dimensions, now, home.tables.maxFragments);
    } catch (err) {
      if (err instanceof RagError) throw err;
      throw storageFailure(`Cannot open the index table in ${home.where}`, err);
    }
  }

  /**
   * Drops rag's own tables (`chunks_g<n>`) except those in `keep`: replaced generations and
   * the leftovers of an interrupted rebuild. Tables rag did not name are never touched.
   * Where tables cannot be listed, the generations up to `upTo` that can still exist (an
   * earlier run dropped the older ones) are dropped by name.
   */
  static async dropOtherTables(place: IndexPlace, keep: readonly string[], upTo = 1): Promise<void> {
    const home = homeOf(place);
    const db = await connectTables(home.tables, home.where);
    try {
      if (home.tables.canListTables) {
        for (const name of await db.tableNames()) {
          if (/^chunks_g\d+$/.test(name) && !keep.includes(name)) await db.dropTable(name);
        }
        return;
      }
      for (let g = Math.max(1, upTo - GUESSED_GENERATIONS); g <= upTo; g++) {
        const name = `chunks_g${g}`;
        if (keep.includes(name)) continue;
        await db.dropTable(name).catch((err: unknown) => {
          if (!isMissingTable(err)) throw err;
        });
      }
    } catch (err) {
      throw storageFailure(`Cannot remove old tables in ${home.where}`, err);
    }
  }

  async countRows(): Promise<number> {
    return this.table.countRows();
  }

  /**
   * Rows counted from the table's metadata, after reading one row: the read fails when the
   * data files are gone, which the count alone would not notice. A failure is damage, exit 5.
   */
  async checkedCount(indexDir: string): Promise<number> {
    try {
      const rows = await this.table.countRows();
      await this.table.query().select(['id']).limit(1).toArray();
      return rows;
    } catch (err) {
      throw damagedError(indexDir, err);
    }
  }

  /** Rows per file path: what reconciling the table with the file records compares. */
  async pathCounts(indexDir: string): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    try {
      const rows = await this.table.query().select(['path']).toArray();
      for (const r of rows as Array<Record<string, unknown>>) counts.set(String(r.path), (counts.get(String(r.path)) ?? 0) + 1);
    } catch (err) {
      throw damagedError(indexDir, err);
    }
    return counts;
  }

  /** Vectors already stored for these files, keyed by chunk hash: unchanged passages are not re-embedded. */
  async vectorsFor(paths: string[]): Promise<Map<string, number[]>> {
    const out = new Map<string, number[]>();
    if (paths.length === 0) return out;
    const rows = await this.table.query().where(pathIn(paths)).select(['chunk_hash', 'vector']).toArray();
    for (const r of rows as Array<Record<string, unknown>>) out.set(String(r.chunk_hash), toVector(r.vector));
    return out;
  }

  /**
   * Replaces the chunks of `paths` with `rows` in ONE commit: a reader sees each file's
   * old chunks or its new ones, never a mix, a gap or both (notes/lancedb.md).
   */
  async replaceFiles(paths: string[], rows: ChunkRow[], options: { hasNoRowsYet?: boolean } = {}): Promise<void> {
    if (paths.length === 0) return;
    for (const r of rows) {
      if (r.vector.length !== this.dimensions) {
        // LanceDB would silently pad or cut a vector of the wrong length.
        throw new RagError('index-mismatch', `Embedding of ${r.path} has ${r.vector.length} dimensions, the index has ${this.dimensions}`, "run 'rag index --rebuild'");
      }
    }
    if (rows.length === 0) {
      if (!options.hasNoRowsYet) await this.table.delete(pathIn(paths));
      return;
    }
    if (options.hasNoRowsYet) {
      // Nothing to replace (a table this run created, each file written once): a plain
      // append is one commit too, and needs far less memory and CPU than a merge.
      await this.table.add(toArrowTable(rows, this.schema, this.dimensions));
      return;
    }
    await this.table
      .mergeInsert('id')
      .whenMatchedUpdateAll()
      .whenNotMatchedInsertAll()
      .whenNotMatchedBySourceDelete({ where: pathIn(paths) })
      .execute(toArrowTable(rows, this.schema, this.dimensions));
  }

  async removeFiles(paths: string[]): Promise<void> {
    if (paths.length > 0) await this.table.delete(pathIn(paths));
  }

  /**
   * Deletes the rows of every file not in `keep`: after a crash, rows written just before
   * their file's record was saved, whose file may be gone by now. Returns the paths removed.
   */
  async removeFilesExcept(keep: ReadonlySet<string>): Promise<string[]> {
    const rows = await this.table.query().select(['path']).toArray();
    const orphans = [...new Set((rows as Array<Record<string, unknown>>).map((r) => String(r.path)))].filter((p) => !keep.has(p)).sort();
    await this.removeFiles(orphans);
    return orphans;
  }

  async vectorSearch(vector: number[], limit: number, filter: SearchFilter = {}): Promise<Hit[]> {
    // With a vector index (past VECTOR_INDEX_MIN_ROWS), defaults give poor recall: probe every
    // partition, search each graph wider and re-rank the candidates by exact distance.
    // Without an index these settings are no-ops.
    if (filter.onlyPaths?.length === 0) return [];
    const where = filterSql(filter);
    let query = this.table.vectorSearch(vector);
    if (where) query = query.where(where);
    const rows = await query
      .distanceType('cosine')
      .nprobes(VECTOR_INDEX_PARTITIONS)
      .ef(HNSW_EF)
      .refineFactor(HNSW_REFINE_FACTOR)
      .select([...HIT_COLUMNS, '_distance'])
      .limit(limit)
      .toArray();
    return (rows as Array<Record<string, unknown>>).map((r) => toHit(r, 1 - Number(r._distance)));
  }

  /** BM25 over heading, path and text. Empty after sanitising, or no FTS index yet: no hits. */
  async textSearch(query: string, limit: number, filter: SearchFilter = {}): Promise<Hit[]> {
    const text = cjkQueryText(sanitizeFtsQuery(query)).replace(/\s+/g, ' ').trim();
    if (!text || filter.onlyPaths?.length === 0) return [];
    const where = filterSql(filter);
    let search = this.table.query().fullTextSearch(text, { columns: ['search_text'] });
    if (where) search = search.where(where);
    const rows = await search.select([...HIT_COLUMNS, '_score']).limit(limit).toArray();
    return (rows as Array<Record<string, unknown>>).map((r) => toHit(r, Number(r._score)));
  }

  async hasTextIndex(): Promise<boolean> {
    return (await this.table.listIndices()).some((i) => i.columns.includes('search_text'));
  }

  /**
   * Upkeep at the end of a writing run. Builds what is missing: the full-text index, and
   * past a size a cosine vector index, so queries do not fall back to a full scan with
   * the wrong metric. Compaction (LanceDB's optimize: merge fragments, fold new rows into
   * the indexes, prune old versions) is the costliest step in time and memory, and
   * queries do not need it after every run: both indexes also search the rows they do not
   * cover yet, and a few dozen fragments search as fast as one (measured by
   * `npm run bench`). So it runs only once either has grown past its limit. Until then
   * the versions it would prune cost little disk: a write adds files, never rewrites them.
   */
  async maintain(): Promise<Maintenance> {
    const rows = await this.table.countRows();
    if (rows === 0) return { compacted: false, indexesBuilt: [] };
    const compacted = await this.needsCompaction(rows);
    const indexed = new Set((await this.table.listIndices()).flatMap((i) => i.columns));
    const missing = [...(indexed.has('search_text') ? [] : ['search_text']), ...(rows >= VECTOR_INDEX_MIN_ROWS && !indexed.has('vector') ? ['vector'] : [])];
    if (compacted || missing.length > 0) collectGarbage();
    // Compacting first means a new index is built once over the final fragments, not
    // built and then rewritten by the compaction.
    if (compacted) await this.compact();
    for (const column of missing) {
      const config = column === 'vector' ? vectorIndexConfig() : lancedb.Index.fts({ withPosition: false });
      await this.table.createIndex(column, { config, replace: true });
    }
    return { compacted, indexesBuilt: missing };
  }

  private async needsCompaction(rows: number): Promise<boolean> {
    const fragments = await this.fragmentCount();
    if (fragments > (this.maxFragments ?? Math.max(MAX_FRAGMENTS, rows / MIN_ROWS_PER_FRAGMENT))) return true;
    for (const index of await this.table.listIndices()) {
      const stats = await this.table.indexStats(index.name);
      if (stats && stats.numUnindexedRows > rows * MAX_UNINDEXED_SHARE) return true;
    }
    return false;
  }

  private async compact(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        // Versions younger than a minute stay: a reader that opened one is still using it.
        await this.table.optimize({ cleanupOlderThan: new Date(this.now() - 60_000) });
        return;
      } catch (err) {
        // A reader or another writer racing the commit: retryable (notes/lancedb.md).
        if (attempt >= 3 || !/conflict|retry/i.test(String((err as Error).message))) throw storageFailure('Compacting the index failed', err);
      }
    }
  }

  /** Fragments in the table: what maintain() keeps bounded. */
  async fragmentCount(): Promise<number> {
    return (await this.table.stats()).fragmentStats.numFragments;
  }

  /** Whole passages by id, in the order asked (`rag eval --generate` drafts questions from them). */
  async passagesByIds(ids: string[]): Promise<Hit[]> {
    if (ids.length === 0) return [];
    const rows = await this.table.query().where(`id IN (${ids.map(sqlString).join(', ')})`).select(HIT_COLUMNS).toArray();
    const byId = new Map((rows as Array<Record<string, unknown>>).map((r) => [String(r.id), toHit(r, 0)]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  /** Every passage's id and path, sorted by id (`rag eval --generate` samples from them). */
  async passageIds(): Promise<Array<{ id: string; path: string }>> {
    const rows = await this.table.query().select(['id', 'path']).toArray();
    return (rows as Array<Record<string, unknown>>)
      .map((r) => ({ id: String(r.id), path: String(r.path) }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}
