import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { dedupeHits, fuseRanks, mergeAdjacent, selectPassages } from '../../src/retrieve/fuse.js';
import type { Hit } from '../../src/types.js';

function hit(id: string, fields: Partial<Hit> = {}): Hit {
  return { id, path: `${id}.md`, startLine: 1, endLine: 1, heading: '', text: `text of ${id}`, score: 0, ...fields };
}

/** `count` distinct words, so texts built from different prefixes share nothing. */
function words(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${i}`);
}

/** One line per line number, so merged texts show exactly which lines they hold. */
function lines(from: number, to: number): string {
  return Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}`).join('\n');
}

const ids = (hits: Hit[]): string[] => hits.map((h) => h.id);

describe('fuseRanks', () => {
  it('sums 1/(k + rank) over both lists and sorts by the fused score', () => {
    const vector = [hit('a'), hit('b'), hit('c')];
    const fullText = [hit('c'), hit('a'), hit('d')];
    const fused = fuseRanks([vector, fullText]);
    assert.deepEqual(
      fused.map((h) => [h.id, h.score]),
      [
        ['a', 1 / 61 + 1 / 62],
        ['c', 1 / 63 + 1 / 61],
        ['b', 1 / 62],
        ['d', 1 / 63],
      ],
    );
  });

  it('keeps the fields of the first list that returned a hit', () => {
    const fused = fuseRanks([[hit('a', { text: 'from vector', score: 0.9 })], [hit('a', { text: 'from fts', score: 12 })]]);
    assert.equal(fused.length, 1);
    assert.equal(fused[0]?.text, 'from vector');
    assert.equal(fused[0]?.score, 1 / 61 + 1 / 61);
  });

  it('breaks ties by best single rank, then by id', () => {
    // With k = 0 every hit below scores exactly 1: x as 1/2 + 1/2, the others as 1/1.
    const fused = fuseRanks([[hit('w'), hit('x')], [hit('v'), hit('x')], [hit('y')]], 0);
    assert.deepEqual(ids(fused), ['v', 'w', 'y', 'x']);
    assert.ok(fused.every((h) => h.score === 1));
  });

  it('orders symmetric ties by id', () => {
    assert.deepEqual(ids(fuseRanks([[hit('b'), hit('a')], [hit('a'), hit('b')]])), ['a', 'b']);
  });

  it('counts an id only once per list', () => {
    const fused = fuseRanks([[hit('a'), hit('a'), hit('b')]]);
    assert.deepEqual(
      fused.map((h) => [h.id, h.score]),
      [
        ['a', 1 / 61],
        ['b', 1 / 63],
      ],
    );
  });

  const emptyCases: { name: string; lists: Hit[][] }[] = [
    { name: 'no lists', lists: [] },
    { name: 'empty lists', lists: [[], []] },
  ];
  for (const { name, lists } of emptyCases) {
    it(`returns nothing for ${name}`, () => assert.deepEqual(fuseRanks(lists), []));
  }

  it('passes a single list through with RRF scores', () => {
    assert.deepEqual(
      fuseRanks([[hit('a'), hit('b')], []], 10).map((h) => [h.id, h.score]),
      [
        ['a', 1 / 11],
        ['b', 1 / 12],
      ],
    );
  });
});

describe('dedupeHits', () => {
  const long = words('w', 100);
  const oneWordChanged = [...long.slice(0, 50), 'changed', ...long.slice(51)];
  const forty = words('f', 40);
  const fortyOneChanged = [...forty.slice(0, 20), 'changed', ...forty.slice(21)];

  const cases: { name: string; hits: Hit[]; threshold?: number; kept: string[] }[] = [
    {
      name: 'identical text in two files',
      hits: [hit('a', { text: long.join(' ') }), hit('b', { text: long.join(' ') })],
      kept: ['a'],
    },
    {
      name: 'identical text differing only in case, punctuation and spacing',
      hits: [hit('a', { text: long.join(' ') }), hit('b', { text: `${long.join(',  ').toUpperCase()}.` })],
      kept: ['a'],
    },
    {
      name: 'one word changed in a hundred (shingle Jaccard 91/101)',
      hits: [hit('a', { text: long.join(' ') }), hit('b', { text: oneWordChanged.join(' ') })],
      kept: ['a'],
    },
    {
      name: 'one word changed in forty stays below 0.85 (31/41)',
      hits: [hit('a', { text: forty.join(' ') }), hit('b', { text: fortyOneChanged.join(' ') })],
      kept: ['a', 'b'],
    },
    {
      name: 'one word changed in forty with a lower threshold',
      hits: [hit('a', { text: forty.join(' ') }), hit('b', { text: fortyOneChanged.join(' ') })],
      threshold: 0.7,
      kept: ['a'],
    },
    {
      name: 'unrelated texts',
      hits: [hit('a', { text: long.join(' ') }), hit('b', { text: words('x', 100).join(' ') })],
      kept: ['a', 'b'],
    },
    {
      name: 'short texts compared as word sets',
      hits: [hit('a', { text: 'Install with npm install rag' }), hit('b', { text: 'install rag with NPM!' })],
      kept: ['a'],
    },
    {
      name: 'short texts that differ',
      hits: [hit('a', { text: 'Install with npm' }), hit('b', { text: 'Remove with npm' })],
      kept: ['a', 'b'],
    },
    {
      name: 'a range contained in a kept hit of the same file',
      hits: [
        hit('a', { path: 'x.md', startLine: 1, endLine: 20, text: words('a', 50).join(' ') }),
        hit('b', { path: 'x.md', startLine: 5, endLine: 20, text: words('b', 50).join(' ') }),
      ],
      kept: ['a'],
    },
    {
      name: 'the same range in another file',
      hits: [
        hit('a', { path: 'x.md', startLine: 1, endLine: 20, text: words('a', 50).join(' ') }),
        hit('b', { path: 'y.md', startLine: 5, endLine: 20, text: words('b', 50).join(' ') }),
      ],
      kept: ['a', 'b'],
    },
    {
      name: 'a lower-ranked hit that contains a kept one',
      hits: [
        hit('a', { path: 'x.md', startLine: 5, endLine: 10, text: words('a', 50).join(' ') }),
        hit('b', { path: 'x.md', startLine: 1, endLine: 20, text: words('b', 50).join(' ') }),
      ],
      kept: ['a', 'b'],
    },
    {
      name: 'a duplicate of a dropped hit is compared against kept hits only',
      hits: [
        hit('a', { path: 'x.md', startLine: 1, endLine: 20, text: words('a', 50).join(' ') }),
        hit('b', { path: 'x.md', startLine: 2, endLine: 3, text: words('b', 50).join(' ') }),
        hit('c', { path: 'z.md', text: words('b', 50).join(' ') }),
      ],
      kept: ['a', 'c'],
    },
    { name: 'nothing', hits: [], kept: [] },
  ];
  for (const { name, hits, threshold, kept } of cases) {
    it(name, () => assert.deepEqual(ids(dedupeHits(hits, threshold)), kept));
  }

  it('stops once `limit` hits are kept, keeping what the unlimited walk keeps first', () => {
    const hits = [
      hit('a', { text: long.join(' ') }),
      hit('dup', { text: long.join(' ') }),
      hit('b', { text: words('b', 30).join(' ') }),
      hit('c', { text: words('c', 30).join(' ') }),
    ];
    assert.deepEqual(ids(dedupeHits(hits, undefined, 2)), ['a', 'b']);
    assert.deepEqual(ids(dedupeHits(hits)), ['a', 'b', 'c']);
  });
});

describe('mergeAdjacent', () => {
  it('merges touching chunks at the better-ranked position', () => {
    const first = hit('first', { path: 'x.md', startLine: 1, endLine: 3, heading: 'Intro', text: lines(1, 3), score: 0.2 });
    const second = hit('second', { path: 'x.md', startLine: 4, endLine: 5, heading: 'Intro > Next', text: lines(4, 5), score: 0.5 });
    const other = hit('other', { path: 'y.md', score: 0.3 });
    assert.deepEqual(mergeAdjacent([second, other, first]), [
      { id: 'second', path: 'x.md', startLine: 1, endLine: 5, heading: 'Intro', text: lines(1, 5), score: 0.5 },
      other,
    ]);
  });

  it('drops the overlapping lines of the later chunk', () => {
    const a = hit('a', { path: 'x.md', startLine: 1, endLine: 4, text: lines(1, 4), score: 0.9 });
    const b = hit('b', { path: 'x.md', startLine: 3, endLine: 6, text: lines(3, 6), score: 0.1 });
    const [merged, ...rest] = mergeAdjacent([a, b]);
    assert.deepEqual(rest, []);
    assert.equal(merged?.text, lines(1, 6));
    assert.deepEqual([merged?.id, merged?.startLine, merged?.endLine, merged?.score], ['a', 1, 6, 0.9]);
  });

  it('keeps the earlier text when one range holds the other', () => {
    const outer = hit('outer', { path: 'x.md', startLine: 1, endLine: 10, text: lines(1, 10) });
    const inner = hit('inner', { path: 'x.md', startLine: 3, endLine: 5, text: lines(3, 5) });
    const merged = mergeAdjacent([inner, outer]);
    assert.deepEqual(
      merged.map((h) => [h.id, h.startLine, h.endLine, h.text]),
      [['inner', 1, 10, lines(1, 10)]],
    );
  });

  it('repeats until a bridging merge has joined everything it touches', () => {
    const a = hit('a', { path: 'x.md', startLine: 1, endLine: 2, text: lines(1, 2) });
    const other = hit('other', { path: 'y.md' });
    const c = hit('c', { path: 'x.md', startLine: 5, endLine: 6, text: lines(5, 6) });
    const b = hit('b', { path: 'x.md', startLine: 3, endLine: 4, text: lines(3, 4) });
    assert.deepEqual(
      mergeAdjacent([a, other, c, b]).map((h) => [h.id, h.startLine, h.endLine, h.text]),
      [
        ['a', 1, 6, lines(1, 6)],
        ['other', 1, 1, 'text of other'],
      ],
    );
  });

  const unchanged: { name: string; hits: Hit[]; maxChars?: number }[] = [
    {
      name: 'a gap of one line',
      hits: [
        hit('a', { path: 'x.md', startLine: 1, endLine: 3, text: lines(1, 3) }),
        hit('b', { path: 'x.md', startLine: 5, endLine: 6, text: lines(5, 6) }),
      ],
    },
    {
      name: 'touching ranges in different files',
      hits: [
        hit('a', { path: 'x.md', startLine: 1, endLine: 3, text: lines(1, 3) }),
        hit('b', { path: 'y.md', startLine: 4, endLine: 6, text: lines(4, 6) }),
      ],
    },
    {
      name: 'a merge longer than maxChars',
      hits: [
        hit('a', { path: 'x.md', startLine: 1, endLine: 3, text: lines(1, 3) }),
        hit('b', { path: 'x.md', startLine: 4, endLine: 6, text: lines(4, 6) }),
      ],
      maxChars: lines(1, 6).length - 1,
    },
  ];
  for (const { name, hits, maxChars } of unchanged) {
    it(`leaves ${name} alone`, () => assert.deepEqual(mergeAdjacent(hits, maxChars), hits));
  }

  it('merges when the result is exactly maxChars', () => {
    const hits = [
      hit('a', { path: 'x.md', startLine: 1, endLine: 3, text: lines(1, 3) }),
      hit('b', { path: 'x.md', startLine: 4, endLine: 6, text: lines(4, 6) }),
    ];
    assert.deepEqual(
      mergeAdjacent(hits, lines(1, 6).length).map((h) => h.text),
      [lines(1, 6)],
    );
  });

  it('defaults maxChars to 4000', () => {
    const half = (from: number) => `${from}${'x'.repeat(2000)}`;
    const hits = [
      hit('a', { path: 'x.md', startLine: 1, endLine: 1, text: half(1) }),
      hit('b', { path: 'x.md', startLine: 2, endLine: 2, text: half(2) }),
    ];
    assert.equal(mergeAdjacent(hits).length, 2);
  });
});

describe('selectPassages', () => {
  const text = (prefix: string) => words(prefix, 30).join(' ');
  const fused: Hit[] = [
    hit('h1', { path: 'docs/a.md', startLine: 1, endLine: 10, text: text('a'), score: 0.06 }),
    hit('h2', { path: 'docs/b.md', startLine: 1, endLine: 10, text: text('a'), score: 0.05 }),
    hit('h3', { path: 'docs/a.md', startLine: 11, endLine: 20, text: text('c'), score: 0.04 }),
    hit('h4', { path: 'docs/a.md', startLine: 30, endLine: 40, text: text('d'), score: 0.03 }),
    hit('h5', { path: 'docs/c.md', startLine: 1, endLine: 5, text: text('e'), score: 0.02 }),
    hit('h6', { path: 'docs/d.md', startLine: 1, endLine: 5, text: text('f'), score: 0.01 }),
  ];

  it('dedupes, lets neighbours extend a chosen passage, caps per file and takes topK', () => {
    // h2 duplicates h1 and is dropped; h3 touches h1 and extends it without taking a slot;
    // h4 and h5 fill the remaining slots; h6 is past topK.
    const selected = selectPassages(fused, { topK: 3 });
    assert.deepEqual(
      selected.map((h) => [h.id, h.path, h.startLine, h.endLine, h.score]),
      [
        ['h1', 'docs/a.md', 1, 20, 0.06],
        ['h4', 'docs/a.md', 30, 40, 0.03],
        ['h5', 'docs/c.md', 1, 5, 0.02],
      ],
    );
    assert.equal(selected[0]?.text, `${text('a')}\n${text('c')}`);
  });

  it('caps the passages of one file (default max(2, ceil(topK/2) + 1))', () => {
    const many = Array.from({ length: 8 }, (_, i) =>
      hit(`big${i}`, { path: 'docs/big.md', startLine: i * 100 + 1, endLine: i * 100 + 10, text: text(`big${i}x`), score: 1 - i / 100 }),
    );
    const others = [hit('o1', { path: 'docs/o1.md', text: text('o1x'), score: 0.1 }), hit('o2', { path: 'docs/o2.md', text: text('o2x'), score: 0.05 })];
    const selected = selectPassages([...many, ...others], { topK: 6 });
    assert.deepEqual(ids(selected), ['big0', 'big1', 'big2', 'big3', 'o1', 'o2']);
  });

  it('does not join passages a line apart: the gap may hold text it does not have', () => {
    const a = hit('a', { path: 'x.md', startLine: 1, endLine: 2, text: 'one\ntwo', score: 0.2 });
    const b = hit('b', { path: 'x.md', startLine: 4, endLine: 5, text: 'four\nfive', score: 0.1 });
    assert.deepEqual(ids(selectPassages([a, b], { topK: 2 })), ['a', 'b']);
  });

  it('honours an explicit maxPerFile', () => {
    assert.deepEqual(ids(selectPassages(fused, { topK: 3, maxPerFile: 1 })), ['h1', 'h5', 'h6']);
  });

  it('returns fewer than topK when there are fewer hits', () => {
    assert.deepEqual(ids(selectPassages(fused.slice(0, 2), { topK: 10 })), ['h1']);
  });

  it('rejects a topK below one', () => {
    assert.throws(() => selectPassages(fused, { topK: 0 }), RangeError);
  });
});
