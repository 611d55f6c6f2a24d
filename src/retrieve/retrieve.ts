/**
 * Retrieval: open the index for reading, embed the query with the index's own
 * embedding model, run vector (cosine) and full-text (BM25) search, fuse by
 * reciprocal rank, then dedupe, cap per file and merge neighbours.
 */
import { queryText } from '../embed.js';
import { RagError } from '../errors.js';
import { fuseRanks, selectPassages } from './fuse.js';
import { readManifest, tableName, type Manifest } from '../store/manifest.js';
import type { OllamaClient } from '../ollama.js';
import type { ChunkStore } from '../store/chunk-store.js';
import type { Hit } from '../types.js';

export interface OpenIndex {
  manifest: Manifest;
  store: ChunkStore;
}

export async function openIndex(indexDir: string, exists: boolean): Promise<OpenIndex> {
  const manifest = exists ? await readManifest(indexDir) : undefined;
  if (!manifest) {
    throw new RagError('index-missing', `No index found at ${indexDir}`, "run 'rag index <folder>' first, or point --db/RAG_DB at an index");
  }
  const { ChunkStore } = await import('../store/chunk-store.js');
  const store = await ChunkStore.open(indexDir, tableName(manifest.generation), { dimensions: manifest.dimensions, create: false });
  return { manifest, store };
}

export interface RetrieveOptions {
  topK: number;
  /** Candidates taken from each search before fusion. */
  candidates?: number;
}

export interface Retrieval {
  hits: Hit[];
  vectorHits: Hit[];
  textHits: Hit[];
}

export async function retrieve(index: OpenIndex, ollama: OllamaClient, query: string, opts: RetrieveOptions): Promise<Retrieval> {
  const model = index.manifest.embedModel;
  const [vector] = await ollama.embed(model, [queryText(model, query)]);
  if (!vector || vector.length !== index.manifest.dimensions) {
    throw new RagError(
      'index-mismatch',
      `Embedding model '${model}' returned ${vector?.length ?? 0} dimensions, the index has ${index.manifest.dimensions}`,
      "the model changed since indexing: run 'rag index --rebuild'",
    );
  }
  const candidates = opts.candidates ?? Math.max(20, opts.topK * 4);
  const [vectorHits, textHits] = await Promise.all([
    index.store.vectorSearch(vector, candidates),
    index.store.textSearch(query, candidates),
  ]);
  const hits = selectPassages(fuseRanks([vectorHits, textHits]), { topK: opts.topK });
  return { hits, vectorHits, textHits };
}
