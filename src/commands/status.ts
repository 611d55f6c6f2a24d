/**
 * `rag status`: what the index holds and whether Ollama is ready. Reads the manifest and
 * file records, and opens the table to check that it is readable and holds as many
 * passages as the records say (damage would otherwise only show in a search). It always
 * prints the full report and hands its problems back: main.ts prints them and exits
 * with the first one's code, so `rag status && rag ask …` works as a readiness check.
 */
import path from 'node:path';
import type { Context } from '../context.js';
import { RagError, Exit, type ExitCode } from '../errors.js';
import { formatOf } from '../formats.js';
import type { IndexHome } from '../store/index-home.js';
import { readManifest, readPendingRebuild, readRecords, requireCurrentSchema, tableName, type Manifest } from '../store/manifest.js';
import { statusJson, writeJson } from '../render/json.js';
import { statusText } from '../render/text.js';
import { relativeTime } from '../render/terminal-text.js';
import type { OllamaClient } from '../ollama.js';
import type { ModelStatus, StatusReport } from '../types.js';

export interface StatusOptions {
  json: boolean;
}

export async function statusCommand(opts: StatusOptions, ctx: Context): Promise<RagError[]> {
  const report = await gatherStatus(ctx);
  if (opts.json) writeJson(ctx.io, statusJson(report));
  // A person reads "3 minutes ago"; a log or a script keeps the exact time.
  else ctx.io.stdout.write(statusText(report, ctx.style, ctx.io.stdoutIsTTY ? (iso) => relativeTime(iso, ctx.io.now()) : undefined));
  return report.problems;
}

/** The report without printing it (also the `status` tool of `rag mcp`). */
export async function gatherStatus(ctx: Context): Promise<StatusReport> {
  const dir = ctx.index.dir;
  const home = ctx.index.home;
  const manifest: Manifest | undefined = ctx.index.exists ? await readManifest(home) : undefined;
  const records = manifest ? await readRecords(home, manifest.generation) : new Map();
  const chunks = [...records.values()].reduce((n: number, r: { chunks: number }) => n + r.chunks, 0);
  const pendingRebuild = manifest ? await pendingRebuildOf(home, manifest) : undefined;

  const problems: RagError[] = [];
  if (!manifest) problems.push(new RagError('index-missing', `No index at ${dir}`, "run 'rag index <folder>' to create one"));
  else if (records.size === 0) problems.push(new RagError('index-empty', 'The index is empty', "run 'rag index <folder>'"));
  try {
    requireCurrentSchema(manifest, dir);
  } catch (err) {
    if (err instanceof RagError) problems.push(err);
  }
  const damage = manifest ? await checkTable(home, manifest, chunks) : undefined;
  if (damage) problems.push(damage);

  const ollama = { host: ctx.host, hostSource: ctx.settings.hostSource, reachable: false, version: null as string | null };
  const models: StatusReport['models'] = {
    embed: { name: manifest?.embedModel ?? ctx.settings.defaultEmbedModel, installed: false, rightKind: null },
    chat: { name: ctx.settings.chatModel, installed: false, rightKind: null },
  };
  let hosts: StatusReport['hosts'] = [];
  try {
    hosts = await checkHosts(ctx, ollama, models, problems);
  } catch (err) {
    problems.push(err instanceof RagError ? err : new RagError('not-ollama', String(err)));
  }
  problems.sort((a, b) => rank(a.exitCode) - rank(b.exitCode));
  return {
    index: { dir, ...(manifest ? { manifest, root: path.resolve(dir, manifest.root) } : {}), files: records.size, filesByFormat: filesByFormat(records.keys()), chunks, ...(pendingRebuild ? { pendingRebuild } : {}) },
    ollama,
    hosts,
    models,
    problems,
  };
}

/**
 * One host: its version, then the models. Several: each host's reachability and models;
 * ready when one answers, every answering host serves the same embedding model, and one has the chat model.
 */
async function checkHosts(ctx: Context, ollama: StatusReport['ollama'], models: StatusReport['models'], problems: RagError[]): Promise<StatusReport['hosts']> {
  const pool = ctx.hosts();
  if (pool.size === 1) {
    const client = pool.first;
    const version = await client.version().catch((err: unknown) => {
      problems.push(err instanceof RagError ? err : new RagError('not-ollama', String(err)));
      return null;
    });
    const hosts = [{ host: client.host, reachable: version !== null, version, models: [] as string[] }];
    if (version === null) return hosts;
    Object.assign(ollama, { reachable: true, version });
    hosts[0]!.models = (await client.listModels()).map((m) => m.name).sort();
    await checkModel(client, models.embed, 'embedding', problems);
    await checkModel(client, models.chat, 'completion', problems);
    return hosts;
  }
  const hosts = (await pool.report()).map(({ error: _error, ...h }) => h);
  const answering = hosts.find((h) => h.reachable);
  if (!answering) {
    problems.push(new RagError('unreachable', `Cannot reach any of the ${hosts.length} Ollama hosts`, "is Ollama running there? Check --host or OLLAMA_HOST"));
    return hosts;
  }
  Object.assign(ollama, { host: answering.host, reachable: true, version: answering.version });
  try {
    await pool.requireModel(models.embed.name, 'embedding', { pull: false });
    models.embed.installed = true;
    models.embed.rightKind = true;
  } catch (err) {
    if (!(err instanceof RagError) || err.exitCode !== Exit.model) throw err;
    problems.push(err);
  }
  await checkModel(await pool.chatClient(models.chat.name), models.chat, 'completion', problems);
  return hosts;
}

async function checkModel(client: OllamaClient, model: ModelStatus, kind: 'embedding' | 'completion', problems: RagError[]): Promise<void> {
  const info = await client.showModel(model.name);
  model.installed = Boolean(info);
  if (!info) {
    problems.push(new RagError('missing-model', `Model '${model.name}' is not installed`, `run 'ollama pull ${model.name}'`));
    return;
  }
  if (info.capabilities.length === 0) return;
  model.rightKind = info.capabilities.includes(kind);
  if (!model.rightKind) {
    const [what, flag] = kind === 'embedding' ? ['an embedding', '--embed-model'] : ['a chat', '--model'];
    problems.push(new RagError('wrong-kind', `Model '${model.name}' is not ${what} model`, `choose another with ${flag}`));
  }
}

/** Indexed files per format (formats.ts names), most common first. */
export function filesByFormat(paths: Iterable<string>): Record<string, number> {
  const counts = new Map<string, number>();
  for (const p of paths) {
    const name = formatOf(p)?.name ?? 'other';
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)));
}

/** An interrupted --rebuild of the live index, and how many files it finished. */
/** Why the live table cannot serve the records' passages, or undefined when it can. */
async function checkTable(home: IndexHome, manifest: Manifest, chunks: number): Promise<RagError | undefined> {
  const { ChunkStore } = await import('../store/chunk-store.js');
  const indexDir = home.where;
  try {
    const store = await ChunkStore.open(home, tableName(manifest.generation), { dimensions: manifest.dimensions, create: false });
    const rows = await store.checkedCount(indexDir);
    if (rows === chunks) return undefined;
    return new RagError('damaged', `The index at ${indexDir} is damaged: its table holds ${rows} passages, its records ${chunks}`, "run 'rag index' to repair it, or 'rag index --rebuild'");
  } catch (err) {
    if (err instanceof RagError) return err;
    throw err;
  }
}

async function pendingRebuildOf(home: IndexHome, live: Manifest): Promise<{ manifest: Manifest; files: number } | undefined> {
  const pending = await readPendingRebuild(home, live);
  if (!pending) return undefined;
  const files = (await readRecords(home, pending.generation).catch(() => new Map())).size;
  return { manifest: pending, files };
}

function rank(code: ExitCode): number {
  return code === Exit.index ? 0 : code === Exit.ollama ? 1 : code === Exit.model ? 2 : 3;
}
