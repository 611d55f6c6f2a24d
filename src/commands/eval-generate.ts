/** `rag eval --generate N`: draft cases on stdout (JSONL), one per sampled passage. */
import type { Context } from '../context.js';
import { caseLine } from '../eval/cases.js';
import { GENERATE_SYSTEM_PROMPT, draftCase, generatePrompt, questionFromReply, samplePassages } from '../eval/generate.js';
import { DEFAULT_EVAL_SEED } from '../eval/run.js';
import { startProgress } from '../render/progress.js';
import { openIndex } from '../retrieve/retrieve.js';
import type { EvalCommandOptions } from './eval.js';

/** A question is one line: a short reply budget keeps a rambling model from running on. */
const QUESTION_TOKENS = 128;
const GENERATE_NUM_CTX = 4096;

export async function generateCases(n: number, opts: EvalCommandOptions, ctx: Context): Promise<void> {
  const { io, errStyle } = ctx;
  const index = await openIndex(ctx.index.home, ctx.index.exists);
  const model = ctx.settings.chatModel;
  const ollama = ctx.ollama();
  const info = await ollama.requireModel(model, 'completion', { pull: opts.pull });
  const seed = opts.seed ?? DEFAULT_EVAL_SEED;
  const ids = samplePassages(await index.store.passageIds(), n, seed);
  const passages = await index.store.passagesByIds(ids);
  const progress = await startProgress(io, { enabled: !ctx.quiet, text: `Drafting 0/${passages.length} questions with ${model}…` });
  let written = 0;
  try {
    for (const p of passages) {
      const reply = await ollama.chat({
        model,
        messages: [
          { role: 'system', content: GENERATE_SYSTEM_PROMPT },
          { role: 'user', content: generatePrompt(p) },
        ],
        numCtx: Math.min(info.contextLength ?? GENERATE_NUM_CTX, GENERATE_NUM_CTX),
        temperature: opts.temperature ?? 0,
        seed,
        numPredict: QUESTION_TOKENS,
      });
      const question = questionFromReply(reply);
      if (question === undefined) {
        io.stderr.write(`${errStyle.yellow('warning:')} no question came back for ${p.path}:${p.startLine}-${p.endLine}; skipped\n`);
      } else {
        io.stdout.write(`${caseLine(draftCase(p, question))}\n`);
        written++;
      }
      progress.update(`Drafting ${written}/${passages.length} questions with ${model}…`);
    }
  } finally {
    progress.stop();
  }
  if (!ctx.quiet) {
    io.stderr.write(`Drafted ${written} case(s) from ${passages.length} passage(s): review them by hand before relying on them.\n`);
  }
}
