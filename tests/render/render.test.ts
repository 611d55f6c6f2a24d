/**
 * Rendering is pure: data in, strings out, no terminal involved (qmd's formatter tests).
 * Colour comes in as a Style, so plain and coloured output are checked side by side.
 */
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { describe, it } from 'node:test';
import type { AskResult } from '../../src/answer/answer.js';
import { RagError } from '../../src/errors.js';
import type { Io } from '../../src/io.js';
import { errorJson, writeJson } from '../../src/render/json.js';
import { createStyle } from '../../src/render/style.js';
import { location, renderHits, renderSources, shortfallNote, snippet, sourcesToShow, statusText } from '../../src/render/text.js';
import type { Hit, StatusReport } from '../../src/types.js';
import { ANSI_ESCAPE, stripAnsi } from '../helpers/ansi.js';

const plain = createStyle(false);
const colour = createStyle(true);

function hit(n: number, overrides: Partial<Hit> = {}): Hit {
  return {
    id: `id-${n}`,
    path: `docs/file-${n}.md`,
    startLine: 10 * n,
    endLine: 10 * n + 4,
    heading: `Guide > Part ${n}`,
    text: `First line of passage ${n}.\n\nSecond paragraph of passage ${n}, which goes on for a while.`,
    score: 0.5 / n,
    ...overrides,
  };
}

function askResult(overrides: Partial<AskResult>): AskResult {
  const passages = [1, 2, 3].map((n) => ({ n, hit: hit(n) }));
  return {
    question: 'q',
    answer: 'a [2]',
    found: true,
    passages,
    cited: [2],
    invalid: [],
    droppedPassages: 0,
    requestedK: 6,
    matched: 20,
    historyTurns: 0,
    chatModel: 'llama3.2',
    embedModel: 'nomic-embed-text',
    numCtx: 2048,
    promptTokensEstimated: 100,
    stats: {},
    timings: { retrieveMs: 1, generateMs: 2, totalMs: 3 },
    ...overrides,
  };
}

describe('location', () => {
  it('path:start-end, or path:line for a single line', () => {
    assert.equal(location({ path: 'a/b.md', startLine: 3, endLine: 9 }), 'a/b.md:3-9');
    assert.equal(location({ path: 'a/b.md', startLine: 7, endLine: 7 }), 'a/b.md:7');
  });
});

describe('terminal text shows control characters', () => {
  const hostile = hit(1, {
    path: 'docs/\u001b]0;HIJACK\u0007.md',
    heading: 'T \u001b]0;HIJACK\u0007',
    text: 'flux capacitor \u001b[2J\u001b[31mFAKE PROMPT\u001b[0m\rover\bwrite',
  });
  const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

  for (const isTTY of [true, false]) {
    it(`search results (${isTTY ? 'terminal preview' : 'pipe'}) hold no control character from the documents`, () => {
      const out = renderHits([hostile], plain, { width: 80, isTTY });
      assert.doesNotMatch(out, CONTROL);
      assert.ok(out.includes('docs/^[]0;HIJACK^G.md:10-14 · T ^[]0;HIJACK^G'), out);
      assert.ok(out.includes('flux capacitor ^[[2J^[[31mFAKE PROMPT^[[0m'), out);
    });
  }

  it('source lines hold no control character from paths or headings', () => {
    const out = renderSources([{ n: 1, hit: hostile }], plain);
    assert.doesNotMatch(out, CONTROL);
    assert.ok(out.includes('[1] docs/^[]0;HIJACK^G.md:10-14 · T ^[]0;HIJACK^G'), out);
  });

  const cuts: { name: string; text: string; width: number; preview: string }[] = [
    { name: 'a CSI cut in half is dropped whole', text: 'abcdef \u001b[31mred', width: 11, preview: 'abcdef…' },
    { name: 'an OSC without its terminator is dropped whole', text: 'title \u001b]0;HIJACK and more text', width: 16, preview: 'title…' },
    { name: 'a complete sequence before the cut is kept, visibly', text: 'x\u001b[0m yz and a lot more words', width: 12, preview: 'x^[[0m yz…' },
    { name: 'a lone ESC at the cut is dropped', text: 'abcdefghi\u001b[1m', width: 11, preview: 'abcdefghi…' },
  ];
  for (const { name, text, width, preview } of cuts) {
    it(`snippet: ${name}`, () => {
      assert.equal(snippet(text, width), preview);
    });
  }
});

describe('snippet', () => {
  const cases: Array<[text: string, width: number, expected: string]> = [
    ['short', 10, 'short'],
    ['  a\n\n  b\tc  ', 10, 'a b c'],
    ['exactly ten', 11, 'exactly ten'],
    ['one two three four', 10, 'one two…'],
    ['one two three four', 14, 'one two three…'],
    ['abcdefghijkl', 5, 'abcd…'],
  ];
  for (const [text, width, expected] of cases) {
    it(`${JSON.stringify(text)} at ${width} → ${JSON.stringify(expected)}`, () => {
      const out = snippet(text, width);
      assert.equal(out, expected);
      assert.ok(out.length <= width);
    });
  }
});

describe('renderHits', () => {
  const hits = [hit(1), hit(2, { heading: '', startLine: 5, endLine: 5 })];

  it('piped: ranked headers, then every line of each passage, indented', () => {
    const out = renderHits(hits, plain, { width: 100, isTTY: false });
    assert.equal(
      out,
      [
        '1. docs/file-1.md:10-14 · Guide > Part 1 (0.5000)',
        '   First line of passage 1.',
        '   ',
        '   Second paragraph of passage 1, which goes on for a while.',
        '',
        '2. docs/file-2.md:5 (0.2500)',
        '   First line of passage 2.',
        '   ',
        '   Second paragraph of passage 2, which goes on for a while.',
        '',
      ].join('\n'),
    );
  });

  it('terminal: one preview line per passage, at most two widths long', () => {
    const long = hit(3, { text: 'word '.repeat(200) });
    const out = renderHits([long], plain, { width: 60, isTTY: true });
    const [head, body, ...rest] = out.split('\n');
    assert.equal(head, '1. docs/file-3.md:30-34 · Guide > Part 3 (0.1667)');
    assert.ok(body?.startsWith('   word word'));
    assert.ok(body?.endsWith('…'));
    // Cut at a word boundary, close to the limit.
    assert.ok(body !== undefined && body.length <= 3 + (60 - 3) * 2 && body.length > 3 + (60 - 3) * 2 - 6, `length ${body?.length}`);
    assert.ok(body?.endsWith(' word…') || body?.endsWith('word…'));
    assert.deepEqual(rest, ['']);
  });

  it('colour changes only the escapes, never the text', () => {
    const coloured = renderHits(hits, colour, { width: 100, isTTY: true });
    assert.match(coloured, ANSI_ESCAPE);
    assert.equal(stripAnsi(coloured), renderHits(hits, plain, { width: 100, isTTY: true }));
  });

  it('no hits, no output', () => {
    assert.equal(renderHits([], plain, { width: 100, isTTY: false }), '');
  });
});

describe('sources', () => {
  it('renderSources lists [n] path:lines · heading under Sources:', () => {
    const out = renderSources([{ n: 2, hit: hit(2) }, { n: 3, hit: hit(3, { heading: '' }) }], plain);
    assert.equal(out, '\nSources:\n  [2] docs/file-2.md:20-24 · Guide > Part 2\n  [3] docs/file-3.md:30-34\n');
    assert.equal(renderSources([], plain), '');
  });

  it('sourcesToShow: cited, all, none; nothing when not found', () => {
    const result = askResult({});
    assert.deepEqual(sourcesToShow(result, 'cited').map((p) => p.n), [2]);
    assert.deepEqual(sourcesToShow(result, 'all').map((p) => p.n), [1, 2, 3]);
    assert.deepEqual(sourcesToShow(result, 'none'), []);
    const notFound = askResult({ found: false, cited: [] });
    for (const which of ['cited', 'all', 'none'] as const) assert.deepEqual(sourcesToShow(notFound, which), [], which);
  });
});

describe('JSON', () => {
  function bufferIo(): { io: Io; text: () => string } {
    let text = '';
    const stdout = new Writable({
      write(chunk: unknown, _enc, done) {
        text += String(chunk);
        done();
      },
    });
    const io: Io = { stdin: Readable.from([]), stdinIsTTY: false, stdout, stderr: stdout, stdoutIsTTY: false, stderrIsTTY: false, env: {}, cwd: '/', now: () => 0 };
    return { io, text: () => text };
  }

  it('writeJson writes one document and a newline', () => {
    const { io, text } = bufferIo();
    writeJson(io, { a: [1, 'b'], c: null });
    assert.ok(text().endsWith('}\n'));
    assert.deepEqual(JSON.parse(text()), { a: [1, 'b'], c: null });
  });

  it('errorJson carries the exit code, its name, the reason, the message and the hint', () => {
    assert.deepEqual(errorJson(new RagError('index-missing', 'No index', "run 'rag index'")), {
      error: { code: 5, name: 'index', reason: 'index-missing', message: 'No index', hint: "run 'rag index'" },
    });
    assert.deepEqual(errorJson(new RagError('unreachable', 'Cannot reach Ollama')), {
      error: { code: 3, name: 'ollama_unreachable', reason: 'unreachable', message: 'Cannot reach Ollama' },
    });
  });
});

describe('statusText', () => {
  const report = (overrides: Partial<StatusReport> = {}): StatusReport => ({
    index: { dir: '/p/.rag', files: 0, chunks: 0 },
    ollama: { host: 'http://127.0.0.1:11434', hostSource: 'default', reachable: false, version: null },
    hosts: [{ host: 'http://127.0.0.1:11434', reachable: false, version: null, models: [] }],
    models: { embed: { name: 'nomic-embed-text', installed: false, rightKind: null }, chat: { name: 'llama3.2', installed: false, rightKind: null } },
    problems: [],
    ...overrides,
  });

  it('no index and Ollama down: says so, with no problem lines (main.ts prints those)', () => {
    assert.equal(
      statusText(report({ problems: [new RagError('index-missing', 'No index')] }), plain),
      ['Index     /p/.rag (none yet)', 'Ollama    http://127.0.0.1:11434 (the default) ✗ unreachable', '  embedding nomic-embed-text ✗', '  chat      llama3.2 ✗', ''].join('\n'),
    );
  });

  it('an index and a ready server', () => {
    const manifest = { schemaVersion: 1, root: '..', generation: 1, embedModel: 'nomic-embed-text', dimensions: 768, chunkSizeChars: 1200, chunkOverlapChars: 150, createdAt: 't0', updatedAt: 't1' };
    const text = statusText(
      report({
        index: { dir: '/p/.rag', manifest, root: '/p', files: 3, chunks: 12 },
        ollama: { host: 'http://h:1', hostSource: 'config', reachable: true, version: '0.5.0' },
        models: { embed: { name: 'nomic-embed-text', installed: true, rightKind: true }, chat: { name: 'llama3.2', installed: true, rightKind: false } },
      }),
      plain,
    );
    assert.match(text, /^  passages  12$/m);
    assert.match(text, /^  model     nomic-embed-text \(768 dimensions\)$/m);
    assert.match(text, /^Ollama    http:\/\/h:1 \(from the config file\) ✓ version 0\.5\.0$/m);
    assert.match(text, /^  chat      llama3\.2 ✗$/m);
  });
  it('several hosts: one line each, with its reachability and models', () => {
    const text = statusText(
      report({
        ollama: { host: 'http://a:1', hostSource: 'flag', reachable: true, version: '0.5.0' },
        hosts: [
          { host: 'http://a:1', reachable: true, version: '0.5.0', models: ['llama3.2:latest', 'nomic-embed-text:latest'] },
          { host: 'http://b:2', reachable: false, version: null, models: [] },
        ],
      }),
      plain,
    );
    assert.match(text, /^Ollama    2 hosts \(from --host\)$/m);
    assert.match(text, /^  http:\/\/a:1 ✓ version 0\.5\.0 · 2 model\(s\): llama3\.2:latest, nomic-embed-text:latest$/m);
    assert.match(text, /^  http:\/\/b:2 ✗ unreachable$/m);
  });
});

describe('shortfallNote', () => {
  const cases: { name: string; n: Parameters<typeof shortfallNote>[0]; note: string | undefined }[] = [
    { name: 'all asked for came back', n: { requestedK: 6, returned: 6, matched: 40 }, note: undefined },
    { name: 'merging and the per-file cap', n: { requestedK: 6, returned: 4, matched: 40 }, note: 'note: 4 of the 6 passages asked for (-k 6): neighbouring passages were merged and each file gives only a few' },
    { name: 'a small index', n: { requestedK: 6, returned: 3, matched: 3 }, note: 'note: 3 of the 6 passages asked for (-k 6): only 3 matched' },
    { name: 'no room in the context window', n: { requestedK: 50, returned: 24, matched: 80, dropped: 26, numCtx: 8192 }, note: 'note: 24 of the 50 passages asked for (-k 50): 26 did not fit in the context window (num_ctx 8192)' },
    {
      name: 'both',
      n: { requestedK: 50, returned: 20, matched: 80, dropped: 10, numCtx: 4096 },
      note: 'note: 20 of the 50 passages asked for (-k 50): neighbouring passages were merged and each file gives only a few; 10 did not fit in the context window (num_ctx 4096)',
    },
  ];
  for (const { name, n, note } of cases) {
    it(name, () => {
      assert.equal(shortfallNote(n), note);
    });
  }
});
