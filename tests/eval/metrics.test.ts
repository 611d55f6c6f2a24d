import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Exit } from '../../src/errors.js';
import {
  answerTotals, checkThresholds, firstRank, judgeAnswer, passageMatches, pathMatches, retrievalTotals, thresholdExit, type PassageRef,
} from '../../src/eval/metrics.js';

const p = (path: string, startLine: number, endLine: number, text = ''): PassageRef => ({ path, startLine, endLine, text });

describe('matching a retrieved passage to an expected one', () => {
  const cases: Array<[string, boolean]> = [
    ['docs/a.md', true],
    ['a.md', true],
    ['s/a.md', false],
    ['docs/b.md', false],
  ];
  for (const [expected, match] of cases) {
    it(`path '${expected}' ${match ? 'matches' : 'does not match'} docs/a.md`, () => assert.equal(pathMatches(expected, 'docs/a.md'), match));
  }
  it('lines match when the ranges overlap, at either edge', () => {
    assert.equal(passageMatches({ path: 'a.md', lines: { start: 10, end: 12 } }, p('a.md', 12, 20)), true);
    assert.equal(passageMatches({ path: 'a.md', lines: { start: 21, end: 30 } }, p('a.md', 12, 20)), false);
    assert.equal(passageMatches({ path: 'a.md', lines: { start: 1, end: 11 } }, p('a.md', 12, 20)), false);
  });
  it('contains ignores case and runs of whitespace', () => {
    assert.equal(passageMatches({ path: 'a.md', contains: 'Rotate  the\nkeys' }, p('a.md', 1, 2, 'To rotate the keys, run')), true);
    assert.equal(passageMatches({ path: 'a.md', contains: 'revoke' }, p('a.md', 1, 2, 'To rotate the keys')), false);
  });
  it('a page needs a passage that knows its pages', () => {
    assert.equal(passageMatches({ path: 'a.pdf', page: 3 }, p('a.pdf', 1, 9)), false);
    assert.equal(passageMatches({ path: 'a.pdf', page: 3 }, { ...p('a.pdf', 1, 9), startPage: 2, endPage: 4 }), true);
    assert.equal(passageMatches({ path: 'a.pdf', page: 5 }, { ...p('a.pdf', 1, 9), startPage: 2, endPage: 4 }), false);
  });
});

describe('ranks, hit rate and MRR (hand-computed)', () => {
  const hits = [p('b.md', 1, 5), p('a.md', 1, 10), p('a.md', 20, 30)];
  it('the rank is 1-based, of the first passage matching any expectation', () => {
    assert.equal(firstRank([{ path: 'a.md', lines: { start: 25, end: 25 } }], hits), 3);
    assert.equal(firstRank([{ path: 'a.md', lines: { start: 25, end: 25 } }], hits, true), 2);
    assert.equal(firstRank([{ path: 'c.md' }, { path: 'b.md' }], hits), 1);
    assert.equal(firstRank([{ path: 'c.md' }], hits), null);
  });
  it('ranks 1, 3, miss, 2 give hit rate 3/4 and MRR (1 + 1/3 + 0 + 1/2) / 4', () => {
    const t = retrievalTotals([
      { rank: 1, fileRank: 1 },
      { rank: 3, fileRank: 1 },
      { rank: null, fileRank: 2 },
      { rank: 2, fileRank: 2 },
    ]);
    assert.equal(t.cases, 4);
    assert.equal(t.hitRate, 0.75);
    assert.equal(t.fileHitRate, 1);
    assert.ok(Math.abs((t.mrr ?? 0) - (1 + 1 / 3 + 0.5) / 4) < 1e-12);
  });
  it('no answerable case: every rate is n/a, not 0 or NaN', () => {
    assert.deepEqual(retrievalTotals([]), { cases: 0, hitRate: null, fileHitRate: null, mrr: null });
  });
});

describe('judging answers', () => {
  const answerable = { expect: [{ path: 'a.md' }], mustInclude: ['11434'], answerable: true };
  const unanswerable = { expect: [], mustInclude: [], answerable: false };
  it('passes an answer citing an expected passage and holding must_include', () => {
    const v = judgeAnswer(answerable, { answer: 'Port 11434 [1].', found: true, cited: [p('a.md', 1, 2)], invalid: [] });
    assert.deepEqual([v.pass, v.problems, v.citedExpected, v.citedTotal], [true, [], 1, 1]);
  });
  const failing: Array<[string, Parameters<typeof judgeAnswer>[1], RegExp]> = [
    ['a refusal', { answer: 'not found', found: false, cited: [], invalid: [] }, /refused an answerable question/],
    ['citing nothing', { answer: '11434', found: true, cited: [], invalid: [] }, /cites no passage/],
    ['citing only other files', { answer: '11434 [1]', found: true, cited: [p('b.md', 1, 2)], invalid: [] }, /none of the expected/],
    ['a missing must_include', { answer: 'It is a port [1]', found: true, cited: [p('a.md', 1, 2)], invalid: [] }, /lacks "11434"/],
    ['an invalid marker', { answer: '11434 [1][9]', found: true, cited: [p('a.md', 1, 2)], invalid: [9] }, /\[9\]/],
  ];
  for (const [title, outcome, pattern] of failing) {
    it(`fails ${title}`, () => {
      const v = judgeAnswer(answerable, outcome);
      assert.equal(v.pass, false);
      assert.match(v.problems.join('; '), pattern);
    });
  }
  it('an unanswerable case passes only when refused', () => {
    assert.equal(judgeAnswer(unanswerable, { answer: 'not found', found: false, cited: [], invalid: [] }).pass, true);
    assert.match(judgeAnswer(unanswerable, { answer: 'x [1]', found: true, cited: [p('a.md', 1, 2)], invalid: [] }).problems.join(), /answered a question/);
  });
  it('totals: answer rate, refusal rate, false refusals, citation precision', () => {
    const ok = judgeAnswer(answerable, { answer: '11434 [1][2]', found: true, cited: [p('a.md', 1, 2), p('b.md', 1, 2)], invalid: [] });
    const refused = judgeAnswer(answerable, { answer: 'no', found: false, cited: [], invalid: [] });
    const right = judgeAnswer(unanswerable, { answer: 'no', found: false, cited: [], invalid: [] });
    const wrong = judgeAnswer(unanswerable, { answer: 'x [1]', found: true, cited: [p('a.md', 1, 2)], invalid: [] });
    const t = answerTotals([
      { answerable: true, verdict: ok },
      { answerable: true, verdict: refused },
      { answerable: false, verdict: right },
      { answerable: false, verdict: wrong },
      { answerable: false, verdict: right },
    ]);
    assert.deepEqual(t, { answerable: 2, unanswerable: 3, answerRate: 0.5, refusalRate: 2 / 3, falseRefusals: 1, falseRefusalRate: 0.5, citationPrecision: 0.5 });
  });
});

describe('thresholds decide the exit code', () => {
  const retrieval = { cases: 3, hitRate: 2 / 3, fileHitRate: 1, mrr: 0.5 };
  const answers = { answerable: 3, unanswerable: 0, answerRate: 1, refusalRate: null, falseRefusals: 0, falseRefusalRate: 0, citationPrecision: 1 };
  const table: Array<[string, Parameters<typeof checkThresholds>[0], number]> = [
    ['no thresholds: 0', {}, Exit.ok],
    ['recall met exactly (rounded to 4 places): 0', { minRecall: 0.6667 }, Exit.ok],
    ['recall below: 6', { minRecall: 0.7 }, Exit.checks],
    ['MRR met: 0', { minMrr: 0.5 }, Exit.ok],
    ['MRR below: 6', { minMrr: 0.51 }, Exit.checks],
    ['answer rate met: 0', { minAnswerRate: 1 }, Exit.ok],
    ['refusal with no unanswerable case is not met: 6', { minRefusal: 0 }, Exit.checks],
    ['one of several below: 6', { minRecall: 0.5, minMrr: 0.9 }, Exit.checks],
  ];
  for (const [title, thresholds, code] of table) {
    it(title, () => assert.equal(thresholdExit(checkThresholds(thresholds, retrieval, answers)), code));
  }
  it('exit code 6 is named in JSON errors', async () => {
    const { exitCodeName } = await import('../../src/errors.js');
    assert.equal(Exit.checks, 6);
    assert.equal(exitCodeName[6], 'checks_below_threshold');
  });
});
