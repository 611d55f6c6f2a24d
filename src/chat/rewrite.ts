/**
 * Follow-up questions made standalone before retrieval ("And on Windows?" searches for
 * nothing useful on its own). The chat model rewrites the question using the
 * conversation, as Open WebUI does by default; the prompt and the reply parsing are
 * pure, the one call is `rewriteQuestion`.
 */
import { chooseNumCtx, estimateTokens, stripCitations, type HistoryTurn } from '../answer/prompt.js';
import type { ChatMessage, OllamaClient } from '../ollama.js';

/** The test stub recognises the rewrite request by the `Follow-up question:` line; keep that shape. */
export const REWRITE_SYSTEM_PROMPT = [
  "Rewrite the user's follow-up question as a standalone search query, using the conversation so far.",
  'Replace pronouns and references ("it", "that one", "and on Windows?") with what they refer to.',
  'If the question already stands on its own, repeat it unchanged.',
  'Reply with the rewritten question only: one line, no quotes, no explanation, and do not answer it.',
].join('\n');

/** Earlier turns shown to the rewriter: the newest few say what "it" refers to. */
const REWRITE_TURNS = 4;
/** Answers are cut for the rewriter: their first sentences carry the topic. */
const REWRITE_ANSWER_CHARS = 600;
const REWRITE_REPLY_TOKENS = 128;
/** A reply this long is an answer or a ramble, not a query. */
const MAX_QUERY_CHARS = 1000;

export function rewriteMessages(history: readonly HistoryTurn[], question: string): ChatMessage[] {
  const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();
  const clip = (text: string) => (text.length > REWRITE_ANSWER_CHARS ? `${text.slice(0, REWRITE_ANSWER_CHARS)}…` : text);
  const lines = history.slice(-REWRITE_TURNS).flatMap((t) => [`User: ${oneLine(t.question)}`, `Assistant: ${clip(oneLine(stripCitations(t.answer)))}`]);
  return [
    { role: 'system', content: REWRITE_SYSTEM_PROMPT },
    { role: 'user', content: `Conversation:\n${lines.join('\n')}\n\nFollow-up question: ${oneLine(question)}` },
  ];
}

/**
 * The query in the model's reply, or the question itself when the reply holds none.
 * Models add things they were told not to: a thinking block, a label ("Standalone
 * question:"), quotes or bold around the line, a second line of explanation.
 */
export function parseRewrite(reply: string, question: string): string {
  const withoutThinking = reply.replace(/<think>[\s\S]*?<\/think>/gi, '');
  const line = withoutThinking.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? '';
  const query = line
    .replace(/^(?:standalone|rewritten)?\s*(?:search\s+)?(?:question|query)\s*:\s*/i, '')
    .replace(/^["'`*“‘]+|["'`*”’]+$/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (query === '' || query.length > MAX_QUERY_CHARS) return question.replace(/\s+/g, ' ').trim();
  return query;
}

export interface RewriteSettings {
  model: string;
  /** The model's context length, when known; the request asks for no more. */
  modelMaxContext: number;
  /** Sent as is when given (--num-ctx, or the last answer's: Ollama reloads the model when it changes). */
  numCtx?: number;
  seed?: number;
}

/** The standalone query for `question`; the question itself when there is no conversation yet. */
export async function rewriteQuestion(ollama: OllamaClient, history: readonly HistoryTurn[], question: string, s: RewriteSettings): Promise<string> {
  if (history.length === 0) return question.replace(/\s+/g, ' ').trim();
  const messages = rewriteMessages(history, question);
  const promptTokens = messages.reduce((n, m) => n + estimateTokens(m.content), 0);
  const reply = await ollama.chat({
    model: s.model,
    messages,
    numCtx: s.numCtx ?? chooseNumCtx(promptTokens + 64, REWRITE_REPLY_TOKENS, s.modelMaxContext),
    // The same conversation should always search for the same thing.
    temperature: 0,
    numPredict: REWRITE_REPLY_TOKENS,
    ...(s.seed !== undefined ? { seed: s.seed } : {}),
  });
  return parseRewrite(reply, question);
}
