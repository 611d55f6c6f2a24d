/**
 * Eval scoring as pure functions: does a retrieved passage match an expected one, at
 * which rank, did an answer pass, and the totals and thresholds over a run.
 */
import { Exit, type ExitCode } from '../errors.js';
import type { EvalCase, ExpectedPassage } from './cases.js';

/** What scoring needs of a retrieved passage (a Hit has all of it; pages only for paged formats). */
export interface PassageRef {
  path: string;
  startLine: number;
  endLine: number;
  text: string;
  startPage?: number;
  endPage?: number;
}

/** The stored path, or a trailing part of it on a `/` boundary (`guide/a.md` matches `docs/guide/a.md`). */
export function pathMatches(expected: string, stored: string): boolean {
  return stored === expected || stored.endsWith(`/${expected}`);
}

function squash(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').trim();
}

export function passageMatches(e: ExpectedPassage, p: PassageRef): boolean {
  if (!pathMatches(e.path, p.path)) return false;
  if (e.lines && (p.endLine < e.lines.start || p.startLine > e.lines.end)) return false;
  if (e.page !== undefined) {
    if (p.startPage === undefined) return false;
    if (e.page < p.startPage || e.page > (p.endPage ?? p.startPage)) return false;
  }
  if (e.contains !== undefined && !squash(p.text).includes(squash(e.contains))) return false;
  return true;
}

/** 1-based rank of the first passage matching any expected one (by file only, or fully); null when none does. */
export function firstRank(expect: ExpectedPassage[], hits: PassageRef[], byFile = false): number | null {
  const i = hits.findIndex((h) => expect.some((e) => (byFile ? pathMatches(e.path, h.path) : passageMatches(e, h))));
  return i < 0 ? null : i + 1;
}

export interface RetrievalTotals {
  /** Answerable cases scored (unanswerable ones have nothing to find). */
  cases: number;
  /** Share of answerable cases with an expected passage in the top k: "recall" for --min-recall. */
  hitRate: number | null;
  /** Share with at least a passage from an expected file in the top k. */
  fileHitRate: number | null;
  /** Mean of 1/rank (0 when missed) over answerable cases. */
  mrr: number | null;
}

export function retrievalTotals(ranks: Array<{ rank: number | null; fileRank: number | null }>): RetrievalTotals {
  const n = ranks.length;
  if (n === 0) return { cases: 0, hitRate: null, fileHitRate: null, mrr: null };
  const hits = ranks.filter((r) => r.rank !== null).length;
  const fileHits = ranks.filter((r) => r.fileRank !== null).length;
  const reciprocal = ranks.reduce((sum, r) => sum + (r.rank === null ? 0 : 1 / r.rank), 0);
  return { cases: n, hitRate: hits / n, fileHitRate: fileHits / n, mrr: reciprocal / n };
}

/** What the answer path returned for one case, as scoring needs it. */
export interface AnswerOutcome {
  answer: string;
  found: boolean;
  /** The valid passages the answer cites. */
  cited: PassageRef[];
  /** Markers pointing at no passage. */
  invalid: number[];
}

export interface AnswerVerdict {
  pass: boolean;
  refused: boolean;
  /** Cited passages that match an expected one. */
  citedExpected: number;
  citedTotal: number;
  /** must_include strings missing from the answer. */
  missing: string[];
  /** Why it failed, for people: empty when it passed. */
  problems: string[];
}

/**
 * Answerable: not refused, cites at least one expected passage, no invalid markers, every
 * must_include present. Unanswerable: refused, cites nothing, no invalid markers.
 */
export function judgeAnswer(c: Pick<EvalCase, 'expect' | 'mustInclude' | 'answerable'>, a: AnswerOutcome): AnswerVerdict {
  const refused = !a.found;
  const citedExpected = a.cited.filter((p) => c.expect.some((e) => passageMatches(e, p))).length;
  const answerText = squash(a.answer);
  const missing = c.mustInclude.filter((s) => !answerText.includes(squash(s)));
  const problems: string[] = [];
  if (a.invalid.length > 0) problems.push(`cites passages that do not exist: ${a.invalid.map((n) => `[${n}]`).join(' ')}`);
  if (c.answerable) {
    if (refused) problems.push('refused an answerable question');
    else if (a.cited.length === 0) problems.push('cites no passage');
    else if (citedExpected === 0) problems.push('cites none of the expected passages');
    if (!refused && missing.length > 0) problems.push(`answer lacks ${missing.map((s) => JSON.stringify(s)).join(', ')}`);
  } else {
    if (!refused) problems.push('answered a question the documents do not answer');
    if (a.cited.length > 0 && refused) problems.push('refused but still cites passages');
  }
  return { pass: problems.length === 0, refused, citedExpected, citedTotal: a.cited.length, missing, problems };
}

export interface AnswerTotals {
  answerable: number;
  unanswerable: number;
  /** Share of answerable cases whose answer passed: for --min-answer-rate. */
  answerRate: number | null;
  /** Share of unanswerable cases refused (with no sources): for --min-refusal. */
  refusalRate: number | null;
  falseRefusals: number;
  falseRefusalRate: number | null;
  /** Cited passages that were expected, over all passages cited on answerable cases. */
  citationPrecision: number | null;
}

export function answerTotals(items: Array<{ answerable: boolean; verdict: AnswerVerdict }>): AnswerTotals {
  const answerable = items.filter((i) => i.answerable);
  const unanswerable = items.filter((i) => !i.answerable);
  const share = (part: number, whole: number) => (whole === 0 ? null : part / whole);
  const falseRefusals = answerable.filter((i) => i.verdict.refused).length;
  const cited = answerable.reduce((s, i) => s + i.verdict.citedTotal, 0);
  const citedExpected = answerable.reduce((s, i) => s + i.verdict.citedExpected, 0);
  return {
    answerable: answerable.length,
    unanswerable: unanswerable.length,
    answerRate: share(answerable.filter((i) => i.verdict.pass).length, answerable.length),
    refusalRate: share(unanswerable.filter((i) => i.verdict.refused && i.verdict.citedTotal === 0).length, unanswerable.length),
    falseRefusals,
    falseRefusalRate: share(falseRefusals, answerable.length),
    citationPrecision: share(citedExpected, cited),
  };
}

export interface Thresholds {
  minRecall?: number;
  minMrr?: number;
  minAnswerRate?: number;
  minRefusal?: number;
}

export interface ThresholdCheck {
  flag: '--min-recall' | '--min-mrr' | '--min-answer-rate' | '--min-refusal';
  metric: string;
  min: number;
  /** null when the run had no case the metric applies to: that counts as not met. */
  actual: number | null;
  met: boolean;
}

/** Values are compared after rounding to 4 places, so 2/3 meets --min-recall 0.6667. */
export function checkThresholds(t: Thresholds, retrieval: RetrievalTotals, answers: AnswerTotals | undefined): ThresholdCheck[] {
  const rows: Array<[ThresholdCheck['flag'], string, number | undefined, number | null]> = [
    ['--min-recall', 'hit rate', t.minRecall, retrieval.hitRate],
    ['--min-mrr', 'MRR', t.minMrr, retrieval.mrr],
    ['--min-answer-rate', 'answer rate', t.minAnswerRate, answers?.answerRate ?? null],
    ['--min-refusal', 'refusal rate', t.minRefusal, answers?.refusalRate ?? null],
  ];
  return rows
    .filter((r): r is [ThresholdCheck['flag'], string, number, number | null] => r[2] !== undefined)
    .map(([flag, metric, min, actual]) => ({ flag, metric, min, actual, met: actual !== null && round4(actual) >= min }));
}

export function thresholdExit(checks: ThresholdCheck[]): ExitCode {
  return checks.every((c) => c.met) ? Exit.ok : Exit.checks;
}

export function round4(v: number): number {
  return Math.round(v * 10_000) / 10_000;
}
