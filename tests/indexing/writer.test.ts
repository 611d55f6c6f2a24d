/**
 * The index writer (src/indexing/writer.ts) on a real LanceDB in a temp folder: what each
 * mode leaves on disk, and in which order, so a crash at any point leaves a readable index.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { tempDir } from '../helpers/paths.js';
import { planRun, type IndexSettings, type RunPlan } from '../../src/indexing/plan.js';
import { buildRows, type PreparedFile } from '../../src/indexing/rows.js';
import { IndexWriter } from '../../src/indexing/writer.js';
import { ChunkStore } from '../../src/store/chunk-store.js';
import { REBUILD_FILE, readManifest, readRecords, tableName, type Manifest } from '../../src/store/manifest.js';

const SETTINGS: IndexSettings = { embedModel: 'nomic-embed-text', chunk: { chunkSizeChars: 1200, chunkOverlapChars: 150 } };
const DIMS = 4;
const NOW = Date.parse('2026-01-02T03:04:05.000Z');

async function indexDir(t: TestContext): Promise<string> {
  const { dir } = tempDir(t, 'rag-writer-');
  return path.join(dir, '.rag');
}

/** A changed file with one passage and a vector already filled. */
function changedFile(relPath: string, text: string, change: 'new' | 'changed' = 'new'): PreparedFile {
  const chunks = [{ text, startLine: 1, endLine: 1, heading: '' }];
  const rows = buildRows(SETTINGS.embedModel, relPath, `hash-${text}`, chunks).map((r) => ({ ...r, vector: [text.length, 1, 2, 3] }));
  return {
    file: { absPath: `/docs/${relPath}`, relPath, size: text.length, mtimeMs: 1 },
    record: { path: relPath, size: text.length, mtimeMs: 1, hash: `hash-${text}`, chunks: rows.length },
    format: 'markdown', chunks, rows, change,
  };
}

async function open(dir: string, input: { rebuild?: boolean; dryRun?: boolean; pending?: Manifest } = {}): Promise<{ plan: RunPlan; writer: IndexWriter }> {
  await fs.mkdir(dir, { recursive: true });
  const live = await readManifest(dir);
  const plan = planRun({ rebuild: input.rebuild ?? false, dryRun: input.dryRun ?? false, settings: SETTINGS, live, pendingRebuild: input.pending, root: '..' });
  const writer = await IndexWriter.open(plan, { indexDir: dir, root: '..', now: () => NOW, modelDigest: async () => 'digest-1' });
  return { plan, writer };
}

async function pathsIn(dir: string, generation: number, paths: string[]): Promise<number> {
  const store = await ChunkStore.open(dir, tableName(generation), { dimensions: DIMS, create: false });
  return (await store.vectorsFor(paths)).size;
}

async function tableExists(dir: string, generation: number): Promise<boolean> {
  return ChunkStore.open(dir, tableName(generation), { dimensions: DIMS, create: false }).then(() => true, () => false);
}

/** A live index of generation 1 holding a.md and b.md, as a first run leaves it. */
async function liveIndex(dir: string): Promise<void> {
  const { writer } = await open(dir);
  await writer.write([changedFile('a.md', 'alpha'), changedFile('b.md', 'bravo')], false);
  await writer.finish([], true);
}

describe('IndexWriter', () => {
  it('a new index is live from its first write: manifest marked pending, then its records; finishing clears the mark', async (t) => {
    const dir = await indexDir(t);
    const { writer } = await open(dir);
    await writer.write([changedFile('a.md', 'alpha')], false);
    const during = await readManifest(dir);
    assert.equal(during?.hasPendingWrites, true);
    assert.equal(during?.generation, 1);
    assert.equal(during?.embedDigest, 'digest-1');
    assert.equal(during?.dimensions, DIMS);
    assert.deepEqual([...(await readRecords(dir, 1)).keys()], ['a.md'], 'records saved after the first batch');
    assert.equal(await pathsIn(dir, 1, ['a.md']), 1);

    await writer.finish([], true);
    const after = await readManifest(dir);
    assert.equal(after?.hasPendingWrites, undefined);
    assert.equal(after?.updatedAt, new Date(NOW).toISOString());
    assert.equal(writer.chunksTotal(), 1);
  });

  it('an update marks the live manifest pending before its data write, and finishing drops removed files and clears the mark', async (t) => {
    const dir = await indexDir(t);
    await liveIndex(dir);
    const { plan, writer } = await open(dir);
    assert.equal(plan.mode, 'update');
    assert.deepEqual(writer.recordedPaths().sort(), ['a.md', 'b.md']);
    await writer.write([changedFile('a.md', 'alpha two', 'changed')], false);
    assert.equal((await readManifest(dir))?.hasPendingWrites, true);

    await writer.finish(['b.md'], true);
    assert.equal((await readManifest(dir))?.hasPendingWrites, undefined);
    assert.deepEqual([...(await readRecords(dir, 1)).keys()], ['a.md']);
    assert.equal(await pathsIn(dir, 1, ['a.md', 'b.md']), 1);
  });

  it('a rebuild leaves the old generation live until it finishes, its manifest waiting in rebuild.json; then switches and retires the old', async (t) => {
    const dir = await indexDir(t);
    await liveIndex(dir);
    const { plan, writer } = await open(dir, { rebuild: true });
    assert.equal(plan.mode, 'rebuild');
    await writer.write([changedFile('a.md', 'alpha')], false);
    assert.equal((await readManifest(dir))?.generation, 1, 'the old index stays live');
    const pending = JSON.parse(await fs.readFile(path.join(dir, REBUILD_FILE), 'utf8')) as Manifest;
    assert.equal(pending.generation, 2);
    assert.equal(await pathsIn(dir, 2, ['a.md']), 1);

    await writer.finish([], true);
    assert.equal((await readManifest(dir))?.generation, 2);
    // Readers that opened generation 1 keep it for a while; a later run drops it.
    assert.equal(await tableExists(dir, 1), true, 'old generation retired, still readable');
    assert.deepEqual((await readManifest(dir))?.retired?.map((r) => r.generation), [1]);
    await assert.rejects(fs.stat(path.join(dir, REBUILD_FILE)), /ENOENT/);
    assert.deepEqual([...(await readRecords(dir, 2)).keys()], ['a.md']);
  });

  it('a rebuild that embedded nothing still switches over to its (empty) generation', async (t) => {
    const dir = await indexDir(t);
    await liveIndex(dir);
    const { writer } = await open(dir, { rebuild: true });
    await writer.finish([], false);
    const after = await readManifest(dir);
    assert.equal(after?.generation, 2);
    assert.equal(await tableExists(dir, 2), true);
    assert.equal(await tableExists(dir, 1), true, 'retired, not dropped yet');
  });

  it('after a crash, finishing drops rows that no record accounts for', async (t) => {
    const dir = await indexDir(t);
    await liveIndex(dir);
    // A run that wrote c.md and died before saving its record.
    const store = await ChunkStore.open(dir, tableName(1), { dimensions: DIMS, create: false });
    const orphan = changedFile('c.md', 'charlie');
    await store.replaceFiles(['c.md'], orphan.rows.map(({ embedText: _e, ...r }) => ({ ...r, vector: r.vector! })));
    const manifest = await readManifest(dir);
    await fs.writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ ...manifest, hasPendingWrites: true }));

    const { plan, writer } = await open(dir);
    assert.equal(plan.recovering, true);
    await writer.finish([], false);
    assert.equal(await pathsIn(dir, 1, ['a.md', 'b.md', 'c.md']), 2);
    assert.equal((await readManifest(dir))?.hasPendingWrites, undefined);
  });

  it('the vectors a changed file can reuse come from the live table', async (t) => {
    const dir = await indexDir(t);
    await liveIndex(dir);
    const { writer } = await open(dir);
    const reusable = await writer.reusableVectors(['a.md']);
    assert.deepEqual([...reusable.values()], [[5, 1, 2, 3]]);
  });

  it('a fresh rebuild never reuses vectors from the old generation', async (t) => {
    const dir = await indexDir(t);
    await liveIndex(dir);
    const { writer } = await open(dir, { rebuild: true });
    assert.equal((await writer.reusableVectors(['a.md'])).size, 0);
  });

  it('a dry run writes nothing, not even the index folder\'s files', async (t) => {
    const dir = await indexDir(t);
    const { writer } = await open(dir, { dryRun: true });
    await writer.write([changedFile('a.md', 'alpha')], true);
    await writer.saveRecords();
    await writer.finish([], true);
    assert.deepEqual(await fs.readdir(dir), []);
  });

  it('a batch of only empty files on a new index stores no table and no manifest', async (t) => {
    const dir = await indexDir(t);
    const { writer } = await open(dir);
    const empty: PreparedFile = { ...changedFile('e.md', 'x'), chunks: [], rows: [], record: { path: 'e.md', size: 0, mtimeMs: 1, hash: 'h', chunks: 0 } };
    await writer.write([empty], false);
    await writer.finish([], true);
    assert.equal(await readManifest(dir), undefined);
    assert.equal(await tableExists(dir, 1), false);
  });
});
