import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import {
  DEFAULT_CHUNK_OPTIONS,
  chunkText,

  validateChunkOptions,
  type ChunkOptions,
  type DocFormat,
} from '../../src/chunk/chunk.js';
import type { Chunk } from '../../src/types.js';

const small: ChunkOptions = { chunkSizeChars: 200, chunkOverlapChars: 40 };
/** Roomy enough that each test section fits one chunk, small enough that `body()` is not a tiny section. */
const roomy: ChunkOptions = { chunkSizeChars: 400, chunkOverlapChars: 40 };

/** Deterministic filler prose: `count` numbered sentences, so overlaps and cuts are visible. */
function sentences(count: number, tag = 's'): string[] {
  return Array.from({ length: count }, (_, i) => `Sentence ${tag}${i} tells the reader one more small fact.`);
}

/** Body text long enough (over an eighth of `small` and `roomy`) that its section is never merged with the next. */
const body = (tag: string): string => sentences(2, tag).join(' ');

const doc = (...lines: string[]): string => lines.join('\n');

/** Deterministic pseudo-random numbers for generated documents. */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}

/**
 * Every property the chunker promises for any input: exact line ranges, original text, no blank edges,
 * the size limit, and every non-blank line covered.
 */
function assertInvariants(text: string, chunks: Chunk[], o: ChunkOptions = DEFAULT_CHUNK_OPTIONS): void {
  const lines = text.split('\n');
  const covered = new Uint8Array(lines.length);
  for (const c of chunks) {
    const where = `chunk ${c.startLine}-${c.endLine}`;
    assert.ok(c.startLine >= 1 && c.startLine <= c.endLine && c.endLine <= lines.length, `${where}: bad range`);
    assert.notEqual(c.text.trim(), '', `${where}: blank text`);
    assert.ok(c.text.length <= o.chunkSizeChars + o.chunkOverlapChars, `${where}: ${c.text.length} chars`);
    const original = lines.slice(c.startLine - 1, c.endLine).join('\n');
    if (c.text !== original) {
      // Only a piece of one over-long line may differ from its lines.
      assert.equal(c.startLine, c.endLine, `${where}: text is not the original lines`);
      assert.ok(original.includes(c.text), `${where}: piece is not part of its line`);
    }
    assert.notEqual(lines[c.startLine - 1]?.trim(), '', `${where}: starts with a blank line`);
    assert.notEqual(lines[c.endLine - 1]?.trim(), '', `${where}: ends with a blank line`);
    covered.fill(1, c.startLine - 1, c.endLine);
  }
  lines.forEach((l, i) => assert.ok(l.trim() === '' || covered[i] === 1, `line ${i + 1} is in no chunk`));
}

function headings(chunks: Chunk[]): string[] {
  return chunks.map((c) => c.heading);
}


describe('validateChunkOptions', () => {
  const cases: [ChunkOptions, string | undefined][] = [
    [DEFAULT_CHUNK_OPTIONS, undefined],
    [{ chunkSizeChars: 200, chunkOverlapChars: 0 }, undefined],
    [{ chunkSizeChars: 20000, chunkOverlapChars: 9999 }, undefined],
    [{ chunkSizeChars: 199, chunkOverlapChars: 0 }, 'chunk size must be between 200 and 20000 characters'],
    [{ chunkSizeChars: 20001, chunkOverlapChars: 0 }, 'chunk size must be between 200 and 20000 characters'],
    [{ chunkSizeChars: 1000.5, chunkOverlapChars: 0 }, 'chunk size must be a whole number of characters'],
    [{ chunkSizeChars: Number.NaN, chunkOverlapChars: 0 }, 'chunk size must be a whole number of characters'],
    [{ chunkSizeChars: 1000, chunkOverlapChars: -1 }, 'chunk overlap must be a whole number of characters, 0 or more'],
    [{ chunkSizeChars: 1000, chunkOverlapChars: 1.5 }, 'chunk overlap must be a whole number of characters, 0 or more'],
    [{ chunkSizeChars: 1000, chunkOverlapChars: 500 }, 'chunk overlap must be smaller than half the chunk size'],
    [{ chunkSizeChars: 1000, chunkOverlapChars: 499 }, undefined],
  ];
  for (const [o, want] of cases) {
    it(`${o.chunkSizeChars}/${o.chunkOverlapChars} → ${want ?? 'ok'}`, () => assert.equal(validateChunkOptions(o), want));
  }

  it('chunkText refuses options that validateChunkOptions rejects', () => {
    assert.throws(() => chunkText('hello', 'text', { chunkSizeChars: 100, chunkOverlapChars: 0 }), RangeError);
  });
});

describe('empty input', () => {
  const cases: [string, string][] = [
    ['empty', ''],
    ['newlines', '\n\n\n'],
    ['spaces and tabs', '   \n\t\n  '],
  ];
  for (const format of ['markdown', 'asciidoc', 'rst', 'code', 'text'] as const) {
    for (const [name, text] of cases) it(`${format}: ${name} → []`, () => assert.deepEqual(chunkText(text, format), []));
  }
});

describe('headings and breadcrumbs', () => {
  const cases: { name: string; format: DocFormat; text: string; want: [string, number, number][] }[] = [
    {
      name: 'Markdown ATX, nested levels, closing hashes and inline markup stripped',
      format: 'markdown',
      text: doc(
        '# Install `rag` #',
        '',
        body('a'),
        '',
        '## On [Linux](https://kernel.org) ##',
        '',
        body('b'),
        '',
        '### With **apt** and _snap_',
        '',
        body('c'),
        '',
        '## macOS',
        body('d'),
        '# Usage',
        body('e'),
        '#hashtag is not a heading',
      ),
      want: [
        ['Install rag', 1, 3],
        ['Install rag > On Linux', 5, 7],
        ['Install rag > On Linux > With apt and snap', 9, 11],
        ['Install rag > macOS', 13, 14],
        ['Usage', 15, 17],
      ],
    },
    {
      name: 'Markdown setext; --- after a blank line is a rule; front matter is its own block',
      format: 'markdown',
      text: doc(
        '---',
        'title: Guide',
        '---',
        '',
        'Top Title',
        '=========',
        body('a'),
        '',
        'Sub *title*',
        '-----------',
        body('b'),
        '',
        '---',
        '',
        body('c'),
      ),
      want: [
        ['', 1, 3],
        ['Top Title', 5, 7],
        ['Top Title > Sub title', 9, 15],
      ],
    },
    {
      name: 'Markdown # lines inside ``` and ~~~ fences are code',
      format: 'markdown',
      text: doc(
        '# Shell',
        body('a'),
        '',
        '```sh',
        '# install it',
        'apt install rag',
        '```',
        '',
        '~~~',
        '## still code',
        '```',
        '# and this',
        '~~~',
        '',
        '## Next',
        body('b'),
      ),
      want: [
        ['Shell', 1, 13],
        ['Shell > Next', 15, 16],
      ],
    },
    {
      name: 'AsciiDoc titles; == inside ---- and .... blocks is content',
      format: 'asciidoc',
      text: doc(
        '= User *Guide*',
        '',
        body('a'),
        '',
        '== Install ==',
        '',
        '[source,text]',
        '----',
        '== not a title',
        '----',
        '',
        body('b'),
        '',
        '=== On <<linux,Linux>>',
        '',
        '....',
        '= literal',
        '....',
        body('c'),
        '',
        '== Use',
        body('d'),
      ),
      want: [
        ['User Guide', 1, 3],
        ['User Guide > Install', 5, 12],
        ['User Guide > Install > On Linux', 14, 19],
        ['User Guide > Use', 21, 22],
      ],
    },
    {
      name: 'reStructuredText: levels by first appearance, overline and underline are different styles',
      format: 'rst',
      text: doc(
        '=========',
        ' Project ',
        '=========',
        '',
        body('a'),
        '',
        'Install ``rag``',
        '===============',
        '',
        body('b'),
        '',
        'From *source*',
        '-------------',
        '',
        body('c'),
        '',
        'Usage',
        '=====',
        '',
        body('d'),
        '',
        '----',
        '',
        body('e'),
      ),
      want: [
        ['Project', 1, 5],
        ['Project > Install rag', 7, 10],
        ['Project > Install rag > From source', 12, 15],
        ['Project > Usage', 17, 24],
      ],
    },
    {
      name: 'reStructuredText: an underline shorter than its title is not a title',
      format: 'rst',
      text: doc('Title', '=====', '', body('a'), '', 'Not a title here', '===', '', body('b')),
      want: [['Title', 1, 9]],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const chunks = chunkText(c.text, c.format, roomy);
      assert.deepEqual(
        chunks.map((ch) => [ch.heading, ch.startLine, ch.endLine]),
        c.want,
      );
      assertInvariants(c.text, chunks, roomy);
    });
  }

  it('the heading line is part of the first chunk of its section', () => {
    const text = doc('# Title', '', ...sentences(20));
    const chunks = chunkText(text, 'markdown', small);
    assert.ok(chunks.length > 3);
    assert.ok(chunks[0]?.text.startsWith('# Title\n'));
    assert.ok(chunks.slice(1).every((c) => c.heading === 'Title' && !c.text.includes('# Title')));
    assertInvariants(text, chunks, small);
  });

  it('a bare heading followed by a deeper one is folded into it', () => {
    const text = doc('# Install', '', '## Linux', '', ...sentences(6));
    const chunks = chunkText(text, 'markdown', small);
    assert.equal(chunks[0]?.startLine, 1);
    assert.ok(chunks[0]?.text.startsWith('# Install\n\n## Linux\n'));
    assert.deepEqual([...new Set(headings(chunks))], ['Install > Linux']);
    assertInvariants(text, chunks, small);
  });
});

describe('small sections', () => {
  it('a tiny section absorbs its following children and siblings, headed by what they share', () => {
    const text = doc('# Project', 'Intro.', '## Install', 'Run it.', '## Use', 'Ask it.');
    assert.deepEqual(chunkText(text, 'markdown', roomy), [{ text, startLine: 1, endLine: 6, heading: 'Project' }]);
  });

  it('a section of a few sentences stays on its own', () => {
    const text = doc('## Error A', body('a'), '## Error B', body('b'));
    assert.deepEqual(
      chunkText(text, 'markdown', roomy).map((c) => [c.heading, c.startLine, c.endLine]),
      [
        ['Error A', 1, 2],
        ['Error B', 3, 4],
      ],
    );
  });

  it('siblings merged without their parent get the parent breadcrumb', () => {
    const text = doc('# API', body('a'), '', '## get', 'Reads.', '## put', 'Writes.');
    const chunks = chunkText(text, 'markdown', roomy);
    assert.deepEqual(
      chunks.map((c) => [c.heading, c.startLine, c.endLine]),
      [
        ['API', 1, 2],
        ['API', 4, 7],
      ],
    );
  });

  it('never merges into a shallower section, nor the untitled preamble with a titled one', () => {
    const text = doc('Preamble.', '# A', '## A1', 'Tiny.', '# B', 'Tiny too.');
    assert.deepEqual(
      chunkText(text, 'markdown', roomy).map((c) => [c.heading, c.startLine, c.endLine]),
      [
        ['', 1, 1],
        ['A > A1', 2, 4],
        ['B', 5, 6],
      ],
    );
  });

  it('stops merging once the chunk reaches an eighth of the size', () => {
    const text = doc('# Log', ...Array.from({ length: 40 }, (_, i) => `## v${i}\nFixed bug ${i}.`));
    const o = { chunkSizeChars: 800, chunkOverlapChars: 0 };
    const chunks = chunkText(text, 'markdown', o);
    // Each merge adds ~20 characters; merging stops at the first chunk of 100 or more.
    assert.ok(chunks.length > 5);
    assert.ok(chunks.every((c) => c.text.length < 100 + 25), chunks.map((c) => c.text.length).join(','));
    assert.deepEqual([...new Set(headings(chunks))], ['Log']);
    assertInvariants(text, chunks, o);
  });
});

describe('blocks', () => {
  it('keeps a code fence that fits whole, in one chunk', () => {
    const fence = ['```ts', ...Array.from({ length: 12 }, (_, i) => `const value${i} = compute(${i}); // step`), '```'];
    const text = doc('# Code', '', ...sentences(8, 'a'), '', ...fence, '', ...sentences(8, 'b'));
    const o = { chunkSizeChars: 600, chunkOverlapChars: 60 };
    const chunks = chunkText(text, 'markdown', o);
    const fenceText = fence.join('\n');
    const holders = chunks.filter((c) => c.text.includes('```'));
    assert.equal(holders.length, 1, 'the fence is not split, and no overlap drags its closing line along');
    assert.ok(holders[0]?.text.includes(fenceText));
    assert.ok(chunks.length > 2);
    assertInvariants(text, chunks, o);
  });

  it('splits an oversized code fence at line boundaries, preferring blank lines', () => {
    const fnLines = (n: number): string[] => [`function f${n}() {`, ...Array.from({ length: 5 }, (_, i) => `  step(${n}, ${i});`), '}', ''];
    const text = doc('```js', ...Array.from({ length: 10 }, (_, i) => fnLines(i)).flat(), '```');
    const chunks = chunkText(text, 'markdown', small);
    assert.ok(chunks.length > 2);
    for (const c of chunks.slice(1)) assert.match(c.text, /^(function|\})/m);
    assertInvariants(text, chunks, small);
  });

  for (const o of [small, { chunkSizeChars: 200, chunkOverlapChars: 80 }]) {
    it(`keeps list items whole, also in the overlap (overlap ${o.chunkOverlapChars})`, () => {
      const items = Array.from({ length: 12 }, (_, i) => [`- Item ${i} starts here and`, `  continues on a second line ${i}.`]);
      const text = doc('# List', '', ...items.flat());
      const chunks = chunkText(text, 'markdown', o);
      assert.ok(chunks.length > 2);
      items.forEach((_, i) => {
        const first = 3 + 2 * i;
        for (const c of chunks) {
          const inside = c.startLine <= first && first + 1 <= c.endLine;
          const outside = c.endLine < first || c.startLine > first + 1;
          assert.ok(inside || outside, `item ${i} is cut by chunk ${c.startLine}-${c.endLine}`);
        }
      });
      // An item is about 60 characters: it fits an 80-character overlap, not a 40-character one.
      const overlapping = chunks.slice(1).filter((c, i) => c.startLine <= (chunks[i]?.endLine ?? 0));
      assert.equal(overlapping.length > 0, o.chunkOverlapChars >= 80);
      assertInvariants(text, chunks, o);
    });
  }

  it('a chunk holds several short blocks of one section', () => {
    const text = doc('# Notes', '', 'One.', '', 'Two.', '', '- a', '- b', '', '| x | y |', '|---|---|', '| 1 | 2 |');
    const chunks = chunkText(text, 'markdown', small);
    assert.deepEqual(chunks, [{ text, startLine: 1, endLine: 12, heading: 'Notes' }]);
  });
});

describe('long text', () => {
  it('ends Chinese and Japanese chunks at sentence punctuation, within the size limit', () => {
    const zh = ['检索增强生成把外部知识和大语言模型结合起来。', '系统先从向量数据库中检索相关段落！', '模型为什么只根据这些段落回答问题？', '因为这样可以减少编造的内容。'];
    const ja = ['全文検索エンジンは文書を単語に分けます。', '日本語には単語の間に空白がありません！', 'それでは索引はどう作るのでしょうか？', '「文字の組」を使います。'];
    const o = { chunkSizeChars: 200, chunkOverlapChars: 30 };
    // One long line per language (a paragraph without line breaks), then one sentence a line.
    const text = doc('# 中文', '', Array.from({ length: 12 }, (_, i) => zh[i % 4]).join(''), '', '# 日本語', '', ...Array.from({ length: 24 }, (_, i) => ja[i % 4]!));
    const chunks = chunkText(text, 'markdown', o);
    assert.ok(chunks.length >= 4);
    // A heading above a long line is a chunk of its own (rule 5); every other chunk is prose.
    for (const c of chunks.filter((ch) => !/^# \S+$/.test(ch.text))) {
      assert.match(c.text, /[。！？」]$/, c.text);
      assert.ok(c.text.length <= o.chunkSizeChars + o.chunkOverlapChars, `${c.text.length} chars`);
    }
    assertInvariants(text, chunks, o);
  });

  it('splits a one-line paragraph at sentence ends, each chunk starting with sentences from the last', () => {
    const line = sentences(30).join(' ');
    const text = doc('# Long', '', line);
    const o = { chunkSizeChars: 200, chunkOverlapChars: 60 };
    const chunks = chunkText(text, 'markdown', o);
    const pieces = chunks.filter((c) => c.startLine === 3);
    assert.ok(pieces.length > 5);
    assert.ok(pieces.every((c) => c.endLine === 3 && c.text.endsWith('.') && line.includes(c.text)));
    for (let i = 1; i < pieces.length; i++) {
      const prev = pieces[i - 1]?.text ?? '';
      const firstSentence = /^.*?\.(?= |$)/.exec(pieces[i]?.text ?? '')?.[0] ?? '';
      assert.ok(prev.endsWith(firstSentence), `piece ${i} does not start with the end of piece ${i - 1}`);
      assert.ok(firstSentence.length <= o.chunkOverlapChars);
    }
    // A heading cannot share a chunk with part of a line, so it stands alone here.
    assert.deepEqual(chunks[0], { text: '# Long', startLine: 1, endLine: 1, heading: 'Long' });
    assertInvariants(text, chunks, o);
  });

  it('splits a hard-wrapped paragraph at line boundaries with whole-line overlap', () => {
    const words = sentences(30).join(' ').split(' ');
    const wrapped: string[] = [];
    for (let i = 0; i < words.length; i += 4) wrapped.push(words.slice(i, i + 4).join(' '));
    const chunks = chunkText(wrapped.join('\n'), 'text', small);
    assert.ok(chunks.length > 3);
    for (let i = 1; i < chunks.length; i++) {
      const prev = chunks[i - 1];
      const cur = chunks[i];
      assert.ok(prev && cur && cur.startLine <= prev.endLine && cur.startLine > prev.startLine, `chunk ${i} does not overlap`);
    }
    assertInvariants(wrapped.join('\n'), chunks, small);
  });

  it('hard-splits one very long line without spaces into parts of that line', () => {
    const line = 'x'.repeat(1000) + '😀'.repeat(100);
    const text = doc('before', '', line, '', 'after');
    const chunks = chunkText(text, 'text', small);
    const pieces = chunks.filter((c) => c.startLine === 3);
    assert.deepEqual(
      chunks.map((c) => [c.startLine, c.endLine]),
      [[1, 1], ...pieces.map(() => [3, 3]), [5, 5]],
    );
    assert.equal(pieces.map((c) => c.text).join(''), line, 'no sentence boundary, so no overlap and nothing lost');
    assert.ok(pieces.every((c) => c.text.length <= small.chunkSizeChars && !/[\uD800-\uDBFF]$/.test(c.text)));
    assertInvariants(text, chunks, small);
  });

  it('fills most prose chunks to between 40% and 100% of the size', () => {
    const paragraphs = Array.from({ length: 60 }, (_, p) => sentences(2 + (p % 5), `p${p}-`).join(' '));
    const text = paragraphs.join('\n\n');
    const chunks = chunkText(text, 'markdown');
    const size = DEFAULT_CHUNK_OPTIONS.chunkSizeChars;
    const inRange = chunks.slice(0, -1).filter((c) => c.text.length >= 0.4 * size && c.text.length <= size);
    assert.ok(inRange.length >= 0.9 * (chunks.length - 1), `${inRange.length} of ${chunks.length - 1} in range`);
    assertInvariants(text, chunks);
  });

  it('ignores a trailing newline', () => {
    const chunks = chunkText('# T\n\nbody\n', 'markdown');
    assert.deepEqual(chunks, [{ text: '# T\n\nbody', startLine: 1, endLine: 3, heading: 'T' }]);
  });

  it('trims leading and trailing blank lines and keeps exact ranges', () => {
    const chunks = chunkText('\n\n  \nfirst line\nsecond\n\n\n', 'text');
    assert.deepEqual(chunks, [{ text: 'first line\nsecond', startLine: 4, endLine: 5, heading: '' }]);
  });
});

describe('code and text formats', () => {
  it('code: breaks before top-level declarations rather than inside them', () => {
    const fn = (n: number): string[] => [
      `// Helper number ${n}.`,
      `export function helper${n}(input: number): number {`,
      `  const doubled = input * ${n};`,
      '',
      '  return doubled + 1;',
      '}',
    ];
    const lines = Array.from({ length: 12 }, (_, i) => [...fn(i), '']).flat();
    const text = lines.join('\n');
    // Without overlap every chunk starts where the chunker chose to break.
    const o = { chunkSizeChars: 200, chunkOverlapChars: 0 };
    const chunks = chunkText(text, 'code', o);
    assert.ok(chunks.length > 3);
    for (const c of chunks) {
      assert.match(c.text, /^\/\/ Helper number \d+\./, `chunk ${c.startLine} does not start at a declaration`);
      assert.match(c.text, /\}$/, `chunk ${c.startLine} ends inside a function`);
      assert.equal(c.heading, '');
    }
    assertInvariants(text, chunks, o);
  });

  it('code: # comments and --- lines are not headings', () => {
    const text = doc('# comment', 'x = 1', '---', 'y: 2');
    assert.deepEqual(chunkText(text, 'code'), [{ text, startLine: 1, endLine: 4, heading: '' }]);
  });

  it('text: paragraphs, then sentences', () => {
    const text = doc(sentences(3, 'a').join(' '), '', sentences(3, 'b').join(' '), '', sentences(12, 'c').join(' '));
    const chunks = chunkText(text, 'text', small);
    assert.deepEqual(
      chunks.slice(0, 2).map((c) => [c.startLine, c.endLine]),
      [
        [1, 1],
        [3, 3],
      ],
    );
    assert.ok(chunks.slice(2).every((c) => c.startLine === 5 && c.text.endsWith('.')));
    assertInvariants(text, chunks, small);
  });
});

describe('line ranges', () => {
  const docs: [string, DocFormat, string][] = [
    ['markdown mix', 'markdown', doc('Intro', '', '# A', '', '```', '# x', '```', '', '- one', '- two', '', '## B', 'text', '', '> quote', '---', 'end')],
    ['asciidoc mix', 'asciidoc', doc('= T', ':toc:', '', '== S', '* a', '* b', '', '----', 'code', '', 'more', '----', '', '=== S2', 'text')],
    ['rst mix', 'rst', doc('Title', '=====', '', '.. code-block:: python', '', '   x = 1', '', '   y = 2', '', 'Sec', '---', 'para::', '', '    literal')],
    ['unclosed fence', 'markdown', doc('# A', '```', '# not heading', '', 'still code')],
    ['only front matter', 'markdown', doc('---', 'a: 1', '---')],
  ];
  for (const [name, format, text] of docs) {
    for (const o of [small, DEFAULT_CHUNK_OPTIONS]) {
      it(`${name} at size ${o.chunkSizeChars}`, () => assertInvariants(text, chunkText(text, format, o), o));
    }
  }
});

describe('large generated input', () => {
  /** About `targetChars` of mixed Markdown: nested headings, prose, fences, lists, tables and long lines. */
  function generateMarkdown(targetChars: number, seed: number): string {
    const next = rng(seed);
    const out: string[] = [];
    let size = 0;
    let n = 0;
    const push = (l: string): void => {
      out.push(l);
      size += l.length + 1;
    };
    while (size < targetChars) {
      const r = next();
      n++;
      if (r < 0.08) push(`${'#'.repeat(1 + Math.floor(next() * 4))} Heading ${n}`);
      else if (r < 0.12) push(`Setext ${n}\n${next() < 0.5 ? '===' : '---'}`);
      else if (r < 0.45) push(sentences(1 + Math.floor(next() * 8), `g${n}-`).join(next() < 0.5 ? ' ' : '\n'));
      else if (r < 0.55) push(['```', ...Array.from({ length: Math.floor(next() * 80) }, (_, i) => `# code ${n}.${i}`), '```'].join('\n'));
      else if (r < 0.7) push(Array.from({ length: 1 + Math.floor(next() * 30) }, (_, i) => `- item ${n}.${i} with some words`).join('\n'));
      else if (r < 0.75) push(['| a | b |', '|---|---|', ...Array.from({ length: 20 }, (_, i) => `| ${i} | ${n} |`)].join('\n'));
      else if (r < 0.78) push(sentences(60 + Math.floor(next() * 60), `long${n}-`).join(' '));
      else if (r < 0.79) push('z'.repeat(3000 + Math.floor(next() * 3000)));
      else if (r < 0.8) push('   ');
      else push(sentences(3, `p${n}-`).join(' '));
      push('');
    }
    return out.join('\n');
  }

  it('chunks 1 MB of Markdown keeping every invariant', () => {
    const text = generateMarkdown(1_000_000, 7);
    const chunks = chunkText(text, 'markdown');
    assert.ok(chunks.length > 500);
    assertInvariants(text, chunks);
    const firstHeading = text.split('\n').findIndex((l) => /^(#+ Heading|Setext )/.test(l)) + 1;
    const titled = chunks.filter((c) => c.startLine > firstHeading);
    assert.ok(titled.length > 0 && titled.every((c) => c.heading !== ''), 'everything after the first heading has a breadcrumb');
  });

  for (const format of ['asciidoc', 'rst', 'code', 'text'] as const) {
    it(`keeps every invariant on 200 KB read as ${format}`, () => {
      const text = generateMarkdown(200_000, 11);
      assertInvariants(text, chunkText(text, format, small), small);
    });
  }

  it('is deterministic', () => {
    const text = generateMarkdown(100_000, 3);
    assert.deepEqual(chunkText(text, 'markdown'), chunkText(text, 'markdown'));
  });
});
