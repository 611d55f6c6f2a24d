/**
 * Loading: read one file, decide whether it is text, and decode it.
 *
 * Nothing here throws for a bad file: every per-file problem becomes `{ ok: false, reason }`,
 * which the index command counts and reports (DESIGN §10). Only programming errors throw.
 */
import { createHash } from 'node:crypto';
import { constants as fsConstants, promises as fs } from 'node:fs';

/**
 * How the bytes were decoded. 'utf-16' is only ever chosen from a byte-order mark: Windows
 * tools (Notepad's "Unicode", PowerShell 5's `>`) still write UTF-16 with a BOM, and such a
 * file is plainly text, so calling it binary would drop real documents.
 */
export type TextEncodingName = 'utf-8' | 'latin-1' | 'utf-16';

export type LoadResult =
  | { ok: true; text: string; hash: string; encoding: TextEncodingName; bytes: number }
  | { ok: false; reason: string };

export type DecodedText = { text: string; encoding: TextEncodingName } | { binary: true };

/** The unit of `--max-file-size`: the CLI converts with this constant so reasons quote the user's number. */
export const BYTES_PER_MB = 1024 * 1024;

/** How much of the start of a file the binary sniffing looks at (git and ripgrep use ~8 KB too). */
const SAMPLE_LENGTH = 8192;

/** Valid UTF-8 with more control characters than this share of the sample is a binary format. */
const MAX_CONTROL_RATIO = 0.1;

/**
 * The Latin-1 fallback is only reached when strict UTF-8 failed, which random bytes almost
 * always do; real Latin-1 prose has essentially no control characters, while random data
 * has about 13%, so a low bar over the whole file keeps binaries out (including text that
 * turns binary after the first 8 KB, such as self-extracting shell scripts).
 */
const MAX_CONTROL_RATIO_LATIN1 = 0.02;

const BINARY = { binary: true } as const;

/**
 * Reads one file and decodes it.
 *
 * The file is opened once and measured through the open handle, so a file that grew past
 * the limit after discovery is refused without reading it, and a file swapped for a FIFO
 * cannot block the read (the open is non-blocking; regular files ignore that flag).
 */
export async function loadFile(absPath: string, maxFileSizeBytes: number): Promise<LoadResult> {
  let bytes: Buffer;
  try {
    const read = await readRegularFile(absPath, maxFileSizeBytes);
    if (typeof read === 'string') return { ok: false, reason: read };
    bytes = read;
  } catch (err) {
    if (!isErrnoException(err)) throw err;
    return { ok: false, reason: describeFsError(err) };
  }
  const decoded = decodeText(bytes);
  if ('binary' in decoded) return { ok: false, reason: 'binary file' };
  return { ok: true, text: decoded.text, hash: hashBytes(bytes), encoding: decoded.encoding, bytes: bytes.length };
}

/** Returns the bytes, or a reason string when the file is not something we read. */
export async function readRegularFile(absPath: string, maxFileSizeBytes: number): Promise<Buffer | string> {
  // O_NONBLOCK is undefined on Windows, where FIFOs cannot appear under a file name anyway.
  const flags = fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0);
  const handle = await fs.open(absPath, flags);
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) return 'not a regular file';
    if (stats.size > maxFileSizeBytes) return sizeLimitReason(maxFileSizeBytes);
    const bytes = await handle.readFile();
    // The file may have grown between the stat and the read.
    if (bytes.length > maxFileSizeBytes) return sizeLimitReason(maxFileSizeBytes);
    return bytes;
  } finally {
    await handle.close();
  }
}

/**
 * Decides text or binary and decodes, never producing U+FFFD: bytes that are neither valid
 * UTF-8 nor plausible Windows-1252 text are called binary instead.
 *
 * Order: UTF-16 BOM (checked first because UTF-16 is full of NUL bytes) → NUL byte in the
 * first 8 KB → strict UTF-8 (BOM stripped) → Windows-1252, reported as 'latin-1' (it is a
 * superset of ISO-8859-1 for printable text, and what "Latin-1" files usually really are).
 * UTF-16 without a BOM is called binary: without the BOM there is no reliable way to tell.
 * Line endings are normalised to '\n' (CRLF and lone CR).
 */
export function decodeText(bytes: Uint8Array): DecodedText {
  const isUtf16Le = bytes[0] === 0xff && bytes[1] === 0xfe;
  const isUtf16Be = bytes[0] === 0xfe && bytes[1] === 0xff;
  if (isUtf16Le || isUtf16Be) {
    const text = decodeUtf16(bytes, isUtf16Be);
    if (text === null) return BINARY;
    const sample = text.slice(0, SAMPLE_LENGTH);
    if (sample.includes('\0') || controlRatio(sample) > MAX_CONTROL_RATIO) return BINARY;
    return { text: normalizeNewlines(text), encoding: 'utf-16' };
  }

  if (bytes.subarray(0, SAMPLE_LENGTH).includes(0)) return BINARY;

  const utf8 = decodeStrict('utf-8', bytes);
  if (utf8 !== null) {
    if (controlRatio(utf8.slice(0, SAMPLE_LENGTH)) > MAX_CONTROL_RATIO) return BINARY;
    return { text: normalizeNewlines(utf8), encoding: 'utf-8' };
  }

  const latin1 = decodeWindows1252(bytes);
  if (latin1.includes('\0') || controlRatio(latin1) > MAX_CONTROL_RATIO_LATIN1) return BINARY;
  return { text: normalizeNewlines(latin1), encoding: 'latin-1' };
}

/** sha256 of the raw bytes, so that any change at all (even a BOM or line endings) is seen. */
export function hashBytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The reason given for a file over `--max-file-size`, quoting the limit in MB as the user typed it. */
export function sizeLimitReason(maxFileSizeBytes: number): string {
  const mb = Number((maxFileSizeBytes / BYTES_PER_MB).toPrecision(3));
  return `larger than ${mb} MB (--max-file-size)`;
}

export function isErrnoException(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string';
}

const FS_ERROR_REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'file vanished',
  // A folder on the way was replaced by a file: from the reader's side the file is gone.
  ENOTDIR: 'file vanished',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'not a regular file',
  ELOOP: 'symlink cycle',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files',
  EIO: 'input/output error',
  EBUSY: 'resource busy',
  ENAMETOOLONG: 'name too long',
  ETIMEDOUT: 'timed out',
};

/**
 * Maps a file-system error to the short lowercase reason shown in the skipped-files summary.
 * Codes without a phrase of their own fall back to the code itself, lowercased, so that the
 * user still has something to search for.
 */
export function describeFsError(err: NodeJS.ErrnoException): string {
  const code = err.code ?? '';
  return FS_ERROR_REASONS[code] ?? (code === '' ? 'read error' : code.toLowerCase());
}

function decodeStrict(encoding: 'utf-8' | 'utf-16le', bytes: Uint8Array): string | null {
  try {
    // ignoreBOM: false means the decoder consumes a leading BOM instead of returning it.
    return new TextDecoder(encoding, { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch (err) {
    if (err instanceof TypeError) return null;
    throw err;
  }
}

function decodeUtf16(bytes: Uint8Array, isBigEndian: boolean): string | null {
  if (bytes.length % 2 !== 0) return null;
  if (!isBigEndian) return decodeStrict('utf-16le', bytes);
  // Swapping into little-endian avoids depending on ICU for 'utf-16be'.
  const swapped = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += 2) {
    swapped[i] = bytes[i + 1] ?? 0;
    swapped[i + 1] = bytes[i] ?? 0;
  }
  return decodeStrict('utf-16le', swapped);
}

/**
 * Windows-1252 by hand: Node's TextDecoder('windows-1252') decodes as ISO-8859-1 since
 * 20.18.3 (nodejs/node#60888), turning smart quotes and '€' into C1 controls. Every byte maps
 * to a character (the five bytes cp1252 leaves undefined become C1 controls, as in WHATWG,
 * and controlRatio counts them), so this cannot fail or emit U+FFFD.
 */
function decodeWindows1252(bytes: Uint8Array): string {
  const iso88591 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  return iso88591.replace(/[\x80-\x9f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80] ?? c);
}

// Bytes 0x80–0x9F of Windows-1252 (WHATWG index); the undefined ones keep their C1 code point.
const CP1252_HIGH: readonly string[] = [
  0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d, 0x017d, 0x008f,
  0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
].map((code) => String.fromCharCode(code));

/** Share of characters that are control characters other than \t \n \r \f (C0, DEL, C1). */
function controlRatio(text: string): number {
  if (text.length === 0) return 0;
  let controls = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20) {
      if (c !== 0x09 && c !== 0x0a && c !== 0x0c && c !== 0x0d) controls++;
    } else if (c >= 0x7f && c <= 0x9f) {
      controls++;
    }
  }
  return controls / text.length;
}

function normalizeNewlines(text: string): string {
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}
