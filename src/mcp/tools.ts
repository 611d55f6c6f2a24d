/**
 * What each `rag mcp` tool does, as plain functions from validated arguments to a
 * JSON-able result; they throw RagError like every command, and server.ts turns that
 * into an MCP tool error. The same retrieval, answering and status code as the CLI.
 */
import path from 'node:path';
import { askQuestion } from '../answer/answer.js';
import type { Context } from '../context.js';
import { RagError } from '../errors.js';
import { maxFileSizeFor } from '../formats.js';
import { BYTES_PER_MB } from '../load/text.js';
import { askJson, indexJson, searchJson, statusJson, type AskJson, type IndexJson, type SearchJson, type StatusJson } from '../render/json.js';
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
  if (!trimmed) throw new RagError('usage', `The ${what} is empty`, `pass some words as ${what}`);
  return trimmed;
}

export async function searchTool(ctx: Context, args: SearchArgs): Promise<SearchJson> {
  const query = nonEmpty(args.query, 'query');
  const index = await openIndex(ctx.index.home, ctx.index.exists);
  const pathPrefix = args.path_prefix?.trim().replace(/^(?:\.\/)+/, '');
  const topK = args.k ?? ctx.settings.topK;
  const { hits } = await retrieve(index, ctx.hosts(), query, { topK, ...(pathPrefix ? { pathPrefix } : {}) });
  return searchJson(query, index.manifest.embedModel, hits, topK);
}

export async function getTool(ctx: Context, args: GetArgs): Promise<FileSlice> {
  const index = await openIndex(ctx.index.home, ctx.index.exists);
  const records = await readRecords(ctx.index.home, index.manifest.generation);
  return readIndexedFile(args.path, {
    root: ctx.index.home.rootOf(index.manifest.root, ctx.io.cwd),
    indexed: new Set(records.keys()),
    maxFileSizeBytes: maxFileSizeFor(args.path, userLimitBytes(ctx)),
    ...(args.start_line !== undefined ? { startLine: args.start_line } : {}),
    ...(args.end_line !== undefined ? { endLine: args.end_line } : {}),
  });
}

export async function askTool(ctx: Context, args: AskArgs): Promise<AskJson> {
  const question = nonEmpty(args.question, 'question');
  const index = await openIndex(ctx.index.home, ctx.index.exists);
  const hosts = ctx.hosts();
  const model = ctx.settings.chatModel;
  const topK = args.k ?? ctx.settings.topK;
  const started = ctx.io.now();
  const retrieval = retrieve(index, hosts, question, { topK });
  // Awaited by askQuestion; choosing the chat host may fail first, and that is the error to report.
  retrieval.catch(() => undefined);
  const result = await askQuestion(
    index,
    await hosts.chatClient(model),
    { question, model, topK, stream: false, temperature: 0, pull: false },
    { now: ctx.io.now },
    retrieval,
    started,
  );
  return askJson(result);
}

/** `rag index` for paths under the index root only, with the same writer lock. */
export async function indexTool(ctx: Context, args: IndexArgs): Promise<IndexJson> {
  const index = await openIndex(ctx.index.home, ctx.index.exists);
  const root = ctx.index.home.rootOf(index.manifest.root, ctx.io.cwd);
  const paths = (args.paths ?? []).length > 0 ? args.paths ?? [] : ['.'];
  for (const p of paths) {
    const abs = path.resolve(root, p);
    if (abs !== root && !abs.startsWith(root + path.sep)) {
      throw new RagError('usage', `'${p}' is outside the index root ${root}`, 'pass paths relative to the index root');
    }
  }
  const { runIndex } = await import('../indexing/run.js');
  const summary = await runIndex(
    {
      paths, embedModel: undefined, defaultEmbedModel: index.manifest.embedModel,
      chunkSizeChars: undefined, chunkOverlapChars: undefined,
      defaultChunk: { chunkSizeChars: index.manifest.chunkSizeChars, chunkOverlapChars: index.manifest.chunkOverlapChars },
      include: [], exclude: [], useGitignore: true, follow: false,
      maxFileSizeBytes: userLimitBytes(ctx),
      rebuild: false, dryRun: false, pull: false,
      batchSize: ctx.settings.batchSize, concurrency: ctx.settings.concurrency,
    },
    { ollama: ctx.hosts, indexDir: ctx.index.dir, home: ctx.index.home, isExplicitIndex: ctx.index.isExplicit, cwd: root, pid: ctx.pid, now: ctx.io.now, signal: ctx.signal },
  );
  return indexJson(summary);
}

/** The `rag status --json` document; problems are part of the result, not a tool error. */
export async function statusTool(ctx: Context, _args: Record<string, never>): Promise<StatusJson> {
  const { gatherStatus } = await import('../commands/status.js');
  return statusJson(await gatherStatus(ctx));
}

/** `--max-file-size` as given; undefined leaves each format its own default. */
function userLimitBytes(ctx: Context): number | undefined {
  return ctx.settings.maxFileSizeMb === undefined ? undefined : ctx.settings.maxFileSizeMb * BYTES_PER_MB;
}
