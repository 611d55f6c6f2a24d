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
 * 2: the full-text column holds CJK runs as characters and bigrams (store/cjk.ts). A
 * schema-1 table is still readable, but its full-text index finds no CJK words, and the
 * rows of unchanged files would never be rewritten: such an index must be rebuilt.
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
}

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
  const file = path.join(indexDir, MANIFEST_FILE);
  const value = await readJson(file);
  if (value === undefined) return undefined;
  if (!isManifest(value)) {
    throw new RagError('damaged', `The index manifest ${file} is corrupt`, "run 'rag index --rebuild'");
  }
  if (value.schemaVersion > SCHEMA_VERSION) {
    throw new RagError('index-mismatch', `The index at ${indexDir} was written by a newer rag (schema ${value.schemaVersion})`, 'upgrade rag, or rebuild with --rebuild');
  }
  return value;
}

/** Refuses an index written by an older schema (see SCHEMA_VERSION); --rebuild replaces it. */
export function checkSchema(m: Manifest, indexDir: string): void {
  if (m.schemaVersion < SCHEMA_VERSION) {
    throw new RagError('index-mismatch', `The index at ${indexDir} was written by an older rag (schema ${m.schemaVersion}, now ${SCHEMA_VERSION})`, "run 'rag index --rebuild'");
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

/** Removes the records files of generations other than the live one (left by a rebuild). */
export async function removeStaleRecords(indexDir: string, liveGeneration: number): Promise<void> {
  const names = await fs.readdir(indexDir).catch(() => [] as string[]);
  await Promise.all(
    names
      .filter((n) => /^files_g\d+\.json$/.test(n) && n !== recordsFile(liveGeneration))
      .map((n) => fs.rm(path.join(indexDir, n), { force: true })),
  );
}
