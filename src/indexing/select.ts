/**
 * Which indexed files the paths a user typed name, for `rag ls` and `rag rm`. Paths are
 * relative to where the user stands, as everywhere on the command line; the index stores
 * them relative to its root. A path names a file or everything under a folder, whether or
 * not it still exists on disk (a deleted folder is named by the path it was indexed under).
 * An argument with glob characters is a glob, matched as `--include` matches: anchored at
 * the current folder when it holds a '/', else against the base name at any depth below it.
 */
import path from 'node:path';
import { compileGlobs } from '../discover/globs.js';
import { relativePath } from '../discover/path-forms.js';

export interface Where {
  /** Absolute index root. */
  root: string;
  /** Absolute folder the paths are relative to. */
  cwd: string;
}

export interface Selection {
  /** Root-relative paths of the indexed files named, sorted. */
  matched: string[];
  /** The arguments that named no indexed file, as typed. */
  unmatched: string[];
}

const GLOB_CHARS = /[*?[\]{}]/;

/** A predicate on root-relative paths for one argument. */
export function pathMatcher(arg: string, where: Where): (relPath: string) => boolean {
  const here = relativePath(where.root, where.cwd);
  const under = (rel: string) => (p: string) => rel === '' || p === rel || p.startsWith(`${rel}/`);
  if (!GLOB_CHARS.test(arg)) {
    const rel = relativePath(where.root, path.resolve(where.cwd, arg));
    return rel === '..' || rel.startsWith('../') ? () => false : under(rel);
  }
  const glob = arg.replace(/\\/g, '/');
  const isAnchored = glob.replace(/\/+$/, '').includes('/');
  if (isAnchored) return compileGlobs([path.posix.join(here, glob)]);
  const isWithinHere = here.startsWith('..') ? () => false : under(here === '.' ? '' : here);
  const isMatch = compileGlobs([glob]);
  return (p) => isWithinHere(p) && isMatch(p);
}

/** The indexed paths named by `args` (every path when there are none), and the args that name none. */
export function selectIndexed(indexed: Iterable<string>, args: readonly string[], where: Where): Selection {
  const all = [...indexed].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (args.length === 0) return { matched: all, unmatched: [] };
  const matchers = args.map((arg) => ({ arg, isMatch: pathMatcher(arg, where), hit: false }));
  const matched = all.filter((p) => {
    let any = false;
    for (const m of matchers) {
      if (m.isMatch(p)) any = m.hit = true;
    }
    return any;
  });
  return { matched, unmatched: matchers.filter((m) => !m.hit).map((m) => m.arg) };
}
