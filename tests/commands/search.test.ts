/**
 * `rag search` in-process: ranked passages with path, lines, heading and score; a trimmed
 * preview on a terminal and whole passages in a pipe; the JSON document; queries that
 * could trip a full-text query parser. Then why retrieval is hybrid: an identifier only
 * BM25 can find, and a synonym only the vectors can.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Readable, Writable } from 'node:stream';
import type { Io } from '../../src/io.js';
import { run } from '../../src/main.js';
import { OllamaClient } from '../../src/ollama.js';
import { openIndex, retrieve } from '../../src/retrieve/retrieve.js';
import { startStub, type Stub } from '../ollama-stub/server.js';
import { REPO_ROOT, makeTempDir } from '../helpers/paths.js';
import { runRag } from '../helpers/test-io.js';
import { useIndexedCorpus } from '../helpers/indexed-corpus.js';
import { ANSI_ESCAPE, stripAnsi } from '../helpers/ansi.js';
import type { SearchJson as SearchDoc } from '../../src/render/json.js';

const QUERY = 'How do I change the embedding model?';

/** `1. path:a-b · heading (0.0323)` headers of the text output. */
function headers(stdout: string): Array<{ rank: number; path: string; start: number; end: number; heading: string; score: number }> {
  return stdout
    .split('\n')
    .map((l) => /^(\d+)\. (\S+?):(\d+)(?:-(\d+))?(?: · (.*))? \((\d+\.\d+)\)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ rank: Number(m[1]), path: m[2] ?? '', start: Number(m[3]), end: Number(m[4] ?? m[3]), heading: m[5] ?? '', score: Number(m[6]) }));
}

describe('rag search over corpus/', () => {
  const fixture = useIndexedCorpus();
  const search = (args: string[], options: { stdoutIsTTY?: boolean; env?: Record<string, string> } = {}) =>
    runRag(['search', ...args], { cwd: REPO_ROOT, env: { ...fixture.env, ...options.env }, stdoutIsTTY: options.stdoutIsTTY ?? false });


  it('--json: ranked results with path, lines, heading, score and whole text', async () => {
    const res = await search(['--json', QUERY]);
    assert.equal(res.code, 0, res.stderr);
    const doc = JSON.parse(res.stdout) as SearchDoc;
    assert.equal(doc.query, QUERY);
    assert.equal(doc.embed_model, 'nomic-embed-text');
    assert.equal(doc.results.length, 6);
    doc.results.forEach((r, i) => {
      assert.equal(r.rank, i + 1);
      assert.match(r.path, /^corpus\/.+\.md$/);
      assert.ok(r.start_line >= 1 && r.end_line >= r.start_line);
      assert.equal(r.location, `${r.path}:${r.start_line}-${r.end_line}`);
      assert.ok(r.heading.length > 0);
      assert.ok(r.text.length > 0);
      if (i > 0) assert.ok(r.score <= (doc.results[i - 1]?.score ?? Infinity), 'scores must not increase');
    });
    assert.equal(doc.results[0]?.path, 'corpus/guide/configuration.md');
    assert.equal(new Set(doc.results.map((r) => r.id)).size, doc.results.length);
  });

  it('text: the same ranking as JSON; whole passages when piped, a one-line preview on a terminal', async () => {
    const doc = JSON.parse((await search(['--json', QUERY])).stdout) as SearchDoc;
    const piped = await search([QUERY]);
    const tty = await search([QUERY], { stdoutIsTTY: true, env: { COLUMNS: '80' } });
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(tty.code, 0, tty.stderr);
    assert.doesNotMatch(piped.stdout, ANSI_ESCAPE);
    assert.match(tty.stdout, ANSI_ESCAPE, 'a terminal gets colour');

    const expected = doc.results.map((r) => ({ rank: r.rank, path: r.path, start: r.start_line, end: r.end_line, heading: r.heading, score: Number(r.score.toFixed(4)) }));
    assert.deepEqual(headers(piped.stdout), expected);
    assert.deepEqual(headers(stripAnsi(tty.stdout)), expected);

    // Piped: every line of every passage, indented, so grep sees them all.
    for (const r of doc.results) {
      for (const line of r.text.split('\n')) assert.ok(piped.stdout.includes(`   ${line}`), `missing from piped output: ${line}`);
    }
    // Terminal: one line per passage, cut to about two screen widths, marked with an ellipsis.
    const plain = stripAnsi(tty.stdout);
    const bodies = plain.split('\n').filter((l) => l.startsWith('   '));
    assert.equal(bodies.length, doc.results.length);
    for (const body of bodies) assert.ok(body.length <= 3 + 2 * 77, `preview too long (${body.length})`);
    assert.ok(bodies.some((b) => b.endsWith('…')), 'long passages are trimmed');
    assert.ok(plain.length < piped.stdout.length);
  });

  it('-k sets how many passages come back', async () => {
    for (const k of [1, 3]) {
      const doc = JSON.parse((await search(['--json', '-k', String(k), QUERY])).stdout) as SearchDoc;
      assert.equal(doc.results.length, k);
    }
  });

  const AWKWARD = ['"unbalanced quote', "it's the model", 'key:value', 'f(x) (', '*', 'wild*card', '-minus --double', 'a+b +plus', 'AND OR NOT', 'title:foo~2^3', '[1 TO 5] {', 'back\\slash', 'café crème', '日本語のテキスト', '🚀 rocket 🦀', '?!', 'OLLAMA_HOST=http://127.0.0.1:11434'];
  for (const query of AWKWARD) {
    it(`never crashes on ${JSON.stringify(query)}`, async () => {
      // `--` so that queries starting with '-' are words, not options.
      const res = await search(['--json', '--', query]);
      assert.equal(res.code, 0, res.stderr);
      const doc = JSON.parse(res.stdout) as SearchDoc;
      assert.equal(doc.query, query.trim());
      assert.ok(Array.isArray(doc.results));
    });
  }

  it('an unexpected failure is exit 1 with one line, and a stack trace only with --verbose', async () => {
    // A stdout that throws stands in for any bug: nothing rag anticipates, so nothing it classifies.
    for (const verbose of [false, true]) {
      let stderr = '';
      const io: Io = {
        stdin: Readable.from([]),
        stdinIsTTY: false,
        stdout: Object.assign(new Writable(), {
          write: (): never => {
            throw new Error('disk on fire');
          },
        }),
        stderr: new Writable({ write: (chunk: unknown, _e, done) => ((stderr += String(chunk)), done()) }),
        stdoutIsTTY: false,
        stderrIsTTY: false,
        env: fixture.env,
        cwd: REPO_ROOT,
        now: () => 0,
      };
      const code = await run(verbose ? ['-v', 'search', QUERY] : ['search', QUERY], io);
      assert.equal(code, 1);
      const lines = stderr.split('\n').filter(Boolean);
      assert.equal(lines[0], "rag: Unexpected error: disk on fire — run again with --verbose for details, and report it if it persists");
      if (verbose) assert.match(stderr, /^\s+at .+/m);
      else assert.equal(lines.length, 1, stderr);
    }
  });

  it('an empty query is a usage error', async () => {
    const res = await search(['  ']);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /^rag: The search query is empty/);
  });
});

describe('hybrid retrieval: full text and vectors each find what the other misses', () => {
  let stub: Stub;
  let t: ReturnType<typeof makeTempDir>;
  let env: Record<string, string>;
  const FILES: Record<string, string> = {
    // The identifier sits in a passage that is otherwise about gardening.
    'garden.md': '# Garden notes\n\nTomatoes want full sun and a deep watering every morning.\nBasil grows well beside them; set RAG_MAX_WIDGETS before you plant the seedlings along the fence.\n',
    'limits.md': '# Limits\n\nThe maximum number of items is configured in the settings file.\nRaise the limit when the list grows beyond what fits.\n',
    'tools.md': '# Tools\n\nThe toolbox holds hammers, screwdrivers and pliers for small repairs around the house.\n',
    'travel.md': '# Travel\n\nThe car needs new tyres before the long winter trip to the mountains.\n',
    'cooking.md': '# Cooking\n\nSimmer the sauce slowly and season it at the end so the flavours stay bright.\n',
  };

  before(async () => {
    stub = await startStub();
    t = makeTempDir();
    mkdirSync(path.join(t.dir, 'docs'));
    for (const [name, text] of Object.entries(FILES)) writeFileSync(path.join(t.dir, 'docs', name), text);
    env = { OLLAMA_HOST: stub.url, RAG_DB: path.join(t.dir, 'db') };
    const indexed = await runRag(['index', 'docs'], { cwd: t.dir, env });
    assert.equal(indexed.code, 0, indexed.stderr);
  });

  after(async () => {
    t.cleanup();
    await stub.close();
  });

  async function retrieval(query: string) {
    const index = await openIndex(env.RAG_DB ?? '', true);
    return retrieve(index, new OllamaClient({ host: stub.url }), query, { topK: 3 });
  }

  it('an identifier the embeddings ignore (RAG_MAX_WIDGETS) is found by BM25', async () => {
    const res = await runRag(['search', '--json', 'RAG_MAX_WIDGETS'], { cwd: t.dir, env });
    assert.equal(res.code, 0, res.stderr);
    const doc = JSON.parse(res.stdout) as SearchDoc;
    assert.equal(doc.results[0]?.path, 'docs/garden.md');

    const { vectorHits, textHits } = await retrieval('RAG_MAX_WIDGETS');
    assert.equal(textHits[0]?.path, 'docs/garden.md');
    assert.notEqual(vectorHits[0]?.path, 'docs/garden.md', 'vector search alone should miss the identifier');
  });

  it('a synonym (automobile for car) is found by the vectors, though BM25 has no match', async () => {
    const res = await runRag(['search', '--json', 'automobile'], { cwd: t.dir, env });
    assert.equal(res.code, 0, res.stderr);
    const doc = JSON.parse(res.stdout) as SearchDoc;
    assert.equal(doc.results[0]?.path, 'docs/travel.md');

    const { vectorHits, textHits } = await retrieval('automobile');
    assert.equal(vectorHits[0]?.path, 'docs/travel.md');
    assert.ok(!textHits.some((h) => h.path === 'docs/travel.md'), 'full-text search should not match a synonym');
  });
});
