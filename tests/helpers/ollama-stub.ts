/**
 * A deterministic Ollama server for tests, the demo and the benchmark: real `node:http`
 * on 127.0.0.1, reached through the real `ollama` client (see /work/shared/notes/ollama.md
 * for the server behaviours copied here).
 *
 * Embeddings are hashed bags of words, so retrieval over them is meaningful; chat replies
 * are grounded in rag's prompt layout (numbered passages, then `Question:`), so citations
 * can be asserted. Both are pure functions, kept in stub-text.ts and re-exported here for
 * tests that want expected values.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CHARS_PER_TOKEN, answerPrompt, embedText, estimateStubTokens, fnv1a, normalise, truncatePromptFront, type ChatMessage } from './stub-text.js';

export { answerPrompt, embedText, estimateStubTokens, textFeatures, truncatePromptFront } from './stub-text.js';
export type { ChatMessage } from './stub-text.js';

export interface StubModel {
  name: string;
  kind: 'embedding' | 'completion';
  /** embedding_length; for completion models only reported by /api/show. */
  dims?: number;
  contextLength?: number;
  family?: string;
  /** 64 hex digits, with or without `sha256:`; derived from the name when absent. */
  digest?: string;
  /** Accepts `think`; defaults to true for qwen3 models, which also think unless told `think: false`. */
  thinking?: boolean;
}

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
  failNext(route: StubRoute, failure: StubFailure, times?: number): void;
  setCost(cost: StubCost): void;
  resetLog(): void;
  /** Rejects, after closing, if a scripted failure was never used (gh's httpmock Verify). */
  close(): Promise<void>;
}

export const STUB_VERSION = '0.33.0';

export const DEFAULT_STUB_MODELS: readonly StubModel[] = [
  { name: 'nomic-embed-text', kind: 'embedding', dims: 256, contextLength: 2048, family: 'nomic-bert' },
  { name: 'mxbai-embed-large', kind: 'embedding', dims: 256, contextLength: 512, family: 'bert' },
  { name: 'all-minilm', kind: 'embedding', dims: 256, contextLength: 256, family: 'bert' },
  { name: 'llama3.2', kind: 'completion', contextLength: 131072, family: 'llama' },
  { name: 'qwen3', kind: 'completion', contextLength: 40960, family: 'qwen3' },
];

const DEFAULT_CHAT_CONTEXT = 2048;
const THINKING_TEXT = 'Looking for the passage that shares the most words with the question.';
/** Fixed so that /api/tags is deterministic. */
const MODIFIED_AT = '2025-01-01T00:00:00Z';

// ---------------------------------------------------------------------------
// The server.

interface ResolvedModel extends Required<Omit<StubModel, 'digest' | 'dims'>> {
  dims: number;
  digest: string;
}

type Reply =
  | { kind: 'json'; status: number; body: unknown }
  | { kind: 'text'; status: number; text: string }
  /** ndjson false: a single JSON object that still waits for a processing slot (non-streamed chat). */
  | { kind: 'stream'; ndjson: boolean; lines: AsyncIterable<unknown> }
  | { kind: 'reset' }
  | { kind: 'cut'; reply: Reply };

type Json = Record<string, unknown>;

const POST_ROUTES: ReadonlySet<string> = new Set(['/api/embed', '/api/chat', '/api/show', '/api/pull']);
const SCRIPTABLE: ReadonlySet<string> = new Set<StubRoute>(['/api/embed', '/api/chat', '/api/show', '/api/tags', '/api/pull', '/api/version']);

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `llama3.2` and `llama3.2:latest` are the same model. */
function canonicalName(name: string): string {
  const lastPart = name.slice(name.lastIndexOf('/') + 1);
  return lastPart.includes(':') ? name : `${name}:latest`;
}

function resolveModel(model: StubModel): ResolvedModel {
  const name = canonicalName(model.name);
  const isEmbedding = model.kind === 'embedding';
  return {
    name,
    kind: model.kind,
    dims: model.dims ?? (isEmbedding ? 256 : 3072),
    contextLength: model.contextLength ?? (isEmbedding ? 512 : 8192),
    family: model.family ?? (isEmbedding ? 'bert' : 'llama'),
    digest: (model.digest ?? createHash('sha256').update(name).digest('hex')).replace(/^sha256:/, ''),
    thinking: model.thinking ?? name.startsWith('qwen3'),
  };
}

function modelDetails(m: ResolvedModel): Json {
  const isEmbedding = m.kind === 'embedding';
  return {
    parent_model: '',
    format: 'gguf',
    family: m.family,
    families: [m.family],
    parameter_size: isEmbedding ? '137M' : '3.2B',
    quantization_level: isEmbedding ? 'F16' : 'Q4_K_M',
  };
}

async function* toAsync(items: unknown[]): AsyncGenerator<unknown> {
  yield* items;
}

function jsonError(status: number, error: string): Reply {
  return { kind: 'json', status, body: { error } };
}

/** Durations in the replies are nanoseconds, like Ollama's. */
function ns(ms: number): number {
  return Math.round(ms * 1e6) + 1000;
}

function describeFailure(failure: StubFailure): string {
  return typeof failure === 'string' ? failure : JSON.stringify(failure);
}

interface ParsedBody {
  body: unknown;
  error?: string;
}

/** What Go's encoding/json says, so error text looks like the real server's. */
function parseBody(raw: string): ParsedBody {
  if (raw.trim() === '') return { body: undefined, error: 'missing request body' };
  try {
    return { body: JSON.parse(raw) };
  } catch {
    const c = raw.trim()[0] ?? '';
    return { body: raw, error: `invalid character '${c}' looking for beginning of value` };
  }
}

export async function startStub(options: StubOptions = {}): Promise<Stub> {
  const models = new Map<string, ResolvedModel>();
  for (const m of options.models ?? DEFAULT_STUB_MODELS) {
    const resolved = resolveModel(m);
    models.set(resolved.name, resolved);
  }
  const installed = new Set((options.installed ?? [...models.keys()]).map(canonicalName));
  const pullable = new Set((options.pullable ?? [...models.keys()]).map(canonicalName));
  let cost: StubCost = { ...options.cost };

  const requests: LoggedRequest[] = [];
  const chats: ChatRecord[] = [];
  let truncatedEmbeds = 0;
  const scripts = new Map<string, StubFailure[]>();

  // Processing slots and busy time.
  let running = 0;
  const waiting: Array<() => void> = [];
  let busyTotal = 0;
  let busySince = 0;
  const timers = new Set<NodeJS.Timeout>();

  const parallel = (): number => Math.max(1, Math.floor(cost.parallel ?? 1));

  function sleep(ms: number): Promise<void> {
    if (!(ms > 0)) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });
  }

  function startSlot(): void {
    if (running === 0) busySince = performance.now();
    running++;
  }

  function acquire(): Promise<void> {
    if (running < parallel() && waiting.length === 0) {
      startSlot();
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      waiting.push(() => {
        startSlot();
        resolve();
      }),
    );
  }

  function release(): void {
    running--;
    if (running === 0) busyTotal += performance.now() - busySince;
    while (running < parallel()) {
      const next = waiting.shift();
      if (next === undefined) break;
      next();
    }
  }

  function lookup(name: unknown): ResolvedModel | undefined {
    if (typeof name !== 'string' || name === '') return undefined;
    const key = canonicalName(name);
    return installed.has(key) ? models.get(key) : undefined;
  }

  // ---- routes

  function handleTags(): Reply {
    const list = [...models.values()]
      .filter((m) => installed.has(m.name))
      .map((m) => ({
        name: m.name,
        model: m.name,
        modified_at: MODIFIED_AT,
        size: 100_000_000 + (fnv1a(m.name) % 900_000_000),
        digest: m.digest,
        details: modelDetails(m),
      }));
    return { kind: 'json', status: 200, body: { models: list } };
  }

  function handleShow(body: Json): Reply {
    const name = body.model ?? body.name;
    const m = lookup(name);
    if (m === undefined) return jsonError(404, `model '${String(name ?? '')}' not found`);
    const capabilities = m.kind === 'embedding' ? ['embedding'] : ['completion', 'tools', ...(m.thinking ? ['thinking'] : [])];
    return {
      kind: 'json',
      status: 200,
      body: {
        modelfile: `# Modelfile generated by "ollama show"\nFROM ${m.name}\n`,
        parameters: m.kind === 'embedding' ? 'num_ctx                        ' + m.contextLength : 'stop                           "<|eot_id|>"',
        template: m.kind === 'embedding' ? '{{ .Prompt }}' : '{{ range .Messages }}{{ .Role }}: {{ .Content }}\n{{ end }}',
        details: modelDetails(m),
        model_info: {
          'general.architecture': m.family,
          'general.parameter_count': m.kind === 'embedding' ? 136_731_648 : 3_212_749_888,
          [`${m.family}.context_length`]: m.contextLength,
          [`${m.family}.embedding_length`]: m.dims,
        },
        capabilities,
        modified_at: MODIFIED_AT,
      },
    };
  }

  async function handleEmbed(body: Json): Promise<Reply> {
    if (typeof body.model !== 'string' || body.model === '') return jsonError(400, 'model is required');
    let inputs: string[];
    if (body.input === undefined || body.input === null) inputs = [];
    else if (typeof body.input === 'string') inputs = body.input === '' ? [] : [body.input];
    else if (Array.isArray(body.input) && body.input.every((v): v is string => typeof v === 'string')) inputs = body.input;
    else return jsonError(400, 'invalid input type');
    const m = lookup(body.model);
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
    if (ms > 0) {
      await acquire();
      try {
        await sleep(ms);
      } finally {
        release();
      }
    }
    return {
      kind: 'json',
      status: 200,
      body: { model: body.model, embeddings, total_duration: ns(ms), load_duration: ns(0), prompt_eval_count: promptTokens },
    };
  }

  function handleChat(body: Json, record: ChatRecord, scriptedReply?: string): Reply {
    const name = body.model;
    if (typeof name !== 'string' || name === '') return jsonError(400, 'model is required');
    const m = lookup(name);
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

    let words = (scriptedReply ?? answerPrompt(fitted.messages)).split(' ');
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
          if (usesSlot) await acquire();
          try {
            await sleep(totalMs);
            const message = { role: 'assistant', content, ...(thinkingWords.length > 0 ? { thinking: thinkingWords.join(' ') } : {}) };
            yield { ...final(), message };
          } finally {
            if (usesSlot) release();
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
        if (usesSlot) await acquire();
        try {
          await sleep(perRequestMs);
          for (let i = 0; i < thinkingWords.length; i++) {
            await sleep(perTokenMs);
            yield chunk('thinking', i, thinkingWords);
          }
          for (let i = 0; i < words.length; i++) {
            await sleep(perTokenMs);
            yield chunk('content', i, words);
          }
          yield final();
        } finally {
          if (usesSlot) release();
        }
      })(),
    };
  }

  function handlePull(body: Json): Reply {
    const name = typeof body.model === 'string' && body.model !== '' ? body.model : body.name;
    const key = typeof name === 'string' ? canonicalName(name) : '';
    const m = models.get(key);
    const isStream = body.stream !== false;
    const failure = 'pull model manifest: file does not exist';
    if (m === undefined || !pullable.has(key)) {
      return isStream ? { kind: 'stream', ndjson: true, lines: toAsync([{ status: 'pulling manifest' }, { error: failure }]) } : jsonError(500, failure);
    }
    installed.add(key);
    if (!isStream) return { kind: 'json', status: 200, body: { status: 'success' } };
    const total = 100_000_000 + (fnv1a(m.name) % 900_000_000);
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
      else await sleep(failure.delayMs);
    }
    // A reset happens before the server does any work, so nothing (a pull, say) takes effect.
    if (failure === 'reset') return { kind: 'reset' };
    const reply = await answer(method, path, parsed, record, scriptedReply);
    return failure === 'cut-stream' ? { kind: 'cut', reply } : reply;
  }

  async function answer(method: string, path: string, parsed: ParsedBody, record: ChatRecord | undefined, scriptedReply?: string): Promise<Reply> {
    if (path === '/' && (method === 'GET' || method === 'HEAD')) return { kind: 'text', status: 200, text: 'Ollama is running' };
    if (method === 'GET' && path === '/api/version') return { kind: 'json', status: 200, body: { version: STUB_VERSION } };
    if (method === 'GET' && path === '/api/tags') return handleTags();
    if (method !== 'POST' || !POST_ROUTES.has(path)) return { kind: 'text', status: 404, text: '404 page not found' };
    if (parsed.error !== undefined) return jsonError(400, parsed.error);
    const body = parsed.body;
    if (!isRecord(body)) {
      return jsonError(400, `json: cannot unmarshal ${Array.isArray(body) ? 'array' : typeof body} into Go value of type api.Request`);
    }
    if (path === '/api/embed') return handleEmbed(body);
    if (path === '/api/chat') return handleChat(body, record ?? chatRecord(body), scriptedReply);
    if (path === '/api/show') return handleShow(body);
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
    busyMs: () => busyTotal + (running > 0 ? performance.now() - busySince : 0),
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
      busyTotal = 0;
      if (running > 0) busySince = performance.now();
    },
    close(): Promise<void> {
      closing ??= (async () => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
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

/** Resolves once the bytes are handed to the socket, so a following destroy() cannot discard them. */
function writeAndWait(res: ServerResponse, text: string): Promise<void> {
  return new Promise((resolve) => res.write(text, () => resolve()));
}

async function writeReply(req: IncomingMessage, res: ServerResponse, reply: Reply): Promise<void> {
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
