import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { canAnimate } from '../../src/render/progress.js';
import { indexProgressText } from '../../src/render/text.js';

function stderrWith(columns: number | undefined): NodeJS.WritableStream {
  const stream = new Writable({ write: (_chunk, _encoding, done) => done() });
  if (columns !== undefined) Object.assign(stream, { columns });
  return stream;
}

describe('canAnimate', () => {
  const cases: { name: string; isTTY: boolean; columns: number | undefined; animate: boolean }[] = [
    { name: 'a terminal 80 columns wide', isTTY: true, columns: 80, animate: true },
    { name: 'a terminal of unknown width (ora assumes 80)', isTTY: true, columns: undefined, animate: true },
    { name: 'a terminal reporting 0 columns is not interactive', isTTY: true, columns: 0, animate: false },
    { name: 'a nonsense width is not interactive', isTTY: true, columns: Number.NaN, animate: false },
    { name: 'not a terminal', isTTY: false, columns: 80, animate: false },
  ];
  for (const { name, isTTY, columns, animate } of cases) {
    it(`${name}: ${animate ? 'spinner' : 'no spinner'}`, () => {
      assert.equal(canAnimate({ stderr: stderrWith(columns), stderrIsTTY: isTTY }), animate);
    });
  }
});

describe('indexProgressText', () => {
  const progress = { filesDone: 3, filesTotal: 40, chunksQueued: 12, chunksEmbedded: 4 };
  it('counts files and passages', () => {
    assert.equal(indexProgressText(progress), 'Indexing: 3/40 files read · 4/12 passages embedded');
  });
  it('shows a retry under way, with its reason on one line', () => {
    assert.equal(
      indexProgressText(progress, { attempt: 2, attempts: 4, delayMs: 250, reason: 'Ollama at http://h:1 failed: boom\nmore' }),
      'Indexing: 3/40 files read · 4/12 passages embedded · retrying (attempt 2 of 4) after: Ollama at http://h:1 failed: boom^Jmore',
    );
  });
});
