/** `rag ask`: retrieve, generate with citations, render the answer and its sources. */
import { askQuestion, type AskResult } from '../answer/answer.js';
import type { Context } from '../context.js';
import { userPath } from '../discover/path-forms.js';
import { RagError } from '../errors.js';
import { readAllText } from '../io.js';
import { askJson, writeJson } from '../render/json.js';
import { showControls } from '../render/controls.js';
import { startProgress } from '../render/progress.js';
import { renderSources, shortfallNote, sourcesToShow } from '../render/text.js';
import { openForQuery, retrieveWithVector, type OpenIndex, type Retrieval } from '../retrieve/retrieve.js';

export interface AskCommandOptions {
  question: string;
  stream: boolean;
  temperature: number;
  seed?: number;
  numCtx?: number;
  sources: 'cited' | 'all' | 'none';
  pull: boolean;
  json: boolean;
  /** An answer that is "not found" or cites no valid passage becomes a problem (exit 6). */
  requireCitation?: boolean;
  /** `-t`: format names; only their files are searched. */
  types?: string[];
}

/** Prints the answer; with --require-citation an ungrounded one comes back as a problem. */
export async function askCommand(opts: AskCommandOptions, ctx: Context): Promise<RagError[]> {
  const { io, style, errStyle } = ctx;
  const question = opts.question.trim() === '-' ? await questionFromStdin(io) : opts.question.trim();
  if (!question) throw new RagError('usage', 'The question is empty', 'ask something, e.g. rag ask "how do I install it?"');
  const started = io.now();
  const hosts = ctx.hosts();
  const { index, retrieval } = await startRetrieval(ctx, opts, question);
  const model = ctx.settings.chatModel;
  // The answer streams to stdout; JSON needs the whole answer first.
  const isStreaming = opts.stream && !opts.json;
  const progress = await startProgress(io, { enabled: !ctx.quiet && !opts.json, text: 'Searching…' });
  let wroteText = false;
  let endsWithNewline = true;
  let result: AskResult;
  try {
    result = await askQuestion(
      index,
      await hosts.chatClient(model),
      {
        question, model, stream: isStreaming, temperature: opts.temperature, pull: opts.pull,
        topK: ctx.settings.topK,
        ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
        ...(opts.numCtx !== undefined ? { numCtx: opts.numCtx } : {}),
      },
      {
        now: io.now,
        onRetrieved: (n) => progress.update(`Asking ${model} with ${n} passages…`),
        onPull: (p) => progress.update(`Pulling ${model}: ${p.status}${p.total ? ` ${Math.floor(((p.completed ?? 0) / p.total) * 100)}%` : ''}`),
        onText: (text) => {
          if (opts.json || !isStreaming) return;
          if (!wroteText) progress.stop();
          wroteText = true;
          if (text !== '') endsWithNewline = text.endsWith('\n');
          io.stdout.write(showControls(text));
        },
      },
      retrieval,
      started,
    );
  } catch (err) {
    // A stream that broke off mid-answer: end the partial line so the error starts on its own.
    if (wroteText && !endsWithNewline) io.stdout.write('\n');
    throw err;
  } finally {
    progress.stop();
  }

  for (const n of result.invalid) {
    io.stderr.write(`${errStyle.yellow('warning:')} the answer cites [${n}], but only passages 1-${result.passages.length} were given; it is left out of the sources\n`);
  }
  if (result.stats.doneReason === 'length') {
    io.stderr.write(`${errStyle.yellow('warning:')} the answer was cut off at the length limit\n`);
  }
  const note = shortfallNote({ requestedK: result.requestedK, returned: result.passages.length, matched: result.matched, dropped: result.droppedPassages, numCtx: result.numCtx });
  if (note !== undefined && !ctx.quiet && result.passages.length > 0) io.stderr.write(`${note}\n`);

  const problems = opts.requireCitation ? groundingProblems(result) : [];
  if (opts.json) {
    writeJson(io, askJson(result));
    return problems;
  }
  if (!isStreaming) io.stdout.write(showControls(result.answer));
  io.stdout.write(result.answer.endsWith('\n') ? '' : '\n');
  if (!result.found) {
    if (!ctx.quiet) io.stderr.write(errStyle.dim('The indexed documents do not seem to contain the answer; no sources to show.\n'));
    return problems;
  }
  if (opts.sources === 'cited' && result.cited.length === 0 && !ctx.quiet) {
    io.stderr.write(`${errStyle.yellow('warning:')} the answer cites none of the passages; --sources all lists what it was given\n`);
  }
  const root = ctx.index.home.rootOf(index.manifest.root, ctx.io.cwd);
  io.stdout.write(renderSources(sourcesToShow(result, opts.sources), style, (p) => userPath(root, io.cwd, p)));
  if (ctx.verbose) {
    const t = result.timings;
    io.stderr.write(`retrieval ${t.retrieveMs}ms · generation ${t.generateMs}ms · num_ctx ${result.numCtx} · prompt ~${result.promptTokensEstimated} tokens\n`);
  }
  return problems;
}

/** Opens the index and starts retrieving, so that choosing the chat host overlaps it. */
async function startRetrieval(ctx: Context, opts: AskCommandOptions, question: string): Promise<{ index: OpenIndex; retrieval: Promise<Retrieval> }> {
  const formats = opts.types?.length ? new Set(opts.types) : undefined;
  const { index, vector } = await openForQuery(ctx.index.home, ctx.index.exists, formats, ctx.hosts(), question);
  const retrieval = retrieveWithVector(index, question, vector, { topK: ctx.settings.topK });
  // Awaited by askQuestion once a chat host is chosen; a failure before that is the one reported.
  retrieval.catch(() => undefined);
  return { index, retrieval };
}

async function questionFromStdin(io: Context['io']): Promise<string> {
  const text = (await readAllText(io.stdin)).trim();
  if (!text) throw new RagError('usage', "No question on stdin for 'rag ask -'", 'pipe one in, e.g. echo "how do I install it?" | rag ask -');
  return text;
}

/** --require-citation: an answer not grounded in a cited passage fails the check (exit 6). */
function groundingProblems(result: AskResult): RagError[] {
  if (result.found && result.cited.length > 0) return [];
  const why = result.found ? 'it cites none of the passages it was given' : 'the documents do not seem to contain it';
  return [new RagError('not-grounded', `The answer is not grounded: ${why}`, 'rephrase the question, check the index with rag search, or drop --require-citation')];
}
