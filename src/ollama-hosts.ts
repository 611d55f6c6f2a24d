/**
 * Several Ollama servers used as one. Ollama runs one embedding request at a time per
 * model, so more servers are the way to embed faster: each batch goes to the healthy host
 * with the fewest requests in flight; a host that fails is taken out for a while and its
 * batches go to the others; a run fails only when no host is left. Vectors from different
 * models must never mix in one index, so every host must serve the embedding model under
 * the same digest. Chat goes to the first healthy host that has the chat model.
 */
import { Exit, RagError } from './errors.js';
import { OllamaClient, sameModel, type ModelInfo, type ModelKind, type PullProgress, type RetryNotice } from './ollama.js';

/** How long a failed host stays out before it is tried again. */
export const HOST_COOLDOWN_MS = 30_000;

export interface OllamaHostsOptions {
  signal?: AbortSignal;
  now: () => number;
  /** One line for the user (stderr), e.g. that a host was taken out. */
  note: (message: string) => void;
  cooldownMs?: number;
}

interface HostState {
  client: OllamaClient;
  inFlight: number;
  /** now() before which the host is out; 0 when healthy. */
  outUntil: number;
  /** The embedding model was checked on this host (same digest as the others). */
  checked: Promise<void> | undefined;
}

export interface HostReport {
  host: string;
  reachable: boolean;
  version: string | null;
  models: string[];
  error?: string;
}

/** A host-level failure: another host may well succeed with the same request. */
function isHostFailure(err: unknown): boolean {
  return err instanceof RagError && err.exitCode === Exit.ollama;
}

export class OllamaHosts {
  private readonly hosts: HostState[];
  private readonly cooldownMs: number;
  /** The digest every host must serve, per embedding model, from the first host that answered. */
  private readonly digests = new Map<string, { host: string; digest: string | undefined }>();

  constructor(
    urls: string[],
    private readonly options: OllamaHostsOptions,
  ) {
    if (urls.length === 0) throw new RagError('usage', 'No Ollama host given', "pass --host, e.g. 'http://127.0.0.1:11434'");
    this.hosts = urls.map((host) => ({ client: new OllamaClient({ host, ...(options.signal ? { signal: options.signal } : {}) }), inFlight: 0, outUntil: 0, checked: undefined }));
    this.cooldownMs = options.cooldownMs ?? HOST_COOLDOWN_MS;
  }

  get urls(): string[] {
    return this.hosts.map((h) => h.client.host);
  }

  get size(): number {
    return this.hosts.length;
  }

  /** The first host's client, for what needs exactly one server. */
  get first(): OllamaClient {
    return this.hosts[0]!.client;
  }

  private healthy(): HostState[] {
    const now = this.options.now();
    return this.hosts.filter((h) => h.outUntil <= now);
  }

  private takeOut(host: HostState, err: RagError, options: { quiet?: boolean } = {}): void {
    const now = this.options.now();
    // Requests in flight on a host fail together: the first one takes it out and says so.
    const wasOut = host.outUntil > now;
    if (!wasOut) host.outUntil = now + this.cooldownMs;
    host.checked = undefined;
    if (this.hosts.length > 1 && !options.quiet && !wasOut) {
      this.options.note(`Ollama at ${host.client.host} failed (${err.message}); leaving it out for ${Math.round(this.cooldownMs / 1000)} s`);
    }
  }

  /** Runs `call` on the least-loaded healthy host, moving to another host when one fails. */
  private async onSomeHost<T>(call: (host: HostState) => Promise<T>): Promise<T> {
    let lastError: RagError | undefined;
    for (;;) {
      const candidates = this.healthy();
      if (candidates.length === 0) throw this.noHostLeft(lastError);
      const host = candidates.reduce((best, h) => (h.inFlight < best.inFlight ? h : best));
      host.inFlight++;
      try {
        return await call(host);
      } catch (err) {
        // One host is never left out: its own error is the answer, and the next call tries it again.
        if (!isHostFailure(err) || this.options.signal?.aborted || this.hosts.length === 1) throw err;
        lastError = err as RagError;
        this.takeOut(host, lastError);
      } finally {
        host.inFlight--;
      }
    }
  }

  private noHostLeft(lastError: RagError | undefined): RagError {
    const last = lastError ? `; the last error: ${lastError.message}` : '';
    return new RagError(lastError?.reason ?? 'unreachable', `No Ollama host is left: all ${this.hosts.length} failed${last}`, 'check that the servers are running, then run the command again', lastError ? { cause: lastError } : undefined);
  }

  /** One `/api/embed` request, on whichever host is least busy. */
  async embed(model: string, inputs: string[], options: { onRetry?: (notice: RetryNotice) => void } = {}): Promise<number[][]> {
    return this.onSomeHost(async (host) => {
      if (this.hosts.length > 1) await this.checkHost(host, model);
      return host.client.embed(model, inputs, options);
    });
  }

  /** Model details from any healthy host, or undefined when the model is not installed there. */
  async showModel(model: string): Promise<ModelInfo | undefined> {
    return this.onSomeHost((host) => host.client.showModel(model));
  }

  /**
   * Checks the model on every host (pulling where asked). For an embedding model all hosts
   * must serve the same digest: the odd one is refused with exit 4. Unreachable hosts are
   * taken out, and checked again when they come back.
   */
  async requireModel(model: string, kind: ModelKind, options: { pull: boolean; onPull?: (p: PullProgress) => void }): Promise<ModelInfo> {
    if (kind === 'completion' || this.hosts.length === 1) return this.first.requireModel(model, kind, options);
    let info: ModelInfo | undefined;
    let lastError: RagError | undefined;
    for (const host of this.healthy()) {
      try {
        const hostInfo = await host.client.requireModel(model, kind, options).catch((err: unknown) => {
          throw err instanceof RagError && err.exitCode === Exit.model ? new RagError(err.reason, `${err.message} on Ollama at ${host.client.host}`, err.hint, { cause: err }) : err;
        });
        info ??= hostInfo;
        await this.checkHost(host, model);
      } catch (err) {
        if (!isHostFailure(err) || this.options.signal?.aborted) throw err;
        lastError = err as RagError;
        this.takeOut(host, lastError);
      }
    }
    if (!info) throw this.noHostLeft(lastError);
    return info;
  }

  /** Compares the host's digest of `model` with the first host's, once per time the host is in. */
  private checkHost(host: HostState, model: string): Promise<void> {
    host.checked ??= (async () => {
      const digest = (await host.client.listModels()).find((m) => sameModel(m.name, model))?.digest;
      const reference = this.digests.get(model);
      if (!reference) {
        this.digests.set(model, { host: host.client.host, digest });
        return;
      }
      if (digest === undefined) {
        throw new RagError('missing-model', `Model '${model}' is not installed on Ollama at ${host.client.host}`, `every host must serve the same embedding model: run 'ollama pull ${model}' there, or leave the host out of --host`);
      }
      if (reference.digest !== undefined && digest !== reference.digest) {
        throw new RagError(
          'model-mismatch',
          `Ollama at ${host.client.host} serves a different '${model}' (digest ${digest.slice(0, 12)}) than ${reference.host} (${reference.digest.slice(0, 12)})`,
          `every host must serve the same embedding model: pull the same version there, or leave the host out of --host`,
        );
      }
    })();
    // A check that failed for the host's health is retried when the host is back.
    host.checked.catch(() => (host.checked = undefined));
    return host.checked;
  }

  /** The digest of the embedding model, as the hosts serve it. */
  async modelDigest(model: string): Promise<string | undefined> {
    const known = this.digests.get(model);
    if (known) return known.digest;
    return (await this.first.listModels().catch(() => [])).find((m) => sameModel(m.name, model))?.digest;
  }

  /**
   * The first healthy host that has the chat model; with none, the first reachable host,
   * whose requireModel then says what is missing. One host is used as is, unprobed.
   */
  async chatClient(model: string): Promise<OllamaClient> {
    if (this.hosts.length === 1) return this.first;
    let reachable: OllamaClient | undefined;
    let lastError: RagError | undefined;
    for (const host of this.healthy()) {
      try {
        if (await host.client.showModel(model)) return host.client;
        reachable ??= host.client;
      } catch (err) {
        if (!isHostFailure(err) || this.options.signal?.aborted) throw err;
        lastError = err as RagError;
        this.takeOut(host, lastError);
      }
    }
    if (reachable) return reachable;
    throw this.noHostLeft(lastError);
  }

  /** Each host, whether it answers, and its models: for `rag status`, which shows the unreachable ones (no note). */
  async report(): Promise<HostReport[]> {
    return Promise.all(
      this.hosts.map(async (host) => {
        const { client } = host;
        try {
          const version = await client.version();
          const models = (await client.listModels()).map((m) => m.name).sort();
          return { host: client.host, reachable: true, version, models };
        } catch (err) {
          if (!isHostFailure(err)) throw err;
          this.takeOut(host, err as RagError, { quiet: true });
          return { host: client.host, reachable: false, version: null, models: [], error: (err as Error).message };
        }
      }),
    );
  }
}
