import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scoreCase, type EvalReport } from '../../src/eval/run.js';
import { evalSummaryLine, renderCompareTable, renderEvalTable } from '../../src/render/eval.js';
import { createStyle } from '../../src/render/style.js';
import type { Hit } from '../../src/types.js';

const plain = createStyle(false);
const hit = (path: string, startLine: number, endLine: number): Hit => ({ id: `${path}:${startLine}`, path, startLine, endLine, heading: '', text: 'x', score: 1 });

function report(label: string, topK: number, hits: Hit[]): EvalReport {
  const cases = [
    { line: 1, question: 'Where is \u001b[31mred\u001b[0m?', expect: [{ path: 'a.md', lines: { start: 5, end: 5 } }], answerable: true, mustInclude: [] },
    { line: 2, question: 'Unanswerable?', expect: [], answerable: false, mustInclude: [] },
  ];
  const results = cases.map((c) => scoreCase(c, hits, undefined, { topK, timeMs: 1 }));
  return {
    label, topK, embedModel: 'm', total: 2, results, interrupted: false, elapsedMs: 1500,
    retrieval: { cases: 1, hitRate: results[0]!.rank === null ? 0 : 1, fileHitRate: 1, mrr: results[0]!.rank === null ? 0 : 1 / results[0]!.rank },
  };
}

describe('rag eval text output', () => {
  it('shows control characters from case files escaped', () => {
    const table = renderEvalTable(report('k=6', 6, [hit('docs/a.md', 1, 9)]), plain, 100);
    assert.doesNotMatch(table, /\u001b/);
    assert.match(table, /Where is \^\[\[31mred/);
  });

  it('a failed row says what was expected and why; unanswerable rows show – as rank', () => {
    const table = renderEvalTable(report('k=1', 1, [hit('docs/b.md', 1, 9)]), plain, 100);
    assert.match(table, /^✗ {2}- {4}Where is .* docs\/b\.md:1-9\n {9}expected a\.md:5\n {9}no expected passage in the top 1$/m);
    assert.match(table, /^✓ {2}– {4}Unanswerable\?/m);
  });

  it('the summary line names k, hit rates, MRR and the time', () => {
    assert.equal(evalSummaryLine(report('k=6', 6, [hit('b.md', 1, 2), hit('docs/a.md', 1, 9)])), '2/2 passed · hit@6 100.0% (file 100.0%) · MRR 0.500 · 1.5s');
  });

  it('--compare marks a case that passes under one configuration only', () => {
    const table = renderCompareTable(report('k=6', 6, [hit('b.md', 1, 2), hit('a.md', 1, 9)]), report('k=1', 1, [hit('b.md', 1, 2)]), plain, 100);
    assert.match(table, /^question +k=6 +k=1 +change$/m);
    assert.match(table, /✓ 2 +✗ - +broken$/m);
  });
});
