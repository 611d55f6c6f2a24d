/** `rag rm`: remove files or folders from the index, on disk or not. */
import type { Context } from '../context.js';
import { removeFromIndex } from '../indexing/remove.js';
import { rmJson, writeJson } from '../render/json.js';
import { renderRemoved } from '../render/list.js';

export interface RmOptions {
  paths: string[];
  dryRun: boolean;
  json: boolean;
}

export async function rmCommand(opts: RmOptions, ctx: Context): Promise<void> {
  const { io } = ctx;
  const summary = await removeFromIndex(opts.paths, { dryRun: opts.dryRun }, {
    indexDir: ctx.index.dir,
    home: ctx.index.home,
    exists: ctx.index.exists,
    cwd: io.cwd,
    pid: ctx.pid,
    now: io.now,
  });
  if (opts.json) {
    writeJson(io, rmJson(summary));
    return;
  }
  const { lines, total } = renderRemoved(summary, { root: summary.root, cwd: io.cwd });
  io.stdout.write(lines);
  if (!ctx.quiet) io.stderr.write(`${ctx.errStyle.green(total)}\n`);
}
