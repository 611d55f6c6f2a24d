/**
 * The index's own small state, kept as JSON beside the LanceDB data: the manifest
 * (what the index was built with, and which table generation is live) and the
 * per-file records that let a re-run skip unchanged files without reading them.
 *
 * Every write is a temp file plus rename, so a reader or a crash sees the old
 * file or the new one, never half of one. The manifest is the commit point of a
 * rebuild: it names the live table and the records file.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { RagError } from '../errors.js';

/**
 * 2: passages gained location columns (pages, anchor, cells) for document formats, and the
 * full-text column holds CJK runs as characters and bigrams (store/cjk.ts). A schema-1
 * table lacks the columns and its full-text index finds no CJK words: it must be rebuilt.
 */
export const SCHEMA_VERSION = 2;
export const MANIFEST_FILE = 'manifest.json';

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

export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  // A name no other writer picks, without reading the clock.
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await fs.open(tmp, 'w');
  try {
    await handle.writeFile(JSON.stringify(value));
    // fsync so that a power cut after the rename cannot leave an empty file behind.
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, file);
}

async function readJson(file: string): Promise<unknown | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RagError('storage', `Cannot read ${file}: ${(err as Error).message}`, 'check the permissions of the index folder', { cause: err });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new RagError('damaged', `The index file ${file} is corrupt`, "run 'rag index --rebuild'", { cause: err });
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

export async function readManifest(indexDir: string): Promise<Manifest | undefined> {
  const found = await inspectManifest(indexDir);
  if (found.state === 'damaged') throw found.error;
  return found.manifest;
}

/**
 * The manifest, or why it cannot be used. 'damaged' (not JSON, not a manifest, or from a
 * newer rag) is what `--rebuild` may start over from; an unreadable file still throws.
 */
export async function inspectManifest(
  indexDir: string,
): Promise<{ state: 'missing'; manifest?: undefined } | { state: 'ok'; manifest: Manifest } | { state: 'damaged'; manifest?: undefined; error: RagError }> {
  const file = path.join(indexDir, MANIFEST_FILE);
  let value: unknown;
  try {
    value = await readJson(file);
  } catch (err) {
    if (err instanceof RagError && err.cause instanceof SyntaxError) return { state: 'damaged', error: err };
    throw err;
  }
  if (value === undefined) return { state: 'missing' };
  if (!isManifest(value)) {
    return { state: 'damaged', error: new RagError('damaged', `The index manifest ${file} is corrupt`, "run 'rag index --rebuild'") };
  }
  if (value.schemaVersion > SCHEMA_VERSION) {
    const error = new RagError('index-mismatch', `The index at ${indexDir} was written by a newer rag (schema ${value.schemaVersion})`, 'upgrade rag, or rebuild with --rebuild');
    return { state: 'damaged', error };
  }
  return { state: 'ok', manifest: value };
}

/** What rag keeps in an index folder before its manifest exists: anything else means the folder is not rag's. */
const OWN_BEFORE_MANIFEST = /^(config\.json|lock|lock\.break|.*\.tmp)$/;
/**
 * rag's table folders inside `lance/`, and LanceDB's own catalogue (a crash between creating
 * the first table and writing the manifest leaves these).
 */
const OWN_TABLE_DIR = /^(chunks_g\d+\.lance|__manifest)$/;

/**
 * Refuses to write into a folder rag did not create: `--db`, RAG_DB or a `.rag` symlink
 * pointing at some other data must never have its tables dropped or its files removed.
 * A folder with a manifest (even a damaged one) is rag's; an empty or missing one is free.
 */
export async function assertOwnFolder(indexDir: string): Promise<void> {
  const names = await fs.readdir(indexDir).catch(() => [] as string[]);
  const foreign: string[] = [];
  for (const name of names) {
    if (name === MANIFEST_FILE) return;
    if (OWN_BEFORE_MANIFEST.test(name)) continue;
    if (name === 'lance') {
      const tables = await fs.readdir(path.join(indexDir, name)).catch(() => [name]);
      foreign.push(...tables.filter((t) => !OWN_TABLE_DIR.test(t)).map((t) => `${name}/${t}`));
      continue;
    }
    foreign.push(name);
  }
  if (foreign.length > 0) {
    throw new RagError(
      'usage',
      `${indexDir} is not a rag index: it holds ${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''} and no ${MANIFEST_FILE}`,
      'point --db or RAG_DB at an empty or new folder',
    );
  }
}

/** rag's own files in an index folder: what starting over may remove. */
export async function removeOwnFiles(indexDir: string): Promise<void> {
  const names = await fs.readdir(indexDir).catch(() => [] as string[]);
  const own = names.filter((n) => /^files_g\d+\.json$/.test(n) || n === REBUILD_FILE);
  await Promise.all(own.map((n) => fs.rm(path.join(indexDir, n), { force: true })));
  // Last: until it goes, the folder is still recognisably rag's if this is interrupted.
  await fs.rm(path.join(indexDir, MANIFEST_FILE), { force: true });
}

/**
 * An index written by an older rag lacks columns this one reads and writes: searching or
 * adding to it would fail midway, so it is refused up front (exit 5) until rebuilt.
 */
export function requireCurrentSchema(manifest: Manifest | undefined, indexDir: string): void {
  if (manifest && manifest.schemaVersion < SCHEMA_VERSION) {
    throw new RagError(
      'index-mismatch',
      `The index at ${indexDir} was built by an older rag (schema ${manifest.schemaVersion}, now ${SCHEMA_VERSION})`,
      "run 'rag index --rebuild' to rebuild it",
    );
  }
}

export function writeManifest(indexDir: string, manifest: Manifest): Promise<void> {
  return writeJsonAtomic(path.join(indexDir, MANIFEST_FILE), manifest);
}

/**
 * The manifest a --rebuild under way will switch to, written when it starts. Left behind by
 * an interrupted rebuild, it lets the next --rebuild with the same settings resume: its
 * table and records hold the files already done.
 */
export const REBUILD_FILE = 'rebuild.json';

export function writePendingRebuild(indexDir: string, manifest: Manifest): Promise<void> {
  return writeJsonAtomic(path.join(indexDir, REBUILD_FILE), manifest);
}

/**
 * The manifest of an interrupted rebuild of `live` (its next generation), or undefined when
 * there is none, it is unreadable, or it belongs to another generation: it is only a shortcut.
 */
export async function readPendingRebuild(indexDir: string, live: Manifest): Promise<Manifest | undefined> {
  const value = await readJson(path.join(indexDir, REBUILD_FILE)).catch(() => undefined);
  return isManifest(value) && value.schemaVersion === SCHEMA_VERSION && value.generation === live.generation + 1 ? value : undefined;
}

export async function removePendingRebuild(indexDir: string): Promise<void> {
  await fs.rm(path.join(indexDir, REBUILD_FILE), { force: true });
}

function isFileRecord(value: unknown): value is FileRecord {
  const r = value as Partial<FileRecord> | undefined;
  return (
    typeof r === 'object' && r !== null && typeof r.path === 'string' && typeof r.size === 'number' &&
    typeof r.mtimeMs === 'number' && typeof r.hash === 'string' && typeof r.chunks === 'number' &&
    (r.indexedAt === undefined || typeof r.indexedAt === 'string')
  );
}

export async function readRecords(indexDir: string, generation: number): Promise<FileRecords> {
  const file = path.join(indexDir, recordsFile(generation));
  const value = await readJson(file);
  const records: FileRecords = new Map();
  if (value === undefined) return records;
  // Read as "no records", a damaged file would make the next run re-embed everything and
  // never remove the rows of deleted files: refuse it instead.
  if (!Array.isArray(value) || !value.every(isFileRecord)) {
    throw new RagError('damaged', `The index file ${file} is corrupt`, "run 'rag index --rebuild'");
  }
  for (const r of value) records.set(r.path, r);
  return records;
}

export function writeRecords(indexDir: string, generation: number, records: FileRecords): Promise<void> {
  const sorted = [...records.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return writeJsonAtomic(path.join(indexDir, recordsFile(generation)), sorted);
}

/** Removes the records files of generations other than those in `keep` (left by a rebuild). */
export async function removeStaleRecords(indexDir: string, keep: readonly number[]): Promise<void> {
  const names = await fs.readdir(indexDir).catch(() => [] as string[]);
  const kept = new Set(keep.map(recordsFile));
  await Promise.all(
    names
      .filter((n) => /^files_g\d+\.json$/.test(n) && !kept.has(n))
      .map((n) => fs.rm(path.join(indexDir, n), { force: true })),
  );
}
