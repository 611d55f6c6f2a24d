/** `rag ls`: the indexed files, filtered by path or glob. */
import type { Context } from '../context.js';
import { listIndexed } from '../indexing/list.js';
import { lsJson, writeJson } from '../render/json.js';
import { listTotal, renderListTable, renderPaths } from '../render/list.js';

export interface LsOptions {
  paths: string[];
  json: boolean;
}

export async function lsCommand(opts: LsOptions, ctx: Context): Promise<void> {
  const { io } = ctx;
  const listing = await listIndexed(opts.paths, { indexDir: ctx.index.dir, home: ctx.index.home, exists: ctx.index.exists, cwd: io.cwd });
  if (opts.json) {
    writeJson(io, lsJson(listing));
    return;
  }
  const view = { root: listing.root, cwd: io.cwd };
  if (io.stdoutIsTTY) {
    io.stdout.write(renderListTable(listing.files, { ...view, nowMs: io.now(), style: ctx.style }));
    return;
  }
  io.stdout.write(renderPaths(listing.files.map((f) => f.path), view));
  if (!ctx.quiet) io.stderr.write(`${listTotal(listing.files)}\n`);
}
