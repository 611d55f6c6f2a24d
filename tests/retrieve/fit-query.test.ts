import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fitQuery } from '../../src/retrieve/retrieve.js';

describe('fitQuery', () => {
  const cases: { name: string; text: string; max: number; fitted: string }[] = [
    { name: 'a query that fits is unchanged', text: 'short question', max: 100, fitted: 'short question' },
    { name: 'exactly at the limit is unchanged', text: 'abcdefghij', max: 10, fitted: 'abcdefghij' },
    { name: 'a long one keeps its start and its end', text: `${'a'.repeat(50)}${'b'.repeat(50)}`, max: 23, fitted: `${'a'.repeat(10)}\n…\n${'b'.repeat(10)}` },
    { name: 'never splits a surrogate pair', text: '😀'.repeat(40), max: 13, fitted: `${'😀'.repeat(5)}\n…\n${'😀'.repeat(5)}` },
  ];
  for (const { name, text, max, fitted } of cases) {
    it(name, () => {
      assert.equal(fitQuery(text, max), fitted);
    });
  }
});
