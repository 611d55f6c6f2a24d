/** `rag index`: options in, the index run (indexing/run.ts), a summary out; with --watch, updates until Ctrl-C. */
import path from 'node:path';
import type { Context } from '../context.js';
import { RagError } from '../errors.js';
import { runIndex, type IndexDeps, type IndexOptions, type IndexSummary } from '../indexing/run.js';
import { indexJson, writeJson } from '../render/json.js';
import { startProgress, type Progress } from '../render/progress.js';
import { indexProgressLine, pullProgressLine } from '../render/progress-line.js';
import { dryRunReport, indexSummaryLine, retryText } from '../render/text.js';
import { showControls } from '../render/controls.js';
import type { IndexProgress } from '../indexing/run.js';
import type { RetryNotice } from '../ollama.js';

export interface IndexCommandOptions {
  paths: string[];
  include: string[];
  exclude: string[];
  gitignore: boolean;
  follow: boolean;
  rebuild: boolean;
  dryRun: boolean;
  pull: boolean;
  json: boolean;
  /** `-t`: format names. */
  types?: string[];
  /** Keep the index current until interrupted (src/watch/watch-index.ts). */
  watch?: boolean;
}

export async function indexCommand(opts: IndexCommandOptions, ctx: Context): Promise<void> {
  if (opts.watch && (opts.json || opts.dryRun)) {
    throw new RagError('usage', `--watch cannot be combined with ${opts.json ? '--json' : '--dry-run'}`, 'it reports each update on stderr');
  }
  const progress = await startProgress(ctx.io, { enabled: !ctx.quiet && !opts.json, text: 'Scanning files…' });
  const [indexOptions, deps] = runInputs(opts, ctx, progress);
  if (opts.watch) return watchCommand(indexOptions, deps, opts, ctx, progress);
  let summary: IndexSummary;
  try {
    summary = await runIndex(indexOptions, deps);
  } finally {
    progress.stop();
  }
  reportSummary(summary, opts, ctx);
}

function runInputs(opts: IndexCommandOptions, ctx: Context, progress: Progress): [IndexOptions, IndexDeps] {
  const { io, settings } = ctx;
  const started = io.now();
  let lastProgress: IndexProgress | undefined;
  let retry: RetryNotice | undefined;
  const progressText = (p: IndexProgress) => {
    const line = indexProgressLine(p, io.now() - started);
    return retry ? `${line} · ${retryText(retry)}` : line;
  };
  const indexOptions: IndexOptions = {
    paths: opts.paths,
    embedModel: settings.embedModel,
    defaultEmbedModel: settings.defaultEmbedModel,
    chunkSizeChars: settings.chunkSize,
    chunkOverlapChars: settings.chunkOverlap,
    defaultChunk: settings.defaultChunk,
    include: opts.include,
    exclude: opts.exclude,
    useGitignore: opts.gitignore,
    follow: opts.follow,
    // Unset: each format's own default (formats.ts); set: one limit for every format.
    maxFileSizeBytes: settings.maxFileSizeMb === undefined ? undefined : Math.round(settings.maxFileSizeMb * 1024 * 1024),
    rebuild: opts.rebuild,
    dryRun: opts.dryRun,
    pull: opts.pull,
    batchSize: settings.batchSize,
    concurrency: settings.concurrency,
    ...(opts.types?.length ? { types: new Set(opts.types) } : {}),
  };
  const deps: IndexDeps = {
    ollama: ctx.hosts,
    indexDir: ctx.index.dir,
    home: ctx.index.home,
    isExplicitIndex: ctx.index.isExplicit,
    cwd: io.cwd,
    pid: ctx.pid,
    now: io.now,
    signal: ctx.signal,
    onProgress: (p) => {
      // A request that got through ends the retry shown on the line.
      if (lastProgress && p.chunksEmbedded > lastProgress.chunksEmbedded) retry = undefined;
      lastProgress = p;
      progress.update(progressText(p));
    },
    onRetry: (notice) => {
      retry = notice;
      if (lastProgress) progress.update(progressText(lastProgress), true);
      if (ctx.verbose) io.stderr.write(`${ctx.errStyle.yellow('warning:')} embedding: ${retryText(notice)}\n`);
    },
    onPull: (status, completed, total) =>
      progress.update(pullProgressLine(indexOptions.embedModel ?? indexOptions.defaultEmbedModel, status, completed, total)),
  };
  return [indexOptions, deps];
}

/** The first run as `rag index` does it (progress, summary line), then the watch's status. */
async function watchCommand(indexOptions: IndexOptions, deps: IndexDeps, opts: IndexCommandOptions, ctx: Context, progress: Progress): Promise<void> {
  const { watchIndex } = await import('../watch/watch-index.js');
  const { WatchStatus } = await import('../render/watch-status.js');
  const status = new WatchStatus(ctx.io, ctx.errStyle, Math.max(1, opts.paths.length));
  let isFirstDone = false;
  try {
    await watchIndex(indexOptions, { ...deps, onProgress: (p) => (isFirstDone ? undefined : deps.onProgress?.(p)) }, {
      onInitial: (summary) => {
        isFirstDone = true;
        progress.stop();
        reportSummary(summary, opts, ctx);
        if (!ctx.quiet) status.pendingChanged(0);
      },
      onPending: (count) => {
        if (isFirstDone && !ctx.quiet) status.pendingChanged(count);
      },
      onUpdate: (update) => {
        if (!ctx.quiet) status.updated(update);
      },
      onProblem: (err, retryMs) => status.problem(err, retryMs),
    });
  } finally {
    progress.stop();
    status.clear();
  }
}

function reportSummary(summary: IndexSummary, opts: IndexCommandOptions, ctx: Context): void {
  const { io, errStyle } = ctx;
  if (opts.json) {
    writeJson(io, indexJson(summary));
  } else if (opts.dryRun) {
    io.stdout.write(dryRunReport(summary));
  }
  if (ctx.verbose && !opts.dryRun) {
    for (const k of summary.skipped) io.stderr.write(`${errStyle.yellow('skipped')} ${showControls(`${k.relPath}: ${k.reason}`, { singleLine: true })}\n`);
  }
  if (!ctx.quiet) {
    for (const n of summary.notes) io.stderr.write(`${errStyle.yellow('note')} ${n.relPath}: ${n.note}\n`);
    io.stderr.write(`${errStyle.green(indexSummaryLine(summary))}\n`);
    if (summary.pathsAreNew && foundInParent(ctx)) {
      io.stderr.write(`Note: these paths are new to the index at ${summary.indexDir}, found in a parent folder; pass --db to use another index.\n`);
    }
    if (summary.repaired.length > 0) io.stderr.write(`Repaired the index: the passages of ${summary.repaired.length} file(s) were missing or stored twice, and were stored again.\n`);
    if (summary.resumedFiles > 0) io.stderr.write(`Resumed the interrupted rebuild: ${summary.resumedFiles} file(s) were already done.\n`);
    if (summary.skipped.length > 0 && !ctx.verbose && !opts.dryRun) {
      io.stderr.write(errStyle.dim(`${summary.skipped.length} file(s) skipped; run with --verbose to see which and why.\n`));
    }
  }
}

/** The index was found by walking up from the cwd, not named and not the cwd's own. */
function foundInParent(ctx: Context): boolean {
  return !ctx.index.isExplicit && path.dirname(ctx.index.dir) !== ctx.io.cwd;
}
