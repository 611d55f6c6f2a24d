/** Per-file preparation (src/indexing/prepare.ts): each outcome of reading a candidate file against its record. */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { tempDir } from '../helpers/paths.js';
import type { SourceFile } from '../../src/discover/walk.js';
import { prepareFile, type PrepareContext } from '../../src/indexing/prepare.js';
import { hashBytes } from '../../src/load/text.js';

const CTX: PrepareContext = { embedModel: 'nomic-embed-text', chunk: { chunkSizeChars: 1200, chunkOverlapChars: 150 }, maxFileSizeBytes: 1024 * 1024 };
const NOTE = '# Install\n\nRun npm install.\n\n# Use\n\nRun rag index.\n';

async function writeFile(t: TestContext, name: string, content: string | Uint8Array): Promise<SourceFile> {
  const { dir } = tempDir(t, 'rag-prepare-');
  const absPath = path.join(dir, name);
  await fs.writeFile(absPath, content);
  const stats = await fs.stat(absPath);
  return { absPath, relPath: name, size: stats.size, mtimeMs: stats.mtimeMs };
}

describe('prepareFile', () => {
  it('a file with no record is changed as new, chunked into rows whose count its record keeps', async (t) => {
    const file = await writeFile(t, 'guide.md', NOTE);
    const result = await prepareFile(file, undefined, CTX);
    assert.equal(result.kind, 'changed');
    if (result.kind !== 'changed') return;
    const { prepared } = result;
    assert.equal(prepared.change, 'new');
    assert.equal(prepared.format, 'markdown');
    assert.ok(prepared.rows.length > 0);
    assert.equal(prepared.record.chunks, prepared.rows.length);
    assert.deepEqual(prepared.record, { path: 'guide.md', size: file.size, mtimeMs: file.mtimeMs, hash: hashBytes(Buffer.from(NOTE)), chunks: prepared.rows.length });
    assert.ok(prepared.rows.every((r) => r.path === 'guide.md' && r.vector === undefined));
  });

  it('a file whose content differs from its record is changed as changed', async (t) => {
    const file = await writeFile(t, 'guide.md', NOTE);
    const previous = { path: 'guide.md', size: 1, mtimeMs: 1, hash: 'older', chunks: 7 };
    const result = await prepareFile(file, previous, CTX);
    assert.equal(result.kind === 'changed' && result.prepared.change, 'changed');
  });

  it('a touched file with the recorded hash is unchanged, its record taking the new size and mtime and keeping the chunk count', async (t) => {
    const file = await writeFile(t, 'guide.md', NOTE);
    const previous = { path: 'guide.md', size: 1, mtimeMs: 1, hash: hashBytes(Buffer.from(NOTE)), chunks: 7 };
    const result = await prepareFile(file, previous, CTX);
    assert.deepEqual(result, { kind: 'unchanged', record: { ...previous, size: file.size, mtimeMs: file.mtimeMs } });
  });

  it('a binary file is skipped with its reason, recorded or not', async (t) => {
    const file = await writeFile(t, 'blob.txt', new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 1, 2, 3]));
    assert.deepEqual(await prepareFile(file, undefined, CTX), { kind: 'skipped', reason: 'binary file' });
    const previous = { path: 'blob.txt', size: 1, mtimeMs: 1, hash: 'old', chunks: 1 };
    assert.deepEqual(await prepareFile(file, previous, CTX), { kind: 'skipped', reason: 'binary file' });
  });

  it('a file gone since discovery is skipped, not thrown', async (t) => {
    const file = await writeFile(t, 'gone.md', NOTE);
    await fs.rm(file.absPath);
    const result = await prepareFile(file, undefined, CTX);
    assert.equal(result.kind, 'skipped');
  });

  it('an empty file is changed with no rows', async (t) => {
    const file = await writeFile(t, 'empty.md', '');
    const result = await prepareFile(file, undefined, CTX);
    assert.equal(result.kind, 'changed');
    assert.equal(result.kind === 'changed' && result.prepared.rows.length, 0);
  });
});
