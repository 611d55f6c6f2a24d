import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';

import { relativePath, toPosix, withTrailingSep } from '../../src/discover/path-forms.js';

describe('path forms', () => {
  const root = path.resolve('/root');

  test('relativePath is root-relative with / separators', () => {
    assert.equal(relativePath(root, path.join(root, 'a', 'b.md')), 'a/b.md');
    assert.equal(relativePath(root, root), '');
    assert.equal(relativePath(root, path.join(root, '..', 'x', 'y.md')), '../x/y.md');
  });

  test('toPosix turns native separators into /', () => {
    assert.equal(toPosix(['a', 'b', 'c'].join(path.sep)), 'a/b/c');
  });

  test('withTrailingSep adds one separator, never two', () => {
    assert.equal(withTrailingSep(root), root + path.sep);
    assert.equal(withTrailingSep(root + path.sep), root + path.sep);
  });
});
