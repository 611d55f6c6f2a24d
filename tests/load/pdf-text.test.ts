import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { cleanPageLines, joinHyphenated, normalizeLine } from '../../src/load/pdf-text.js';

const lines = (...texts: string[]) => texts.map((text) => ({ text, gapBefore: 1 }));

describe('normalizeLine', () => {
  const cases: Array<[string, string, string]> = [
    ['spells out ligatures', 'the ﬁrst ﬂow, eﬃcient and ﬀ', 'the first flow, efficient and ff'],
    ['drops soft hyphens', 'hy\u00ADphen', 'hyphen'],
    ['turns control characters into spaces and collapses runs', 'a\u0007b   c\t d', 'a b c d'],
  ];
  for (const [title, input, want] of cases) it(title, () => assert.equal(normalizeLine(input), want));
});

describe('joinHyphenated', () => {
  it('joins a word broken at a line end and keeps the punctuation', () => {
    assert.deepEqual(joinHyphenated(lines('a configu-', 'ration, then more')).map((l) => l.text), ['a configuration,', 'then more']);
  });
  it('leaves a hyphen before a capital or a number, and across paragraphs', () => {
    assert.deepEqual(joinHyphenated(lines('see Smith-', 'Jones')).map((l) => l.text), ['see Smith-', 'Jones']);
    assert.deepEqual(joinHyphenated([{ text: 'a configu-', gapBefore: 1 }, { text: 'ration', gapBefore: 3 }]).map((l) => l.text), ['a configu-', 'ration']);
  });
});

describe('cleanPageLines', () => {
  it('drops running headers and bare page numbers repeated on most pages, keeps body lines', () => {
    const pages = [1, 2, 3, 4].map((n) => lines('Journal of Tests, vol. 3', `Body text ${['one', 'two', 'three', 'four'][n - 1]}.`, `- ${n} -`));
    const cleaned = cleanPageLines(pages).map((p) => p.map((l) => l.text));
    assert.deepEqual(cleaned, [['Body text one.'], ['Body text two.'], ['Body text three.'], ['Body text four.']]);
  });
  it('keeps a line that only repeats on a few pages', () => {
    const pages = [lines('Results', 'x'), lines('Results', 'y'), lines('Other', 'z'), lines('Else', 'w'), lines('More', 'v')];
    assert.equal(cleanPageLines(pages)[0]?.[0]?.text, 'Results');
  });
});
