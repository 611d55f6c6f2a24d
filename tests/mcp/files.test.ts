/**
 * The get tool's pure parts: the path forms an agent may send, the line slicing with its
 * caps, and the one-line description of bad arguments.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as z from 'zod';
import { GET_MAX_CHARS, GET_MAX_LINES, indexedPathOf, sliceLines } from '../../src/mcp/files.js';
import { describeIssues } from '../../src/mcp/server.js';
import { RagError } from '../../src/errors.js';

describe('indexedPathOf', () => {
  const cases: Array<[string, string]> = [
    ['docs/a.md', 'docs/a.md'],
    ['./docs/a.md', 'docs/a.md'],
    ['././docs/a.md', 'docs/a.md'],
    ['docs\\a.md', 'docs/a.md'],
    ['  docs/a.md ', 'docs/a.md'],
    // Left as they are, so they match no indexed path.
    ['../a.md', '../a.md'],
    ['/etc/passwd', '/etc/passwd'],
  ];
  for (const [sent, expected] of cases) it(`'${sent}' -> '${expected}'`, () => assert.equal(indexedPathOf(sent), expected));
});

describe('sliceLines', () => {
  const text = 'one\ntwo\nthree\nfour\n';

  it('the whole file by default, without the final newline as an extra line', () => {
    assert.deepEqual(sliceLines('a.md', text), { path: 'a.md', start_line: 1, end_line: 4, total_lines: 4, truncated: false, text: 'one\ntwo\nthree\nfour' });
  });

  it('a range, and an end past the last line is clamped', () => {
    assert.equal(sliceLines('a.md', text, 2, 3).text, 'two\nthree');
    assert.deepEqual([sliceLines('a.md', text, 3, 99).end_line, sliceLines('a.md', text, 3, 99).truncated], [4, false]);
  });

  it('a start past the end, or an end before the start, is a usage error', () => {
    assert.throws(() => sliceLines('a.md', text, 5), (err: unknown) => err instanceof RagError && err.exitCode === 2 && /past the end/.test(err.message));
    assert.throws(() => sliceLines('a.md', text, 3, 2), /before start_line/);
  });

  it(`stops at ${GET_MAX_LINES} lines and says so`, () => {
    const many = Array.from({ length: GET_MAX_LINES + 10 }, (_, i) => `line ${i + 1}`).join('\n');
    const slice = sliceLines('big.txt', many);
    assert.deepEqual([slice.end_line, slice.truncated, slice.total_lines], [GET_MAX_LINES, true, GET_MAX_LINES + 10]);
    assert.equal(sliceLines('big.txt', many, GET_MAX_LINES + 1).text.split('\n')[0], `line ${GET_MAX_LINES + 1}`);
  });

  it(`stops before ${GET_MAX_CHARS} characters, and cuts a single longer line inside`, () => {
    const wide = Array.from({ length: 30 }, () => 'x'.repeat(10_000)).join('\n');
    const slice = sliceLines('wide.txt', wide);
    assert.ok(slice.truncated && slice.text.length <= GET_MAX_CHARS && slice.end_line < 30);
    const huge = sliceLines('one-line.txt', 'y'.repeat(GET_MAX_CHARS * 2));
    assert.equal(huge.text.length, GET_MAX_CHARS);
    assert.equal(huge.end_line, 1);
  });
});

describe('describeIssues', () => {
  const schema = z.strictObject({ query: z.string().min(1), k: z.number().int().optional() });
  const issues = (value: unknown) => {
    const parsed = schema.safeParse(value);
    assert.ok(!parsed.success);
    return describeIssues(parsed.error.issues);
  };

  it('names unknown parameters, and each bad one with what was expected', () => {
    assert.equal(issues({ query: 'x', limit: 3, top: 1 }), "unknown parameters 'limit', 'top'");
    assert.equal(issues({ query: 'x', k: 'ten' }), "'k': expected number, received string");
    assert.match(issues({}), /^'query': expected string, received undefined$/);
  });
});
