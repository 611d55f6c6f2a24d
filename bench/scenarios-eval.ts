/** Benchmark scenario: a retrieval-only `rag eval` of 500 cases on the benchmark's index. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { caseLine } from '../src/eval/cases.js';
import { samplePassages } from '../src/eval/generate.js';
import { readManifest, tableName } from '../src/store/manifest.js';
import { ChunkStore } from '../src/store/chunk-store.js';
import { REPO_ROOT } from '../tests/helpers/paths.js';
import type { Bench } from './harness.js';
import { max, median } from './measure.js';
import { int, ms, Report, round, spread } from './report.js';

export const EVAL_CASES = 500;

/** Cases whose question is the start of a sampled passage: realistic lookups with a known answer. */
async function writeCases(db: string, file: string, n: number): Promise<number> {
  const manifest = await readManifest(db);
  if (!manifest) throw new Error(`no index in ${db}`);
  const store = await ChunkStore.open(db, tableName(manifest.generation), { dimensions: manifest.dimensions, create: false });
  const passages = await store.passagesByIds(samplePassages(await store.passageIds(), n, 1));
  const lines = passages.map((p) => {
    const words = p.text.match(/\p{L}[\p{L}'-]*/gu) ?? [];
    const question = `${words.slice(0, 12).join(' ') || p.heading || p.path}?`;
    return caseLine({ question, expect: [{ path: p.path, lines: { start: p.startLine, end: p.endLine } }], answerable: true, mustInclude: [] });
  });
  writeFileSync(file, `${lines.join('\n')}\n`);
  return lines.length;
}

export async function evalRetrieval(b: Bench, report: Report, results: Record<string, unknown>, work: string, db: string, chunks: number): Promise<void> {
  const runs = Math.min(3, b.config.runs);
  const file = path.join(work, 'eval-cases.jsonl');
  const cases = await writeCases(db, file, EVAL_CASES);
  report.section(`(h) \`rag eval\`, retrieval only: ${int(cases)} cases on the ${int(chunks)}-chunk index (median of ${runs})`);
  b.stub.setCost({});
  // No untimed warm-up: over 500 questions the first read of the index files is noise.
  const all: Array<{ wallMs: number; modelMs: number; embedRequests: number; hitRate: number; mrr: number; cpuMs: number; rssMb: number }> = [];
  for (let i = 0; i < runs; i++) {
    b.stub.resetLog();
    const r = await b.rag(['eval', file, '--json'], { cwd: REPO_ROOT, db, timeoutMs: 900_000, nodeArgs: b.profileArgs(`eval-${i + 1}`) });
    const doc = JSON.parse(r.stdout) as { retrieval: { hit_rate: number; mrr: number } };
    all.push({
      wallMs: r.wallMs, modelMs: b.stub.busyMs(), embedRequests: b.stub.embedRequests(), hitRate: doc.retrieval.hit_rate, mrr: doc.retrieval.mrr,
      cpuMs: r.usage?.cpuMs ?? Number.NaN, rssMb: r.usage?.maxRssMb ?? Number.NaN,
    });
  }
  const wall = median(all.map((r) => r.wallMs));
  const overhead = wall - median(all.map((r) => r.modelMs));
  report.check({
    id: 'eval-500', description: `a ${cases}-case retrieval-only rag eval well under a minute beyond model time`, label: 'overhead = wall - model',
    shown: `${ms(overhead)}${spread(all.map((r) => r.wallMs - r.modelMs))}`, value: round(overhead), unit: 'ms', target: '< 60 s', pass: overhead < 60_000,
  });
  report.row('wall time / per case', `${ms(wall)} / ${ms(wall / cases)}`);
  report.row('embed requests (questions batched)', `${all[0]?.embedRequests ?? 0} for ${int(cases)} questions`);
  report.row('hit rate / MRR (stub embeddings)', `${all[0]?.hitRate ?? 0} / ${all[0]?.mrr ?? 0}`);
  report.row('CPU / peak RSS', `${ms(median(all.map((r) => r.cpuMs)))} / ${max(all.map((r) => r.rssMb)).toFixed(0)} MB`);
  results.eval = { cases, chunks, wallMs: round(wall), overheadMs: round(overhead), runs: all.map((r) => ({ ...r, wallMs: round(r.wallMs), modelMs: round(r.modelMs) })) };
}
