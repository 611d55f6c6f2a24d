/**
 * The writer's lock of an object-store index (lance-meta.ts), against a real S3-compatible
 * server: a live holder on this machine refuses, a dead one is taken over at once, and a
 * holder on another machine is taken over only once its heartbeat is OBJECT_LOCK_STALE_MS old.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import os from 'node:os';
import { describe, it } from 'node:test';
import * as lancedb from '@lancedb/lancedb';
import { RagError } from '../../src/errors.js';
import type { IndexHome } from '../../src/store/index-home.js';
import { OBJECT_LOCK_STALE_MS } from '../../src/store/lance-meta.js';
import { s3Home, startTestS3, TEST_BUCKET } from '../helpers/s3-server.js';
import type { CleanupHooks } from '../helpers/paths.js';

function isLocked(pattern: RegExp) {
  return (err: unknown) => err instanceof RagError && err.exitCode === 5 && pattern.test(err.message);
}

/** A live process that is not this one, to stand as a holder on this machine. */
function otherProcess(t: CleanupHooks): { pid: number; stop: () => Promise<void> } {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  t.after(() => child.kill('SIGKILL'));
  assert.ok(child.pid);
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    pid: child.pid,
    stop: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Adds a claim as a writer on another machine would have, straight into the lock table. */
async function claimFromElsewhere(home: IndexHome, startedAt: string): Promise<void> {
  const db = await lancedb.connect(home.tables.uri, { storageOptions: home.tables.storageOptions ?? {}, manifestEnabled: false });
  const table = await db.openTable('rag_lock');
  await table.add([{ token: 'elsewhere-token', host: `not-${os.hostname()}`, pid: 4242, process_start: 'x', started_at: startedAt, command: 'rag index' }]);
}

describe('the object-store lock', () => {
  it('a live holder on this machine refuses a second writer; once it is gone, its lock is taken over', async (t) => {
    const s3 = await startTestS3(t);
    const home = s3Home(s3, `s3://${TEST_BUCKET}/lock-a`);
    const holder = otherProcess(t);
    const held = await home.acquireLock(holder.pid, Date.now);
    assert.equal(await held.isHeld(), true);
    await assert.rejects(home.acquireLock(process.pid, Date.now), isLocked(new RegExp(`locked by another 'rag index' \\(pid ${holder.pid} on ${os.hostname()}, since `)));
    await holder.stop();
    const mine = await home.acquireLock(process.pid, Date.now, 'rag rm');
    assert.equal(await held.isHeld(), false, 'the dead holder no longer holds it');
    assert.equal(await mine.isHeld(), true);
    await mine.release();
    assert.equal(await mine.isHeld(), false);
    const next = await home.acquireLock(process.pid, Date.now);
    await next.release();
  });

  it('a holder on another machine is stale only after OBJECT_LOCK_STALE_MS', async (t) => {
    const s3 = await startTestS3(t);
    const home = s3Home(s3, `s3://${TEST_BUCKET}/lock-b`);
    // Creates the lock table, then leaves it empty.
    await (await home.acquireLock(process.pid, Date.now)).release();
    const start = Date.now();
    await claimFromElsewhere(home, new Date(start).toISOString());
    await assert.rejects(home.acquireLock(process.pid, () => start + OBJECT_LOCK_STALE_MS - 1000), isLocked(/\(pid 4242 on not-/));
    const taken = await home.acquireLock(process.pid, () => start + OBJECT_LOCK_STALE_MS + 1000);
    assert.equal(await taken.isHeld(), true);
    await taken.release();
  });

  it("a holder on another machine that started long ago but whose heartbeat is fresh still holds the lock", async (t) => {
    const s3 = await startTestS3(t);
    const home = s3Home(s3, `s3://${TEST_BUCKET}/lock-c`);
    await (await home.acquireLock(process.pid, Date.now)).release();
    const start = Date.now();
    await claimFromElsewhere(home, new Date(start - 3 * OBJECT_LOCK_STALE_MS).toISOString());
    // What that holder's heartbeat timer writes.
    await home.writeDoc('lock-heartbeat.json', JSON.stringify({ token: 'elsewhere-token', at: new Date(start).toISOString() }));
    await assert.rejects(home.acquireLock(process.pid, () => start + 1000), isLocked(/\(pid 4242 on not-/));
    // A heartbeat of some other claim does not keep this one alive.
    await home.writeDoc('lock-heartbeat.json', JSON.stringify({ token: 'another-token', at: new Date(start).toISOString() }));
    const taken = await home.acquireLock(process.pid, () => start + 1000);
    await taken.release();
  });
});
