/**
 * The manifest and per-file records (src/manifest.ts): what a missing, corrupt or newer
 * index looks like to rag, atomic writes that leave no temp files, records kept in path
 * order (so a re-run writes byte-identical files), and the clean-up after a rebuild.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RagError } from '../../src/errors.js';
import {
  MANIFEST_FILE, SCHEMA_VERSION, readManifest, readRecords, removeStaleRecords, requireCurrentSchema, tableName, writeManifest, writeRecords,
  type FileRecord, type Manifest,
} from '../../src/store/manifest.js';
import { makeTempDir } from '../helpers/paths.js';

const MANIFEST: Manifest = {
  schemaVersion: SCHEMA_VERSION,
  root: '..',
  generation: 3,
  embedModel: 'nomic-embed-text',
  embedDigest: 'abc123',
  dimensions: 768,
  chunkSizeChars: 1200,
  chunkOverlapChars: 150,
  createdAt: '2025-06-01T12:00:00.000Z',
  updatedAt: '2025-06-02T12:00:00.000Z',
};

function record(p: string, chunks = 1): FileRecord {
  return { path: p, size: 10 * chunks, mtimeMs: 1_700_000_000_000 + chunks, hash: `h-${p}`, chunks };
}

function assertIndexError(pattern: RegExp, hint: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof RagError, String(err));
    assert.equal(err.exitCode, 5);
    assert.match(err.message, pattern);
    assert.match(err.hint ?? '', hint);
    return true;
  };
}

describe('manifest', () => {
  let t: ReturnType<typeof makeTempDir>;
  let n = 0;
  const dir = (): string => path.join(t.dir, `index-${n++}`);
  const freshDir = (): string => {
    const d = dir();
    mkdirSync(d);
    return d;
  };

  before(() => {
    t = makeTempDir('rag-manifest-');
  });

  after(() => t.cleanup());

  it('a folder without a manifest (or no folder at all) has no index', async () => {
    assert.equal(await readManifest(path.join(t.dir, 'nowhere')), undefined);
    assert.equal(await readManifest(freshDir()), undefined);
  });

  it('round-trips, with and without the pending-writes mark', async () => {
    const d = freshDir();
    await writeManifest(d, MANIFEST);
    assert.deepEqual(await readManifest(d), MANIFEST);
    await writeManifest(d, { ...MANIFEST, hasPendingWrites: true });
    assert.equal((await readManifest(d))?.hasPendingWrites, true);
    assert.deepEqual(readdirSync(d), [MANIFEST_FILE], 'atomic writes leave no temp file behind');
  });

  const CORRUPT: Array<[string, string]> = [
    ['not JSON', '{"schemaVersion": 1,'],
    ['empty', ''],
    ['an array', '[]'],
    ['missing dimensions', JSON.stringify({ ...MANIFEST, dimensions: undefined })],
    ['a string generation', JSON.stringify({ ...MANIFEST, generation: '3' })],
  ];
  for (const [what, text] of CORRUPT) {
    it(`a corrupt manifest (${what}) is an index error suggesting --rebuild`, async () => {
      const d = freshDir();
      writeFileSync(path.join(d, MANIFEST_FILE), text);
      await assert.rejects(readManifest(d), assertIndexError(/corrupt/, /--rebuild/));
    });
  }

  it('an index written by a newer rag is refused, not misread', async () => {
    const d = freshDir();
    await writeManifest(d, { ...MANIFEST, schemaVersion: SCHEMA_VERSION + 1 });
    await assert.rejects(readManifest(d), assertIndexError(/newer rag/, /upgrade rag/));
  });

  it('an index written by an older rag is readable but refused for use until rebuilt', async () => {
    const d = freshDir();
    await writeManifest(d, { ...MANIFEST, schemaVersion: SCHEMA_VERSION - 1 });
    const old = await readManifest(d);
    assert.throws(() => requireCurrentSchema(old, d), assertIndexError(/built by an older rag/, /rag index --rebuild/));
    assert.doesNotThrow(() => requireCurrentSchema({ ...MANIFEST }, d));
    assert.doesNotThrow(() => requireCurrentSchema(undefined, d));
  });

  it('names a table per generation', () => {
    assert.equal(tableName(1), 'chunks_g1');
    assert.equal(tableName(12), 'chunks_g12');
  });
});

describe('file records', () => {
  let t: ReturnType<typeof makeTempDir>;

  before(() => {
    t = makeTempDir('rag-records-');
  });

  after(() => t.cleanup());

  it('no records file means no records', async () => {
    assert.equal((await readRecords(t.dir, 7)).size, 0);
  });

  it('are written in path order whatever the map order, so equal records give equal bytes', async () => {
    const a = new Map([['b.md', record('b.md', 2)], ['a/z.md', record('a/z.md')], ['a.md', record('a.md', 3)]]);
    const b = new Map([...a].reverse());
    await writeRecords(t.dir, 1, a);
    const first = readFileSync(path.join(t.dir, 'files_g1.json'), 'utf8');
    await writeRecords(t.dir, 1, b);
    assert.equal(readFileSync(path.join(t.dir, 'files_g1.json'), 'utf8'), first);
    assert.deepEqual((JSON.parse(first) as FileRecord[]).map((r) => r.path), ['a.md', 'a/z.md', 'b.md']);

    const read = await readRecords(t.dir, 1);
    assert.deepEqual([...read.keys()].sort(), ['a.md', 'a/z.md', 'b.md']);
    assert.deepEqual(read.get('a.md'), record('a.md', 3));
  });

  const CORRUPT: Array<[string, string]> = [
    ['not JSON', '[{"path":'],
    ['an object, not a list', '{}'],
    ['a record without a hash', JSON.stringify([{ path: 'a.md', size: 1, mtimeMs: 1, chunks: 1 }])],
  ];
  CORRUPT.forEach(([what, text], i) => {
    it(`a corrupt records file (${what}) is an index error suggesting --rebuild, not an empty index`, async () => {
      writeFileSync(path.join(t.dir, `files_g${90 + i}.json`), text);
      await assert.rejects(readRecords(t.dir, 90 + i), assertIndexError(/corrupt/, /--rebuild/));
    });
  });

  it('after a rebuild, only the live generation keeps its records file', async () => {
    const d = path.join(t.dir, 'rebuilt');
    mkdirSync(d);
    for (const g of [1, 2, 3]) await writeRecords(d, g, new Map([['a.md', record('a.md')]]));
    await writeManifest(d, MANIFEST);
    writeFileSync(path.join(d, 'lock'), '{}');
    await removeStaleRecords(d, [2]);
    assert.deepEqual(readdirSync(d).sort(), ['files_g2.json', 'lock', MANIFEST_FILE].sort());
  });
});
