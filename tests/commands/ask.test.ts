/**
 * `rag ask` in-process (run(argv, testIo)) against the Ollama stub and a real LanceDB
 * index of corpus/ in a temp folder: streaming, sources, "not found", the JSON document,
 * what is sent to the model (num_ctx, temperature, seed), prompt packing into a small
 * window, citation checks, --pull, and every error path with its exit code.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { startStub, type Stub } from '../ollama-stub/server.js';
import { REPO_ROOT, makeTempDir, tempDir } from '../helpers/paths.js';
import { runRag, type RunResult } from '../helpers/test-io.js';
import { closedPort, useIndexedCorpus } from '../helpers/indexed-corpus.js';
import { STACK_LINE } from '../helpers/assertions.js';
import { ANSI_ESCAPE, stripAnsi } from '../helpers/ansi.js';

const QUESTION = 'How do I change the embedding model?';
const UNANSWERABLE = 'What is the airspeed velocity of an unladen swallow?';
const NOT_FOUND = "I couldn't find the answer in the indexed documents.";

interface AskDoc {
  question: string;
  answer: string;
  found: boolean;
  citations: number[];
  invalid_citations: number[];
  sources: Array<{ id: number; path: string; start_line: number; end_line: number; heading: string; score: number; text: string; cited: boolean }>;
  models: { chat: string; embed: string };
  num_ctx: number;
  timings_ms: { retrieve: number; generate: number; total: number };
}

function assertPlain(res: RunResult): void {
  assert.doesNotMatch(res.stdout, ANSI_ESCAPE);
  assert.doesNotMatch(res.stderr, ANSI_ESCAPE);
}

/** `[n] path:a-b · heading` lines after `Sources:`, as the numbers they list. */
function listedSources(stdout: string): number[] {
  const at = stdout.indexOf('\nSources:\n');
  if (at < 0) return [];
  return stdout
    .slice(at)
    .split('\n')
    .map((l) => /^\s+\[(\d+)\] \S+:\d+/.exec(l)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number);
}

describe('rag ask', () => {
  const fixture = useIndexedCorpus();
  const ask = (args: string[], extra: Record<string, string> = {}) => runRag(['ask', ...args], { cwd: REPO_ROOT, env: { ...fixture.env, ...extra } });


  it('streams the answer, then lists the cited sources; --no-stream prints the same', async () => {
    fixture.stub.resetLog();
    const streamed = await ask([QUESTION]);
    const whole = await ask(['--no-stream', QUESTION]);
    assert.equal(streamed.code, 0, streamed.stderr);
    assert.equal(whole.code, 0, whole.stderr);
    assert.match(streamed.stdout, /^According to the documents, .+ \[\d+\]\./);
    assert.match(streamed.stdout, /\nSources:\n {2}\[\d+\] corpus\/guide\/configuration\.md:\d+-\d+ · /);
    assert.equal(whole.stdout, streamed.stdout);
    assert.deepEqual(fixture.stub.chatRequests().map((c) => c.stream), [true, false]);
    assert.equal(streamed.stderr, '');
    assertPlain(streamed);
  });

  it('on a terminal: colour on stdout, the spinner only on stderr, the same text', async () => {
    const piped = await ask([QUESTION]);
    const tty = await runRag(['ask', QUESTION], { cwd: REPO_ROOT, env: fixture.env, stdoutIsTTY: true, stderrIsTTY: true });
    assert.equal(tty.code, 0, tty.stderr);
    assert.match(tty.stdout, ANSI_ESCAPE);
    assert.equal(stripAnsi(tty.stdout), piped.stdout);
    assert.match(tty.stderr, /Searching…/);
    // --json and --quiet keep even a terminal's stderr free of the spinner.
    for (const flag of ['--json', '--quiet']) {
      const quiet = await runRag(['ask', flag, QUESTION], { cwd: REPO_ROOT, env: fixture.env, stdoutIsTTY: true, stderrIsTTY: true });
      assert.equal(quiet.code, 0, quiet.stderr);
      assert.equal(quiet.stderr, '', flag);
    }
  });

  it('an answer that cites nothing: a warning, and no empty Sources: heading', async () => {
    fixture.stub.failNext('/api/chat', { reply: 'Rebuild the index with the new model.' });
    const res = await ask([QUESTION]);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, 'Rebuild the index with the new model.\n');
    assert.match(res.stderr, /warning: the answer cites none of the passages; --sources all/);
  });

  it('--sources cited|all|none chooses which passages are listed', async () => {
    const json = JSON.parse((await ask(['--json', QUESTION])).stdout) as AskDoc;
    const cited = await ask(['--sources', 'cited', QUESTION]);
    const all = await ask(['--sources', 'all', QUESTION]);
    const none = await ask(['--sources', 'none', QUESTION]);
    for (const res of [cited, all, none]) assert.equal(res.code, 0, res.stderr);

    assert.deepEqual(listedSources(cited.stdout), [...json.citations].sort((a, b) => a - b));
    assert.deepEqual(listedSources(all.stdout), json.sources.map((s) => s.id));
    assert.ok(json.sources.length > json.citations.length, 'the test needs uncited passages');
    assert.doesNotMatch(none.stdout, /Sources:/);
    // The answer itself is the same whichever sources are listed.
    assert.equal(none.stdout.trim(), cited.stdout.slice(0, cited.stdout.indexOf('\nSources:')).trim());
  });

  it('says plainly when the documents do not hold the answer: no sources, exit 0, found false', async () => {
    const text = await ask([UNANSWERABLE]);
    assert.equal(text.code, 0, text.stderr);
    assert.equal(text.stdout, `${NOT_FOUND}\n`);
    assert.doesNotMatch(text.stdout, /Sources:/);
    assert.match(text.stderr, /do not seem to contain the answer/);

    const all = await ask(['--sources', 'all', UNANSWERABLE]);
    assert.equal(all.stdout, `${NOT_FOUND}\n`);

    const json = await ask(['--json', UNANSWERABLE]);
    assert.equal(json.code, 0, json.stderr);
    const doc = JSON.parse(json.stdout) as AskDoc;
    assert.equal(doc.found, false);
    assert.deepEqual(doc.citations, []);
    assert.ok(doc.sources.every((s) => !s.cited));
  });

  it('--json is one document with the question, answer, citations, sources, models and timings', async () => {
    const res = await ask(['--json', QUESTION]);
    assert.equal(res.code, 0, res.stderr);
    assertPlain(res);
    const doc = JSON.parse(res.stdout) as AskDoc;
    assert.equal(doc.question, QUESTION);
    assert.match(doc.answer, /\[\d+\]/);
    assert.equal(doc.found, true);
    assert.ok(doc.citations.length > 0);
    assert.deepEqual(doc.invalid_citations, []);
    assert.ok(doc.sources.length > 0);
    doc.sources.forEach((s, i) => {
      assert.equal(s.id, i + 1);
      assert.match(s.path, /^corpus\/.+\.md$/);
      assert.ok(Number.isInteger(s.start_line) && s.start_line >= 1 && s.end_line >= s.start_line);
      assert.equal(typeof s.heading, 'string');
      assert.ok(Number.isFinite(s.score) && s.score > 0);
      assert.ok(s.text.length > 0);
      assert.equal(s.cited, doc.citations.includes(s.id));
    });
    for (const n of doc.citations) assert.ok(n >= 1 && n <= doc.sources.length);
    assert.deepEqual(doc.models, { chat: 'llama3.2', embed: 'nomic-embed-text' });
    for (const ms of Object.values(doc.timings_ms)) assert.ok(Number.isFinite(ms) && ms >= 0);
    assert.ok(doc.num_ctx >= 2048);
  });

  it('always sends num_ctx, sized so the prompt is not truncated', async () => {
    fixture.stub.resetLog();
    const res = await ask(['--json', QUESTION]);
    assert.equal(res.code, 0, res.stderr);
    const [chat] = fixture.stub.chatRequests();
    assert.ok(chat);
    assert.equal(typeof chat.options?.num_ctx, 'number');
    assert.equal(chat.options?.num_ctx, (JSON.parse(res.stdout) as AskDoc).num_ctx);
    assert.equal(chat.truncated, false);
  });

  it('--temperature and --seed are sent in the options', async () => {
    fixture.stub.resetLog();
    const res = await ask(['--temperature', '0', '--seed', '7', QUESTION]);
    assert.equal(res.code, 0, res.stderr);
    const [chat] = fixture.stub.chatRequests();
    assert.equal(chat?.options?.temperature, 0);
    assert.equal(chat?.options?.seed, 7);

    fixture.stub.resetLog();
    await ask(['--temperature', '1.5', QUESTION]);
    assert.equal(fixture.stub.chatRequests()[0]?.options?.temperature, 1.5);
    assert.equal(fixture.stub.chatRequests()[0]?.options?.seed, undefined);
  });

  it('a marker pointing at no passage is a warning on stderr and is left out of the sources', async () => {
    fixture.stub.failNext('/api/chat', { reply: 'Rebuild the index with the new model [1]. Some say otherwise [9].' });
    const res = await ask([QUESTION]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, /warning:.*\[9\]/);
    assert.deepEqual(listedSources(res.stdout), [1]);

    fixture.stub.failNext('/api/chat', { reply: 'Rebuild the index with the new model [1]. Some say otherwise [9].' });
    const json = JSON.parse((await ask(['--json', QUESTION])).stdout) as AskDoc;
    assert.deepEqual(json.citations, [1]);
    assert.deepEqual(json.invalid_citations, [9]);
    assert.ok(json.sources.every((s) => s.id !== 9));
  });

  it('packs many long passages into a small --num-ctx: the prompt fits and num_ctx is what was asked', async (ctx) => {
    const t = tempDir(ctx);
    const docs = path.join(t.dir, 'docs');
    mkdirSync(docs);
    // Each file is one long section about rotating keys: all of them match the question.
    const paragraph = 'To rotate the signing keys, generate a new key pair, publish the public key, and retire the old key after every client has switched. ';
    for (let i = 1; i <= 12; i++) {
      const body = Array.from({ length: 8 }, (_, j) => `${paragraph}Step ${i}.${j} keeps the rotation safe for service ${String.fromCharCode(97 + i)}.`).join('\n');
      writeFileSync(path.join(docs, `keys-${i}.md`), `# Rotating keys, part ${i}\n\n${body}\n`);
    }
    const longEnv = { OLLAMA_HOST: fixture.stub.url, RAG_DB: path.join(t.dir, 'db') };
    const indexed = await runRag(['index', 'docs'], { cwd: t.dir, env: longEnv });
    assert.equal(indexed.code, 0, indexed.stderr);

    fixture.stub.resetLog();
    const res = await runRag(['ask', '--json', '-k', '10', '--num-ctx', '2048', 'How do I rotate the signing keys?'], { cwd: t.dir, env: longEnv });
    assert.equal(res.code, 0, res.stderr);
    const doc = JSON.parse(res.stdout) as AskDoc;
    const [chat] = fixture.stub.chatRequests();
    assert.ok(chat);
    // Naive packing of every retrieved passage would not fit 2048 tokens.
    const retrieved = JSON.parse((await runRag(['search', '--json', '-k', '10', 'How do I rotate the signing keys?'], { cwd: t.dir, env: longEnv })).stdout) as { results: Array<{ text: string }> };
    const naiveChars = retrieved.results.reduce((n, r) => n + r.text.length, 0);
    assert.ok(naiveChars / 4 > 2048, `only ${naiveChars} characters retrieved: the case does not overflow`);
    assert.ok(doc.sources.length < retrieved.results.length, 'some passages should have been left out');

    assert.equal(chat.options?.num_ctx, 2048);
    assert.equal(doc.num_ctx, 2048);
    assert.equal(chat.truncated, false);
    assert.ok(typeof chat.options?.num_predict === 'number' && chat.options.num_predict < 2048);
    // The instructions survived at the front of the prompt, and the model cited a passage it was given.
    assert.match(chat.messages[0]?.content ?? '', /^You answer questions using only the numbered passages/);
    assert.equal(doc.found, true);
    assert.ok(doc.citations.length > 0);
  });

  it('a --num-ctx too small for one passage is a usage error, not "not found"', async () => {
    fixture.stub.resetLog();
    const res = await ask(['--num-ctx', '256', QUESTION]);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /^rag: .*context window.*--num-ctx/);
    assert.equal(fixture.stub.chatRequests().length, 0);
  });

  describe('with a chat model that is not installed', () => {
    // Each test gets its own stub: a pull changes what is installed.
    const withoutChatModel = async (): Promise<Stub> => startStub({ installed: ['nomic-embed-text'] });

    it('exits 4 naming ollama pull llama3.2', async (t) => {
      const bare = await withoutChatModel();
      t.after(async () => {
        await bare.close();
      });
      const res = await ask([QUESTION], { OLLAMA_HOST: bare.url });
      assert.equal(res.code, 4);
      assert.equal(res.stdout, '');
      assert.match(res.stderr, /^rag: Model 'llama3\.2' is not installed — run 'ollama pull llama3\.2' or pass --pull\n$/);
      assert.equal(bare.chatRequests().length, 0);
    });

    it('--pull pulls it, then answers', async (t) => {
      const bare = await withoutChatModel();
      t.after(async () => {
        await bare.close();
      });
      const res = await ask(['--pull', QUESTION], { OLLAMA_HOST: bare.url });
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stdout, /\[\d+\]/);
      // ollama-js 0.6.4 sends the name as `name` (notes/ollama.md); newer clients as `model`.
      const pulls = bare.requests.filter((r) => r.route === '/api/pull').map((r) => {
        const body = r.body as { model?: string; name?: string };
        return body.model ?? body.name;
      });
      assert.deepEqual(pulls, ['llama3.2']);
      assert.equal(bare.chatRequests().length, 1);
    });
  });
});

describe('rag ask errors: one rag: line, the documented exit code, a stack trace only with --verbose', () => {
  const fixture = useIndexedCorpus();


  interface ErrorCase {
    name: string;
    args: string[];
    code: number;
    pattern: RegExp;
    /** Extra env; or a function for what needs the stub (scripted failures). */
    setup?: () => Promise<{ env?: Record<string, string | undefined>; cwd?: string; cleanup?: () => void | Promise<void> }>;
  }

  const cases: ErrorCase[] = [
    {
      name: 'no index anywhere up from the cwd → 5 with a rag index hint',
      args: ['ask', QUESTION],
      code: 5,
      pattern: /No index found .*run 'rag index/,
      setup: async () => {
        const t = makeTempDir();
        // The walk-up must find nothing: no .rag in the temp folder or any folder above it.
        for (let dir = t.dir; ; dir = path.dirname(dir)) {
          assert.ok(!existsSync(path.join(dir, '.rag')), `${dir}/.rag exists: the no-index case cannot be tested here`);
          if (path.dirname(dir) === dir) break;
        }
        return { env: { OLLAMA_HOST: fixture.stub.url, RAG_DB: undefined }, cwd: t.dir, cleanup: t.cleanup };
      },
    },
    { name: 'an empty question → 2', args: ['ask', '   '], code: 2, pattern: /The question is empty/ },
    {
      name: 'Ollama unreachable → 3',
      args: ['ask', QUESTION],
      code: 3,
      pattern: /Cannot reach Ollama at http:\/\/127\.0\.0\.1:\d+ — .*ollama serve/,
      setup: async () => ({ env: { OLLAMA_HOST: `http://127.0.0.1:${await closedPort()}` } }),
    },
    {
      name: 'the chat model not installed → 4 naming ollama pull llama3.2',
      args: ['ask', QUESTION],
      code: 4,
      pattern: /Model 'llama3\.2' is not installed — run 'ollama pull llama3\.2' or pass --pull/,
      setup: async () => {
        const bare = await startStub({ installed: ['nomic-embed-text'] });
        return { env: { OLLAMA_HOST: bare.url }, cleanup: () => bare.close() };
      },
    },
    {
      name: 'an embedding model as the chat model → 4',
      args: ['ask', '-m', 'nomic-embed-text', QUESTION],
      code: 4,
      pattern: /'nomic-embed-text' cannot chat.*--model/,
    },
    {
      name: 'the chat stream cut midway → 3, not 1',
      args: ['ask', QUESTION],
      code: 3,
      pattern: /Ollama at http:\/\/127\.0\.0\.1:\d+ stopped in the middle of the answer/,
      setup: async () => {
        fixture.stub.failNext('/api/chat', 'cut-stream');
        return {};
      },
    },
    { name: '-k 0 → 2', args: ['ask', '-k', '0', QUESTION], code: 2, pattern: /--top-k must be a whole number from 1 to 100/ },
    { name: '-k abc → 2', args: ['ask', '-k', 'abc', QUESTION], code: 2, pattern: /--top-k must be a whole number/ },
    { name: '--temperature 5 → 2', args: ['ask', '--temperature', '5', QUESTION], code: 2, pattern: /--temperature must be a number from 0 to 2/ },
    { name: '--sources bogus → 2', args: ['ask', '--sources', 'bogus', QUESTION], code: 2, pattern: /'bogus' is invalid.*cited, all, none/ },
    { name: 'no question at all → 2', args: ['ask'], code: 2, pattern: /missing required argument 'question'/ },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      for (const verbose of [false, true]) {
        const setup = (await c.setup?.()) ?? {};
        try {
          const res = await runRag(verbose ? ['--verbose', ...c.args] : c.args, { cwd: setup.cwd ?? REPO_ROOT, env: { ...fixture.env, ...setup.env } });
          assert.equal(res.code, c.code, res.stderr);
          const lines = res.stderr.split('\n').filter((l) => l !== '');
          assert.match(lines[0] ?? '', /^rag: /);
          assert.match(lines[0] ?? '', c.pattern);
          assertPlain(res);
          if (verbose) {
            assert.match(res.stderr, STACK_LINE, '--verbose should show a stack trace');
          } else {
            assert.equal(lines.length, 1, `expected one line:\n${res.stderr}`);
            assert.doesNotMatch(res.stderr, STACK_LINE);
          }
        } finally {
          await setup.cleanup?.();
        }
      }
    });
  }

  it('a stream cut midway ends the partial answer line before the error', async () => {
    fixture.stub.failNext('/api/chat', 'cut-stream');
    const res = await runRag(['ask', QUESTION], { cwd: REPO_ROOT, env: fixture.env });
    assert.equal(res.code, 3);
    assert.ok(res.stdout.length > 0 && res.stdout.endsWith('\n'), JSON.stringify(res.stdout));
    assert.doesNotMatch(res.stdout, /Sources:/);
  });
});
