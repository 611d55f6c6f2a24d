/**
 * Every `--json` document: its shape (one type per command, snake_case names as in
 * the README's "JSON output") and the builder that makes it. Commands, tests and the
 * benchmark import these types rather than declaring their own.
 */
import type { AskResult } from '../answer/answer.js';
import { exitCodeName, describeError, type RagError, type Reason } from '../errors.js';
import type { IndexSummary } from '../indexing/run.js';
import type { Listing } from '../indexing/list.js';
import type { RemoveSummary } from '../indexing/remove.js';
import type { Io } from '../io.js';
import { viewerLocation } from '../locations.js';
import type { Hit, ModelStatus, StatusReport } from '../types.js';
import { round4, type ThresholdCheck } from '../eval/metrics.js';
import { expectedLabel, hitLabel } from '../eval/report.js';
import type { CaseResult, EvalReport } from '../eval/run.js';

/** The one writer of `--json` documents: exactly one JSON value and a newline on stdout. */
export function writeJson(io: Io, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export interface ErrorJson {
  error: { code: number; name: string; reason: Reason; message: string; hint?: string };
}

/** What stdout holds when a `--json` run fails: the stderr line and exit code are unchanged. */
export function errorJson(err: RagError): ErrorJson {
  return {
    error: { code: err.exitCode, name: exitCodeName[err.exitCode], reason: err.reason, message: err.message, ...(err.hint ? { hint: err.hint } : {}) },
  };
}

export interface IndexJson {
  index: string;
  root: string;
  dry_run: boolean;
  embed_model: string;
  dimensions: number | null;
  files: { seen: number; new: number; changed: number; unchanged: number; removed: number; skipped: number };
  chunks: { embedded: number; reused: number; total: number };
  embed_requests: number;
  resumed_files: number;
  /** Files whose stored passages were missing or doubled, read and stored again. */
  repaired: string[];
  elapsed_ms: number;
  changes: IndexSummary['changes'];
  skipped: Array<{ path: string; reason: string }>;
  /** Files indexed with a caveat (a PDF some of whose pages have no text layer). */
  notes: Array<{ path: string; note: string }>;
}

export function indexJson(s: IndexSummary): IndexJson {
  return {
    index: s.indexDir,
    root: s.root,
    dry_run: s.dryRun,
    embed_model: s.embedModel,
    dimensions: s.dimensions ?? null,
    files: { seen: s.filesSeen, new: s.new, changed: s.changed, unchanged: s.unchanged, removed: s.removed, skipped: s.skipped.length },
    chunks: { embedded: s.chunksEmbedded, reused: s.chunksReused, total: s.chunksTotal },
    embed_requests: s.embedRequests,
    resumed_files: s.resumedFiles,
    repaired: s.repaired,
    elapsed_ms: s.elapsedMs,
    changes: s.changes,
    skipped: s.skipped.map((k) => ({ path: k.relPath, reason: k.reason })),
    notes: s.notes.map((n) => ({ path: n.relPath, note: n.note })),
  };
}

export interface SearchResultJson extends LocationJson {
  rank: number;
  id: string;
  path: string;
  start_line: number;
  end_line: number;
  heading: string;
  score: number;
  text: string;
}

export interface SearchJson {
  query: string;
  embed_model: string;
  /** -k as asked; `returned` can be fewer (neighbours merged, a per-file cap, few matches). */
  requested_k: number;
  returned: number;
  results: SearchResultJson[];
}

export function searchJson(query: string, embedModel: string, hits: Hit[], requestedK: number): SearchJson {
  return {
    query,
    embed_model: embedModel,
    requested_k: requestedK,
    returned: hits.length,
    results: hits.map((h, i) => ({
      rank: i + 1, id: h.id, path: h.path, start_line: h.startLine, end_line: h.endLine, ...locationJson(h),
      heading: h.heading, score: h.score, text: h.text,
    })),
  };
}

export interface AskSourceJson extends LocationJson {
  id: number;
  chunk_id: string;
  path: string;
  start_line: number;
  end_line: number;
  heading: string;
  score: number;
  cited: boolean;
  text: string;
}

export interface AskJson {
  question: string;
  answer: string;
  found: boolean;
  citations: number[];
  invalid_citations: number[];
  sources: AskSourceJson[];
  /** -k as asked; `returned` passages were given to the model, `dropped` did not fit its context window. */
  requested_k: number;
  returned: number;
  dropped: number;
  models: { chat: string; embed: string };
  num_ctx: number;
  timings_ms: { retrieve: number; generate: number; total: number };
  tokens: { prompt: number | null; answer: number | null; prompt_estimated: number };
}

export function askJson(r: AskResult): AskJson {
  const cited = new Set(r.cited);
  return {
    question: r.question,
    answer: r.answer,
    found: r.found,
    citations: r.cited,
    invalid_citations: r.invalid,
    sources: r.passages.map((p) => ({
      id: p.n,
      chunk_id: p.hit.id,
      path: p.hit.path,
      start_line: p.hit.startLine,
      end_line: p.hit.endLine,
      ...locationJson(p.hit),
      heading: p.hit.heading,
      score: p.hit.score,
      cited: cited.has(p.n),
      text: p.hit.text,
    })),
    requested_k: r.requestedK,
    returned: r.passages.length,
    dropped: r.droppedPassages,
    models: { chat: r.chatModel, embed: r.embedModel },
    num_ctx: r.numCtx,
    timings_ms: { retrieve: r.timings.retrieveMs, generate: r.timings.generateMs, total: r.timings.totalMs },
    tokens: { prompt: r.stats.promptTokens ?? null, answer: r.stats.answerTokens ?? null, prompt_estimated: r.promptTokensEstimated },
  };
}

export interface ModelStatusJson {
  name: string;
  installed: boolean;
  right_kind: boolean | null;
}

export interface StatusJson {
  ready: boolean;
  index: {
    path: string;
    exists: boolean;
    root: string | null;
    files: number;
    /** Indexed files per format (formats.ts names), most common first. */
    files_by_format: Record<string, number>;
    chunks: number;
    embed_model: string | null;
    embed_digest: string | null;
    dimensions: number | null;
    chunk_size: number | null;
    chunk_overlap: number | null;
    updated_at: string | null;
    pending_rebuild: { files: number; embed_model: string; chunk_size: number; chunk_overlap: number } | null;
  };
  /** host_source: flag, env, config or default. */
  ollama: { host: string; host_source: string; reachable: boolean; version: string | null };
  /** Every host given, whether it answers, and its models. */
  hosts: Array<{ host: string; reachable: boolean; version: string | null; models: string[] }>;
  models: { embed: ModelStatusJson; chat: ModelStatusJson };
  problems: Array<{ code: number; reason: Reason; message: string }>;
}

function modelStatusJson(m: ModelStatus): ModelStatusJson {
  return { name: m.name, installed: m.installed, right_kind: m.rightKind };
}

export function statusJson(r: StatusReport): StatusJson {
  const { manifest, pendingRebuild: rebuild } = r.index;
  return {
    ready: r.problems.length === 0,
    index: {
      path: r.index.dir,
      exists: Boolean(manifest),
      root: r.index.root ?? null,
      files: r.index.files,
      files_by_format: r.index.filesByFormat ?? {},
      chunks: r.index.chunks,
      embed_model: manifest?.embedModel ?? null,
      embed_digest: manifest?.embedDigest ?? null,
      dimensions: manifest?.dimensions ?? null,
      chunk_size: manifest?.chunkSizeChars ?? null,
      chunk_overlap: manifest?.chunkOverlapChars ?? null,
      updated_at: manifest?.updatedAt ?? null,
      pending_rebuild: rebuild
        ? { files: rebuild.files, embed_model: rebuild.manifest.embedModel, chunk_size: rebuild.manifest.chunkSizeChars, chunk_overlap: rebuild.manifest.chunkOverlapChars }
        : null,
    },
    ollama: { host: r.ollama.host, host_source: r.ollama.hostSource, reachable: r.ollama.reachable, version: r.ollama.version },
    hosts: r.hosts,
    models: { embed: modelStatusJson(r.models.embed), chat: modelStatusJson(r.models.chat) },
    problems: r.problems.map((p) => ({ code: p.exitCode, reason: p.reason, message: describeError(p) })),
  };
}

export interface EvalCaseJson {
  line: number;
  id?: string;
  question: string;
  answerable: boolean;
  pass: boolean;
  rank: number | null;
  file_rank: number | null;
  expected: string[];
  retrieved: string[];
  answer?: { text: string; found: boolean; citations: number[]; cited_sources: string[]; invalid_citations: number[]; missing: string[]; pass: boolean };
  problems: string[];
  time_ms: number;
}

export interface EvalRunJson {
  label: string;
  top_k: number;
  models: { embed: string; chat: string | null };
  cases_total: number;
  cases_run: number;
  passed: number;
  failed: number;
  interrupted: boolean;
  retrieval: { answerable_cases: number; hit_rate: number | null; file_hit_rate: number | null; mrr: number | null };
  answers: {
    answerable_cases: number; unanswerable_cases: number; answer_rate: number | null; refusal_rate: number | null;
    false_refusals: number; false_refusal_rate: number | null; citation_precision: number | null;
  } | null;
  elapsed_ms: number;
  cases: EvalCaseJson[];
}

export interface ThresholdJson {
  flag: string;
  metric: string;
  min: number;
  actual: number | null;
  met: boolean;
}

/** One run, or with --compare the runs side by side under `compare`. */
export type EvalJson =
  | ({ cases_file: string } & EvalRunJson & { thresholds: ThresholdJson[]; thresholds_met: boolean })
  | { cases_file: string; compare: EvalRunJson[]; thresholds: ThresholdJson[]; thresholds_met: boolean };

function rate(v: number | null): number | null {
  return v === null ? null : round4(v);
}

function evalCaseJson(r: CaseResult): EvalCaseJson {
  return {
    line: r.case.line,
    ...(r.case.id !== undefined ? { id: r.case.id } : {}),
    question: r.case.question,
    answerable: r.case.answerable,
    pass: r.pass,
    rank: r.rank,
    file_rank: r.fileRank,
    expected: r.case.expect.map(expectedLabel),
    retrieved: r.hits.map(hitLabel),
    ...(r.answer
      ? {
          answer: {
            text: r.answer.text,
            found: r.answer.found,
            citations: r.answer.cited,
            cited_sources: r.answer.citedPassages.map(hitLabel),
            invalid_citations: r.answer.invalid,
            missing: r.answer.verdict.missing,
            pass: r.answer.verdict.pass,
          },
        }
      : {}),
    problems: r.problems,
    time_ms: Math.round(r.timeMs),
  };
}

function evalRunJson(r: EvalReport): EvalRunJson {
  return {
    label: r.label,
    top_k: r.topK,
    models: { embed: r.embedModel, chat: r.chatModel ?? null },
    cases_total: r.total,
    cases_run: r.results.length,
    passed: r.results.filter((c) => c.pass).length,
    failed: r.results.filter((c) => !c.pass).length,
    interrupted: r.interrupted,
    retrieval: {
      answerable_cases: r.retrieval.cases,
      hit_rate: rate(r.retrieval.hitRate),
      file_hit_rate: rate(r.retrieval.fileHitRate),
      mrr: rate(r.retrieval.mrr),
    },
    answers: r.answers
      ? {
          answerable_cases: r.answers.answerable,
          unanswerable_cases: r.answers.unanswerable,
          answer_rate: rate(r.answers.answerRate),
          refusal_rate: rate(r.answers.refusalRate),
          false_refusals: r.answers.falseRefusals,
          false_refusal_rate: rate(r.answers.falseRefusalRate),
          citation_precision: rate(r.answers.citationPrecision),
        }
      : null,
    elapsed_ms: Math.round(r.elapsedMs),
    cases: r.results.map(evalCaseJson),
  };
}

function thresholdsJson(checks: ThresholdCheck[]): ThresholdJson[] {
  return checks.map((c) => ({ flag: c.flag, metric: c.metric, min: c.min, actual: rate(c.actual), met: c.met }));
}

/** The whole `--json` document: one run, or two side by side with --compare. */
export function evalJson(casesFile: string, reports: EvalReport[], checks: ThresholdCheck[]): EvalJson {
  const passed = checks.every((c) => c.met);
  if (reports.length === 1) return { cases_file: casesFile, ...evalRunJson(reports[0]!), thresholds: thresholdsJson(checks), thresholds_met: passed };
  return { cases_file: casesFile, compare: reports.map(evalRunJson), thresholds: thresholdsJson(checks), thresholds_met: passed };
}

/** One line of a JSON Lines stream (`rag chat --json`): one compact document per line. */
export function writeJsonLine(io: Io, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value)}\n`);
}

/** `rag ls --json`; paths are index-root-relative, `size` in bytes. */
export interface LsJson {
  index: string;
  root: string;
  files: Array<{ path: string; format: string; passages: number; size: number; modified_at: string; indexed_at: string | null }>;
  total: { files: number; passages: number; size: number };
}

export function lsJson(l: Listing): LsJson {
  return {
    index: l.indexDir,
    root: l.root,
    files: l.files.map((f) => ({
      path: f.path,
      format: f.format,
      passages: f.passages,
      size: f.sizeBytes,
      modified_at: new Date(f.mtimeMs).toISOString(),
      indexed_at: f.indexedAt ?? null,
    })),
    total: { files: l.files.length, passages: l.files.reduce((n, f) => n + f.passages, 0), size: l.files.reduce((n, f) => n + f.sizeBytes, 0) },
  };
}

/** `rag rm --json`; paths are index-root-relative. */
export interface RmJson {
  index: string;
  root: string;
  dry_run: boolean;
  removed: Array<{ path: string; passages: number }>;
  total: { files: number; passages: number };
}

export function rmJson(s: RemoveSummary): RmJson {
  return {
    index: s.indexDir,
    root: s.root,
    dry_run: s.dryRun,
    removed: s.files.map((f) => ({ path: f.path, passages: f.passages })),
    total: { files: s.files.length, passages: s.passages },
  };
}

/**
 * Where a passage sits: `location` is what a viewer opens (`paper.pdf#page=7`,
 * `page.html#install`, `guide.md:12-30`); the page, anchor and cell fields are null for
 * files that have none (src/locations.ts).
 */
export interface LocationJson {
  location: string;
  start_page: number | null;
  end_page: number | null;
  anchor: string | null;
  start_cell: number | null;
  end_cell: number | null;
}

export function locationJson(hit: Pick<Hit, 'path' | 'startLine' | 'endLine' | 'location'>): LocationJson {
  const l = hit.location;
  return {
    location: viewerLocation(hit),
    start_page: l?.startPage ?? null,
    end_page: l?.endPage ?? null,
    anchor: l?.anchor ?? null,
    start_cell: l?.startCell ?? null,
    end_cell: l?.endCell ?? null,
  };
}
