/**
 * `rag eval` for people: one row per case (✓/✗, rank, question, top source; for a
 * failure what was expected and why), a summary line, thresholds, and with --compare
 * two configurations side by side. Pure: data in, text out.
 */
import { expectedLabel, hitLabel } from '../eval/report.js';
import type { ThresholdCheck } from '../eval/metrics.js';
import type { CaseResult, EvalReport } from '../eval/run.js';
import { showControls } from './controls.js';
import { snippet } from './text.js';
import type { Style } from './style.js';

/** Case files, paths and model replies on one table line: control characters shown, tabs flattened. */
function visible(text: string): string {
  return showControls(text, { singleLine: true }).replace(/\t/g, ' ');
}

function pct(v: number | null): string {
  return v === null ? 'n/a' : `${(v * 100).toFixed(1)}%`;
}

function num(v: number | null): string {
  return v === null ? 'n/a' : v.toFixed(3);
}

function mark(r: CaseResult, style: Style): string {
  return r.pass ? style.green('✓') : style.red('✗');
}

function rankText(r: CaseResult): string {
  if (!r.case.answerable) return '–';
  return r.rank === null ? '-' : String(r.rank);
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

/** One row per case; failures get indented lines with the expectation and the reasons. */
export function renderEvalTable(report: EvalReport, style: Style, width: number): string {
  const questionWidth = Math.max(20, Math.min(60, Math.floor(width * 0.45)));
  const head = `${style.bold(`   ${pad('rank', 5)}${pad('question', questionWidth + 2)}top source`)}`;
  const rows = report.results.map((r) => {
    const top = r.hits[0] ? hitLabel(r.hits[0]) : '(nothing retrieved)';
    const q = pad(snippet(visible(r.case.question), questionWidth), questionWidth + 2);
    const line = `${mark(r, style)}  ${pad(rankText(r), 5)}${q}${style.cyan(visible(top))}`;
    if (r.pass) return line;
    const expected = r.case.expect.length > 0 ? r.case.expect.map(expectedLabel).join(', ') : 'a refusal, no sources';
    const detail = [`expected ${expected}`, ...r.problems];
    if (r.answer && !r.answer.verdict.pass) detail.push(`answer: ${snippet(r.answer.text, Math.max(40, width - 16))}`);
    return [line, ...detail.map((d) => style.dim(`         ${visible(d)}`))].join('\n');
  });
  return `${[head, ...rows].join('\n')}\n`;
}

/** `12/14 passed · hit@6 85.7% (file 92.9%) · MRR 0.774 · answers 83.3% · refusals 100.0% · 1.2s` */
export function evalSummaryLine(report: EvalReport): string {
  const passed = report.results.filter((r) => r.pass).length;
  const parts = [
    `${passed}/${report.results.length} passed`,
    `hit@${report.topK} ${pct(report.retrieval.hitRate)} (file ${pct(report.retrieval.fileHitRate)})`,
    `MRR ${num(report.retrieval.mrr)}`,
  ];
  if (report.answers) {
    const a = report.answers;
    parts.push(`answers ${pct(a.answerRate)}`, `refusals ${pct(a.refusalRate)}`, `false refusals ${a.falseRefusals}`, `citation precision ${pct(a.citationPrecision)}`);
  }
  const seconds = `${(report.elapsedMs / 1000).toFixed(1)}s`;
  const interrupted = report.interrupted ? ` (interrupted after ${report.results.length} of ${report.total} cases)` : '';
  return `${parts.join(' · ')} · ${seconds}${interrupted}`;
}

export function thresholdLines(checks: ThresholdCheck[], style: Style): string {
  return checks
    .map((c) => {
      const actual = c.actual === null ? 'n/a (no case it applies to)' : c.actual.toFixed(4).replace(/0+$/, '').replace(/\.$/, '');
      const verdict = c.met ? style.green('ok') : style.red('below threshold');
      return `${c.flag} ${c.min}: ${c.metric} ${actual} ${verdict}`;
    })
    .join('\n');
}

/** --compare: per case the rank (and answer verdict) under each configuration, and what changed. */
export function renderCompareTable(a: EvalReport, b: EvalReport, style: Style, width: number): string {
  const questionWidth = Math.max(20, Math.min(60, Math.floor(width * 0.5)));
  const colA = Math.max(6, a.label.length + 1);
  const colB = Math.max(6, b.label.length + 1);
  const head = style.bold(`${pad('question', questionWidth + 2)}${pad(a.label, colA + 1)}${pad(b.label, colB + 1)}change`);
  const byLine = new Map(b.results.map((r) => [r.case.line, r]));
  const rows = a.results.map((ra) => {
    const rb = byLine.get(ra.case.line);
    const cell = (r: CaseResult | undefined) => (r === undefined ? '?' : `${r.pass ? '✓' : '✗'} ${rankText(r)}`);
    const change = rb === undefined ? '' : changeOf(ra, rb, style);
    return `${pad(snippet(visible(ra.case.question), questionWidth), questionWidth + 2)}${pad(cell(ra), colA + 1)}${pad(cell(rb), colB + 1)}${change}`.trimEnd();
  });
  return `${[head, ...rows].join('\n')}\n`;
}

function changeOf(a: CaseResult, b: CaseResult, style: Style): string {
  if (a.pass !== b.pass) return b.pass ? style.green('fixed') : style.red('broken');
  if (a.rank === b.rank) return '';
  if (a.rank === null) return style.green('better');
  if (b.rank === null) return style.red('worse');
  return b.rank < a.rank ? style.green('better') : style.red('worse');
}
