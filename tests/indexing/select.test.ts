import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { selectIndexed } from '../../src/indexing/select.js';

const INDEXED = ['README.md', 'docs/a.md', 'docs/api/b.rst', 'docs/api/c.md', 'docsite/x.md', 'notes/todo.txt'];
const ROOT = '/r';

describe('selectIndexed', () => {
  const cases: Array<{ title: string; cwd: string; args: string[]; matched: string[]; unmatched?: string[] }> = [
    { title: 'no arguments select everything', cwd: '/r', args: [], matched: [...INDEXED].sort() },
    { title: 'a folder selects what is under it, not a sibling sharing its prefix', cwd: '/r', args: ['docs'], matched: ['docs/a.md', 'docs/api/b.rst', 'docs/api/c.md'] },
    { title: 'a trailing slash and ./ change nothing', cwd: '/r', args: ['./docs/api/'], matched: ['docs/api/b.rst', 'docs/api/c.md'] },
    { title: 'a file selects itself', cwd: '/r', args: ['README.md'], matched: ['README.md'] },
    { title: 'paths are relative to the current folder', cwd: '/r/docs', args: ['api'], matched: ['docs/api/b.rst', 'docs/api/c.md'] },
    { title: '.. climbs out of the current folder', cwd: '/r/docs', args: ['../notes'], matched: ['notes/todo.txt'] },
    { title: '. in the root selects everything', cwd: '/r', args: ['.'], matched: [...INDEXED].sort() },
    { title: 'a bare glob matches names at any depth below the current folder', cwd: '/r/docs', args: ['*.md'], matched: ['docs/a.md', 'docs/api/c.md'] },
    { title: 'a glob with / is anchored at the current folder', cwd: '/r', args: ['docs/*/*.rst'], matched: ['docs/api/b.rst'] },
    { title: 'an argument matching nothing is reported as typed', cwd: '/r', args: ['docs', 'gone.md', '*.pdf'], matched: ['docs/a.md', 'docs/api/b.rst', 'docs/api/c.md'], unmatched: ['gone.md', '*.pdf'] },
    { title: 'a path outside the root matches nothing', cwd: '/r', args: ['../r2'], matched: [], unmatched: ['../r2'] },
    { title: 'overlapping arguments list a file once', cwd: '/r', args: ['docs', 'docs/a.md'], matched: ['docs/a.md', 'docs/api/b.rst', 'docs/api/c.md'] },
  ];
  for (const c of cases) {
    it(c.title, () => {
      const got = selectIndexed(INDEXED, c.args, { root: ROOT, cwd: c.cwd });
      assert.deepEqual(got, { matched: c.matched, unmatched: c.unmatched ?? [] });
    });
  }
});
