import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { splitLongLine } from '../../src/chunk/long-line.js';

describe('splitLongLine', () => {
  test('a line that fits is one piece, trimmed', () => {
    assert.deepEqual(splitLongLine('  short line  ', 20, 5), ['short line']);
  });

  test('cuts at sentence ends when there are some', () => {
    assert.deepEqual(splitLongLine('  One two three. Four five six. Seven eight nine.  ', 20, 8), [
      'One two three.',
      'Four five six.',
      'Seven eight nine.',
    ]);
  });

  test('falls back to word starts, then to a hard cut', () => {
    assert.deepEqual(splitLongLine('aaa bbb ccc ddd eee fff ggg hhh', 12, 0), ['aaa bbb ccc', 'ddd eee fff', 'ggg hhh']);
    assert.deepEqual(splitLongLine('a'.repeat(45), 20, 5), ['a'.repeat(20), 'a'.repeat(20), 'a'.repeat(5)]);
  });

  test('never cuts a surrogate pair in half', () => {
    assert.deepEqual(splitLongLine(`${'a'.repeat(19)}😀${'b'.repeat(10)}`, 20, 0), ['a'.repeat(19), `😀${'b'.repeat(10)}`]);
  });

  test('overlaps by whole sentences only, and only when one fits in the overlap', () => {
    const line = 'Aaaaaaaaaaaa. Bb. Cc. Ddddddddddddddd eeeeeee';
    assert.deepEqual(splitLongLine(line, 20, 9), ['Aaaaaaaaaaaa. Bb.', 'Bb. Cc. Dddddddddddd', 'ddd eeeeeee']);
    assert.deepEqual(splitLongLine(line, 20, 0), ['Aaaaaaaaaaaa. Bb.', 'Cc. Ddddddddddddddd', 'eeeeeee']);
  });

  test('no piece is longer than the size', () => {
    const line = Array.from({ length: 400 }, (_, i) => (i % 7 === 0 ? 'End.' : `w${i}`)).join(' ');
    for (const piece of splitLongLine(line, 200, 60)) assert.ok(piece.length <= 200, piece);
  });
});
