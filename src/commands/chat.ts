/** `rag chat`: a conversation over the index; the loop itself is in chat/session.ts. */
import { runChat } from '../chat/session.js';
import type { Context } from '../context.js';
import { RagError } from '../errors.js';
import type { AskCommandOptions } from './ask.js';
import { errorJson, writeJsonLine } from '../render/json.js';

/** The generation options of `rag ask`, for every turn. */
export type ChatCommandOptions = Pick<AskCommandOptions, 'temperature' | 'seed' | 'numCtx' | 'sources' | 'pull' | 'json'>;

/**
 * With --json the error that ends the session is the stream's last line, compact like
 * the others: the caller tells main.ts not to print its own (pretty) error document.
 */
export async function chatCommand(opts: ChatCommandOptions, ctx: Context): Promise<void> {
  try {
    await startChat(opts, ctx);
  } catch (err) {
    if (opts.json && err instanceof RagError && err.message) writeJsonLine(ctx.io, { type: 'error', ...errorJson(err) });
    throw err;
  }
}

async function startChat(opts: ChatCommandOptions, ctx: Context): Promise<void> {
  await runChat(
    {
      model: ctx.settings.chatModel,
      topK: ctx.settings.topK,
      temperature: opts.temperature,
      sources: opts.sources,
      json: opts.json,
      pull: opts.pull,
      ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
      ...(opts.numCtx !== undefined ? { numCtx: opts.numCtx } : {}),
    },
    ctx,
  );
}
