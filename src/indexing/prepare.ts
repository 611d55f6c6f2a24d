/**
 * One candidate file, read and compared with its record: unchanged (only touched), skipped
 * (unreadable or binary), or changed (new or edited), then chunked into rows to embed.
 */
import type { ChunkOptions } from '../chunk/chunk.js';
import { chunkText } from '../chunk/chunk.js';
import type { SourceFile } from '../discover/walk.js';
import { detectFormat } from '../formats.js';
import { loadFile } from '../load/text.js';
import type { FileRecord } from '../store/manifest.js';
import { buildRows, type PreparedFile } from './rows.js';

export type Preparation =
  /** Same content under a new size or mtime: `record` remembers them so the next run skips the file unread. */
  | { kind: 'unchanged'; record: FileRecord }
  | { kind: 'skipped'; reason: string }
  | { kind: 'changed'; prepared: PreparedFile };

export interface PrepareContext {
  embedModel: string;
  chunk: ChunkOptions;
  maxFileSizeBytes: number;
}

export async function prepareFile(file: SourceFile, previous: FileRecord | undefined, ctx: PrepareContext): Promise<Preparation> {
  const loaded = await loadFile(file.absPath, ctx.maxFileSizeBytes);
  if (!loaded.ok) return { kind: 'skipped', reason: loaded.reason };
  const record: FileRecord = { path: file.relPath, size: file.size, mtimeMs: file.mtimeMs, hash: loaded.hash, chunks: 0 };
  if (previous && previous.hash === loaded.hash) return { kind: 'unchanged', record: { ...record, chunks: previous.chunks } };
  const format = detectFormat(file.relPath);
  const chunks = chunkText(loaded.text, format, ctx.chunk);
  const rows = buildRows(ctx.embedModel, file.relPath, loaded.hash, chunks);
  record.chunks = rows.length;
  return { kind: 'changed', prepared: { file, record, format, chunks, rows, change: previous ? 'changed' : 'new' } };
}
