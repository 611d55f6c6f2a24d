import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';

import type { DocFormat } from '../src/chunk/chunk.js';
import { detectFormat, formatOf, isTextCandidate, isUnreadableFormat, notIndexedReason } from '../src/formats.js';

describe('isTextCandidate', () => {
  const cases: Array<[string, boolean]> = [
    ['notes.md', true],
    ['a/b/Guide.MARKDOWN', true],
    ['src/app.tsx', true],
    ['config.yaml', true],
    ['docs/index.rst', true],
    ['README', true],
    ['sub/LICENSE', true],
    ['Dockerfile', true],
    ['page.html', true],
    ['paper.pdf', true],
    ['report.docx', true],
    ['analysis.ipynb', true],
    ['notes.mdown', true],
    ['notes.mkd', true],
    ['paper.tex', true],
    ['data.csv', false],
    ['photo.png', false],
    ['archive.tar.gz', false],
    ['noextension', false],
  ];
  for (const [relPath, expected] of cases) {
    test(`${relPath} → ${expected}`, () => assert.equal(isTextCandidate(relPath), expected));
  }
});

describe('detectFormat', () => {
  const cases: [string, DocFormat][] = [
    ['README.md', 'markdown'],
    ['docs/Guide.MARKDOWN', 'markdown'],
    ['site/page.mdx', 'markdown'],
    ['manual.adoc', 'asciidoc'],
    ['book/ch1.asciidoc', 'asciidoc'],
    ['notes.asc', 'asciidoc'],
    ['docs/index.rst', 'rst'],
    ['src/main.ts', 'code'],
    ['lib/x.js', 'code'],
    ['tool.py', 'code'],
    ['cmd/main.go', 'code'],
    ['src/lib.rs', 'code'],
    ['App.java', 'code'],
    ['x.c', 'code'],
    ['x.h', 'code'],
    ['x.cpp', 'code'],
    ['x.rb', 'code'],
    ['install.sh', 'code'],
    ['package.json', 'code'],
    ['ci.yaml', 'code'],
    ['Cargo.toml', 'code'],
    ['schema.sql', 'code'],
    ['Dockerfile', 'code'],
    ['sub/Makefile', 'code'],
    ['C:\\docs\\notes.md', 'markdown'],
    ['notes.txt', 'text'],
    ['notes.mdown', 'markdown'],
    ['notes.mkd', 'markdown'],
    ['plan.org', 'text'],
    ['LICENSE', 'text'],
    ['.env', 'text'],
    ['archive.unknownext', 'text'],
  ];
  for (const [path, want] of cases) it(`${path} → ${want}`, () => assert.equal(detectFormat(path), want));
});

describe('formatOf', () => {
  it('every extension that is read by default is chunked by the same table', () => {
    for (const ext of ['md', 'mdown', 'mkd', 'org', 'tex', 'rst', 'adoc', 'py']) {
      const f = formatOf(`x.${ext}`);
      assert.ok(f?.isDefault, ext);
      assert.equal(detectFormat(`x.${ext}`), f.chunker);
    }
  });
  it('unknown names have no format', () => assert.equal(formatOf('photo.png'), undefined));
});

describe('formats rag does not read', () => {
  it('binary formats are unreadable whatever their case; text formats are not', () => {
    for (const p of ['a.xlsx', 'b/C.PPTX', 'x.png', 'y.zip', 'm.sqlite']) assert.equal(isUnreadableFormat(p), true, p);
    for (const p of ['a.md', 'b.html', 'c.csv', 'README', 'd', 'paper.pdf', 'memo.DOCX']) assert.equal(isUnreadableFormat(p), false, p);
  });
  it('without --include: default formats are read, others get a reason', () => {
    assert.equal(notIndexedReason('docs/a.md'), undefined);
    assert.equal(notIndexedReason('styles.css'), 'not indexed by default (add it with --include)');
    assert.equal(notIndexedReason('page.html'), undefined);
    assert.equal(notIndexedReason('data.csv'), 'unsupported format');
    assert.equal(notIndexedReason('paper.pdf'), undefined);
    assert.equal(notIndexedReason('book.epub'), 'unsupported format');
  });
});
