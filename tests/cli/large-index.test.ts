/**
 * A 15 MB, 1,500-file corpus (about 20,000 passages) through the real process. At this
 * size LanceDB 0.31's full-text index build deadlocked on machines with 2 CPUs or fewer
 * unless rag configured its thread pool (main.ts tuneProcess): `rag index` never
 * returned. The run is killed if it hangs, so the suite fails instead of stalling.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { generateCorpus } from '../../bench/generate-corpus.js';
import { startTestStub } from '../helpers/stub.js';
import { tempDir } from '../helpers/paths.js';
import { spawnRag } from '../helpers/spawn-rag.js';

describe('a large corpus', () => {
  it('indexes 1,500 files / 15 MB to completion, with a full-text index that search uses', async (t) => {
    const stub = await startTestStub(t);
    const work = tempDir(t);
    const corpus = path.join(work.dir, 'corpus');
    generateCorpus(corpus, { files: 1500, sizeMb: 15, seed: 7 });
    const env = { OLLAMA_HOST: stub.url, RAG_DB: path.join(work.dir, 'db') };
    // A hang detector, not a time limit: at this size the run also builds the vector index,
    // which takes tens of seconds on two busy CPUs.
    const indexed = await spawnRag(['index', '--json', '.'], { cwd: corpus, env, killAfterMs: 300_000 });
    assert.equal(indexed.signal, null, 'rag index hung and was killed');
    assert.equal(indexed.code, 0, indexed.stderr);
    const doc = JSON.parse(indexed.stdout) as { files: { new: number }; chunks: { total: number } };
    assert.equal(doc.files.new, 1500);
    assert.ok(doc.chunks.total > 15_000, `${doc.chunks.total} passages`);

    const status = await spawnRag(['status', '--json'], { cwd: corpus, env, killAfterMs: 30_000 });
    assert.equal(status.code, 0, status.stderr);
    const searched = await spawnRag(['search', '--json', '-k', '3', 'install configuration'], { cwd: corpus, env, killAfterMs: 30_000 });
    assert.equal(searched.code, 0, searched.stderr);
    assert.equal((JSON.parse(searched.stdout) as { results: unknown[] }).results.length, 3);
  });
});
