/** `rag search`: retrieval only, no chat model. */
import { pick, type Context } from '../context.js';
import { DEFAULTS } from '../defaults.js';
import { RagError } from '../errors.js';
import { writeJson } from '../render/json.js';
import { location, renderHits } from '../render/text.js';
import { openIndex, retrieve } from '../retrieve/retrieve.js';

export interface SearchOptions {
  query: string;
  topK?: number;
  json: boolean;
}

export async function searchCommand(opts: SearchOptions, ctx: Context): Promise<void> {
  const query = opts.query.trim();
  if (!query) throw new RagError('usage', 'The search query is empty', 'pass some words to look for, e.g. rag search "api keys"');
  const { io } = ctx;
  const index = await openIndex(ctx.index.dir, ctx.index.exists);
  const topK = pick(opts.topK, undefined, ctx.config.topK, DEFAULTS.topK);
  const { hits } = await retrieve(index, ctx.ollama(), query, { topK });
  if (opts.json) {
    writeJson(io, {
      query,
      embed_model: index.manifest.embedModel,
      results: hits.map((h, i) => ({
        rank: i + 1, id: h.id, path: h.path, start_line: h.startLine, end_line: h.endLine, location: location(h),
        heading: h.heading, score: h.score, text: h.text,
      })),
    });
    return;
  }
  if (hits.length === 0) {
    if (!ctx.quiet) io.stderr.write('No matching passages.\n');
    return;
  }
  const width = Number(io.env.COLUMNS) || 100;
  io.stdout.write(renderHits(hits, ctx.style, { width, isTTY: io.stdoutIsTTY }));
}
