/**
 * `rag status` in-process: the whole report is always printed, and the exit code is the
 * first problem's (index 5, then Ollama 3, then models 4), so `rag status && rag ask`
 * works as a readiness check.
 */
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startStub, type Stub } from '../ollama-stub/server.js';
import { startTestStub } from '../helpers/stub.js';
import { CORPUS, REPO_ROOT, makeTempDir, tempDir } from '../helpers/paths.js';
import { runRag } from '../helpers/test-io.js';
import { closedPort } from '../helpers/indexed-corpus.js';
import type { StatusJson as StatusDoc } from '../../src/render/json.js';

describe('rag status', () => {
  let stub: Stub;
  let db: ReturnType<typeof makeTempDir>;
  let env: Record<string, string>;
  let indexed: { files: { seen: number }; chunks: { total: number }; dimensions: number };

  before(async () => {
    stub = await startStub();
    db = makeTempDir();
    env = { OLLAMA_HOST: stub.url, RAG_DB: db.dir };
    const res = await runRag(['index', '--json', CORPUS], { cwd: REPO_ROOT, env });
    assert.equal(res.code, 0, res.stderr);
    indexed = JSON.parse(res.stdout) as typeof indexed;
  });

  after(async () => {
    db.cleanup();
    await stub.close();
  });

  it('on a fresh folder: exit 5, "no index", and the Ollama and model lines are still shown', async (ctx) => {
    const t = tempDir(ctx);
    const res = await runRag(['status'], { cwd: t.dir, env: { OLLAMA_HOST: stub.url, RAG_DB: path.join(t.dir, 'none') } });
    assert.equal(res.code, 5);
    assert.match(res.stdout, /^Index\s+\S+none \(none yet\)$/m);
    assert.match(res.stdout, new RegExp(`^Ollama\\s+${stub.url.replace(/\./g, '\\.')} \\(from OLLAMA_HOST\\) ✓ version \\d`, 'm'));
    assert.match(res.stdout, /^\s+embedding nomic-embed-text ✓$/m);
    assert.match(res.stdout, /^\s+chat\s+llama3\.2 ✓$/m);
    assert.match(res.stderr, /^rag: No index at .* — run 'rag index/);
  });

  it('after indexing: exit 0 with files, passages, model and dimensions', async () => {
    const res = await runRag(['status'], { cwd: REPO_ROOT, env });
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stderr, '');
    assert.match(res.stdout, new RegExp(`^\\s+files\\s+${indexed.files.seen}$`, 'm'));
    assert.match(res.stdout, new RegExp(`^\\s+passages\\s+${indexed.chunks.total}$`, 'm'));
    assert.match(res.stdout, new RegExp(`^\\s+model\\s+nomic-embed-text \\(${indexed.dimensions} dimensions\\)$`, 'm'));
    assert.match(res.stdout, new RegExp(`^\\s+root\\s+${REPO_ROOT.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    assert.doesNotMatch(res.stdout, /✗/);
  });

  it('an interrupted rebuild: still exit 0, saying how far it got and how to resume it', async (ctx) => {
    const t = tempDir(ctx);
    cpSync(db.dir, t.dir, { recursive: true });
    const live = JSON.parse(readFileSync(path.join(t.dir, 'manifest.json'), 'utf8')) as { generation: number };
    const next = live.generation + 1;
    writeFileSync(path.join(t.dir, 'rebuild.json'), JSON.stringify({ ...live, generation: next, embedModel: 'mxbai-embed-large', dimensions: 1024, hasPendingWrites: true }));
    writeFileSync(path.join(t.dir, `files_g${next}.json`), JSON.stringify(['a.md', 'b.md'].map((p) => ({ path: p, size: 1, mtimeMs: 1, hash: 'h', chunks: 1 }))));
    const withRebuild = { ...env, RAG_DB: t.dir };
    const text = await runRag(['status'], { cwd: REPO_ROOT, env: withRebuild });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^ {2}rebuild {3}interrupted after 2 file\(s\) \(mxbai-embed-large, 1200\/150\): run the same 'rag index --rebuild' again to resume it$/m);
    const doc = JSON.parse((await runRag(['status', '--json'], { cwd: REPO_ROOT, env: withRebuild })).stdout) as StatusDoc;
    assert.deepEqual(doc.index.pending_rebuild, { files: 2, embed_model: 'mxbai-embed-large', chunk_size: 1200, chunk_overlap: 150 });
    const plain = JSON.parse((await runRag(['status', '--json'], { cwd: REPO_ROOT, env })).stdout) as StatusDoc;
    assert.equal(plain.index.pending_rebuild, null);
    assert.doesNotMatch((await runRag(['status'], { cwd: REPO_ROOT, env })).stdout, /rebuild/);
  });

  it('with Ollama down: exit 3, the index still described', async () => {
    const host = `http://127.0.0.1:${await closedPort()}`;
    const res = await runRag(['status'], { cwd: REPO_ROOT, env: { ...env, OLLAMA_HOST: host } });
    assert.equal(res.code, 3);
    assert.match(res.stdout, new RegExp(`^\\s+files\\s+${indexed.files.seen}$`, 'm'));
    assert.match(res.stdout, /^Ollama\s+\S+ \(from OLLAMA_HOST\) ✗ unreachable$/m);
    assert.match(res.stderr, /^rag: Cannot reach Ollama at http:\/\/127\.0\.0\.1:\d+/m);
  });

  it('a missing model: exit 4 naming the pull command', async (t) => {
    const bare = await startTestStub(t, { installed: ['nomic-embed-text'] });
    const res = await runRag(['status'], { cwd: REPO_ROOT, env: { ...env, OLLAMA_HOST: bare.url } });
    assert.equal(res.code, 4);
    assert.match(res.stdout, /^\s+chat\s+llama3\.2 ✗$/m);
    assert.match(res.stderr, /^rag: Model 'llama3\.2' is not installed — run 'ollama pull llama3\.2'/m);
  });

  it('--json: ready, index, ollama, models and problems; the same exit code and stderr as text', async () => {
    const ready = await runRag(['status', '--json'], { cwd: REPO_ROOT, env });
    assert.equal(ready.code, 0, ready.stderr);
    const doc = JSON.parse(ready.stdout) as StatusDoc;
    assert.deepEqual(Object.keys(doc).sort(), ['hosts', 'index', 'models', 'ollama', 'problems', 'ready']);
    assert.equal(doc.ready, true);
    assert.equal(doc.index.path, db.dir);
    assert.equal(doc.index.exists, true);
    assert.equal(doc.index.root, REPO_ROOT);
    assert.equal(doc.index.files, indexed.files.seen);
    assert.equal(doc.index.chunks, indexed.chunks.total);
    assert.equal(doc.index.embed_model, 'nomic-embed-text');
    assert.equal(doc.index.dimensions, indexed.dimensions);
    assert.ok(doc.index.updated_at !== null && !Number.isNaN(Date.parse(doc.index.updated_at)));
    assert.deepEqual(doc.ollama, { host: stub.url, host_source: 'env', reachable: true, version: '0.33.0' });
    assert.deepEqual(doc.hosts.map((h) => [h.host, h.reachable, h.version]), [[stub.url, true, '0.33.0']]);
    assert.ok(doc.hosts[0]!.models.includes('nomic-embed-text:latest'));
    assert.deepEqual(doc.models, {
      embed: { name: 'nomic-embed-text', installed: true, right_kind: true },
      chat: { name: 'llama3.2', installed: true, right_kind: true },
    });
    assert.deepEqual(doc.problems, []);

    const host = `http://127.0.0.1:${await closedPort()}`;
    const downEnv = { ...env, OLLAMA_HOST: host };
    const text = await runRag(['status'], { cwd: REPO_ROOT, env: downEnv });
    const down = await runRag(['status', '--json'], { cwd: REPO_ROOT, env: downEnv });
    assert.equal(down.code, 3);
    assert.equal(down.stderr, text.stderr);
    const downDoc = JSON.parse(down.stdout) as StatusDoc;
    assert.equal(downDoc.ready, false);
    assert.deepEqual(downDoc.ollama, { host, host_source: 'env', reachable: false, version: null });
    assert.equal(downDoc.problems[0]?.code, 3);
    assert.match(downDoc.problems[0]?.message ?? '', /Cannot reach Ollama/);
  });
});
