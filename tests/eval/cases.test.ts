import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { caseLine, parseCaseLine, parseCases } from '../../src/eval/cases.js';
import { Exit, RagError } from '../../src/errors.js';

describe('parseCaseLine accepts the documented forms', () => {
  const good: Array<[string, string, object]> = [
    ['a question and a file', '{"question":"How?","expect":[{"path":"docs/a.md"}]}', { question: 'How?', expect: [{ path: 'docs/a.md' }], answerable: true, mustInclude: [] }],
    ['a line number as a number', '{"question":"q","expect":[{"path":"a.md","lines":12}]}', { expect: [{ path: 'a.md', lines: { start: 12, end: 12 } }] }],
    ['a range as a string', '{"question":"q","expect":[{"path":"a.md","lines":"12-30"}]}', { expect: [{ path: 'a.md', lines: { start: 12, end: 30 } }] }],
    ['a range as a pair', '{"question":"q","expect":[{"path":"a.md","lines":[3,4]}]}', { expect: [{ path: 'a.md', lines: { start: 3, end: 4 } }] }],
    ['a page and a text', '{"question":"q","expect":[{"path":"a.pdf","page":7,"contains":"rotate"}]}', { expect: [{ path: 'a.pdf', page: 7, contains: 'rotate' }] }],
    ['a bare path, ./ and backslashes normalised', '{"question":"q","expect":[".\\\\docs\\\\a.md"]}', { expect: [{ path: 'docs/a.md' }] }],
    ['answerable false', '{"question":"q","answerable":false}', { expect: [], answerable: false }],
    ['an empty expect means unanswerable', '{"question":"q","expect":[]}', { answerable: false }],
    ['must_include as one string', '{"question":"q","expect":["a.md"],"must_include":"11434"}', { mustInclude: ['11434'] }],
    ['an id, trimmed', '{"id":" port ","question":" q ","expect":["a.md"]}', { id: 'port', question: 'q' }],
  ];
  for (const [title, line, expected] of good) {
    it(title, () => {
      const parsed = parseCaseLine(line, 'cases.jsonl', 3);
      for (const [key, value] of Object.entries(expected)) assert.deepEqual((parsed as unknown as Record<string, unknown>)[key], value, key);
      assert.equal(parsed.line, 3);
    });
  }
});

describe('parseCaseLine rejects a bad line naming file, line and field (exit 2)', () => {
  const bad: Array<[string, string, RegExp]> = [
    ['not JSON', '{"question":', /^cases\.jsonl:7: is not valid JSON/],
    ['not an object', '["q"]', /^cases\.jsonl:7: must be a JSON object/],
    ['no question', '{"expect":["a.md"]}', /field 'question' must be a non-empty string/],
    ['an empty question', '{"question":"  "}', /field 'question'/],
    ['an unknown field (a typo)', '{"question":"q","expects":["a.md"]}', /field 'expects' is unknown/],
    ['expect not a list', '{"question":"q","expect":"a.md"}', /field 'expect' must be a list/],
    ['an expectation without a path', '{"question":"q","expect":[{"lines":3}]}', /field 'expect\[0\]\.path'/],
    ['an unknown expectation field', '{"question":"q","expect":[{"path":"a.md","line":3}]}', /field 'expect\[0\]\.line' is unknown/],
    ['a backwards range', '{"question":"q","expect":[{"path":"a.md","lines":"9-3"}]}', /field 'expect\[0\]\.lines' must be a line or range/],
    ['line 0', '{"question":"q","expect":[{"path":"a.md","lines":0}]}', /field 'expect\[0\]\.lines'/],
    ['a page that is not a whole number', '{"question":"q","expect":[{"path":"a.pdf","page":1.5}]}', /field 'expect\[0\]\.page'/],
    ['an empty contains', '{"question":"q","expect":[{"path":"a.md","contains":""}]}', /field 'expect\[0\]\.contains'/],
    ['answerable true without expect', '{"question":"q","answerable":true}', /field 'expect' is empty, but answerable is true/],
    ['answerable false with expect', '{"question":"q","answerable":false,"expect":["a.md"]}', /field 'expect' must be empty when answerable is false/],
    ['answerable not a boolean', '{"question":"q","answerable":"no"}', /field 'answerable' must be true or false/],
    ['must_include with an empty string', '{"question":"q","expect":["a.md"],"must_include":[""]}', /field 'must_include'/],
    ['must_include on an unanswerable case', '{"question":"q","must_include":["x"]}', /field 'must_include' only applies/],
  ];
  for (const [title, line, pattern] of bad) {
    it(title, () => {
      assert.throws(() => parseCaseLine(line, 'cases.jsonl', 7), (err: unknown) => {
        assert.ok(err instanceof RagError);
        assert.equal(err.exitCode, Exit.usage);
        assert.match(err.message, /^cases\.jsonl:7: /);
        assert.match(err.message, pattern);
        return true;
      });
    });
  }
});

describe('parseCases', () => {
  it('skips blank lines and numbers cases by their line in the file', () => {
    const cases = parseCases('\uFEFF{"question":"a","expect":["x.md"]}\r\n\n{"question":"b"}\n', 'c.jsonl');
    assert.deepEqual(cases.map((c) => [c.line, c.question, c.answerable]), [[1, 'a', true], [3, 'b', false]]);
  });

  it('names the line of the first bad case', () => {
    assert.throws(() => parseCases('{"question":"a"}\n\n{"question":1}\n', 'c.jsonl'), /c\.jsonl:3: field 'question'/);
  });

  it('refuses a file without cases', () => {
    assert.throws(() => parseCases('\n  \n', 'c.jsonl'), /c\.jsonl holds no cases/);
  });

  it('caseLine writes what parseCaseLine reads back', () => {
    const c = { id: 'k', question: 'How?', expect: [{ path: 'a.md', lines: { start: 2, end: 9 } }, { path: 'b.pdf', page: 3, contains: 'x' }], answerable: true, mustInclude: ['y'] };
    const back = parseCaseLine(caseLine(c), 'f', 1);
    assert.deepEqual({ ...back, line: undefined }, { ...c, line: undefined });
    assert.deepEqual(parseCaseLine(caseLine({ question: 'q', expect: [], answerable: false, mustInclude: [] }), 'f', 1).answerable, false);
  });
});
