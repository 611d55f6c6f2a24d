/** `rag search`: retrieval only, no chat model. */
import type { Context } from '../context.js';
import { userPath } from '../discover/path-forms.js';
import { RagError } from '../errors.js';
import { searchJson, writeJson } from '../render/json.js';
import { renderHits, shortfallNote } from '../render/text.js';
import { openForQuery, retrieveWithVector } from '../retrieve/retrieve.js';

export interface SearchOptions {
  query: string;
  /** `-t`: format names; only their files are searched. */
  types?: string[];
  json: boolean;
}

export async function searchCommand(opts: SearchOptions, ctx: Context): Promise<void> {
  const query = opts.query.trim();
  if (!query) throw new RagError('usage', 'The search query is empty', 'pass some words to look for, e.g. rag search "api keys"');
  const { io } = ctx;
  const formats = opts.types?.length ? new Set(opts.types) : undefined;
  const { index, vector } = await openForQuery(ctx.index.home, ctx.index.exists, formats, ctx.hosts(), query);
  const requestedK = ctx.settings.topK;
  const { hits, matched } = await retrieveWithVector(index, query, vector, { topK: requestedK });
  const note = hits.length === 0 ? 'No matching passages.' : shortfallNote({ requestedK, returned: hits.length, matched });
  if (note !== undefined && !ctx.quiet) io.stderr.write(`${note}\n`);
  if (opts.json) {
    writeJson(io, searchJson(query, index.manifest.embedModel, hits, requestedK));
    return;
  }
  if (hits.length === 0) return;
  const width = Number(io.env.COLUMNS) || 100;
  const root = ctx.index.home.rootOf(index.manifest.root, ctx.io.cwd);
  io.stdout.write(renderHits(hits, ctx.style, { width, isTTY: io.stdoutIsTTY, show: (p) => userPath(root, io.cwd, p) }));
}
