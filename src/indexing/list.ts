/**
 * `rag ls`: the files the index holds, from its per-file records alone (no LanceDB load),
 * so listing is instant on any size of index.
 */
import { RagError } from '../errors.js';
import { formatOf } from '../formats.js';
import { homeOf, type IndexPlace } from '../store/index-home.js';
import { readManifest, readRecords, type FileRecords, type Manifest } from '../store/manifest.js';
import { selectIndexed } from './select.js';

export interface IndexedFile {
  /** Relative to the index root, '/' separators. */
  path: string;
  /** The formats table's name for it ('markdown', 'code', …; 'text' for names it does not know). */
  format: string;
  passages: number;
  sizeBytes: number;
  mtimeMs: number;
  /** ISO time its passages were last written; undefined in records written before rag kept it. */
  indexedAt: string | undefined;
}

export interface Listing {
  indexDir: string;
  root: string;
  files: IndexedFile[];
}

export interface IndexState {
  manifest: Manifest;
  root: string;
  records: FileRecords;
}

/** The live manifest, index root (as seen from `cwd`) and records; exit 5 when there is no index. */
export async function readIndexState(place: IndexPlace, exists: boolean, cwd: string): Promise<IndexState> {
  const home = homeOf(place);
  const manifest = exists ? await readManifest(home) : undefined;
  if (!manifest) throw new RagError('index-missing', `No index found at ${home.where}`, "run 'rag index <folder>' first, or point --db/RAG_DB at an index");
  return { manifest, root: home.rootOf(manifest.root, cwd), records: await readRecords(home, manifest.generation) };
}

/** Throws the usage error for paths that name nothing in the index. */
export function requireMatches(unmatched: readonly string[]): void {
  if (unmatched.length === 0) return;
  const named = unmatched.map((p) => `'${p}'`).join(', ');
  throw new RagError('usage', `Nothing in the index matches ${named}`, "see what is indexed with 'rag ls'");
}

export async function listIndexed(args: string[], where: { indexDir: string; home?: IndexPlace; exists: boolean; cwd: string }): Promise<Listing> {
  const { root, records } = await readIndexState(where.home ?? where.indexDir, where.exists, where.cwd);
  const { matched, unmatched } = selectIndexed(records.keys(), args, { root, cwd: where.cwd });
  requireMatches(unmatched);
  const files = matched.map((p): IndexedFile => {
    const r = records.get(p)!;
    return { path: p, format: formatOf(p)?.name ?? 'text', passages: r.chunks, sizeBytes: r.size, mtimeMs: r.mtimeMs, indexedAt: r.indexedAt };
  });
  return { indexDir: where.indexDir, root, files };
}
