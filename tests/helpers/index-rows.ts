/** What an index holds, read straight from its table: the yardstick of the indexing tests. */
import assert from 'node:assert/strict';
import { readManifest, tableName } from '../../src/store/manifest.js';
import { ChunkStore } from '../../src/store/chunk-store.js';
import type { Stub } from '../ollama-stub/server.js';
import { tempDir } from './paths.js';
import { runRag } from './test-io.js';

export type Row = { id: string; path: string };

/** Every row of the live table, sorted by id. */
export async function storedRows(db: string): Promise<Row[]> {
  const manifest = await readManifest(db);
  assert.ok(manifest, `no manifest in ${db}`);
  const store = await ChunkStore.open(db, tableName(manifest.generation), { dimensions: manifest.dimensions, create: false });
  return store.listIds();
}

export function assertNoDuplicateIds(rows: Row[]): void {
  assert.equal(new Set(rows.map((r) => r.id)).size, rows.length, 'duplicate ids in the table');
}

/** The rows a fresh index of the same tree holds: what every incremental path must end at. */
export async function cleanBuild(cwd: string, args: string[], stub: Stub): Promise<Row[]> {
  const fresh = tempDir('rag-clean-');
  try {
    const res = await runRag(['index', ...args], { cwd, env: { OLLAMA_HOST: stub.url, RAG_DB: fresh.dir } });
    assert.equal(res.code, 0, res.stderr);
    return await storedRows(fresh.dir);
  } finally {
    fresh.cleanup();
  }
}
