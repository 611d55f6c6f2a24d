import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import ignore from 'ignore';

import { stackLayers, testIgnored, type IgnoreLayer } from '../../src/discover/ignore-rules.js';

const root = path.resolve('/repo');
const at = (...parts: string[]): string => path.join(root, ...parts);

function layer(kind: IgnoreLayer['kind'], dir: string, rules: string): IgnoreLayer {
  return { kind, prefix: dir + path.sep, rules: ignore({ ignorecase: false }).add(rules) };
}

describe('stackLayers', () => {
  test('orders by kind, weakest first, keeping deeper files after shallower ones of the same kind', () => {
    const outerGit = layer('gitignore', root, '');
    const outerRag = layer('ragignore', root, '');
    const innerGit = layer('gitignore', at('sub'), '');
    const info = layer('info-exclude', root, '');
    assert.deepEqual(stackLayers([outerGit, outerRag], [info, innerGit]), [info, outerGit, innerGit, outerRag]);
  });

  test('no inner layers returns the outer stack itself', () => {
    const outer = [layer('gitignore', root, '')];
    assert.equal(stackLayers(outer, []), outer);
  });
});

describe('testIgnored', () => {
  test('the last layer with an opinion decides: .ragignore re-includes what .gitignore ignores', () => {
    const layers = stackLayers([], [layer('gitignore', root, 'build/\n'), layer('ragignore', root, '!build/\n')]);
    const verdict = testIgnored(layers, at('build'), true);
    assert.equal(verdict.isIgnored, false);
    // The layer that ignored the folder no longer applies below it.
    assert.deepEqual(verdict.layersBelow.map((l) => l.kind), ['ragignore']);
  });

  test('a layer applies only under its own folder, relative to it', () => {
    const layers = [layer('gitignore', at('sub'), '/a.md\n')];
    assert.equal(testIgnored(layers, at('sub', 'a.md'), false).isIgnored, true);
    assert.equal(testIgnored(layers, at('a.md'), false).isIgnored, false);
    assert.equal(testIgnored(layers, at('sub', 'x', 'a.md'), false).isIgnored, false);
  });

  test('folder-only patterns match folders, not files', () => {
    const layers = [layer('gitignore', root, 'out/\n')];
    assert.equal(testIgnored(layers, at('out'), true).isIgnored, true);
    assert.equal(testIgnored(layers, at('out'), false).isIgnored, false);
  });

  test('matching is case-sensitive', () => {
    const layers = [layer('gitignore', root, 'README.md\n')];
    assert.equal(testIgnored(layers, at('readme.md'), false).isIgnored, false);
  });

  test('a path nothing ignores keeps every layer below it', () => {
    const layers = [layer('gitignore', root, '*.log\n')];
    const verdict = testIgnored(layers, at('docs'), true);
    assert.equal(verdict.isIgnored, false);
    assert.equal(verdict.layersBelow, layers);
  });
});
