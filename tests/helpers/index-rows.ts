/** What an index holds, read straight from its table: the yardstick of the indexing tests. */
import assert from 'node:assert/strict';
import path from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { readManifest, tableName } from '../../src/store/manifest.js';
import type { Stub } from '../ollama-stub/server.js';
import { makeTempDir } from './paths.js';
import { runRag } from './test-io.js';

export type Row = { id: string; path: string };

/** Every row of the live table, sorted by id. */
export async function storedRows(db: string): Promise<Row[]> {
  const manifest = await readManifest(db);
  assert.ok(manifest, `no manifest in ${db}`);
  return tableRows(db, tableName(manifest.generation));
}

/** Every row's id and path in one table of an index folder, sorted by id, read with LanceDB itself. */
export async function tableRows(db: string, table: string): Promise<Row[]> {
  const conn = await lancedb.connect(path.join(db, 'lance'));
  const rows = (await (await conn.openTable(table)).query().select(['id', 'path']).toArray()) as Array<{ id: string; path: string }>;
  return rows.map((r) => ({ id: String(r.id), path: String(r.path) })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export function assertNoDuplicateIds(rows: Row[]): void {
  assert.equal(new Set(rows.map((r) => r.id)).size, rows.length, 'duplicate ids in the table');
}

/** The rows a fresh index of the same tree holds: what every incremental path must end at. */
export async function cleanBuild(cwd: string, args: string[], stub: Stub): Promise<Row[]> {
  const fresh = makeTempDir('rag-clean-');
  try {
    const res = await runRag(['index', ...args], { cwd, env: { OLLAMA_HOST: stub.url, RAG_DB: fresh.dir } });
    assert.equal(res.code, 0, res.stderr);
    return await storedRows(fresh.dir);
  } finally {
    fresh.cleanup();
  }
}
