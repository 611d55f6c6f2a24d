import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { compileGlobs } from '../../src/discover/globs.js';

describe('compileGlobs', () => {
  const cases: [patterns: string[], relPath: string, isMatch: boolean][] = [
    [['*.md'], 'a/b/c.md', true],
    [['*.md'], 'c.txt', false],
    [['drafts'], 'docs/drafts', true],
    [['docs/*.md'], 'docs/a.md', true],
    [['docs/*.md'], 'x/docs/a.md', false],
    [['./docs/'], 'docs', true],
    [['/docs'], 'docs', true],
    [['*.md'], '.hidden/a.md', true],
    [['  ', ''], 'anything', false],
    [[], 'anything', false],
    [['*.ts', 'lib/**'], 'lib/x/y.js', true],
  ];
  for (const [patterns, relPath, isMatch] of cases) {
    test(`${JSON.stringify(patterns)} ${isMatch ? 'matches' : 'does not match'} ${relPath}`, () => {
      assert.equal(compileGlobs(patterns)(relPath), isMatch);
    });
  }
});
