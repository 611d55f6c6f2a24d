import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IndexedFile } from '../../src/indexing/list.js';
import { renderListTable, renderPaths, userPath } from '../../src/render/list.js';
import { createStyle } from '../../src/render/style.js';
import { formatBytes, relativeTime } from '../../src/render/terminal-text.js';

const NOW = Date.parse('2026-01-02T12:00:00Z');
const FILES: IndexedFile[] = [
  { path: 'docs/a.md', format: 'markdown', passages: 12, sizeBytes: 3400, mtimeMs: 0, indexedAt: '2026-01-02T11:57:00Z' },
  { path: 'src/long-name.ts', format: 'code', passages: 3, sizeBytes: 120, mtimeMs: 0, indexedAt: undefined },
];

describe('ls rendering', () => {
  it('paths are shown relative to the current folder', () => {
    assert.equal(userPath('docs/a.md', { root: '/r', cwd: '/r/docs' }), 'a.md');
    assert.equal(userPath('src/x.ts', { root: '/r', cwd: '/r/docs' }), '../src/x.ts');
    assert.equal(renderPaths(['docs/a.md', 'src/x.ts'], { root: '/r', cwd: '/r' }), 'docs/a.md\nsrc/x.ts\n');
  });

  it('the table aligns every column under its header and ends with the total', () => {
    const out = renderListTable(FILES, { root: '/r', cwd: '/r', nowMs: NOW, style: createStyle(false) });
    const lines = out.trimEnd().split('\n');
    assert.equal(lines.length, 4);
    const header = lines[0]!;
    const starts = (row: string, text: string) => row.indexOf(text);
    const ends = (row: string, text: string) => row.indexOf(text) + text.length;
    // Text columns start under their header; numbers end under it.
    assert.equal(starts(lines[1]!, 'markdown'), starts(header, 'FORMAT'));
    assert.equal(starts(lines[2]!, 'code'), starts(header, 'FORMAT'));
    assert.equal(ends(lines[1]!, '12'), ends(header, 'PASSAGES'));
    assert.equal(ends(lines[2]!, ' 3 '), ends(header, 'PASSAGES') + 1);
    assert.equal(ends(lines[1]!, '3.4 kB'), ends(header, 'SIZE'));
    assert.equal(ends(lines[2]!, '120 B'), ends(header, 'SIZE'));
    assert.equal(starts(lines[1]!, '3 minutes ago'), starts(header, 'INDEXED'));
    assert.match(lines[1]!, /^docs\/a\.md\s+markdown\s+12\s+3\.4 kB\s+3 minutes ago$/);
    assert.match(lines[2]!, /^src\/long-name\.ts\s+code\s+3\s+120 B\s+-$/);
    assert.equal(lines[3], '2 files, 15 passages, 3.5 kB');
  });

  it('control characters in file names are escaped', () => {
    assert.equal(renderPaths(['bad\u0007na\u001b[31mme.md'], { root: '/r', cwd: '/r' }), 'bad^Gna^[[31mme.md\n');
  });

  it('sizes and times read as a person would say them', () => {
    assert.deepEqual([0, 999, 1000, 15_300, 2_500_000].map(formatBytes), ['0 B', '999 B', '1.0 kB', '15 kB', '2.5 MB']);
    const ago = (s: number) => relativeTime(new Date(NOW - s * 1000).toISOString(), NOW);
    assert.deepEqual([5, 60, 150, 3600 * 5, 86400 * 2].map(ago), ['just now', '1 minute ago', '3 minutes ago', '5 hours ago', '2 days ago']);
  });
});
