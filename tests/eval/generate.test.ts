import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { draftCase, questionFromReply, samplePassages } from '../../src/eval/generate.js';

describe('sampling passages for --generate', () => {
  const rows = ['a', 'b', 'c'].flatMap((f) => Array.from({ length: 5 }, (_, i) => ({ id: `${f}${i}`, path: `${f}.md` })));
  it('spreads over files: N up to the number of files touches N files', () => {
    const ids = samplePassages(rows, 3, 42);
    assert.equal(new Set(ids.map((id) => id[0])).size, 3);
  });
  it('is deterministic for a seed, unique, and stops when the rows run out', () => {
    assert.deepEqual(samplePassages(rows, 7, 1), samplePassages([...rows].reverse(), 7, 1));
    const all = samplePassages(rows, 100, 1);
    assert.equal(all.length, 15);
    assert.equal(new Set(all).size, 15);
  });
});

describe('reading the question out of a reply', () => {
  const table: Array<[string, string | undefined]> = [
    ['How do I rotate keys?', 'How do I rotate keys?'],
    ['\n  Question: How do I rotate keys?\nBecause…', 'How do I rotate keys?'],
    ['"How do I rotate keys?"', 'How do I rotate keys?'],
    ['1. How do I rotate keys?', 'How do I rotate keys?'],
    ['**Question:** Why?', 'Why?'],
    ['   \n ', undefined],
  ];
  for (const [reply, question] of table) {
    it(JSON.stringify(reply), () => assert.equal(questionFromReply(reply), question));
  }
  it('a drafted case expects the passage it came from', () => {
    const c = draftCase({ id: 'x', path: 'docs/a.md', startLine: 3, endLine: 9, heading: '', text: 't', score: 0 }, 'Why?');
    assert.deepEqual(c.expect, [{ path: 'docs/a.md', lines: { start: 3, end: 9 } }]);
  });
});
