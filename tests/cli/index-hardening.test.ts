/**
 * The index survives damage and never damages what is not its own: rebuilds under
 * readers, folders rag did not create, a corrupt manifest.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { rebuildWhileReading } from '../../bench/rebuild-while-reading.js';
import { OllamaClient } from '../../src/ollama.js';
import { openIndex, retrieve } from '../../src/retrieve/retrieve.js';
import { ChunkStore } from '../../src/store/chunk-store.js';
import { readManifest } from '../../src/store/manifest.js';
import { startStub } from '../ollama-stub/server.js';
import { assertOneErrorLine } from '../helpers/assertions.js';
import { cleanBuild, storedRows } from '../helpers/index-rows.js';
import { tempDir, type CleanupHooks } from '../helpers/paths.js';
import { spawnRag, startRag } from '../helpers/spawn-rag.js';
import { runRag } from '../helpers/test-io.js';

function writeDocs(dir: string, count = 6): void {
  const docs = path.join(dir, 'docs');
  mkdirSync(docs, { recursive: true });
  for (let i = 0; i < count; i++) writeFileSync(path.join(docs, `note-${i}.md`), `# Note ${i}\n\nThe river beyond hill ${i} is quiet.\n`);
}

/** A stub, a temp folder holding docs/, and the env that points rag at both (index in <dir>/db). */
async function docsWithStub(t: CleanupHooks) {
  const stub = await startStub();
  const d = tempDir(t);
  t.after(() => stub.close());
  writeDocs(d.dir);
  const db = path.join(d.dir, 'db');
  return { stub, d, db, env: { OLLAMA_HOST: stub.url, RAG_DB: db } };
}

describe('--rebuild never fails a reader', () => {
  it('a reader that opened the old generation keeps searching it after the switch-over', async (t) => {
    const { stub, d, env } = await docsWithStub(t);
    assert.equal((await runRag(['index', 'docs'], { cwd: d.dir, env })).code, 0);
    const reader = await openIndex(env.RAG_DB, true);
    const rebuilt = await runRag(['index', '--rebuild', 'docs'], { cwd: d.dir, env });
    assert.equal(rebuilt.code, 0, rebuilt.stderr);
    assert.equal((await readManifest(env.RAG_DB))?.generation, reader.manifest.generation + 1);
    const { hits } = await retrieve(reader, new OllamaClient({ host: stub.url }), 'river beyond the hill', { topK: 3 });
    assert.ok(hits.length > 0, 'the old generation still answers');
  });

  it('readers in a loop of rebuilds: none fails (the fault script, bounded)', async () => {
    const figures = await rebuildWhileReading({ durationMs: 4000, minRebuilds: 3, readers: 2, files: 20 });
    assert.ok(figures.rebuilds >= 3, JSON.stringify(figures));
    assert.ok(figures.searches + figures.asks > 0, JSON.stringify(figures));
    assert.deepEqual(figures.failures, []);
    assert.equal(figures.failedReaders, 0);
  });
});

describe('rag never writes into a folder it did not create', () => {
  it('--db at a folder holding other data: exit 2, nothing removed', async (t) => {
    const { stub, d } = await docsWithStub(t);
    const v = path.join(d.dir, 'v');
    await ChunkStore.open(v, 'important', { dimensions: 4, create: true });
    writeFileSync(path.join(v, 'files_g9.json'), '[]');
    const res = await spawnRag(['--db', 'v', 'index', 'docs'], { cwd: d.dir, env: { OLLAMA_HOST: stub.url } });
    assert.equal(res.code, 2, res.stderr);
    assertOneErrorLine(res.stderr, /is not a rag index: it holds .*files_g9\.json.* — point --db or RAG_DB at an empty or new folder/);
    assert.ok(existsSync(path.join(v, 'files_g9.json')));
    assert.ok(readdirSync(path.join(v, 'lance')).includes('important.lance'));
    await ChunkStore.open(v, 'important', { dimensions: 4, create: false });
  });

  it('a folder with only a config file is taken as a new index', async (t) => {
    const { stub, d } = await docsWithStub(t);
    mkdirSync(path.join(d.dir, '.rag'));
    writeFileSync(path.join(d.dir, '.rag', 'config.json'), '{"topK": 3}');
    const res = await spawnRag(['index', 'docs'], { cwd: d.dir, env: { OLLAMA_HOST: stub.url } });
    assert.equal(res.code, 0, res.stderr);
  });
});

describe('a corrupt manifest', () => {
  it('rag index says to --rebuild (exit 5); --rebuild starts over and ends as a clean build', async (t) => {
    const { stub, d, env } = await docsWithStub(t);
    assert.equal((await runRag(['index', 'docs'], { cwd: d.dir, env })).code, 0);
    writeFileSync(path.join(env.RAG_DB, 'manifest.json'), '{not json');
    const plain = await spawnRag(['index', 'docs'], { cwd: d.dir, env });
    assert.equal(plain.code, 5, plain.stderr);
    assertOneErrorLine(plain.stderr, /corrupt — run 'rag index --rebuild'/);
    const rebuilt = await spawnRag(['index', '--rebuild', 'docs'], { cwd: d.dir, env });
    assert.equal(rebuilt.code, 0, rebuilt.stderr);
    assert.deepEqual(await storedRows(env.RAG_DB), await cleanBuild(d.dir, ['docs'], stub));
    const search = await spawnRag(['search', 'river'], { cwd: d.dir, env });
    assert.equal(search.code, 0, search.stderr);
  });
});

describe('locks name their owner', () => {
  /** A live process that is not rag, whose pid a leftover lock may name after pid reuse. */
  function someOtherProcess(t: { after: (fn: () => void) => void }): number {
    const child = spawn('sleep', ['60'], { stdio: 'ignore' });
    t.after(() => child.kill('SIGKILL'));
    assert.ok(child.pid);
    return child.pid;
  }

  it('a lock naming a live process that is not rag is stale, with or without its start time', async (t) => {
    const { stub, d } = await docsWithStub(t);
    const db = path.join(d.dir, 'db');
    const pid = someOtherProcess(t);
    mkdirSync(db);
    writeFileSync(path.join(db, 'lock'), JSON.stringify({ pid }));
    const first = await spawnRag(['index', 'docs'], { cwd: d.dir, env: { OLLAMA_HOST: stub.url, RAG_DB: db } });
    assert.equal(first.code, 0, first.stderr);
    writeFileSync(path.join(d.dir, 'docs', 'note-0.md'), '# Changed\n\nA new text.\n');
    writeFileSync(path.join(db, 'lock'), JSON.stringify({ pid, startedAt: 'x', processStart: '1', command: 'rag index' }));
    const second = await spawnRag(['index', 'docs'], { cwd: d.dir, env: { OLLAMA_HOST: stub.url, RAG_DB: db } });
    assert.equal(second.code, 0, second.stderr);
    assert.ok(!existsSync(path.join(db, 'lock')));
  });

  it('a lock.break left by a dead taker does not block', async (t) => {
    const { stub, d } = await docsWithStub(t);
    const db = path.join(d.dir, 'db');
    mkdirSync(db);
    const pid = someOtherProcess(t);
    writeFileSync(path.join(db, 'lock'), JSON.stringify({ pid: 999_999_999 }));
    writeFileSync(path.join(db, 'lock.break'), JSON.stringify({ pid }));
    const res = await spawnRag(['index', 'docs'], { cwd: d.dir, env: { OLLAMA_HOST: stub.url, RAG_DB: db } });
    assert.equal(res.code, 0, res.stderr);
    assert.ok(!existsSync(path.join(db, 'lock.break')));
  });

  it('the lock deleted mid-run: the first writer stops (exit 5), and no passage is stored twice', async (t) => {
    const stub = await startStub({ cost: { embedMsPerRequest: 30 } });
    const d = tempDir(t);
    t.after(() => stub.close());
    writeDocs(d.dir, 60);
    const db = path.join(d.dir, 'db');
    const env = { OLLAMA_HOST: stub.url, RAG_DB: db };
    const a = startRag(['index', '--batch-size', '1', 'docs'], { cwd: d.dir, env });
    const deadline = Date.now() + 30_000;
    while (!existsSync(path.join(db, 'manifest.json'))) {
      assert.ok(Date.now() < deadline, 'the first run never wrote');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    rmSync(path.join(db, 'lock'));
    const b = startRag(['index', '--batch-size', '1', 'docs'], { cwd: d.dir, env });
    const [ra, rb] = await Promise.all([a.done, b.done]);
    assert.equal(rb.code, 0, rb.stderr);
    assert.equal(ra.code, 5, ra.stderr);
    assertOneErrorLine(ra.stderr, /lock on the index .* was removed while this run was writing/);
    stub.setCost({});
    const rows = await storedRows(db);
    assert.equal(new Set(rows.map((r) => r.id)).size, rows.length, 'duplicate ids');
    assert.deepEqual(rows, await cleanBuild(d.dir, ['docs'], stub));
  });
});

describe('replaced generations', () => {
  it('a later run drops a generation retired more than a minute ago, and keeps the live one', async (t) => {
    const { d, db, env } = await docsWithStub(t);
    assert.equal((await spawnRag(['index', 'docs'], { cwd: d.dir, env })).code, 0);
    assert.equal((await spawnRag(['index', '--rebuild', 'docs'], { cwd: d.dir, env })).code, 0);
    const tables = () => readdirSync(path.join(db, 'lance')).filter((n) => n.endsWith('.lance')).sort();
    assert.deepEqual(tables(), ['chunks_g1.lance', 'chunks_g2.lance']);
    const manifest = await readManifest(db);
    assert.deepEqual(manifest?.retired?.map((r) => r.generation), [1]);
    writeFileSync(path.join(db, 'manifest.json'), JSON.stringify({ ...manifest, retired: [{ generation: 1, at: new Date(Date.now() - 61_000).toISOString() }] }));
    const later = await spawnRag(['index', 'docs'], { cwd: d.dir, env });
    assert.equal(later.code, 0, later.stderr);
    assert.deepEqual(tables(), ['chunks_g2.lance']);
    assert.equal((await readManifest(db))?.retired, undefined);
    assert.ok(!existsSync(path.join(db, 'files_g1.json')));
  });
});

describe('damage is noticed and repaired', () => {
  async function indexed(t: { after: (fn: () => Promise<void>) => void }) {
    const { stub, d, db, env } = await docsWithStub(t);
    assert.equal((await runRag(['index', 'docs'], { cwd: d.dir, env })).code, 0);
    return { stub, cwd: d.dir, db, env };
  }

  it('the table folder deleted: status exits 5; index re-embeds everything and says so; status is ready again', async (t) => {
    const { stub, cwd, db, env } = await indexed(t);
    rmSync(path.join(db, 'lance'), { recursive: true });
    const status = await spawnRag(['status'], { cwd, env });
    assert.equal(status.code, 5, status.stderr);
    assert.match(status.stderr, /^rag: The index at .* has no data table/m);
    const repair = await spawnRag(['index', 'docs'], { cwd, env });
    assert.equal(repair.code, 0, repair.stderr);
    assert.match(repair.stderr, /Repaired the index: the passages of 6 file\(s\)/);
    assert.deepEqual(await storedRows(db), await cleanBuild(cwd, ['docs'], stub));
    assert.equal((await spawnRag(['status'], { cwd, env })).code, 0);
  });

  it('the data files deleted: status and index exit 5 with one line (no panic), --rebuild repairs', async (t) => {
    const { stub, cwd, db, env } = await indexed(t);
    const data = path.join(db, 'lance', 'chunks_g1.lance', 'data');
    for (const f of readdirSync(data)) rmSync(path.join(data, f));
    const status = await spawnRag(['status'], { cwd, env });
    assert.equal(status.code, 5, status.stderr);
    assert.match(status.stderr, /^rag: The index at .* is damaged/m);
    assert.doesNotMatch(status.stderr, /panicked|report it/);
    writeFileSync(path.join(cwd, 'docs', 'note-0.md'), '# Changed\n\nNew words.\n');
    const index = await spawnRag(['index', 'docs'], { cwd, env });
    assert.equal(index.code, 5, index.stderr);
    assertOneErrorLine(index.stderr, /is damaged: .* — run 'rag index --rebuild'/);
    const rebuilt = await spawnRag(['index', '--rebuild', 'docs'], { cwd, env });
    assert.equal(rebuilt.code, 0, rebuilt.stderr);
    assert.deepEqual(await storedRows(db), await cleanBuild(cwd, ['docs'], stub));
  });

  it('orphan rows (the records file and a document deleted) are reconciled away', async (t) => {
    const { stub, cwd, db, env } = await indexed(t);
    rmSync(path.join(db, 'files_g1.json'));
    rmSync(path.join(cwd, 'docs', 'note-3.md'));
    const status = await spawnRag(['status'], { cwd, env });
    assert.equal(status.code, 5, status.stderr);
    const index = await spawnRag(['index', 'docs'], { cwd, env });
    assert.equal(index.code, 0, index.stderr);
    const rows = await storedRows(db);
    assert.ok(!rows.some((r) => r.path === 'docs/note-3.md'), 'the deleted file is gone');
    assert.deepEqual(rows, await cleanBuild(cwd, ['docs'], stub));
    assert.equal((await spawnRag(['status'], { cwd, env })).code, 0);
  });
});

describe('storage errors on writes', () => {
  it('a write LanceDB cannot make: exit 5 naming the index folder, the files done so far kept', async (t) => {
    const { d, db, env } = await docsWithStub(t);
    assert.equal((await spawnRag(['index', 'docs'], { cwd: d.dir, env })).code, 0);
    const before = await storedRows(db);
    // LanceDB's transaction folder replaced by a file: reads work, every commit fails.
    const data = path.join(db, 'lance', 'chunks_g1.lance', '_transactions');
    rmSync(data, { recursive: true });
    writeFileSync(data, '');
    writeFileSync(path.join(d.dir, 'docs', 'note-0.md'), '# Changed\n\nNew words about the harbour.\n');
    const res = await spawnRag(['index', 'docs'], { cwd: d.dir, env });
    assert.equal(res.code, 5, res.stderr);
    assertOneErrorLine(res.stderr, new RegExp(`Cannot write the index at ${db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .* — .*the files indexed so far are kept`));
    assert.doesNotMatch(res.stderr, /report it/);
    assert.equal((await readManifest(db))?.generation, 1);
    assert.ok(before.length > 0);
  });
});

describe('which index a run writes to', () => {
  it('the summary names the index; paths new to an index found in a parent folder are noted on stderr', async (t) => {
    const { stub, d } = await docsWithStub(t);
    const env = { OLLAMA_HOST: stub.url };
    const own = await spawnRag(['index', 'docs'], { cwd: d.dir, env });
    assert.equal(own.code, 0, own.stderr);
    const index = path.join(d.dir, '.rag');
    assert.match(own.stderr, new RegExp(`^Indexed 6 files .* · index ${index.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    assert.doesNotMatch(own.stderr, /Note:/);

    const sub = path.join(d.dir, 'sub');
    mkdirSync(path.join(sub, 'more'), { recursive: true });
    writeFileSync(path.join(sub, 'more', 'a.md'), '# A\n\nA new folder of notes.\n');
    const fromSub = await spawnRag(['index', '--json', 'more'], { cwd: sub, env });
    assert.equal(fromSub.code, 0, fromSub.stderr);
    assert.equal((JSON.parse(fromSub.stdout) as { index: string }).index, index);
    assert.match(fromSub.stderr, new RegExp(`^Note: these paths are new to the index at ${index.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, found in a parent folder; pass --db to use another index\\.$`, 'm'));
    const again = await spawnRag(['index', 'more'], { cwd: sub, env });
    assert.doesNotMatch(again.stderr, /Note:/, 'no longer new');
  });
});

describe('safe by default: what discovery reads', () => {
  function tree(dir: string): { docs: string; outside: string } {
    const docs = path.join(dir, 'docs');
    const outside = path.join(dir, 'outside');
    mkdirSync(path.join(docs, 'sub'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(path.join(docs, 'a.md'), '# A\n\nThe river beyond the hill.\n');
    writeFileSync(path.join(docs, 'sub', 'b.md'), '# B\n\nThe forest beyond the hill.\n');
    writeFileSync(path.join(docs, 'styles.css'), 'body { color: red }\n');
    writeFileSync(path.join(docs, 'bundle.zip'), 'PK\u0003\u0004 not really a zip\n');
    writeFileSync(path.join(docs, 'data.csv'), 'a,b\n1,2\n');
    writeFileSync(path.join(docs, 'id_rsa'), '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n');
    writeFileSync(path.join(docs, 'server.pem'), '-----BEGIN CERTIFICATE-----\nabc\n');
    writeFileSync(path.join(outside, 'secret.md'), '# Outside\n\nThe harbour credentials.\n');
    symlinkSync(outside, path.join(docs, 'out'));
    symlinkSync(path.join(docs, 'sub'), path.join(docs, 'in'));
    return { docs, outside };
  }

  type Doc = { files: { new: number }; skipped: Array<{ path: string; reason: string }> };

  it('symlinks only within the named folders; secrets and unsupported formats listed as skipped with a reason', async (t) => {
    const stub = await startStub();
    const d = tempDir(t);
    t.after(() => stub.close());
    tree(d.dir);
    const env = { OLLAMA_HOST: stub.url, RAG_DB: path.join(d.dir, 'db') };
    const res = await spawnRag(['index', '--json', 'docs'], { cwd: d.dir, env });
    assert.equal(res.code, 0, res.stderr);
    const doc = JSON.parse(res.stdout) as Doc;
    assert.deepEqual([...new Set((await storedRows(env.RAG_DB)).map((r) => r.path))].sort(), ['docs/a.md', 'docs/sub/b.md']);
    assert.deepEqual(doc.skipped, [
      { path: 'docs/bundle.zip', reason: 'unsupported format' },
      { path: 'docs/data.csv', reason: 'unsupported format' },
      { path: 'docs/id_rsa', reason: 'possible secret (name the file to index it)' },
      { path: 'docs/out', reason: 'symlink outside the indexed folders (--follow to follow it)' },
      { path: 'docs/server.pem', reason: 'possible secret (name the file to index it)' },
      { path: 'docs/styles.css', reason: 'not indexed by default (add it with --include)' },
    ]);
    assert.match(res.stderr, /6 skipped/);

    const zip = await spawnRag(['index', '--json', '--include', '*.zip', 'docs/bundle.zip'], { cwd: d.dir, env });
    assert.equal(zip.code, 2, zip.stderr);
    assert.match(zip.stderr, /bundle\.zip: unsupported format/);

    const named = await spawnRag(['index', '--json', 'docs/server.pem'], { cwd: d.dir, env });
    assert.equal(named.code, 0, named.stderr);
    assert.equal((JSON.parse(named.stdout) as Doc).files.new, 1, 'a secret named explicitly is indexed');

    const followed = await spawnRag(['index', '--json', '--follow', 'docs'], { cwd: d.dir, env });
    assert.equal(followed.code, 0, followed.stderr);
    assert.ok((await storedRows(env.RAG_DB)).some((r) => r.path === 'docs/out/secret.md'), '--follow follows links out of the tree');
  });
});
