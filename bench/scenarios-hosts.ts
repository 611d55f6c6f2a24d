/**
 * Indexing over several Ollama hosts: 1, 2 and 4 stub servers, each processing one request
 * at a time with the same simulated model cost, as separate Ollama servers (or GPUs) would.
 * Wall time should fall close to 1/n.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { DEFAULTS } from '../src/defaults.js';
import { startStub, type Stub } from '../tests/ollama-stub/server.js';
import { BIN } from '../tests/helpers/paths.js';
import { generateCorpus } from './generate-corpus.js';
import { HungError, type Bench, type IndexJson } from './harness.js';
import { median } from './measure.js';
import { int, mb, ms, Report, round } from './report.js';

const HOST_COUNTS = [1, 2, 4] as const;
/**
 * Model time per passage here: more than scenario (a)'s, so that model time dominates the
 * run, as it does wherever adding hosts is worth it; rag's own fixed cost (start-up,
 * discovery, the full-text index at the end) cannot shrink with more hosts.
 */
const MIN_MS_PER_INPUT = 15;
const TARGETS: Record<number, number> = { 2: 1.8, 4: 3.2 };

export async function multiHostIndex(b: Bench, report: Report, results: Record<string, unknown>, work: string): Promise<void> {
  const { cost, indexRuns, files, sizeMb, seed } = b.config;
  // A third of scenario (a)'s files at five times its model time per passage keeps the one-host run near 20 s.
  const costFiles = Math.max(10, Math.round(b.config.costFiles / 3));
  const costMb = b.config.corpus ? costFiles * 0.01 : (sizeMb * costFiles) / files;
  const dir = path.join(work, 'hosts-corpus');
  const g = generateCorpus(dir, { files: costFiles, sizeMb: costMb, seed: seed + 2 });
  const hostCost = { ...cost, embedMsPerInput: Math.max(cost.embedMsPerInput ?? 0, MIN_MS_PER_INPUT), parallel: 1 };
  report.section(
    `(j) Index over 1, 2 and 4 Ollama hosts, each one request at a time: ${hostCost.embedMsPerRequest} ms/request + ${hostCost.embedMsPerInput} ms/input ` +
      `(${costFiles} files, ${mb(g.totalBytes)}; median of ${indexRuns})`,
  );
  const stubs: Stub[] = [];
  try {
    for (let i = 0; i < Math.max(...HOST_COUNTS); i++) stubs.push(await startStub({ cost: hostCost }));
    const inputs = g.totalBytes / 750;
    const modelMs = inputs * (hostCost.embedMsPerInput ?? 0) + (inputs / DEFAULTS.embedBatchSize) * (hostCost.embedMsPerRequest ?? 0);
    const wall: Record<number, number> = {};
    const perHost: Record<number, number[]> = {};
    for (const n of HOST_COUNTS) {
      const walls: number[] = [];
      for (let i = 0; i < indexRuns; i++) {
        for (const s of stubs) s.resetLog();
        const run = await indexOver(b, dir, path.join(work, `db-hosts-${n}`), stubs.slice(0, n), b.config.indexTimeoutMs + 3 * modelMs);
        walls.push(run.wallMs);
        perHost[n] = stubs.slice(0, n).map((s) => s.embedRequests());
        if (i === indexRuns - 1) report.row(`${n} host(s): files / chunks`, `${int(run.json.files.seen)} / ${int(run.json.chunks.total)}`);
      }
      wall[n] = median(walls);
      report.row(`${n} host(s): wall time; embed requests per host`, `${ms(wall[n]!)}; ${perHost[n]!.join(' / ')}`);
    }
    for (const n of [2, 4]) {
      const ratio = wall[1]! / wall[n]!;
      report.check({
        id: `hosts-${n}-speedup`, description: `indexing over ${n} hosts at least ${TARGETS[n]}x faster than over one`, label: `speed-up with ${n} hosts`,
        shown: `${ratio.toFixed(2)}x`, value: round(ratio, 2), unit: 'x', target: `>= ${TARGETS[n]}`, pass: ratio >= TARGETS[n]!,
      });
    }
    results.hosts = { cost: hostCost, files: costFiles, bytes: g.totalBytes, wallMs: wall, embedRequestsPerHost: perHost, speedup2: round(wall[1]! / wall[2]!, 2), speedup4: round(wall[1]! / wall[4]!, 2) };
  } finally {
    await Promise.all(stubs.map((s) => s.close()));
    for (const n of HOST_COUNTS) rmSync(path.join(work, `db-hosts-${n}`), { recursive: true, force: true });
  }
}

async function indexOver(b: Bench, corpus: string, db: string, stubs: Stub[], timeoutMs: number): Promise<{ wallMs: number; json: IndexJson }> {
  rmSync(db, { recursive: true, force: true });
  const r = await b.runner.run({
    args: [BIN, 'index', '--json', '.'], cwd: corpus, usage: false, timeoutMs,
    env: { OLLAMA_HOST: stubs.map((s) => s.url).join(','), RAG_DB: db, NO_COLOR: '1', ...b.workaroundEnv },
  });
  if (r.timedOut) throw new HungError(`rag index over ${stubs.length} hosts`, r.wallMs);
  if (r.code !== 0) throw new Error(`rag index over ${stubs.length} hosts exited ${r.code ?? r.signal}: ${r.stderr.trim().split('\n').slice(-5).join('\n')}`);
  return { wallMs: r.wallMs, json: JSON.parse(r.stdout) as IndexJson };
}
