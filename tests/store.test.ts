/**
 * ChunkStore against a real LanceDB in a temp folder: atomic per-file replacement,
 * query sanitising, and the full-text index build past the size where LanceDB 0.31
 * deadlocked on machines with 2 CPUs or fewer.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChunkStore, sanitizeFtsQuery, type ChunkRow } from '../src/store.js';
import { tempDir } from './helpers/paths.js';

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
  it('replaces one file\'s rows in one write and leaves other files alone', async () => {
    const dir = tempDir();
    try {
      const store = await ChunkStore.open(dir.dir, 't', { dimensions: DIMS, create: true });
      await store.replaceFiles(['a.md', 'b.md'], [row('a.md', 0), row('a.md', 1), row('b.md', 0)]);
      await store.replaceFiles(['a.md'], [row('a.md', 1), row('a.md', 2)]);
      assert.deepEqual((await store.listIds()).map((r) => r.id), ['a.md#1', 'a.md#2', 'b.md#0']);
      await store.replaceFiles(["it's.md"], [row("it's.md", 0)]);
      await store.removeFiles(['a.md', "it's.md"]);
      assert.deepEqual((await store.listIds()).map((r) => r.id), ['b.md#0']);
    } finally {
      dir.cleanup();
    }
  });

  it('refuses a vector of the wrong length instead of letting LanceDB pad it', async () => {
    const dir = tempDir();
    try {
      const store = await ChunkStore.open(dir.dir, 't', { dimensions: DIMS, create: true });
      await assert.rejects(store.replaceFiles(['a.md'], [{ ...row('a.md', 0), vector: [1, 2, 3] }]), /3 dimensions, the index has 8/);
    } finally {
      dir.cleanup();
    }
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

  // Before configureLance(), this build never returned on a 2-CPU machine; the timeout
  // turns such a hang into a failure instead of a stuck suite.
  it('builds the full-text index over 25,000 rows and searches it', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    try {
      const store = await ChunkStore.open(dir.dir, 't', { dimensions: DIMS, create: true });
      for (let f = 0; f < 5; f++) {
        const path = `docs/file${f}.md`;
        const rows = Array.from({ length: 5000 }, (_, i) => row(path, i, undefined, true));
        if (f === 3) rows[42] = row(path, 42, 'the zeppelin hangar procedure');
        await store.replaceFiles([path], rows);
      }
      await store.optimize();
      assert.equal(await store.countRows(), 25_000);
      assert.ok(await store.hasTextIndex());
      const hits = await store.textSearch('zeppelin', 3);
      assert.equal(hits[0]?.id, 'docs/file3.md#42');
    } finally {
      dir.cleanup();
    }
  });
});
