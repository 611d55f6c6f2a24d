/** The CJK rewriting of the full-text column and of queries (src/store/cjk.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cjkIndexText, cjkQueryText } from '../../src/store/cjk.js';

describe('cjkIndexText / cjkQueryText', () => {
  it('leaves text without CJK characters exactly as it was', () => {
    const english = 'Set RAG_EMBED_MODEL=nomic-embed-text in config.toml; see `rag index --rebuild`. Café, naïve — 🚀';
    assert.equal(cjkIndexText(english), english);
    assert.equal(cjkQueryText(english), english);
  });

  it('writes a CJK run as its characters and bigrams, and a query as its bigrams', () => {
    assert.equal(cjkIndexText('用向量数据库。').split(/\s+/).filter(Boolean).join(' '), '用 向 量 数 据 库 用向 向量 量数 数据 据库 。');
    assert.equal(cjkQueryText('向量数据库').trim(), '向量 量数 数据 据库');
    assert.equal(cjkQueryText('猫').trim(), '猫');
  });

  it('keeps Japanese words together across scripts and folds half-width katakana', () => {
    assert.equal(cjkQueryText('データ').trim(), 'デー ータ');
    assert.ok(cjkIndexText('ﾃﾞｰﾀを検索').includes('デー'));
    // Mixed text: English words around a CJK run keep their own tokens.
    assert.equal(cjkQueryText('LanceDB の索引').replace(/\s+/g, ' ').trim(), 'LanceDB の索 索引');
  });
});
