/** Where things are, from compiled tests in dist/tests/…: found by walking up to package.json. */
import { existsSync, mkdtempSync, rmSync, cpSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findRepoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('package.json not found above the tests');
    dir = parent;
  }
  return dir;
}

export const REPO_ROOT = findRepoRoot();
export const CORPUS = path.join(REPO_ROOT, 'corpus');
export const BIN = path.join(REPO_ROOT, 'bin', 'rag.cjs');

/** Where a clean-up can be registered: a test's context (`t`), or `{ after }` from node:test in a describe. */
export interface CleanupHooks {
  after(fn: () => unknown): void;
}

/** A fresh temp folder and its removal, for fixtures set up in `before` and torn down in `after`. */
export function makeTempDir(prefix = 'rag-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A fresh temp folder, removed when the test (or suite) `t` ends. */
export function tempDir(t: CleanupHooks, prefix = 'rag-test-'): { dir: string } {
  const made = makeTempDir(prefix);
  t.after(made.cleanup);
  return { dir: made.dir };
}

/** A copy of corpus/ in a temp folder removed when `t` ends, so tests can edit files freely. */
export function corpusCopy(t: CleanupHooks): { dir: string; corpus: string } {
  const { dir } = tempDir(t);
  const corpus = path.join(dir, 'corpus');
  cpSync(CORPUS, corpus, { recursive: true });
  return { dir, corpus };
}
