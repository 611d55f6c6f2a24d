/**
 * What a `rag chat` session remembers, and how a typed line is read: pure data and
 * functions, so the session loop only does I/O.
 */
import type { AskResult } from '../answer/answer.js';
import type { HistoryTurn } from '../answer/prompt.js';

export interface ChatTurn {
  /** As the user typed it. */
  question: string;
  /** What was searched for: the question made standalone. */
  query: string;
  result: AskResult;
}

export interface Conversation {
  model: string;
  /** Answered turns since the start or the last /clear, oldest first. */
  turns: ChatTurn[];
  /** The last answered turn; kept by /clear so that /sources still shows it. */
  last?: ChatTurn;
}

/** Each command with its argument (for /help) and what it does. */
export const CHAT_COMMANDS = {
  sources: ['', 'list every passage the last answer was given'],
  search: ['<query>', 'show the passages that best match a query (no chat model)'],
  clear: ['', 'forget the conversation: the next question starts afresh'],
  model: ['[name]', 'show or change the chat model'],
  help: ['', 'show these commands'],
  exit: ['', 'end the session (or Ctrl-D)'],
} as const;

export type ChatCommand = keyof typeof CHAT_COMMANDS;

export type ChatInput =
  | { kind: 'empty' }
  | { kind: 'question'; text: string }
  | { kind: 'command'; name: ChatCommand; arg: string }
  | { kind: 'unknown'; name: string };

/** `/search foo` is a command, `//x` or `/ x` a question (a path or a slash typed by hand). */
export function parseInput(line: string): ChatInput {
  const text = line.trim();
  if (text === '') return { kind: 'empty' };
  const command = /^\/([a-z]+)(?:\s+([\s\S]*))?$/i.exec(text);
  if (!command) return { kind: 'question', text };
  const name = (command[1] ?? '').toLowerCase();
  if (Object.hasOwn(CHAT_COMMANDS, name)) return { kind: 'command', name: name as ChatCommand, arg: (command[2] ?? '').trim() };
  // `/etc/hosts?` reads as a question about a path, not a command.
  if (/^\/[a-z]+\//i.test(text)) return { kind: 'question', text };
  return { kind: 'unknown', name };
}

export function historyOf(conversation: Conversation): HistoryTurn[] {
  return conversation.turns.map((t) => ({ question: t.question, answer: t.result.answer }));
}

export function addTurn(conversation: Conversation, turn: ChatTurn): Conversation {
  return { ...conversation, turns: [...conversation.turns, turn], last: turn };
}

export function clearConversation(conversation: Conversation): Conversation {
  return { ...conversation, turns: [] };
}

export function helpText(): string {
  const usages = Object.entries(CHAT_COMMANDS).map(([name, [arg, doc]]) => [`/${name}${arg ? ` ${arg}` : ''}`, doc] as const);
  const width = Math.max(...usages.map(([usage]) => usage.length)) + 2;
  const lines = usages.map(([usage, doc]) => `  ${usage.padEnd(width)}${doc}`);
  return [
    'Ask a question, then follow-ups: each is made standalone (shown dimmed) before searching.',
    ...lines,
    'Ctrl-C cancels the answer being written; Ctrl-D or /exit ends the session.',
  ].join('\n');
}
