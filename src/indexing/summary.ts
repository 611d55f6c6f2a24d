/** What an index run reports: progress while it runs, a summary at its end. */
import type { SkippedFile } from '../discover/walk.js';
import type { FileChange } from './rows.js';

export interface IndexProgress {
  /** Files read so far, of those that may have changed. */
  filesDone: number;
  filesTotal: number;
  /** Passages found in changed files so far, and how many of them were embedded. */
  chunksQueued: number;
  chunksEmbedded: number;
}

export interface IndexSummary {
  indexDir: string;
  root: string;
  dryRun: boolean;
  embedModel: string;
  dimensions: number | undefined;
  filesSeen: number;
  new: number;
  changed: number;
  unchanged: number;
  removed: number;
  skipped: SkippedFile[];
  /** Files indexed with a caveat, e.g. a PDF some of whose pages have no text layer. */
  notes: Array<{ relPath: string; note: string }>;
  chunksEmbedded: number;
  chunksReused: number;
  chunksTotal: number;
  embedRequests: number;
  elapsedMs: number;
  /** Files an interrupted --rebuild had finished, which this run resumed from (0: none). */
  resumedFiles: number;
  /** Files whose stored passages did not match their record (lost or stored twice): read and stored again. */
  repaired: string[];
  /** The named paths hold no file the index knew before this run (the index may be a parent folder's). */
  pathsAreNew: boolean;
  /** Per-file changes, for --dry-run and --verbose. */
  changes: Array<{ path: string; change: FileChange; chunks?: number }>;
}

function byPath<T>(key: (t: T) => string): (a: T, b: T) => number {
  return (a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
}

/** One order for the lists: discovery's skips come sorted, load-time ones (binary files) in batch order. */
export function sortSummary(summary: IndexSummary): void {
  summary.changes.sort(byPath((c) => c.path));
  summary.skipped.sort(byPath((s) => s.relPath));
  summary.notes.sort(byPath((n) => n.relPath));
}
