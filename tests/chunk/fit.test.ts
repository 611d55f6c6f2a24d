/** Passages cut again to fit the embedding model (src/chunk/fit.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fitChunksToModel } from '../../src/chunk/fit.js';
import { embedLength } from '../../src/embed.js';
import type { Chunk } from '../../src/types.js';

describe('fitChunksToModel', () => {
  const sentence = (i: number) => `Sentence number ${i} talks about something quite ordinary.`;
  const lines = Array.from({ length: 40 }, (_, i) => sentence(i));
  const chunk: Chunk = { text: lines.join('\n'), startLine: 11, endLine: 50, heading: 'Guide > Part' };

  it('leaves passages that fit alone', () => {
    assert.deepEqual(fitChunksToModel([chunk], 'markdown', 100_000, () => 20), [chunk]);
  });

  it('counts a CJK character as a token: a Chinese passage that fits by characters is split to fit by tokens', () => {
    const zh = Array.from({ length: 30 }, (_, i) => `第${i}句话讲的是向量数据库。`).join('\n');
    assert.ok(zh.length + 40 <= 700);
    const fitted = fitChunksToModel([{ ...chunk, text: zh }], 'markdown', 700, () => 40);
    assert.ok(fitted.length > 1);
    for (const c of fitted) assert.ok(embedLength(c.text) + 40 <= 700, `${embedLength(c.text)}`);
    assert.equal(embedLength('abc向量'), 9);
  });

  it('splits a passage that does not fit, keeping exact lines and the heading', () => {
    const fitted = fitChunksToModel([chunk], 'markdown', 700, () => 40);
    assert.ok(fitted.length > 1);
    for (const c of fitted) {
      assert.ok(c.text.length + 40 <= 700, `${c.text.length}`);
      assert.equal(c.heading, 'Guide > Part');
      assert.equal(c.text, lines.slice(c.startLine - 11, c.endLine - 10).join('\n'));
    }
    assert.equal(fitted[0]?.startLine, 11);
    assert.equal(fitted.at(-1)?.endLine, 50);
  });
});
