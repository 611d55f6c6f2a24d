/**
 * How a chat session shows itself: text for people (the answer streamed to stdout,
 * everything about it on stderr) or JSON Lines for scripts (one document per turn and
 * per command that prints something, nothing else on stdout).
 */
import type { Context } from '../context.js';
import { describeError, type RagError } from '../errors.js';
import { showControls } from '../render/controls.js';
import { askJson, searchJson, writeJsonLine } from '../render/json.js';
import { renderHits, renderSources, sourcesToShow } from '../render/text.js';
import type { Hit } from '../types.js';
import type { ChatTurn } from './conversation.js';

export interface ChatView {
  /** A line for the person at the terminal (stderr); silent with --quiet. */
  note(text: string): void;
  /** What was searched for, when it differs from what was typed. */
  query(question: string, query: string): void;
  /** A piece of the answer as it streams. */
  text(delta: string): void;
  /** A turn failed or was cancelled: end the partial answer line. */
  abandon(): void;
  turn(turn: ChatTurn, number: number): void;
  error(err: RagError): void;
  cleared(): void;
  sources(turn: ChatTurn | undefined): void;
  search(query: string, embedModel: string, hits: Hit[], requestedK: number): void;
  model(name: string): void;
}

export function createChatView(ctx: Context, settings: { json: boolean; sources: 'cited' | 'all' | 'none' }): ChatView {
  return settings.json ? jsonView(ctx) : textView(ctx, settings.sources);
}

function textView(ctx: Context, which: 'cited' | 'all' | 'none'): ChatView {
  const { io, style, errStyle } = ctx;
  let endsWithNewline = true;
  const note = (text: string) => {
    if (!ctx.quiet) io.stderr.write(`${errStyle.dim(text)}\n`);
  };
  return {
    note,
    query(question, query) {
      // The rewrite is a model reply: shown, like the answer, with its control characters visible.
      if (query !== question) note(`» ${showControls(query, { singleLine: true })}`);
    },
    text(delta) {
      if (delta === '') return;
      io.stdout.write(showControls(delta));
      endsWithNewline = delta.endsWith('\n');
    },
    abandon() {
      if (!endsWithNewline) io.stdout.write('\n');
      endsWithNewline = true;
    },
    turn({ result }) {
      if (!endsWithNewline) io.stdout.write('\n');
      endsWithNewline = true;
      for (const n of result.invalid) {
        io.stderr.write(`${errStyle.yellow('warning:')} the answer cites [${n}], but only passages 1-${result.passages.length} were given; it is left out of the sources\n`);
      }
      if (result.stats.doneReason === 'length') io.stderr.write(`${errStyle.yellow('warning:')} the answer was cut off at the length limit\n`);
      if (!result.found) note('The indexed documents do not seem to contain the answer; no sources to show.');
      io.stdout.write(`${renderSources(sourcesToShow(result, which), style)}\n`);
    },
    error(err) {
      io.stderr.write(`rag: ${showControls(describeError(err), { singleLine: true })}\n`);
    },
    cleared() {
      note('Conversation cleared: the next question starts afresh.');
    },
    sources(turn) {
      if (!turn || turn.result.passages.length === 0) note('The last answer was given no passages.');
      else io.stdout.write(`${renderSources(turn.result.passages, style)}\n`);
    },
    search(_query, _embedModel, hits) {
      if (hits.length === 0) note('No matching passages.');
      else io.stdout.write(`${renderHits(hits, style, { width: Number(io.env.COLUMNS) || 100, isTTY: io.stdoutIsTTY })}\n`);
    },
    model(name) {
      note(`Chat model: ${showControls(name, { singleLine: true })}`);
    },
  };
}

function jsonView(ctx: Context): ChatView {
  const { io } = ctx;
  const line = (value: unknown) => writeJsonLine(io, value);
  return {
    note() {},
    query() {},
    text() {},
    abandon() {},
    turn({ question, query, result }, number) {
      const { question: _searched, ...doc } = askJson(result);
      line({ type: 'turn', turn: number, question, query, history_turns: result.historyTurns, ...doc });
    },
    error(err) {
      io.stderr.write(`rag: ${showControls(describeError(err), { singleLine: true })}\n`);
    },
    cleared() {
      line({ type: 'clear' });
    },
    sources(turn) {
      line({ type: 'sources', sources: turn ? askJson(turn.result).sources : [] });
    },
    search(query, embedModel, hits, requestedK) {
      line({ type: 'search', ...searchJson(query, embedModel, hits, requestedK) });
    },
    model(name) {
      line({ type: 'model', model: name });
    },
  };
}
