/**
 * The Ollama stub's HTTP layer: the replies a route can give, parsing request bodies the
 * way Ollama's Go server reports errors, and writing replies, including broken ones
 * (a cut stream, a reset connection) that tests script.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export type Json = Record<string, unknown>;

export type Reply =
  | { kind: 'json'; status: number; body: unknown }
  | { kind: 'text'; status: number; text: string }
  /** ndjson false: a single JSON object that still waits for a processing slot (non-streamed chat). */
  | { kind: 'stream'; ndjson: boolean; lines: AsyncIterable<unknown> }
  | { kind: 'reset' }
  | { kind: 'cut'; reply: Reply };

export function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export async function* toAsync(items: unknown[]): AsyncGenerator<unknown> {
  yield* items;
}

export function jsonError(status: number, error: string): Reply {
  return { kind: 'json', status, body: { error } };
}

/** Durations in the replies are nanoseconds, like Ollama's. */
export function ns(ms: number): number {
  return Math.round(ms * 1e6) + 1000;
}

export interface ParsedBody {
  body: unknown;
  error?: string;
}

/** What Go's encoding/json says, so error text looks like the real server's. */
export function parseBody(raw: string): ParsedBody {
  if (raw.trim() === '') return { body: undefined, error: 'missing request body' };
  try {
    return { body: JSON.parse(raw) };
  } catch {
    const c = raw.trim()[0] ?? '';
    return { body: raw, error: `invalid character '${c}' looking for beginning of value` };
  }
}

/** Resolves once the bytes are handed to the socket, so a following destroy() cannot discard them. */
function writeAndWait(res: ServerResponse, text: string): Promise<void> {
  return new Promise((resolve) => res.write(text, () => resolve()));
}

export async function writeReply(req: IncomingMessage, res: ServerResponse, reply: Reply): Promise<void> {
  if (reply.kind === 'reset') {
    req.socket.destroy();
    return;
  }
  const cut = reply.kind === 'cut';
  const inner = reply.kind === 'cut' ? reply.reply : reply;
  if (inner.kind === 'reset' || inner.kind === 'cut') throw new Error('ollama stub: nested failure');

  if (inner.kind === 'text' || inner.kind === 'json') {
    const text = inner.kind === 'text' ? inner.text : JSON.stringify(inner.body);
    const type = inner.kind === 'text' ? 'text/plain' : 'application/json; charset=utf-8';
    res.writeHead(inner.status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text) });
    if (!cut) {
      res.end(req.method === 'HEAD' ? undefined : text);
      return;
    }
    await writeAndWait(res, text.slice(0, Math.floor(text.length / 2)));
    res.destroy();
    return;
  }

  // A non-streamed chat comes through here as a one-line stream so it shares the slot logic.
  const isNdjson = inner.ndjson;
  let written = 0;
  for await (const line of inner.lines) {
    if (res.destroyed) break; // the client went away; the generator's finally frees the slot
    if (!res.headersSent) res.writeHead(200, { 'Content-Type': isNdjson ? 'application/x-ndjson' : 'application/json; charset=utf-8' });
    const text = JSON.stringify(line) + (isNdjson ? '\n' : '');
    if (cut && (!isNdjson || written === 2)) {
      await writeAndWait(res, isNdjson ? '' : text.slice(0, Math.floor(text.length / 2)));
      res.destroy();
      return;
    }
    res.write(text);
    written++;
  }
  if (cut) res.destroy();
  else if (!res.destroyed) res.end();
}
