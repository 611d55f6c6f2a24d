/**
 * The ask pipeline after retrieval: pack the passages into the chat model's
 * context, generate (streamed or not), and check the citations in the answer.
 */
import { parseCitations } from './cite.js';
import { RagError } from '../errors.js';
import { buildPrompt, chooseNumCtx, NOT_FOUND_PHRASE, packHistory, type HistoryTurn, type PromptPassage } from './prompt.js';
import type { ChatStats, ModelInfo, OllamaClient, PullProgress } from '../ollama.js';
import type { OpenIndex, Retrieval } from '../retrieve/retrieve.js';

/** Without --num-ctx, the largest window we ask for: bigger ones cost a lot of memory in Ollama. */
const DEFAULT_CONTEXT_CEILING = 8192;
/** Tokens kept free for the answer (and sent as num_predict, so it cannot overrun them). */
export const ANSWER_TOKENS = 1024;

export interface AskSettings {
  question: string;
  model: string;
  topK: number;
  stream: boolean;
  temperature: number;
  seed?: number;
  numCtx?: number;
  pull: boolean;
  /** Earlier turns of a conversation (`rag chat`), oldest first; they get what the passages leave. */
  history?: readonly HistoryTurn[];
}

export interface AskHooks {
  now: () => number;
  /** Each piece of the answer as it arrives (streaming), or the whole answer once. */
  onText?: (text: string) => void;
  onRetrieved?: (count: number) => void;
  onPull?: (p: PullProgress) => void;
}

export interface AskResult {
  question: string;
  answer: string;
  /** False when the model said the passages do not contain the answer (or nothing was retrieved). */
  found: boolean;
  passages: PromptPassage[];
  cited: number[];
  invalid: number[];
  droppedPassages: number;
  /** -k as asked, and how many distinct passages retrieval matched before selection. */
  requestedK: number;
  matched: number;
  /** Earlier conversation turns that fit in the context and were sent. */
  historyTurns: number;
  chatModel: string;
  embedModel: string;
  numCtx: number;
  promptTokensEstimated: number;
  stats: ChatStats;
  timings: { retrieveMs: number; generateMs: number; totalMs: number };
}

/**
 * `retrieval`: the passages for `s.question`, which the caller started (it may have started
 * before the chat client was chosen); `started`: when that was.
 */
export async function askQuestion(index: OpenIndex, ollama: OllamaClient, s: AskSettings, hooks: AskHooks, retrieval: Promise<Retrieval>, started = hooks.now()): Promise<AskResult> {
  // The model check and the retrieval do not depend on each other.
  const [info, retrieved] = await Promise.all([
    ollama.requireModel(s.model, 'completion', { pull: s.pull, ...(hooks.onPull ? { onPull: hooks.onPull } : {}) }),
    retrieval,
  ]);
  return answerFromHits(ollama, info, index.manifest.embedModel, retrieved, s, hooks, started);
}

/**
 * Everything after retrieval: pack, generate, check citations. `rag eval --answers`
 * retrieves for all its questions first, then comes here, so both share this path.
 */
export async function answerFromHits(
  ollama: OllamaClient, info: ModelInfo, embedModel: string, retrieval: Pick<Retrieval, 'hits' | 'matched'>, s: AskSettings, hooks: AskHooks, started = hooks.now(),
): Promise<AskResult> {
  const retrieved = hooks.now();
  hooks.onRetrieved?.(retrieval.hits.length);

  const modelMax = info.contextLength ?? DEFAULT_CONTEXT_CEILING;
  const contextTokens = s.numCtx ?? Math.min(modelMax, DEFAULT_CONTEXT_CEILING);
  // A small explicit window keeps most of its room for the passages: a quarter for the answer.
  const answerTokens = s.numCtx === undefined ? ANSWER_TOKENS : Math.min(ANSWER_TOKENS, Math.floor(s.numCtx / 4));
  const built = buildPrompt(s.question, retrieval.hits, { contextTokens, answerTokens });
  if (built.passages.length === 0 && retrieval.hits.length > 0) {
    // Answering "not found" here would blame the documents for a window that is too small.
    throw new RagError(
      'too-long',
      `The context window (${contextTokens} tokens) cannot hold the instructions, the question and one passage`,
      s.numCtx === undefined ? 'ask a shorter question' : 'raise --num-ctx or ask a shorter question',
    );
  }
  const history = packHistory(s.history ?? [], contextTokens - answerTokens - built.estimatedTokens);
  const promptTokens = built.estimatedTokens + history.estimatedTokens;
  const numCtx = s.numCtx ?? chooseNumCtx(promptTokens, answerTokens, modelMax);
  const base = {
    question: s.question, passages: built.passages, droppedPassages: built.droppedPassages, historyTurns: history.turns,
    chatModel: s.model, requestedK: s.topK, matched: retrieval.matched,
    embedModel, numCtx, promptTokensEstimated: promptTokens,
  };

  if (built.passages.length === 0) {
    // Nothing to ground an answer in: asking the model would only invite a guess.
    hooks.onText?.(NOT_FOUND_PHRASE);
    const now = hooks.now();
    return { ...base, answer: NOT_FOUND_PHRASE, found: false, cited: [], invalid: [], stats: {}, timings: { retrieveMs: retrieved - started, generateMs: 0, totalMs: now - started } };
  }

  const request = {
    model: s.model,
    messages: [
      { role: 'system' as const, content: built.system },
      ...history.messages,
      { role: 'user' as const, content: built.user },
    ],
    numCtx,
    temperature: s.temperature,
    numPredict: answerTokens,
    ...(s.seed !== undefined ? { seed: s.seed } : {}),
  };
  const stats: ChatStats = {};
  let answer = '';
  if (s.stream) {
    for await (const delta of ollama.chatStream(request, stats)) {
      answer += delta.content;
      hooks.onText?.(delta.content);
    }
  } else {
    answer = await ollama.chat(request, stats);
    hooks.onText?.(answer);
  }
  const check = parseCitations(answer, built.passages.length);
  const finished = hooks.now();
  return {
    ...base, answer, found: !check.notFound, cited: check.notFound ? [] : check.cited, invalid: check.invalid, stats,
    timings: { retrieveMs: retrieved - started, generateMs: finished - retrieved, totalMs: finished - started },
  };
}
