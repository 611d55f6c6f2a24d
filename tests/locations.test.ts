import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { maxFileSizeFor } from '../src/formats.js';
import { citation, viewerLocation } from '../src/locations.js';
import { locationJson } from '../src/render/json.js';
import type { ChunkLocation } from '../src/types.js';

const hit = (path: string, location?: ChunkLocation, startLine = 12, endLine = 30) => ({ path, startLine, endLine, ...(location ? { location } : {}) });

describe('citation and viewer location', () => {
  const cases: Array<[string, ReturnType<typeof hit>, string, string]> = [
    ['a text file by its lines', hit('guide.md'), 'guide.md:12-30', 'guide.md:12-30'],
    ['a one-line passage by its line', hit('guide.md', undefined, 7, 7), 'guide.md:7', 'guide.md:7'],
    ['a PDF passage by its page', hit('paper.pdf', { startPage: 7, endPage: 7 }), 'paper.pdf p. 7', 'paper.pdf#page=7'],
    ['a PDF passage over a page break by both pages', hit('paper.pdf', { startPage: 7, endPage: 8 }), 'paper.pdf pp. 7-8', 'paper.pdf#page=7'],
    ['an HTML passage by its heading anchor', hit('site/page.html', { anchor: 'install' }), 'site/page.html#install', 'site/page.html#install'],
    ['an HTML passage under no id by the file', hit('site/page.html'), 'site/page.html', 'site/page.html'],
    ['a DOCX passage by the file (the heading goes alongside)', hit('handbook.docx'), 'handbook.docx', 'handbook.docx'],
    ['a notebook passage by its cell', hit('nb.ipynb', { startCell: 3, endCell: 3 }), 'nb.ipynb cell 3', 'nb.ipynb'],
    ['a notebook passage over two cells by both', hit('nb.ipynb', { startCell: 3, endCell: 4 }), 'nb.ipynb cells 3-4', 'nb.ipynb'],
  ];
  for (const [title, h, text, viewer] of cases) {
    it(`${title}: ${text}`, () => {
      assert.equal(citation(h), text);
      assert.equal(viewerLocation(h), viewer);
    });
  }

  it('JSON has every location field, null where the format has none', () => {
    assert.deepEqual(locationJson(hit('guide.md')), { location: 'guide.md:12-30', start_page: null, end_page: null, anchor: null, start_cell: null, end_cell: null });
    assert.deepEqual(locationJson(hit('paper.pdf', { startPage: 2, endPage: 3 })), { location: 'paper.pdf#page=2', start_page: 2, end_page: 3, anchor: null, start_cell: null, end_cell: null });
  });
});

describe('maxFileSizeFor', () => {
  const MB = 1024 * 1024;
  const cases: Array<[string, number | undefined, number]> = [
    ['notes.md', undefined, 5 * MB],
    ['paper.pdf', undefined, 100 * MB],
    ['handbook.docx', undefined, 50 * MB],
    ['analysis.ipynb', undefined, 20 * MB],
    ['page.html', undefined, 10 * MB],
    ['paper.pdf', 2 * MB, 2 * MB],
    ['notes.md', 2 * MB, 2 * MB],
  ];
  for (const [p, given, want] of cases) {
    it(`${p} with ${given === undefined ? 'no --max-file-size' : `--max-file-size ${given / MB}`} → ${want / MB} MB`, () => assert.equal(maxFileSizeFor(p, given), want));
  }
});
