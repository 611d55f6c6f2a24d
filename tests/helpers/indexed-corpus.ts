/**
 * The fixture most read-only tests share: a stub server and corpus/ indexed into a
 * temp RAG_DB, set up once per `describe` and torn down after it.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before } from 'node:test';
import { startStub, type Stub } from '../ollama-stub/server.js';
import { CORPUS, REPO_ROOT, makeTempDir } from './paths.js';
import { runRag } from './test-io.js';

export interface IndexedCorpus {
  readonly stub: Stub;
  /** OLLAMA_HOST and RAG_DB for this fixture. */
  readonly env: Record<string, string>;
  readonly db: string;
}

/** Registers before/after hooks in the calling `describe`; read the fields inside tests. */
export function useIndexedCorpus(): IndexedCorpus {
  let stub: Stub | undefined;
  let db: ReturnType<typeof makeTempDir> | undefined;
  before(async () => {
    stub = await startStub();
    db = makeTempDir();
    const indexed = await runRag(['index', CORPUS], { cwd: REPO_ROOT, env: { OLLAMA_HOST: stub.url, RAG_DB: db.dir } });
    assert.equal(indexed.code, 0, indexed.stderr);
  });
  after(async () => {
    db?.cleanup();
    await stub?.close();
  });
  const ready = () => {
    assert.ok(stub && db, 'useIndexedCorpus() fields are ready only inside tests');
    return { stub, db };
  };
  return {
    get stub() {
      return ready().stub;
    },
    get env() {
      const r = ready();
      return { OLLAMA_HOST: r.stub.url, RAG_DB: r.db.dir };
    },
    get db() {
      return ready().db.dir;
    },
  };
}

/** A port nothing listens on: bound by us, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
