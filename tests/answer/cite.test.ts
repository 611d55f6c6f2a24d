import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { isNotFoundAnswer, parseCitations } from '../../src/answer/cite.js';
import { NOT_FOUND_PHRASE } from '../../src/answer/prompt.js';

describe('parseCitations', () => {
  const cases: { name: string; answer: string; passages?: number; cited: number[]; invalid?: number[] }[] = [
    { name: 'single marker', answer: 'The port is 11434 [1].', cited: [1] },
    { name: 'comma list with space', answer: 'Both say so [2, 3].', cited: [2, 3] },
    { name: 'comma list without space', answer: 'Both say so [2,3].', cited: [2, 3] },
    { name: 'semicolon list', answer: 'Both say so [2; 3].', cited: [2, 3] },
    { name: 'adjacent markers', answer: 'Both say so [2][3].', cited: [2, 3] },
    { name: 'range', answer: 'All agree [2-4].', cited: [2, 3, 4] },
    { name: 'en-dash range with spaces', answer: 'All agree [2 – 4].', cited: [2, 3, 4] },
    { name: 'reversed range', answer: 'All agree [4-2].', cited: [2, 3, 4] },
    { name: 'footnote style', answer: 'It is fast.[^2]', cited: [2] },
    { name: 'full-width brackets', answer: '默认端口是11434【1】。', cited: [1] },
    { name: 'padded marker', answer: 'Yes [ 1 ].', cited: [1] },
    { name: 'order of first appearance, duplicates once', answer: 'A [3]. B [1][3]. C [1, 3].', cited: [3, 1] },
    { name: 'zero is invalid', answer: 'See [0].', cited: [], invalid: [0] },
    { name: 'past the last passage is invalid', answer: 'See [1] and [99], again [99].', cited: [1], invalid: [99] },
    { name: 'a range partly out of bounds', answer: 'See [4-7].', passages: 5, cited: [4, 5], invalid: [6, 7] },
    { name: 'a huge range expands to 50 numbers', answer: 'See [1-100000].', passages: 5, cited: [1, 2, 3, 4, 5], invalid: Array.from({ length: 45 }, (_, i) => i + 6) },
    { name: 'index after a word', answer: 'Use arr[0] or cfg[2] here.', cited: [] },
    { name: 'index after a call or a digit', answer: 'Call f(x)[1], or 10[2].', cited: [] },
    { name: 'chained index after code', answer: 'The cell grid[0][1] is empty.', cited: [] },
    { name: 'inline code', answer: 'Use `arr[0]` and `list[2] [3]` as shown [1].', cited: [1] },
    { name: 'double-backtick inline code', answer: 'Use ``a `b` [2]`` here [1].', cited: [1] },
    { name: 'fenced code', answer: 'Like this [1]:\n```js\nconst x = [2];\nitems [3]\n```\nDone [4].', cited: [1, 4] },
    { name: 'tilde fence', answer: '~~~\n[2]\n~~~\nok [1]', cited: [1] },
    { name: 'unclosed fence runs to the end', answer: 'Start [1]\n```\n[2]\n', cited: [1] },
    { name: 'markdown link with numeric text', answer: 'See [2](https://example.com) and [1].', cited: [1] },
    { name: 'markdown link with words', answer: 'See [the docs](https://example.com/[3]).', cited: [] },
    { name: 'non-numeric brackets', answer: 'Options [a], [x, y], [TODO] and [1a].', cited: [] },
    { name: 'marker at the very start', answer: '[2] says so.', cited: [2] },
    { name: 'marker after punctuation', answer: 'It does.[1] It also does,[2]', cited: [1, 2] },
    { name: 'no markers', answer: 'Just prose.', cited: [] },
    { name: 'empty answer', answer: '', cited: [] },
  ];
  for (const { name, answer, passages = 5, cited, invalid = [] } of cases) {
    it(name, () => {
      const check = parseCitations(answer, passages);
      assert.deepEqual({ cited: check.cited, invalid: check.invalid }, { cited, invalid });
    });
  }

  it('marks everything invalid when there are no passages', () => {
    assert.deepEqual(parseCitations('See [1][2].', 0), { cited: [], invalid: [1, 2], notFound: false });
  });

  it('reports a not-found answer', () => {
    assert.deepEqual(parseCitations(NOT_FOUND_PHRASE, 3), { cited: [], invalid: [], notFound: true });
  });
});

describe('isNotFoundAnswer', () => {
  const cases: { answer: string; notFound: boolean }[] = [
    { answer: NOT_FOUND_PHRASE, notFound: true },
    { answer: "i couldn't find the answer in the indexed documents", notFound: true },
    { answer: 'I couldn’t find the answer in the indexed documents.', notFound: true },
    { answer: 'I could not find the answer in the indexed documents.', notFound: true },
    { answer: `"${NOT_FOUND_PHRASE}"`, notFound: true },
    { answer: `“${NOT_FOUND_PHRASE}”`, notFound: true },
    { answer: `**${NOT_FOUND_PHRASE}**`, notFound: true },
    { answer: `  \n${NOT_FOUND_PHRASE}\n`, notFound: true },
    { answer: "I couldn't find the answer\nin the   indexed documents.", notFound: true },
    { answer: `${NOT_FOUND_PHRASE} The passages only cover installation, not configuration or key rotation, and nothing in them mentions the setting you asked about, so I cannot say more than that here.`, notFound: true },
    { answer: `Sorry! ${NOT_FOUND_PHRASE}`, notFound: true },
    { answer: `The default port is 11434 [1]. ${'It is documented in several places and repeated in the guide, the README and the reference. '.repeat(3)}${NOT_FOUND_PHRASE}`, notFound: false },
    { answer: 'The default port is 11434 [1].', notFound: false },
    { answer: '', notFound: false },
  ];
  for (const { answer, notFound } of cases) {
    it(`${JSON.stringify(answer.slice(0, 60))} → ${notFound}`, () => {
      assert.equal(isNotFoundAnswer(answer), notFound);
    });
  }
});

describe('isNotFoundAnswer: paraphrased refusals', () => {
  const refusals = [
    "I don't know based on the provided documents.",
    'I do not know.',
    "I couldn't find it.",
    'I cannot answer that from the passages given.',
    "I'm unable to determine this from the context.",
    'The provided passages do not contain information about the master key.',
    "The documents don't mention a rotation schedule.",
    'This is not mentioned in the provided passages.',
    'There is no information about Windows in the documents.',
    'Not enough information to answer.',
    'Unknown.',
    '**I don’t know.**',
  ];
  for (const answer of refusals) {
    it(`${JSON.stringify(answer)} is a refusal`, () => {
      assert.equal(isNotFoundAnswer(answer), true);
      assert.equal(parseCitations(answer, 3).notFound, true);
    });
  }

  const answers: { answer: string; why: string }[] = [
    { answer: 'The passages do not cover Windows, but on Linux run install.sh [1].', why: 'it cites a passage' },
    { answer: "I don't know the exact date, but the policy is yearly [2].", why: 'it cites a passage' },
    { answer: 'Rotate the key with rag keys rotate; it takes effect at once.', why: 'it says nothing about knowing' },
    { answer: `The documents describe the whole procedure. ${'Step by step, it goes through every part of it. '.repeat(6)}They do not mention Windows.`, why: 'a long answer' },
    { answer: 'No, the server does not support HTTP/3.', why: 'a negative answer is still an answer' },
  ];
  for (const { answer, why } of answers) {
    it(`${JSON.stringify(answer.slice(0, 50))} is an answer: ${why}`, () => {
      assert.equal(parseCitations(answer, 3).notFound, false);
    });
  }
});
