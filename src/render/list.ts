/**
 * `rag ls` and `rag rm` as text. On a terminal, aligned columns and a total line; piped, one
 * path per line and nothing else (so `rag ls | xargs …` works), the total going to stderr.
 * Paths here are relative to where the user stands; `--json` keeps them index-root-relative.
 */
import type { IndexedFile } from '../indexing/list.js';
import type { RemoveSummary } from '../indexing/remove.js';
import { userPath as shownFrom } from '../discover/path-forms.js';
import type { Style } from './style.js';
import { showControls } from './controls.js';
import { formatBytes, relativeTime } from './terminal-text.js';

export interface PathView {
  root: string;
  cwd: string;
}

/** An index-root-relative path as the user would type it from `cwd`. */
export function userPath(relPath: string, view: PathView): string {
  return shownFrom(view.root, view.cwd, relPath);
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

export function listTotal(files: readonly IndexedFile[]): string {
  const passages = files.reduce((n, f) => n + f.passages, 0);
  const bytes = files.reduce((n, f) => n + f.sizeBytes, 0);
  return `${plural(files.length, 'file')}, ${plural(passages, 'passage')}, ${formatBytes(bytes)}`;
}

/** One escaped path per line: the piped form. */
export function renderPaths(paths: readonly string[], view: PathView): string {
  return paths.map((p) => `${showControls(userPath(p, view), { singleLine: true })}\n`).join('');
}

/** The terminal form: a header, aligned columns (numbers right-aligned), a total line. */
export function renderListTable(files: readonly IndexedFile[], view: PathView & { nowMs: number; style: Style }): string {
  const { style } = view;
  const rows = files.map((f) => [
    showControls(userPath(f.path, view), { singleLine: true }),
    f.format,
    f.passages.toLocaleString('en-US'),
    formatBytes(f.sizeBytes),
    f.indexedAt ? relativeTime(f.indexedAt, view.nowMs) : '-',
  ]);
  const header = ['PATH', 'FORMAT', 'PASSAGES', 'SIZE', 'INDEXED'];
  const isNumeric = [false, false, true, true, false];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : isNumeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  const body = rows.map((r) => {
    const [p, ...rest] = r;
    return line([p!, ...rest]).replace(p!, style.cyan(p!));
  });
  return [style.dim(line(header)), ...body, style.bold(listTotal(files))].join('\n') + '\n';
}

/** What `rag rm` removed (or would): one line per file, then the total. */
export function renderRemoved(summary: RemoveSummary, view: PathView): { lines: string; total: string } {
  const verb = summary.dryRun ? 'would remove' : 'removed';
  const lines = summary.files.map((f) => `${verb}\t${showControls(userPath(f.path, view), { singleLine: true })}\t${plural(f.passages, 'passage')}\n`).join('');
  const head = summary.dryRun ? 'Would remove' : 'Removed';
  return { lines, total: `${head} ${plural(summary.files.length, 'file')} and ${plural(summary.passages, 'passage')} from the index` };
}
