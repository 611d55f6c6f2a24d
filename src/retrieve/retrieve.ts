/**
 * Retrieval: open the index for reading, embed the query with the index's own
 * embedding model, run vector (cosine) and full-text (BM25) search, fuse by
 * reciprocal rank, then dedupe, cap per file and merge neighbours.
 */
import { maxEmbedChars, queryText, type EmbedTarget } from '../embed.js';
import { RagError } from '../errors.js';
import { fuseRanks, selectPassages } from './fuse.js';
import { formatOf } from '../formats.js';
import { readManifest, readRecords, requireCurrentSchema, tableName, type Manifest } from '../store/manifest.js';
import type { ChunkStore } from '../store/chunk-store.js';
import type { Hit } from '../types.js';

export interface OpenIndex {
  manifest: Manifest;
  store: ChunkStore;
  /** Search only these files (root-relative paths): those of the `-t` formats. Undefined: all. */
  onlyPaths?: string[];
}

/** Opens the live table. A --rebuild may switch generations between reading the manifest and opening its table: then read it again. */
export async function openIndex(indexDir: string, exists: boolean, formats?: ReadonlySet<string>): Promise<OpenIndex> {
  let manifest = exists ? await readManifest(indexDir) : undefined;
  if (!manifest) {
    throw new RagError('index-missing', `No index found at ${indexDir}`, "run 'rag index <folder>' first, or point --db/RAG_DB at an index");
  }
  requireCurrentSchema(manifest, indexDir);
  const { ChunkStore } = await import('../store/chunk-store.js');
  for (let attempt = 1; ; attempt++) {
    try {
      const store = await ChunkStore.open(indexDir, tableName(manifest.generation), { dimensions: manifest.dimensions, create: false });
      if (!formats) return { manifest, store };
      return { manifest, store, onlyPaths: await pathsOfFormats(indexDir, manifest, formats) };
    } catch (err) {
      const now = await readManifest(indexDir).catch(() => undefined);
      if (attempt >= OPEN_ATTEMPTS || !now || now.generation === manifest.generation) throw err;
      manifest = now;
    }
  }
}

/** The indexed files of the given formats (`-t`), for `OpenIndex.onlyPaths`. */
export async function pathsOfFormats(indexDir: string, manifest: Manifest, formats: ReadonlySet<string>): Promise<string[]> {
  const records = await readRecords(indexDir, manifest.generation);
  return [...records.keys()].filter((p) => formats.has(formatOf(p)?.name ?? 'text'));
}

/** Generations a reader follows when they switch under it (each switch is a whole --rebuild, so one is plenty). */
const OPEN_ATTEMPTS = 3;

export interface RetrieveOptions {
  topK: number;
  /** Candidates taken from each search before fusion. */
  candidates?: number;
  /** Only files whose indexed path starts with this (`rag mcp`'s search tool). */
  pathPrefix?: string;
}

export interface Retrieval {
  hits: Hit[];
  vectorHits: Hit[];
  textHits: Hit[];
  /** Distinct passages either search found, before merging and the per-file cap. */
  matched: number;
}

export async function retrieve(index: OpenIndex, ollama: EmbedTarget, query: string, opts: RetrieveOptions): Promise<Retrieval> {
  const [vector] = await embedQueries(index, ollama, [query]);
  return retrieveWithVector(index, query, vector!, opts);
}

/**
 * Query vectors for many queries in one request (`rag eval` embeds its questions in
 * batches), checked against the index's dimensions.
 */
export async function embedQueries(index: OpenIndex, ollama: EmbedTarget, queries: string[]): Promise<number[][]> {
  const model = index.manifest.embedModel;
  const vectors = await embedQueryTexts(ollama, model, queries);
  for (const vector of vectors) {
    if (vector.length !== index.manifest.dimensions) {
      throw new RagError(
        'index-mismatch',
        `Embedding model '${model}' returned ${vector.length} dimensions, the index has ${index.manifest.dimensions}`,
        "the model changed since indexing: run 'rag index --rebuild'",
      );
    }
  }
  return vectors;
}

/** Everything after the query embedding: both searches, fusion and passage selection. */
export async function retrieveWithVector(index: OpenIndex, query: string, vector: number[], opts: RetrieveOptions): Promise<Retrieval> {
  const candidates = opts.candidates ?? Math.max(20, opts.topK * 4);
  const filter = { ...(opts.pathPrefix ? { pathPrefix: opts.pathPrefix } : {}), ...(index.onlyPaths ? { onlyPaths: index.onlyPaths } : {}) };
  const [vectorHits, textHits] = await Promise.all([
    index.store.vectorSearch(vector, candidates, filter),
    index.store.textSearch(query, candidates, filter),
  ]);
  const fused = fuseRanks([vectorHits, textHits]);
  const hits = selectPassages(fused, { topK: opts.topK });
  return { hits, vectorHits, textHits, matched: fused.length };
}

/**
 * Below this, a query fits every embedding model we know (all-minilm's 256 tokens at three
 * characters a token), so no model look-up is spent on the usual short question.
 */
const QUERY_CHARS_ALWAYS_FIT = 700;
const QUERY_CUT_MARK = '\n…\n';

/**
 * Embeds queries of any length. A long one (a pasted log) is cut to what the embedding
 * model takes, keeping its start and its end, where a question usually sits; the full-text
 * search and the chat model still get all of it.
 */
async function embedQueryTexts(ollama: EmbedTarget, model: string, queries: string[]): Promise<number[][]> {
  let texts = queries.map((q) => queryText(model, q));
  if (texts.some((t) => t.length > QUERY_CHARS_ALWAYS_FIT)) {
    const info = await ollama.showModel(model);
    if (info) texts = texts.map((t) => fitQuery(t, maxEmbedChars(info)));
  }
  try {
    return await ollama.embed(model, texts);
  } catch (err) {
    if (err instanceof RagError && err.reason === 'too-long') {
      throw new RagError('too-long', `The question is too long for embedding model '${model}'`, 'shorten it', { cause: err });
    }
    throw err;
  }
}

/** `text` cut to `maxChars`: its start and its end, joined by a `…` line. Whole characters only. */
export function fitQuery(text: string, maxChars: number): string {
  const chars = Array.from(text);
  if (chars.length <= maxChars) return text;
  const room = Math.max(2, maxChars - QUERY_CUT_MARK.length);
  const head = Math.ceil(room / 2);
  return `${chars.slice(0, head).join('')}${QUERY_CUT_MARK}${chars.slice(chars.length - (room - head)).join('')}`;
}
