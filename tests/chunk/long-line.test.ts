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

  test('cuts Chinese and Japanese at sentence punctuation, closing quotes included, without spaces', () => {
    assert.deepEqual(splitLongLine('第一句话很短。第二句呢？「第三句！」第四句在这里结束。', 12, 0), ['第一句话很短。第二句呢？', '「第三句！」', '第四句在这里结束。']);
    assert.deepEqual(splitLongLine('日本語の文です。二つ目の文です。三つ目。', 10, 0), ['日本語の文です。', '二つ目の文です。', '三つ目。']);
  });

  test('cuts CJK text without sentence ends at a clause end, before cutting anywhere', () => {
    assert.deepEqual(splitLongLine('甲乙丙丁戊己，庚辛壬癸子丑寅卯', 10, 0), ['甲乙丙丁戊己，', '庚辛壬癸子丑寅卯']);
  });

  test('overlaps CJK pieces by whole sentences', () => {
    assert.deepEqual(splitLongLine('一二三四五六。七八。九十一二三四五六。', 12, 4), ['一二三四五六。七八。', '七八。九十一二三四五六。']);
  });
});

