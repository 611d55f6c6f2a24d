/**
 * `rag status`: what the index holds and whether Ollama is ready. Reads only the
 * manifest and file records (no LanceDB load), so it answers instantly. It always
 * prints the full report; the exit code is that of the first problem, so
 * `rag status && rag ask …` works as a readiness check in scripts.
 */
import path from 'node:path';
import { envValue, pick, type Context } from '../context.js';
import { DEFAULTS } from '../defaults.js';
import { Exit, RagError, describeError, type ExitCode } from '../errors.js';
import { readManifest, readPendingRebuild, readRecords, type Manifest } from '../store/manifest.js';
import { writeJson } from '../render/json.js';

export interface StatusOptions {
  json: boolean;
}

interface ModelStatus {
  name: string;
  installed: boolean;
  right_kind: boolean | null;
}

export async function statusCommand(opts: StatusOptions, ctx: Context): Promise<void> {
  const { io, style } = ctx;
  const manifest: Manifest | undefined = ctx.index.exists ? await readManifest(ctx.index.dir) : undefined;
  const records = manifest ? await readRecords(ctx.index.dir, manifest.generation) : new Map();
  const chunks = [...records.values()].reduce((n: number, r: { chunks: number }) => n + r.chunks, 0);
  const rebuild = manifest ? await pendingRebuild(ctx.index.dir, manifest) : undefined;
  const embedModel = manifest?.embedModel ?? envValue(io, 'RAG_EMBED_MODEL') ?? ctx.config.embedModel ?? DEFAULTS.embedModel;
  const chatModel = pick(undefined, envValue(io, 'RAG_MODEL'), ctx.config.model, DEFAULTS.model);

  const problems: RagError[] = [];
  if (!manifest) problems.push(new RagError(Exit.index, `No index at ${ctx.index.dir}`, "run 'rag index <folder>' to create one"));
  else if (records.size === 0) problems.push(new RagError(Exit.index, 'The index is empty', "run 'rag index <folder>'"));

  let version: string | null = null;
  let reachable = false;
  const models: { embed: ModelStatus; chat: ModelStatus } = {
    embed: { name: embedModel, installed: false, right_kind: null },
    chat: { name: chatModel, installed: false, right_kind: null },
  };
  const ollama = ctx.ollama();
  try {
    version = await ollama.version();
    reachable = true;
    for (const [key, kind] of [['embed', 'embedding'], ['chat', 'completion']] as const) {
      const info = await ollama.showModel(models[key].name);
      models[key].installed = Boolean(info);
      if (!info) {
        problems.push(new RagError(Exit.model, `Model '${models[key].name}' is not installed`, `run 'ollama pull ${models[key].name}'`));
        continue;
      }
      if (info.capabilities.length > 0) {
        models[key].right_kind = kind === 'embedding' ? info.capabilities.includes('embedding') : info.capabilities.includes('completion');
        if (!models[key].right_kind) problems.push(new RagError(Exit.model, `Model '${models[key].name}' is not ${kind === 'embedding' ? 'an embedding' : 'a chat'} model`, `choose another with ${kind === 'embedding' ? '--embed-model' : '--model'}`));
      }
    }
  } catch (err) {
    problems.push(err instanceof RagError ? err : new RagError(Exit.ollama, String(err)));
  }
  // Index problems first, then Ollama, then models: the order a user fixes them in.
  problems.sort((a, b) => rank(a.exitCode) - rank(b.exitCode));
  const code: ExitCode = problems[0]?.exitCode ?? Exit.ok;

  if (opts.json) {
    writeJson(io, {
      ready: problems.length === 0,
      index: {
        path: ctx.index.dir,
        exists: Boolean(manifest),
        root: manifest ? ctxRoot(ctx.index.dir, manifest) : null,
        files: records.size,
        chunks,
        embed_model: manifest?.embedModel ?? null,
        embed_digest: manifest?.embedDigest ?? null,
        dimensions: manifest?.dimensions ?? null,
        chunk_size: manifest?.chunkSizeChars ?? null,
        chunk_overlap: manifest?.chunkOverlapChars ?? null,
        updated_at: manifest?.updatedAt ?? null,
        pending_rebuild: rebuild
          ? { files: rebuild.files, embed_model: rebuild.manifest.embedModel, chunk_size: rebuild.manifest.chunkSizeChars, chunk_overlap: rebuild.manifest.chunkOverlapChars }
          : null,
      },
      ollama: { host: ctx.host, reachable, version },
      models,
      problems: problems.map((p) => ({ code: p.exitCode, message: describeError(p) })),
    });
  } else {
    const ok = (b: boolean) => (b ? style.green('✓') : style.red('✗'));
    const lines = [
      `${style.bold('Index')}     ${ctx.index.dir}${manifest ? '' : style.dim(' (none yet)')}`,
      ...(manifest
        ? [
            `  root      ${ctxRoot(ctx.index.dir, manifest)}`,
            `  files     ${records.size}`,
            `  passages  ${chunks}`,
            `  model     ${manifest.embedModel} (${manifest.dimensions} dimensions)`,
            `  chunking  ${manifest.chunkSizeChars} characters, ${manifest.chunkOverlapChars} overlap`,
            `  updated   ${manifest.updatedAt}`,
            ...(rebuild
              ? [
                  `  rebuild   interrupted after ${rebuild.files} file(s) (${rebuild.manifest.embedModel}, ${rebuild.manifest.chunkSizeChars}/${rebuild.manifest.chunkOverlapChars}): ` +
                    "run the same 'rag index --rebuild' again to resume it",
                ]
              : []),
          ]
        : []),
      `${style.bold('Ollama')}    ${ctx.host} ${ok(reachable)}${version ? ` version ${version}` : ' unreachable'}`,
      `  embedding ${embedModel} ${ok(models.embed.installed && models.embed.right_kind !== false)}`,
      `  chat      ${chatModel} ${ok(models.chat.installed && models.chat.right_kind !== false)}`,
    ];
    io.stdout.write(`${lines.join('\n')}\n`);
  }
  // The same stderr lines with or without --json: scripts may read either stream.
  for (const p of problems) io.stderr.write(`rag: ${describeError(p)}\n`);
  // Already reported above: an error without a message only carries the exit code.
  if (code !== Exit.ok) throw new RagError(code, '');
}

/** An interrupted --rebuild of the live index, and how many files it finished. */
async function pendingRebuild(indexDir: string, live: Manifest): Promise<{ manifest: Manifest; files: number } | undefined> {
  const pending = await readPendingRebuild(indexDir, live);
  if (!pending) return undefined;
  const files = (await readRecords(indexDir, pending.generation).catch(() => new Map())).size;
  return { manifest: pending, files };
}

function ctxRoot(indexDir: string, manifest: Manifest): string {
  return path.resolve(indexDir, manifest.root);
}

function rank(code: ExitCode): number {
  return code === Exit.index ? 0 : code === Exit.ollama ? 1 : code === Exit.model ? 2 : 3;
}
