import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Batcher } from '../../src/watch/batcher.js';
import { isNoise } from '../../src/watch/watch-index.js';

const never = new AbortController().signal;

describe('Batcher', () => {
  it('a burst of events, repeats included, becomes one sorted batch', async () => {
    const b = new Batcher({ quietMs: 20, maxWaitMs: 10_000 }, Date.now);
    for (const p of ['/t/b.md', '/t/a.md', '/t/b.md', '/t/.a.md.swp']) b.add(p);
    assert.deepEqual(await b.next(never), ['/t/.a.md.swp', '/t/a.md', '/t/b.md']);
    assert.equal(b.size, 0);
  });

  it('a stream that never goes quiet is still cut into batches', async () => {
    const b = new Batcher({ quietMs: 50, maxWaitMs: 100 }, Date.now);
    let n = 0;
    const feed = setInterval(() => b.add(`/t/${n++}.md`), 5);
    try {
      const batch = await b.next(never);
      assert.ok(batch.length > 0);
    } finally {
      clearInterval(feed);
      b.close();
    }
  });

  it('a batch sealed before anyone asks waits for next(); retry() puts it back', async () => {
    const b = new Batcher({ quietMs: 1, maxWaitMs: 10 }, Date.now);
    b.add('/t/a.md');
    await new Promise((resolve) => setTimeout(resolve, 30));
    const first = await b.next(never);
    assert.deepEqual(first, ['/t/a.md']);
    b.retry(first, 1);
    b.add('/t/b.md');
    assert.deepEqual(await b.next(never), ['/t/a.md', '/t/b.md']);
  });

  it('next() rejects when the signal aborts', async () => {
    const b = new Batcher({ quietMs: 1, maxWaitMs: 10 }, Date.now);
    const stop = new AbortController();
    const waiting = b.next(stop.signal);
    stop.abort(new Error('stop'));
    await assert.rejects(waiting, /stop/);
  });
});

describe('isNoise', () => {
  const t = path.resolve('/w/docs');
  const cases: Array<[string, boolean]> = [
    ['/w/docs/a.md', false],
    ['/w/docs/sub/b.md', false],
    ['/w/docs/.git/index', true],
    ['/w/docs/sub/.a.md.swp', true],
    ['/w/docs/node_modules/x/readme.md', true],
    ['/w/docs/.rag/manifest.json', true],
    ['/w/.rag/lock', true],
  ];
  for (const [p, noise] of cases) {
    it(`${p} is ${noise ? '' : 'not '}noise`, () => assert.equal(isNoise(path.resolve(p), [t], path.resolve('/w/.rag')), noise));
  }
});
