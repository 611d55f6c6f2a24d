/** Labels for expected and retrieved passages, and the JUnit suites built from EvalReports. Pure. */
import type { Hit } from '../types.js';
import type { ExpectedPassage } from './cases.js';
import type { JunitCase, JunitSuite } from './junit.js';
import { round4 } from './metrics.js';
import type { CaseResult, EvalReport } from './run.js';

export function expectedLabel(e: ExpectedPassage): string {
  const lines = e.lines ? (e.lines.start === e.lines.end ? `:${e.lines.start}` : `:${e.lines.start}-${e.lines.end}`) : '';
  const page = e.page !== undefined ? ` p. ${e.page}` : '';
  const contains = e.contains !== undefined ? ` containing ${JSON.stringify(e.contains)}` : '';
  return `${e.path}${lines}${page}${contains}`;
}

export function hitLabel(h: Pick<Hit, 'path' | 'startLine' | 'endLine'>): string {
  return h.startLine === h.endLine ? `${h.path}:${h.startLine}` : `${h.path}:${h.startLine}-${h.endLine}`;
}

/** A case's name in JUnit reports: its question, after its id when it has one. */
export function caseName(r: CaseResult): string {
  return r.case.id === undefined ? r.case.question : `${r.case.id}: ${r.case.question}`;
}

function failureDetails(r: CaseResult): string {
  const lines = [
    ...r.problems,
    `expected: ${r.case.expect.length > 0 ? r.case.expect.map(expectedLabel).join(', ') : '(no passage: the documents do not answer this)'}`,
    `retrieved: ${r.hits.length > 0 ? r.hits.map((h, i) => `${i + 1}. ${hitLabel(h)}`).join(', ') : '(nothing)'}`,
  ];
  if (r.answer) lines.push(`answer: ${r.answer.text}`);
  return lines.join('\n');
}

export function junitSuite(r: EvalReport): JunitSuite {
  const cases: JunitCase[] = r.results.map((c) => ({
    name: caseName(c),
    classname: `rag eval.${r.label}`,
    timeMs: c.timeMs,
    ...(c.pass ? {} : { failure: { message: c.problems.join('; '), details: failureDetails(c) } }),
    ...(c.answer ? { output: c.answer.text } : {}),
  }));
  const properties: Record<string, string> = { top_k: String(r.topK), embed_model: r.embedModel };
  if (r.chatModel) properties.chat_model = r.chatModel;
  if (r.retrieval.hitRate !== null) properties.hit_rate = String(round4(r.retrieval.hitRate));
  if (r.retrieval.mrr !== null) properties.mrr = String(round4(r.retrieval.mrr));
  return { name: `rag eval (${r.label})`, timeMs: r.elapsedMs, cases, properties };
}
