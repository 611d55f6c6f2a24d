/**
 * The `rag chat` loop: read a line (a readline prompt on a terminal, one question per
 * line from a pipe), answer it as `rag ask` would with the conversation so far, and
 * render the turn as text or as one JSON line. On a terminal, Ctrl-C cancels the
 * answer being written and keeps the session; a failed turn is reported and the
 * session goes on. From a pipe, the first error ends the session with its exit code.
 */
import { createInterface, type Interface } from 'node:readline';
import { askQuestion, type AskResult } from '../answer/answer.js';
import type { Context } from '../context.js';
import { RagError } from '../errors.js';
import { startProgress } from '../render/progress.js';
import { openIndex, retrieve, type OpenIndex } from '../retrieve/retrieve.js';
import { addTurn, clearConversation, helpText, historyOf, parseInput, type ChatCommand, type ChatTurn, type Conversation } from './conversation.js';
import { rewriteQuestion } from './rewrite.js';
import { createChatView, type ChatView } from './view.js';

export interface ChatSettings {
  model: string;
  topK: number;
  temperature: number;
  seed?: number;
  numCtx?: number;
  sources: 'cited' | 'all' | 'none';
  json: boolean;
  pull: boolean;
}

/** Without --num-ctx and a model context length, the rewrite asks for no more than ask would. */
const DEFAULT_CONTEXT = 8192;
const PROMPT = '› ';

interface Session {
  ctx: Context;
  settings: ChatSettings;
  index: OpenIndex;
  view: ChatView;
  isInteractive: boolean;
  conversation: Conversation;
  /** Turns answered in the whole session (/clear does not reset it): numbers the JSON lines. */
  answered: number;
  /** The answer being written, cancelled by Ctrl-C. */
  current?: AbortController;
}

export async function runChat(settings: ChatSettings, ctx: Context): Promise<void> {
  const index = await openIndex(ctx.index.home, ctx.index.exists);
  const isInteractive = ctx.io.stdinIsTTY;
  const session: Session = {
    ctx, settings, index, isInteractive,
    view: createChatView(ctx, settings),
    conversation: { model: settings.model, turns: [] },
    answered: 0,
  };
  const rl = openPrompt(session);
  const stop = () => rl.close();
  ctx.signal.addEventListener('abort', stop, { once: true });
  try {
    if (isInteractive) {
      session.view.note(`rag chat · ${settings.model} · ${ctx.index.dir}\nAsk a question; /help lists the commands, Ctrl-D ends the session.`);
      rl.prompt();
    }
    for await (const line of rl) {
      if (!(await handleLine(session, line))) break;
      if (isInteractive) rl.prompt();
    }
  } finally {
    ctx.signal.removeEventListener('abort', stop);
    rl.close();
  }
  if (ctx.signal.aborted) throw new RagError('interrupted', 'Interrupted');
  if (isInteractive) session.view.note('');
}

function openPrompt(session: Session): Interface {
  const { io } = session.ctx;
  // The prompt goes where the user looks: stdout, or stderr when stdout is redirected.
  const output = io.stdoutIsTTY ? io.stdout : io.stderr;
  const isTerminal = session.isInteractive && (io.stdoutIsTTY || io.stderrIsTTY);
  const rl = createInterface({ input: io.stdin, ...(isTerminal ? { output } : {}), terminal: isTerminal, prompt: PROMPT, historySize: 500, crlfDelay: Infinity });
  // In raw mode Ctrl-C reaches readline as a key, not as SIGINT to the process.
  rl.on('SIGINT', () => {
    if (session.current) {
      session.current.abort(new RagError('interrupted', 'Cancelled'));
      return;
    }
    // At the prompt: drop what was typed and start a fresh line, as shells do.
    rl.write(null, { ctrl: true, name: 'u' });
    output.write('^C\n');
    rl.prompt();
  });
  return rl;
}

/** False when the session should end. */
async function handleLine(session: Session, line: string): Promise<boolean> {
  const input = parseInput(line);
  try {
    switch (input.kind) {
      case 'empty':
        return true;
      case 'question':
        await answer(session, input.text);
        return true;
      case 'command':
        return await runCommand(session, input.name, input.arg);
      case 'unknown':
        throw new RagError('usage', `Unknown command '/${input.name}'`, '/help lists the commands');
    }
  } catch (err) {
    if (session.ctx.signal.aborted || !session.isInteractive) throw err;
    if (!(err instanceof RagError)) throw err;
    session.view.error(err);
    return true;
  }
}

async function answer(session: Session, question: string): Promise<void> {
  const { ctx, settings, view } = session;
  const controller = new AbortController();
  session.current = controller;
  const progress = await startProgress(ctx.io, { enabled: !ctx.quiet && !settings.json, text: 'Searching…' });
  const model = session.conversation.model;
  try {
    const hosts = ctx.hosts();
    const ollama = (await hosts.chatClient(model)).withSignal(controller.signal);
    const info = await ollama.requireModel(model, 'completion', { pull: settings.pull });
    const history = historyOf(session.conversation);
    const query = await rewriteQuestion(ollama, history, question, {
      model,
      modelMaxContext: info.contextLength ?? DEFAULT_CONTEXT,
      // The answer's num_ctx: Ollama reloads the model whenever num_ctx changes.
      ...(settings.numCtx !== undefined ? { numCtx: settings.numCtx } : session.conversation.last ? { numCtx: session.conversation.last.result.numCtx } : {}),
      ...(settings.seed !== undefined ? { seed: settings.seed } : {}),
    });
    progress.stop();
    view.query(question, query);
    const result: AskResult = await askQuestion(
      session.index,
      ollama,
      {
        question: query, model, topK: settings.topK, stream: !settings.json, temperature: settings.temperature, pull: false, history,
        ...(settings.seed !== undefined ? { seed: settings.seed } : {}),
        ...(settings.numCtx !== undefined ? { numCtx: settings.numCtx } : {}),
      },
      { now: ctx.io.now, onText: (text) => view.text(text) },
      retrieve(session.index, hosts, query, { topK: settings.topK }),
    );
    const turn: ChatTurn = { question, query, result };
    session.conversation = addTurn(session.conversation, turn);
    view.turn(turn, ++session.answered);
  } catch (err) {
    view.abandon();
    if (controller.signal.aborted && !ctx.signal.aborted) {
      view.note('Cancelled.');
      return;
    }
    throw err;
  } finally {
    progress.stop();
    session.current = undefined;
  }
}

async function runCommand(session: Session, name: ChatCommand, arg: string): Promise<boolean> {
  const { view, ctx, settings } = session;
  switch (name) {
    case 'exit':
      return false;
    case 'help':
      view.note(helpText());
      return true;
    case 'clear':
      session.conversation = clearConversation(session.conversation);
      view.cleared();
      return true;
    case 'sources':
      view.sources(session.conversation.last);
      return true;
    case 'search': {
      if (!arg) throw new RagError('usage', '/search needs a query', 'e.g. /search chunk size');
      const { hits } = await retrieve(session.index, ctx.hosts(), arg, { topK: settings.topK });
      view.search(arg, session.index.manifest.embedModel, hits, settings.topK);
      return true;
    }
    case 'model': {
      if (arg) {
        await (await ctx.hosts().chatClient(arg)).requireModel(arg, 'completion', { pull: settings.pull });
        session.conversation = { ...session.conversation, model: arg };
      }
      view.model(session.conversation.model);
      return true;
    }
  }
}
