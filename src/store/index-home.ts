/**
 * Where an index's state lives: its LanceDB tables, and the small named documents beside
 * them (the manifest, the per-file records, a pending rebuild) plus the writer's lock.
 * Chosen once, when the settings are resolved (context.ts): a folder (the default, and
 * what every plain path means) or an object store (`s3://…`, object-home.ts). The rest of
 * rag reads and writes through this interface and never asks which one it has.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { RagError } from '../errors.js';
import { acquireLock, type Lock } from './lock.js';

/** What LanceDB connects to for the index's tables. */
export interface TableSpace {
  /** `<index>/lance`, or the object-store URI itself. */
  uri: string;
  /** Credentials and endpoint for an object store; never written into the index. */
  storageOptions?: Record<string, string>;
  /** Whether LanceDB can list the tables here (it lists none on some S3-compatible servers). */
  canListTables: boolean;
  /**
   * Compact the passages table once it has more fragments than this. Unset: the folder rule
   * (chunk-store.ts MAX_FRAGMENTS). In an object store every fragment costs a search more
   * requests, so it is compacted much sooner (see the README's "Past one bucket").
   */
  maxFragments?: number;
}

export interface IndexHome {
  /** The folder or the URI, as messages and `rag status` show it (never with credentials). */
  readonly where: string;
  /** A folder on this machine: the only kind a `config.json` is read from. */
  readonly isFolder: boolean;
  readonly tables: TableSpace;
  /** A document's text, or undefined when there is none. */
  readDoc(name: string): Promise<string | undefined>;
  /** Replaces a document whole: a reader or a crash sees the old text or the new, never a mix. */
  writeDoc(name: string, text: string): Promise<void>;
  removeDocs(names: readonly string[]): Promise<void>;
  docNames(): Promise<string[]>;
  /** How a document is named in messages. */
  docLabel(name: string): string;
  /** Makes the place exist before the first write. */
  prepare(): Promise<void>;
  /** Refuses a place that holds data rag did not write (see assertOwnFolder). */
  assertOwn(): Promise<void>;
  acquireLock(pid: number, now: () => number, command?: string): Promise<Lock>;
  /** The folder the stored paths are relative to, in this process (`stored`: the manifest's root). */
  rootOf(stored: string, cwd: string): string;
  /** The root of a new index: see the README's "Where the index lives". */
  newRoot(isExplicit: boolean, cwd: string): string;
  /** The root as the manifest stores it. */
  storedRoot(root: string): string;
  /** Upkeep after a writing run (compacting the documents' table of an object store). */
  tidy(now: () => number): Promise<void>;
}

/** An index home, or a folder path standing for one. */
export type IndexPlace = IndexHome | string;

export function homeOf(place: IndexPlace): IndexHome {
  return typeof place === 'string' ? new FolderHome(place) : place;
}

export const MANIFEST_DOC = 'manifest.json';

/** What rag keeps in an index folder before its manifest exists: anything else means the folder is not rag's. */
const OWN_BEFORE_MANIFEST = /^(config\.json|lock|lock\.break|.*\.tmp)$/;
/**
 * rag's table folders inside `lance/`, and LanceDB's own catalogue (a crash between creating
 * the first table and writing the manifest leaves these).
 */
const OWN_TABLE_DIR = /^(chunks_g\d+\.lance|__manifest)$/;
const DB_FOLDER = 'lance';

/** The default: an index folder on this machine (normally `<root>/.rag`). */
export class FolderHome implements IndexHome {
  readonly isFolder = true;
  readonly tables: TableSpace;

  constructor(readonly where: string) {
    this.tables = { uri: path.join(where, DB_FOLDER), canListTables: true };
  }

  async readDoc(name: string): Promise<string | undefined> {
    const file = path.join(this.where, name);
    try {
      return await fs.readFile(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw new RagError('storage', `Cannot read ${file}: ${(err as Error).message}`, 'check the permissions of the index folder', { cause: err });
    }
  }

  /** A temp file plus rename: the rename is the commit. */
  async writeDoc(name: string, text: string): Promise<void> {
    const file = path.join(this.where, name);
    // A name no other writer picks, without reading the clock.
    const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    const handle = await fs.open(tmp, 'w');
    try {
      await handle.writeFile(text);
      // fsync so that a power cut after the rename cannot leave an empty file behind.
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
  }

  async removeDocs(names: readonly string[]): Promise<void> {
    await Promise.all(names.map((n) => fs.rm(path.join(this.where, n), { force: true })));
  }

  docNames(): Promise<string[]> {
    return fs.readdir(this.where).catch(() => [] as string[]);
  }

  docLabel(name: string): string {
    return path.join(this.where, name);
  }

  async prepare(): Promise<void> {
    await fs.mkdir(this.where, { recursive: true });
  }

  assertOwn(): Promise<void> {
    return assertOwnFolder(this.where);
  }

  acquireLock(pid: number, now: () => number, command?: string): Promise<Lock> {
    return acquireLock(this.where, pid, now, command);
  }

  rootOf(stored: string): string {
    return path.resolve(this.where, stored);
  }

  /** The cwd for an explicit --db, else the folder holding `.rag`. */
  newRoot(isExplicit: boolean, cwd: string): string {
    return isExplicit ? cwd : path.dirname(this.where);
  }

  /** Relative to the index folder, so the index and its documents can move together. */
  storedRoot(root: string): string {
    return path.relative(this.where, root) || '.';
  }

  async tidy(): Promise<void> {}
}

/**
 * Refuses to write into a folder rag did not create: `--db`, RAG_DB or a `.rag` symlink
 * pointing at some other data must never have its tables dropped or its files removed.
 * A folder with a manifest (even a damaged one) is rag's; an empty or missing one is free.
 */
export async function assertOwnFolder(indexDir: string): Promise<void> {
  const names = await fs.readdir(indexDir).catch(() => [] as string[]);
  const foreign: string[] = [];
  for (const name of names) {
    if (name === MANIFEST_DOC) return;
    if (OWN_BEFORE_MANIFEST.test(name)) continue;
    if (name === DB_FOLDER) {
      const tables = await fs.readdir(path.join(indexDir, name)).catch(() => [name]);
      foreign.push(...tables.filter((t) => !OWN_TABLE_DIR.test(t)).map((t) => `${name}/${t}`));
      continue;
    }
    foreign.push(name);
  }
  if (foreign.length > 0) {
    throw new RagError(
      'usage',
      `${indexDir} is not a rag index: it holds ${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''} and no ${MANIFEST_DOC}`,
      'point --db or RAG_DB at an empty or new folder',
    );
  }
}
