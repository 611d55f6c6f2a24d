/**
 * The `get` tool's guard and reader: a path is read only when it names a file in the
 * index (exactly as stored, relative to the index root) and still resolves inside the
 * root; what comes back is capped in lines and characters. A path outside the index is
 * an error, never a read.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { RagError } from '../errors.js';
import { loadFile } from '../load/text.js';

/** Lines and characters one `get` returns at most; the caller pages on with start_line. */
export const GET_MAX_LINES = 2000;
export const GET_MAX_CHARS = 100_000;

export interface FileSlice {
  path: string;
  start_line: number;
  end_line: number;
  total_lines: number;
  /** True when the range asked for was cut to the caps: ask again from end_line + 1. */
  truncated: boolean;
  text: string;
}

/** The index's form of a path an agent sent: `/` separators, no leading `./`. */
export function indexedPathOf(requested: string): string {
  return requested.trim().replace(/\\/g, '/').replace(/^(?:\.\/)+/, '');
}

export interface ReadIndexedOptions {
  root: string;
  indexed: ReadonlySet<string>;
  maxFileSizeBytes: number;
  startLine?: number;
  endLine?: number;
}

export async function readIndexedFile(requested: string, o: ReadIndexedOptions): Promise<FileSlice> {
  const rel = indexedPathOf(requested);
  if (!o.indexed.has(rel)) {
    throw new RagError('usage', `'${requested}' is not a file in the index`, 'pass a path as search results give it (relative to the index root)');
  }
  const abs = path.resolve(o.root, rel);
  // The file may have been replaced by a link to somewhere else since it was indexed.
  const [realRoot, realFile] = await Promise.all([fs.realpath(o.root), fs.realpath(abs).catch(() => undefined)]);
  if (realFile === undefined) {
    // Also where an index in object storage is read from a folder without its documents.
    throw new RagError('usage', `'${rel}' is in the index but not on disk under ${o.root}`, "run 'rag index' to update the index, or serve from the folder it was built from");
  }
  if (!realFile.startsWith(realRoot + path.sep)) throw new RagError('usage', `'${rel}' now points outside the index root`, "run 'rag index' to update the index");
  const loaded = await loadFile(realFile, o.maxFileSizeBytes);
  if (!loaded.ok) throw new RagError('usage', `Cannot read '${rel}': ${loaded.reason}`);
  return sliceLines(rel, loaded.text, o.startLine, o.endLine);
}

/** Lines startLine..endLine (1-based, inclusive, clamped), cut to the caps. */
export function sliceLines(rel: string, text: string, startLine = 1, endLine?: number): FileSlice {
  const lines = text.split('\n');
  if (lines.length > 1 && lines.at(-1) === '') lines.pop();
  const total = lines.length;
  if (startLine > total) throw new RagError('usage', `'${rel}' has ${total} lines; start_line ${startLine} is past the end`);
  const wantedEnd = Math.min(endLine ?? total, total);
  if (wantedEnd < startLine) throw new RagError('usage', `end_line ${wantedEnd} is before start_line ${startLine}`);
  let end = Math.min(wantedEnd, startLine + GET_MAX_LINES - 1);
  let chars = 0;
  for (let n = startLine; n <= end; n++) {
    chars += (lines[n - 1] ?? '').length + 1;
    if (chars > GET_MAX_CHARS) {
      end = Math.max(startLine, n - 1);
      break;
    }
  }
  const slice = lines.slice(startLine - 1, end).join('\n');
  return {
    path: rel, start_line: startLine, end_line: end, total_lines: total, truncated: end < wantedEnd,
    // A single line longer than the cap is cut inside.
    text: slice.length > GET_MAX_CHARS ? slice.slice(0, GET_MAX_CHARS) : slice,
  };
}
