/**
 * The small things: generated files skipped with their reason, `-t` for index, search and
 * ask, `--json` as a global option, and paths relative to where the user stands.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startStub, type Stub } from '../ollama-stub/server.js';
import { tempDir } from '../helpers/paths.js';
import { spawnRag } from '../helpers/spawn-rag.js';
import { runRag, testIo } from '../helpers/test-io.js';
import { run } from '../../src/main.js';

function writeProject(dir: string): void {
  mkdirSync(path.join(dir, 'docs'), { recursive: true });
  mkdirSync(path.join(dir, 'dist'), { recursive: true });
  writeFileSync(path.join(dir, 'docs', 'intro.md'), '# Intro\n\nWidgets are configured in the settings file.\n');
  writeFileSync(path.join(dir, 'docs', 'calls.rst'), 'Calls\n=====\n\nWidgets answer every call with a handle.\n');
  writeFileSync(path.join(dir, 'tool.py'), '# Widgets helper\ndef widgets():\n    return "widgets"\n');
  writeFileSync(path.join(dir, 'package.json'), '{"name": "widgets"}\n');
  writeFileSync(path.join(dir, 'package-lock.json'), '{"name": "widgets", "lockfileVersion": 3, "packages": {}}\n');
  writeFileSync(path.join(dir, 'yarn.lock'), '# widgets lock\n');
  writeFileSync(path.join(dir, 'dist', 'app.min.js'), 'var widgets=1;\n');
}

type IndexJson = { changes: Array<{ path: string }>; skipped: Array<{ path: string; reason: string }> };

describe('everyday options', () => {
  let stub: Stub;
  before(async () => {
    stub = await startStub();
  });
  after(async () => {
    await stub.close();
  });

  function project(t: { after: (fn: () => void) => void }) {
    const tmp = tempDir(t);
    const dir = path.join(tmp.dir, 'p');
    writeProject(dir);
    return { dir, env: { OLLAMA_HOST: stub.url, RAG_DB: path.join(tmp.dir, 'db') } };
  }

  it('lockfiles and bundles are skipped with their reason; --include brings one back', async (t) => {
    const { dir, env } = project(t);
    const res = await spawnRag(['index', '--json', '.'], { cwd: dir, env });
    assert.equal(res.code, 0, res.stderr);
    const doc = JSON.parse(res.stdout) as IndexJson;
    assert.deepEqual(doc.changes.map((c) => c.path), ['docs/calls.rst', 'docs/intro.md', 'package.json', 'tool.py']);
    assert.deepEqual(doc.skipped.map((s) => `${s.path}: ${s.reason}`), [
      'dist/app.min.js: generated file (minified bundle); --include brings it back',
      'package-lock.json: generated file (lockfile); --include brings it back',
      'yarn.lock: generated file (lockfile); --include brings it back',
    ]);
    const verbose = await spawnRag(['index', '--verbose', '--dry-run', '.'], { cwd: dir, env });
    assert.match(verbose.stdout, /^skip\tpackage-lock\.json\tgenerated file \(lockfile\)/m);

    const included = await spawnRag(['index', '--json', '--include', 'package-lock.json', '.'], { cwd: dir, env });
    assert.equal(included.code, 0, included.stderr);
    assert.ok((JSON.parse(included.stdout) as IndexJson).changes.some((c) => c.path === 'package-lock.json'));
  });

  it('-t filters index, search and ask by format (name or extension)', async (t) => {
    const { dir, env } = project(t);
    const indexed = await runRag(['index', '--json', '-t', 'md', '-t', 'rst', '.'], { cwd: dir, env });
    assert.equal(indexed.code, 0, indexed.stderr);
    assert.deepEqual((JSON.parse(indexed.stdout) as IndexJson).changes.map((c) => c.path), ['docs/calls.rst', 'docs/intro.md']);
    // A later run with another type adds to the index and removes nothing of the first.
    const code = await runRag(['index', '--json', '-t', 'code', '.'], { cwd: dir, env });
    assert.equal(code.code, 0, code.stderr);
    assert.deepEqual((JSON.parse(code.stdout) as IndexJson & { files: { removed: number } }).files.removed, 0);

    const search = await spawnRag(['search', '--json', '-k', '10', '-t', 'rst', 'widgets'], { cwd: dir, env });
    assert.equal(search.code, 0, search.stderr);
    const results = (JSON.parse(search.stdout) as { results: Array<{ path: string }> }).results;
    assert.ok(results.length > 0);
    assert.deepEqual([...new Set(results.map((r) => r.path))], ['docs/calls.rst']);

    const ask = await runRag(['ask', '--json', '-t', 'python', 'what do widgets return?'], { cwd: dir, env });
    assert.equal(ask.code, 2, 'python is neither a format name nor an extension');
    assert.match(ask.stderr, /unknown type 'python'; types: .*markdown/);
    const askPy = await runRag(['ask', '--json', '-t', 'py', 'what do widgets return?'], { cwd: dir, env });
    assert.equal(askPy.code, 0, askPy.stderr);
    const sources = (JSON.parse(askPy.stdout) as { sources: Array<{ path: string }> }).sources;
    assert.deepEqual([...new Set(sources.map((s) => s.path))], ['tool.py']);
  });

  it('--json is a global option: rag --json status and rag --json ls print one document', async (t) => {
    const { dir, env } = project(t);
    assert.equal((await runRag(['index', '.'], { cwd: dir, env })).code, 0);
    for (const argv of [['--json', 'status'], ['--json', 'ls'], ['--json', 'search', 'widgets']]) {
      const res = await spawnRag(argv, { cwd: dir, env });
      assert.equal(res.code, 0, `${argv.join(' ')}: ${res.stderr}`);
      assert.equal(typeof JSON.parse(res.stdout), 'object', argv.join(' '));
    }
    const bad = await spawnRag(['--json', 'rm', 'nowhere'], { cwd: dir, env });
    assert.equal(bad.code, 2);
    assert.equal((JSON.parse(bad.stdout) as { error: { name: string } }).error.name, 'usage');
  });

  it('status: relative times on a terminal, exact ones piped and in JSON', async (t) => {
    const { dir, env } = project(t);
    assert.equal((await spawnRag(['index', '.'], { cwd: dir, env })).code, 0);
    // Ten minutes after the index run, by the clock the command is given.
    const io = testIo({ cwd: dir, env: { ...env, NO_COLOR: '1' }, stdoutIsTTY: true, now: () => Date.now() + 10 * 60_000 });
    assert.equal(await run(['status'], io), 0, io.err());
    assert.match(io.out(), /^ {2}updated {3}10 minutes ago$/m);
    const piped = await spawnRag(['status'], { cwd: dir, env });
    assert.match(piped.stdout, /^ {2}updated {3}\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/m);
  });

  it('from a subfolder, search and ask print paths relative to it; JSON keeps root-relative paths', async (t) => {
    const { dir, env } = project(t);
    assert.equal((await runRag(['index', '.'], { cwd: dir, env })).code, 0);
    const sub = path.join(dir, 'docs');
    const search = await spawnRag(['search', '-k', '10', 'widgets settings file'], { cwd: sub, env });
    assert.equal(search.code, 0, search.stderr);
    const shown = [...search.stdout.matchAll(/^\d+\. (\S+?):\d+/gm)].map((m) => m[1]);
    assert.ok(shown.includes('intro.md'), search.stdout);
    assert.ok(shown.includes('../tool.py'), search.stdout);
    const ask = await spawnRag(['ask', '--sources', 'all', 'how are widgets configured?'], { cwd: sub, env });
    assert.equal(ask.code, 0, ask.stderr);
    assert.match(ask.stdout, /^\s+\[\d+\] intro\.md:\d+/m);
    const json = await spawnRag(['search', '--json', 'widgets settings file'], { cwd: sub, env });
    assert.ok((JSON.parse(json.stdout) as { results: Array<{ path: string }> }).results.some((r) => r.path === 'docs/intro.md'));
  });
});
