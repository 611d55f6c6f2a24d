/**
 * The rows of a changed file's passages, and their vectors: stable ids from the embedded
 * text, vectors reused by chunk hash where the index has them, the rest embedded. Pure
 * but for the two functions it is given (the model's limit and the embedding call).
 */
import { createHash } from 'node:crypto';
import type { DocFormat } from '../chunk/chunk.js';
import type { SourceFile } from '../discover/walk.js';
import { fitChunksToModel } from '../chunk/fit.js';
import { documentText } from '../embed.js';
import type { FileRecord } from '../store/manifest.js';
import type { ChunkRow } from '../store/chunk-store.js';
import type { Chunk } from '../types.js';

/** How a file differs from what the index holds. */
export type FileChange = 'new' | 'changed' | 'removed';

export type PendingRow = Omit<ChunkRow, 'vector'> & { vector?: number[]; embedText: string };

/** A changed file, read and chunked, on its way to the index. */
export interface PreparedFile {
  file: SourceFile;
  record: FileRecord;
  format: DocFormat;
  chunks: Chunk[];
  rows: PendingRow[];
  change: FileChange;
}

export function sha(text: string, length = 32): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/**
 * Rows for one file's chunks. The id is stable across runs: path, the hash of the
 * embedded text, and which occurrence of that text in the file it is.
 */
export function buildRows(embedModel: string, relPath: string, fileHash: string, chunks: Chunk[]): PendingRow[] {
  const counts = new Map<string, number>();
  return chunks.map((c) => {
    const embedText = documentText(embedModel, relPath, c.heading, c.text);
    const chunkHash = sha(embedText);
    const ordinal = counts.get(chunkHash) ?? 0;
    counts.set(chunkHash, ordinal + 1);
    return {
      id: sha(`${relPath}\0${chunkHash}\0${ordinal}`),
      path: relPath, startLine: c.startLine, endLine: c.endLine, heading: c.heading, text: c.text,
      searchText: [c.heading, relPath, c.text].filter(Boolean).join('\n'),
      fileHash, chunkHash, embedText,
      ...(c.location ? { location: c.location } : {}),
    };
  });
}

export interface VectorSources {
  embedModel: string;
  /** Vectors the index already holds for these files, by chunk hash. */
  reusable: ReadonlyMap<string, number[]>;
  /** The longest text the model embeds whole; asked only when something must be embedded. */
  maxChars: () => Promise<number>;
  embed: (texts: string[]) => Promise<number[][]>;
}

export interface VectorFill {
  /** Rows that took a stored vector. */
  reused: number;
  /** Texts sent to the model: identical passages share one. */
  embedded: number;
  /** Passages added by splitting ones too long for the model. */
  addedChunks: number;
}

/** Gives every row of `prepared` a vector; rows that have one already keep it. */
export async function fillVectors(prepared: PreparedFile[], sources: VectorSources): Promise<VectorFill> {
  const fill: VectorFill = { reused: 0, embedded: 0, addedChunks: 0 };
  const collectPending = (): Map<string, PendingRow[]> => {
    const pending = new Map<string, PendingRow[]>();
    for (const p of prepared) {
      for (const row of p.rows) {
        if (row.vector) continue;
        const vector = sources.reusable.get(row.chunkHash);
        if (vector) {
          row.vector = vector;
          fill.reused++;
        } else {
          const list = pending.get(row.embedText);
          if (list) list.push(row);
          else pending.set(row.embedText, [row]);
        }
      }
    }
    return pending;
  };
  let pending = collectPending();
  if (pending.size === 0) return fill;
  const limit = await sources.maxChars();
  if ([...pending.keys()].some((t) => t.length > limit)) {
    // Split again rather than let the server truncate (or refuse) a passage.
    for (const p of prepared) {
      if (!p.rows.some((r) => !r.vector && r.embedText.length > limit)) continue;
      const header = (c: Chunk) => documentText(sources.embedModel, p.file.relPath, c.heading, '').length;
      // Its rows are built anew, and reuse is counted again for them.
      fill.reused -= p.rows.filter((r) => r.vector).length;
      p.chunks = fitChunksToModel(p.chunks, p.format, limit, header);
      fill.addedChunks += p.chunks.length - p.rows.length;
      p.rows = buildRows(sources.embedModel, p.file.relPath, p.record.hash, p.chunks);
      p.record.chunks = p.rows.length;
    }
    pending = collectPending();
  }
  const texts = [...pending.keys()];
  const vectors = await sources.embed(texts);
  texts.forEach((t, i) => {
    for (const row of pending.get(t)!) row.vector = vectors[i]!;
  });
  fill.embedded = texts.length;
  return fill;
}
