/**
 * `rag index --watch` as a process against the stub: it picks up created, edited, renamed
 * and deleted files and a deleted then re-created folder, leaves the lock free between
 * updates, and ends on SIGINT with exit 130 and the index a clean build would make. Every
 * wait has a deadline.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startStub, type Stub } from '../ollama-stub/server.js';
import { cleanBuild, storedRows } from '../helpers/index-rows.js';
import { tempDir } from '../helpers/paths.js';
import { startRag, type SpawnResult } from '../helpers/spawn-rag.js';
import { runRag } from '../helpers/test-io.js';
import { readManifest, readRecords, type FileRecords } from '../../src/store/manifest.js';
import { processStart as processStartOf } from '../../src/store/lock.js';

/** Long enough for a loaded machine; a watch that works answers in well under a second. */
const DEADLINE_MS = 20_000;

interface Watch {
  child: ChildProcess;
  done: Promise<SpawnResult>;
  stderr: () => string;
}

function startWatch(cwd: string, env: Record<string, string>, paths: string[]): Watch {
  const run = startRag(['index', '--watch', ...paths], { cwd, env, killAfterMs: 120_000 });
  let stderr = '';
  run.child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return { ...run, stderr: () => stderr };
}

/** Polls `condition` until it holds; fails at the deadline or if the watch exits first. */
async function until(condition: () => Promise<boolean> | boolean, watch: Watch, what: string): Promise<void> {
  let exited: SpawnResult | undefined;
  void watch.done.then((r) => (exited = r));
  const deadline = Date.now() + DEADLINE_MS;
  while (!(await condition())) {
    if (exited) assert.fail(`the watch ended before ${what}: exit ${exited.code}\n${exited.stderr}`);
    if (Date.now() > deadline) assert.fail(`no ${what} within ${DEADLINE_MS} ms; stderr so far:\n${watch.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function records(db: string): Promise<FileRecords> {
  const manifest = await readManifest(db).catch(() => undefined);
  return manifest ? readRecords(db, manifest.generation).catch(() => new Map()) : new Map();
}

async function hasPaths(db: string, expected: string[]): Promise<boolean> {
  return JSON.stringify([...(await records(db)).keys()].sort()) === JSON.stringify(expected);
}

describe('rag index --watch', () => {
  let stub: Stub;
  before(async () => {
    stub = await startStub();
  });
  after(async () => {
    await stub.close();
  });

  function setUp(t: { after: (fn: () => void) => void }) {
    const tmp = tempDir(t);
    const dir = path.join(tmp.dir, 'tree');
    mkdirSync(path.join(dir, 'docs'), { recursive: true });
    writeFileSync(path.join(dir, 'docs', 'a.md'), '# A\n\nAlpha widgets.\n');
    writeFileSync(path.join(dir, 'docs', 'b.md'), '# B\n\nBeta widgets.\n');
    const db = path.join(tmp.dir, 'db');
    return { dir, db, env: { OLLAMA_HOST: stub.url, RAG_DB: db } };
  }

  it('follows a create, an edit, a rename and a delete; SIGINT exits 130 with a clean build', async (t) => {
    const { dir, db, env } = setUp(t);
    const docs = path.join(dir, 'docs');
    const watch = startWatch(dir, env, ['docs']);
    t.after(() => watch.child.kill('SIGKILL'));
    await until(() => /Indexed 2 files/.test(watch.stderr()), watch, 'first index');

    writeFileSync(path.join(docs, 'c.md'), '# C\n\nGamma widgets.\n');
    await until(() => hasPaths(db, ['docs/a.md', 'docs/b.md', 'docs/c.md']), watch, 'created file');

    const hashBefore = (await records(db)).get('docs/a.md')?.hash;
    appendFileSync(path.join(docs, 'a.md'), '\n## More\n\nAlpha widgets grow.\n');
    await until(async () => (await records(db)).get('docs/a.md')?.hash !== hashBefore, watch, 'edited file');

    renameSync(path.join(docs, 'b.md'), path.join(docs, 'renamed.md'));
    await until(() => hasPaths(db, ['docs/a.md', 'docs/c.md', 'docs/renamed.md']), watch, 'renamed file');

    rmSync(path.join(docs, 'c.md'));
    await until(() => hasPaths(db, ['docs/a.md', 'docs/renamed.md']), watch, 'deleted file');
    // Piped: one line per update.
    await until(() => (watch.stderr().match(/ updated: /g) ?? []).length >= 4, watch, 'four update lines');
    assert.match(watch.stderr(), /\d\d:\d\d:\d\d updated: 0 new, 1 changed, 0 removed · \d+ passages? embedded/);

    // Between updates the lock is free: a one-off run elsewhere goes through.
    const oneOff = await runRag(['index', 'docs'], { cwd: dir, env });
    assert.equal(oneOff.code, 0, oneOff.stderr);

    watch.child.kill('SIGINT');
    const res = await watch.done;
    assert.equal(res.code, 130);
    assert.match(res.stderr, /rag: Stopped watching; the index is up to date\n$/);
    assert.doesNotMatch(res.stderr, /\u001b\[/);
    assert.equal(res.stdout, '');
    assert.deepEqual(await storedRows(db), await cleanBuild(dir, ['docs'], stub));
  });

  it('survives its folder being deleted and re-created', async (t) => {
    const { dir, db, env } = setUp(t);
    const docs = path.join(dir, 'docs');
    const watch = startWatch(dir, env, ['docs']);
    t.after(() => watch.child.kill('SIGKILL'));
    await until(() => /Indexed 2 files/.test(watch.stderr()), watch, 'first index');

    rmSync(docs, { recursive: true });
    await until(() => hasPaths(db, []), watch, 'folder removed from the index');

    mkdirSync(docs);
    writeFileSync(path.join(docs, 'again.md'), '# Again\n\nWidgets are back.\n');
    await until(() => hasPaths(db, ['docs/again.md']), watch, 're-created folder indexed');
    writeFileSync(path.join(docs, 'more.md'), '# More\n\nAnd more widgets.\n');
    await until(() => hasPaths(db, ['docs/again.md', 'docs/more.md']), watch, 'a file in the re-created folder');

    watch.child.kill('SIGINT');
    const res = await watch.done;
    assert.equal(res.code, 130);
    assert.deepEqual(await storedRows(db), await cleanBuild(dir, ['docs'], stub));
  });

  it('an update that finds the lock taken says so, and is retried once it is free', async (t) => {
    const { dir, db, env } = setUp(t);
    const watch = startWatch(dir, env, ['docs']);
    t.after(() => watch.child.kill('SIGKILL'));
    await until(() => /Indexed 2 files/.test(watch.stderr()), watch, 'first index');
    // Another writer, alive (this test process), holds the lock.
    const processStart = await processStartOf(process.pid);
    writeFileSync(path.join(db, 'lock'), JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString(), processStart, command: 'rag index' }));
    writeFileSync(path.join(dir, 'docs', 'c.md'), '# C\n\nGamma widgets.\n');
    await until(() => /rag: The index at .* is locked by another 'rag index' \(pid \d+.*\(retrying in 2\.0s\)\n/.test(watch.stderr()), watch, 'the lock reported');
    assert.ok(await hasPaths(db, ['docs/a.md', 'docs/b.md']), 'nothing written while locked');
    rmSync(path.join(db, 'lock'));
    await until(() => hasPaths(db, ['docs/a.md', 'docs/b.md', 'docs/c.md']), watch, 'the update retried');
    watch.child.kill('SIGINT');
    assert.equal((await watch.done).code, 130);
  });

  it('refuses --json and --dry-run (exit 2)', async (t) => {
    const { dir, env } = setUp(t);
    for (const flag of ['--json', '--dry-run']) {
      const res = await runRag(['index', '--watch', flag, 'docs'], { cwd: dir, env });
      assert.equal(res.code, 2);
      assert.match(res.stderr, new RegExp(`--watch cannot be combined with ${flag}`));
    }
  });
});
