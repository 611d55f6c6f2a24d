/**
 * One writer at a time. Two concurrent LanceDB writers can create duplicate rows without
 * any error, so this is not optional.
 *
 * The lock file holds the writer's pid and appears whole or not at all: it is written to a
 * private temp file and hard-linked into place, and link() fails if the name exists. (A
 * plain exclusive create is not enough: a second process can read the file between its
 * creation and its first byte, take the empty file for a crashed writer's and remove it.)
 *
 * A lock whose process is gone is stale and taken over. Removing it is a read-then-delete,
 * which two processes could interleave so that one deletes the other's fresh lock; so the
 * takeover itself runs under a second, short-lived lock (`lock.break`), and the stale lock
 * is deleted only if it still holds what was judged stale.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { RagError } from '../errors.js';

export const LOCK_FILE = 'lock';
const BREAK_FILE = 'lock.break';

export interface Lock {
  release(): Promise<void>;
}

export interface LockInfo {
  pid: number;
  startedAt: string;
}

/** Attempts before giving up when other processes keep taking and breaking locks. */
const MAX_ATTEMPTS = 50;
/** Pause while another process is breaking a stale lock: it only reads and deletes a file. */
const BREAK_WAIT_MS = 5;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The holder named in a lock file; undefined when the file is gone; 'corrupt' when it names none. */
export async function readLockHolder(file: string): Promise<LockInfo | 'corrupt' | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const info = JSON.parse(text) as Partial<LockInfo>;
    if (typeof info.pid === 'number' && Number.isInteger(info.pid) && info.pid > 0) return { pid: info.pid, startedAt: String(info.startedAt ?? '') };
  } catch {
    // Not JSON: written by something else, or damaged. Nobody can be holding it.
  }
  return 'corrupt';
}

/** Creates `file` holding `content`, atomically, or returns false if it exists. */
async function createWhole(file: string, content: string): Promise<boolean> {
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await fs.writeFile(tmp, content);
  try {
    await fs.link(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

function sameHolder(a: LockInfo | 'corrupt' | undefined, b: LockInfo | 'corrupt'): boolean {
  if (a === undefined) return false;
  if (a === 'corrupt' || b === 'corrupt') return a === b;
  return a.pid === b.pid && a.startedAt === b.startedAt;
}

function lockError(file: string, err: unknown): RagError {
  return new RagError('storage', `Cannot create the lock file ${file}: ${(err as Error).message}`, 'check the permissions of the index folder', { cause: err });
}

export async function acquireLock(indexDir: string, pid: number, now: () => number): Promise<Lock> {
  const file = path.join(indexDir, LOCK_FILE);
  const info: LockInfo = { pid, startedAt: new Date(now()).toISOString() };
  const content = JSON.stringify(info);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    let created: boolean;
    try {
      created = await createWhole(file, content);
    } catch (err) {
      throw lockError(file, err);
    }
    if (created) {
      let released = false;
      return {
        async release() {
          if (released) return;
          released = true;
          // Only our own lock: if it was (wrongly) broken and retaken, it is someone else's now.
          if (sameHolder(await readLockHolder(file).catch(() => undefined), info)) await fs.rm(file, { force: true });
        },
      };
    }
    const holder = await readLockHolder(file);
    if (holder === undefined) continue; // released in between: try again
    // Our own pid can only be a leftover of an earlier process that had it: stale.
    if (holder !== 'corrupt' && holder.pid !== pid && isAlive(holder.pid)) {
      throw new RagError(
        'locked',
        `The index at ${indexDir} is locked by another 'rag index' (pid ${holder.pid}, since ${holder.startedAt})`,
        'wait for it to finish, or stop that process',
      );
    }
    await breakStaleLock(indexDir, file, holder, { pid, startedAt: new Date(now()).toISOString() });
  }
  throw new RagError('locked', `Could not lock the index at ${indexDir}`, 'another rag process keeps taking the lock; try again');
}

/** Deletes the lock at `file` if it still holds `stale`, under `lock.break` so that two breakers cannot interleave. */
async function breakStaleLock(indexDir: string, file: string, stale: LockInfo | 'corrupt', me: LockInfo): Promise<void> {
  const breakFile = path.join(indexDir, BREAK_FILE);
  let created: boolean;
  try {
    created = await createWhole(breakFile, JSON.stringify(me));
  } catch (err) {
    throw lockError(breakFile, err);
  }
  if (!created) {
    const breaker = await readLockHolder(breakFile);
    // A breaker that died mid-takeover (it holds this only for a read and a delete), or a
    // leftover of an earlier process with our pid: nobody will remove it but us.
    if (breaker === 'corrupt' || (breaker !== undefined && (breaker.pid === me.pid || !isAlive(breaker.pid)))) await fs.rm(breakFile, { force: true });
    else await new Promise((resolve) => setTimeout(resolve, BREAK_WAIT_MS));
    return;
  }
  try {
    if (sameHolder(await readLockHolder(file), stale)) await fs.rm(file, { force: true });
  } finally {
    await fs.rm(breakFile, { force: true });
  }
}
