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

/** A fresh temp folder, removed by the returned cleanup. */
export function tempDir(prefix = 'rag-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A copy of corpus/ in a temp folder, so tests can edit files freely. */
export function corpusCopy(): { dir: string; corpus: string; cleanup: () => void } {
  const t = tempDir();
  const corpus = path.join(t.dir, 'corpus');
  cpSync(CORPUS, corpus, { recursive: true });
  return { ...t, corpus };
}
