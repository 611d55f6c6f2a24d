import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { MAX_TITLE_CHARS, cleanHeading, stripClosingRun } from '../../src/chunk/heading-text.js';

describe('cleanHeading', () => {
  const cases: [raw: string, format: 'markdown' | 'asciidoc' | 'rst', title: string][] = [
    ['**Bold** and _em_', 'markdown', 'Bold and em'],
    ['Use `snake_case_name` *here*', 'markdown', 'Use snake_case_name here'],
    ['a snake_case_name stays', 'markdown', 'a snake_case_name stays'],
    ['[Link text](http://x) and ![img](a.png)', 'markdown', 'Link text and img'],
    ['Title {#anchor}', 'markdown', 'Title'],
    ['~~old~~ new', 'markdown', 'old new'],
    ['  spaced \t out  ', 'markdown', 'spaced out'],
    ['<<ref,Shown text>> and <<bare>>', 'asciidoc', 'Shown text and bare'],
    ['[[id]]Title https://x.org[site]', 'asciidoc', 'Title site'],
    ['`Text <http://x>`_ and :ref:`target`', 'rst', 'Text and target'],
    ['``literal *x*`` **b**', 'rst', 'literal *x* b'],
  ];
  for (const [raw, format, title] of cases) {
    test(`${format}: ${JSON.stringify(raw)}`, () => assert.equal(cleanHeading(raw, format), title));
  }

  test('an overlong title is cut to MAX_TITLE_CHARS, ending in an ellipsis', () => {
    const title = cleanHeading('x'.repeat(MAX_TITLE_CHARS + 50), 'markdown');
    assert.equal(title.length, MAX_TITLE_CHARS);
    assert.ok(title.endsWith('…'));
  });
});

describe('stripClosingRun', () => {
  const cases: [title: string, ch: string, stripped: string][] = [
    ['Title ##', '#', 'Title'],
    ['Title ==  ', '=', 'Title'],
    ['Title', '#', 'Title'],
    ['##', '#', ''],
    // Not after whitespace: part of the title.
    ['Title#', '#', 'Title#'],
    ['C# ', '#', 'C#'],
  ];
  for (const [title, ch, stripped] of cases) {
    test(`${JSON.stringify(title)} → ${JSON.stringify(stripped)}`, () => assert.equal(stripClosingRun(title, ch), stripped));
  }
});
