/**
 * The built CLI as a process (bin/rag.cjs), as users and scripts run it: exit codes, the
 * stdout/stderr split, colour rules, `| head -1`, and one JSON document per `--json` run.
 * Each spawn costs a Node start-up, so this file covers the contract; branches are tested
 * in-process under tests/commands/.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startStub, type Stub } from '../ollama-stub/server.js';
import { BIN, REPO_ROOT, makeTempDir, tempDir } from '../helpers/paths.js';
import { spawnRag, type SpawnResult } from '../helpers/spawn-rag.js';
import { runRag } from '../helpers/test-io.js';
import { assertOneErrorLine, STACK_LINE } from '../helpers/assertions.js';
import { ANSI_ESCAPE } from '../helpers/ansi.js';

const QUESTION = 'How do I change the embedding model?';

function assertNoAnsi(res: SpawnResult, what: string): void {
  assert.doesNotMatch(res.stdout, ANSI_ESCAPE, `${what}: escape codes on stdout`);
  assert.doesNotMatch(res.stderr, ANSI_ESCAPE, `${what}: escape codes on stderr`);
}

/** Splits `rag ask` text output into the answer and its `[n] path:a-b · heading` source lines. */
function parseAskOutput(stdout: string): { answer: string; sources: Map<number, { path: string; start: number; end: number }> } {
  const at = stdout.indexOf('\nSources:\n');
  assert.ok(at >= 0, `no Sources: list in\n${stdout}`);
  const sources = new Map<number, { path: string; start: number; end: number }>();
  for (const line of stdout.slice(at + '\nSources:\n'.length).split('\n')) {
    const m = /^\s+\[(\d+)\] (\S+?):(\d+)(?:-(\d+))?(?: · .*)?$/.exec(line);
    if (m) sources.set(Number(m[1]), { path: m[2] ?? '', start: Number(m[3]), end: Number(m[4] ?? m[3]) });
  }
  return { answer: stdout.slice(0, at).trim(), sources };
}

const flat = (text: string): string => text.replace(/\s+/g, ' ').trim();

describe('rag as a process', () => {
  let stub: Stub;
  let db: ReturnType<typeof makeTempDir>;
  let env: Record<string, string>;
  let indexRun: SpawnResult;

  before(async () => {
    stub = await startStub();
    db = makeTempDir();
    env = { OLLAMA_HOST: stub.url, RAG_DB: db.dir };
    // From the repository root, so stored paths read corpus/guide/… as in the README.
    indexRun = await spawnRag(['index', '--json', 'corpus'], { cwd: REPO_ROOT, env });
  });

  after(async () => {
    db.cleanup();
    await stub.close();
  });

  it('indexes corpus/ and prints one JSON summary on stdout, the summary line on stderr', () => {
    assert.equal(indexRun.code, 0, indexRun.stderr);
    const doc = JSON.parse(indexRun.stdout) as { files: { seen: number; new: number }; chunks: { total: number }; embed_model: string };
    assert.ok(doc.files.seen >= 10, `files seen: ${doc.files.seen}`);
    assert.equal(doc.files.new, doc.files.seen);
    assert.ok(doc.chunks.total > doc.files.seen);
    assert.equal(doc.embed_model, 'nomic-embed-text');
    assert.match(indexRun.stderr, /^Indexed \d+ files/m);
    assertNoAnsi(indexRun, 'index');
  });

  it('core: ask answers with a [n] marker and sources whose line numbers hold the quoted sentence', async () => {
    const res = await spawnRag(['ask', QUESTION], { cwd: REPO_ROOT, env });
    assert.equal(res.code, 0, res.stderr);
    assert.doesNotMatch(res.stderr, STACK_LINE);
    assertNoAnsi(res, 'ask');

    const { answer, sources } = parseAskOutput(res.stdout);
    // The stub quotes the first sentence of the passage it cites: "According to the documents, <sentence> [n]."
    const quoted = /^According to the documents, (.+?) \[(\d+)\]\./.exec(answer);
    assert.ok(quoted, `unexpected answer: ${answer}`);
    const n = Number(quoted[2]);
    const source = sources.get(n);
    assert.ok(source, `[${n}] is cited but not listed in:\n${res.stdout}`);
    assert.equal(source.path, 'corpus/guide/configuration.md');
    assert.ok(source.start >= 1 && source.end >= source.start);

    const lines = readFileSync(path.join(REPO_ROOT, source.path), 'utf8').split('\n');
    assert.ok(source.end <= lines.length, `line ${source.end} is past the end of ${source.path}`);
    const span = flat(lines.slice(source.start - 1, source.end).join('\n'));
    assert.ok(span.includes(flat(quoted[1] ?? '')), `"${quoted[1]}" is not within ${source.path}:${source.start}-${source.end}:\n${span}`);

    const unstreamed = await spawnRag(['ask', '--no-stream', QUESTION], { cwd: REPO_ROOT, env });
    assert.equal(unstreamed.code, 0, unstreamed.stderr);
    assert.equal(unstreamed.stdout, res.stdout);
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    const res = await spawnRag(['--version'], { cwd: REPO_ROOT, env });
    assert.equal(res.code, 0);
    assert.equal(res.stdout, `${pkg.version}\n`);
    assert.equal(res.stderr, '');
  });

  /** Every option line of a help text has a description after the flags. */
  function optionLines(help: string): Map<string, string> {
    const options = new Map<string, string>();
    for (const line of help.split('\n')) {
      const m = /^ {2}((?:-\w, )?--?[\w-]+(?: <[^>]+>)?)\s{2,}(\S.*)$/.exec(line);
      if (m) options.set(m[1] ?? '', m[2] ?? '');
    }
    return options;
  }

  const HELP_CASES: Array<{ args: string[]; flags: string[] }> = [
    { args: ['--help'], flags: ['--db', '--host', '--quiet', '--verbose', '--no-color', '--version', '--help'] },
    {
      args: ['index', '--help'],
      flags: ['--embed-model', '--chunk-size', '--chunk-overlap', '--include', '--exclude', '--no-gitignore', '--rebuild', '--dry-run', '--pull', '--json', '--db', '--host'],
    },
    {
      args: ['ask', '--help'],
      flags: ['--model', '--top-k', '--json', '--no-stream', '--temperature', '--seed', '--num-ctx', '--sources', '--pull', '--db', '--host', '--no-color'],
    },
  ];

  for (const c of HELP_CASES) {
    it(`rag ${c.args.join(' ')} explains every option and shows examples`, async () => {
      const res = await spawnRag(c.args, { cwd: REPO_ROOT, env });
      assert.equal(res.code, 0, res.stderr);
      assert.equal(res.stderr, '');
      const options = optionLines(res.stdout);
      // Every option commander lists, not only the ones named here, carries an explanation.
      for (const [flags, doc] of options) assert.ok(doc.length > 8, `${flags} has no explanation`);
      for (const flag of c.flags) {
        const entry = [...options].find(([flags]) => flags.split(/[ ,]+/).includes(flag));
        assert.ok(entry, `${flag} missing from:\n${res.stdout}`);
        assert.ok(entry[1].length > 8, `${flag} has no explanation`);
      }
      assert.match(res.stdout, /\nExamples:\n {2}\$ rag /);
      assertNoAnsi(res, 'help');
    });
  }

  const USAGE_CASES: Array<{ args: string[]; pattern: RegExp }> = [
    { args: ['--bogus'], pattern: /unknown option '--bogus'/ },
    { args: ['frobnicate'], pattern: /unknown command 'frobnicate'/ },
    { args: ['ask', '--bogus', 'question'], pattern: /unknown option '--bogus'.*rag ask --help/ },
    { args: ['idnex'], pattern: /unknown command 'idnex'.*Did you mean index/ },
    // Help for a command that does not exist is the typo, not rag's help with exit 0.
    { args: ['idnex', '--help'], pattern: /unknown command 'idnex'.*Did you mean index/ },
    { args: ['--db', '/tmp/x', 'frobnicate', '-h'], pattern: /unknown command 'frobnicate'/ },
    { args: ['help', 'idnex'], pattern: /unknown command 'idnex'.*Did you mean index/ },
  ];

  for (const c of USAGE_CASES) {
    it(`rag ${c.args.join(' ')} exits 2 with one rag: line`, async () => {
      const res = await spawnRag(c.args, { cwd: REPO_ROOT, env });
      assert.equal(res.code, 2);
      assert.equal(res.stdout, '');
      assertOneErrorLine(res.stderr, c.pattern);
    });
  }

  it('colour only when forced, and NO_COLOR or --no-color always win', async () => {
    const args = ['search', '-k', '2', 'embedding model'];
    const plain = await spawnRag(args, { cwd: REPO_ROOT, env });
    assert.equal(plain.code, 0, plain.stderr);
    assertNoAnsi(plain, 'piped search');
    // FORCE_COLOR is the only way to get colour into a pipe: it proves the checks below can fail.
    const forced = await spawnRag(args, { cwd: REPO_ROOT, env: { ...env, FORCE_COLOR: '1' } });
    assert.match(forced.stdout, ANSI_ESCAPE);
    const noColorEnv = await spawnRag(args, { cwd: REPO_ROOT, env: { ...env, FORCE_COLOR: '1', NO_COLOR: '1' } });
    const noColorFlag = await spawnRag(['--no-color', ...args], { cwd: REPO_ROOT, env: { ...env, FORCE_COLOR: '1' } });
    for (const [what, res] of [['NO_COLOR=1', noColorEnv], ['--no-color', noColorFlag]] as const) {
      assert.equal(res.code, 0, res.stderr);
      assertNoAnsi(res, what);
      assert.equal(res.stdout, plain.stdout, what);
    }
  });

  it('--json prints exactly one JSON document for ask, search and status', async () => {
    const ask = await spawnRag(['ask', '--json', QUESTION], { cwd: REPO_ROOT, env });
    const search = await spawnRag(['search', '--json', QUESTION], { cwd: REPO_ROOT, env });
    const status = await spawnRag(['status', '--json'], { cwd: REPO_ROOT, env });
    for (const [what, res] of [['ask', ask], ['search', search], ['status', status]] as const) {
      assert.equal(res.code, 0, `${what}: ${res.stderr}`);
      assertNoAnsi(res, what);
      assert.doesNotThrow(() => JSON.parse(res.stdout), `${what} stdout is not one JSON document:\n${res.stdout}`);
    }
    assert.equal((JSON.parse(ask.stdout) as { found: boolean }).found, true);
    assert.ok((JSON.parse(search.stdout) as { results: unknown[] }).results.length > 0);
    assert.equal((JSON.parse(status.stdout) as { ready: boolean }).ready, true);
  });

  it('an error with --json keeps the exit code and stderr line, and stdout holds only {"error": …}', async (ctx) => {
    const t = tempDir(ctx);
    const missing = { ...env, RAG_DB: path.join(t.dir, 'missing') };
    const text = await spawnRag(['search', 'anything'], { cwd: t.dir, env: missing });
    const json = await spawnRag(['search', '--json', 'anything'], { cwd: t.dir, env: missing });
    assert.equal(text.code, 5);
    assert.equal(json.code, 5);
    assert.equal(text.stdout, '');
    assertOneErrorLine(text.stderr, /rag index/);
    assert.equal(json.stderr, text.stderr);
    const doc = JSON.parse(json.stdout) as { error: { code: number; name: string; message: string; hint: string } };
    assert.deepEqual(Object.keys(doc), ['error']);
    assert.equal(doc.error.code, 5);
    assert.equal(doc.error.name, 'index');
    assert.match(doc.error.message, /No index/);
    assert.match(doc.error.hint, /rag index/);

    // A usage error stops before any command runs; --json still gets its document.
    const usage = await spawnRag(['ask', '--json', '-k', '0', 'question'], { cwd: t.dir, env: missing });
    assert.equal(usage.code, 2);
    assertOneErrorLine(usage.stderr, /--top-k/);
    assert.equal((JSON.parse(usage.stdout) as { error: { code: number } }).error.code, 2);
  });

  it('rag search … | head -1 ends quietly: no EPIPE, exit 0', async (ctx) => {
    // Enough output to overflow the pipe buffer once head has gone: 40 long files, all matching.
    const t = tempDir(ctx);
    const docs = path.join(t.dir, 'docs');
    mkdirSync(docs);
    // Varied words, so that near-duplicate removal keeps every passage.
    const vocabulary = 'amber basil cedar delta ember fjord grove harbor island jasper kettle lantern meadow nectar orchid pebble quartz river saffron timber'.split(' ');
    let seed = 7;
    const word = (): string => vocabulary[(seed = (seed * 1103515245 + 12345) % 2147483648) % vocabulary.length] ?? 'widget';
    const line = (): string => `Widget configuration ${Array.from({ length: 12 }, word).join(' ')}.`;
    for (let i = 1; i <= 40; i++) {
      const sections = [1, 2, 3].map((s) => `## Widget section ${s}\n\n${Array.from({ length: 18 }, line).join('\n')}\n`);
      writeFileSync(path.join(docs, `widgets-${i}.md`), `# Widgets ${i}\n\n${sections.join('\n')}`);
    }
    const pipeEnv = { OLLAMA_HOST: stub.url, RAG_DB: path.join(t.dir, 'db') };
    const indexed = await runRag(['index', '--chunk-size', '3000', 'docs'], { cwd: t.dir, env: pipeEnv });
    assert.equal(indexed.code, 0, indexed.stderr);
    const whole = await runRag(['search', '-k', '100', 'widget configuration'], { cwd: t.dir, env: pipeEnv });
    assert.ok(whole.stdout.length > 160 * 1024, `only ${whole.stdout.length} bytes: too little to fill a pipe`);

    // The exit status of rag itself, not of head, goes to stderr.
    const script = `{ "${process.execPath}" "${BIN}" search -k 100 widget configuration; echo "rag-exit=$?" >&2; } | head -1`;
    const res = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn('sh', ['-c', script], { cwd: t.dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...pipeEnv } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    assert.equal(res.code, 0);
    assert.equal(res.stdout, `${whole.stdout.split('\n')[0]}\n`);
    assert.equal(res.stderr.trim(), 'rag-exit=0');
  });
});
