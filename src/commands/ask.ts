/** `rag ask`: retrieve, generate with citations, render the answer and its sources. */
import { askQuestion, type AskResult } from '../answer/answer.js';
import { envValue, pick, type Context } from '../context.js';
import { DEFAULTS } from '../defaults.js';
import { RagError } from '../errors.js';
import { writeJson } from '../render/json.js';
import { startProgress } from '../render/progress.js';
import { location, renderSources, sourcesToShow } from '../render/text.js';
import { openIndex } from '../retrieve/retrieve.js';

export interface AskCommandOptions {
  question: string;
  model?: string;
  topK?: number;
  stream: boolean;
  temperature: number;
  seed?: number;
  numCtx?: number;
  sources: 'cited' | 'all' | 'none';
  pull: boolean;
  json: boolean;
}

export async function askCommand(opts: AskCommandOptions, ctx: Context): Promise<void> {
  const question = opts.question.trim();
  if (!question) throw new RagError('usage', 'The question is empty', 'ask something, e.g. rag ask "how do I install it?"');
  const { io, style, errStyle } = ctx;
  const index = await openIndex(ctx.index.dir, ctx.index.exists);
  const model = pick(opts.model, envValue(io, 'RAG_MODEL'), ctx.config.model, DEFAULTS.model);
  // The answer streams to stdout; JSON needs the whole answer first.
  const isStreaming = opts.stream && !opts.json;
  const progress = await startProgress(io, { enabled: !ctx.quiet && !opts.json, text: 'Searching…' });
  let wroteText = false;
  let endsWithNewline = true;
  let result: AskResult;
  try {
    result = await askQuestion(
      index,
      ctx.ollama(),
      {
        question, model, stream: isStreaming, temperature: opts.temperature, pull: opts.pull,
        topK: pick(opts.topK, undefined, ctx.config.topK, DEFAULTS.topK),
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
          io.stdout.write(text);
        },
      },
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
  if (result.droppedPassages > 0 && ctx.verbose) {
    io.stderr.write(`${result.droppedPassages} passage(s) did not fit in the context window (num_ctx ${result.numCtx})\n`);
  }

  if (opts.json) {
    writeJson(io, askJson(result));
    return;
  }
  if (!isStreaming) io.stdout.write(result.answer);
  io.stdout.write(result.answer.endsWith('\n') ? '' : '\n');
  if (!result.found) {
    if (!ctx.quiet) io.stderr.write(errStyle.dim('The indexed documents do not seem to contain the answer; no sources to show.\n'));
    return;
  }
  if (opts.sources === 'cited' && result.cited.length === 0 && !ctx.quiet) {
    io.stderr.write(`${errStyle.yellow('warning:')} the answer cites none of the passages; --sources all lists what it was given\n`);
  }
  io.stdout.write(renderSources(sourcesToShow(result, opts.sources), style));
  if (ctx.verbose) {
    const t = result.timings;
    io.stderr.write(`retrieval ${t.retrieveMs}ms · generation ${t.generateMs}ms · num_ctx ${result.numCtx} · prompt ~${result.promptTokensEstimated} tokens\n`);
  }
}

/** The `rag ask --json` document (README: "JSON output"). */
export function askJson(r: AskResult) {
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
      location: location(p.hit),
      heading: p.hit.heading,
      score: p.hit.score,
      cited: cited.has(p.n),
      text: p.hit.text,
    })),
    models: { chat: r.chatModel, embed: r.embedModel },
    num_ctx: r.numCtx,
    timings_ms: { retrieve: r.timings.retrieveMs, generate: r.timings.generateMs, total: r.timings.totalMs },
    tokens: { prompt: r.stats.promptTokens ?? null, answer: r.stats.answerTokens ?? null, prompt_estimated: r.promptTokensEstimated },
  };
}
