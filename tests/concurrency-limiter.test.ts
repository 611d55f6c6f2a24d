import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';

import { createLimiter } from '../src/concurrency-limiter.js';

describe('createLimiter', () => {
  test('runs every task, never more than the limit at once', async () => {
    const limit = createLimiter(3);
    let inFlight = 0;
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        limit(async () => {
          inFlight++;
          peak = Math.max(peak, inFlight);
          await tick();
          inFlight--;
          return i;
        }),
      ),
    );
    assert.deepEqual(results, Array.from({ length: 20 }, (_, i) => i));
    assert.equal(peak, 3);
  });

  test('a failing task rejects its own call and frees its slot', async () => {
    const limit = createLimiter(1);
    const failed = limit(() => Promise.reject(new Error('boom')));
    const next = limit(async () => 'ran');
    await assert.rejects(failed, /boom/);
    assert.equal(await next, 'ran');
  });
});
