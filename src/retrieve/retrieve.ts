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
import { homeOf, type IndexPlace } from '../store/index-home.js';
import type { Hit } from '../types.js';

export interface OpenIndex {
  manifest: Manifest;
  store: ChunkStore;
  /** Search only these files (root-relative paths): those of the `-t` formats. Undefined: all. */
  onlyPaths?: string[];
}

/** The manifest of the index a search or an ask reads, checked: what the query embedding needs. */
export async function searchableManifest(place: IndexPlace, exists: boolean): Promise<Manifest> {
  const home = homeOf(place);
  const manifest = exists ? await readManifest(home) : undefined;
  if (!manifest) {
    throw new RagError('index-missing', `No index found at ${home.where}`, "run 'rag index <folder>' first, or point --db/RAG_DB at an index");
  }
  requireCurrentSchema(manifest, home.where);
  return manifest;
}

/**
 * Opens the live table. A --rebuild may switch generations between reading the manifest
 * and opening its table: then read it again. `read`: the manifest, when already read.
 */
export async function openIndex(place: IndexPlace, exists: boolean, formats?: ReadonlySet<string>, read?: Manifest): Promise<OpenIndex> {
  const home = homeOf(place);
  let manifest = read ?? (await searchableManifest(home, exists));
  const { ChunkStore } = await import('../store/chunk-store.js');
  for (let attempt = 1; ; attempt++) {
    try {
      const store = await ChunkStore.open(home, tableName(manifest.generation), { dimensions: manifest.dimensions, create: false });
      if (!formats) return { manifest, store };
      return { manifest, store, onlyPaths: await pathsOfFormats(home, manifest, formats) };
    } catch (err) {
      const now = await readManifest(home).catch(() => undefined);
      if (attempt >= OPEN_ATTEMPTS || !now || now.generation === manifest.generation) throw err;
      manifest = now;
    }
  }
}

/** An index opened for one query, and that query's embedding, under way or done. */
export interface QueryStart {
  index: OpenIndex;
  vector: Promise<number[]>;
}

/**
 * Opens the index and embeds the query at the same time: the embedding needs only the
 * manifest, so the request to Ollama is under way while LanceDB loads and the table
 * opens, the larger part of a cold `rag search`.
 */
export async function openForQuery(place: IndexPlace, exists: boolean, formats: ReadonlySet<string> | undefined, ollama: EmbedTarget, query: string): Promise<QueryStart> {
  const manifest = await searchableManifest(place, exists);
  const early = embedQuery(manifest, ollama, query);
  // Failing to open is the error to report; the embedding's own failure, if any, still
  // surfaces where it is awaited.
  early.catch(() => undefined);
  const index = await openIndex(place, exists, formats, manifest);
  // A --rebuild switched the index under us, perhaps to another model: embed again for it.
  const sameModel = index.manifest.embedModel === manifest.embedModel && index.manifest.dimensions === manifest.dimensions;
  return { index, vector: sameModel ? early : embedQuery(index.manifest, ollama, query) };
}

/** The indexed files of the given formats (`-t`), for `OpenIndex.onlyPaths`. */
export async function pathsOfFormats(place: IndexPlace, manifest: Manifest, formats: ReadonlySet<string>): Promise<string[]> {
  const records = await readRecords(place, manifest.generation);
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
  return retrieveWithVector(index, query, embedQuery(index.manifest, ollama, query), opts);
}

function embedQuery(manifest: Manifest, ollama: EmbedTarget, query: string): Promise<number[]> {
  return embedQueries(manifest, ollama, [query]).then(([vector]) => vector!);
}

/**
 * Query vectors for many queries in one request (`rag eval` embeds its questions in
 * batches), checked against the index's dimensions.
 */
export async function embedQueries(manifest: Manifest, ollama: EmbedTarget, queries: string[]): Promise<number[][]> {
  const model = manifest.embedModel;
  const vectors = await embedQueryTexts(ollama, model, queries);
  for (const vector of vectors) {
    if (vector.length !== manifest.dimensions) {
      throw new RagError(
        'index-mismatch',
        `Embedding model '${model}' returned ${vector.length} dimensions, the index has ${manifest.dimensions}`,
        "the model changed since indexing: run 'rag index --rebuild'",
      );
    }
  }
  return vectors;
}

/**
 * Everything after the query embedding: both searches, fusion and passage selection. The
 * full-text search does not need the vector, so it starts while the embedding is under way.
 */
export async function retrieveWithVector(index: OpenIndex, query: string, vector: number[] | Promise<number[]>, opts: RetrieveOptions): Promise<Retrieval> {
  const candidates = opts.candidates ?? Math.max(20, opts.topK * 4);
  const filter = { ...(opts.pathPrefix ? { pathPrefix: opts.pathPrefix } : {}), ...(index.onlyPaths ? { onlyPaths: index.onlyPaths } : {}) };
  const [vectorHits, textHits] = await Promise.all([
    Promise.resolve(vector).then((v) => index.store.vectorSearch(v, candidates, filter)),
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
