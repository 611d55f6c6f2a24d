/**
 * One candidate file, read and compared with its record: unchanged (only touched), skipped
 * (unreadable or binary), or changed (new or edited), then chunked into rows to embed.
 */
import type { ChunkOptions } from '../chunk/chunk.js';
import type { SourceFile } from '../discover/walk.js';
import { maxFileSizeFor } from '../formats.js';
import { parseSource, readSource } from '../load/document.js';
import { chunkLocated } from '../load/located.js';
import type { FileRecord } from '../store/manifest.js';
import { buildRows, type PreparedFile } from './rows.js';

export type Preparation =
  /** Same content under a new size or mtime: `record` remembers them so the next run skips the file unread. */
  | { kind: 'unchanged'; record: FileRecord }
  | { kind: 'skipped'; reason: string }
  /** `note`: indexed with a caveat, e.g. a PDF some of whose pages have no text layer. */
  | { kind: 'changed'; prepared: PreparedFile; note?: string };

export interface PrepareContext {
  embedModel: string;
  chunk: ChunkOptions;
  /** undefined: each format's default (formats.ts). */
  maxFileSizeBytes: number | undefined;
}

export async function prepareFile(file: SourceFile, previous: FileRecord | undefined, ctx: PrepareContext): Promise<Preparation> {
  const loaded = await readSource(file.absPath, maxFileSizeFor(file.relPath, ctx.maxFileSizeBytes));
  if (!loaded.ok) return { kind: 'skipped', reason: loaded.reason };
  const record: FileRecord = { path: file.relPath, size: file.size, mtimeMs: file.mtimeMs, hash: loaded.hash, chunks: 0 };
  // Compared before parsing: a touched but unchanged PDF is never parsed again.
  if (previous && previous.hash === loaded.hash) return { kind: 'unchanged', record: { ...record, chunks: previous.chunks } };
  // Load: any format -> lines with their locations (pages, anchors, cells) -> passages.
  const parsed = await parseSource(loaded.bytes, file.relPath);
  if (!parsed.ok) return { kind: 'skipped', reason: parsed.reason };
  const format = parsed.doc.chunker;
  const chunks = chunkLocated(parsed.doc, ctx.chunk);
  const rows = buildRows(ctx.embedModel, file.relPath, loaded.hash, chunks);
  record.chunks = rows.length;
  const prepared: PreparedFile = { file, record, format, chunks, rows, change: previous ? 'changed' : 'new' };
  return { kind: 'changed', prepared, ...(parsed.doc.note ? { note: parsed.doc.note } : {}) };
}
