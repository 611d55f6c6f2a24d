/** `rag index`: options in, the index run (indexing/run.ts), a summary out. */
import path from 'node:path';
import type { Context } from '../context.js';
import { runIndex, type IndexSummary } from '../indexing/run.js';
import { indexJson, writeJson } from '../render/json.js';
import { showControls } from '../render/controls.js';
import { startProgress } from '../render/progress.js';
import { dryRunReport, indexProgressText, indexSummaryLine, retryText } from '../render/text.js';
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
}

export async function indexCommand(opts: IndexCommandOptions, ctx: Context): Promise<void> {
  const { io, settings } = ctx;
  const progress = await startProgress(io, { enabled: !ctx.quiet && !opts.json, text: 'Scanning files…' });
  let summary: IndexSummary;
  let lastProgress: IndexProgress | undefined;
  let retry: RetryNotice | undefined;
  try {
    summary = await runIndex(
      {
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
        maxFileSizeBytes: Math.round(settings.maxFileSizeMb * 1024 * 1024),
        rebuild: opts.rebuild,
        dryRun: opts.dryRun,
        pull: opts.pull,
        batchSize: settings.batchSize,
        concurrency: settings.concurrency,
      },
      {
        ollama: ctx.ollama,
        indexDir: ctx.index.dir,
        isExplicitIndex: ctx.index.isExplicit,
        cwd: io.cwd,
        pid: ctx.pid,
        now: io.now,
        signal: ctx.signal,
        onProgress: (p) => {
          // A request that got through ends the retry shown on the line.
          if (lastProgress && p.chunksEmbedded > lastProgress.chunksEmbedded) retry = undefined;
          lastProgress = p;
          progress.update(indexProgressText(p, retry));
        },
        onRetry: (notice) => {
          retry = notice;
          if (lastProgress) progress.update(indexProgressText(lastProgress, retry), true);
          if (ctx.verbose) io.stderr.write(`${ctx.errStyle.yellow('warning:')} embedding: ${retryText(notice)}\n`);
        },
        onPull: (status, completed, total) =>
          progress.update(`Pulling model: ${status}${total ? ` ${Math.floor(((completed ?? 0) / total) * 100)}%` : ''}`),
      },
    );
  } finally {
    progress.stop();
  }

  const { errStyle } = ctx;
  if (opts.json) {
    writeJson(io, indexJson(summary));
  } else if (opts.dryRun) {
    io.stdout.write(dryRunReport(summary));
  }
  if (ctx.verbose && !opts.dryRun) {
    for (const k of summary.skipped) io.stderr.write(`${errStyle.yellow('skipped')} ${showControls(`${k.relPath}: ${k.reason}`, { singleLine: true })}\n`);
  }
  if (!ctx.quiet) {
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
