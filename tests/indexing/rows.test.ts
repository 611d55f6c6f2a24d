/** Rows and vectors for changed files (src/passage-rows.ts), as pure functions with a scripted model. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildRows, fillVectors, type PreparedFile } from '../../src/indexing/rows.js';
import type { Chunk } from '../../src/types.js';

const MODEL = 'nomic-embed-text';

function prepared(relPath: string, chunks: Chunk[], change: 'new' | 'changed' = 'new'): PreparedFile {
  const rows = buildRows(MODEL, relPath, 'filehash', chunks);
  return {
    file: { absPath: `/docs/${relPath}`, relPath, size: 1, mtimeMs: 1 },
    record: { path: relPath, size: 1, mtimeMs: 1, hash: 'filehash', chunks: rows.length },
    format: 'markdown', chunks, rows, change,
  };
}

/** A model that returns [text length, call number] and records what it was sent. */
function scriptedModel(limit = 10_000) {
  const calls: string[][] = [];
  let limitAsked = 0;
  return {
    calls,
    limitAsked: () => limitAsked,
    maxChars: async () => {
      limitAsked++;
      return limit;
    },
    embed: async (texts: string[]) => {
      calls.push(texts);
      return texts.map((t) => [t.length, calls.length]);
    },
  };
}

describe('buildRows', () => {
  const chunks: Chunk[] = [
    { text: 'Install with npm.', startLine: 3, endLine: 3, heading: 'Guide > Install' },
    { text: 'Same text.', startLine: 5, endLine: 5, heading: '' },
    { text: 'Same text.', startLine: 9, endLine: 9, heading: '' },
  ];

  it('gives ids that are stable across runs and distinct for repeated passages', () => {
    const a = buildRows(MODEL, 'docs/a.md', 'h1', chunks);
    const again = buildRows(MODEL, 'docs/a.md', 'h2', chunks);
    assert.deepEqual(a.map((r) => r.id), again.map((r) => r.id), 'the file hash is not part of the id');
    assert.equal(new Set(a.map((r) => r.id)).size, 3);
    assert.equal(a[1]?.chunkHash, a[2]?.chunkHash, 'same embedded text, same chunk hash');
    const elsewhere = buildRows(MODEL, 'docs/b.md', 'h1', chunks);
    assert.ok(elsewhere.every((r, i) => r.id !== a[i]?.id), 'the path is part of the id');
  });

  it('embeds path and heading with the text, and searches heading, path and text', () => {
    const [row] = buildRows(MODEL, 'docs/a.md', 'h1', chunks);
    assert.equal(row?.embedText, 'search_document: docs/a.md · Guide > Install\n\nInstall with npm.');
    assert.equal(row?.searchText, 'Guide > Install\ndocs/a.md\nInstall with npm.');
    assert.deepEqual([row?.startLine, row?.endLine, row?.fileHash], [3, 3, 'h1']);
  });
});

describe('fillVectors', () => {
  const chunks: Chunk[] = [
    { text: 'Alpha passage.', startLine: 1, endLine: 1, heading: 'A' },
    { text: 'Beta passage.', startLine: 2, endLine: 2, heading: 'A' },
  ];

  it('reuses stored vectors by chunk hash and embeds only the rest, identical texts once', async () => {
    const changed = prepared('a.md', chunks, 'changed');
    const twin = prepared('b.md', [chunks[0]!, chunks[0]!]);
    const model = scriptedModel();
    const reusable = new Map([[changed.rows[0]!.chunkHash, [9, 9]]]);
    const fill = await fillVectors([changed, twin], { embedModel: MODEL, reusable, ...model });
    assert.deepEqual(fill, { reused: 1, embedded: 2, addedChunks: 0 });
    assert.deepEqual(changed.rows[0]?.vector, [9, 9]);
    assert.equal(model.calls.length, 1);
    assert.deepEqual(model.calls[0], [changed.rows[1]!.embedText, twin.rows[0]!.embedText]);
    assert.deepEqual(twin.rows[0]?.vector, twin.rows[1]?.vector);
    assert.ok([...changed.rows, ...twin.rows].every((r) => r.vector));
  });

  it('asks the model nothing when every vector is reused', async () => {
    const p = prepared('a.md', chunks, 'changed');
    const model = scriptedModel();
    const reusable = new Map(p.rows.map((r) => [r.chunkHash, [1]]));
    assert.deepEqual(await fillVectors([p], { embedModel: MODEL, reusable, ...model }), { reused: 2, embedded: 0, addedChunks: 0 });
    assert.deepEqual([model.calls.length, model.limitAsked()], [0, 0]);
  });

  it('splits passages too long for the model again instead of sending them', async () => {
    const lines = Array.from({ length: 30 }, (_, i) => `Line ${i} of a long passage about configuration.`);
    const long: Chunk = { text: lines.join('\n'), startLine: 1, endLine: 30, heading: 'Config' };
    const p = prepared('long.md', [long, chunks[0]!]);
    const model = scriptedModel(400);
    const fill = await fillVectors([p], { embedModel: MODEL, reusable: new Map(), ...model });
    assert.ok(fill.addedChunks > 0);
    assert.equal(p.rows.length, 2 + fill.addedChunks);
    assert.equal(p.record.chunks, p.rows.length);
    assert.equal(fill.embedded, p.rows.length);
    for (const text of model.calls.flat()) assert.ok(text.length <= 400, `${text.length} chars sent`);
    assert.deepEqual(p.rows.flatMap((r) => r.text.split('\n')).slice(0, 30), lines, 'no line lost or cut');
  });
});
