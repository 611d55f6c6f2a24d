/** `rag index`: options in, the index run in indexer.ts, a summary out. */
import v8 from 'node:v8';
import { envValue, pick, type Context } from '../context.js';
import { DEFAULTS } from '../defaults.js';
import { runIndex, type IndexSummary } from '../indexing/run.js';
import { writeJson } from '../render/json.js';
import { startProgress } from '../render/progress.js';
import { dryRunReport, indexSummaryLine } from '../render/text.js';

export interface IndexCommandOptions {
  paths: string[];
  embedModel?: string;
  chunkSize?: number;
  chunkOverlap?: number;
  include: string[];
  exclude: string[];
  gitignore: boolean;
  maxFileSizeMb?: number;
  rebuild: boolean;
  dryRun: boolean;
  pull: boolean;
  batchSize?: number;
  concurrency?: number;
  json: boolean;
}

export async function indexCommand(opts: IndexCommandOptions, ctx: Context): Promise<void> {
  // An index run's garbage is short-lived (files, responses, Arrow buffers), yet V8 grows
  // the young generation to 16 MB semi-spaces, which left some 40 MB more committed heap at
  // the run's peak (npm run bench) for no measurable speed. V8 reads the flag whenever it
  // considers growing, so setting it now takes effect. Only here: a search or an ask, which
  // mostly converts LanceDB results, ran 10-40 ms slower with it.
  v8.setFlagsFromString('--semi-space-growth-factor=1');
  const { io, config } = ctx;
  const progress = await startProgress(io, { enabled: !ctx.quiet && !opts.json, text: 'Scanning files…' });
  let summary: IndexSummary;
  try {
    summary = await runIndex(
      {
        paths: opts.paths,
        // The index's own model wins over the environment and config, unless given as a flag:
        // RAG_EMBED_MODEL and config only choose the model of a new index.
        embedModel: opts.embedModel ?? (ctx.index.exists ? undefined : (envValue(io, 'RAG_EMBED_MODEL') ?? config.embedModel)),
        defaultEmbedModel: envValue(io, 'RAG_EMBED_MODEL') ?? config.embedModel ?? DEFAULTS.embedModel,
        chunkSizeChars: opts.chunkSize,
        chunkOverlapChars: opts.chunkOverlap,
        defaultChunk: {
          chunkSizeChars: config.chunkSize ?? DEFAULTS.chunkSize,
          chunkOverlapChars: config.chunkOverlap ?? DEFAULTS.chunkOverlap,
        },
        include: opts.include,
        exclude: opts.exclude,
        useGitignore: opts.gitignore,
        maxFileSizeBytes: Math.round(pick(opts.maxFileSizeMb, undefined, config.maxFileSizeMb, DEFAULTS.maxFileSizeMb) * 1024 * 1024),
        rebuild: opts.rebuild,
        dryRun: opts.dryRun,
        pull: opts.pull,
        batchSize: opts.batchSize ?? DEFAULTS.embedBatchSize,
        concurrency: opts.concurrency ?? DEFAULTS.embedConcurrency,
      },
      {
        ollama: ctx.ollama,
        indexDir: ctx.index.dir,
        isExplicitIndex: ctx.index.isExplicit,
        cwd: io.cwd,
        pid: ctx.pid,
        now: io.now,
        signal: ctx.signal,
        onProgress: (p) => progress.update(`Indexing: ${p.filesDone}/${p.filesTotal} files read · ${p.chunksEmbedded}/${p.chunksQueued} passages embedded`),
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
    for (const k of summary.skipped) io.stderr.write(`${errStyle.yellow('skipped')} ${k.relPath}: ${k.reason}\n`);
  }
  if (!ctx.quiet) {
    io.stderr.write(`${errStyle.green(indexSummaryLine(summary))}\n`);
    if (summary.resumedFiles > 0) io.stderr.write(`Resumed the interrupted rebuild: ${summary.resumedFiles} file(s) were already done.\n`);
    if (summary.skipped.length > 0 && !ctx.verbose && !opts.dryRun) {
      io.stderr.write(errStyle.dim(`${summary.skipped.length} file(s) skipped; run with --verbose to see which and why.\n`));
    }
  }
}

/** The `rag index --json` document (README: "JSON output"). */
export function indexJson(s: IndexSummary) {
  return {
    index: s.indexDir,
    root: s.root,
    dry_run: s.dryRun,
    embed_model: s.embedModel,
    dimensions: s.dimensions ?? null,
    files: { seen: s.filesSeen, new: s.new, changed: s.changed, unchanged: s.unchanged, removed: s.removed, skipped: s.skipped.length },
    chunks: { embedded: s.chunksEmbedded, reused: s.chunksReused, total: s.chunksTotal },
    embed_requests: s.embedRequests,
    resumed_files: s.resumedFiles,
    elapsed_ms: s.elapsedMs,
    changes: s.changes,
    skipped: s.skipped.map((k) => ({ path: k.relPath, reason: k.reason })),
  };
}
