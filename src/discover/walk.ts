/**
 * Discovery: which files `rag index <paths...>` should read. Walks folders, applies ignore
 * files and globs, stats candidates. Never reads file contents (that is load.ts).
 */
import { promises as fs, type Dirent, type Stats } from 'node:fs';
import path from 'node:path';
import { createLimiter, type Limiter } from '../concurrency-limiter.js';
import { compileGlobs } from './globs.js';
import { loadLayers, loadLayersAbove, stackLayers, testIgnored, type IgnoreLayer } from './ignore-rules.js';
import { describeFsError, isErrnoException, sizeLimitReason } from '../load/text.js';
import { relativePath, withTrailingSep } from './path-forms.js';
import { formatOf, generatedKind, isUnreadableFormat, maxFileSizeFor, notIndexedReason } from '../formats.js';
import { secretReason } from './secrets.js';
import type { SkippedFile } from '../types.js';

export { relativePath } from './path-forms.js';

export interface DiscoverOptions {
  /** Absolute index root: stored paths are relative to it, with '/' separators. */
  root: string;
  /** Absolute path of the index folder (e.g. `<root>/.rag`): never descended into. */
  indexDir: string;
  /** picomatch globs on the root-relative path; empty means "every text-like file". */
  include: string[];
  /** picomatch globs; a match excludes a file, or a whole folder when it matches the folder path. */
  exclude: string[];
  /** Honour `.gitignore` files and `.git/info/exclude`. `.ragignore` files are honoured regardless. */
  useGitignore: boolean;
  /** undefined: each format's default (formats.ts). */
  maxFileSizeBytes: number | undefined;
  /** `-t`: only files of these formats (names from the formats table); undefined: any. */
  types?: ReadonlySet<string>;
  /** Follow symlinks that lead outside the named paths (as ripgrep's --follow); default: only those within. */
  follow?: boolean;
}

export interface SourceFile {
  absPath: string;
  relPath: string;
  size: number;
  mtimeMs: number;
}

export type { SkippedFile } from '../types.js';

export interface Discovery {
  files: SourceFile[];
  skipped: SkippedFile[];
  /** Command-line paths that do not exist, as given (the caller turns these into exit 2). */
  missing: string[];
}

/**
 * Finds the files to index under `paths` (absolute; folders or files).
 *
 * Precedence, strongest first (as ripgrep's `WalkBuilder` documents its own):
 * 1. **Explicit path.** A path named on the command line is always taken: a named file skips
 *    every filter below (even the extension allow-list; load.ts still refuses binaries), and a
 *    named folder is entered even if hidden, ignored or excluded. Only its contents are filtered.
 * 2. **Default skips**, silent: `.git/`, `node_modules/`, the index folder, and any name
 *    starting with '.' (which includes `.gitignore` and `.ragignore` themselves).
 * 3. **Ignore files**, gitignore syntax (via the `ignore` package), each applying to its own
 *    folder's subtree with paths relative to that folder; an ignored folder is not entered.
 *    Among them: `.ragignore` (always on) > `.gitignore` (when `useGitignore`) >
 *    `.git/info/exclude` (when `useGitignore`), and within one kind the deeper file wins. So a
 *    `.ragignore` can re-include what git ignores (`!build/`). Ignore files are also read from
 *    the folders above a named folder, up to the higher of the index root and the enclosing
 *    git repository's root, so `rag index docs/api` filters `docs/api` exactly as
 *    `rag index .` would. Matching is case-sensitive, as git's default on Linux.
 * 4. **`exclude` globs**: a match drops the file, or prunes the folder.
 * 5. **`include` globs**: when any are given, a file must match one.
 * 6. **`types`** (`-t`): when given, a file's format must be one of them.
 * 7. **Generated files** (`generatedKind`: lockfiles, minified bundles, source maps): skipped
 *    with that reason when no `include` is given; an `include` glob brings them back.
 * 8. **Formats table** (`notIndexedReason`): applies only when no `include` is given.
 *
 * Globs are matched with picomatch (`dot: true`) against the root-relative path; a glob with
 * no '/' matches the base name at any depth (`*.md` matches `a/b/c.md`, `drafts` prunes every
 * folder of that name), as in gitignore and ripgrep. A leading './' or '/' and a trailing '/'
 * are dropped.
 *
 * Symlinks to files and folders are followed; a link back to a folder it sits in is reported
 * as 'symlink cycle' and not entered. A file reached twice (overlapping arguments, symlinks,
 * hard links: the same device and inode) is listed once, under the path that goes through no
 * symlink if there is one, else the path inside the root, else the first in sort order.
 *
 * Problems with single files or folders end up in `skipped`, never as exceptions; results are
 * sorted by `relPath`.
 */
export async function discoverFiles(paths: string[], options: DiscoverOptions): Promise<Discovery> {
  for (const given of paths) {
    if (!path.isAbsolute(given)) throw new TypeError(`discoverFiles needs absolute paths, got '${given}'`);
  }
  const walk: Walk = {
    options,
    indexDirReal: await realpathOr(options.indexDir, options.indexDir),
    isExcluded: compileGlobs(options.exclude),
    isIncluded: options.include.length > 0 ? compileGlobs(options.include) : undefined,
    roots: await Promise.all(paths.map((p) => realpathOr(path.resolve(p), path.resolve(p)))),
    limit: createLimiter(FS_CONCURRENCY),
    found: [],
    skipped: [],
  };
  const isMissing = await Promise.all(paths.map((given) => discoverPath(walk, given)));
  const missing = [...new Set(paths.filter((_, i) => isMissing[i]))];
  return { files: pickUniqueFiles(walk.found), skipped: uniqueSkipped(walk.skipped), missing };
}

/**
 * fs calls in flight at once. libuv runs them on 4 threads by default, so a few dozen keep those
 * busy; an unbounded fan-out over a wide tree would only queue thousands of requests and risk
 * running out of file descriptors (readdir holds one per open folder).
 */
const FS_CONCURRENCY = 32;

interface Candidate {
  file: SourceFile;
  /** Device and inode: the same file reached by two paths has one identity. */
  identity: string;
  isViaSymlink: boolean;
}

interface Walk {
  options: DiscoverOptions;
  indexDirReal: string;
  isExcluded: (relPath: string) => boolean;
  /** The --include globs; undefined: the formats table decides. */
  isIncluded: ((relPath: string) => boolean) | undefined;
  /** Real paths of the named paths: where symlinks may lead unless `options.follow`. */
  roots: string[];
  limit: Limiter;
  found: Candidate[];
  skipped: SkippedFile[];
}

interface Folder {
  abs: string;
  /** Root-relative; '' for the root itself. */
  rel: string;
  /** Real paths of this folder and every folder above it in this walk, to spot symlink cycles. */
  realChain: readonly string[];
  layers: readonly IgnoreLayer[];
  isViaSymlink: boolean;
}

/** Returns true when the path does not exist. */
async function discoverPath(walk: Walk, given: string): Promise<boolean> {
  const abs = path.resolve(given); // absolute already: this only normalises '..' and trailing '/'
  const rel = relativePath(walk.options.root, abs);
  let stats: Stats;
  try {
    stats = await fs.lstat(abs);
  } catch (err) {
    if (!isErrnoException(err)) throw err;
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return true;
    walk.skipped.push({ relPath: rel, reason: describeFsError(err) });
    return false;
  }
  if (stats.isSymbolicLink()) {
    try {
      stats = await fs.stat(abs);
    } catch (err) {
      if (!isErrnoException(err)) throw err;
      walk.skipped.push({ relPath: rel, reason: symlinkErrorReason(err) });
      return false;
    }
  }
  const real = await realpathOr(abs, abs);
  if (stats.isDirectory()) {
    const layers = await loadLayersAbove(walk, abs);
    await walkFolder(walk, { abs, rel, realChain: [real], layers, isViaSymlink: real !== abs });
  } else if (isUnreadableFormat(abs)) {
    // Named or not, a binary format is never read as text.
    walk.skipped.push({ relPath: rel, reason: 'unsupported format' });
  } else {
    addFile(walk, abs, rel, stats, real !== abs);
  }
  return false;
}

async function walkFolder(walk: Walk, folder: Folder): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await walk.limit(() => fs.readdir(folder.abs, { withFileTypes: true }));
  } catch (err) {
    if (!isErrnoException(err)) throw err;
    walk.skipped.push({ relPath: folder.rel === '' ? '.' : folder.rel, reason: describeFsError(err) });
    return;
  }
  const names = new Set(entries.map((entry) => entry.name));
  const own = await loadLayers(walk, folder.abs, {
    gitignore: names.has('.gitignore'),
    ragignore: names.has('.ragignore'),
    infoExclude: names.has('.git'),
  });
  const inner: Folder = own.length > 0 ? { ...folder, layers: stackLayers(folder.layers, own) } : folder;
  await Promise.all(entries.map((entry) => visitEntry(walk, inner, entry)));
}

async function visitEntry(walk: Walk, folder: Folder, entry: Dirent): Promise<void> {
  const { name } = entry;
  if (name.startsWith('.') || name === 'node_modules') return;
  const abs = path.join(folder.abs, name);
  const rel = folder.rel === '' ? name : `${folder.rel}/${name}`;
  if (entry.isDirectory()) {
    return visitFolder(walk, folder, abs, rel, path.join(lastOf(folder.realChain), name), folder.isViaSymlink);
  }
  if (entry.isFile()) {
    if (!isFileWanted(walk, folder, abs, rel)) return;
    return statAndAddFile(walk, abs, rel, folder.isViaSymlink);
  }
  if (entry.isSymbolicLink() && !walk.options.follow) {
    const target = await walk.limit(() => fs.realpath(abs)).catch(() => undefined);
    if (target !== undefined && !walk.roots.some((root) => isWithin(root, target))) {
      if (!testIgnored(folder.layers, abs, false).isIgnored && !walk.isExcluded(rel)) {
        walk.skipped.push({ relPath: rel, reason: 'symlink outside the indexed folders (--follow to follow it)' });
      }
      return;
    }
  }

  // Symlinks, special files, and entries the file system did not type (DT_UNKNOWN) need a stat.
  const isLink = entry.isSymbolicLink();
  let stats: Stats;
  try {
    stats = await walk.limit(() => fs.stat(abs));
  } catch (err) {
    if (!isErrnoException(err)) throw err;
    if (isFileWanted(walk, folder, abs, rel)) {
      walk.skipped.push({ relPath: rel, reason: isLink ? symlinkErrorReason(err) : describeFsError(err) });
    }
    return;
  }
  const isViaSymlink = folder.isViaSymlink || isLink;
  if (stats.isDirectory()) {
    let real: string;
    try {
      real = isLink ? await walk.limit(() => fs.realpath(abs)) : path.join(lastOf(folder.realChain), name);
    } catch (err) {
      if (!isErrnoException(err)) throw err;
      walk.skipped.push({ relPath: rel, reason: describeFsError(err) });
      return;
    }
    return visitFolder(walk, folder, abs, rel, real, isViaSymlink);
  }
  if (isFileWanted(walk, folder, abs, rel)) addFile(walk, abs, rel, stats, isViaSymlink);
}

async function visitFolder(
  walk: Walk,
  parent: Folder,
  abs: string,
  rel: string,
  real: string,
  isViaSymlink: boolean,
): Promise<void> {
  if (abs === walk.options.indexDir || real === walk.indexDirReal) return;
  const verdict = testIgnored(parent.layers, abs, true);
  if (verdict.isIgnored || walk.isExcluded(rel)) return;
  if (isCycle(parent.realChain, real)) {
    walk.skipped.push({ relPath: rel, reason: 'symlink cycle' });
    return;
  }
  await walkFolder(walk, {
    abs,
    rel,
    realChain: [...parent.realChain, real],
    layers: verdict.layersBelow,
    isViaSymlink,
  });
}

/**
 * Whether a file found in a folder is read. Ignored, excluded and (with --include) not
 * included files are left out silently: the user asked for that. Secret files and formats
 * rag does not read are left out with a reason, so they are counted as skipped.
 */
function isFileWanted(walk: Walk, folder: Folder, abs: string, rel: string): boolean {
  if (testIgnored(folder.layers, abs, false).isIgnored || walk.isExcluded(rel)) return false;
  const { types } = walk.options;
  if (types && !types.has(formatOf(rel)?.name ?? 'text')) return false;
  if (walk.isIncluded && !walk.isIncluded(rel)) return false;
  const real = folder.isViaSymlink ? path.join(lastOf(folder.realChain), path.basename(abs)) : undefined;
  const generated = walk.isIncluded ? undefined : generatedKind(rel);
  const reason =
    secretReason(rel) ??
    (real === undefined ? undefined : secretReason(real)) ??
    (isUnreadableFormat(rel) ? 'unsupported format' : undefined) ??
    (generated ? `generated file (${generated}); --include brings it back` : undefined) ??
    (walk.isIncluded ? undefined : notIndexedReason(rel));
  if (reason === undefined) return true;
  walk.skipped.push({ relPath: rel, reason });
  return false;
}

function isWithin(folder: string, target: string): boolean {
  return target === folder || target.startsWith(withTrailingSep(folder));
}

async function statAndAddFile(walk: Walk, abs: string, rel: string, isViaSymlink: boolean): Promise<void> {
  let stats: Stats;
  try {
    stats = await walk.limit(() => fs.stat(abs));
  } catch (err) {
    if (!isErrnoException(err)) throw err;
    walk.skipped.push({ relPath: rel, reason: describeFsError(err) });
    return;
  }
  addFile(walk, abs, rel, stats, isViaSymlink);
}

function addFile(walk: Walk, abs: string, rel: string, stats: Stats, isViaSymlink: boolean): void {
  if (!stats.isFile()) {
    walk.skipped.push({ relPath: rel, reason: 'not a regular file' });
  } else if (stats.size > maxFileSizeFor(rel, walk.options.maxFileSizeBytes)) {
    walk.skipped.push({ relPath: rel, reason: sizeLimitReason(maxFileSizeFor(rel, walk.options.maxFileSizeBytes)) });
  } else {
    // Some file systems (and Windows volumes without file ids) report inode 0: fall back to the path.
    const identity = stats.ino === 0 ? `path:${abs}` : `${stats.dev}:${stats.ino}`;
    walk.found.push({ file: { absPath: abs, relPath: rel, size: stats.size, mtimeMs: stats.mtimeMs }, identity, isViaSymlink });
  }
}

/** A link is a cycle when its target is, or contains, a folder we are already inside. */
function isCycle(realChain: readonly string[], real: string): boolean {
  const prefix = withTrailingSep(real);
  return realChain.some((above) => above === real || above.startsWith(prefix));
}

function symlinkErrorReason(err: NodeJS.ErrnoException): string {
  if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return 'broken symlink';
  return describeFsError(err);
}

// ---------------------------------------------------------------------------------------------
// Results, helpers

/** One entry per file identity and per path, preferring a path without symlinks, then one inside the root. */
function pickUniqueFiles(found: readonly Candidate[]): SourceFile[] {
  const rank = (c: Candidate): string =>
    `${c.isViaSymlink ? 1 : 0}${c.file.relPath.startsWith('../') || c.file.relPath === '..' ? 1 : 0}`;
  const ordered = [...found].sort((a, b) => compareStrings(rank(a), rank(b)) || compareStrings(a.file.relPath, b.file.relPath));
  const seenIdentities = new Set<string>();
  const seenPaths = new Set<string>();
  const files: SourceFile[] = [];
  for (const candidate of ordered) {
    if (seenIdentities.has(candidate.identity) || seenPaths.has(candidate.file.relPath)) continue;
    seenIdentities.add(candidate.identity);
    seenPaths.add(candidate.file.relPath);
    files.push(candidate.file);
  }
  return files.sort((a, b) => compareStrings(a.relPath, b.relPath));
}

function uniqueSkipped(skipped: readonly SkippedFile[]): SkippedFile[] {
  const byKey = new Map(skipped.map((s) => [`${s.relPath}\0${s.reason}`, s]));
  return [...byKey.values()].sort((a, b) => compareStrings(a.relPath, b.relPath) || compareStrings(a.reason, b.reason));
}

/** Code-unit order, not locale order: the same on every machine. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function realpathOr(abs: string, fallback: string): Promise<string> {
  try {
    return await fs.realpath(abs);
  } catch (err) {
    if (!isErrnoException(err)) throw err;
    return fallback;
  }
}

function lastOf(chain: readonly string[]): string {
  const last = chain[chain.length - 1];
  if (last === undefined) throw new Error('folder with an empty real-path chain');
  return last;
}
