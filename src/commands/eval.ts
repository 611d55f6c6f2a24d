/** `rag eval`: known-answer checks over the index; thresholds gate CI with exit code 6. */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Context } from '../context.js';
import { RagError } from '../errors.js';
import { parseCases, type EvalCase } from '../eval/cases.js';
import { junitXml } from '../eval/junit.js';
import { checkThresholds, type ThresholdCheck, type Thresholds } from '../eval/metrics.js';
import { junitSuite } from '../eval/report.js';
import { DEFAULT_EVAL_SEED, runEval, type AnswerSettings, type EvalReport } from '../eval/run.js';
import { evalJson, writeJson } from '../render/json.js';
import { evalSummaryLine, renderCompareTable, renderEvalTable, thresholdLines } from '../render/eval.js';
import { startProgress } from '../render/progress.js';
import { openIndex, type OpenIndex } from '../retrieve/retrieve.js';
import { readManifest } from '../store/manifest.js';

export const CASES_FILE = 'rag-eval.jsonl';

export interface EvalCommandOptions {
  /** Default: rag-eval.jsonl at the index root. */
  casesFile?: string;
  answers: boolean;
  temperature?: number;
  seed?: number;
  numCtx?: number;
  pull: boolean;
  json: boolean;
  junit?: string;
  thresholds: Thresholds;
  /** A second configuration: a whole number is another -k, anything else another index folder. */
  compare?: string;
  /** Draft this many cases instead of running any. */
  generate?: number;
}

interface Config {
  label: string;
  index: OpenIndex;
  topK: number;
}

/** Runs the cases and prints the report; what failed (thresholds, an interruption) comes back as problems. */
export async function evalCommand(opts: EvalCommandOptions, ctx: Context): Promise<RagError[]> {
  if (opts.generate !== undefined) {
    const { generateCases } = await import('./eval-generate.js');
    await generateCases(opts.generate, opts, ctx);
    return [];
  }
  if (!opts.answers && (opts.thresholds.minAnswerRate !== undefined || opts.thresholds.minRefusal !== undefined)) {
    throw new RagError('usage', '--min-answer-rate and --min-refusal check answers', 'add --answers (it needs the chat model)');
  }
  const { io } = ctx;
  const index = await openIndex(ctx.index.home, ctx.index.exists);
  const file = casesPath(opts.casesFile, ctx, index);
  const cases = readCases(file);
  const configs = await configurations(opts, ctx, index);
  const answers = opts.answers ? await answerSettings(opts, ctx) : undefined;

  const total = cases.length * configs.length;
  const progress = await startProgress(io, { enabled: !ctx.quiet && !opts.json, text: `Evaluating 0/${total} cases…` });
  const reports: EvalReport[] = [];
  try {
    for (const [n, c] of configs.entries()) {
      reports.push(await runEval(c.index, ctx.hosts(), cases, { label: c.label, topK: c.topK, ...(answers ? { answers } : {}) }, {
        now: io.now,
        signal: ctx.signal,
        onCase: (done) => progress.update(`Evaluating ${n * cases.length + done}/${total} cases…`),
      }));
      if (ctx.signal.aborted) break;
    }
  } finally {
    progress.stop();
  }

  const checks = reports.flatMap((r) => checkThresholds(opts.thresholds, r.retrieval, r.answers).map((c) => (reports.length > 1 || configs.length > 1 ? { ...c, metric: `${r.label}: ${c.metric}` } : c)));
  const shown = path.relative(io.cwd, file) || file;
  if (opts.json) writeJson(io, evalJson(shown, reports, checks));
  else io.stdout.write(renderText(reports, checks, ctx));
  if (opts.junit) writeJunit(path.resolve(io.cwd, opts.junit), reports);
  return outcome(reports, checks, total, ctx);
}

/**
 * What went wrong, once the report is out: an interruption (130) or thresholds not met
 * (6). main.ts prints each as one stderr line; stdout keeps the one report.
 */
function outcome(reports: EvalReport[], checks: ThresholdCheck[], total: number, ctx: Context): RagError[] {
  if (ctx.signal.aborted || reports.some((r) => r.interrupted)) {
    const done = reports.reduce((n, r) => n + r.results.length, 0);
    return [new RagError('interrupted', `Interrupted after ${done} of ${total} cases`, 'the summary covers the cases that finished')];
  }
  const failed = checks.filter((c) => !c.met);
  if (failed.length === 0) return [];
  const list = failed.map((c) => `${c.metric} ${c.actual === null ? 'n/a' : c.actual.toFixed(3)} < ${c.min} (${c.flag})`).join(', ');
  return [new RagError('below-threshold', `Checks below threshold: ${list}`, 'see the failed cases in the report')];
}

function renderText(reports: EvalReport[], checks: ThresholdCheck[], ctx: Context): string {
  const width = Number(ctx.io.env.COLUMNS) || 100;
  const parts: string[] = [];
  if (reports.length === 2) {
    parts.push(renderCompareTable(reports[0]!, reports[1]!, ctx.style, width), '\n');
    for (const r of reports) parts.push(`${r.label}: ${evalSummaryLine(r)}\n`);
  } else {
    for (const r of reports) parts.push(renderEvalTable(r, ctx.style, width), `\n${evalSummaryLine(r)}\n`);
  }
  if (checks.length > 0) parts.push(`${thresholdLines(checks, ctx.style)}\n`);
  return parts.join('');
}

function casesPath(flag: string | undefined, ctx: Context, index: OpenIndex): string {
  if (flag) return path.resolve(ctx.io.cwd, flag);
  return path.join(ctx.index.home.rootOf(index.manifest.root, ctx.io.cwd), CASES_FILE);
}

function readCases(file: string): EvalCase[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const hint = code === 'ENOENT' ? `write one (README: "Eval cases"), draft one with 'rag eval --generate 20 > ${CASES_FILE}', or name a file` : 'check the path and its permissions';
    throw new RagError('usage', `Cannot read the cases file ${file}${code === 'ENOENT' ? '' : `: ${(err as Error).message}`}`, hint, { cause: err });
  }
  return parseCases(text, file);
}

async function configurations(opts: EvalCommandOptions, ctx: Context, index: OpenIndex): Promise<Config[]> {
  const topK = ctx.settings.topK;
  if (opts.compare === undefined) return [{ label: `k=${topK}`, index, topK }];
  const value = opts.compare.trim();
  if (/^\d+$/.test(value)) {
    const other = Number(value);
    if (other < 1 || other > 100) throw new RagError('usage', `--compare ${value}: -k must be from 1 to 100`, 'pass another -k value or an index folder');
    return [{ label: `k=${topK}`, index, topK }, { label: `k=${other}`, index, topK: other }];
  }
  const dir = path.resolve(ctx.io.cwd, value);
  if (!(await readManifest(dir))) {
    throw new RagError('index-missing', `--compare ${value}: no index at ${dir}`, 'pass an index folder (like .rag) or a whole number for another -k');
  }
  const other = await openIndex(dir, true);
  const label = (d: string) => path.relative(ctx.io.cwd, d) || d;
  return [{ label: label(ctx.index.dir), index, topK }, { label: label(dir), index: other, topK }];
}

async function answerSettings(opts: EvalCommandOptions, ctx: Context): Promise<AnswerSettings> {
  const model = ctx.settings.chatModel;
  const client = await ctx.hosts().chatClient(model);
  const info = await client.requireModel(model, 'completion', { pull: opts.pull });
  return {
    model, info, client,
    temperature: opts.temperature ?? 0,
    seed: opts.seed ?? DEFAULT_EVAL_SEED,
    ...(opts.numCtx !== undefined ? { numCtx: opts.numCtx } : {}),
  };
}

function writeJunit(file: string, reports: EvalReport[]): void {
  try {
    writeFileSync(file, junitXml(reports.map(junitSuite)));
  } catch (err) {
    throw new RagError('usage', `Cannot write the JUnit report ${file}: ${(err as Error).message}`, 'check that its folder exists and is writable', { cause: err });
  }
}
