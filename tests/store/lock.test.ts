/**
 * The writer lock (src/lock.ts), as qmd's embed-lock test does it: created whole, refused
 * while its holder lives, taken over when it is stale, released only by its owner, and,
 * the point of it all, held by exactly one of many contenders, even when they race to
 * take over the same stale lock.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RagError } from '../../src/errors.js';
import { acquireLock, LOCK_FILE, processStart } from '../../src/store/lock.js';
import { makeTempDir } from '../helpers/paths.js';

const NOW = () => Date.parse('2025-06-01T12:00:00.000Z');

/** A pid that belonged to a process which has exited (and been reaped). */
function deadPid(): number {
  const pid = spawnSync(process.execPath, ['-e', '']).pid;
  assert.ok(pid);
  return pid;
}

function isLocked(err: unknown, pid: number): boolean {
  return err instanceof RagError && err.exitCode === 5 && err.message.includes(`(pid ${pid},`);
}

describe('acquireLock', () => {
  let sleepers: ChildProcess[];
  /** Pids of live processes other than this one: stand-ins for other rag runs. */
  let livePids: number[];
  let t: ReturnType<typeof makeTempDir>;
  let n = 0;
  const freshDir = (): string => {
    const dir = path.join(t.dir, `index-${n++}`);
    mkdirSync(dir);
    return dir;
  };

  before(() => {
    sleepers = [0, 1, 2].map(() => spawn('sleep', ['30'], { stdio: 'ignore' }));
    livePids = sleepers.map((s) => s.pid!);
    t = makeTempDir('rag-lock-');
  });

  after(() => {
    for (const s of sleepers) s.kill('SIGKILL');
    t.cleanup();
  });

  it('writes the holder, leaves no temp files, and removes the lock on release (twice is fine)', async () => {
    const dir = freshDir();
    const lock = await acquireLock(dir, 4242, NOW);
    const start = await processStart(4242);
    assert.deepEqual(JSON.parse(readFileSync(path.join(dir, LOCK_FILE), 'utf8')), {
      pid: 4242, startedAt: '2025-06-01T12:00:00.000Z', ...(start ? { processStart: start } : {}), command: 'rag index',
    });
    assert.deepEqual(readdirSync(dir), [LOCK_FILE]);
    await lock.release();
    await lock.release();
    assert.deepEqual(readdirSync(dir), []);
  });

  it('refuses while the holder lives, naming its pid, and leaves its lock alone', async () => {
    const dir = freshDir();
    // As that process would have written it: with its start time, so it is recognised as the holder.
    const held = JSON.stringify({ pid: livePids[0], startedAt: '2025-01-01T00:00:00.000Z', processStart: await processStart(livePids[0]!) });
    writeFileSync(path.join(dir, LOCK_FILE), held);
    await assert.rejects(acquireLock(dir, process.pid, NOW), (err: unknown) => {
      assert.ok(isLocked(err, livePids[0]!), String(err));
      assert.match((err as RagError).message, /since 2025-01-01T00:00:00\.000Z/);
      assert.match((err as RagError).hint ?? '', /wait for it to finish/);
      return true;
    });
    assert.equal(readFileSync(path.join(dir, LOCK_FILE), 'utf8'), held);
  });

  const STALE: Array<[string, () => string]> = [
    ['a holder that has exited', () => JSON.stringify({ pid: deadPid(), startedAt: '2025-01-01T00:00:00.000Z' })],
    ['our own pid (left by an earlier process that had it)', () => JSON.stringify({ pid: 777, startedAt: 'x' })],
    ['an empty file', () => ''],
    ['a file that is not JSON', () => 'garbage'],
    ['a live process that is not the holder (pid reused: another start time)', () => JSON.stringify({ pid: livePids[1], startedAt: 'x', processStart: '1' })],
    ['a live process that is not rag (no start time recorded)', () => JSON.stringify({ pid: livePids[2], startedAt: 'x' })],
    ['JSON without a pid', () => '{"startedAt":"x"}'],
  ];
  for (const [what, content] of STALE) {
    it(`takes over a stale lock: ${what}`, async () => {
      const dir = freshDir();
      writeFileSync(path.join(dir, LOCK_FILE), content());
      const lock = await acquireLock(dir, 777, NOW);
      assert.equal((JSON.parse(readFileSync(path.join(dir, LOCK_FILE), 'utf8')) as { pid: number }).pid, 777);
      await lock.release();
      assert.ok(!existsSync(path.join(dir, LOCK_FILE)));
    });
  }

  it('is not blocked by the takeover guard of a process that died', async () => {
    const dir = freshDir();
    writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid: deadPid(), startedAt: 'x' }));
    writeFileSync(path.join(dir, 'lock.break'), JSON.stringify({ pid: deadPid(), startedAt: 'x' }));
    const lock = await acquireLock(dir, 4242, NOW);
    await lock.release();
    assert.deepEqual(readdirSync(dir), []);
  });

  it('release leaves alone a lock that is no longer its own', async () => {
    const dir = freshDir();
    const lock = await acquireLock(dir, 4242, NOW);
    const other = JSON.stringify({ pid: livePids[0], startedAt: 'later' });
    writeFileSync(path.join(dir, LOCK_FILE), other);
    await lock.release();
    assert.equal(readFileSync(path.join(dir, LOCK_FILE), 'utf8'), other);
  });

  it('a folder it cannot write to is an index error, not a crash', async () => {
    await assert.rejects(acquireLock(path.join(t.dir, 'missing', 'deeper'), 4242, NOW), (err: unknown) => {
      assert.ok(err instanceof RagError);
      assert.equal(err.exitCode, 5);
      assert.match(err.message, /Cannot create the lock file/);
      return true;
    });
  });

  /** Many contenders at once: exactly one holds the lock, every other is told who does. */
  async function race(dir: string, pids: number[]): Promise<void> {
    const results = await Promise.allSettled(pids.map((pid) => acquireLock(dir, pid, NOW)));
    const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [{ lock: r.value, pid: pids[i]! }] : []));
    assert.equal(winners.length, 1, `${winners.length} holders at once`);
    const winner = winners[0]!;
    for (const r of results) {
      if (r.status === 'rejected') assert.ok(isLocked(r.reason, winner.pid), String(r.reason));
    }
    assert.equal((JSON.parse(readFileSync(path.join(dir, LOCK_FILE), 'utf8')) as { pid: number }).pid, winner.pid);
    await winner.lock.release();
    assert.deepEqual(readdirSync(dir), [], 'no lock, guard or temp file left behind');
  }

  it('with many contenders, exactly one holds it (repeated, since races are probabilistic)', async () => {
    for (let round = 0; round < 50; round++) await race(freshDir(), [process.pid, ...livePids]);
  });

  it('with many contenders taking over the same stale lock, exactly one holds it', async () => {
    const dead = deadPid();
    for (let round = 0; round < 50; round++) {
      const dir = freshDir();
      writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid: dead, startedAt: 'x' }));
      await race(dir, [process.pid, ...livePids]);
    }
  });
});
