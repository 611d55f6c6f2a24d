/**
 * Ignore files (`.ragignore`, `.gitignore`, `.git/info/exclude`): finding and reading them, and
 * testing a path against the stack of them that applies to its folder. The precedence between
 * them is documented once, with the rest of discovery's, on `discoverFiles` (discover.ts, step 3).
 */
import { promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import type { Limiter } from '../concurrency-limiter.js';
import type { SkippedFile } from '../types.js';
import { describeFsError, isErrnoException } from '../load/text.js';
import { relativePath, toPosix, withTrailingSep } from './path-forms.js';

/** What reading ignore files needs from a walk: walk.ts passes its whole walk state. */
export interface IgnoreReadContext {
  /** The index root, and whether `.gitignore` files count (see DiscoverOptions in walk.ts). */
  options: { root: string; useGitignore: boolean };
  limit: Limiter;
  /** Where an ignore file that exists but cannot be read is reported. */
  skipped: SkippedFile[];
}

type IgnoreKind = 'info-exclude' | 'gitignore' | 'ragignore';

/** One ignore file: its rules apply to paths under its folder, relative to that folder. */
export interface IgnoreLayer {
  kind: IgnoreKind;
  /** The folder with a trailing separator, so that "is under" is one `startsWith`. */
  prefix: string;
  rules: Ignore;
}

/** Lowest precedence first: the last layer with an opinion on a path decides. */
const KIND_RANK: Readonly<Record<IgnoreKind, number>> = { 'info-exclude': 0, gitignore: 1, ragignore: 2 };

/**
 * Tests one path against the ignore layers. For a folder that stays in, `layersBelow` drops
 * every layer that ignored the folder itself: the `ignore` package treats everything under an
 * ignored folder as ignored, which is right within one file (git never looks inside) but wrong
 * once a stronger layer or an explicit path has let the folder back in; below that point, git
 * would match each path against that file's patterns on its own.
 */
export function testIgnored(
  layers: readonly IgnoreLayer[],
  abs: string,
  isFolder: boolean,
): { isIgnored: boolean; layersBelow: readonly IgnoreLayer[] } {
  let isIgnored = false;
  let overruled: IgnoreLayer[] | undefined;
  for (const layer of layers) {
    if (!abs.startsWith(layer.prefix)) continue;
    const rel = toPosix(abs.slice(layer.prefix.length));
    const result = layer.rules.test(isFolder ? `${rel}/` : rel);
    if (result.ignored) {
      isIgnored = true;
      (overruled ??= []).push(layer);
    } else if (result.unignored) {
      isIgnored = false;
    }
  }
  const layersBelow = overruled === undefined ? layers : layers.filter((layer) => !overruled.includes(layer));
  return { isIgnored, layersBelow };
}

/**
 * Ignore layers from the folders above an explicitly named folder, so that naming a subfolder
 * filters it as walking from the top would. Goes up to the higher of the index root (when the
 * folder is inside it) and the git repository root; the named folder and the folders on the way
 * down to it are explicit, so layers that ignore them are dropped as in `testIgnored`.
 */
export async function loadLayersAbove(walk: IgnoreReadContext, folderAbs: string): Promise<readonly IgnoreLayer[]> {
  const repoRoot = await findRepoRoot(walk, folderAbs);
  const root = path.resolve(walk.options.root);
  const tops = [folderAbs];
  if (repoRoot !== null) tops.push(repoRoot);
  if (folderAbs === root || folderAbs.startsWith(withTrailingSep(root))) tops.push(root);
  const top = tops.reduce((a, b) => (b.length < a.length ? b : a));

  const chain: string[] = [];
  for (let dir = folderAbs; dir !== top && path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    chain.unshift(path.dirname(dir));
  }
  let layers: readonly IgnoreLayer[] = [];
  for (const [i, dir] of chain.entries()) {
    const own = await loadLayers(walk, dir, { gitignore: true, ragignore: true, infoExclude: dir === repoRoot });
    layers = stackLayers(layers, own);
    const below = chain[i + 1] ?? folderAbs;
    layers = testIgnored(layers, below, true).layersBelow;
  }
  return layers;
}

async function findRepoRoot(walk: IgnoreReadContext, start: string): Promise<string | null> {
  for (let dir = start; ; ) {
    if ((await readOptional(walk, path.join(dir, '.git'), 'stat')) !== null) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** Reads the ignore files a folder has; `which` says which ones to look for. */
export async function loadLayers(
  walk: IgnoreReadContext,
  dir: string,
  which: { gitignore: boolean; ragignore: boolean; infoExclude: boolean },
): Promise<IgnoreLayer[]> {
  const { useGitignore } = walk.options;
  const [infoExclude, gitignore, ragignore] = await Promise.all([
    which.infoExclude && useGitignore ? readInfoExclude(walk, dir) : null,
    which.gitignore && useGitignore ? readIgnoreFile(walk, path.join(dir, '.gitignore')) : null,
    which.ragignore ? readIgnoreFile(walk, path.join(dir, '.ragignore')) : null,
  ]);
  const layers: IgnoreLayer[] = [];
  const prefix = withTrailingSep(dir);
  if (infoExclude) layers.push({ kind: 'info-exclude', prefix, rules: ignore({ ignorecase: false }).add(infoExclude) });
  if (gitignore) layers.push({ kind: 'gitignore', prefix, rules: ignore({ ignorecase: false }).add(gitignore) });
  if (ragignore) layers.push({ kind: 'ragignore', prefix, rules: ignore({ ignorecase: false }).add(ragignore) });
  return layers;
}

/** Deeper layers go after shallower ones of the same kind; sort is stable, so that holds. */
export function stackLayers(outer: readonly IgnoreLayer[], inner: readonly IgnoreLayer[]): readonly IgnoreLayer[] {
  if (inner.length === 0) return outer;
  return [...outer, ...inner].sort((a, b) => KIND_RANK[a.kind] - KIND_RANK[b.kind]);
}

/** `.git` may be a folder, or a file pointing elsewhere (submodules, worktrees). */
async function readInfoExclude(walk: IgnoreReadContext, repoRoot: string): Promise<string | null> {
  const dotGit = path.join(repoRoot, '.git');
  const stats = await readOptional(walk, dotGit, 'stat');
  if (stats === null || typeof stats === 'string') return null;
  let gitDir = dotGit;
  if (!stats.isDirectory()) {
    const pointer = await readOptional(walk, dotGit, 'read');
    const target = typeof pointer === 'string' ? /^gitdir:\s*(.+?)\s*$/m.exec(pointer)?.[1] : undefined;
    if (target === undefined) return null;
    gitDir = path.resolve(repoRoot, target);
    // A worktree's own git dir names the shared one, which is where info/exclude lives.
    const common = await readOptional(walk, path.join(gitDir, 'commondir'), 'read');
    if (typeof common === 'string' && common.trim() !== '') gitDir = path.resolve(gitDir, common.trim());
  }
  return readIgnoreFile(walk, path.join(gitDir, 'info', 'exclude'));
}

/** An ignore file that exists but cannot be read is reported: silently indexing what it hides would be worse. */
async function readIgnoreFile(walk: IgnoreReadContext, file: string): Promise<string | null> {
  try {
    return await walk.limit(() => fs.readFile(file, 'utf8'));
  } catch (err) {
    if (!isErrnoException(err)) throw err;
    if (err.code !== 'ENOENT' && err.code !== 'ENOTDIR' && err.code !== 'EISDIR') {
      walk.skipped.push({ relPath: relativePath(walk.options.root, file), reason: describeFsError(err) });
    }
    return null;
  }
}

/** A stat or read where any file-system error simply means "not there" (git metadata probing). */
async function readOptional(walk: IgnoreReadContext, file: string, op: 'stat' | 'read'): Promise<Stats | string | null> {
  try {
    return await walk.limit<Stats | string>(() => (op === 'stat' ? fs.stat(file) : fs.readFile(file, 'utf8')));
  } catch (err) {
    if (!isErrnoException(err)) throw err;
    return null;
  }
}
