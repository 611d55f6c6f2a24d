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
import { tuneProcess } from '../src/main.js';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startStub } from '../tests/ollama-stub/server.js';
import { BIN, REPO_ROOT } from '../tests/helpers/paths.js';
import { parseConfig } from './config.js';
import { Bench } from './harness.js';
import { machine } from './measure.js';
import { int, mb, ms, Report, round } from './report.js';
import { costIndex, editOnePercent, indexSize, prepareCorpus, reindexUnchanged, zeroCostIndex } from './scenarios-index.js';
import { multiHostIndex } from './scenarios-hosts.js';
import { objectStoreIndex } from './scenarios-s3.js';
import { coldAsk, coldSearch, coldStart, recall } from './scenarios-query.js';
import { evalRetrieval } from './scenarios-eval.js';
import { pdfIndex } from './scenarios-pdf.js';

async function main(): Promise<void> {
  const cfg = parseConfig(process.argv.slice(2));
  if (!cfg) return;
  if (!existsSync(BIN) || !existsSync(path.join(REPO_ROOT, 'dist', 'src', 'main.js'))) throw new Error('build first: npm run build');
  const started = performance.now();
  const m = machine();
  // The benchmark's own LanceDB work (pruning, the recall table) runs in this process, where a
  // hang could not be killed: it gets the settings rag's own store commands get (an in-process
  // full-text build can hang on 2 CPUs without them, lancedb#3568).
  tuneProcess('search', process.env, m.cpus);
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
    await reindexUnchanged(b, report, results, corpus.dir, db, indexed.chunks.total);
    await coldSearch(b, report, results, db, indexed.chunks.total);
    await coldAsk(b, report, results, db);
    await evalRetrieval(b, report, results, work, db, indexed.chunks.total);
    if (cfg.editRuns > 0) await editOnePercent(b, report, results, corpus.dir, relPaths, db);
    if (!cfg.skipCost) await costIndex(b, report, results, work);
    if (cfg.pdfFiles > 0) await pdfIndex(b, report, results, work, cfg.pdfFiles, cfg.pdfPages);
    if (!cfg.skipHosts) await multiHostIndex(b, report, results, work);
    if (!cfg.skipS3) await objectStoreIndex(b, report, results, work);
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
