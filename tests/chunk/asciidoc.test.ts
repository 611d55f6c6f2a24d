import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { chunkText } from '../../src/chunk/chunk.js';
import { detectMarkup } from '../../src/load/sniff.js';

// The shape of git's documentation (Documentation/git-clone.txt): AsciiDoc in a .txt file.
const GIT_CLONE = [
  'git-clone(1)',
  '============',
  '',
  'NAME',
  '----',
  'git-clone - Clone a repository into a new directory',
  '',
  'OPTIONS',
  '-------',
  '--local::',
  '-l::',
  '\tWhen the repository to clone from is on a local machine,',
  '\tthis flag bypasses the normal "Git aware" transport mechanism.',
  '',
  '--depth <depth>::',
  "\tCreate a 'shallow' clone with a history truncated to the",
  '\tspecified number of commits. Implies `--single-branch` unless',
  '\t`--no-single-branch` is given to fetch the histories near the',
  '\ttips of all branches.',
  '',
  '--shared::',
  '-s::',
  '\tWhen the repository to clone is on the local machine, instead of',
  '\tusing hard links, automatically setup `.git/objects/info/alternates`',
  '\tto share the objects with the source repository.',
  '',
  '\tNOTE: this is a possibly dangerous operation; do not use it unless',
  '\tyou understand what it does.',
  '',
  '--bare::',
  "\tMake a 'bare' Git repository.",
  '',
  'EXAMPLES',
  '--------',
  '',
  '----',
  '$ git clone --depth 1 https://example.com/repo.git',
  '----',
].join('\n');

describe('AsciiDoc two-line titles and definition lists', () => {
  it('two-line titles become breadcrumbs (git-clone(1) over ====, OPTIONS over ----)', () => {
    const chunks = chunkText(GIT_CLONE, 'asciidoc', { chunkSizeChars: 200, chunkOverlapChars: 0 });
    const depth = chunks.find((c) => c.text.includes('shallow'));
    assert.equal(depth?.heading, 'git-clone(1) > OPTIONS');
    assert.equal(chunks.find((c) => c.text.includes('Clone a repository'))?.heading, 'git-clone(1) > NAME');
  });

  it('a listing block after a blank line is still a block, not a title', () => {
    const chunks = chunkText(GIT_CLONE, 'asciidoc', { chunkSizeChars: 200, chunkOverlapChars: 0 });
    const example = chunks.find((c) => c.text.includes('git clone --depth 1'));
    assert.equal(example?.heading, 'git-clone(1) > EXAMPLES');
    assert.match(example?.text ?? '', /^----$/m);
  });

  it('a definition-list entry stays with its description, across a blank line inside it', () => {
    for (const size of [300, 350, 400, 450, 500, 600]) {
      const chunks = chunkText(GIT_CLONE, 'asciidoc', { chunkSizeChars: size, chunkOverlapChars: 0 });
      const term = chunks.find((c) => c.text.includes('--depth <depth>::'));
      assert.match(term?.text ?? '', /tips of all branches\./, `size ${size}: ${JSON.stringify(chunks.map((c) => c.text))}`);
      const local = chunks.find((c) => c.text.includes('--local::'));
      assert.match(local?.text ?? '', /-l::\n\tWhen the repository/);
      const shared = chunks.find((c) => c.text.includes('--shared::'));
      assert.match(shared?.text ?? '', /NOTE: this is a possibly dangerous operation/, `size ${size}: ${JSON.stringify(chunks.map((c) => c.text))}`);
    }
  });
});

describe('detectMarkup (.txt files)', () => {
  const cases: Array<[string, string, string]> = [
    ['git documentation is AsciiDoc', GIT_CLONE, 'asciidoc'],
    ['ATX headings and fences are Markdown', '# Title\n\nText.\n\n## More\n\n```sh\nls\n```\n', 'markdown'],
    ['underlined titles without AsciiDoc signs are reStructuredText', 'Title\n=====\n\nText.\n\nPart\n----\n\n.. note:: careful\n', 'rst'],
    ['prose is plain text', 'Dear diary,\n\nToday was fine. Nothing: happened.\n', 'text'],
  ];
  for (const [title, text, want] of cases) it(`${title} → ${want}`, () => assert.equal(detectMarkup(text), want));
});
