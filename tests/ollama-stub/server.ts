/**
 * A deterministic Ollama server for tests, the demo and the benchmark: real `node:http`
 * on 127.0.0.1, reached through the real `ollama` client. Its endpoints answer as Ollama's
 * own do (its API documentation), for the behaviours rag relies on.
 *
 * Embeddings are hashed bags of words, so retrieval over them is meaningful; chat replies
 * are grounded in rag's prompt layout (numbered passages, then `Question:`), so citations
 * can be asserted. Both are pure functions, kept in stub-text.ts and re-exported here for
 * tests that want expected values. This module holds the routes and what tests script;
 * stub-models.ts the model catalogue, stub-slots.ts simulated model time, stub-http.ts
 * body parsing and reply writing.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isRecord, jsonError, ns, parseBody, toAsync, writeReply, type Json, type ParsedBody, type Reply } from './http.js';
import { DEFAULT_STUB_MODELS, ModelCatalog, modelSize, type StubModel } from './models.js';
import { rewriteFollowUp } from './rewrite.js';
import { ProcessingSlots } from './slots.js';
import { CHARS_PER_TOKEN, answerPrompt, embedText, estimateStubTokens, normalise, truncatePromptFront, type ChatMessage } from './text.js';

export { answerPrompt, embedText, estimateStubTokens, textFeatures, truncatePromptFront } from './text.js';
export type { ChatMessage } from './text.js';
export { DEFAULT_STUB_MODELS, type StubModel } from './models.js';

/** Simulated model time, for the benchmark. All zero (the default) means no timers at all. */
export interface StubCost {
  embedMsPerInput?: number;
  embedMsPerRequest?: number;
  chatMsPerToken?: number;
  chatMsPerRequest?: number;
  /** Requests processed at once, like OLLAMA_NUM_PARALLEL; the rest queue FIFO. Default 1. */
  parallel?: number;
}

export interface StubOptions {
  models?: StubModel[];
  /** Names installed at start; default all models. */
  installed?: string[];
  cost?: StubCost;
  port?: number;
  /** Names /api/pull can fetch; default all models. */
  pullable?: string[];
}

export interface LoggedRequest {
  /** The URL path, e.g. `/api/embed`. */
  route: string;
  /** Parsed JSON; the raw text when it did not parse; undefined for an empty body. */
  body: unknown;
  /** Date.now() when the body had been read. */
  at: number;
}

export interface ChatRecord {
  model: string;
  messages: ChatMessage[];
  options?: Record<string, unknown>;
  stream: boolean;
  /** The prompt overflowed the context window and its front was dropped. */
  truncated: boolean;
}

export type StubRoute = '/api/embed' | '/api/chat' | '/api/show' | '/api/tags' | '/api/pull' | '/api/version';

/**
 * What the next request on a route gets instead of the normal answer. `{ reply }` (only for
 * /api/chat) is not a failure but a scripted model answer, e.g. one citing a marker that
 * points at no passage; the request is otherwise handled as usual (options, truncation).
 */
export type StubFailure = { status: number; error: string } | 'cut-stream' | 'reset' | { delayMs: number } | { reply: string };

export interface Stub {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  /** Every request, in order, including ones answered with an error. Cleared by resetLog(). */
  requests: LoggedRequest[];
  /** All inputs sent to /api/embed, flattened, in order. */
  embedInputs(): string[];
  embedRequests(): number;
  chatRequests(): ChatRecord[];
  /** Embed inputs silently cut to the model's context (truncate not false). */
  truncatedEmbedInputs(): number;
  /** Union of the intervals during which at least one request held a processing slot. */
  busyMs(): number;
  /** The most requests holding a processing slot at once since start or resetLog(). */
  peakParallel(): number;
  failNext(route: StubRoute, failure: StubFailure, times?: number): void;
  setCost(cost: StubCost): void;
  resetLog(): void;
  /** Rejects, after closing, if a scripted failure was never used (gh's httpmock Verify). */
  close(): Promise<void>;
}

export const STUB_VERSION = '0.33.0';

const DEFAULT_CHAT_CONTEXT = 2048;
const THINKING_TEXT = 'Looking for the passage that shares the most words with the question.';

// ---------------------------------------------------------------------------
// The server.

const POST_ROUTES: ReadonlySet<string> = new Set(['/api/embed', '/api/chat', '/api/show', '/api/pull']);
const SCRIPTABLE: ReadonlySet<string> = new Set<StubRoute>(['/api/embed', '/api/chat', '/api/show', '/api/tags', '/api/pull', '/api/version']);

function describeFailure(failure: StubFailure): string {
  return typeof failure === 'string' ? failure : JSON.stringify(failure);
}

export async function startStub(options: StubOptions = {}): Promise<Stub> {
  const catalog = new ModelCatalog(options.models ?? DEFAULT_STUB_MODELS, options.installed, options.pullable);
  let cost: StubCost = { ...options.cost };
  const slots = new ProcessingSlots(() => Math.max(1, Math.floor(cost.parallel ?? 1)));

  const requests: LoggedRequest[] = [];
  const chats: ChatRecord[] = [];
  let truncatedEmbeds = 0;
  const scripts = new Map<string, StubFailure[]>();

  // ---- routes

  async function handleEmbed(body: Json): Promise<Reply> {
    if (typeof body.model !== 'string' || body.model === '') return jsonError(400, 'model is required');
    let inputs: string[];
    if (body.input === undefined || body.input === null) inputs = [];
    else if (typeof body.input === 'string') inputs = body.input === '' ? [] : [body.input];
    else if (Array.isArray(body.input) && body.input.every((v): v is string => typeof v === 'string')) inputs = body.input;
    else return jsonError(400, 'invalid input type');
    const m = catalog.lookup(body.model);
    if (m === undefined) return jsonError(404, `model "${body.model}" not found, try pulling it first`);
    if (m.kind !== 'embedding') return jsonError(501, 'this model does not support embeddings');

    const maxChars = m.contextLength * CHARS_PER_TOKEN;
    let promptTokens = 0;
    const texts: string[] = [];
    for (const input of inputs) {
      if (estimateStubTokens(input) > m.contextLength) {
        if (body.truncate === false) return jsonError(400, 'the input length exceeds the context length');
        truncatedEmbeds++;
        texts.push(input.slice(0, maxChars));
      } else texts.push(input);
      promptTokens += estimateStubTokens(texts[texts.length - 1] ?? '');
    }
    const dims = typeof body.dimensions === 'number' && body.dimensions > 0 && body.dimensions < m.dims ? Math.floor(body.dimensions) : m.dims;
    const embeddings = texts.map((t) => {
      const full = embedText(t, m.dims);
      return dims === m.dims ? full : normalise(full.slice(0, dims));
    });

    const ms = inputs.length === 0 ? 0 : (cost.embedMsPerRequest ?? 0) + (cost.embedMsPerInput ?? 0) * inputs.length;
    await slots.hold(ms);
    return {
      kind: 'json',
      status: 200,
      body: { model: body.model, embeddings, total_duration: ns(ms), load_duration: ns(0), prompt_eval_count: promptTokens },
    };
  }

  function handleChat(body: Json, record: ChatRecord, scriptedReply?: string): Reply {
    const name = body.model;
    if (typeof name !== 'string' || name === '') return jsonError(400, 'model is required');
    const m = catalog.lookup(name);
    if (m === undefined) return jsonError(404, `model '${name}' not found`);
    if (m.kind !== 'completion') return jsonError(400, `"${name}" does not support chat`);
    if (body.think === true && !m.thinking) return jsonError(400, `"${name}" does not support thinking`);
    const isStream = body.stream !== false;
    const messages = record.messages;
    const createdAt = (): string => new Date().toISOString();

    if (messages.length === 0) {
      // What Ollama answers to a bare load request.
      const loaded = { model: name, created_at: createdAt(), message: { role: 'assistant', content: '' }, done_reason: 'load', done: true };
      return isStream ? { kind: 'stream', ndjson: true, lines: toAsync([loaded]) } : { kind: 'json', status: 200, body: loaded };
    }

    const options = isRecord(body.options) ? body.options : {};
    const numCtx = typeof options.num_ctx === 'number' && options.num_ctx > 0 ? options.num_ctx : DEFAULT_CHAT_CONTEXT;
    const fitted = truncatePromptFront(messages, numCtx);
    record.truncated = fitted.truncated;
    const promptTokens = Math.min(numCtx, estimateStubTokens(messages.map((msg) => msg.content).join('')));

    let words = (scriptedReply ?? rewriteFollowUp(fitted.messages) ?? answerPrompt(fitted.messages)).split(' ');
    const limit = typeof options.num_predict === 'number' && options.num_predict > 0 ? Math.floor(options.num_predict) : Infinity;
    const doneReason = words.length > limit ? 'length' : 'stop';
    words = words.slice(0, limit);
    const content = words.join(' ');
    const thinkingWords = m.thinking && body.think !== false ? THINKING_TEXT.split(' ') : [];
    const evalCount = words.length + thinkingWords.length;

    const perRequestMs = cost.chatMsPerRequest ?? 0;
    const perTokenMs = cost.chatMsPerToken ?? 0;
    const totalMs = perRequestMs + perTokenMs * evalCount;
    const final = (): Json => ({
      model: name,
      created_at: createdAt(),
      message: { role: 'assistant', content: '' },
      done: true,
      done_reason: doneReason,
      total_duration: ns(totalMs),
      load_duration: ns(0),
      prompt_eval_count: promptTokens,
      prompt_eval_duration: ns(perRequestMs),
      eval_count: evalCount,
      eval_duration: ns(perTokenMs * evalCount),
    });
    const usesSlot = totalMs > 0;

    if (!isStream) {
      return {
        kind: 'stream',
        ndjson: false,
        // A one-line "stream" lets the slot and delay logic live in one place; written as plain JSON below.
        lines: (async function* () {
          if (usesSlot) await slots.acquire();
          try {
            await slots.sleep(totalMs);
            const message = { role: 'assistant', content, ...(thinkingWords.length > 0 ? { thinking: thinkingWords.join(' ') } : {}) };
            yield { ...final(), message };
          } finally {
            if (usesSlot) slots.release();
          }
        })(),
      };
    }

    const chunk = (field: 'content' | 'thinking', i: number, list: string[]): Json => ({
      model: name,
      created_at: createdAt(),
      message: { role: 'assistant', content: '', [field]: list[i] + (i < list.length - 1 ? ' ' : '') },
      done: false,
    });
    return {
      kind: 'stream',
      ndjson: true,
      lines: (async function* () {
        if (usesSlot) await slots.acquire();
        try {
          await slots.sleep(perRequestMs);
          for (let i = 0; i < thinkingWords.length; i++) {
            await slots.sleep(perTokenMs);
            yield chunk('thinking', i, thinkingWords);
          }
          for (let i = 0; i < words.length; i++) {
            await slots.sleep(perTokenMs);
            yield chunk('content', i, words);
          }
          yield final();
        } finally {
          if (usesSlot) slots.release();
        }
      })(),
    };
  }

  function handlePull(body: Json): Reply {
    const name = typeof body.model === 'string' && body.model !== '' ? body.model : body.name;
    const m = typeof name === 'string' ? catalog.pull(name) : undefined;
    const isStream = body.stream !== false;
    const failure = 'pull model manifest: file does not exist';
    if (m === undefined) {
      return isStream ? { kind: 'stream', ndjson: true, lines: toAsync([{ status: 'pulling manifest' }, { error: failure }]) } : jsonError(500, failure);
    }
    if (!isStream) return { kind: 'json', status: 200, body: { status: 'success' } };
    const total = modelSize(m);
    const layer = { status: `pulling ${m.digest.slice(0, 12)}`, digest: `sha256:${m.digest}`, total };
    return {
      kind: 'stream',
      ndjson: true,
      lines: toAsync([
        { status: 'pulling manifest' },
        { ...layer, completed: 0 },
        { ...layer, completed: Math.floor(total / 2) },
        { ...layer, completed: total },
        { status: 'verifying sha256 digest' },
        { status: 'writing manifest' },
        { status: 'success' },
      ]),
    };
  }

  function chatRecord(body: Json): ChatRecord {
    const messages = Array.isArray(body.messages)
      ? body.messages.filter(isRecord).map((m) => ({ role: String(m.role ?? ''), content: typeof m.content === 'string' ? m.content : '' }))
      : [];
    return {
      model: typeof body.model === 'string' ? body.model : '',
      messages,
      ...(isRecord(body.options) ? { options: body.options } : {}),
      stream: body.stream !== false,
      truncated: false,
    };
  }

  async function route(method: string, path: string, raw: string): Promise<Reply> {
    const parsed = raw === '' && method !== 'POST' ? { body: undefined } : parseBody(raw);
    requests.push({ route: path, body: parsed.body, at: Date.now() });
    const record = path === '/api/chat' && isRecord(parsed.body) ? chatRecord(parsed.body) : undefined;
    if (record !== undefined) chats.push(record);

    const failure = SCRIPTABLE.has(path) ? scripts.get(path)?.shift() : undefined;
    let scriptedReply: string | undefined;
    if (failure !== undefined && typeof failure !== 'string') {
      if ('status' in failure) return jsonError(failure.status, failure.error);
      if ('reply' in failure) scriptedReply = failure.reply;
      else await slots.sleep(failure.delayMs);
    }
    // A reset happens before the server does any work, so nothing (a pull, say) takes effect.
    if (failure === 'reset') return { kind: 'reset' };
    const reply = await answer(method, path, parsed, record, scriptedReply);
    return failure === 'cut-stream' ? { kind: 'cut', reply } : reply;
  }

  async function answer(method: string, path: string, parsed: ParsedBody, record: ChatRecord | undefined, scriptedReply?: string): Promise<Reply> {
    if (path === '/' && (method === 'GET' || method === 'HEAD')) return { kind: 'text', status: 200, text: 'Ollama is running' };
    if (method === 'GET' && path === '/api/version') return { kind: 'json', status: 200, body: { version: STUB_VERSION } };
    if (method === 'GET' && path === '/api/tags') return catalog.tags();
    if (method !== 'POST' || !POST_ROUTES.has(path)) return { kind: 'text', status: 404, text: '404 page not found' };
    if (parsed.error !== undefined) return jsonError(400, parsed.error);
    const body = parsed.body;
    if (!isRecord(body)) {
      return jsonError(400, `json: cannot unmarshal ${Array.isArray(body) ? 'array' : typeof body} into Go value of type api.Request`);
    }
    if (path === '/api/embed') return handleEmbed(body);
    if (path === '/api/chat') return handleChat(body, record ?? chatRecord(body), scriptedReply);
    if (path === '/api/show') return catalog.show(body);
    return handlePull(body);
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://stub').pathname;
      route(req.method ?? 'GET', path, Buffer.concat(chunks).toString('utf8'))
        .then((reply) => writeReply(req, res, reply))
        .catch((err: unknown) => {
          // A bug in the stub should fail the test loudly, not hang it.
          const text = `ollama stub: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
          if (res.headersSent) res.destroy();
          else void writeReply(req, res, jsonError(500, text)).catch(() => res.destroy());
        });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    embedInputs: () =>
      requests.flatMap((r) => {
        if (r.route !== '/api/embed' || !isRecord(r.body)) return [];
        const input = r.body.input;
        if (typeof input === 'string') return [input];
        return Array.isArray(input) ? input.filter((v): v is string => typeof v === 'string') : [];
      }),
    embedRequests: () => requests.filter((r) => r.route === '/api/embed').length,
    chatRequests: () => chats.map((c) => ({ ...c })),
    truncatedEmbedInputs: () => truncatedEmbeds,
    busyMs: () => slots.busyMs(),
    peakParallel: () => slots.peakRunning(),
    failNext(path: StubRoute, failure: StubFailure, times = 1): void {
      if (!SCRIPTABLE.has(path)) throw new Error(`ollama stub: cannot script ${path}`);
      if (typeof failure === 'object' && 'reply' in failure && path !== '/api/chat') throw new Error(`ollama stub: a scripted reply is only for /api/chat, not ${path}`);
      const queue = scripts.get(path) ?? [];
      for (let i = 0; i < times; i++) queue.push(failure);
      scripts.set(path, queue);
    },
    setCost(next: StubCost): void {
      cost = { ...next };
    },
    resetLog(): void {
      requests.length = 0;
      chats.length = 0;
      truncatedEmbeds = 0;
      slots.resetBusy();
    },
    close(): Promise<void> {
      closing ??= (async () => {
        slots.clearTimers();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          // fetch keeps connections alive; without this close() waits for them to time out.
          server.closeAllConnections();
        });
        const unused = [...scripts].filter(([, queue]) => queue.length > 0);
        if (unused.length > 0) {
          const list = unused.map(([path, queue]) => `${path} (${queue.map(describeFailure).join(', ')})`).join('; ');
          throw new Error(`ollama stub: scripted failures never used: ${list}`);
        }
      })();
      return closing;
    },
  };
}
