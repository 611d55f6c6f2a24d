/**
 * The loader dispatcher: one file in, a LocatedText (or a one-line reason) out, whatever the
 * format. Two steps, so the index run can compare the content hash before paying for a parse:
 * `readSource` reads and hashes the bytes; `parseSource` picks the loader and runs it.
 *
 * The loader is chosen by the formats table, then checked against the content: a `.pdf` that
 * is a saved web page is read as HTML, any file that starts with a PDF header is read as a PDF, and a
 * document whose bytes are neither is skipped with a reason instead of decoded as text.
 * Document loaders (and their libraries) are imported only when such a file comes along.
 */
import { detectFormat, loaderOf, type LoaderKind } from '../formats.js';
import type { LocatedText } from './located.js';
import { looksLikeHtml, detectMarkup, sniffBytes } from './sniff.js';
import { decodeText, describeFsError, hashBytes, isErrnoException, readRegularFile } from './text.js';

export type ReadResult = { ok: true; bytes: Buffer; hash: string } | { ok: false; reason: string };

export type ParseResult = { ok: true; doc: LocatedText; loader: LoaderKind } | { ok: false; reason: string };

/** A parser that takes longer than this on one file is given up on (the file is skipped). */
export const PARSE_TIME_LIMIT_MS = 60_000;

export async function readSource(absPath: string, maxFileSizeBytes: number): Promise<ReadResult> {
  try {
    const read = await readRegularFile(absPath, maxFileSizeBytes);
    if (typeof read === 'string') return { ok: false, reason: read };
    return { ok: true, bytes: read, hash: hashBytes(read) };
  } catch (err) {
    if (!isErrnoException(err)) throw err;
    return { ok: false, reason: describeFsError(err) };
  }
}

export async function parseSource(bytes: Uint8Array, relPath: string, timeLimitMs = PARSE_TIME_LIMIT_MS): Promise<ParseResult> {
  const result = await parseWith(bytes, relPath, timeLimitMs);
  return result.ok ? result : { ok: false, reason: oneLineReason(result.reason) };
}

/** A parser's message as a skip reason: one line, no control characters, not too long. */
function oneLineReason(reason: string): string {
  // eslint-disable-next-line no-control-regex
  const flat = reason.replace(/[\u0000-\u001F\u007F-\u009F]+/g, ' ').replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 199)}…` : flat;
}

async function parseWith(bytes: Uint8Array, relPath: string, timeLimitMs: number): Promise<ParseResult> {
  const loader = loaderFor(loaderOf(relPath), bytes);
  if (typeof loader !== 'string') return loader;
  if (loader === 'text' || loader === 'notebook' || loader === 'html') {
    const decoded = decodeText(bytes);
    if ('binary' in decoded) return { ok: false, reason: loader === 'text' ? 'binary file' : `not a readable ${loader === 'html' ? 'HTML file' : 'notebook'}: binary content` };
    if (loader === 'text') {
      const format = detectFormat(relPath);
      const chunker = format === 'text' && /\.(?:txt|text)$/i.test(relPath) ? detectMarkup(decoded.text) : format;
      return { ok: true, loader, doc: { text: decoded.text, chunker } };
    }
    const text = decoded.text;
    return withTimeLimit(timeLimitMs, async () => {
      if (loader === 'html') return { ok: true, loader, doc: await (await import('./html.js')).loadHtml(text, { anchors: true }) };
      const nb = (await import('./notebook.js')).loadNotebook(text);
      return nb.ok ? { ...nb, loader } : nb;
    });
  }
  return withTimeLimit(timeLimitMs, async (signal) => {
    const result = loader === 'pdf'
      ? await (await import('./pdf.js')).loadPdf(bytes, signal)
      : await (await import('./docx.js')).loadDocx(bytes);
    return result.ok ? { ...result, loader } : result;
  });
}

/** The loader the content calls for, or why the file cannot be read as what it claims to be. */
function loaderFor(claimed: LoaderKind, bytes: Uint8Array): LoaderKind | { ok: false; reason: string } {
  const kind = sniffBytes(bytes);
  // Any file that starts like a PDF is one; a text file that merely mentions `%PDF-` is not.
  if (kind === 'pdf' || (kind === 'pdf-late' && claimed === 'pdf')) return 'pdf';
  if (claimed === 'docx') {
    if (kind === 'zip') return 'docx';
    return looksLikeDecodedHtml(bytes) ? 'html' : { ok: false, reason: 'not a readable DOCX: not a zip archive' };
  }
  if (claimed === 'pdf') {
    if (looksLikeDecodedHtml(bytes)) return 'html';
    return { ok: false, reason: 'not a readable PDF: no PDF header' };
  }
  return claimed;
}

function looksLikeDecodedHtml(bytes: Uint8Array): boolean {
  const decoded = decodeText(bytes.subarray(0, 8192));
  return !('binary' in decoded) && looksLikeHtml(decoded.text);
}

/**
 * Runs a parse with a deadline. pdf.js runs on this thread, so the deadline is checked when
 * the parser yields (between pages); the signal tells the parser to stop and let go.
 */
export async function withTimeLimit<T extends { ok: boolean }>(
  ms: number,
  parse: (signal: AbortSignal) => Promise<T | { ok: false; reason: string }>,
): Promise<T | { ok: false; reason: string }> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<{ ok: false; reason: string }>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve({ ok: false, reason: `took longer than ${ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`} to read (time limit)` });
    }, ms);
  });
  try {
    return await Promise.race([
      parse(controller.signal).catch((err: unknown) => ({ ok: false as const, reason: `unreadable: ${((err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '').trim()}` })),
      expired,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
