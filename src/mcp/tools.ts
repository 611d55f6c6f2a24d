/**
 * What each `rag mcp` tool does, as plain functions from validated arguments to a
 * JSON-able result; they throw RagError like every command, and server.ts turns that
 * into an MCP tool error. The same retrieval, answering and status code as the CLI.
 */
import path from 'node:path';
import { askQuestion } from '../answer/answer.js';
import { askJson } from '../commands/ask.js';
import { envValue, pick, type Context } from '../context.js';
import { DEFAULTS } from '../defaults.js';
import { Exit, RagError } from '../errors.js';
import { BYTES_PER_MB } from '../load/text.js';
import { location } from '../render/text.js';
import { openIndex, retrieve } from '../retrieve/retrieve.js';
import { readRecords } from '../store/manifest.js';
import { readIndexedFile, type FileSlice } from './files.js';

export interface SearchArgs {
  query: string;
  k?: number | undefined;
  path_prefix?: string | undefined;
}

export interface GetArgs {
  path: string;
  start_line?: number | undefined;
  end_line?: number | undefined;
}

export interface AskArgs {
  question: string;
  k?: number | undefined;
}

export interface IndexArgs {
  paths?: string[] | undefined;
}

function nonEmpty(value: string, what: string): string {
  const trimmed = value.trim();
  if (!trimmed) throw new RagError(Exit.usage, `The ${what} is empty`, `pass some words as ${what}`);
  return trimmed;
}

export async function searchTool(ctx: Context, args: SearchArgs) {
  const query = nonEmpty(args.query, 'query');
  const index = await openIndex(ctx.index.dir, ctx.index.exists);
  const topK = args.k ?? pick(undefined, undefined, ctx.config.topK, DEFAULTS.topK);
  const pathPrefix = args.path_prefix?.trim().replace(/^(?:\.\/)+/, '');
  const { hits } = await retrieve(index, ctx.ollama(), query, { topK, ...(pathPrefix ? { pathPrefix } : {}) });
  return {
    query,
    results: hits.map((h, i) => ({
      rank: i + 1, path: h.path, start_line: h.startLine, end_line: h.endLine, location: location(h), heading: h.heading, score: h.score, text: h.text,
    })),
  };
}

export async function getTool(ctx: Context, args: GetArgs): Promise<FileSlice> {
  const index = await openIndex(ctx.index.dir, ctx.index.exists);
  const records = await readRecords(ctx.index.dir, index.manifest.generation);
  return readIndexedFile(args.path, {
    root: path.resolve(ctx.index.dir, index.manifest.root),
    indexed: new Set(records.keys()),
    maxFileSizeBytes: (ctx.config.maxFileSizeMb ?? DEFAULTS.maxFileSizeMb) * BYTES_PER_MB,
    ...(args.start_line !== undefined ? { startLine: args.start_line } : {}),
    ...(args.end_line !== undefined ? { endLine: args.end_line } : {}),
  });
}

export async function askTool(ctx: Context, args: AskArgs) {
  const question = nonEmpty(args.question, 'question');
  const index = await openIndex(ctx.index.dir, ctx.index.exists);
  const model = pick(undefined, envValue(ctx.io, 'RAG_MODEL'), ctx.config.model, DEFAULTS.model);
  const result = await askQuestion(
    index,
    ctx.ollama(),
    { question, model, topK: args.k ?? pick(undefined, undefined, ctx.config.topK, DEFAULTS.topK), stream: false, temperature: 0, pull: false },
    { now: ctx.io.now },
  );
  return askJson(result);
}

/** `rag index` for paths under the index root only, with the same writer lock. */
export async function indexTool(ctx: Context, args: IndexArgs) {
  const index = await openIndex(ctx.index.dir, ctx.index.exists);
  const root = path.resolve(ctx.index.dir, index.manifest.root);
  const paths = (args.paths ?? []).length > 0 ? args.paths ?? [] : ['.'];
  for (const p of paths) {
    const abs = path.resolve(root, p);
    if (abs !== root && !abs.startsWith(root + path.sep)) {
      throw new RagError(Exit.usage, `'${p}' is outside the index root ${root}`, 'pass paths relative to the index root');
    }
  }
  const { runIndex } = await import('../indexing/run.js');
  const { indexJson } = await import('../commands/index.js');
  const summary = await runIndex(
    {
      paths, embedModel: undefined, defaultEmbedModel: index.manifest.embedModel,
      chunkSizeChars: undefined, chunkOverlapChars: undefined,
      defaultChunk: { chunkSizeChars: index.manifest.chunkSizeChars, chunkOverlapChars: index.manifest.chunkOverlapChars },
      include: [], exclude: [], useGitignore: true,
      maxFileSizeBytes: (ctx.config.maxFileSizeMb ?? DEFAULTS.maxFileSizeMb) * BYTES_PER_MB,
      rebuild: false, dryRun: false, pull: false,
      batchSize: DEFAULTS.embedBatchSize, concurrency: DEFAULTS.embedConcurrency,
    },
    { ollama: ctx.ollama, indexDir: ctx.index.dir, isExplicitIndex: ctx.index.isExplicit, cwd: root, pid: ctx.pid, now: ctx.io.now, signal: ctx.signal },
  );
  return indexJson(summary);
}

/** `rag status --json`, without printing: the report, problems included, is the result. */
export async function statusTool(ctx: Context, _args: Record<string, never>) {
  const { Writable } = await import('node:stream');
  let out = '';
  const sink = new Writable({ write: (chunk, _enc, done) => { out += String(chunk); done(); } });
  const quiet = new Writable({ write: (_chunk, _enc, done) => done() });
  const { statusCommand } = await import('../commands/status.js');
  await statusCommand({ json: true }, { ...ctx, io: { ...ctx.io, stdout: sink, stderr: quiet } }).catch((err: unknown) => {
    if (!(err instanceof RagError) || err.message) throw err;
  });
  return JSON.parse(out) as object;
}
