import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { tempDir } from '../helpers/paths.js';
import { BYTES_PER_MB, decodeText, describeFsError, hashBytes, loadFile, sizeLimitReason } from '../../src/load/text.js';

function bytesOf(...parts: Array<string | number[]>): Uint8Array {
  return Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : Buffer.from(part))));
}

/** Deterministic bytes with no NUL, which are (overwhelmingly) not valid UTF-8. */
function noisyBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = 12345;
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    out[i] = 1 + (state % 255);
  }
  return out;
}

describe('decodeText', () => {
  test('strips a UTF-8 BOM', () => {
    assert.deepEqual(decodeText(bytesOf([0xef, 0xbb, 0xbf], 'héllo\n')), { text: 'héllo\n', encoding: 'utf-8' });
  });

  test('normalises CRLF and lone CR to LF', () => {
    assert.deepEqual(decodeText(bytesOf('a\r\nb\rc\n\r\n')), { text: 'a\nb\nc\n\n', encoding: 'utf-8' });
  });

  test("decodes Latin-1 bytes ('caf\\xe9') as 'café'", () => {
    assert.deepEqual(decodeText(bytesOf('caf', [0xe9])), { text: 'café', encoding: 'latin-1' });
  });

  test('decodes the Windows-1252 range 0x80-0x9F as Windows does (smart quotes, euro)', () => {
    const decoded = decodeText(bytesOf([0x93], 'quoted', [0x94, 0x20, 0x80, 0x35, 0x20, 0x96, 0x20], 'na', [0xef], 've'));
    assert.deepEqual(decoded, { text: '\u201cquoted\u201d \u20ac5 \u2013 na\u00efve', encoding: 'latin-1' });
  });

  test('Latin-1 CRLF is normalised too', () => {
    assert.deepEqual(decodeText(bytesOf('r', [0xe9], 'sum', [0xe9], '\r\nfin')), { text: 'résumé\nfin', encoding: 'latin-1' });
  });

  test('a NUL byte in the first 8 KB means binary', () => {
    assert.deepEqual(decodeText(bytesOf('PK', [0x03, 0x04, 0x00], 'rest of a zip')), { binary: true });
  });

  test('valid UTF-8 full of control characters is binary', () => {
    const soup = bytesOf('ab\x01\x02\x03\x1b\x7f'.repeat(200));
    assert.deepEqual(decodeText(soup), { binary: true });
  });

  test('a few control characters (an escape sequence in a log) stay text', () => {
    const text = `${'plain log line\n'.repeat(20)}\x1b[31mred\x1b[0m\n`;
    assert.deepEqual(decodeText(bytesOf(text)), { text, encoding: 'utf-8' });
  });

  test('bytes that are neither UTF-8 nor plausible Latin-1 are binary, not U+FFFD soup', () => {
    assert.deepEqual(decodeText(noisyBytes(4096)), { binary: true });
  });

  test('text that turns into binary after the first 8 KB is binary (self-extracting script)', () => {
    const script = bytesOf('#!/bin/sh\n', 'echo installing\n'.repeat(600), Array.from(noisyBytes(20000)));
    assert.deepEqual(decodeText(script), { binary: true });
  });

  test('UTF-16 with a BOM is decoded, little- and big-endian', () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Grüße\r\nwelt', 'utf16le')]);
    assert.deepEqual(decodeText(le), { text: 'Grüße\nwelt', encoding: 'utf-16' });
    const be = Buffer.from(le);
    be.swap16();
    assert.deepEqual(decodeText(be), { text: 'Grüße\nwelt', encoding: 'utf-16' });
  });

  test('UTF-16 with an odd byte count or NUL characters is binary', () => {
    assert.deepEqual(decodeText(bytesOf([0xff, 0xfe, 0x41, 0x00, 0x42])), { binary: true });
    // A UTF-32LE BOM starts like UTF-16LE; decoded as UTF-16 it is full of U+0000.
    assert.deepEqual(decodeText(bytesOf([0xff, 0xfe, 0x00, 0x00, 0x41, 0x00, 0x00, 0x00])), { binary: true });
  });

  test('empty input is empty UTF-8 text', () => {
    assert.deepEqual(decodeText(new Uint8Array(0)), { text: '', encoding: 'utf-8' });
  });
});

describe('hashBytes', () => {
  test('is the sha256 hex of the raw bytes', () => {
    assert.equal(hashBytes(bytesOf('abc')), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.equal(hashBytes(new Uint8Array(0)), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});

describe('describeFsError', () => {
  // Built by hand because a real EACCES cannot be produced when the tests run as root.
  const cases: Array<[string, string]> = [
    ['ENOENT', 'file vanished'],
    ['EACCES', 'permission denied'],
    ['EPERM', 'permission denied'],
    ['EISDIR', 'not a regular file'],
    ['ELOOP', 'symlink cycle'],
    ['EMFILE', 'too many open files'],
    ['EXDEV', 'exdev'],
  ];
  for (const [code, reason] of cases) {
    test(`${code} → '${reason}'`, () => {
      const err: NodeJS.ErrnoException = Object.assign(new Error(`${code}: synthetic`), { code });
      assert.equal(describeFsError(err), reason);
    });
  }
});

describe('sizeLimitReason', () => {
  test('names the limit in MB and the flag', () => {
    assert.equal(sizeLimitReason(5 * BYTES_PER_MB), 'larger than 5 MB (--max-file-size)');
    assert.equal(sizeLimitReason(1.5 * BYTES_PER_MB), 'larger than 1.5 MB (--max-file-size)');
  });
});

describe('loadFile', () => {
  test('reads, decodes and hashes a text file', async (t) => {
    const dir = tempDir(t, 'rag-load-').dir;
    const file = path.join(dir, 'notes.md');
    const raw = bytesOf([0xef, 0xbb, 0xbf], '# Title\r\n\r\nBody\r\n');
    await fs.writeFile(file, raw);
    assert.deepEqual(await loadFile(file, BYTES_PER_MB), {
      ok: true,
      text: '# Title\n\nBody\n',
      hash: hashBytes(raw),
      encoding: 'utf-8',
      bytes: raw.length,
    });
  });

  test('Latin-1 file comes back as text with encoding latin-1', async (t) => {
    const dir = tempDir(t, 'rag-load-').dir;
    const file = path.join(dir, 'latin1.txt');
    await fs.writeFile(file, bytesOf('caf', [0xe9], '\n'));
    const result = await loadFile(file, BYTES_PER_MB);
    assert.equal(result.ok && result.text, 'café\n');
    assert.equal(result.ok && result.encoding, 'latin-1');
  });

  test('the hash changes when one byte changes', async (t) => {
    const dir = tempDir(t, 'rag-load-').dir;
    const file = path.join(dir, 'a.txt');
    await fs.writeFile(file, 'hello world\n');
    const before = await loadFile(file, BYTES_PER_MB);
    await fs.writeFile(file, 'hello worle\n');
    const after = await loadFile(file, BYTES_PER_MB);
    assert.ok(before.ok && after.ok);
    assert.notEqual(before.hash, after.hash);
    // Line endings are normalised in the text, but the hash still sees them.
    await fs.writeFile(file, 'hello world\r\n');
    const crlf = await loadFile(file, BYTES_PER_MB);
    assert.ok(crlf.ok);
    assert.equal(crlf.text, before.text);
    assert.notEqual(crlf.hash, before.hash);
  });

  test('an empty file is ok with empty text', async (t) => {
    const dir = tempDir(t, 'rag-load-').dir;
    const file = path.join(dir, 'empty.md');
    await fs.writeFile(file, '');
    assert.deepEqual(await loadFile(file, BYTES_PER_MB), {
      ok: true,
      text: '',
      hash: hashBytes(new Uint8Array(0)),
      encoding: 'utf-8',
      bytes: 0,
    });
  });

  test('a binary file is refused', async (t) => {
    const dir = tempDir(t, 'rag-load-').dir;
    const file = path.join(dir, 'image.md');
    await fs.writeFile(file, bytesOf([0x89], 'PNG\r\n', [0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d], 'IHDR'));
    assert.deepEqual(await loadFile(file, BYTES_PER_MB), { ok: false, reason: 'binary file' });
  });

  test('a file that vanished is reported, not thrown', async (t) => {
    const dir = tempDir(t, 'rag-load-').dir;
    assert.deepEqual(await loadFile(path.join(dir, 'gone.md'), BYTES_PER_MB), { ok: false, reason: 'file vanished' });
  });

  test('a folder is not a regular file', async (t) => {
    const dir = tempDir(t, 'rag-load-').dir;
    assert.deepEqual(await loadFile(dir, BYTES_PER_MB), { ok: false, reason: 'not a regular file' });
  });

  test('a file over the limit is refused with the limit in the reason', async (t) => {
    const dir = tempDir(t, 'rag-load-').dir;
    const file = path.join(dir, 'big.md');
    await fs.writeFile(file, 'x'.repeat(2048));
    assert.deepEqual(await loadFile(file, 1024), { ok: false, reason: sizeLimitReason(1024) });
    assert.equal((await loadFile(file, 2048)).ok, true);
  });
});
