/**
 * The only module that talks to Ollama. It owns host parsing, per-call aborts and
 * timeouts, retries of transient failures, and the translation of the client's
 * errors into RagError with the exit code and hint the user needs.
 */
import type { Ollama } from 'ollama';
import { Exit, RagError, isAbortError } from './errors.js';

export const DEFAULT_HOST = 'http://127.0.0.1:11434';
const DEFAULT_PORT = '11434';

/**
 * `--host` > `OLLAMA_HOST` > default, normalised the way Ollama's own CLI reads
 * OLLAMA_HOST: `h:p` and `:p` gain `http://`, a bare host gets port 11434, an explicit
 * scheme without a port gets that scheme's default port. The client ignores
 * OLLAMA_HOST itself, so this is the one place that reads it (via the caller).
 */
export function resolveHost(flag: string | undefined, env: string | undefined): string {
  const raw = (flag ?? '').trim() || (env ?? '').trim();
  if (!raw) return DEFAULT_HOST;
  let text = raw;
  let isExplicitScheme = text.includes('://');
  if (text.startsWith(':')) {
    text = `http://127.0.0.1${text}`;
    isExplicitScheme = true;
  }
  if (!isExplicitScheme) text = `http://${text}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RagError('usage', `Invalid Ollama host '${raw}'`, "use a URL such as 'http://127.0.0.1:11434'");
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RagError('usage', `Invalid Ollama host '${raw}': only http and https are supported`, "use a URL such as 'http://127.0.0.1:11434'");
  }
  const port = url.port || (isExplicitScheme ? (url.protocol === 'https:' ? '443' : '80') : DEFAULT_PORT);
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${url.hostname}:${port}${path}`;
}

/**
 * Several hosts, comma-separated (`--host a,b`), each normalised as by resolveHost;
 * repeats count once. An empty list means the default host.
 */
export function resolveHosts(flag: string | undefined, env: string | undefined): string[] {
  const raw = (flag ?? '').trim() || (env ?? '').trim();
  const parts = raw.split(',').map((p) => p.trim()).filter((p) => p !== '');
  if (parts.length === 0) return [DEFAULT_HOST];
  return [...new Set(parts.map((p) => resolveHost(p, undefined)))];
}

export type ModelKind = 'embedding' | 'completion';

export interface ModelInfo {
  name: string;
  capabilities: string[];
  /** The model's maximum context in tokens, from `<arch>.context_length`. */
  contextLength?: number;
  /** Output dimensions for embedding models, from `<arch>.embedding_length`. */
  embeddingLength?: number;
  family?: string;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  numCtx: number;
  temperature?: number;
  seed?: number;
  numPredict?: number;
}

export interface ChatDelta {
  content: string;
}

export interface ChatStats {
  doneReason?: string;
  promptTokens?: number;
  answerTokens?: number;
}

export interface PullProgress {
  status: string;
  total?: number;
  completed?: number;
}

/** A failed attempt about to be retried: shown in the progress line and with --verbose. */
export interface RetryNotice {
  /** The attempt that comes next, 2..attempts. */
  attempt: number;
  attempts: number;
  delayMs: number;
  /** What went wrong, as the user would be told. */
  reason: string;
}

export interface OllamaOptions {
  host: string;
  /** Aborts every call (Ctrl-C). */
  signal?: AbortSignal;
  /** Per-request timeout for non-streamed calls. Node's fetch alone waits up to 300 s. */
  timeoutMs?: number;
  /** Attempts for transient failures (connection reset, 5xx, busy). */
  retries?: number;
  /** Base delay of the exponential backoff. */
  backoffMs?: number;
}

interface ResponseErrorLike {
  name: 'ResponseError';
  error: string;
  status_code: number;
}

function isResponseError(err: unknown): err is ResponseErrorLike {
  return err instanceof Error && err.name === 'ResponseError' && typeof (err as Partial<ResponseErrorLike>).status_code === 'number';
}

/** The errno-style code of a network failure, looking through `cause` and AggregateError. */
function networkCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'ABORT_ERR') return code;
    if (current instanceof AggregateError && current.errors.length > 0) {
      current = current.errors[0];
      continue;
    }
    current = (current as { cause?: unknown }).cause;
  }
  if (err instanceof TypeError && /terminated|other side closed/i.test(err.message)) return 'ECONNRESET';
  // fetch refuses some hosts before connecting (a "bad port" such as 1 or 6000): retrying cannot help.
  if (err instanceof TypeError && /fetch failed/i.test(err.message)) return FETCH_REFUSED;
  return undefined;
}

const FETCH_REFUSED = 'EFETCHREFUSED';
const REFUSED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', FETCH_REFUSED]);

/** Worth retrying: the same request may succeed in a moment. */
export function isTransient(err: unknown): boolean {
  if (isResponseError(err)) return err.status_code >= 500 && err.status_code !== 501;
  if (err instanceof RagError) return false;
  const code = networkCode(err);
  if (code === undefined) return err instanceof Error && err.name === 'TimeoutError';
  return !REFUSED.has(code);
}

export interface ErrorContext {
  host: string;
  model?: string;
  /** What the model was needed for, to name the wrong kind precisely. */
  kind?: ModelKind;
}

/**
 * Classify once, here, by cause code and HTTP status. The server's own words are
 * kept for the ambiguous cases (a 400 can be several things).
 */
export function translateError(err: unknown, ctx: ErrorContext): RagError {
  if (err instanceof RagError) return err;
  if (isAbortError(err)) return new RagError('interrupted', 'Interrupted', undefined, { cause: err });
  const model = ctx.model ?? 'the model';
  if (isResponseError(err)) {
    const status = err.status_code;
    const text = err.error || `HTTP ${status}`;
    if (status === 404 && /not found/i.test(text)) {
      return new RagError('missing-model', `Model '${model}' is not installed`, `run 'ollama pull ${model}' or pass --pull`, { cause: err });
    }
    if (status === 501 || (status === 400 && /does not support (chat|generate|embed)/i.test(text))) {
      return wrongKind(model, ctx.kind, err);
    }
    if (status === 400 && /exceeds the context length/i.test(text)) {
      return new RagError('too-long', `A passage is longer than the context of embedding model '${model}'`, 'use a smaller --chunk-size with --rebuild', { cause: err });
    }
    return new RagError('not-ollama', `Ollama at ${ctx.host} failed: ${text}`, status >= 500 ? 'try again; check the Ollama server log if it persists' : undefined, { cause: err });
  }
  const code = networkCode(err);
  if (code !== undefined && REFUSED.has(code)) {
    const cause = (err as { cause?: unknown }).cause;
    const why = code === FETCH_REFUSED && cause instanceof Error && cause.message ? ` (${cause.message})` : '';
    return new RagError('unreachable', `Cannot reach Ollama at ${ctx.host}${why}`, "is it running? Start it with 'ollama serve' or set OLLAMA_HOST.", { cause: err });
  }
  if (code !== undefined || (err instanceof Error && err.name === 'TimeoutError')) {
    const why = err instanceof Error && err.name === 'TimeoutError' ? 'timed out' : `connection failed (${code})`;
    return new RagError('not-ollama', `Ollama at ${ctx.host} ${why}`, 'check that the server is healthy and try again', { cause: err });
  }
  if (err instanceof Error && /did not receive done|stream/i.test(err.message)) {
    return new RagError('not-ollama', `Ollama at ${ctx.host} ended the response early: ${err.message}`, 'try again; check the Ollama server log if it persists', { cause: err });
  }
  if (err instanceof Error && /does not support/i.test(err.message)) return wrongKind(model, ctx.kind, err);
  if (err instanceof Error && /not found/i.test(err.message)) {
    return new RagError('unknown-model', `Model '${model}' is not available: ${err.message}`, `check the name with 'ollama list'`, { cause: err });
  }
  return new RagError('not-ollama', `Ollama at ${ctx.host} failed: ${err instanceof Error ? err.message : String(err)}`, undefined, { cause: err });
}

function wrongKind(model: string, kind: ModelKind | undefined, cause: unknown): RagError {
  if (kind === 'embedding') {
    return new RagError('wrong-kind', `Model '${model}' is not an embedding model`, 'pass an embedding model such as nomic-embed-text with --embed-model', { cause });
  }
  return new RagError('wrong-kind', `Model '${model}' cannot chat (it is an embedding model)`, 'pass a chat model such as llama3.2 with --model', { cause });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function numberFrom(info: unknown, suffix: string): number | undefined {
  const entries: Array<[string, unknown]> = info instanceof Map ? [...info.entries()] : Object.entries((info ?? {}) as Record<string, unknown>);
  for (const [key, value] of entries) {
    if (key.endsWith(suffix) && typeof value === 'number') return value;
  }
  return undefined;
}

/** Model names compare without the default `:latest` tag. */
export function sameModel(a: string, b: string): boolean {
  const norm = (s: string) => (s.includes(':') ? s : `${s}:latest`);
  return norm(a) === norm(b);
}

export class OllamaClient {
  readonly host: string;
  private readonly signal: AbortSignal | undefined;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly backoffMs: number;

  constructor(options: OllamaOptions) {
    this.host = options.host;
    this.signal = options.signal;
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.retries = options.retries ?? 4;
    this.backoffMs = options.backoffMs ?? 250;
  }

  /**
   * A client whose every request carries our signal: ollama-js passes no signal on
   * non-streamed calls, so a custom fetch is the only way to abort or time them out.
   */
  private async client(timeoutMs?: number): Promise<Ollama> {
    // Imported on first use: `rag --help` never pays for the client.
    const { Ollama } = await import('ollama');
    const outer = this.requestSignal(timeoutMs);
    const fetchWithSignal: typeof fetch = (input, init) => {
      const own = init?.signal ?? undefined;
      const signal = own && outer ? AbortSignal.any([own, outer]) : (own ?? outer);
      return fetch(input, { ...init, signal: signal ?? null });
    };
    return new Ollama({ host: this.host, fetch: fetchWithSignal });
  }

  private requestSignal(timeoutMs: number | undefined): AbortSignal | undefined {
    const signals: AbortSignal[] = [];
    if (this.signal) signals.push(this.signal);
    if (timeoutMs !== undefined) signals.push(AbortSignal.timeout(timeoutMs));
    return signals.length === 0 ? undefined : signals.length === 1 ? signals[0] : AbortSignal.any(signals);
  }

  /** Runs `call` on a server known to be Ollama, with retries on transient failures; errors come out translated. */
  private async withRetry<T>(
    ctx: ErrorContext,
    call: (client: Ollama) => Promise<T>,
    timeoutMs: number | undefined = this.timeoutMs,
    onRetry?: (notice: RetryNotice) => void,
  ): Promise<T> {
    await this.version();
    return this.attempts(ctx, async () => call(await this.client(timeoutMs)), onRetry);
  }

  private async attempts<T>(ctx: ErrorContext, call: () => Promise<T>, onRetry?: (notice: RetryNotice) => void): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (err) {
        if (this.signal?.aborted) throw translateError(this.signal.reason ?? err, ctx);
        if (attempt >= this.retries || !isTransient(err)) throw translateError(err, ctx);
        const delayMs = this.backoffMs * 2 ** (attempt - 1);
        onRetry?.({ attempt: attempt + 1, attempts: this.retries, delayMs, reason: translateError(err, ctx).message });
        await sleep(delayMs, this.signal).catch(() => {
          throw translateError(this.signal?.reason ?? err, ctx);
        });
      }
    }
  }

  /**
   * The server's version, asked once per client before anything else: a server that does
   * not answer `/api/version` as Ollama does (another web server, LM Studio, Open WebUI)
   * is named as such, instead of as a missing or wrong model further on.
   */
  version(): Promise<string> {
    // A failure is not kept: a host left out (of several) is asked again when it comes back.
    this.verified ??= (this.parent ? this.parent.version() : this.attempts({ host: this.host }, () => this.fetchVersion())).catch((err: unknown) => {
      this.verified = undefined;
      throw err;
    });
    return this.verified;
  }

  private verified: Promise<string> | undefined;
  /** The client this one was made from by withSignal(): it asks the version for both. */
  private parent: OllamaClient | undefined;

  /**
   * The same server with one more abort signal, e.g. for a chat turn that Ctrl-C cancels
   * while the session goes on. The version check is shared: it runs once per run.
   */
  withSignal(signal: AbortSignal): OllamaClient {
    const child = new OllamaClient({
      host: this.host, signal: this.signal ? AbortSignal.any([this.signal, signal]) : signal,
      timeoutMs: this.timeoutMs, retries: this.retries, backoffMs: this.backoffMs,
    });
    child.parent = this;
    return child;
  }

  /** Plain fetch, not the client: the client writes to the console on bodies that are not JSON. */
  private async fetchVersion(): Promise<string> {
    const res = await fetch(`${this.host}/api/version`, { signal: this.requestSignal(this.timeoutMs) ?? null });
    const text = await res.text();
    if (res.status >= 500 && res.status !== 501) {
      // A proxy or a busy server: retried like any other 5xx.
      throw Object.assign(new Error(text), { name: 'ResponseError', error: text.slice(0, 200), status_code: res.status });
    }
    let version: unknown;
    try {
      version = (JSON.parse(text) as { version?: unknown }).version;
    } catch {
      version = undefined;
    }
    if (!res.ok || typeof version !== 'string' || !/^\d+\.\d+/.test(version)) {
      const answer = res.ok ? 'answered something else' : `answered HTTP ${res.status}`;
      throw new RagError('not-ollama', `${this.host} is not an Ollama server (GET /api/version ${answer})`, 'point --host or OLLAMA_HOST at Ollama, e.g. http://127.0.0.1:11434');
    }
    return version;
  }

  async listModels(): Promise<Array<{ name: string; digest: string }>> {
    return this.withRetry({ host: this.host }, async (c) => (await c.list()).models.map((m) => ({ name: m.name, digest: m.digest })));
  }

  /** Model details, or undefined when the model is not installed. */
  async showModel(model: string): Promise<ModelInfo | undefined> {
    try {
      return await this.withRetry({ host: this.host, model }, async (c) => {
        const res = await c.show({ model });
        return {
          name: model,
          capabilities: Array.isArray(res.capabilities) ? res.capabilities : [],
          contextLength: numberFrom(res.model_info, '.context_length'),
          embeddingLength: numberFrom(res.model_info, '.embedding_length'),
          family: res.details?.family,
        };
      });
    } catch (err) {
      if (err instanceof RagError && err.reason === 'missing-model') return undefined;
      throw err;
    }
  }

  /** One `/api/embed` request for many inputs. Retried as a whole: it holds one batch only. */
  async embed(model: string, inputs: string[], options: { onRetry?: (notice: RetryNotice) => void } = {}): Promise<number[][]> {
    const ctx: ErrorContext = { host: this.host, model, kind: 'embedding' };
    const embeddings = await this.withRetry(ctx, async (c) => (await c.embed({ model, input: inputs, truncate: false })).embeddings, this.timeoutMs, options.onRetry);
    if (embeddings.length !== inputs.length) {
      throw new RagError('not-ollama', `Ollama returned ${embeddings.length} embeddings for ${inputs.length} inputs`, 'check the Ollama version');
    }
    return embeddings;
  }

  /** A streamed chat. Not retried once text has arrived: the user has already seen it. */
  async *chatStream(req: ChatRequest, stats: ChatStats = {}): AsyncGenerator<ChatDelta> {
    const ctx: ErrorContext = { host: this.host, model: req.model, kind: 'completion' };
    let stream: AsyncIterable<{ message: { content: string }; done: boolean; done_reason?: string; prompt_eval_count?: number; eval_count?: number }>;
    try {
      // No overall timeout: a long answer may stream for minutes, and Ctrl-C still aborts it.
      stream = await this.withRetry(ctx, (c) => c.chat({ ...chatBody(req), stream: true }), undefined);
    } catch (err) {
      throw translateError(err, ctx);
    }
    try {
      for await (const part of stream) {
        if (part.message?.content) yield { content: part.message.content };
        if (part.done) {
          stats.doneReason = part.done_reason;
          stats.promptTokens = part.prompt_eval_count;
          stats.answerTokens = part.eval_count;
        }
      }
    } catch (err) {
      if (this.signal?.aborted) throw translateError(this.signal.reason ?? err, ctx);
      const rag = translateError(err, ctx);
      // The request was accepted, so this is not "cannot reach": the answer broke off.
      if (rag.exitCode !== Exit.ollama) throw rag;
      const reason = networkCode(err) !== undefined ? 'the connection was closed' : err instanceof Error ? err.message : String(err);
      throw new RagError('not-ollama', `Ollama at ${this.host} stopped in the middle of the answer: ${reason}`, 'try again; check the Ollama server log if it persists', { cause: err });
    }
  }

  async chat(req: ChatRequest, stats: ChatStats = {}): Promise<string> {
    const ctx: ErrorContext = { host: this.host, model: req.model, kind: 'completion' };
    const res = await this.withRetry(ctx, (c) => c.chat({ ...chatBody(req), stream: false }), undefined);
    stats.doneReason = res.done_reason;
    stats.promptTokens = res.prompt_eval_count;
    stats.answerTokens = res.eval_count;
    return res.message.content;
  }

  async pull(model: string, onProgress: (p: PullProgress) => void): Promise<void> {
    const ctx: ErrorContext = { host: this.host, model };
    try {
      await this.version();
      const stream = await (await this.client()).pull({ model, stream: true });
      for await (const part of stream) onProgress({ status: part.status, total: part.total, completed: part.completed });
    } catch (err) {
      if (this.signal?.aborted) throw translateError(this.signal.reason ?? err, ctx);
      const rag = translateError(err, ctx);
      if (rag.exitCode === Exit.ollama && rag.reason !== 'unreachable') {
        throw new RagError('pull-failed', `Could not pull model '${model}': ${err instanceof Error ? err.message : String(err)}`, "check the model name in the Ollama library", { cause: err });
      }
      throw rag;
    }
  }

  /**
   * Checks that a model is installed and of the right kind, pulling it first when
   * asked to. Capabilities are missing on old servers: then the first real call tells.
   */
  async requireModel(model: string, kind: ModelKind, options: { pull: boolean; onPull?: (p: PullProgress) => void }): Promise<ModelInfo> {
    let info = await this.showModel(model);
    if (!info && options.pull) {
      await this.pull(model, options.onPull ?? (() => {}));
      info = await this.showModel(model);
    }
    if (!info) {
      throw new RagError('missing-model', `Model '${model}' is not installed`, `run 'ollama pull ${model}' or pass --pull`);
    }
    const caps = info.capabilities;
    if (caps.length > 0) {
      const ok = kind === 'embedding' ? caps.includes('embedding') : caps.includes('completion');
      if (!ok) throw wrongKind(model, kind, undefined);
    }
    return info;
  }
}

function chatBody(req: ChatRequest) {
  const options: Record<string, number> = { num_ctx: req.numCtx };
  if (req.temperature !== undefined) options.temperature = req.temperature;
  if (req.seed !== undefined) options.seed = req.seed;
  if (req.numPredict !== undefined) options.num_predict = req.numPredict;
  return { model: req.model, messages: req.messages, options };
}
