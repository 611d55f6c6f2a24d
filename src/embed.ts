/**
 * Embedding: what text is embedded for a passage or a query, and a batcher that
 * keeps a small, bounded number of `/api/embed` requests in flight. Ollama runs
 * one request at a time by default (OLLAMA_NUM_PARALLEL=1), so a couple in flight
 * keep it busy and more only queue; each request carries one bounded batch, so no
 * request grows with the corpus and a retry resends only that batch.
 */
import type { OllamaClient } from './ollama.js';

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

export interface EmbedderOptions {
  model: string;
  /** Inputs per request. */
  batchSize: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** Called after each request with the number of inputs it embedded. */
  onEmbedded?: (count: number) => void;
}

/**
 * Shared by all file batches of a run: callers hand in texts as they become
 * ready and get their vectors back; the requests in flight stay bounded overall.
 */
export class Embedder {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  requests = 0;
  inputs = 0;

  constructor(
    private readonly ollama: OllamaClient,
    private readonly options: EmbedderOptions,
  ) {}

  async embed(texts: string[]): Promise<number[][]> {
    const batches: string[][] = [];
    for (let i = 0; i < texts.length; i += this.options.batchSize) batches.push(texts.slice(i, i + this.options.batchSize));
    const results = await Promise.all(batches.map((batch) => this.request(batch)));
    return results.flat();
  }

  private async request(batch: string[]): Promise<number[][]> {
    if (this.active >= this.options.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      const vectors = await this.ollama.embed(this.options.model, batch);
      this.requests++;
      this.inputs += batch.length;
      this.options.onEmbedded?.(batch.length);
      return vectors;
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}
