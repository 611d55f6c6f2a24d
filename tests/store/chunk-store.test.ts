/**
 * ChunkStore against a real LanceDB in a temp folder: atomic per-file replacement,
 * query sanitising, and the full-text index build past the size where LanceDB 0.31
 * deadlocked on machines with 2 CPUs or fewer.
 */
import assert from 'node:assert/strict';
import os from 'node:os';
import { describe, it } from 'node:test';
import { ChunkStore, MAX_FRAGMENTS, VECTOR_INDEX_MIN_ROWS, sanitizeFtsQuery, type ChunkRow } from '../../src/store/chunk-store.js';
import { tuneProcess } from '../../src/main.js';
import { FolderHome } from '../../src/store/index-home.js';
import { tableRows } from '../helpers/index-rows.js';
import { tempDir } from '../helpers/paths.js';

const DIMS = 8;
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima'];

/** About 150 words from a vocabulary of thousands, like a real passage: the FTS build needs volume to split into partitions. */
function prose(seed: number): string {
  let x = seed * 2654435761 + 1;
  const words: string[] = [];
  for (let w = 0; w < 150; w++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const n = x % 5000;
    words.push(`${WORDS[n % WORDS.length]}${n}`);
  }
  return words.join(' ');
}

function row(path: string, i: number, text?: string, isLong = false): ChunkRow {
  const body = text ?? (isLong ? prose(i + path.length * 100_000) : `${WORDS[i % WORDS.length]} ${WORDS[(i * 7) % WORDS.length]} passage ${i} of ${path}`);
  const vector = Array.from({ length: DIMS }, (_, d) => Math.sin(i * (d + 1)));
  return {
    id: `${path}#${i}`, path, startLine: i + 1, endLine: i + 1, heading: 'Section', text: body,
    searchText: `Section\n${path}\n${body}`, vector, fileHash: 'f', chunkHash: `${path}#${i}`,
  };
}

describe('ChunkStore', () => {
  it('replaces one file\'s rows in one write and leaves other files alone', async (ctx) => {
    const dir = tempDir(ctx);
    const store = await ChunkStore.open(dir.dir, 't', { dimensions: DIMS, create: true });
    await store.replaceFiles(['a.md', 'b.md'], [row('a.md', 0), row('a.md', 1), row('b.md', 0)]);
    await store.replaceFiles(['a.md'], [row('a.md', 1), row('a.md', 2)]);
    assert.deepEqual((await tableRows(dir.dir, 't')).map((r) => r.id), ['a.md#1', 'a.md#2', 'b.md#0']);
    await store.replaceFiles(["it's.md"], [row("it's.md", 0)]);
    await store.removeFiles(['a.md', "it's.md"]);
    assert.deepEqual((await tableRows(dir.dir, 't')).map((r) => r.id), ['b.md#0']);
  });

  it('refuses a vector of the wrong length instead of letting LanceDB pad it', async (ctx) => {
    const dir = tempDir(ctx);
    const store = await ChunkStore.open(dir.dir, 't', { dimensions: DIMS, create: true });
    await assert.rejects(store.replaceFiles(['a.md'], [{ ...row('a.md', 0), vector: [1, 2, 3] }]), /3 dimensions, the index has 8/);
  });

  it('sanitises full-text queries to plain words', () => {
    const cases: Array<[string, string]> = [
      ['"exact phrase" AND (x OR y)*', 'exact phrase AND x OR y'],
      ['RAG_EMBED_MODEL: --max-file-size', 'RAG_EMBED_MODEL max-file-size'],
      ['café 日本語 🚀 v1.2', 'café 日本語 v1.2'],
      ['*** ::: ""', ''],
    ];
    for (const [query, expected] of cases) assert.equal(sanitizeFtsQuery(query), expected, query);
  });

  it('finds Chinese and Japanese passages by a same-language keyword through full-text search alone', async (ctx) => {
    const dir = tempDir(ctx);
    const store = await ChunkStore.open(dir.dir, 't', { dimensions: DIMS, create: true });
    const docs: Array<[string, string]> = [
      ['zh/rag.md', '检索增强生成把外部知识和大语言模型结合起来。系统先从向量数据库中检索相关段落，再让模型根据这些段落回答问题。'],
      ['zh/park.md', '今天天气很好，我们去公园散步。公园里有很多花，我家的猫也很喜欢。'],
      ['ja/search.md', '全文検索エンジンは文書を単語に分けて索引を作ります。日本語の文には単語の間に空白がありません。'],
      ['ja/weather.md', '東京の天気は晴れです。明日は雨が降るでしょう。'],
      ['en/config.md', 'Set RAG_EMBED_MODEL to choose the embedding model; rag index --rebuild applies it.'],
    ];
    await store.replaceFiles(docs.map(([p]) => p), docs.map(([p, text], i) => row(p, i, text)));
    await store.maintain();
    const top = async (query: string) => (await store.textSearch(query, 5)).map((h) => h.path);
    assert.deepEqual(await top('向量数据库'), ['zh/rag.md']);
    assert.deepEqual(await top('全文検索'), ['ja/search.md']);
    assert.deepEqual(await top('天気'), ['ja/weather.md']);
    assert.deepEqual(await top('猫'), ['zh/park.md']);
    assert.equal((await top('RAG_EMBED_MODEL'))[0], 'en/config.md');
  });

  // Without the LanceDB pool settings main.ts makes for store commands (tuneProcess), this
  // build never returned on a 2-CPU machine; the timeout turns such a hang into a failure
  // instead of a stuck suite.
  it('builds the full-text index over 25,000 rows and searches it', { timeout: 60_000 }, async (ctx) => {
    tuneProcess('search', process.env, os.availableParallelism());
    const dir = tempDir(ctx);
    const store = await ChunkStore.open(dir.dir, 't', { dimensions: DIMS, create: true });
    for (let f = 0; f < 5; f++) {
      const path = `docs/file${f}.md`;
      const rows = Array.from({ length: 5000 }, (_, i) => row(path, i, undefined, true));
      if (f === 3) rows[42] = row(path, 42, 'the zeppelin hangar procedure');
      await store.replaceFiles([path], rows);
    }
    await store.maintain();
    assert.equal(await store.countRows(), 25_000);
    assert.ok(await store.hasTextIndex());
    const hits = await store.textSearch('zeppelin', 3);
    assert.equal(hits[0]?.id, 'docs/file3.md#42');
  });

  describe('maintain()', () => {
    it('indexes a first build without rewriting it, and searches rows written after the index', async (ctx) => {
      const dir = tempDir(ctx);
      const store = await ChunkStore.open(dir.dir, 't', { dimensions: DIMS, create: true });
      for (const f of ['a.md', 'b.md', 'c.md']) await store.replaceFiles([f], Array.from({ length: 20 }, (_, i) => row(f, i)), { hasNoRowsYet: true });
      assert.deepEqual(await store.maintain(), { compacted: false, indexesBuilt: ['search_text'] });
      assert.equal(await store.fragmentCount(), 3);
      // One new row of 61: the index leaves it to brute force, and search still finds it.
      await store.replaceFiles(['d.md'], [row('d.md', 0, 'the zeppelin hangar procedure')]);
      assert.deepEqual(await store.maintain(), { compacted: false, indexesBuilt: [] });
      assert.equal((await store.textSearch('zeppelin', 3))[0]?.id, 'd.md#0');
    });

    it('compacts once more than a tenth of the rows are outside the full-text index', async (ctx) => {
      const dir = tempDir(ctx);
      const store = await ChunkStore.open(dir.dir, 't', { dimensions: DIMS, create: true });
      await store.replaceFiles(['a.md'], Array.from({ length: 20 }, (_, i) => row('a.md', i)));
      await store.maintain();
      await store.replaceFiles(['b.md'], [0, 1, 2].map((i) => row('b.md', i, i === 1 ? 'the zeppelin hangar procedure' : undefined)));
      assert.deepEqual(await store.maintain(), { compacted: true, indexesBuilt: [] });
      // The new rows are in the index now, so nothing is due any more.
      assert.deepEqual(await store.maintain(), { compacted: false, indexesBuilt: [] });
      assert.equal(await store.countRows(), 23);
      assert.equal((await store.textSearch('zeppelin', 3))[0]?.id, 'b.md#1');
    });

    it('merges small writes once they pass the fragment limit, then builds the index once', async (ctx) => {
      const dir = tempDir(ctx);
      const store = await ChunkStore.open(dir.dir, 't', { dimensions: DIMS, create: true });
      const files = Array.from({ length: MAX_FRAGMENTS + 1 }, (_, f) => `f${f}.md`);
      for (const f of files) await store.replaceFiles([f], [row(f, 0), row(f, 1)], { hasNoRowsYet: true });
      assert.equal(await store.fragmentCount(), MAX_FRAGMENTS + 1);
      assert.deepEqual(await store.maintain(), { compacted: true, indexesBuilt: ['search_text'] });
      assert.equal(await store.fragmentCount(), 1);
      assert.equal((await tableRows(dir.dir, 't')).length, 2 * files.length);
      assert.ok(await store.hasTextIndex());
    });

    it("a table space's own fragment limit (an object store's) compacts a first build of a few batches", async (ctx) => {
      const dir = tempDir(ctx);
      class EagerHome extends FolderHome {
        override readonly tables = { ...new FolderHome(dir.dir).tables, maxFragments: 2 };
      }
      const store = await ChunkStore.open(new EagerHome(dir.dir), 't', { dimensions: DIMS, create: true });
      for (const f of ['a.md', 'b.md', 'c.md']) await store.replaceFiles([f], Array.from({ length: 20 }, (_, i) => row(f, i)), { hasNoRowsYet: true });
      // A folder would keep these 3 fragments (the first test above).
      assert.deepEqual(await store.maintain(), { compacted: true, indexesBuilt: ['search_text'] });
      assert.equal(await store.fragmentCount(), 1);
      assert.equal(await store.countRows(), 60);
    });

    it('builds a cosine vector index past VECTOR_INDEX_MIN_ROWS, and search through it finds exact matches', { timeout: 120_000 }, async (ctx) => {
      const dir = tempDir(ctx);
      const store = await ChunkStore.open(dir.dir, 't', { dimensions: DIMS, create: true });
      const files = 10;
      const perFile = Math.ceil(VECTOR_INDEX_MIN_ROWS / files);
      // Spread-out vectors: row()'s sines crowd so close that a row ties with its neighbours.
      const spread = (n: number) => Array.from({ length: DIMS }, (_, d) => {
        const x = Math.sin(n * 12.9898 + d * 78.233) * 43758.5453;
        return x - Math.floor(x) - 0.5;
      });
      const rowAt = (path: string, n: number): ChunkRow => ({ ...row(path, n), vector: spread(n) });
      for (let f = 0; f < files; f++) {
        const path = `docs/file${f}.md`;
        await store.replaceFiles([path], Array.from({ length: perFile }, (_, i) => rowAt(path, f * perFile + i)), { hasNoRowsYet: true });
      }
      assert.deepEqual(await store.maintain(), { compacted: false, indexesBuilt: ['search_text', 'vector'] });
      for (const target of [rowAt('docs/file3.md', 3 * perFile + 17), rowAt('docs/file9.md', 9 * perFile + Math.floor(perFile * 0.85))]) {
        const hits = await store.vectorSearch(target.vector as number[], 5);
        assert.equal(hits[0]?.id, target.id, hits.map((h) => `${h.id} ${h.score}`).join(', '));
        assert.ok((hits[0]?.score ?? 0) > 0.9999, `cosine similarity of a vector with itself: ${hits[0]?.score}`);
      }
    });
  });
});
