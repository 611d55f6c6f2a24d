import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { discoverFiles, type DiscoverOptions } from '../../src/discover/walk.js';
import { formatNameFor, generatedKind } from '../../src/formats.js';
import { tempDir } from '../helpers/paths.js';

describe('generatedKind', () => {
  const cases: Array<[string, string | undefined]> = [
    ['package-lock.json', 'lockfile'],
    ['web/yarn.lock', 'lockfile'],
    ['pnpm-lock.yaml', 'lockfile'],
    ['crates/Cargo.lock', 'lockfile'],
    ['poetry.lock', 'lockfile'],
    ['go.sum', 'lockfile'],
    ['dist/app.min.js', 'minified bundle'],
    ['static/site.min.css', 'minified bundle'],
    ['dist/app.js.map', 'source map'],
    ['package.json', undefined],
    ['src/app.js', undefined],
    ['docs/lock.md', undefined],
    ['road.map', undefined],
  ];
  for (const [p, kind] of cases) it(`${p} → ${kind ?? 'not generated'}`, () => assert.equal(generatedKind(p), kind));
});

describe('formatNameFor (-t values)', () => {
  const cases: Array<[string, string | undefined]> = [
    ['markdown', 'markdown'], ['md', 'markdown'], ['.MD', 'markdown'], ['rst', 'rst'], ['py', 'code'], ['code', 'code'],
    ['yaml', 'config'], ['txt', 'text'], ['nope', undefined],
  ];
  for (const [t, name] of cases) it(`-t ${t} → ${name ?? 'unknown'}`, () => assert.equal(formatNameFor(t), name));
});

describe('discovery of generated files and -t', () => {
  function tree(t: { after: (fn: () => void) => void }): { root: string; options: (o?: Partial<DiscoverOptions>) => DiscoverOptions } {
    const tmp = tempDir(t);
    const root = tmp.dir;
    mkdirSync(path.join(root, 'dist'));
    for (const [rel, text] of Object.entries({
      'README.md': '# Readme\n', 'package.json': '{}\n', 'package-lock.json': '{"lockfileVersion": 3}\n', 'yarn.lock': '# yarn\n',
      'app.py': 'print(1)\n', 'dist/app.min.js': 'var a=1;\n', 'dist/app.js.map': '{}\n', 'notes.rst': 'Notes\n=====\n',
    })) writeFileSync(path.join(root, rel), text);
    const options = (o: Partial<DiscoverOptions> = {}): DiscoverOptions => ({
      root, indexDir: path.join(root, '.rag'), include: [], exclude: [], useGitignore: true, maxFileSizeBytes: 1e6, ...o,
    });
    return { root, options };
  }

  it('lockfiles, minified bundles and source maps are skipped by default, each with its reason', async (t) => {
    const { root, options } = tree(t);
    const d = await discoverFiles([root], options());
    assert.deepEqual(d.files.map((f) => f.relPath), ['README.md', 'app.py', 'notes.rst', 'package.json']);
    assert.deepEqual(d.skipped, [
      { relPath: 'dist/app.js.map', reason: 'generated file (source map); --include brings it back' },
      { relPath: 'dist/app.min.js', reason: 'generated file (minified bundle); --include brings it back' },
      { relPath: 'package-lock.json', reason: 'generated file (lockfile); --include brings it back' },
      { relPath: 'yarn.lock', reason: 'generated file (lockfile); --include brings it back' },
    ]);
  });

  it('--include brings them back; a lockfile named on the command line is taken', async (t) => {
    const { root, options } = tree(t);
    const d = await discoverFiles([root], options({ include: ['*.lock', '*.json'] }));
    assert.deepEqual(d.files.map((f) => f.relPath), ['package-lock.json', 'package.json', 'yarn.lock']);
    const named = await discoverFiles([path.join(root, 'package-lock.json')], options());
    assert.deepEqual(named.files.map((f) => f.relPath), ['package-lock.json']);
  });

  it('types keep only files of those formats', async (t) => {
    const { root, options } = tree(t);
    const d = await discoverFiles([root], options({ types: new Set(['markdown', 'rst']) }));
    assert.deepEqual(d.files.map((f) => f.relPath), ['README.md', 'notes.rst']);
    assert.deepEqual(d.skipped, []);
  });
});
