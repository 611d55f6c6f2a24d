/** `rag search`: retrieval only, no chat model. */
import type { Context } from '../context.js';
import { RagError } from '../errors.js';
import { searchJson, writeJson } from '../render/json.js';
import { renderHits, shortfallNote } from '../render/text.js';
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
  const requestedK = ctx.settings.topK;
  const { hits, matched } = await retrieve(index, ctx.ollama(), query, { topK: requestedK });
  const note = hits.length === 0 ? 'No matching passages.' : shortfallNote({ requestedK, returned: hits.length, matched });
  if (note !== undefined && !ctx.quiet) io.stderr.write(`${note}\n`);
  if (opts.json) {
    writeJson(io, searchJson(query, index.manifest.embedModel, hits, requestedK));
    return;
  }
  if (hits.length === 0) return;
  const width = Number(io.env.COLUMNS) || 100;
  io.stdout.write(renderHits(hits, ctx.style, { width, isTTY: io.stdoutIsTTY }));
}
