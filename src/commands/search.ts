/** `rag search`: retrieval only, no chat model. */
import type { Context } from '../context.js';
import { RagError } from '../errors.js';
import { searchJson, writeJson } from '../render/json.js';
import { renderHits } from '../render/text.js';
import { openIndex, retrieve } from '../retrieve/retrieve.js';

export interface SearchOptions {
  query: string;
  json: boolean;
}

export async function searchCommand(opts: SearchOptions, ctx: Context): Promise<void> {
  const query = opts.query.trim();
  if (!query) throw new RagError('usage', 'The search query is empty', 'pass some words to look for, e.g. rag search "api keys"');
  const { io } = ctx;
  const index = await openIndex(ctx.index.dir, ctx.index.exists);
  const { hits } = await retrieve(index, ctx.ollama(), query, { topK: ctx.settings.topK });
  if (opts.json) {
    writeJson(io, searchJson(query, index.manifest.embedModel, hits));
    return;
  }
  if (hits.length === 0) {
    if (!ctx.quiet) io.stderr.write('No matching passages.\n');
    return;
  }
  const width = Number(io.env.COLUMNS) || 100;
  io.stdout.write(renderHits(hits, ctx.style, { width, isTTY: io.stdoutIsTTY }));
}
