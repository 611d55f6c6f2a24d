/** Benchmark scenarios that run `rag index`: from scratch, unchanged, after an edit, with a model cost; and the index's size. */
import { cpSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { chunkText } from '../src/chunk/chunk.js';
import { detectFormat } from '../src/formats.js';
import { DEFAULTS } from '../src/defaults.js';
import { discoverFiles } from '../src/discover/walk.js';
import { documentText } from '../src/embed.js';
import { readManifest, tableName } from '../src/store/manifest.js';
import type { Config } from './config.js';
import { editFiles, generateCorpus } from './generate-corpus.js';
import { Bench, HungError, LANCE_WORKAROUND, phaseText, type IndexJson, type IndexRun } from './harness.js';
import { dirSize, max, median, type Usage } from './measure.js';
import { int, mb, ms, Report, round, spread, LARGE_INDEX_CHUNKS } from './report.js';

/** Workload sizes for the JSON, so results of different configurations are not confused. */
export interface CorpusInfo {
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

export async function prepareCorpus(cfg: Config, work: string): Promise<{ info: CorpusInfo; relPaths: string[] }> {
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

export async function zeroCostIndex(b: Bench, report: Report, results: Record<string, unknown>, corpus: CorpusInfo, db: string): Promise<IndexJson> {
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
  const rssBudget = last.json.chunks.total > LARGE_INDEX_CHUNKS ? 500 : 300;
  report.check({
    id: 'index-peak-rss', description: `peak RSS of rag index within ${rssBudget} MB`, label: 'peak RSS (max of runs)',
    shown: `${rss.toFixed(0)} MB`, value: round(rss), unit: 'MB', target: `<= ${rssBudget} MB`, pass: rss <= rssBudget,
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

export async function reindexUnchanged(b: Bench, report: Report, results: Record<string, unknown>, corpusDir: string, db: string, chunks: number): Promise<void> {
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
  const budgetMs = chunks > LARGE_INDEX_CHUNKS ? 3000 : 1500;
  report.check({
    id: 'reindex-wall', description: `re-indexing unchanged takes at most ${budgetMs / 1000} s`, label: 'wall time',
    shown: ms(wall), value: round(wall), unit: 'ms', target: `<= ${budgetMs / 1000} s`, pass: wall <= budgetMs,
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
export async function indexSize(report: Report, results: Record<string, unknown>, db: string, corpus: CorpusInfo): Promise<void> {
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

export async function editOnePercent(b: Bench, report: Report, results: Record<string, unknown>, corpusDir: string, relPaths: string[], db: string): Promise<void> {
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

export async function costIndex(b: Bench, report: Report, results: Record<string, unknown>, work: string): Promise<void> {
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
