/**
 * `rag ls` and `rag rm` as a process against the stub: the terminal, piped and JSON forms,
 * paths relative to where the user stands, and removal of what is gone from disk.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startStub, type Stub } from '../ollama-stub/server.js';
import { assertOneErrorLine } from '../helpers/assertions.js';
import { cleanBuild, storedRows } from '../helpers/index-rows.js';
import { tempDir } from '../helpers/paths.js';
import { spawnRag } from '../helpers/spawn-rag.js';
import { runRag } from '../helpers/test-io.js';
import { ChunkStore } from '../../src/store/chunk-store.js';
import { readManifest, readRecords, tableName, writeManifest, writeRecords } from '../../src/store/manifest.js';

const ANSI = /\u001b\[/;

/** docs/ (three files, one in a subfolder), notes.txt, and beta/ with a word found nowhere else. */
function writeTree(dir: string): void {
  mkdirSync(path.join(dir, 'docs', 'api'), { recursive: true });
  mkdirSync(path.join(dir, 'beta'), { recursive: true });
  writeFileSync(path.join(dir, 'docs', 'intro.md'), '# Intro\n\nWidgets are configured in the settings file.\n');
  writeFileSync(path.join(dir, 'docs', 'setup.md'), '# Setup\n\nInstall the widget daemon, then start it.\n\n## Later\n\nRestart it after upgrades.\n');
  writeFileSync(path.join(dir, 'docs', 'api', 'calls.rst'), 'Calls\n=====\n\nEvery call returns a widget handle.\n');
  writeFileSync(path.join(dir, 'notes.txt'), 'Loose notes about gadgets.\n');
  writeFileSync(path.join(dir, 'beta', 'one.md'), '# Beta one\n\nZanzibar sprockets are beta-only.\n');
  writeFileSync(path.join(dir, 'beta', 'two.md'), '# Beta two\n\nMore zanzibar sprockets.\n');
}

const ALL = ['beta/one.md', 'beta/two.md', 'docs/api/calls.rst', 'docs/intro.md', 'docs/setup.md', 'notes.txt'];

describe('rag ls and rag rm', () => {
  let stub: Stub;
  before(async () => {
    stub = await startStub();
  });
  after(async () => {
    await stub.close();
  });

  /** A fresh indexed tree per test: rm changes it. */
  async function indexedTree(t: { after: (fn: () => void) => void }): Promise<{ dir: string; env: Record<string, string>; db: string }> {
    const tmp = tempDir(t);
    // The index sits beside the tree, so that a clean build of the tree cannot see it.
    const dir = path.join(tmp.dir, 'tree');
    writeTree(dir);
    const db = path.join(tmp.dir, 'db');
    const env = { OLLAMA_HOST: stub.url, RAG_DB: db };
    const res = await runRag(['index', '.'], { cwd: dir, env });
    assert.equal(res.code, 0, res.stderr);
    return { dir, env, db };
  }

  it('ls piped: one path per line and nothing else on stdout; the total on stderr', async (t) => {
    const { dir, env } = await indexedTree(t);
    const res = await spawnRag(['ls'], { cwd: dir, env });
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, ALL.map((p) => `${p}\n`).join(''));
    assert.match(res.stderr, /^6 files, \d+ passages, \d+ B\n$/);
    assert.doesNotMatch(res.stdout + res.stderr, ANSI);
  });

  it('ls from a subfolder prints paths relative to it; a folder or glob filters', async (t) => {
    const { dir, env } = await indexedTree(t);
    const sub = path.join(dir, 'docs');
    const all = await spawnRag(['ls'], { cwd: sub, env });
    assert.equal(all.code, 0, all.stderr);
    assert.equal(all.stdout, '../beta/one.md\n../beta/two.md\napi/calls.rst\nintro.md\nsetup.md\n../notes.txt\n');
    const filtered = await spawnRag(['ls', 'api', '*.md'], { cwd: sub, env });
    assert.equal(filtered.code, 0, filtered.stderr);
    assert.equal(filtered.stdout, 'api/calls.rst\nintro.md\nsetup.md\n');
    // Every printed path works from where the user stands (`rag ls | xargs cat`).
    for (const p of filtered.stdout.trim().split('\n')) assert.ok(readFileSync(path.join(sub, p), 'utf8').length > 0);
  });

  it('ls --json: one document, root-relative paths, the fields and a total that adds up', async (t) => {
    const { dir, env, db } = await indexedTree(t);
    const res = await spawnRag(['ls', '--json', 'api'], { cwd: path.join(dir, 'docs'), env });
    assert.equal(res.code, 0, res.stderr);
    const doc = JSON.parse(res.stdout) as { root: string; files: Array<Record<string, unknown>>; total: { files: number; passages: number; size: number } };
    assert.equal(doc.root, dir);
    assert.deepEqual(doc.files.map((f) => f.path), ['docs/api/calls.rst']);
    const [file] = doc.files;
    assert.equal(file?.format, 'rst');
    assert.equal(file?.size, readFileSync(path.join(dir, 'docs', 'api', 'calls.rst')).length);
    assert.equal(file?.passages, (await storedRows(db)).filter((r) => r.path === 'docs/api/calls.rst').length);
    assert.ok(!Number.isNaN(Date.parse(String(file?.indexed_at))), 'indexed_at is an ISO time');
    assert.deepEqual(doc.total, { files: 1, passages: file?.passages, size: file?.size });
  });

  it('ls on a terminal: aligned columns with a header and the total line', async (t) => {
    const { dir, env } = await indexedTree(t);
    const res = await runRag(['ls', 'docs'], { cwd: dir, env: { ...env, NO_COLOR: '1' }, stdoutIsTTY: true });
    assert.equal(res.code, 0, res.stderr);
    const lines = res.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^PATH\s+FORMAT\s+PASSAGES\s+SIZE\s+INDEXED$/);
    assert.deepEqual(lines.slice(1, -1).map((l) => l.split(/\s{2,}/)[0]), ['docs/api/calls.rst', 'docs/intro.md', 'docs/setup.md']);
    const formatColumn = lines[0]!.indexOf('FORMAT');
    for (const l of lines.slice(1, -1)) assert.match(l.slice(formatColumn), /^(rst|markdown) /);
    assert.match(lines.at(-1)!, /^3 files, \d+ passages, \d+ B$/);
    assert.equal(res.stderr, '');
  });

  it('rm of a deleted folder by its indexed path: listed, gone from search, the index as a clean build', async (t) => {
    const { dir, env, db } = await indexedTree(t);
    const before = await spawnRag(['search', '--json', 'zanzibar sprockets'], { cwd: dir, env });
    assert.ok((JSON.parse(before.stdout) as { results: Array<{ path: string }> }).results.some((r) => r.path.startsWith('beta/')));
    rmSync(path.join(dir, 'beta'), { recursive: true });

    const res = await spawnRag(['rm', 'beta'], { cwd: dir, env });
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^removed\tbeta\/one\.md\t1 passage\nremoved\tbeta\/two\.md\t1 passage\n$/);
    assert.match(res.stderr, /Removed 2 files and 2 passages from the index/);

    const after = await spawnRag(['search', '--json', '-k', '20', 'zanzibar sprockets'], { cwd: dir, env });
    assert.equal(after.code, 0, after.stderr);
    assert.deepEqual((JSON.parse(after.stdout) as { results: Array<{ path: string }> }).results.filter((r) => r.path.startsWith('beta/')), []);
    assert.equal((await spawnRag(['ls'], { cwd: dir, env })).stdout, ALL.filter((p) => !p.startsWith('beta/')).map((p) => `${p}\n`).join(''));
    assert.deepEqual(await storedRows(db), await cleanBuild(dir, ['.'], stub));
    const manifest = await readManifest(db);
    assert.equal(manifest?.hasPendingWrites, undefined, 'the removal finished cleanly');
  });

  it('rm of a file never indexed: exit 2, one line, nothing removed (not even the paths that matched)', async (t) => {
    const { dir, env, db } = await indexedTree(t);
    const rowsBefore = await storedRows(db);
    writeFileSync(path.join(dir, 'new.md'), '# New\n\nNot indexed yet.\n');
    const res = await spawnRag(['rm', 'docs/intro.md', 'new.md'], { cwd: dir, env });
    assert.equal(res.code, 2);
    assert.equal(res.stdout, '');
    assertOneErrorLine(res.stderr, /Nothing in the index matches 'new\.md' — see what is indexed with 'rag ls'/);
    assert.deepEqual(await storedRows(db), rowsBefore);

    const json = await spawnRag(['rm', '--json', 'nowhere'], { cwd: dir, env });
    assert.equal(json.code, 2);
    assert.equal((JSON.parse(json.stdout) as { error: { code: number } }).error.code, 2);
  });

  it('rm --dry-run lists what would go and changes nothing; paths are relative to the current folder', async (t) => {
    const { dir, env, db } = await indexedTree(t);
    const rowsBefore = await storedRows(db);
    const res = await spawnRag(['rm', '--dry-run', '*.md'], { cwd: path.join(dir, 'docs'), env });
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, 'would remove\tintro.md\t1 passage\nwould remove\tsetup.md\t1 passage\n');
    assert.deepEqual(await storedRows(db), rowsBefore);
  });

  it('rm stopped after either step is finished by the next rag index (same rows as a clean build)', async (t) => {
    for (const step of ['records invalidated', 'rows deleted'] as const) {
      const { dir, env, db } = await indexedTree(t);
      // What `rag rm docs/intro.md` leaves when killed after that step (see src/indexing/remove.ts).
      const manifest = (await readManifest(db))!;
      const records = await readRecords(db, manifest.generation);
      records.set('docs/intro.md', { ...records.get('docs/intro.md')!, hash: '', mtimeMs: -1 });
      await writeManifest(db, { ...manifest, hasPendingWrites: true });
      await writeRecords(db, manifest.generation, records);
      if (step === 'rows deleted') {
        const store = await ChunkStore.open(db, tableName(manifest.generation), { dimensions: manifest.dimensions, create: false });
        await store.removeFiles(['docs/intro.md']);
      }
      assert.ok((await spawnRag(['ls'], { cwd: dir, env })).stdout.includes('docs/intro.md\n'), `${step}: still listed`);
      const rerun = await runRag(['index', '.'], { cwd: dir, env });
      assert.equal(rerun.code, 0, rerun.stderr);
      assert.deepEqual(await storedRows(db), await cleanBuild(dir, ['.'], stub), step);
      // And `rag rm` again would have finished the removal instead.
      const rm = await runRag(['rm', 'docs/intro.md'], { cwd: dir, env });
      assert.equal(rm.code, 0, rm.stderr);
      assert.ok(!(await storedRows(db)).some((r) => r.path === 'docs/intro.md'), step);
    }
  });
});
