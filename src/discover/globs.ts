/**
 * `--include`/`--exclude` globs as one predicate on root-relative paths. The matching rules are
 * documented with the rest of the precedence on `discoverFiles` (discover.ts).
 */
import picomatch from 'picomatch';

export function compileGlobs(patterns: readonly string[]): (relPath: string) => boolean {
  const cleaned = patterns.map(normalizeGlob).filter((pattern) => pattern !== '');
  const anchored = cleaned.filter((pattern) => pattern.includes('/'));
  const bare = cleaned.filter((pattern) => !pattern.includes('/'));
  const matchers = [
    ...(anchored.length > 0 ? [picomatch(anchored, { dot: true })] : []),
    ...(bare.length > 0 ? [picomatch(bare, { dot: true, basename: true })] : []),
  ];
  return (relPath) => matchers.some((isMatch) => isMatch(relPath));
}

function normalizeGlob(pattern: string): string {
  return pattern.trim().replace(/^(\.\/)+/, '').replace(/^\/+/, '').replace(/\/+$/, '');
}
