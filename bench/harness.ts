/** Running rag as a process against the stub, with the stub's counts for each run. */
import { mkdirSync } from 'node:fs';
import type { Stub } from '../tests/ollama-stub/server.js';
import { BIN } from '../tests/helpers/paths.js';
import type { Config } from './config.js';
import { ProcessRunner, median, type ProcessResult } from './measure.js';
import { ms } from './report.js';
import type { IndexJson } from '../src/render/json.js';

export type { IndexJson };

export interface StubCounts {
  requests: number;
  inputs: number;
  busyMs: number;
  /** Date.now() of the first and last /api/embed request bodies received; undefined without embeds. */
  firstEmbedAt?: number;
  lastEmbedAt?: number;
}

/** Embed requests and inputs since the last resetLog(), without copying every input string. */
export function stubCounts(stub: Stub): StubCounts {
  let requests = 0;
  let inputs = 0;
  let firstEmbedAt: number | undefined;
  let lastEmbedAt: number | undefined;
  for (const r of stub.requests) {
    if (r.route !== '/api/embed') continue;
    requests++;
    firstEmbedAt ??= r.at;
    lastEmbedAt = r.at;
    const body = r.body as { input?: unknown } | undefined;
    inputs += Array.isArray(body?.input) ? body.input.length : typeof body?.input === 'string' ? 1 : 0;
  }
  return { requests, inputs, busyMs: stub.busyMs(), ...(firstEmbedAt !== undefined ? { firstEmbedAt, lastEmbedAt } : {}) };
}

/** A rag process that did not finish in time and was killed. */
export class HungError extends Error {
  constructor(
    readonly what: string,
    readonly afterMs: number,
  ) {
    super(`${what} did not finish in ${Math.round(afterMs / 1000)} s and was killed`);
  }
}

/**
 * LanceDB releases whose FTS index build deadlocks when its CPU pool has a single thread
 * (hosts with <= 2 CPUs; lancedb/lancedb#3568, lance-format/lance#7350) can be worked
 * around with this variable. Used only after a hang, to measure the rest.
 */
export const LANCE_WORKAROUND = { LANCE_CPU_THREADS: '2' };

export interface IndexRun {
  run: ProcessResult;
  json: IndexJson;
  stub: StubCounts;
  stubCpuMs: number;
  phases?: { toFirstEmbedMs: number; afterLastEmbedMs: number };
}

export function phaseText(runs: IndexRun[]): string {
  const with_ = runs.filter((r) => r.phases);
  if (with_.length === 0) return 'n/a (no embed requests)';
  return `${ms(median(with_.map((r) => r.phases!.toFirstEmbedMs)))} / ${ms(median(with_.map((r) => r.phases!.afterLastEmbedMs)))}`;
}

export class Bench {
  readonly runner = new ProcessRunner();

  constructor(
    readonly config: Config,
    readonly stub: Stub,
  ) {}

  /**
   * Set only after rag hung: lets the rest of the benchmark measure something, and every
   * section after that point says so (Report.workaround). Never set up front: the benchmark
   * measures rag as users run it.
   */
  workaroundEnv: Record<string, string> = {};

  env(db: string): Record<string, string> {
    return { OLLAMA_HOST: this.stub.url, RAG_DB: db, NO_COLOR: '1', ...this.workaroundEnv };
  }

  profileArgs(name: string): string[] {
    if (!this.config.cpuProf) return [];
    mkdirSync(this.config.cpuProf, { recursive: true });
    return ['--cpu-prof', '--cpu-prof-dir', this.config.cpuProf, '--cpu-prof-name', `${name}.cpuprofile`];
  }

  /** Runs rag; a failed run stops the benchmark with rag's own error. */
  async rag(args: string[], opts: { cwd: string; db: string; usage?: boolean; nodeArgs?: string[]; timeoutMs?: number }): Promise<ProcessResult> {
    const r = await this.runner.run({
      args: [BIN, ...args],
      cwd: opts.cwd,
      env: this.env(opts.db),
      usage: opts.usage ?? true,
      ...(opts.nodeArgs ? { nodeArgs: opts.nodeArgs } : {}),
      timeoutMs: opts.timeoutMs ?? 120_000,
    });
    if (r.timedOut) throw new HungError(`rag ${args.join(' ')}`, r.wallMs);
    if (r.code !== 0) {
      throw new Error(`rag ${args.join(' ')} exited ${r.code ?? r.signal}: ${r.stderr.trim().split('\n').slice(-5).join('\n')}`);
    }
    return r;
  }

  /** One `rag index` of `corpus` into `db`, with the stub's counts for exactly that run. */
  async index(corpus: string, db: string, nodeArgs: string[] = [], modelMs = 0): Promise<IndexRun> {
    this.stub.resetLog();
    const cpu = process.cpuUsage();
    const startedAt = Date.now();
    const run = await this.rag(['index', '--json', '.'], { cwd: corpus, db, nodeArgs, timeoutMs: this.config.indexTimeoutMs + 3 * modelMs });
    const endedAt = Date.now();
    const used = process.cpuUsage(cpu);
    const stub = stubCounts(this.stub);
    // Where the model sat idle: before the first embed request (start-up, discovery, the first
    // batch's reading and chunking) and after the last one (last writes, index build, records).
    const phases = stub.firstEmbedAt !== undefined && stub.lastEmbedAt !== undefined
      ? { toFirstEmbedMs: stub.firstEmbedAt - startedAt, afterLastEmbedMs: endedAt - stub.lastEmbedAt }
      : undefined;
    return { run, json: JSON.parse(run.stdout) as IndexJson, stub, stubCpuMs: (used.user + used.system) / 1000, ...(phases ? { phases } : {}) };
  }
}
