import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { documentText, maxEmbedChars, queryText, taskPrefixes } from '../src/embed.js';

describe('task prefixes and embedded text', () => {
  const cases: Array<[string, string, string]> = [
    ['nomic-embed-text', 'search_document: ', 'search_query: '],
    ['nomic-embed-text:v1.5', 'search_document: ', 'search_query: '],
    ['mxbai-embed-large', '', 'Represent this sentence for searching relevant passages: '],
    ['library/snowflake-arctic-embed2:568m', '', 'Represent this sentence for searching relevant passages: '],
    ['bge-m3', '', ''],
  ];
  for (const [model, doc, query] of cases) {
    it(model, () => {
      assert.deepEqual(taskPrefixes(model), { document: doc, query });
      assert.equal(queryText(model, 'why?'), `${query}why?`);
    });
  }

  it('puts the path and heading breadcrumb in front of the passage', () => {
    assert.equal(documentText('bge-m3', 'docs/a.md', 'Install > Linux', 'Run it.'), 'docs/a.md · Install > Linux\n\nRun it.');
    assert.equal(documentText('nomic-embed-text', 'a.txt', '', 'x'), 'search_document: a.txt\n\nx');
  });
});

describe('maxEmbedChars', () => {
  it('takes the smaller of the model context and 2,048 tokens, at three characters a token', () => {
    assert.equal(maxEmbedChars({ name: 'm', capabilities: [], contextLength: 512 }), 1536);
    assert.equal(maxEmbedChars({ name: 'm', capabilities: [], contextLength: 8192 }), 6144);
    assert.equal(maxEmbedChars({ name: 'm', capabilities: [] }), 6144);
  });
});
