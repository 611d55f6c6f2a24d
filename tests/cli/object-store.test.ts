/**
 * An index kept whole in an object store (`--db s3://…`), against a real S3-compatible
 * server (s3rver) started by the test on 127.0.0.1 and the Ollama stub: built from one
 * folder and searched from another with no `.rag/`, re-indexed without embedding, killed
 * mid-run and finished, raced by a second writer, and pointed at a bucket that is not there.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { FILES_PER_BATCH } from '../../src/indexing/run.js';
import { openIndex } from '../../src/retrieve/retrieve.js';
import type { StubOptions } from '../ollama-stub/server.js';
import { assertOneErrorLine } from '../helpers/assertions.js';
import { closedPort } from '../helpers/indexed-corpus.js';
import { cleanBuild, type Row } from '../helpers/index-rows.js';
import { writeNotes } from '../helpers/notes.js';
import { tempDir, type CleanupHooks } from '../helpers/paths.js';
import { waitUntil } from '../helpers/poll.js';
import { TEST_BUCKET, s3Home, startTestS3, type S3Server } from '../helpers/s3-server.js';
import { spawnRag, startRag, type SpawnResult } from '../helpers/spawn-rag.js';
import { startTestStub } from '../helpers/stub.js';

const URI = `s3://${TEST_BUCKET}/team/handbook`;
const NOTES = 60;
/** Embed requests of one write batch at --batch-size 2 (one passage per note). */
const REQUESTS_PER_BATCH = FILES_PER_BATCH / 2;

/** A stub, an S3 server, a folder of notes and the env that points rag at both (no RAG_DB: --db names the URI). */
async function project(t: CleanupHooks, notes: number, stubOptions?: StubOptions) {
  const [stub, s3] = await Promise.all([startTestStub(t, stubOptions), startTestS3(t)]);
  const { dir } = tempDir(t);
  writeNotes(dir, notes);
  return { stub, s3, dir, env: { OLLAMA_HOST: stub.url, ...s3.env } };
}

/** Every passage's id and path in the live table of the index at `uri`, sorted by id. */
async function storedS3Rows(s3: S3Server, uri: string): Promise<Row[]> {
  const index = await openIndex(s3Home(s3, uri), true);
  return index.store.passageIds();
}

async function until(condition: () => boolean, run: { done: Promise<SpawnResult> }, what: string): Promise<void> {
  let exited: SpawnResult | undefined;
  void run.done.then((r) => (exited = r));
  await waitUntil(condition, what, { intervalMs: 5, abortIf: () => (exited ? `the run ended (exit ${exited.code})\n${exited.stderr}` : undefined) });
}

// Independent tests (each its own servers and folders); the failure test mostly waits out LanceDB's retries.
describe('an index in S3', { concurrency: true }, () => {
  it('is built from one folder and searched, asked, listed and trimmed from another with no .rag/; a re-run embeds nothing', async (t) => {
    const { stub, dir, env } = await project(t, 4);
    const built = await spawnRag(['--db', URI, 'index', 'docs'], { cwd: dir, env });
    assert.equal(built.code, 0, built.stderr);
    assert.match(built.stderr, /index s3:\/\/rag-test\/team\/handbook/);
    assert.ok(!existsSync(path.join(dir, '.rag')), 'nothing is written locally');

    stub.resetLog();
    const again = await spawnRag(['--db', URI, 'index', 'docs'], { cwd: dir, env });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(stub.embedRequests(), 0, 'an unchanged corpus is not embedded again');
    assert.match(again.stderr, /0 new, 0 changed, 4 unchanged/);

    const { dir: elsewhere } = tempDir(t);
    const search = await spawnRag(['--db', URI, 'search', 'the harbour beyond the hill', '-k', '2'], { cwd: elsewhere, env });
    assert.equal(search.code, 0, search.stderr);
    assert.match(search.stdout, /^1\. docs\/note-003\.md:1-3 · Note 3/m, 'paths as the writer stored them');
    const ask = await spawnRag(['ask', 'what is note 3 about?', '--json'], { cwd: elsewhere, env: { ...env, RAG_DB: URI } });
    assert.equal(ask.code, 0, ask.stderr);
    const answer = JSON.parse(ask.stdout) as { sources: Array<{ path: string }> };
    assert.ok(answer.sources.some((s) => s.path === 'docs/note-003.md'), ask.stdout);
    const status = await spawnRag(['--db', URI, 'status', '--json'], { cwd: elsewhere, env });
    assert.equal(status.code, 0, status.stderr);
    const report = JSON.parse(status.stdout) as { index: { path: string; files: number } };
    assert.equal(report.index.path, URI);
    assert.equal(report.index.files, 4);
    const ls = await spawnRag(['--db', URI, 'ls'], { cwd: elsewhere, env });
    assert.equal(ls.code, 0, ls.stderr);
    assert.deepEqual(ls.stdout.trim().split('\n'), ['docs/note-000.md', 'docs/note-001.md', 'docs/note-002.md', 'docs/note-003.md']);
    // rm takes stored paths and the same lock, from anywhere.
    const rm = await spawnRag(['--db', URI, 'rm', 'docs/note-000.md'], { cwd: elsewhere, env });
    assert.equal(rm.code, 0, rm.stderr);
    const after = await spawnRag(['--db', URI, 'ls', '--json'], { cwd: elsewhere, env });
    assert.deepEqual((JSON.parse(after.stdout) as { files: Array<{ path: string }> }).files.map((f) => f.path), ['docs/note-001.md', 'docs/note-002.md', 'docs/note-003.md']);
    assert.ok(!existsSync(path.join(elsewhere, '.rag')));
  });

  it('kill -9 mid-run, then a re-run: the passages of a clean build, none twice', async (t) => {
    const { stub, s3, dir, env } = await project(t, NOTES, { cost: { embedMsPerRequest: 30 } });
    const run = startRag(['--db', URI, 'index', '--batch-size', '2', 'docs'], { cwd: dir, env });
    await until(() => stub.embedRequests() >= REQUESTS_PER_BATCH + 2, run, 'the second batch');
    run.child.kill('SIGKILL');
    assert.equal((await run.done).signal, 'SIGKILL');

    stub.setCost({});
    const rerun = await spawnRag(['--db', URI, 'index', 'docs'], { cwd: dir, env });
    assert.equal(rerun.code, 0, rerun.stderr);
    const rows = await storedS3Rows(s3, URI);
    assert.equal(new Set(rows.map((r) => r.id)).size, rows.length, 'duplicate ids');
    assert.deepEqual(rows, await cleanBuild(dir, ['docs'], stub));
    assert.equal(rows.length, NOTES);
  });

  it('a second writer exits 5 naming the holder, its pid and host', async (t) => {
    // Slow embeddings keep the first run waiting, and writing nothing, while the second checks:
    // the test server can serve an object that is still being written as empty.
    const { stub, dir, env } = await project(t, NOTES, { cost: { embedMsPerRequest: 3000 } });
    const first = startRag(['--db', URI, 'index', '--batch-size', '2', 'docs'], { cwd: dir, env });
    t.after(() => first.child.kill('SIGKILL'));
    // Embedding has begun: the first run holds the lock.
    await until(() => stub.embedRequests() >= 1, first, 'the first writer embeds');
    const second = await spawnRag(['--db', URI, 'index', 'docs'], { cwd: dir, env });
    assert.equal(second.code, 5, second.stderr);
    assertOneErrorLine(second.stderr, new RegExp(`is locked by another 'rag index' \\(pid ${first.child.pid} on [^,]+, since `));
    stub.setCost({});
    const done = await first.done;
    assert.equal(done.code, 0, done.stderr);
  });

  it('a missing bucket or an unreachable endpoint: exit 5, one line, no secret', async (t) => {
    const { s3, dir, env } = await project(t, 1);
    // s3rver does not check signatures: a secret no message could contain by chance.
    const secret = { AWS_SECRET_ACCESS_KEY: 'secret-3f9c2a7d' };
    const port = await closedPort();
    mkdirSync(path.join(dir, 'empty'));
    const [noBucket, noServer] = await Promise.all([
      spawnRag(['--db', 's3://no-such-bucket/x', 'search', 'river'], { cwd: dir, env: { ...env, ...secret } }),
      // One attempt (the AWS SDKs' own variable), so the test does not wait out the retries.
      spawnRag(['--db', URI, 'index', 'docs'], { cwd: dir, env: { ...env, ...secret, AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`, AWS_MAX_ATTEMPTS: '1' } }),
    ]);
    assert.equal(noBucket.code, 5, noBucket.stderr);
    assertOneErrorLine(noBucket.stderr, /^rag: .*s3:\/\/no-such-bucket\/x: the bucket does not exist — /);
    assert.equal(noServer.code, 5, noServer.stderr);
    assertOneErrorLine(noServer.stderr, /cannot reach the object store — check AWS_ENDPOINT_URL/);
    for (const r of [noBucket, noServer]) assert.ok(!r.stderr.includes(`${secret.AWS_SECRET_ACCESS_KEY}`), r.stderr);
    assert.ok(s3.requests() > 0, 'the bucket was looked for on the server');
  });
});
