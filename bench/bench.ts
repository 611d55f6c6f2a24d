/**
 * `npm run bench`: rag's performance budgets (DESIGN §11), measured on whole processes.
 *
 * Runs the built CLI (bin/rag.cjs, as users run it) against the tests' Ollama-compatible stub
 * in this process, with a simulated model cost (so batching and concurrency show in wall
 * time) or with none (so our own overhead shows). Needs no Ollama and no network: the stub
 * listens on 127.0.0.1 only. A benchmark, not a test: it always exits 0 unless a run breaks,
 * and prints PASS/FAIL against the targets of the issue.
 *
 *   npm run bench [-- --quick] [--files 3000 --size-mb 30 --seed 1] [--corpus DIR]
 *                 [--runs 7] [--index-runs 2] [--json-out FILE] [--skip-cost] [--skip-recall]
 *                 [--recall-rows N] [--keep DIR] [--cpu-prof DIR]
 *
 * See `--help` for every flag.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chunkText, detectFormat } from '../src/chunk.js';
import { DEFAULTS } from '../src/defaults.js';
import { discoverFiles } from '../src/discover.js';
import { documentText, queryText } from '../src/embed.js';
import { readManifest, SCHEMA_VERSION, tableName, writeManifest } from '../src/manifest.js';
import type { ChunkRow } from '../src/store.js';
import { DEFAULT_STUB_MODELS, embedText, startStub, type Stub, type StubCost } from '../tests/helpers/ollama-stub.js';
import { BIN, REPO_ROOT } from '../tests/helpers/paths.js';
import { buildVocabulary, editFiles, generateCorpus, Rng, TextMaker } from './generate-corpus.js';
import { dirSize, machine, max, median, ProcessRunner, type ProcessResult, type Usage } from './measure.js';

// ---------------------------------------------------------------------------------------------
// Configuration

interface Config {
  files: number;
  sizeMb: number;
  seed: number;
  corpus: string | undefined;
  quick: boolean;
  /** Repetitions of each short measurement: cold starts, search, ask, re-index. */
  runs: number;
  /** Repetitions of each full index run (zero cost, and with model cost). */
  indexRuns: number;
  editRuns: number;
  jsonOut: string;
  skipCost: boolean;
  skipRecall: boolean;
  costFiles: number;
  cost: StubCost;
  chatCost: StubCost;
  /** Rows of the synthetic table for the vector-index recall check; 0 = only if the real index is large enough. */
  recallRows: number;
  recallQueries: number;
  keep: string | undefined;
  cpuProf: string | undefined;
  /** An index run taking longer than this is killed and reported as hung. */
  indexTimeoutMs: number;
}

const HELP = `rag benchmark: indexes a corpus with the built CLI against a simulated Ollama and reports
wall time, CPU, memory, request counts, cold starts and index size against rag's budgets.

Options:
  --quick                   small smoke configuration (~300 files, few runs, no recall table)
  --files N                 generated corpus: files (default 3000)
  --size-mb X               generated corpus: total size in MB (default 30)
  --seed N                  generated corpus: PRNG seed (default 1)
  --corpus DIR              benchmark a copy of DIR instead of a generated corpus
  --runs N                  repetitions of cold starts, search, ask, re-index (default 7; quick 3)
  --index-runs N            repetitions of the full index runs (default 2; quick 1)
  --edit-runs N             1% edit rounds (default 3; quick 1)
  --cost-files N            files of the model-cost corpus (default 300; quick 100)
  --embed-ms-per-input X    simulated embedding cost per input (default 3)
  --embed-ms-per-request X  simulated embedding cost per request (default 20)
  --parallel N              requests the stub processes at once, like OLLAMA_NUM_PARALLEL (default 1)
  --chat-ms-per-token X     simulated generation cost per token, for ask (default 5)
  --chat-ms-per-request X   simulated prompt cost per chat request, for ask (default 100)
  --skip-cost               skip the model-cost indexing scenario
  --skip-recall             skip the vector-index recall check
  --recall-rows N           rows of the synthetic table for the recall check
                            (default: the vector-index threshold; quick: skipped)
  --recall-queries N        sample queries for the recall check (default 50)
  --json-out FILE           results as JSON (default bench/results/latest.json)
  --keep DIR                work in DIR (corpus, indexes) and keep it afterwards
  --cpu-prof DIR            write V8 CPU profiles of the zero-cost index runs and searches to DIR
  --index-timeout S         kill an index run after S seconds and report it as hung (default 90,
                            plus 3x the simulated model time; quick 60)
  -h, --help                this help
`;

function parseConfig(argv: string[]): Config | undefined {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      quick: { type: 'boolean' },
      files: { type: 'string' },
      'size-mb': { type: 'string' },
      seed: { type: 'string' },
      corpus: { type: 'string' },
      runs: { type: 'string' },
      'index-runs': { type: 'string' },
      'edit-runs': { type: 'string' },
      'cost-files': { type: 'string' },
      'embed-ms-per-input': { type: 'string' },
      'embed-ms-per-request': { type: 'string' },
      parallel: { type: 'string' },
      'chat-ms-per-token': { type: 'string' },
      'chat-ms-per-request': { type: 'string' },
      'skip-cost': { type: 'boolean' },
      'skip-recall': { type: 'boolean' },
      'recall-rows': { type: 'string' },
      'recall-queries': { type: 'string' },
      'json-out': { type: 'string' },
      keep: { type: 'string' },
      'cpu-prof': { type: 'string' },
      'index-timeout': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return undefined;
  }
  const quick = Boolean(values.quick);
  // A typo must not silently benchmark something else: every number is checked.
  const num = (flag: keyof typeof values, fallback: number, shape: { integer?: boolean; min?: number } = {}): number => {
    const integer = shape.integer ?? true;
    const min = shape.min ?? (integer ? 1 : 0);
    const raw = values[flag];
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
      throw new Error(`--${flag}: expected ${integer ? 'a whole number' : 'a number'} >= ${min}, got '${String(raw)}'`);
    }
    return n;
  };
  return {
    files: num('files', quick ? 300 : 3000),
    sizeMb: num('size-mb', quick ? 3 : 30, { integer: false, min: 0.01 }),
    seed: num('seed', 1, { min: 0 }),
    corpus: values.corpus ? path.resolve(values.corpus) : undefined,
    quick,
    runs: num('runs', quick ? 3 : 7),
    indexRuns: num('index-runs', quick ? 1 : 2),
    editRuns: num('edit-runs', quick ? 1 : 3),
    jsonOut: path.resolve(values['json-out'] ?? path.join(REPO_ROOT, 'bench', 'results', 'latest.json')),
    skipCost: Boolean(values['skip-cost']),
    skipRecall: Boolean(values['skip-recall']),
    costFiles: num('cost-files', quick ? 100 : 300),
    cost: {
      embedMsPerInput: num('embed-ms-per-input', 3, { integer: false }),
      embedMsPerRequest: num('embed-ms-per-request', 20, { integer: false }),
      parallel: num('parallel', 1),
    },
    chatCost: {
      chatMsPerToken: num('chat-ms-per-token', 5, { integer: false }),
      chatMsPerRequest: num('chat-ms-per-request', 100, { integer: false }),
      parallel: num('parallel', 1),
    },
    recallRows: num('recall-rows', 0, { min: 0 }),
    recallQueries: num('recall-queries', 50),
    keep: values.keep ? path.resolve(values.keep) : undefined,
    cpuProf: values['cpu-prof'] ? path.resolve(values['cpu-prof']) : undefined,
    indexTimeoutMs: num('index-timeout', quick ? 60 : 90) * 1000,
  };
}

// ---------------------------------------------------------------------------------------------
// Report: rows for the table, targets for PASS/FAIL, everything also in the JSON.

interface Row {
  label: string;
  value: string;
  target?: string;
  pass?: boolean;
}

interface TargetResult {
  id: string;
  description: string;
  value: number | null;
  unit: string;
  target: string;
  pass: boolean | null;
  note?: string;
}

class Report {
  readonly sections: Array<{ title: string; rows: Row[] }> = [];
  readonly targets: TargetResult[] = [];
  /** Set once rag had to be run with a workaround: every later section title carries it. */
  workaround: string | undefined;

  section(title: string): void {
    this.sections.push({ title: this.workaround ? `${title}  [with ${this.workaround.split(' (')[0]}]` : title, rows: [] });
    process.stderr.write(`· ${title}\n`);
  }

  row(label: string, value: string): void {
    this.sections[this.sections.length - 1]?.rows.push({ label, value });
  }

  /** A row checked against a target; `pass` null means not applicable (shown as n/a). */
  check(t: TargetResult & { label: string; shown: string }): void {
    const { label, shown, ...target } = t;
    this.targets.push(target);
    this.sections[this.sections.length - 1]?.rows.push({ label, value: shown, target: t.target, ...(t.pass === null ? {} : { pass: t.pass }) });
  }

  render(): string {
    const widths = [48, 30, 14];
    const line = (cells: string[]) => cells.map((c, i) => (i < widths.length ? c.padEnd(widths[i]!) : c)).join(' ').trimEnd();
    const out: string[] = [line(['Metric', 'Value', 'Target', 'Result']), '-'.repeat(100)];
    for (const s of this.sections) {
      out.push(s.title);
      for (const r of s.rows) {
        const result = r.target === undefined ? '' : r.pass === undefined ? 'n/a' : r.pass ? 'PASS' : 'FAIL';
        out.push(line([`  ${r.label}`, r.value, r.target ?? '', result]));
      }
    }
    const judged = this.targets.filter((t) => t.pass !== null);
    const passed = judged.filter((t) => t.pass).length;
    out.push('-'.repeat(100), `Targets: ${passed}/${judged.length} pass${judged.length > passed ? ` — FAIL: ${judged.filter((t) => !t.pass).map((t) => t.id).join(', ')}` : ''}`);
    return `${out.join('\n')}\n`;
  }
}

function ms(v: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  return v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`;
}

/** min–max of a few runs, so a noisy one shows without taking a column of its own. */
function spread(values: readonly number[], fmt: (v: number) => string = ms): string {
  if (values.length < 2) return '';
  return ` (${fmt(Math.min(...values))}–${fmt(Math.max(...values))})`;
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function int(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a';
}

function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

// ---------------------------------------------------------------------------------------------
// Running rag

interface IndexJson {
  files: { seen: number; new: number; changed: number; unchanged: number; removed: number; skipped: number };
  chunks: { embedded: number; reused: number; total: number };
  embed_requests: number;
  elapsed_ms: number;
}

interface StubCounts {
  requests: number;
  inputs: number;
  busyMs: number;
  /** Date.now() of the first and last /api/embed request bodies received; undefined without embeds. */
  firstEmbedAt?: number;
  lastEmbedAt?: number;
}

/** Embed requests and inputs since the last resetLog(), without copying every input string. */
function stubCounts(stub: Stub): StubCounts {
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
class HungError extends Error {
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
const LANCE_WORKAROUND = { LANCE_CPU_THREADS: '2' };

interface IndexRun {
  run: ProcessResult;
  json: IndexJson;
  stub: StubCounts;
  stubCpuMs: number;
  phases?: { toFirstEmbedMs: number; afterLastEmbedMs: number };
}

function phaseText(runs: IndexRun[]): string {
  const with_ = runs.filter((r) => r.phases);
  if (with_.length === 0) return 'n/a (no embed requests)';
  return `${ms(median(with_.map((r) => r.phases!.toFirstEmbedMs)))} / ${ms(median(with_.map((r) => r.phases!.afterLastEmbedMs)))}`;
}

class Bench {
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

// ---------------------------------------------------------------------------------------------
// Scenarios

const QUERIES = [
  'how do I configure the cache timeout',
  'retry a failed request',
  'vector index storage on disk',
  'deploy a new release version',
  'permission token secret access',
  'stream buffer memory limit',
  'parse the response payload format',
];

const QUESTIONS = [
  'How do I configure the cache timeout?',
  'What happens when a request fails and is retried?',
  'Where is the vector index stored on disk?',
  'How is a new release deployed?',
  'Which permission does a token need to read a secret?',
  'What limits the stream buffer memory?',
  'How is the response payload parsed?',
];

/** Workload sizes for the JSON, so results of different configurations are not confused. */
interface CorpusInfo {
  source: 'generated' | 'folder';
  /** The working copy that is indexed (and edited). */
  dir: string;
  /** For --corpus: the folder it was copied from. */
  origin?: string;
  files: number;
  bytes: number;
  seed?: number;
  digest?: string;
  generateMs?: number;
}

async function prepareCorpus(cfg: Config, work: string): Promise<{ info: CorpusInfo; relPaths: string[] }> {
  const dir = path.join(work, 'corpus');
  let info: CorpusInfo;
  if (cfg.corpus) {
    if (!existsSync(cfg.corpus)) throw new Error(`--corpus ${cfg.corpus}: no such folder`);
    // A copy: the edit scenario writes to the corpus, and the user's files must stay untouched.
    // .git and node_modules are skipped by rag anyway; the old index must not come along.
    const skip = new Set(['.git', 'node_modules', '.rag']);
    cpSync(cfg.corpus, dir, { recursive: true, filter: (src) => !skip.has(path.basename(src)) });
    info = { source: 'folder', dir, origin: cfg.corpus, files: 0, bytes: 0 };
  } else {
    const g = generateCorpus(dir, { files: cfg.files, sizeMb: cfg.sizeMb, seed: cfg.seed });
    info = { source: 'generated', dir, files: g.files.length, bytes: g.totalBytes, seed: cfg.seed, digest: g.digest, generateMs: g.generateMs };
  }
  // rag's own discovery: the edit scenario must pick files rag indexes, and counts must be rag's.
  const found = await discoverFiles([dir], {
    root: dir, indexDir: path.join(work, 'no-index'), include: [], exclude: [], useGitignore: true,
    maxFileSizeBytes: DEFAULTS.maxFileSizeMb * 1024 * 1024,
  });
  info.files = found.files.length;
  info.bytes = found.files.reduce((n, f) => n + f.size, 0);
  return { info, relPaths: found.files.map((f) => f.relPath) };
}

async function coldStart(b: Bench, report: Report, results: Record<string, unknown>): Promise<void> {
  const { runs } = b.config;
  report.section(`(e) Cold start, median of ${runs} (no index needed)`);
  const cases: Array<{ key: string; args: string[] }> = [
    { key: 'node -e 0', args: ['-e', '0'] },
    { key: 'rag --version', args: [BIN, '--version'] },
    { key: 'rag --help', args: [BIN, '--help'] },
  ];
  const times = new Map<string, number[]>(cases.map((c) => [c.key, []]));
  // Interleaved, after one untimed warm-up each, so that disk cache and CPU frequency drift
  // hit every case alike. No usage preload here: it would add its own load time.
  for (let i = -1; i < runs; i++) {
    for (const c of cases) {
      const r = await b.runner.run({ args: c.args, cwd: REPO_ROOT, env: { NO_COLOR: '1' }, timeoutMs: 30_000 });
      if (r.code !== 0) throw new Error(`${c.key} exited ${r.code}: ${r.stderr}`);
      if (i >= 0) times.get(c.key)!.push(r.wallMs);
    }
  }
  const nodeMs = median(times.get('node -e 0')!);
  const out: Record<string, unknown> = {};
  for (const c of cases) {
    const m = median(times.get(c.key)!);
    out[c.key] = { medianMs: round(m), runsMs: times.get(c.key)!.map((v) => round(v)) };
    if (c.key === 'node -e 0') report.row(c.key, ms(m));
    else {
      const ratio = m / nodeMs;
      report.check({
        id: c.key.replace('rag ', 'start').replace('--', '-'), description: `${c.key} within 1.5x a bare node start`,
        label: `${c.key} (x node)`, shown: `${ms(m)} (${ratio.toFixed(2)}x)`, value: round(ratio, 2), unit: 'x node', target: '<= 1.5x node', pass: ratio <= 1.5,
      });
    }
  }
  results.coldStart = out;
}

async function zeroCostIndex(b: Bench, report: Report, results: Record<string, unknown>, corpus: CorpusInfo, db: string): Promise<IndexJson> {
  const { indexRuns } = b.config;
  b.stub.setCost({});
  report.section(`(b) Index from scratch, zero model cost (median of ${indexRuns})`);
  const runs: IndexRun[] = [];
  let hung: HungError | undefined;
  for (let i = 0; i < indexRuns; i++) {
    rmSync(db, { recursive: true, force: true });
    try {
      runs.push(await b.index(corpus.dir, db, b.profileArgs(`index-zero-cost-${i + 1}`)));
    } catch (err) {
      if (!(err instanceof HungError) || Object.keys(b.workaroundEnv).length > 0) throw err;
      hung = err;
      // Measure the rest with the workaround, saying so on every row that follows.
      b.workaroundEnv = LANCE_WORKAROUND;
      report.workaround = `${Object.entries(LANCE_WORKAROUND).map(([k, v]) => `${k}=${v}`).join(' ')} (set after rag index hung)`;
      // Run i again; a second hang throws, since the workaround is now set.
      i--;
    }
  }
  report.check({
    id: 'index-completes', description: 'rag index of the corpus finishes (no hang)', label: 'rag index finishes',
    shown: hung ? `HUNG: killed after ${ms(hung.afterMs)}` : 'yes', value: hung ? 0 : 1, unit: 'bool', target: 'finishes', pass: !hung,
    ...(hung ? { note: 'all threads parked in futex/epoll waits: a deadlock, not slowness' } : {}),
  });
  if (hung) report.row('rerun with the workaround', report.workaround ?? '');
  const last = runs[runs.length - 1]!;
  const wall = median(runs.map((r) => r.run.wallMs));
  const cpu = median(runs.map((r) => r.run.usage?.cpuMs ?? Number.NaN));
  const rss = max(runs.map((r) => r.run.usage?.maxRssMb ?? Number.NaN));
  const requests = last.stub.requests;
  const inputs = last.stub.inputs;
  report.row('files / chunks', `${int(last.json.files.seen)} / ${int(last.json.chunks.total)}`);
  report.check({
    id: 'index-zero-cost-wall', description: 'zero-cost 3,000-file / 30 MB corpus indexes in under 30 s', label: 'wall time',
    shown: `${ms(wall)}${spread(runs.map((r) => r.run.wallMs))}`, value: round(wall), unit: 'ms', target: '< 30 s', pass: wall < 30_000,
  });
  report.row('in-process time (rag --json elapsed_ms)', ms(median(runs.map((r) => r.json.elapsed_ms))));
  report.row('spawn -> 1st embed / last embed -> exit', phaseText(runs));
  report.row('CPU time (user + sys, all threads)', `${ms(cpu)} (${(cpu / wall).toFixed(2)} cores)`);
  report.check({
    id: 'index-peak-rss', description: 'peak RSS of rag index under 300 MB', label: 'peak RSS (max of runs)',
    shown: `${rss.toFixed(0)} MB`, value: round(rss), unit: 'MB', target: '< 300 MB', pass: rss < 300,
  });
  report.row('embed requests / inputs', `${int(requests)} / ${int(inputs)}`);
  report.row('inputs per request', (inputs / Math.max(1, requests)).toFixed(1));
  report.row('stub CPU (this process: embedding, JSON)', ms(median(runs.map((r) => r.stubCpuMs))));
  report.row('throughput', `${(corpus.bytes / 1024 / 1024 / (wall / 1000)).toFixed(2)} MB/s, ${int(last.json.chunks.total / (wall / 1000))} chunks/s`);
  results.zeroCost = {
    runs: runs.map((r) => ({ wallMs: round(r.run.wallMs), elapsedMs: r.json.elapsed_ms, usage: r.run.usage, embedRequests: r.stub.requests, embedInputs: r.stub.inputs, stubCpuMs: round(r.stubCpuMs), phases: r.phases ?? null })),
    files: last.json.files.seen, chunks: last.json.chunks.total, wallMs: round(wall), cpuMs: round(cpu), peakRssMb: round(rss),
    embedRequests: requests, embedInputs: inputs, inputsPerRequest: round(inputs / Math.max(1, requests), 2),
  };
  return last.json;
}

async function reindexUnchanged(b: Bench, report: Report, results: Record<string, unknown>, corpusDir: string, db: string): Promise<void> {
  const { runs } = b.config;
  report.section(`(c) Re-index, nothing changed (median of ${runs})`);
  const all: IndexRun[] = [];
  for (let i = 0; i < runs; i++) all.push(await b.index(corpusDir, db, b.profileArgs(`reindex-${i + 1}`)));
  const wall = median(all.map((r) => r.run.wallMs));
  const inputs = max(all.map((r) => r.stub.inputs));
  const requests = max(all.map((r) => r.stub.requests));
  report.check({
    id: 'reindex-inputs', description: 're-indexing unchanged sends zero embed inputs', label: 'embed requests / inputs (max of runs)',
    shown: `${int(requests)} / ${int(inputs)}`, value: inputs, unit: 'inputs', target: '0 inputs', pass: inputs === 0,
  });
  report.check({
    id: 'reindex-wall', description: 're-indexing unchanged takes under 1.5 s', label: 'wall time',
    shown: ms(wall), value: round(wall), unit: 'ms', target: '< 1.5 s', pass: wall < 1500,
  });
  report.row('CPU / peak RSS', `${ms(median(all.map((r) => r.run.usage?.cpuMs ?? Number.NaN)))} / ${max(all.map((r) => r.run.usage?.maxRssMb ?? Number.NaN)).toFixed(0)} MB`);
  report.row('in-process time (elapsed_ms)', ms(median(all.map((r) => r.json.elapsed_ms))));
  results.reindex = {
    wallMs: round(wall), embedInputs: inputs, embedRequests: requests,
    runs: all.map((r) => ({ wallMs: round(r.run.wallMs), elapsedMs: r.json.elapsed_ms, usage: r.run.usage, embedInputs: r.stub.inputs })),
  };
}

/**
 * On-disk size right after `rag index`, then after pruning old table versions. rag prunes
 * only when it compacts (ChunkStore.maintain), and keeps versions younger than a minute
 * then; until then old versions hold little but metadata, as writes never rewrite data.
 */
async function indexSize(report: Report, results: Record<string, unknown>, db: string, corpus: CorpusInfo): Promise<void> {
  report.section('(h) Index size on disk');
  const s = dirSize(db);
  const ratio = (bytes: number) => `${(bytes / Math.max(1, corpus.bytes)).toFixed(1)}x corpus`;
  report.row('right after rag index (du)', `${mb(s.diskBytes)} (${ratio(s.diskBytes)}, ${int(s.files)} files)`);
  const manifest = await readManifest(db);
  let pruned: ReturnType<typeof dirSize> | undefined;
  let versions: number | undefined;
  if (manifest) {
    const lancedb = await import('@lancedb/lancedb');
    // store.ts keeps LanceDB in <index>/lance (its DB_FOLDER).
    const table = await (await lancedb.connect(path.join(db, 'lance'))).openTable(tableName(manifest.generation));
    versions = (await table.listVersions()).length;
    await table.optimize({ cleanupOlderThan: new Date(Date.now() + 1000) });
    table.close();
    pruned = dirSize(db);
    report.row('table versions kept by rag', int(versions));
    report.row('after pruning old versions (du)', `${mb(pruned.diskBytes)} (${ratio(pruned.diskBytes)}, ${int(pruned.files)} files)`);
  }
  results.indexSize = { diskBytes: s.diskBytes, apparentBytes: s.apparentBytes, files: s.files, corpusBytes: corpus.bytes, versions: versions ?? null, prunedDiskBytes: pruned?.diskBytes ?? null };
}

async function coldSearch(b: Bench, report: Report, results: Record<string, unknown>, db: string, chunks: number, key = 'search', title?: string): Promise<number> {
  const { runs } = b.config;
  b.stub.setCost({});
  report.section(title ?? `(f) Cold \`rag search\` on that index (${int(chunks)} chunks; median of ${runs}, varied queries)`);
  // One untimed run: the first read of the index files from disk is not what users see twice.
  await b.rag(['search', QUERIES[0]!], { cwd: REPO_ROOT, db, usage: false });
  const all: Array<{ query: string; wallMs: number; modelMs: number; usage?: Usage; lines: number }> = [];
  for (let i = 0; i < runs; i++) {
    const query = QUERIES[i % QUERIES.length]!;
    b.stub.resetLog();
    const r = await b.rag(['search', query], { cwd: REPO_ROOT, db, nodeArgs: b.profileArgs(`${key}-${i + 1}`) });
    all.push({ query, wallMs: r.wallMs, modelMs: b.stub.busyMs(), ...(r.usage ? { usage: r.usage } : {}), lines: r.stdout.split('\n').filter(Boolean).length });
  }
  const wall = median(all.map((r) => r.wallMs));
  const model = median(all.map((r) => r.modelMs));
  if (all.every((r) => r.lines === 0)) report.row('warning', 'no search printed any result');
  report.check({
    id: key === 'search' ? 'search-cold' : key, description: `cold rag search on a ${int(chunks)}-chunk index under 0.5 s median`, label: 'wall time',
    shown: `${ms(wall)}${spread(all.map((r) => r.wallMs))}`, value: round(wall), unit: 'ms', target: '< 0.5 s', pass: wall < 500,
  });
  report.row('model time (stub busy) / overhead', `${ms(model)} / ${ms(wall - model)}`);
  report.row('CPU / peak RSS', `${ms(median(all.map((r) => r.usage?.cpuMs ?? Number.NaN)))} / ${max(all.map((r) => r.usage?.maxRssMb ?? Number.NaN)).toFixed(0)} MB`);
  results[key] = { chunks, wallMs: round(wall), modelMs: round(model), runs: all.map((r) => ({ ...r, wallMs: round(r.wallMs), modelMs: round(r.modelMs) })) };
  return wall;
}

async function coldAsk(b: Bench, report: Report, results: Record<string, unknown>, db: string): Promise<void> {
  const { runs, chatCost } = b.config;
  report.section(`(g) Cold \`rag ask\`, chat cost ${chatCost.chatMsPerRequest} ms/request + ${chatCost.chatMsPerToken} ms/token (median of ${runs})`);
  b.stub.setCost(chatCost);
  const all: Array<{ question: string; wallMs: number; modelMs: number; overheadMs: number; usage?: Usage; answerChars: number }> = [];
  try {
    await b.rag(['ask', QUESTIONS[0]!], { cwd: REPO_ROOT, db, usage: false });
    for (let i = 0; i < runs; i++) {
      const question = QUESTIONS[i % QUESTIONS.length]!;
      b.stub.resetLog();
      const r = await b.rag(['ask', question], { cwd: REPO_ROOT, db, nodeArgs: b.profileArgs(`ask-${i + 1}`) });
      const modelMs = b.stub.busyMs();
      all.push({ question, wallMs: r.wallMs, modelMs, overheadMs: r.wallMs - modelMs, ...(r.usage ? { usage: r.usage } : {}), answerChars: r.stdout.length });
    }
  } finally {
    b.stub.setCost({});
  }
  const overhead = median(all.map((r) => r.overheadMs));
  report.row('wall time', ms(median(all.map((r) => r.wallMs))));
  report.row('model time (stub busy: embed + chat)', ms(median(all.map((r) => r.modelMs))));
  report.check({
    id: 'ask-overhead', description: 'rag ask adds under 0.4 s to the model time', label: 'overhead = wall - model',
    shown: `${ms(overhead)}${spread(all.map((r) => r.overheadMs))}`, value: round(overhead), unit: 'ms', target: '< 0.4 s', pass: overhead < 400,
  });
  report.row('CPU / peak RSS', `${ms(median(all.map((r) => r.usage?.cpuMs ?? Number.NaN)))} / ${max(all.map((r) => r.usage?.maxRssMb ?? Number.NaN)).toFixed(0)} MB`);
  results.ask = { cost: chatCost, wallMs: round(median(all.map((r) => r.wallMs))), modelMs: round(median(all.map((r) => r.modelMs))), overheadMs: round(overhead), runs: all };
}

/** Distinct passage texts of the edited files that were not in them before: what must be embedded. */
function expectedReembeds(edits: ReturnType<typeof editFiles>): number {
  const model = DEFAULTS.embedModel;
  const options = { chunkSizeChars: DEFAULTS.chunkSize, chunkOverlapChars: DEFAULTS.chunkOverlap };
  const texts = (rel: string, text: string) => chunkText(text, detectFormat(rel), options).map((c) => documentText(model, rel, c.heading, c.text));
  // rag reuses the stored vectors of the changed files of one write batch, keyed by chunk hash;
  // 1% of the files fit in one batch, so the pool is all the edited files' old passages.
  const old = new Set(edits.flatMap((e) => texts(e.relPath, e.before)));
  const fresh = new Set(edits.flatMap((e) => texts(e.relPath, e.after)));
  let n = 0;
  for (const t of fresh) if (!old.has(t)) n++;
  return n;
}

async function editOnePercent(b: Bench, report: Report, results: Record<string, unknown>, corpusDir: string, relPaths: string[], db: string): Promise<void> {
  const { editRuns, seed } = b.config;
  const count = Math.max(1, Math.round(relPaths.length * 0.01));
  report.section(`(d) Edit 1% of the files (${count}, one paragraph each), re-index (median of ${editRuns})`);
  const all: Array<{ wallMs: number; inputs: number; expected: number; changed: number; embedded: number; reused: number; usage?: Usage }> = [];
  for (let i = 0; i < editRuns; i++) {
    const edits = editFiles(corpusDir, relPaths, count, seed * 7919 + 1000 + i);
    const expected = expectedReembeds(edits);
    const r = await b.index(corpusDir, db, b.profileArgs(`edit-${i + 1}`));
    all.push({ wallMs: r.run.wallMs, inputs: r.stub.inputs, expected, changed: r.json.files.changed, embedded: r.json.chunks.embedded, reused: r.json.chunks.reused, ...(r.run.usage ? { usage: r.run.usage } : {}) });
  }
  const wall = median(all.map((r) => r.wallMs));
  report.row('wall time', ms(wall));
  report.row('files changed (rag)', all.map((r) => r.changed).join(', '));
  const ok = all.every((r) => r.inputs <= r.expected);
  report.check({
    id: 'edit-reembed', description: 'editing 1% re-embeds only changed chunks', label: 'inputs re-embedded / changed chunks',
    shown: all.map((r) => `${r.inputs}/${r.expected}`).join(', '), value: all.reduce((n, r) => n + r.inputs, 0), unit: 'inputs', target: '<= changed', pass: ok,
  });
  report.row('chunks reused (rag)', all.map((r) => r.reused).join(', '));
  results.edit = { filesEdited: count, wallMs: round(wall), runs: all.map((r) => ({ ...r, wallMs: round(r.wallMs) })) };
}

async function costIndex(b: Bench, report: Report, results: Record<string, unknown>, work: string): Promise<void> {
  const { cost, indexRuns, costFiles, files, sizeMb, seed } = b.config;
  // Same density as the main corpus, so chunks per file are alike.
  const costMb = b.config.corpus ? costFiles * 0.01 : (sizeMb * costFiles) / files;
  const dir = path.join(work, 'cost-corpus');
  const g = generateCorpus(dir, { files: costFiles, sizeMb: costMb, seed: seed + 1 });
  report.section(
    `(a) Index with model cost: ${cost.embedMsPerRequest} ms/request + ${cost.embedMsPerInput} ms/input, parallel ${cost.parallel} ` +
      `(${costFiles} files, ${mb(g.totalBytes)}; median of ${indexRuns})`,
  );
  const db = path.join(work, 'db-cost');
  // For the hang timeout only: about 750 bytes a passage, DEFAULTS.embedBatchSize passages a request.
  const inputs = g.totalBytes / 750;
  const estimatedModelMs = inputs * (cost.embedMsPerInput ?? 0) + (inputs / DEFAULTS.embedBatchSize) * (cost.embedMsPerRequest ?? 0);
  b.stub.setCost(cost);
  const runs: IndexRun[] = [];
  try {
    for (let i = 0; i < indexRuns; i++) {
      rmSync(db, { recursive: true, force: true });
      runs.push(await b.index(dir, db, [], estimatedModelMs));
    }
  } finally {
    b.stub.setCost({});
  }
  const ratios = runs.map((r) => r.run.wallMs / r.stub.busyMs);
  const ratio = median(ratios);
  const last = runs[runs.length - 1]!;
  report.row('files / chunks', `${int(last.json.files.seen)} / ${int(last.json.chunks.total)}`);
  report.row('wall time', ms(median(runs.map((r) => r.run.wallMs))));
  report.row('stub busy time (model time)', ms(median(runs.map((r) => r.stub.busyMs))));
  report.check({
    id: 'cost-wall-over-busy', description: 'with a model cost, indexing wall time at most 1.15x the stub busy time', label: 'wall / busy',
    shown: `${ratio.toFixed(3)}${spread(ratios, (v) => v.toFixed(3))}`, value: round(ratio, 3), unit: 'x', target: '<= 1.15', pass: ratio <= 1.15,
  });
  const idle = median(runs.map((r) => r.run.wallMs - r.stub.busyMs));
  report.row('model idle during the run (wall - busy)', ms(idle));
  report.row('  of which spawn -> 1st embed / last embed -> exit', phaseText(runs));
  report.row('in-process elapsed / busy', (median(runs.map((r) => r.json.elapsed_ms / r.stub.busyMs))).toFixed(3));
  report.row('embed requests / inputs per request', `${int(last.stub.requests)} / ${(last.stub.inputs / Math.max(1, last.stub.requests)).toFixed(1)}`);
  rmSync(db, { recursive: true, force: true });
  results.cost = {
    cost, files: last.json.files.seen, bytes: g.totalBytes, chunks: last.json.chunks.total, ratio: round(ratio, 3), idleMs: round(idle),
    runs: runs.map((r) => ({ wallMs: round(r.run.wallMs), busyMs: round(r.stub.busyMs), elapsedMs: r.json.elapsed_ms, embedRequests: r.stub.requests, embedInputs: r.stub.inputs, usage: r.run.usage, phases: r.phases ?? null })),
  };
}

/**
 * Vector index recall: top-10 of rag's own query shape (cosine, `ChunkStore.vectorSearch`)
 * with the index against exact search (`bypassVectorIndex`). On the real index when it is past
 * the threshold; else on a synthetic table of N rows written and optimised by ChunkStore, the
 * same code path `rag index` takes, with vectors from the stub's embedding function.
 */
async function recall(b: Bench, report: Report, results: Record<string, unknown>, work: string, mainDb: string, mainChunks: number): Promise<void> {
  const { VECTOR_INDEX_MIN_ROWS, ChunkStore } = await import('../src/store.js');
  const lancedb = await import('@lancedb/lancedb');
  const cfg = b.config;
  const model = DEFAULTS.embedModel;
  const dims = DEFAULT_STUB_MODELS.find((m) => m.name === model)?.dims ?? 256;
  const rng = new Rng(cfg.seed + 77);
  const maker = new TextMaker(rng, buildVocabulary(4000, cfg.seed));
  let db = mainDb;
  let rows = mainChunks;
  let buildMs: number | undefined;
  let sampleTexts: string[] = [];
  const rowsWanted = cfg.recallRows > 0 ? cfg.recallRows : cfg.quick ? 0 : VECTOR_INDEX_MIN_ROWS;

  if (mainChunks < VECTOR_INDEX_MIN_ROWS) {
    if (rowsWanted === 0) {
      report.section('(i) Vector index recall');
      report.row('skipped', `index has ${int(mainChunks)} chunks < threshold ${int(VECTOR_INDEX_MIN_ROWS)}; pass --recall-rows N`);
      results.recall = { skipped: true, threshold: VECTOR_INDEX_MIN_ROWS, chunks: mainChunks };
      return;
    }
    report.section(`(i) Vector index recall: synthetic table of ${int(rowsWanted)} rows (corpus index has ${int(mainChunks)} < threshold ${int(VECTOR_INDEX_MIN_ROWS)})`);
    db = path.join(work, 'db-recall');
    rmSync(db, { recursive: true, force: true });
    mkdirSync(db, { recursive: true });
    const store = await ChunkStore.open(db, tableName(1), { dimensions: dims, create: true });
    const started = performance.now();
    // Batches of a few thousand rows: big enough for few commits, small enough for bounded memory (notes/lancedb.md).
    const BATCH = 4000;
    const ROWS_PER_FILE = 10;
    for (let start = 0; start < rowsWanted; start += BATCH) {
      const batch: ChunkRow[] = [];
      const paths = new Set<string>();
      for (let k = start; k < Math.min(rowsWanted, start + BATCH); k++) {
        const relPath = `synthetic/${Math.floor(k / ROWS_PER_FILE)}.md`;
        paths.add(relPath);
        const heading = maker.title();
        const text = `${maker.paragraph(80)}\n\n${maker.paragraph(80)}`;
        if (k % Math.max(1, Math.floor(rowsWanted / cfg.recallQueries)) === 0) sampleTexts.push(text);
        const id = `r${k}`;
        batch.push({
          id, path: relPath, startLine: 1, endLine: 10, heading, text, searchText: `${heading}\n${relPath}\n${text}`,
          vector: embedText(documentText(model, relPath, heading, text), dims), fileHash: 'synthetic', chunkHash: id,
        });
      }
      await store.replaceFiles([...paths], batch);
    }
    const writeMs = performance.now() - started;
    const t = performance.now();
    await store.maintain();
    buildMs = performance.now() - t;
    rows = await store.countRows();
    report.row('rows written / write time', `${int(rows)} / ${ms(writeMs)}`);
    report.row('maintain() incl. index build', ms(buildMs));
    // A manifest, so that the CLI can search this table cold.
    const stamp = new Date().toISOString();
    await writeManifest(db, {
      schemaVersion: SCHEMA_VERSION, root: '.', generation: 1, embedModel: model, dimensions: dims,
      chunkSizeChars: DEFAULTS.chunkSize, chunkOverlapChars: DEFAULTS.chunkOverlap, createdAt: stamp, updatedAt: stamp,
    });
  } else {
    report.section(`(i) Vector index recall on the corpus index (${int(mainChunks)} chunks >= threshold ${int(VECTOR_INDEX_MIN_ROWS)})`);
  }

  const manifest = await readManifest(db);
  if (!manifest) throw new Error(`no manifest in ${db}`);
  // store.ts keeps LanceDB in <index>/lance (its DB_FOLDER); the bench opens it directly to bypass the index.
  const conn = await lancedb.connect(path.join(db, 'lance'));
  const table = await conn.openTable(tableName(manifest.generation));
  const store = await ChunkStore.open(db, tableName(manifest.generation), { dimensions: manifest.dimensions, create: false });
  const indices = await table.listIndices();
  const vectorIndex = indices.find((i) => i.columns.includes('vector'));
  report.check({
    id: 'vector-index-built', description: `past ${VECTOR_INDEX_MIN_ROWS} rows rag index builds a vector index`, label: 'vector index present',
    shown: vectorIndex ? `${vectorIndex.indexType} (${vectorIndex.name})` : 'none', value: vectorIndex ? 1 : 0, unit: 'bool', target: 'present',
    pass: rows >= VECTOR_INDEX_MIN_ROWS ? Boolean(vectorIndex) : null,
  });

  if (sampleTexts.length === 0) {
    const sample = await table.query().select(['text']).limit(cfg.recallQueries * 20).toArray();
    sampleTexts = (sample as Array<{ text: unknown }>).filter((_, i) => i % 20 === 0).map((r) => String(r.text));
  }
  // Queries: a few consecutive words of a stored passage, as a user half-remembering a doc would type.
  const queries = sampleTexts.slice(0, cfg.recallQueries).map((text) => {
    const words = text.split(/\s+/).filter((w) => /^[a-z]+$/i.test(w));
    const len = rng.int(3, 7);
    const at = rng.int(0, Math.max(0, words.length - len));
    return words.slice(at, at + len).join(' ') || 'data';
  });
  const K = 10;
  let overlap = 0;
  const annMs: number[] = [];
  const exactMs: number[] = [];
  for (const q of queries) {
    const v = embedText(queryText(model, q), dims);
    let t = performance.now();
    // Through rag's own search (its index settings included), not a copy of its query.
    const ann = await store.vectorSearch(v, K);
    annMs.push(performance.now() - t);
    t = performance.now();
    const exact = await table.vectorSearch(v).distanceType('cosine').select(['id', '_distance']).limit(K).bypassVectorIndex().toArray();
    exactMs.push(performance.now() - t);
    const annIds = new Set((ann as Array<{ id: unknown }>).map((r) => String(r.id)));
    overlap += (exact as Array<{ id: unknown }>).filter((r) => annIds.has(String(r.id))).length / Math.max(1, exact.length);
  }
  const recallAt10 = overlap / Math.max(1, queries.length);
  report.check({
    id: 'vector-index-recall', description: 'top-10 overlap of indexed vs exact cosine search >= 0.95', label: `recall@${K} (${queries.length} queries)`,
    shown: recallAt10.toFixed(3), value: round(recallAt10, 3), unit: 'recall', target: '>= 0.95', pass: vectorIndex ? recallAt10 >= 0.95 : null,
  });
  report.row('query latency, indexed / exact (warm, median)', `${ms(median(annMs))} / ${ms(median(exactMs))}`);
  const out: Record<string, unknown> = {
    rows, threshold: VECTOR_INDEX_MIN_ROWS, synthetic: db !== mainDb, vectorIndex: vectorIndex ?? null, buildMs: buildMs === undefined ? null : round(buildMs),
    recallAt10: round(recallAt10, 4), queries: queries.length, annMedianMs: round(median(annMs), 2), exactMedianMs: round(median(exactMs), 2),
  };
  results.recall = out;
  if (db !== mainDb) {
    // Cold CLI search where the vector index has to be loaded: the budget is for large indexes too.
    const cold = await coldSearch(b, report, results, db, rows, 'search-cold-large', `(i') Cold \`rag search\` on the ${int(rows)}-row table with its vector index (median of ${cfg.runs})`);
    out.coldSearchMs = round(cold);
  }
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const cfg = parseConfig(process.argv.slice(2));
  if (!cfg) return;
  if (!existsSync(BIN) || !existsSync(path.join(REPO_ROOT, 'dist', 'src', 'main.js'))) throw new Error('build first: npm run build');
  const started = performance.now();
  const m = machine();
  // The benchmark's own LanceDB work (pruning, the recall table) runs in this process, where a
  // hang could not be killed; rag's processes get a clean environment and no such help.
  if (process.env.LANCE_CPU_THREADS === undefined && m.cpus <= 2) process.env.LANCE_CPU_THREADS = '2';
  const loadBefore = os.loadavg()[0] ?? 0;
  const work = cfg.keep ?? mkdtempSync(path.join(os.tmpdir(), 'rag-bench-'));
  mkdirSync(work, { recursive: true });
  const report = new Report();
  const results: Record<string, unknown> = {};
  const stub = await startStub({ cost: {} });
  const b = new Bench(cfg, stub);
  process.stderr.write(`rag bench: working in ${work}\n`);
  try {
    const { info: corpus, relPaths } = await prepareCorpus(cfg, work);
    process.stderr.write(
      `· corpus: ${corpus.source === 'generated' ? `generated ${int(corpus.files)} files, ${mb(corpus.bytes)} in ${ms(corpus.generateMs ?? 0)}` : `copy of ${corpus.origin}: ${int(corpus.files)} files, ${mb(corpus.bytes)}`}\n`,
    );
    const db = path.join(work, 'db');

    await coldStart(b, report, results);
    const indexed = await zeroCostIndex(b, report, results, corpus, db);
    await indexSize(report, results, db, corpus);
    await reindexUnchanged(b, report, results, corpus.dir, db);
    await coldSearch(b, report, results, db, indexed.chunks.total);
    await coldAsk(b, report, results, db);
    if (cfg.editRuns > 0) await editOnePercent(b, report, results, corpus.dir, relPaths, db);
    if (!cfg.skipCost) await costIndex(b, report, results, work);
    if (!cfg.skipRecall) await recall(b, report, results, work, db, indexed.chunks.total);

    const totalMs = performance.now() - started;
    const header = [
      `rag benchmark — ${m.cpus} CPUs (${m.cpuModel}), ${m.totalMemGb} GB, ${m.platform}, node ${m.node}`,
      `corpus: ${corpus.source === 'generated' ? `generated (seed ${corpus.seed}, digest ${corpus.digest})` : `copy of ${corpus.origin}`}: ` +
        `${int(corpus.files)} files, ${mb(corpus.bytes)}, ${int(indexed.chunks.total)} chunks` +
        (cfg.quick ? '  [--quick: smaller than the targets assume; results indicative]' : ''),
      `benchmark time: ${ms(totalMs)}; load average (1 min) ${loadBefore.toFixed(2)} before, ${(os.loadavg()[0] ?? 0).toFixed(2)} after` +
        (loadBefore > 0.5 ? '  [other processes were busy: timings are noisy]' : ''),
      '',
    ].join('\n');
    process.stdout.write(`\n${header}\n${report.render()}`);
    const json = {
      date: new Date().toISOString(), machine: m, loadAverage: { before: loadBefore, after: os.loadavg()[0] ?? 0 }, config: { ...cfg, corpus: cfg.corpus ?? null }, corpus, totalMs: round(totalMs),
      targets: report.targets, results,
    };
    mkdirSync(path.dirname(cfg.jsonOut), { recursive: true });
    writeFileSync(cfg.jsonOut, `${JSON.stringify(json, null, 2)}\n`);
    process.stdout.write(`\nJSON: ${path.relative(process.cwd(), cfg.jsonOut) || cfg.jsonOut}\n`);
  } finally {
    b.runner.dispose();
    await stub.close();
    if (cfg.keep) process.stderr.write(`kept ${work}\n`);
    else rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
