/**
 * An eval run: questions go through the same retrieval (`retrieve/retrieve.ts`) and,
 * with answers, the same answer path (`answer/answer.ts`) as `rag search` and `rag ask`,
 * batch by batch, so a Ctrl-C leaves whole cases behind to report.
 */
import { answerFromHits } from '../answer/answer.js';
import { createLimiter } from '../concurrency-limiter.js';
import type { EmbedTarget } from '../embed.js';
import type { ModelInfo, OllamaClient } from '../ollama.js';
import { embedQueries, retrieveWithVector, type OpenIndex, type Retrieval } from '../retrieve/retrieve.js';
import type { Hit } from '../types.js';
import type { EvalCase } from './cases.js';
import { answerTotals, firstRank, judgeAnswer, retrievalTotals, type AnswerTotals, type AnswerVerdict, type RetrievalTotals } from './metrics.js';

/** Questions embedded per request: one request per batch, and a Ctrl-C loses at most one batch. */
export const QUESTION_BATCH = 64;
/** Searches in flight at once: LanceDB runs them on its own threads. */
const SEARCH_CONCURRENCY = 4;
/** --answers sends this seed unless told otherwise, so the same index and cases give the same report. */
export const DEFAULT_EVAL_SEED = 42;

export interface AnswerSettings {
  model: string;
  temperature: number;
  seed?: number;
  numCtx?: number;
  /** Checked (and pulled when allowed) once, before the first case. */
  info: ModelInfo;
  /** The host that serves the chat model. */
  client: OllamaClient;
}

export interface EvalSettings {
  /** Names this configuration in reports: e.g. `-k 6` or the index folder. */
  label: string;
  topK: number;
  answers?: AnswerSettings;
}

export interface CaseAnswer {
  text: string;
  found: boolean;
  /** Valid passage numbers cited, and the passages they point at. */
  cited: number[];
  citedPassages: Hit[];
  invalid: number[];
  verdict: AnswerVerdict;
}

export interface CaseResult {
  case: EvalCase;
  /** The top-k passages, best first, as `rag search` shows them. */
  hits: Hit[];
  rank: number | null;
  fileRank: number | null;
  answer?: CaseAnswer;
  pass: boolean;
  /** Why it failed, for people; empty when it passed. */
  problems: string[];
  timeMs: number;
}

export interface EvalReport {
  label: string;
  topK: number;
  embedModel: string;
  chatModel?: string;
  /** Cases in the file; `results` may hold fewer when interrupted. */
  total: number;
  results: CaseResult[];
  interrupted: boolean;
  retrieval: RetrievalTotals;
  answers?: AnswerTotals;
  elapsedMs: number;
}

export interface EvalHooks {
  now: () => number;
  signal: AbortSignal;
  /** After each case: how many are done of how many. */
  onCase?: (done: number, total: number) => void;
}

export async function runEval(index: OpenIndex, ollama: EmbedTarget, cases: EvalCase[], s: EvalSettings, hooks: EvalHooks): Promise<EvalReport> {
  const started = hooks.now();
  const results: CaseResult[] = [];
  let interrupted = false;
  try {
    for (let i = 0; i < cases.length && !hooks.signal.aborted; i += QUESTION_BATCH) {
      const batch = cases.slice(i, i + QUESTION_BATCH);
      const batchStarted = hooks.now();
      const vectors = await embedQueries(index.manifest, ollama, batch.map((c) => c.question));
      const search = createLimiter(SEARCH_CONCURRENCY);
      const retrieved = await Promise.all(batch.map((c, j) => search(() => retrieveWithVector(index, c.question, vectors[j]!, { topK: s.topK }))));
      // Embedding and searching are shared by the batch: each case gets its share of the time.
      const retrieveMs = (hooks.now() - batchStarted) / batch.length;
      for (let j = 0; j < batch.length; j++) {
        if (hooks.signal.aborted) break;
        const caseStarted = hooks.now();
        const answer = s.answers ? await answerCase(index, batch[j]!, retrieved[j]!, s, s.answers, hooks) : undefined;
        results.push(scoreCase(batch[j]!, retrieved[j]!.hits, answer, { topK: s.topK, timeMs: retrieveMs + hooks.now() - caseStarted }));
        hooks.onCase?.(results.length, cases.length);
      }
    }
  } catch (err) {
    // Ctrl-C mid-request: what finished is still worth reporting.
    if (!hooks.signal.aborted) throw err;
  }
  interrupted = results.length < cases.length;
  return {
    label: s.label,
    topK: s.topK,
    embedModel: index.manifest.embedModel,
    ...(s.answers ? { chatModel: s.answers.model } : {}),
    total: cases.length,
    results,
    interrupted,
    retrieval: retrievalTotals(results.filter((r) => r.case.answerable)),
    ...(s.answers ? { answers: answerTotals(results.flatMap((r) => (r.answer ? [{ answerable: r.case.answerable, verdict: r.answer.verdict }] : []))) } : {}),
    elapsedMs: hooks.now() - started,
  };
}

async function answerCase(index: OpenIndex, c: EvalCase, retrieval: Retrieval, s: EvalSettings, a: AnswerSettings, hooks: EvalHooks): Promise<CaseAnswer> {
  const result = await answerFromHits(a.client, a.info, index.manifest.embedModel, retrieval, {
    question: c.question, model: a.model, topK: s.topK, stream: false, temperature: a.temperature, pull: false,
    ...(a.seed !== undefined ? { seed: a.seed } : {}),
    ...(a.numCtx !== undefined ? { numCtx: a.numCtx } : {}),
  }, { now: hooks.now });
  const cited = new Set(result.cited);
  const citedPassages = result.passages.filter((p) => cited.has(p.n)).map((p) => p.hit);
  const verdict = judgeAnswer(c, { answer: result.answer, found: result.found, cited: citedPassages, invalid: result.invalid });
  return { text: result.answer, found: result.found, cited: result.cited, citedPassages, invalid: result.invalid, verdict };
}

export function scoreCase(c: EvalCase, hits: Hit[], answer: CaseAnswer | undefined, at: { topK: number; timeMs: number }): CaseResult {
  const rank = c.answerable ? firstRank(c.expect, hits) : null;
  const fileRank = c.answerable ? firstRank(c.expect, hits, true) : null;
  const problems: string[] = [];
  if (c.answerable && rank === null) problems.push(fileRank === null ? `no expected passage in the top ${at.topK}` : `right file at rank ${fileRank}, but not the expected passage`);
  if (answer) problems.push(...answer.verdict.problems);
  return { case: c, hits, rank, fileRank, ...(answer ? { answer } : {}), pass: problems.length === 0, problems, timeMs: at.timeMs };
}
