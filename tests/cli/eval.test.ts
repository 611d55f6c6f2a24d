/**
 * `rag eval` end to end: the built CLI spawned against the Ollama stub and a real index of
 * corpus/, with the cases shipped in corpus/rag-eval.jsonl. Also the smoke check of the
 * whole pipeline that CI relies on: `rag eval --answers` with thresholds.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseCases } from '../../src/eval/cases.js';
import { firstRank } from '../../src/eval/metrics.js';
import { assertOneErrorLine } from '../helpers/assertions.js';
import { useIndexedCorpus } from '../helpers/indexed-corpus.js';
import { CORPUS, REPO_ROOT, corpusCopy, tempDir } from '../helpers/paths.js';
import { spawnRag, startRag } from '../helpers/spawn-rag.js';
import { runRag } from '../helpers/test-io.js';
import { waitUntil } from '../helpers/poll.js';
import { startTestStub } from '../helpers/stub.js';

const CASES = path.join(CORPUS, 'rag-eval.jsonl');

interface EvalDoc {
  cases_file: string;
  top_k: number;
  cases_total: number;
  cases_run: number;
  passed: number;
  failed: number;
  interrupted: boolean;
  retrieval: { answerable_cases: number; hit_rate: number; file_hit_rate: number; mrr: number };
  answers: { answer_rate: number; refusal_rate: number; false_refusals: number; citation_precision: number } | null;
  cases: Array<{ question: string; answerable: boolean; pass: boolean; rank: number | null; expected: string[]; retrieved: string[]; answer?: { found: boolean; cited_sources: string[]; pass: boolean } }>;
  thresholds: Array<{ flag: string; met: boolean; actual: number | null }>;
  thresholds_met: boolean;
}

describe('rag eval against the stub', () => {
  const fixture = useIndexedCorpus();
  const rag = (args: string[], extra: Record<string, string> = {}) => spawnRag(args, { cwd: REPO_ROOT, env: { ...fixture.env, ...extra }, killAfterMs: 60_000 });

  it('CI smoke check: the shipped cases pass with --answers and thresholds, and the JUnit report is written', async (t) => {
    const out = tempDir(t);
    const junit = path.join(out.dir, 'eval.xml');
    const res = await rag(['eval', CASES, '--answers', '--min-recall', '0.9', '--min-mrr', '0.8', '--min-answer-rate', '0.9', '--min-refusal', '1', '--junit', junit]);
    assert.equal(res.code, 0, res.stderr);
    const cases = parseCases(readFileSync(CASES, 'utf8'), CASES);
    // One row per case, a summary line, one line per threshold.
    for (const c of cases) assert.ok(res.stdout.includes(c.question.slice(0, 30)), `no row for ${c.question}`);
    assert.match(res.stdout, new RegExp(`^${cases.length}/${cases.length} passed · hit@6 100\\.0% \\(file 100\\.0%\\) · MRR 0\\.\\d{3} · answers 100\\.0% · refusals 100\\.0%`, 'm'));
    assert.match(res.stdout, /^--min-refusal 1: refusal rate 1 ok$/m);
    assert.equal(res.stderr, '');
    const xml = readFileSync(junit, 'utf8');
    assert.match(xml, new RegExp(`<testsuites name="rag eval" tests="${cases.length}" failures="0"`));
    assert.equal((xml.match(/<testcase /g) ?? []).length, cases.length);
  });

  it('a threshold not met exits 6 with one stderr line, after the full report', async () => {
    const res = await rag(['eval', CASES, '-k', '1', '--min-recall', '0.95', '--min-mrr', '0.1']);
    assert.equal(res.code, 6, res.stderr);
    assertOneErrorLine(res.stderr, /^rag: Checks below threshold: hit rate 0\.\d+ < 0\.95 \(--min-recall\)/);
    assert.match(res.stdout, /^--min-recall 0\.95: hit rate 0\.\d+ below threshold$/m);
    assert.match(res.stdout, /^--min-mrr 0\.1: MRR 0\.\d+ ok$/m);
    // A failing row shows what was expected and why.
    assert.match(res.stdout, /^✗ {2}- .*\n {9}expected \S+:\d+\n {9}no expected passage in the top 1$/m);
  });

  it('--json: one document with per-case results and totals; unanswerable cases are refused with no sources', async () => {
    const res = await rag(['eval', CASES, '--answers', '--json', '--min-refusal', '1']);
    assert.equal(res.code, 0, res.stderr);
    const doc = JSON.parse(res.stdout) as EvalDoc;
    const unanswerable = doc.cases.filter((c) => !c.answerable);
    assert.ok(unanswerable.length >= 2);
    for (const c of unanswerable) {
      assert.equal(c.rank, null);
      assert.deepEqual([c.pass, c.answer?.found, c.answer?.cited_sources], [true, false, []], c.question);
    }
    assert.equal(doc.cases_run, doc.cases_total);
    assert.equal(doc.retrieval.answerable_cases, doc.cases_total - unanswerable.length);
    assert.equal(doc.answers?.refusal_rate, 1);
    assert.equal(doc.answers?.false_refusals, 0);
    assert.deepEqual(doc.thresholds.map((t) => [t.flag, t.met]), [['--min-refusal', true]]);
    // Hit rate and MRR follow from the per-case ranks.
    const ranks = doc.cases.filter((c) => c.answerable).map((c) => c.rank);
    assert.equal(doc.retrieval.hit_rate, Math.round((ranks.filter((r) => r !== null).length / ranks.length) * 10_000) / 10_000);
    assert.equal(doc.retrieval.mrr, Math.round((ranks.reduce<number>((s, r) => s + (r === null ? 0 : 1 / r), 0) / ranks.length) * 10_000) / 10_000);
  });

  it('a case the stub answers is marked failed when it should have been refused', async (t) => {
    const d = tempDir(t);
    const file = path.join(d.dir, 'cases.jsonl');
    writeFileSync(file, '{"question":"How do I change the embedding model?","answerable":false}\n');
    const res = await rag(['eval', file, '--answers', '--min-refusal', '1', '--json']);
    assert.equal(res.code, 6, res.stderr);
    const doc = JSON.parse(res.stdout) as EvalDoc;
    assert.equal(doc.cases[0]?.pass, false);
    assert.equal(doc.answers?.refusal_rate, 0);
    assertOneErrorLine(res.stderr, /refusal rate 0\.000 < 1 \(--min-refusal\)/);
  });

  it('retrieval goes through the rag search path: the same top passages, all questions embedded in one request', async () => {
    fixture.stub.resetLog();
    const res = await rag(['eval', CASES, '--json', '-k', '3']);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(fixture.stub.embedRequests(), 1, 'one batched embed request');
    const doc = JSON.parse(res.stdout) as EvalDoc;
    for (const c of doc.cases.slice(0, 3)) {
      const search = await runRag(['search', '--json', '-k', '3', c.question], { cwd: REPO_ROOT, env: fixture.env });
      const results = (JSON.parse(search.stdout) as { results: Array<{ path: string; start_line: number; end_line: number }> }).results;
      assert.deepEqual(c.retrieved, results.map((r) => (r.start_line === r.end_line ? `${r.path}:${r.start_line}` : `${r.path}:${r.start_line}-${r.end_line}`)));
    }
  });

  it('--compare 1: two -k values side by side, and what changed', async () => {
    const res = await rag(['eval', CASES, '--compare', '1']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^question +k=6 +k=1 +change$/m);
    assert.match(res.stdout, /✓ 2 +✗ - +broken$/m);
    assert.match(res.stdout, /^k=6: \d+\/\d+ passed · hit@6/m);
    assert.match(res.stdout, /^k=1: \d+\/\d+ passed · hit@1/m);
  });

  it('--compare <index folder>: two indexes side by side', async (t) => {
    const other = tempDir(t);
    const indexed = await runRag(['index', path.join(CORPUS, 'guide')], { cwd: REPO_ROOT, env: { ...fixture.env, RAG_DB: other.dir } });
    assert.equal(indexed.code, 0, indexed.stderr);
    const res = await rag(['eval', CASES, '--compare', other.dir, '--json']);
    assert.equal(res.code, 0, res.stderr);
    const doc = JSON.parse(res.stdout) as { compare: EvalDoc[] };
    assert.equal(doc.compare.length, 2);
    // The second index holds only guide/: the install question cannot be found there.
    const install = (d: EvalDoc) => d.cases.find((c) => c.question.startsWith('Which commands pull'))?.rank;
    assert.equal(install(doc.compare[0]!), 1);
    assert.equal(install(doc.compare[1]!), null);
  });

  it('--generate drafts parseable cases whose expect points at real passages', async (t) => {
    const res = await rag(['eval', '--generate', '4']);
    assert.equal(res.code, 0, res.stderr);
    const d = tempDir(t);
    const file = path.join(d.dir, 'drafts.jsonl');
    writeFileSync(file, res.stdout);
    const cases = parseCases(res.stdout, file);
    assert.equal(cases.length, 4);
    assert.equal(new Set(cases.map((c) => c.expect[0]?.path)).size, 4, 'spread over files');
    for (const c of cases) {
      const e = c.expect[0]!;
      const lines = readFileSync(path.join(REPO_ROOT, e.path), 'utf8').split('\n');
      assert.ok(e.lines && e.lines.end <= lines.length, `${e.path} has lines ${e.lines?.start}-${e.lines?.end}`);
    }
    // The drafts run as cases, and each finds the passage it was drafted from.
    const run = await rag(['eval', file, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const doc = JSON.parse(run.stdout) as EvalDoc;
    assert.ok(doc.cases.every((c) => c.rank !== null), JSON.stringify(doc.cases.map((c) => [c.question, c.retrieved])));
    assert.equal(firstRank(cases[0]!.expect, []), null);
  });

  it('a malformed line exits 2 naming file, line and field', async (t) => {
    const d = tempDir(t);
    const file = path.join(d.dir, 'bad.jsonl');
    writeFileSync(file, '{"question":"ok","expect":["a.md"]}\n{"question":"q","expect":[{"path":"a.md","lines":"9-3"}]}\n');
    const res = await rag(['eval', file]);
    assert.equal(res.code, 2);
    assertOneErrorLine(res.stderr, /bad\.jsonl:2: field 'expect\[0\]\.lines' must be/);
    assert.equal(res.stdout, '');
  });

  it('--min-refusal without --answers is a usage error', async () => {
    const res = await rag(['eval', CASES, '--min-refusal', '1']);
    assert.equal(res.code, 2);
    assertOneErrorLine(res.stderr, /--min-answer-rate and --min-refusal check answers — add --answers/);
  });

  it('Ctrl-C prints the partial summary and exits 130', async () => {
    fixture.stub.resetLog();
    fixture.stub.setCost({ chatMsPerRequest: 400 });
    try {
      const run = startRag(['eval', CASES, '--answers'], { cwd: REPO_ROOT, env: fixture.env, killAfterMs: 60_000 });
      let exited = false;
      void run.done.then(() => (exited = true));
      await waitUntil(() => fixture.stub.chatRequests().length >= 3, '3 answers were asked for', { abortIf: () => (exited ? 'rag eval ended' : undefined) });
      run.child.kill('SIGINT');
      const res = await run.done;
      assert.equal(res.code, 130, res.stderr);
      assertOneErrorLine(res.stderr, /^rag: Interrupted after \d+ of \d+ cases — the summary covers the cases that finished$/);
      assert.match(res.stdout, /^\d+\/\d+ passed · .* \(interrupted after (\d+) of \d+ cases\)$/m);
    } finally {
      fixture.stub.setCost({});
    }
  });
});

describe('rag eval finds rag-eval.jsonl at the index root', () => {
  it('with no cases argument (exit 2 when there is none); case paths match stored paths by their tail', async (t) => {
    const copy = corpusCopy(t);
    const stub = await startTestStub(t);
    // Indexed from inside corpus/: stored paths are guide/…, the root holds rag-eval.jsonl.
    const env = { OLLAMA_HOST: stub.url };
    const indexed = await runRag(['index'], { cwd: copy.corpus, env });
    assert.equal(indexed.code, 0, indexed.stderr);
    const res = await spawnRag(['eval', '--min-recall', '1'], { cwd: path.join(copy.corpus, 'guide'), env });
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /passed · hit@6 100\.0%/);

    rmSync(path.join(copy.corpus, 'rag-eval.jsonl'));
    const missing = await spawnRag(['eval'], { cwd: copy.corpus, env });
    assert.equal(missing.code, 2);
    assertOneErrorLine(missing.stderr, /Cannot read the cases file .*rag-eval\.jsonl — write one .*rag eval --generate 20/);
  });
});
