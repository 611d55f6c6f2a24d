/**
 * Passages cut again to fit the embedding model. Query-time code uses embed.ts without
 * the chunker: this indexing step is kept apart so that `rag search` does not load it.
 */
import { chunkText, type DocFormat } from './chunk.js';
import { embedLength } from '../embed.js';
import type { Chunk } from '../types.js';

/**
 * Splits again any passage whose embedded text would not fit the model, so nothing is
 * silently truncated by the server. `headerChars` is the length of what documentText
 * puts in front of a passage. Line ranges stay exact; the heading stays the section's.
 */
export function fitChunksToModel(chunks: Chunk[], format: DocFormat, maxChars: number, headerChars: (c: Chunk) => number): Chunk[] {
  const out: Chunk[] = [];
  for (const c of chunks) {
    const room = maxChars - headerChars(c);
    const length = embedLength(c.text);
    if (length <= room) {
      out.push(c);
      continue;
    }
    // The chunker's hard limit is size + overlap: leave no overlap so pieces fit the room.
    // With CJK text in it, any piece may be all CJK: a third of the room then surely fits.
    const perChar = length > c.text.length ? 3 : 1;
    const size = Math.max(200, Math.floor(room / perChar));
    for (const piece of chunkText(c.text, format, { chunkSizeChars: size, chunkOverlapChars: 0 })) {
      // A piece keeps its passage's location (page range, anchor, cells): never narrower than the truth.
      out.push({ ...c, text: piece.text, startLine: c.startLine + piece.startLine - 1, endLine: c.startLine + piece.endLine - 1 });
    }
  }
  return out;
}
