/**
 * Embedding: what text is embedded for a passage or a query, and a batcher that
 * keeps a small, bounded number of `/api/embed` requests in flight. Ollama runs
 * one request at a time by default (OLLAMA_NUM_PARALLEL=1), so a couple in flight
 * keep it busy and more only queue; each request carries one bounded batch, so no
 * request grows with the corpus and a retry resends only that batch.
 */
import { createLimiter, type Limiter } from './concurrency-limiter.js';
import type { ModelInfo, RetryNotice } from './ollama.js';

interface TaskPrefixes {
  document: string;
  query: string;
}

const RETRIEVAL_INSTRUCTION = 'Represent this sentence for searching relevant passages: ';

/** Known models' task prefixes (notes/ollama.md), keyed by the name without tag or namespace. */
const PREFIXES: Record<string, TaskPrefixes> = {
  'nomic-embed-text': { document: 'search_document: ', query: 'search_query: ' },
  'mxbai-embed-large': { document: '', query: RETRIEVAL_INSTRUCTION },
  'snowflake-arctic-embed': { document: '', query: RETRIEVAL_INSTRUCTION },
  'snowflake-arctic-embed2': { document: '', query: RETRIEVAL_INSTRUCTION },
};

export function taskPrefixes(model: string): TaskPrefixes {
  const base = model.split('/').pop()!.split(':')[0]!.toLowerCase();
  return PREFIXES[base] ?? { document: '', query: '' };
}

/**
 * A passage alone often does not say what it is about; the file path and heading
 * breadcrumb in front of it do (a contextual header).
 */
export function documentText(model: string, relPath: string, heading: string, text: string): string {
  const header = heading ? `${relPath} · ${heading}` : relPath;
  return `${taskPrefixes(model).document}${header}\n\n${text}`;
}

export function queryText(model: string, question: string): string {
  return `${taskPrefixes(model).query}${question}`;
}

/** Where `/api/embed` requests go: one Ollama client, or several hosts used as one. */
export interface EmbedTarget {
  embed(model: string, inputs: string[], options?: { onRetry?: (notice: RetryNotice) => void }): Promise<number[][]>;
  /** Model details, or undefined when the model is not installed. */
  showModel(model: string): Promise<ModelInfo | undefined>;
}

export interface EmbedderOptions {
  model: string;
  /** Inputs per request. */
  batchSize: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** Called after each request with the number of inputs it embedded. */
  onEmbedded?: (count: number) => void;
  /** Called before a failed request is tried again. */
  onRetry?: (notice: RetryNotice) => void;
}

/**
 * Shared by all file batches of a run: callers hand in texts as they become
 * ready and get their vectors back; the requests in flight stay bounded overall.
 *
 * The first request that still fails after the client's bounded retries stops the
 * embedder: every request queued or asked for later fails at once with the same error,
 * without reaching the server. A server that fails every request used to be asked
 * hundreds of times (minutes of retries) before the run gave up.
 */
export class Embedder {
  private readonly limit: Limiter;
  requests = 0;
  inputs = 0;

  constructor(
    private readonly ollama: EmbedTarget,
    private readonly options: EmbedderOptions,
  ) {
    this.limit = createLimiter(options.concurrency);
  }

  async embed(texts: string[]): Promise<number[][]> {
    const batches: string[][] = [];
    for (let i = 0; i < texts.length; i += this.options.batchSize) batches.push(texts.slice(i, i + this.options.batchSize));
    const results = await Promise.all(batches.map((batch) => this.limit(() => this.request(batch))));
    return results.flat();
  }

  private failure: { error: unknown } | undefined;

  private async request(batch: string[]): Promise<number[][]> {
    if (this.failure) throw this.failure.error;
    let vectors: number[][];
    try {
      vectors = await this.ollama.embed(this.options.model, batch, this.options.onRetry ? { onRetry: this.options.onRetry } : {});
    } catch (err) {
      this.failure ??= { error: err };
      throw err;
    }
    this.requests++;
    this.inputs += batch.length;
    this.options.onEmbedded?.(batch.length);
    return vectors;
  }
}

/**
 * Characters that surely fit the embedding model's context, at a conservative three
 * characters a token. Ollama embeds within the model's num_ctx (2048 unless the
 * model sets more), not its advertised maximum, so respect both.
 */
export function maxEmbedChars(info: ModelInfo): number {
  return Math.min(info.contextLength ?? 2048, 2048) * 3;
}

const CJK_CHAR = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/gu;

/**
 * Length in maxEmbedChars's units (a third of a token). A Chinese, Japanese or Korean
 * character is a token of its own or more, not a third of one: it counts three.
 */
export function embedLength(text: string): number {
  return text.length + 2 * (text.match(CJK_CHAR)?.length ?? 0);
}
