/**
 * `rag index` in-process (issue 3): incremental runs that re-embed only what changed,
 * removals that leave no stale or duplicate rows, files skipped with reasons, model and
 * chunk-setting mismatches, dry runs, retried and permanent Ollama failures, the error
 * lines and exit codes, `--json`, and batched embedding requests.
 *
 * The yardstick throughout is a clean build: the same tree indexed into a fresh RAG_DB must
 * hold exactly the same ids as an index that got there by any sequence of incremental runs.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { chunkText } from '../../src/chunk/chunk.js';
import { detectFormat } from '../../src/formats.js';
import { DEFAULTS } from '../../src/defaults.js';
import { documentText } from '../../src/embed.js';
import { FILES_PER_BATCH } from '../../src/indexing/run.js';
import { readManifest, tableName } from '../../src/store/manifest.js';
import { ChunkStore } from '../../src/store/chunk-store.js';
import { processStart } from '../../src/store/lock.js';
import type { IndexJson as IndexDoc, SearchJson as SearchDoc } from '../../src/render/json.js';
import { startStub, type Stub } from '../ollama-stub/server.js';
import { startTestStub } from '../helpers/stub.js';
import { writeNotes } from '../helpers/notes.js';
import { waitUntil } from '../helpers/poll.js';
import { corpusCopy, makeTempDir, tempDir } from '../helpers/paths.js';
import { runRag, type RunResult } from '../helpers/test-io.js';
import { assertOneErrorLine } from '../helpers/assertions.js';
import { assertNoDuplicateIds, cleanBuild, storedRows, tableRows } from '../helpers/index-rows.js';

const CORPUS_FILES = 12;
/** The corpus's eval cases (JSONL): not a format rag indexes, so counted as skipped. */
const CORPUS_SKIPPED = { path: 'corpus/rag-eval.jsonl', reason: 'unsupported format' };

function assertFailsWith(res: RunResult, code: number, pattern: RegExp): void {
  assert.equal(res.code, code, res.stderr);
  assertOneErrorLine(res.stderr, pattern);
}

function parseJson<T>(res: RunResult): T {
  assert.equal(res.code, 0, res.stderr);
  return JSON.parse(res.stdout) as T;
}

/** The embedded form of each passage of `text`, as the indexer builds it with default settings. */
function embedTexts(relPath: string, text: string): string[] {
  const chunk = { chunkSizeChars: DEFAULTS.chunkSize, chunkOverlapChars: DEFAULTS.chunkOverlap };
  return chunkText(text, detectFormat(relPath), chunk).map((c) => documentText(DEFAULTS.embedModel, relPath, c.heading, c.text));
}

/** A corpus copy, its own index and stub, removed when the test ends: each test may change all three freely. */
async function indexedCorpus(t: TestContext): Promise<{ cwd: string; db: string; stub: Stub; env: Record<string, string>; index: (args?: string[]) => Promise<RunResult> }> {
  const stub = await startTestStub(t);
  const copy = corpusCopy(t);
  const db = path.join(copy.dir, 'db');
  const env = { OLLAMA_HOST: stub.url, RAG_DB: db };
  const index = (args: string[] = ['corpus']) => runRag(['index', ...args], { cwd: copy.dir, env });
  const first = await index();
  assert.equal(first.code, 0, first.stderr);
  stub.resetLog();
  return { cwd: copy.dir, db, stub, env, index };
}

describe('rag index: re-indexing', () => {
  it('an unchanged tree sends no embedding request and reports every file unchanged', async (ctx) => {
    const t = await indexedCorpus(ctx);
    const before = await storedRows(t.db);
    const res = await t.index();
    assert.equal(res.code, 0, res.stderr);
    assert.equal(t.stub.embedInputs().length, 0);
    assert.equal(t.stub.embedRequests(), 0);
    assert.match(res.stderr, new RegExp(`0 new, 0 changed, ${CORPUS_FILES} unchanged, 0 removed, 1 skipped · 0 passages embedded`));
    assert.equal(res.stdout, '');
    assert.deepEqual(await storedRows(t.db), before);
  });

  it('a touched file is hashed once, re-embeds nothing, and is not even read on the next run', async (ctx) => {
    const t = await indexedCorpus(ctx);
    const rel = 'corpus/guide/indexing.md';
    const file = path.join(t.cwd, rel);
    const later = new Date(Date.now() + 60_000);
    utimesSync(file, later, later);
    const touched = await t.index();
    assert.equal(touched.code, 0, touched.stderr);
    assert.equal(t.stub.embedInputs().length, 0);
    assert.match(touched.stderr, new RegExp(`0 changed, ${CORPUS_FILES} unchanged`));

    const records = JSON.parse(readFileSync(path.join(t.db, 'files_g1.json'), 'utf8')) as Array<{ path: string; mtimeMs: number }>;
    assert.equal(records.find((r) => r.path === rel)?.mtimeMs, statSync(file).mtimeMs, 'the record keeps the new mtime');

    // Proof that the next run does not read it: same size and mtime but other bytes go unnoticed.
    const original = readFileSync(file);
    const swapped = Buffer.from(original.toString('latin1').replace(/index/g, 'INDEX'), 'latin1');
    assert.equal(swapped.length, original.length);
    assert.notDeepEqual(swapped, original);
    writeFileSync(file, swapped);
    utimesSync(file, later, later);
    const again = await t.index();
    assert.equal(again.code, 0, again.stderr);
    assert.equal(t.stub.embedInputs().length, 0);
    assert.match(again.stderr, new RegExp(`0 changed, ${CORPUS_FILES} unchanged`));
  });

  it('an edited paragraph re-embeds only the passages whose text changed; search finds the new text, not the old', async (ctx) => {
    const t = await indexedCorpus(ctx);
    const rel = 'corpus/guide/indexing.md';
    const file = path.join(t.cwd, rel);
    const oldText = readFileSync(file, 'utf8');
    const oldSentence = 'Running `rag index` again is cheap, so run it whenever your documents change.';
    const newSentence = 'Re-running the indexer consults the zeppelin ledger, which remembers every quokka it has met.';
    assert.ok(oldText.includes(oldSentence));
    const newText = oldText.replace(oldSentence, newSentence);
    writeFileSync(file, newText);

    const before = new Set(embedTexts(rel, oldText));
    const expected = [...new Set(embedTexts(rel, newText).filter((e) => !before.has(e)))].sort();
    assert.ok(expected.length > 0 && expected.length <= 2, `the edit should touch one or two passages, not ${expected.length}`);

    const doc = parseJson<IndexDoc>(await t.index(['--json', 'corpus']));
    assert.deepEqual([...t.stub.embedInputs()].sort(), expected, 'exactly the changed passages are embedded');
    assert.equal(doc.chunks.embedded, expected.length);
    assert.equal(doc.files.changed, 1);
    assert.equal(doc.files.unchanged, CORPUS_FILES - 1);
    assert.deepEqual(doc.changes.map((c) => [c.path, c.change]), [[rel, 'changed']]);
    assert.equal(doc.chunks.reused, embedTexts(rel, newText).length - expected.length);

    const found = parseJson<SearchDoc>(await runRag(['search', '--json', 'zeppelin ledger quokka'], { cwd: t.cwd, env: t.env }));
    assert.equal(found.results[0]?.path, rel);
    assert.ok(found.results[0]?.text.includes(newSentence));
    const old = parseJson<SearchDoc>(await runRag(['search', '--json', '-k', '100', 'cheap run whenever documents change'], { cwd: t.cwd, env: t.env }));
    assert.ok(old.results.length > 0);
    for (const r of old.results) assert.ok(!r.text.includes(oldSentence), `old text still found in ${r.path}`);

    assert.deepEqual(await storedRows(t.db), await cleanBuild(t.cwd, ['corpus'], t.stub));
  });

  it('a deleted, a renamed and a newly .gitignored file lose their chunks; the rows equal a clean build', async (ctx) => {
    const t = await indexedCorpus(ctx);
    const before = await storedRows(t.db);
    const gone = ['corpus/guide/searching.md', 'corpus/concepts/retrieval.md', 'corpus/troubleshooting.md'];
    for (const p of gone) assert.ok(before.some((r) => r.path === p), `${p} was indexed`);
    rmSync(path.join(t.cwd, gone[0]!));
    renameSync(path.join(t.cwd, gone[1]!), path.join(t.cwd, 'corpus/concepts/finding-passages.md'));
    writeFileSync(path.join(t.cwd, 'corpus/.gitignore'), 'troubleshooting.md\n');

    const doc = parseJson<IndexDoc>(await t.index(['--json', 'corpus']));
    assert.equal(doc.files.removed, 3);
    assert.equal(doc.files.new, 1);
    assert.deepEqual(
      doc.changes.map((c) => [c.path, c.change]),
      [['corpus/concepts/finding-passages.md', 'new'], ['corpus/concepts/retrieval.md', 'removed'], ['corpus/guide/searching.md', 'removed'], ['corpus/troubleshooting.md', 'removed']],
    );

    const after = await storedRows(t.db);
    for (const p of gone) assert.ok(!after.some((r) => r.path === p), `${p} still has rows`);
    assertNoDuplicateIds(after);
    assert.deepEqual(after, await cleanBuild(t.cwd, ['corpus'], t.stub));

    const search = parseJson<SearchDoc>(await runRag(['search', '--json', '-k', '100', 'troubleshooting search retrieval'], { cwd: t.cwd, env: t.env }));
    for (const r of search.results) assert.ok(!gone.includes(r.path), `search still returns ${r.path}`);
  });

  it('a file that turns binary or grows too large after indexing loses its chunks', async (ctx) => {
    const t = await indexedCorpus(ctx);
    const binary = 'corpus/guide/asking.md';
    const large = 'corpus/guide/scripting.md';
    writeFileSync(path.join(t.cwd, binary), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00, 0x1a, 0x0a, 0x00, 0xff]));
    appendFileSync(path.join(t.cwd, large), '\nMore words about scripting.\n'.repeat(600));
    const args = ['--json', '--max-file-size', '0.01', 'corpus'];
    const doc = parseJson<IndexDoc>(await t.index(args));
    assert.equal(doc.files.removed, 2);
    assert.deepEqual(doc.skipped.map((s) => s.path).sort(), [binary, large, CORPUS_SKIPPED.path].sort());
    assert.equal(doc.skipped.find((s) => s.path === binary)?.reason, 'binary file');
    assert.match(doc.skipped.find((s) => s.path === large)?.reason ?? '', /larger than 0\.01 MB/);
    assert.equal(t.stub.embedInputs().length, 0);

    const after = await storedRows(t.db);
    assert.ok(!after.some((r) => r.path === binary || r.path === large));
    assert.deepEqual(after, await cleanBuild(t.cwd, args, t.stub));
  });

  it('indexing one subfolder neither removes nor re-embeds files indexed from other folders', async (ctx) => {
    const t = await indexedCorpus(ctx);
    const before = await storedRows(t.db);
    const sub = parseJson<IndexDoc>(await t.index(['--json', 'corpus/guide']));
    assert.equal(sub.files.removed, 0);
    assert.equal(sub.files.seen, 6);
    assert.equal(t.stub.embedRequests(), 0);
    assert.deepEqual(await storedRows(t.db), before);

    // The same from inside the subfolder with no path: `.` is that subfolder, stored under the index root.
    const fromInside = await runRag(['index', '--json'], { cwd: path.join(t.cwd, 'corpus/guide'), env: t.env });
    const doc = parseJson<IndexDoc>(fromInside);
    assert.equal(doc.files.seen, 6);
    assert.equal(doc.files.removed, 0);
    assert.deepEqual(await storedRows(t.db), before);

    // A removal inside the subfolder is seen; files outside it stay.
    rmSync(path.join(t.cwd, 'corpus/guide/searching.md'));
    const removed = parseJson<IndexDoc>(await t.index(['--json', 'corpus/guide']));
    assert.equal(removed.files.removed, 1);
    const after = await storedRows(t.db);
    assert.deepEqual(after, before.filter((r) => r.path !== 'corpus/guide/searching.md'));
  });

  it('with no paths, indexes the current folder; ids and records are the same on every build', async (t) => {
    const stub = await startTestStub(t);
    const copy = corpusCopy(t);
    // Outside the tree: `.` would otherwise index one index's JSON files into the other.
    const dbRoot = tempDir(t, 'rag-dbs-');
    const dbs = [path.join(dbRoot.dir, 'a'), path.join(dbRoot.dir, 'b')];
    const bare = await runRag(['index'], { cwd: copy.dir, env: { OLLAMA_HOST: stub.url, RAG_DB: dbs[0] } });
    assert.equal(bare.code, 0, bare.stderr);
    const dot = await runRag(['index', '.'], { cwd: copy.dir, env: { OLLAMA_HOST: stub.url, RAG_DB: dbs[1] } });
    assert.equal(dot.code, 0, dot.stderr);
    const [a, b] = [await storedRows(dbs[0]!), await storedRows(dbs[1]!)];
    assert.ok(a.length > CORPUS_FILES);
    assert.ok(a.every((r) => r.path.startsWith('corpus/')), 'paths are relative to the folder indexed');
    assert.deepEqual(a, b);
    const records = (db: string) => readFileSync(path.join(db, 'files_g1.json'), 'utf8');
    assert.equal(records(dbs[0]!), records(dbs[1]!));

    // A no-op re-run rewrites nothing.
    const manifestBefore = readFileSync(path.join(dbs[0]!, 'manifest.json'), 'utf8');
    const recordsBefore = records(dbs[0]!);
    const again = await runRag(['index'], { cwd: copy.dir, env: { OLLAMA_HOST: stub.url, RAG_DB: dbs[0] } });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(readFileSync(path.join(dbs[0]!, 'manifest.json'), 'utf8'), manifestBefore);
    assert.equal(records(dbs[0]!), recordsBefore);
    assert.deepEqual(await storedRows(dbs[0]!), a);
  });
});

describe('rag index: files that cannot be indexed', () => {
  let stub: Stub;
  let t: ReturnType<typeof makeTempDir>;
  let env: Record<string, string>;

  before(async () => {
    stub = await startStub();
    t = makeTempDir();
    const docs = path.join(t.dir, 'docs');
    mkdirSync(docs);
    writeFileSync(path.join(docs, 'good.md'), '# Good\n\nA plain Markdown file about gardening and tomatoes.\n');
    writeFileSync(path.join(docs, 'blob.txt'), Buffer.concat([Buffer.from('looks like text'), Buffer.alloc(64), Buffer.from([1, 2, 3, 0xff])]));
    writeFileSync(path.join(docs, 'huge.md'), `# Huge\n\n${'All work and no play makes a very long file. '.repeat(400)}\n`);
    // Latin-1 bytes: 'é' is 0xE9, invalid as UTF-8.
    writeFileSync(path.join(docs, 'menu.txt'), Buffer.from('Menu du jour\n\nUn café crème et une tarte aux pommes, servis en terrasse.\n', 'latin1'));
    symlinkSync('.', path.join(docs, 'loop'));
    env = { OLLAMA_HOST: stub.url, RAG_DB: path.join(t.dir, 'db') };
  });

  after(async () => {
    t.cleanup();
    await stub.close();
  });

  const EXPECTED_SKIPS = [
    ['docs/blob.txt', /^binary file$/],
    ['docs/huge.md', /^larger than 0\.01 MB/],
    ['docs/loop', /^symlink cycle$/],
  ] as const;

  it('skips binary, oversized and symlink-cycle entries with reasons, and indexes Latin-1 text', async () => {
    const res = await runRag(['index', '--json', '--max-file-size', '0.01', 'docs'], { cwd: t.dir, env });
    const doc = parseJson<IndexDoc>(res);
    assert.equal(doc.files.new, 2);
    assert.equal(doc.files.skipped, EXPECTED_SKIPS.length);
    assert.deepEqual(doc.skipped.map((s) => s.path), EXPECTED_SKIPS.map(([p]) => p));
    for (const [p, reason] of EXPECTED_SKIPS) assert.match(doc.skipped.find((s) => s.path === p)?.reason ?? '', reason);
    assert.match(res.stderr, /3 file\(s\) skipped; run with --verbose/);

    const rows = await storedRows(env.RAG_DB!);
    assert.deepEqual([...new Set(rows.map((r) => r.path))].sort(), ['docs/good.md', 'docs/menu.txt']);

    const search = parseJson<SearchDoc>(await runRag(['search', '--json', 'café crème'], { cwd: t.dir, env }));
    assert.equal(search.results[0]?.path, 'docs/menu.txt');
    assert.ok(search.results[0]?.text.includes('Un café crème'), 'Latin-1 is decoded to proper text');
  });

  it('--verbose lists every skipped entry with its reason on stderr', async () => {
    const res = await runRag(['index', '--verbose', '--max-file-size', '0.01', 'docs'], { cwd: t.dir, env });
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, '');
    for (const [p, reason] of EXPECTED_SKIPS) {
      const line = res.stderr.split('\n').find((l) => l.startsWith(`skipped ${p}: `));
      assert.ok(line, `no skipped line for ${p} in:\n${res.stderr}`);
      assert.match(line.slice(`skipped ${p}: `.length), reason);
    }
    assert.match(res.stderr, /3 skipped/);
  });
});

describe('rag index: the index is tied to its model and chunk settings', () => {
  it('another --embed-model or --chunk-size stops with exit 5 and touches nothing; --rebuild switches over', async (ctx) => {
    const t = await indexedCorpus(ctx);
    const snapshot = () => ({
      manifest: readFileSync(path.join(t.db, 'manifest.json'), 'utf8'),
      records: readFileSync(path.join(t.db, 'files_g1.json'), 'utf8'),
    });
    const before = snapshot();
    const rowsBefore = await storedRows(t.db);

    assertFailsWith(await t.index(['--embed-model', 'mxbai-embed-large', 'corpus']), 5, /nomic-embed-text.*--rebuild --embed-model mxbai-embed-large/);
    assertFailsWith(await t.index(['--chunk-size', '800', 'corpus']), 5, /--chunk-size 1200.*--rebuild/);
    assertFailsWith(await t.index(['--chunk-overlap', '10', 'corpus']), 5, /--rebuild/);
    assert.equal(t.stub.embedRequests(), 0);
    assert.deepEqual(snapshot(), before);
    assert.deepEqual(await storedRows(t.db), rowsBefore);

    const rebuilt = parseJson<IndexDoc>(await t.index(['--json', '--rebuild', '--embed-model', 'mxbai-embed-large', 'corpus']));
    assert.equal(rebuilt.embed_model, 'mxbai-embed-large');
    const manifest = await readManifest(t.db);
    assert.equal(manifest?.embedModel, 'mxbai-embed-large');
    assert.equal(manifest?.generation, 2);
    // The replaced generation stays readable for readers that opened it, until a later run.
    assert.deepEqual(readdirSync(path.join(t.db, 'lance')).filter((n) => n.endsWith('.lance')).sort(), [`${tableName(1)}.lance`, `${tableName(2)}.lance`]);
    assert.deepEqual(readdirSync(t.db).filter((n) => n.startsWith('files_')).sort(), ['files_g1.json', 'files_g2.json']);

    const rowsAfter = await storedRows(t.db);
    const oldIds = new Set(rowsBefore.map((r) => r.id));
    assert.ok(!rowsAfter.some((r) => oldIds.has(r.id)), 'no row of the old generation remains');
    assert.deepEqual(rowsAfter, await cleanBuild(t.cwd, ['--embed-model', 'mxbai-embed-large', 'corpus'], t.stub));

    // The new model is now the index's own: a plain run keeps it and changes nothing.
    t.stub.resetLog();
    const again = await t.index();
    assert.equal(again.code, 0, again.stderr);
    assert.equal(t.stub.embedRequests(), 0);
  });

  it('a rebuild that fails midway leaves the old index live, and the next rebuild completes', async (ctx) => {
    const t = await indexedCorpus(ctx);
    const rowsBefore = await storedRows(t.db);
    const manifestBefore = readFileSync(path.join(t.db, 'manifest.json'), 'utf8');
    // The model vanishes from the server after /api/show said it was there: a permanent failure.
    t.stub.failNext('/api/embed', { status: 404, error: 'model "mxbai-embed-large" not found, try pulling it first' });
    const failed = await t.index(['--rebuild', '--embed-model', 'mxbai-embed-large', 'corpus']);
    assertFailsWith(failed, 4, /mxbai-embed-large/);
    assert.equal(readFileSync(path.join(t.db, 'manifest.json'), 'utf8'), manifestBefore);
    assert.deepEqual(await storedRows(t.db), rowsBefore);
    const search = await runRag(['search', '--json', 'embedding model'], { cwd: t.cwd, env: t.env });
    assert.equal(search.code, 0, search.stderr);

    const rebuilt = await t.index(['--rebuild', '--embed-model', 'mxbai-embed-large', 'corpus']);
    assert.equal(rebuilt.code, 0, rebuilt.stderr);
    assert.deepEqual(await storedRows(t.db), await cleanBuild(t.cwd, ['--embed-model', 'mxbai-embed-large', 'corpus'], t.stub));
  });
});

describe('rag index --dry-run', () => {
  it('on a fresh index: lists what it would add, sends no embedding request, creates nothing', async (ctx) => {
    const stub = await startTestStub(ctx);
    const copy = corpusCopy(ctx);
    const db = path.join(copy.dir, 'db');
    const res = await runRag(['index', '--dry-run', 'corpus'], { cwd: copy.dir, env: { OLLAMA_HOST: stub.url, RAG_DB: db } });
    assert.equal(res.code, 0, res.stderr);
    const [skip, ...lines] = res.stdout.trim().split('\n').sort((a, b) => (a.startsWith('skip') ? -1 : b.startsWith('skip') ? 1 : 0));
    assert.equal(skip, `skip\t${CORPUS_SKIPPED.path}\t${CORPUS_SKIPPED.reason}`);
    assert.equal(lines.length, CORPUS_FILES);
    for (const line of lines) assert.match(line, /^add\tcorpus\/\S+\.md\t\d+ passages?$/);
    assert.match(res.stderr, /^Would index 12 files/m);
    assert.equal(stub.embedRequests(), 0);
    assert.ok(!existsSync(db), 'a dry run creates no index folder');
  });

  it('on an existing index: lists update, remove, add and skip lines and changes nothing', async (ctx) => {
    const t = await indexedCorpus(ctx);
    const rowsBefore = await storedRows(t.db);
    const files = () => readdirSync(t.db).filter((n) => n.endsWith('.json')).map((n) => [n, readFileSync(path.join(t.db, n), 'utf8')]);
    const before = files();
    appendFileSync(path.join(t.cwd, 'corpus/guide/asking.md'), '\nA new closing paragraph.\n');
    rmSync(path.join(t.cwd, 'corpus/guide/searching.md'));
    writeFileSync(path.join(t.cwd, 'corpus/new-page.md'), '# New page\n\nFresh words.\n');
    writeFileSync(path.join(t.cwd, 'corpus/data.txt'), Buffer.from([0, 1, 2, 3]));

    const res = await t.index(['--dry-run', 'corpus']);
    assert.equal(res.code, 0, res.stderr);
    // Changes in path order, then the skipped files.
    assert.deepEqual(res.stdout.trim().split('\n').map((l) => l.split('\t').slice(0, 2).join(' ')), [
      'update corpus/guide/asking.md',
      'remove corpus/guide/searching.md',
      'add corpus/new-page.md',
      'skip corpus/data.txt',
      `skip ${CORPUS_SKIPPED.path}`,
    ]);
    assert.match(res.stdout, /^skip\tcorpus\/data\.txt\tbinary file$/m);
    assert.equal(t.stub.embedRequests(), 0);
    assert.deepEqual(files(), before);
    assert.deepEqual(await storedRows(t.db), rowsBefore);
    assert.ok(!existsSync(path.join(t.db, 'lock')));
  });
});

describe('rag index: Ollama failures', () => {
  for (const failure of [{ status: 503, error: 'server busy, please try again.  maximum pending requests exceeded' }, 'reset'] as const) {
    it(`retries a transient ${typeof failure === 'string' ? failure : failure.status} and succeeds`, async (t) => {
      const stub = await startTestStub(t);
      const copy = corpusCopy(t);
      stub.failNext('/api/embed', failure, 2);
      const db = path.join(copy.dir, 'db');
      const res = await runRag(['index', 'corpus'], { cwd: copy.dir, env: { OLLAMA_HOST: stub.url, RAG_DB: db } });
      assert.equal(res.code, 0, res.stderr);
      assert.deepEqual(await storedRows(db), await cleanBuild(copy.dir, ['corpus'], stub));
    });
  }

  /** More files than one write batch holds, so that some are committed before a failure. */
  const NOTES = 200;

  /**
   * Runs `rag index <args> docs` into `<dir>/db` against a slow server that goes away once
   * the first batch of files is committed (its records file exists): exit 3, with part of
   * the work stored. Returns the records of that part.
   */
  async function failMidRun(t: TestContext, dir: string, args: string[] = [], recordsFile = 'files_g1.json'): Promise<{ db: string; records: Array<{ path: string; chunks: number }> }> {
    const stub = await startTestStub(t, { cost: { embedMsPerRequest: 15 } });
    const db = path.join(dir, 'db');
    const running = runRag(['index', '--batch-size', '4', ...args, 'docs'], { cwd: dir, env: { OLLAMA_HOST: stub.url, RAG_DB: db } });
    // Records are written after the data they describe: once they exist, a batch is committed.
    await waitUntil(() => existsSync(path.join(db, recordsFile)), `${recordsFile} exists`);
    await stub.close();
    const failed = await running;
    assertFailsWith(failed, 3, /Ollama at http:\/\/127\.0\.0\.1:\d+/);
    assert.ok(!existsSync(path.join(db, 'lock')), 'the lock is released');
    const records = JSON.parse(readFileSync(path.join(db, recordsFile), 'utf8')) as Array<{ path: string; chunks: number }>;
    assert.ok(records.length >= FILES_PER_BATCH && records.length < NOTES, `records: ${records.length}`);
    return { db, records };
  }

  /** NOTES notes in a temp folder, a run over them that failed midway, and a working stub for what follows. */
  async function afterFailedRun(t: TestContext): Promise<{ project: { dir: string }; stub: Stub; db: string; records: Array<{ path: string; chunks: number }> }> {
    const project = tempDir(t);
    const stub = await startTestStub(t);
    writeNotes(project.dir, NOTES);
    return { project, stub, ...(await failMidRun(t, project.dir)) };
  }

  it('a server that goes away mid-run stops with exit 3; what was written stays valid; a re-run completes', async (ctx) => {
    const { project: t, stub, db, records } = await afterFailedRun(ctx);
    // Every file the records name has exactly its chunks in the table: records never run ahead of data.
    const rows = await storedRows(db);
    assertNoDuplicateIds(rows);
    for (const r of records) assert.equal(rows.filter((row) => row.path === r.path).length, r.chunks, r.path);

    const env = { OLLAMA_HOST: stub.url, RAG_DB: db };
    const search = await runRag(['search', '--json', 'river'], { cwd: t.dir, env });
    assert.equal(search.code, 0, search.stderr);
    // A crash can also fall between a batch's commit and its records: drop ten records to
    // stand for that. Those files count as new, yet their stored vectors are reused.
    const dropped = records.slice(0, 10).map((r) => r.path);
    writeFileSync(path.join(db, 'files_g1.json'), JSON.stringify(records.slice(10)));
    stub.resetLog();
    const rerun = parseJson<IndexDoc>(await runRag(['index', '--json', 'docs'], { cwd: t.dir, env }));
    assert.equal(rerun.files.unchanged, records.length - 10, 'committed files are not redone');
    // The rest is embedded, or reused where a batch was written but not yet recorded.
    assert.equal(rerun.chunks.embedded + rerun.chunks.reused, NOTES - records.length + 10);
    assert.ok(rerun.chunks.reused >= 10);
    assert.equal(stub.embedInputs().length, rerun.chunks.embedded);
    for (const p of dropped) assert.ok(!stub.embedInputs().some((input) => input.includes(`${p} ·`)), `${p} was embedded again`);
    assert.deepEqual(await storedRows(db), await cleanBuild(t.dir, ['docs'], stub));
  });

  it('after a run that died midway, the next run finishes its job even when no file changed', async (ctx) => {
    const { project: t, stub, db, records } = await afterFailedRun(ctx);
    const manifest = await readManifest(db);
    assert.ok(manifest);
    assert.equal(manifest.hasPendingWrites, true, 'the manifest says a run is under way');
    // The files the failed run never recorded are deleted, so the next run sees no change at all...
    const recorded = new Set(records.map((r) => r.path));
    for (const name of readdirSync(path.join(t.dir, 'docs'))) if (!recorded.has(`docs/${name}`)) rmSync(path.join(t.dir, 'docs', name));
    // ...and one of them had been committed just before the crash, its record never saved.
    const store = await ChunkStore.open(db, tableName(manifest.generation), { dimensions: manifest.dimensions, create: false });
    const vector = new Array<number>(manifest.dimensions).fill(1 / Math.sqrt(manifest.dimensions));
    await store.replaceFiles(['docs/note-199.md'], [{ id: 'orphan', path: 'docs/note-199.md', startLine: 1, endLine: 3, heading: 'Note 199', text: 'orphan', searchText: 'orphan', vector, fileHash: 'f', chunkHash: 'c' }]);
    assert.equal(await store.hasTextIndex(), false, 'the failed run never compacted the table');

    const env = { OLLAMA_HOST: stub.url, RAG_DB: db };
    const rerun = parseJson<IndexDoc>(await runRag(['index', '--json', 'docs'], { cwd: t.dir, env }));
    assert.equal(rerun.files.unchanged, records.length);
    assert.equal(stub.embedRequests(), 0);
    assert.deepEqual(await storedRows(db), await cleanBuild(t.dir, ['docs'], stub), 'the orphaned rows are gone');
    const reopened = await ChunkStore.open(db, tableName(manifest.generation), { dimensions: manifest.dimensions, create: false });
    assert.equal(await reopened.hasTextIndex(), true, 'the table is compacted and has its full-text index');
    assert.equal((await readManifest(db))?.hasPendingWrites, undefined);
  });

  const REBUILD = ['--rebuild', '--embed-model', 'mxbai-embed-large'];
  const tables = (db: string) => readdirSync(path.join(db, 'lance')).filter((n) => n.endsWith('.lance')).sort();

  /** The notes indexed with defaults, then a `rag index ${REBUILD}` that dies midway. */
  async function interruptedRebuild(t: TestContext, dir: string, stub: Stub) {
    writeNotes(dir, NOTES);
    const env = { OLLAMA_HOST: stub.url, RAG_DB: path.join(dir, 'db') };
    const built = await runRag(['index', 'docs'], { cwd: dir, env });
    assert.equal(built.code, 0, built.stderr);
    const before = await storedRows(env.RAG_DB);
    const manifestBefore = readFileSync(path.join(env.RAG_DB, 'manifest.json'), 'utf8');
    const { db, records } = await failMidRun(t, dir, REBUILD, 'files_g2.json');
    return { env, db, records, before, manifestBefore };
  }

  it('a rebuild that dies midway leaves the old generation live; the next run clears the partial one', async (ctx) => {
    const t = tempDir(ctx);
    const stub = await startTestStub(ctx);
    const { env, db, before, manifestBefore } = await interruptedRebuild(ctx, t.dir, stub);
    assert.deepEqual(tables(db), ['chunks_g1.lance', 'chunks_g2.lance'], 'the partial generation exists');
    const partial = await tableRows(db, tableName(2));
    const oldIds = new Set(before.map((r) => r.id));
    assert.ok(partial.length > 0 && !partial.some((r) => oldIds.has(r.id)), 'the new generation holds no row of the old one');
    assert.equal(readFileSync(path.join(db, 'manifest.json'), 'utf8'), manifestBefore, 'the old generation is still the live one');
    assert.deepEqual(await storedRows(db), before);
    const search = await runRag(['search', '--json', 'river'], { cwd: t.dir, env });
    assert.equal(search.code, 0, search.stderr);

    appendFileSync(path.join(t.dir, 'docs', 'note-000.md'), '\nOne more line.\n');
    const next = await runRag(['index', 'docs'], { cwd: t.dir, env });
    assert.equal(next.code, 0, next.stderr);
    assert.deepEqual(tables(db), ['chunks_g1.lance']);
    assert.deepEqual(readdirSync(db).filter((n) => n.startsWith('files_')), ['files_g1.json']);
    assert.ok(!existsSync(path.join(db, 'rebuild.json')), 'nothing is left to resume');
    assert.deepEqual(await storedRows(db), await cleanBuild(t.dir, ['docs'], stub));
  });

  it('a rebuild that dies midway resumes on the next --rebuild with the same settings, embedding only what it had not written', async (ctx) => {
    const t = tempDir(ctx);
    const stub = await startTestStub(ctx);
    const { env, db, records } = await interruptedRebuild(ctx, t.dir, stub);
    assert.ok(existsSync(path.join(db, 'rebuild.json')), 'the unfinished rebuild is kept');
    // Rows can run ahead of records (a batch committed just before the crash): those are reused, not embedded.
    const written = new Set((await tableRows(db, tableName(2))).map((r) => r.path));
    assert.ok(written.size >= records.length && written.size < NOTES);

    stub.resetLog();
    const run = await runRag(['index', '--json', ...REBUILD, 'docs'], { cwd: t.dir, env });
    const resumed = parseJson<IndexDoc>(run);
    assert.equal(resumed.resumed_files, records.length);
    assert.match(run.stderr, new RegExp(`^Resumed the interrupted rebuild: ${records.length} file\\(s\\) were already done\\.$`, 'm'));
    assert.equal(resumed.files.unchanged, records.length, 'recorded files are not read again');
    assert.equal(resumed.chunks.embedded, NOTES - written.size, 'one passage per note, each embedded at most once over both runs');
    assert.equal(stub.embedInputs().length, resumed.chunks.embedded);
    const manifest = await readManifest(db);
    assert.deepEqual([manifest?.generation, manifest?.embedModel, manifest?.hasPendingWrites], [2, 'mxbai-embed-large', undefined]);
    assert.ok(!existsSync(path.join(db, 'rebuild.json')));
    assert.deepEqual(tables(db), ['chunks_g1.lance', 'chunks_g2.lance'], 'the replaced generation is retired, not dropped yet');
    assert.deepEqual(manifest?.retired?.map((r) => r.generation), [1]);
    assert.deepEqual(readdirSync(db).filter((n) => n.startsWith('files_')).sort(), ['files_g1.json', 'files_g2.json']);
    assert.deepEqual(await storedRows(db), await cleanBuild(t.dir, ['--embed-model', 'mxbai-embed-large', 'docs'], stub));
  });

  it('an interrupted rebuild asked for again with other settings starts afresh', async (ctx) => {
    const t = tempDir(ctx);
    const stub = await startTestStub(ctx);
    const { env, db } = await interruptedRebuild(ctx, t.dir, stub);
    stub.resetLog();
    const other = [...REBUILD, '--chunk-size', '800'];
    const fresh = parseJson<IndexDoc>(await runRag(['index', '--json', ...other, 'docs'], { cwd: t.dir, env }));
    assert.equal(fresh.resumed_files, 0);
    assert.equal(fresh.chunks.embedded, NOTES, 'every note is embedded again');
    assert.equal((await readManifest(db))?.chunkSizeChars, 800);
    assert.ok(!existsSync(path.join(db, 'rebuild.json')));
    assert.deepEqual(await storedRows(db), await cleanBuild(t.dir, ['--embed-model', 'mxbai-embed-large', '--chunk-size', '800', 'docs'], stub));
  });
});

describe('rag index: errors are one line with a meaningful exit code', () => {
  let stub: Stub;
  let t: ReturnType<typeof makeTempDir>;
  let env: Record<string, string>;

  before(async () => {
    stub = await startStub({ installed: ['llama3.2', 'all-minilm'] });
    t = makeTempDir();
    mkdirSync(path.join(t.dir, 'docs'));
    mkdirSync(path.join(t.dir, 'empty'));
    writeFileSync(path.join(t.dir, 'docs', 'a.md'), '# A\n\nSome words worth indexing.\n');
    env = { OLLAMA_HOST: stub.url, RAG_DB: path.join(t.dir, 'db') };
  });

  after(async () => {
    t.cleanup();
    await stub.close();
  });

  const index = (args: string[], extra: Record<string, string> = {}) => runRag(['index', ...args], { cwd: t.dir, env: { ...env, ...extra } });

  it('a path that does not exist: exit 2, naming it', async () => {
    assertFailsWith(await index(['no-such-folder']), 2, /Path not found: no-such-folder/);
  });

  it('a folder with nothing to index: exit 2', async () => {
    assertFailsWith(await index(['empty']), 2, /No files to index in empty/);
  });

  it('Ollama unreachable: exit 3', async () => {
    const gone = await startStub();
    await gone.close();
    assertFailsWith(await index(['docs'], { OLLAMA_HOST: gone.url }), 3, new RegExp(`Cannot reach Ollama at ${gone.url.replace(/\./g, '\\.')}`));
    assert.equal(await readManifest(env.RAG_DB!), undefined, 'nothing was written');
  });

  it('embedding model not installed: exit 4 with the pull command; --pull installs it', async () => {
    assertFailsWith(await index(['docs']), 4, /Model 'nomic-embed-text' is not installed.*ollama pull nomic-embed-text/);
    assert.equal(await readManifest(env.RAG_DB!), undefined);
    const pulled = await index(['--pull', 'docs']);
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.ok(stub.requests.some((r) => r.route === '/api/pull'));
    assert.equal((await readManifest(env.RAG_DB!))?.embedModel, 'nomic-embed-text');
  });

  it('a chat model as --embed-model: exit 4', async (t) => {
    const fresh = tempDir(t);
    assertFailsWith(await index(['--embed-model', 'llama3.2', 'docs'], { RAG_DB: fresh.dir }), 4, /'llama3\.2' is not an embedding model/);
  });
});

describe('rag index --json and batching', () => {
  it('--json prints one document on stdout; progress and summary stay on stderr', async (t) => {
    const stub = await startTestStub(t);
    const copy = corpusCopy(t);
    const res = await runRag(['index', '--json', '--batch-size', '8', 'corpus'], { cwd: copy.dir, env: { OLLAMA_HOST: stub.url, RAG_DB: path.join(copy.dir, 'db') } });
    const doc = parseJson<IndexDoc>(res);
    assert.equal(doc.files.seen, CORPUS_FILES);
    assert.equal(doc.files.new, CORPUS_FILES);
    assert.equal(doc.chunks.total, doc.chunks.embedded);
    assert.equal(doc.changes.length, CORPUS_FILES);
    assert.equal(doc.changes.reduce((n, c) => n + (c.chunks ?? 0), 0), doc.chunks.total);
    assert.match(res.stderr, /^Indexed 12 files/m);
    assert.doesNotMatch(res.stdout, /Indexed/);

    // Every passage in its own request would be slow; one giant request would not be bounded.
    const inputs = stub.requests.filter((r) => r.route === '/api/embed').map((r) => (r.body as { input: string[] }).input.length);
    assert.equal(inputs.reduce((a, b) => a + b, 0), doc.chunks.embedded);
    assert.ok(inputs.every((n) => n >= 1 && n <= 8), `inputs per request: ${inputs.join(', ')}`);
    assert.equal(inputs.length, Math.ceil(doc.chunks.embedded / 8));
    assert.equal(doc.embed_requests, inputs.length);
  });
});

describe('rag index: the writer lock', () => {
  it('a lock held by a live process stops the run with exit 5 naming its pid; a stale one is taken over', async (ctx) => {
    const stub = await startTestStub(ctx);
    const t = tempDir(ctx);
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    ctx.after(async () => {
      sleeper.kill('SIGKILL');
    });
    mkdirSync(path.join(t.dir, 'docs'));
    writeFileSync(path.join(t.dir, 'docs', 'a.md'), '# A\n\nSome words worth indexing.\n');
    const db = path.join(t.dir, 'db');
    mkdirSync(db);
    const env = { OLLAMA_HOST: stub.url, RAG_DB: db };
    const lock = path.join(db, 'lock');
    // The holder's start time as the lock records it: this live process is the one that took it.
    const held = JSON.stringify({ pid: sleeper.pid, startedAt: '2025-01-01T00:00:00.000Z', processStart: await processStart(sleeper.pid!) });
    writeFileSync(lock, held);
    assertFailsWith(await runRag(['index', 'docs'], { cwd: t.dir, env }), 5, new RegExp(`locked by another 'rag index' \\(pid ${sleeper.pid}\\b`));
    assert.equal(readFileSync(lock, 'utf8'), held, 'the holder keeps its lock');
    assert.equal(stub.embedRequests(), 0);

    const exited = spawnSync(process.execPath, ['-e', '']);
    writeFileSync(lock, JSON.stringify({ pid: exited.pid, startedAt: '2025-01-01T00:00:00.000Z' }));
    const res = await runRag(['index', 'docs'], { cwd: t.dir, env });
    assert.equal(res.code, 0, res.stderr);
    assert.ok(!existsSync(lock), 'the lock is released at the end');
    assert.equal((await storedRows(db)).length, 1);
  });
});

describe('rag index: passages too long for the embedding model', () => {
  it('are split again to fit its context, never truncated by the server, with exact line ranges', async (ctx) => {
    const stub = await startTestStub(ctx);
    const copy = corpusCopy(ctx);
    const db = path.join(copy.dir, 'db');
    // all-minilm's context (256 tokens) is far smaller than a default 1,200-character passage.
    const res = await runRag(['index', '--json', '--embed-model', 'all-minilm', 'corpus'], { cwd: copy.dir, env: { OLLAMA_HOST: stub.url, RAG_DB: db } });
    const doc = parseJson<IndexDoc>(res);
    const inputs = stub.embedInputs();
    assert.equal(stub.truncatedEmbedInputs(), 0, 'the server had to truncate an input');
    assert.ok(inputs.every((t) => t.length <= 256 * 3), `longest input ${Math.max(...inputs.map((t) => t.length))}`);

    // More, smaller passages than with a large-context model, each still exactly its lines.
    const big = await cleanBuild(copy.dir, ['corpus'], stub);
    assert.ok(doc.chunks.total > big.length, `${doc.chunks.total} passages vs ${big.length}`);
    const search = parseJson<{ results: Array<{ path: string; start_line: number; end_line: number; text: string }> }>(
      await runRag(['search', '--json', '-k', '10', 'embedding model'], { cwd: copy.dir, env: { OLLAMA_HOST: stub.url, RAG_DB: db } }),
    );
    for (const r of search.results) {
      const lines = readFileSync(path.join(copy.dir, r.path), 'utf8').split('\n');
      assert.equal(r.text, lines.slice(r.start_line - 1, r.end_line).join('\n'), `${r.path}:${r.start_line}-${r.end_line}`);
    }
  });
});
