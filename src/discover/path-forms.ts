/**
 * How discovery spells paths: root-relative paths with '/' separators (what the index stores and
 * ignore files match against), and folder prefixes with a trailing separator (so that "is under"
 * is one `startsWith`).
 */
import path from 'node:path';

/** Root-relative path with '/' separators; starts with '../' when `absPath` is outside `root`. */
export function relativePath(root: string, absPath: string): string {
  return toPosix(path.relative(root, absPath));
}

export function toPosix(p: string): string {
  return path.sep === '/' ? p : p.split(path.sep).join('/');
}

export function withTrailingSep(dir: string): string {
  return dir.endsWith(path.sep) ? dir : dir + path.sep;
}

/**
 * An index-root-relative path as the user would type it from `cwd` (as ripgrep prints paths):
 * what text output shows. JSON output keeps the root-relative form.
 */
export function userPath(root: string, cwd: string, relPath: string): string {
  return toPosix(path.relative(cwd, path.join(root, relPath))) || '.';
}
