/**
 * The safety of the index (DESIGN §10) with `bin/rag.cjs index` as a real process: killed
 * with SIGKILL or interrupted with SIGINT midway, and raced by a second writer. Each time
 * the next run must end exactly where a clean build of the same tree ends: the same ids,
 * no duplicates. The stub is slowed down so that a run is still under way when the test
 * acts; the test acts on what the stub has seen, never on elapsed time.
 */
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import type { Stub, StubOptions } from '../ollama-stub/server.js';
import { FILES_PER_BATCH } from '../../src/indexing/run.js';
import { readManifest, tableName } from '../../src/store/manifest.js';
import { ChunkStore } from '../../src/store/chunk-store.js';
import { startTestStub } from '../helpers/stub.js';
import { writeNotes } from '../helpers/notes.js';
import { waitUntil } from '../helpers/poll.js';
import { tempDir } from '../helpers/paths.js';
import { runRag } from '../helpers/test-io.js';
import { assertOneErrorLine } from '../helpers/assertions.js';
import { cleanBuild, storedRows } from '../helpers/index-rows.js';
import { startRag, type SpawnResult } from '../helpers/spawn-rag.js';

/** More than two write batches of files, so a run commits in several steps. */
const NOTES = 80;
/** Embed requests of one write batch at --batch-size 2 (one passage per note). */
const REQUESTS_PER_BATCH = FILES_PER_BATCH / 2;
const SLOW = { embedMsPerRequest: 30 };

/** A stub and a temp folder of NOTES notes with its index in db/, both gone when the test ends. */
async function notesProject(t: TestContext, options?: StubOptions): Promise<{ stub: Stub; dir: string; db: string; env: { OLLAMA_HOST: string; RAG_DB: string } }> {
  const stub = await startTestStub(t, options);
  const { dir } = tempDir(t);
  writeNotes(dir, NOTES);
  const db = path.join(dir, 'db');
  return { stub, dir, db, env: { OLLAMA_HOST: stub.url, RAG_DB: db } };
}

/** Polls until `condition` holds; fails (rather than hangs) if the process ends first or the deadline passes. */
async function until(condition: () => boolean, run: { done: Promise<SpawnResult> }, what: string): Promise<void> {
  let exited: SpawnResult | undefined;
  void run.done.then((r) => (exited = r));
  await waitUntil(condition, what, { intervalMs: 5, abortIf: () => (exited ? `the run ended (exit ${exited.code})\n${exited.stderr}` : undefined) });
}

async function hasTextIndex(db: string): Promise<boolean> {
  const manifest = await readManifest(db);
  assert.ok(manifest);
  return (await ChunkStore.open(db, tableName(manifest.generation), { dimensions: manifest.dimensions, create: false })).hasTextIndex();
}

/** Whatever a dead run left: each recorded file has exactly its chunks stored, and no id twice. */
async function assertConsistent(db: string): Promise<void> {
  const manifest = await readManifest(db);
  if (!manifest) return; // killed before its first commit: nothing to check
  const rows = await storedRows(db);
  assert.equal(new Set(rows.map((r) => r.id)).size, rows.length, 'duplicate ids');
  const file = path.join(db, `files_g${manifest.generation}.json`);
  const records = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Array<{ path: string; chunks: number }>) : [];
  for (const r of records) assert.equal(rows.filter((row) => row.path === r.path).length, r.chunks, `${r.path} is recorded but not stored whole`);
}

describe('rag index survives being stopped midway', () => {
  it('kill -9 mid-run: the next run ends with the ids of a clean build', async (ctx) => {
    const { stub, dir, db, env } = await notesProject(ctx, { cost: SLOW });
    const run = startRag(['index', '--batch-size', '2', 'docs'], { cwd: dir, env });
    // Past the first write batch's requests, into the second.
    await until(() => stub.embedRequests() >= REQUESTS_PER_BATCH + 2, run, 'the second batch');
    run.child.kill('SIGKILL');
    const killed = await run.done;
    assert.equal(killed.signal, 'SIGKILL');
    await assertConsistent(db);

    stub.setCost({});
    const rerun = await runRag(['index', 'docs'], { cwd: dir, env });
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.ok(!existsSync(path.join(db, 'lock')), "the dead run's lock was taken over and released");
    const rows = await storedRows(db);
    assert.deepEqual(rows, await cleanBuild(dir, ['docs'], stub));
    assert.equal(rows.length, NOTES);
    assert.ok(await hasTextIndex(db), 'the re-run finished the job: the table is compacted');
  });

  it('kill -9 mid-rebuild: the old index stays live, and the next --rebuild resumes to a clean build', async (ctx) => {
    const { stub, dir, db, env } = await notesProject(ctx);
    assert.equal((await runRag(['index', 'docs'], { cwd: dir, env })).code, 0);
    const before = await storedRows(db);
    stub.setCost(SLOW);
    const rebuild = ['index', '--json', '--rebuild', '--embed-model', 'mxbai-embed-large', 'docs'];
    const run = startRag(['index', '--batch-size', '2', ...rebuild.slice(1)], { cwd: dir, env });
    // Its records exist once a batch is committed; kill it while it is still going.
    await until(() => existsSync(path.join(db, 'files_g2.json')), run, 'the first committed batch');
    run.child.kill('SIGKILL');
    assert.equal((await run.done).signal, 'SIGKILL');
    assert.deepEqual(await storedRows(db), before, 'the old generation is still the live one');

    stub.setCost({});
    stub.resetLog();
    const resumed = await runRag(rebuild, { cwd: dir, env });
    assert.equal(resumed.code, 0, resumed.stderr);
    const doc = JSON.parse(resumed.stdout) as { resumed_files: number; chunks: { embedded: number } };
    assert.ok(doc.resumed_files >= FILES_PER_BATCH, `resumed from ${doc.resumed_files} files`);
    assert.ok(doc.chunks.embedded <= NOTES - doc.resumed_files, `${doc.chunks.embedded} passages embedded again`);
    assert.equal((await readManifest(db))?.generation, 2);
    assert.ok(!existsSync(path.join(db, 'rebuild.json')));
    assert.deepEqual(await storedRows(db), await cleanBuild(dir, ['--embed-model', 'mxbai-embed-large', 'docs'], stub));
  });

  it('SIGINT: exit 130 with one line, the lock released, the index readable; a re-run completes', async (ctx) => {
    const { stub, dir, db, env } = await notesProject(ctx);
    const first = await runRag(['index', 'docs'], { cwd: dir, env });
    assert.equal(first.code, 0, first.stderr);
    for (const name of readdirSync(path.join(dir, 'docs'))) appendFileSync(path.join(dir, 'docs', name), '\nA second paragraph, added later, about the weather.\n');

    stub.setCost(SLOW);
    stub.resetLog();
    const run = startRag(['index', '--batch-size', '2', 'docs'], { cwd: dir, env });
    await until(() => stub.embedRequests() >= 8, run, '8 embed requests');
    run.child.kill('SIGINT');
    const interrupted = await run.done;
    assert.equal(interrupted.code, 130, interrupted.stderr);
    assertOneErrorLine(interrupted.stderr, /Interrupted/);
    assert.ok(!existsSync(path.join(db, 'lock')), 'the lock is released');
    await assertConsistent(db);

    stub.setCost({});
    const search = await runRag(['search', '--json', 'river beyond the hill'], { cwd: dir, env });
    assert.equal(search.code, 0, search.stderr);
    assert.ok((JSON.parse(search.stdout) as { results: unknown[] }).results.length > 0);

    const rerun = await runRag(['index', 'docs'], { cwd: dir, env });
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.deepEqual(await storedRows(db), await cleanBuild(dir, ['docs'], stub));
  });
});

describe('rag index: one writer at a time', () => {
  it('a second run while one is writing exits 5 naming the holder; the first finishes; no duplicates', async (ctx) => {
    const { stub, dir, env } = await notesProject(ctx, { cost: SLOW });
    // One passage per request at 30 ms each: A holds the lock for seconds, ample for B to start.
    const a = startRag(['index', '--batch-size', '1', 'docs'], { cwd: dir, env });
    // An embed request means the lock is taken (it is acquired before any file is read).
    await until(() => stub.embedRequests() >= 1, a, 'the first embed request');
    const b = startRag(['index', '--batch-size', '1', 'docs'], { cwd: dir, env });
    const second = await b.done;
    assert.equal(second.code, 5, second.stderr);
    assertOneErrorLine(second.stderr, new RegExp(`locked by another 'rag index' \\(pid ${a.child.pid}\\b`));
    // B has had its answer: let A finish quickly.
    stub.setCost({});
    const first = await a.done;
    assert.equal(first.code, 0, first.stderr);

    const rows = await storedRows(env.RAG_DB);
    assert.deepEqual(rows, await cleanBuild(dir, ['docs'], stub));
    assert.equal(rows.length, NOTES);
  });

  it('two runs started together: each succeeds or exits 5 naming the other; the index equals a clean build', async (ctx) => {
    const { stub, dir, env } = await notesProject(ctx, { cost: SLOW });
    const runs = [0, 1].map(() => startRag(['index', '--batch-size', '4', 'docs'], { cwd: dir, env }));
    const results = await Promise.all(runs.map((r) => r.done));
    assert.ok(results.some((r) => r.code === 0), results.map((r) => r.stderr).join('\n'));
    results.forEach((r, i) => {
      if (r.code === 0) return;
      assert.equal(r.code, 5, r.stderr);
      assertOneErrorLine(r.stderr, new RegExp(`\\(pid ${runs[1 - i]?.child.pid}\\b`));
    });
    assert.ok(!existsSync(path.join(env.RAG_DB, 'lock')));

    stub.setCost({});
    const rows = await storedRows(env.RAG_DB);
    assert.equal(new Set(rows.map((r) => r.id)).size, rows.length, 'duplicate ids');
    assert.deepEqual(rows, await cleanBuild(dir, ['docs'], stub));
  });
});

describe('rag index: readers during a run', () => {
  it('search and ask keep working while an index run is writing, and never see a file twice', async (ctx) => {
    const { stub, dir, env } = await notesProject(ctx);
    assert.equal((await runRag(['index', 'docs'], { cwd: dir, env })).code, 0);
    // Change every note, then re-index slowly: each batch replaces its files while we read.
    for (const f of readdirSync(path.join(dir, 'docs'))) appendFileSync(path.join(dir, 'docs', f), '\nA river crossing was added later.\n');
    stub.setCost(SLOW);
    const writer = startRag(['index', '--batch-size', '2', 'docs'], { cwd: dir, env });
    await until(() => stub.embedRequests() >= 3, writer, 'the writer embedding');
    for (let i = 0; i < 3; i++) {
      const search = await runRag(['search', '--json', '-k', '10', 'river'], { cwd: dir, env });
      assert.equal(search.code, 0, search.stderr);
      const ids = (JSON.parse(search.stdout) as { results: Array<{ id: string }> }).results.map((r) => r.id);
      assert.equal(new Set(ids).size, ids.length, 'a passage appeared twice');
      const ask = await runRag(['ask', '--no-stream', 'What is beyond the hill near the river?'], { cwd: dir, env });
      assert.equal(ask.code, 0, ask.stderr);
      assert.match(ask.stdout, /Sources:/);
    }
    stub.setCost({});
    const done = await writer.done;
    assert.equal(done.code, 0, done.stderr);
    assert.deepEqual(await storedRows(env.RAG_DB), await cleanBuild(dir, ['docs'], stub));
  });
});
