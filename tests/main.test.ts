/** Process tuning happens at the process edge, per command. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tuneProcess } from '../src/main.js';

describe('tuneProcess', () => {
  it('sets LanceDB pool settings for the commands that open the table', () => {
    const env: NodeJS.ProcessEnv = {};
    tuneProcess('search', env, 2);
    assert.deepEqual(env, { LANCE_CPU_THREADS: '2', LANCE_FTS_PARTITION_SIZE: '16', LANCE_SHUFFLE_BATCH_BYTES: String(4 * 1024 * 1024) });
  });

  it('keeps what the user set, and leaves the thread count alone on a larger machine', () => {
    const env: NodeJS.ProcessEnv = { LANCE_FTS_PARTITION_SIZE: '64' };
    tuneProcess('ask', env, 8);
    assert.equal(env.LANCE_CPU_THREADS, undefined);
    assert.equal(env.LANCE_FTS_PARTITION_SIZE, '64');
  });

  it('changes nothing for commands that never open the table', () => {
    for (const command of ['status', undefined, 'help']) {
      const env: NodeJS.ProcessEnv = {};
      tuneProcess(command, env, 2);
      assert.deepEqual(env, {});
    }
  });
});
