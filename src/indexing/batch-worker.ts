/**
 * The work on one batch of candidate files: prepare each, fill the changed ones' vectors,
 * hand them to the writer; and the run's tally (summary, progress, removals) as it goes.
 */
import type { SourceFile } from '../discover/walk.js';
import { Embedder, maxEmbedChars } from '../embed.js';
import type { ModelInfo, RetryNotice } from '../ollama.js';
import type { OllamaHosts } from '../ollama-hosts.js';
import type { RunPlan } from './plan.js';
import { prepareFile } from './prepare.js';
import { fillVectors, type PreparedFile } from './rows.js';
import type { IndexProgress, IndexSummary } from './summary.js';
import type { IndexWriter } from './writer.js';

export interface WorkerDeps {
  ollama: () => OllamaHosts;
  signal: AbortSignal;
  maxFileSizeBytes: number | undefined;
  pull: boolean;
  batchSize: number;
  /** Requests in flight per host. */
  concurrency: number;
  onProgress?: (p: IndexProgress) => void;
  onPull?: (status: string, completed?: number, total?: number) => void;
  onRetry?: (notice: RetryNotice) => void;
}

export class BatchWorker {
  private filesDone = 0;
  private chunksQueued = 0;
  private embedder: Embedder | undefined;
  private modelInfo: Promise<ModelInfo> | undefined;

  constructor(
    private readonly plan: RunPlan,
    private readonly writer: IndexWriter,
    private readonly deps: WorkerDeps,
    /** Filled in as batches finish. */
    readonly summary: IndexSummary,
    /** Recorded files gone from disk; files that can no longer be read join them. */
    readonly removedPaths: string[],
    private readonly filesTotal: number,
  ) {}

  get embedRequests(): number {
    return this.embedder?.requests ?? 0;
  }

  readonly runBatch = async (files: SourceFile[]): Promise<void> => {
    const { prepared, touched } = await this.prepareAll(files);
    await this.embed(prepared);
    for (const p of prepared) {
      this.summary[p.change === 'new' ? 'new' : 'changed']++;
      this.summary.changes.push({ path: p.file.relPath, change: p.change, chunks: p.rows.length });
    }
    await this.writer.write(prepared, touched);
    this.report();
  };

  private async prepareAll(files: SourceFile[]): Promise<{ prepared: PreparedFile[]; touched: boolean }> {
    const prepared: PreparedFile[] = [];
    let touched = false;
    const { embedModel, chunk } = this.plan.settings;
    for (const file of files) {
      if (this.deps.signal.aborted) break;
      const previous = this.writer.record(file.relPath);
      const result = await prepareFile(file, previous, { embedModel, chunk, maxFileSizeBytes: this.deps.maxFileSizeBytes });
      this.filesDone++;
      if (result.kind === 'skipped') {
        this.summary.skipped.push({ relPath: file.relPath, reason: result.reason });
        if (previous) this.removedPaths.push(file.relPath);
      } else if (result.kind === 'unchanged') {
        this.writer.touch(result.record);
        this.summary.unchanged++;
        touched = true;
      } else {
        prepared.push(result.prepared);
        if (result.note) this.summary.notes.push({ relPath: file.relPath, note: result.note });
        this.chunksQueued += result.prepared.rows.length;
        this.report();
      }
    }
    return { prepared, touched };
  }

  private async embed(prepared: PreparedFile[]): Promise<void> {
    if (this.plan.dryRun || !prepared.some((p) => p.rows.length > 0)) return;
    const { embedModel } = this.plan.settings;
    // Vectors already stored under the same chunk hash are reused: for a changed file its
    // unchanged passages; after a crash, also for a 'new' file the rows the dead run wrote
    // before its record. Never from the old generation in a rebuild, which may use another
    // model; a resumed rebuild looks in its own table.
    const lookup = prepared.filter((p) => p.rows.length > 0 && (p.change === 'changed' || this.plan.recovering));
    const reusable = lookup.length === 0 ? new Map<string, number[]>() : await this.writer.reusableVectors(lookup.map((p) => p.file.relPath));
    const fill = await fillVectors(prepared, {
      embedModel,
      reusable,
      maxChars: async () => maxEmbedChars(await this.requireModel()),
      embed: (texts) => {
        const hosts = this.deps.ollama();
        this.embedder ??= new Embedder(hosts, {
          model: embedModel, batchSize: this.deps.batchSize, concurrency: this.deps.concurrency * hosts.size, onEmbedded: this.report,
          ...(this.deps.onRetry ? { onRetry: this.deps.onRetry } : {}),
        });
        return this.embedder.embed(texts);
      },
    });
    this.summary.chunksReused += fill.reused;
    this.summary.chunksEmbedded += fill.embedded;
    this.chunksQueued += fill.addedChunks;
  }

  private requireModel(): Promise<ModelInfo> {
    this.modelInfo ??= this.deps.ollama().requireModel(this.plan.settings.embedModel, 'embedding', {
      pull: this.deps.pull,
      onPull: (p) => this.deps.onPull?.(p.status, p.completed, p.total),
    });
    return this.modelInfo;
  }

  readonly report = (): void => {
    this.deps.onProgress?.({
      filesDone: this.filesDone, filesTotal: this.filesTotal, chunksQueued: this.chunksQueued, chunksEmbedded: this.embedder?.inputs ?? 0,
    });
  };
}
