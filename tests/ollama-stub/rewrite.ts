/**
 * The stub's answer to rag chat's rewrite request (a conversation, then a
 * `Follow-up question:` line): the follow-up joined to the last question of the
 * conversation, so that "And on Windows?" searches for what it means. Deterministic and
 * pure; undefined for any other request.
 */
import type { ChatMessage } from './text.js';

export function rewriteFollowUp(messages: ChatMessage[]): string | undefined {
  const user = [...messages].reverse().find((m) => m.role === 'user')?.content ?? '';
  const lines = user.split(/\r?\n/);
  const followUp = lines.find((l) => l.startsWith('Follow-up question:'));
  if (followUp === undefined) return undefined;
  const question = followUp.slice('Follow-up question:'.length).trim();
  const previous = lines.filter((l) => l.startsWith('User:')).at(-1)?.slice('User:'.length).trim();
  return previous ? `${previous} ${question}` : question;
}
