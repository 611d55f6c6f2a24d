/**
 * The index survives damage and never damages what is not its own: rebuilds under
 * readers, folders rag did not create, a corrupt manifest.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
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
import { tempDir } from '../helpers/paths.js';
import { spawnRag } from '../helpers/spawn-rag.js';
import { runRag } from '../helpers/test-io.js';

function writeDocs(dir: string, count = 6): void {
  const docs = path.join(dir, 'docs');
  mkdirSync(docs, { recursive: true });
  for (let i = 0; i < count; i++) writeFileSync(path.join(docs, `note-${i}.md`), `# Note ${i}\n\nThe river beyond hill ${i} is quiet.\n`);
}

describe('--rebuild never fails a reader', () => {
  it('a reader that opened the old generation keeps searching it after the switch-over', async (t) => {
    const stub = await startStub();
    const d = tempDir();
    t.after(async () => {
      d.cleanup();
      await stub.close();
    });
    writeDocs(d.dir);
    const env = { OLLAMA_HOST: stub.url, RAG_DB: path.join(d.dir, 'db') };
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
    const stub = await startStub();
    const d = tempDir();
    t.after(async () => {
      d.cleanup();
      await stub.close();
    });
    writeDocs(d.dir);
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
    const stub = await startStub();
    const d = tempDir();
    t.after(async () => {
      d.cleanup();
      await stub.close();
    });
    writeDocs(d.dir);
    mkdirSync(path.join(d.dir, '.rag'));
    writeFileSync(path.join(d.dir, '.rag', 'config.json'), '{"topK": 3}');
    const res = await spawnRag(['index', 'docs'], { cwd: d.dir, env: { OLLAMA_HOST: stub.url } });
    assert.equal(res.code, 0, res.stderr);
  });
});

describe('a corrupt manifest', () => {
  it('rag index says to --rebuild (exit 5); --rebuild starts over and ends as a clean build', async (t) => {
    const stub = await startStub();
    const d = tempDir();
    t.after(async () => {
      d.cleanup();
      await stub.close();
    });
    writeDocs(d.dir);
    const env = { OLLAMA_HOST: stub.url, RAG_DB: path.join(d.dir, 'db') };
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
