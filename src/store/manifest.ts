/**
 * The index's own small state, kept as JSON documents beside the LanceDB data: the
 * manifest (what the index was built with, and which table generation is live) and the
 * per-file records that let a re-run skip unchanged files without reading them.
 *
 * Every write replaces a document whole (index-home.ts: a temp file plus rename in a
 * folder, one LanceDB commit in an object store), so a reader or a crash sees the old
 * document or the new one, never half of one. The manifest is the commit point of a
 * rebuild: it names the live table and the records.
 */
import { RagError } from '../errors.js';
import { MANIFEST_DOC, homeOf, type IndexHome, type IndexPlace } from './index-home.js';

export { assertOwnFolder } from './index-home.js';

/**
 * 2: passages gained location columns (pages, anchor, cells) for document formats, and the
 * full-text column holds CJK runs as characters and bigrams (store/cjk.ts). A schema-1
 * table lacks the columns and its full-text index finds no CJK words: it must be rebuilt.
 */
export const SCHEMA_VERSION = 2;
export const MANIFEST_FILE = MANIFEST_DOC;

export interface Manifest {
  schemaVersion: number;
  /** The index root relative to the index folder ('..' for `<root>/.rag`), so the index can move. */
  root: string;
  /** Bumped by --rebuild; names the table and the records file of the live index. */
  generation: number;
  embedModel: string;
  embedDigest?: string;
  dimensions: number;
  chunkSizeChars: number;
  chunkOverlapChars: number;
  createdAt: string;
  updatedAt: string;
  /**
   * Set before a run first writes data to the live table, cleared when it ends cleanly. Still
   * set at the start of a run means the last one died midway: the new run reconciles the
   * table with the records and compacts it, even when no file changed.
   */
  hasPendingWrites?: boolean;
  /**
   * Table generations a --rebuild switched away from, and when. A reader that read the
   * manifest just before the switch may still be opening or searching one, so they are
   * dropped only by a later run, once RETIRED_GRACE_MS have passed.
   */
  retired?: RetiredGeneration[];
}

export interface RetiredGeneration {
  generation: number;
  at: string;
}

/** How long a replaced table generation stays readable: far longer than any search or ask takes to open it. */
export const RETIRED_GRACE_MS = 60_000;

export interface FileRecord {
  path: string;
  size: number;
  mtimeMs: number;
  hash: string;
  chunks: number;
  /** When this file's passages were last written (ISO); absent in records older than `rag ls`. */
  indexedAt?: string;
}

export type FileRecords = Map<string, FileRecord>;

export function tableName(generation: number): string {
  return `chunks_g${generation}`;
}

function recordsFile(generation: number): string {
  return `files_g${generation}.json`;
}

function writeJson(home: IndexHome, name: string, value: unknown): Promise<void> {
  return home.writeDoc(name, JSON.stringify(value));
}

async function readJson(home: IndexHome, name: string): Promise<unknown | undefined> {
  const text = await home.readDoc(name);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new RagError('damaged', `The index file ${home.docLabel(name)} is corrupt`, "run 'rag index --rebuild'", { cause: err });
  }
}

function isManifest(value: unknown): value is Manifest {
  const m = value as Partial<Manifest> | undefined;
  return (
    typeof m === 'object' && m !== null &&
    typeof m.schemaVersion === 'number' && typeof m.root === 'string' && typeof m.generation === 'number' &&
    typeof m.embedModel === 'string' && typeof m.dimensions === 'number' &&
    typeof m.chunkSizeChars === 'number' && typeof m.chunkOverlapChars === 'number'
  );
}

export async function readManifest(place: IndexPlace): Promise<Manifest | undefined> {
  const found = await inspectManifest(place);
  if (found.state === 'damaged') throw found.error;
  return found.manifest;
}

/**
 * The manifest, or why it cannot be used. 'damaged' (not JSON, not a manifest, or from a
 * newer rag) is what `--rebuild` may start over from; an unreadable file still throws.
 */
export async function inspectManifest(
  place: IndexPlace,
): Promise<{ state: 'missing'; manifest?: undefined } | { state: 'ok'; manifest: Manifest } | { state: 'damaged'; manifest?: undefined; error: RagError }> {
  const home = homeOf(place);
  let value: unknown;
  try {
    value = await readJson(home, MANIFEST_FILE);
  } catch (err) {
    if (err instanceof RagError && err.cause instanceof SyntaxError) return { state: 'damaged', error: err };
    throw err;
  }
  if (value === undefined) return { state: 'missing' };
  if (!isManifest(value)) {
    return { state: 'damaged', error: new RagError('damaged', `The index manifest ${home.docLabel(MANIFEST_FILE)} is corrupt`, "run 'rag index --rebuild'") };
  }
  if (value.schemaVersion > SCHEMA_VERSION) {
    const error = new RagError('index-mismatch', `The index at ${home.where} was written by a newer rag (schema ${value.schemaVersion})`, 'upgrade rag, or rebuild with --rebuild');
    return { state: 'damaged', error };
  }
  return { state: 'ok', manifest: value };
}

/** rag's own documents in an index: what starting over may remove. */
export async function removeOwnFiles(place: IndexPlace): Promise<void> {
  const home = homeOf(place);
  const names = await home.docNames();
  await home.removeDocs(names.filter((n) => /^files_g\d+\.json$/.test(n) || n === REBUILD_FILE));
  // Last: until it goes, the index is still recognisably rag's if this is interrupted.
  await home.removeDocs([MANIFEST_FILE]);
}

/**
 * An index written by an older rag lacks columns this one reads and writes: searching or
 * adding to it would fail midway, so it is refused up front (exit 5) until rebuilt.
 */
export function requireCurrentSchema(manifest: Manifest | undefined, where: string): void {
  if (manifest && manifest.schemaVersion < SCHEMA_VERSION) {
    throw new RagError(
      'index-mismatch',
      `The index at ${where} was built by an older rag (schema ${manifest.schemaVersion}, now ${SCHEMA_VERSION})`,
      "run 'rag index --rebuild' to rebuild it",
    );
  }
}

export function writeManifest(place: IndexPlace, manifest: Manifest): Promise<void> {
  return writeJson(homeOf(place), MANIFEST_FILE, manifest);
}

/**
 * The manifest a --rebuild under way will switch to, written when it starts. Left behind by
 * an interrupted rebuild, it lets the next --rebuild with the same settings resume: its
 * table and records hold the files already done.
 */
export const REBUILD_FILE = 'rebuild.json';

export function writePendingRebuild(place: IndexPlace, manifest: Manifest): Promise<void> {
  return writeJson(homeOf(place), REBUILD_FILE, manifest);
}

/**
 * The manifest of an interrupted rebuild of `live` (its next generation), or undefined when
 * there is none, it is unreadable, or it belongs to another generation: it is only a shortcut.
 */
export async function readPendingRebuild(place: IndexPlace, live: Manifest): Promise<Manifest | undefined> {
  const value = await readJson(homeOf(place), REBUILD_FILE).catch(() => undefined);
  return isManifest(value) && value.schemaVersion === SCHEMA_VERSION && value.generation === live.generation + 1 ? value : undefined;
}

export async function removePendingRebuild(place: IndexPlace): Promise<void> {
  await homeOf(place).removeDocs([REBUILD_FILE]);
}

function isFileRecord(value: unknown): value is FileRecord {
  const r = value as Partial<FileRecord> | undefined;
  return (
    typeof r === 'object' && r !== null && typeof r.path === 'string' && typeof r.size === 'number' &&
    typeof r.mtimeMs === 'number' && typeof r.hash === 'string' && typeof r.chunks === 'number' &&
    (r.indexedAt === undefined || typeof r.indexedAt === 'string')
  );
}

export async function readRecords(place: IndexPlace, generation: number): Promise<FileRecords> {
  const home = homeOf(place);
  const value = await readJson(home, recordsFile(generation));
  const records: FileRecords = new Map();
  if (value === undefined) return records;
  // Read as "no records", a damaged file would make the next run re-embed everything and
  // never remove the rows of deleted files: refuse it instead.
  if (!Array.isArray(value) || !value.every(isFileRecord)) {
    throw new RagError('damaged', `The index file ${home.docLabel(recordsFile(generation))} is corrupt`, "run 'rag index --rebuild'");
  }
  for (const r of value) records.set(r.path, r);
  return records;
}

export function writeRecords(place: IndexPlace, generation: number, records: FileRecords): Promise<void> {
  const sorted = [...records.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return writeJson(homeOf(place), recordsFile(generation), sorted);
}

/** Removes the records of generations other than those in `keep` (left by a rebuild). */
export async function removeStaleRecords(place: IndexPlace, keep: readonly number[]): Promise<void> {
  const home = homeOf(place);
  const kept = new Set(keep.map(recordsFile));
  const names = await home.docNames();
  await home.removeDocs(names.filter((n) => /^files_g\d+\.json$/.test(n) && !kept.has(n)));
}
