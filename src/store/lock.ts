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
 *
 * A pid alone does not name a process for long: after a reboot or in a container it is
 * reused, and a lock naming a live process that is not rag would block every run forever.
 * So the lock also records the process's start time (from /proc, where there is one) and
 * the command; a live pid with another start time, or with no start time recorded and a
 * command line that is not rag's, is somebody else and the lock is stale.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { RagError } from '../errors.js';

export const LOCK_FILE = 'lock';
const BREAK_FILE = 'lock.break';

export interface Lock {
  /** Whether the lock file still names this process (someone may have deleted it by hand). */
  isHeld(): Promise<boolean>;
  release(): Promise<void>;
}

export interface LockInfo {
  pid: number;
  startedAt: string;
  /** The holder's start time as the kernel counts it (/proc/<pid>/stat); absent where unknown. */
  processStart?: string;
  command?: string;
}

/** Attempts before giving up when other processes keep taking and breaking locks. */
const MAX_ATTEMPTS = 50;
/** Pause while another process is breaking a stale lock: it only reads and deletes a file. */
const BREAK_WAIT_MS = 5;
/** A `lock.break` older than this was left by a taker that died: taking over takes milliseconds. */
const BREAK_STALE_MS = 10_000;

/** The kernel's start time of `pid` (field 22 of /proc/<pid>/stat), or undefined without /proc. */
export async function processStart(pid: number): Promise<string | undefined> {
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Whether the live process `pid` is the one that wrote `holder`. */
async function isSameProcess(holder: LockInfo): Promise<boolean> {
  const start = await processStart(holder.pid);
  if (start === undefined) return true; // no /proc: the pid is all there is to go on
  if (holder.processStart !== undefined) return holder.processStart === start;
  const cmdline = await fs.readFile(`/proc/${holder.pid}/cmdline`, 'utf8').catch(() => '');
  return /rag/i.test(cmdline);
}

/** Whether `holder` is a live process on this machine other than `me` (also used for an object-store lock's holder). */
export async function isHeld(holder: LockInfo, me: number): Promise<boolean> {
  // Our own pid can only be a leftover of an earlier process that had it.
  return holder.pid !== me && isAlive(holder.pid) && (await isSameProcess(holder));
}

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
    if (typeof info.pid === 'number' && Number.isInteger(info.pid) && info.pid > 0) {
      return {
        pid: info.pid, startedAt: String(info.startedAt ?? ''),
        ...(typeof info.processStart === 'string' ? { processStart: info.processStart } : {}),
        ...(typeof info.command === 'string' ? { command: info.command } : {}),
      };
    }
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

export async function acquireLock(indexDir: string, pid: number, now: () => number, command = 'rag index'): Promise<Lock> {
  const file = path.join(indexDir, LOCK_FILE);
  const start = await processStart(pid);
  const info: LockInfo = { pid, startedAt: new Date(now()).toISOString(), ...(start ? { processStart: start } : {}), command };
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
        async isHeld() {
          return sameHolder(await readLockHolder(file).catch(() => undefined), info);
        },
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
    if (holder !== 'corrupt' && (await isHeld(holder, pid))) {
      throw new RagError(
        'locked',
        `The index at ${indexDir} is locked by another 'rag index' (pid ${holder.pid}, since ${holder.startedAt})`,
        'wait for it to finish, or stop that process',
      );
    }
    await breakStaleLock(indexDir, file, holder, info, now);
  }
  throw new RagError('locked', `Could not lock the index at ${indexDir}`, 'another rag process keeps taking the lock; try again');
}

/** Deletes the lock at `file` if it still holds `stale`, under `lock.break` so that two breakers cannot interleave. */
async function breakStaleLock(indexDir: string, file: string, stale: LockInfo | 'corrupt', me: LockInfo, now: () => number): Promise<void> {
  const breakFile = path.join(indexDir, BREAK_FILE);
  let created: boolean;
  try {
    created = await createWhole(breakFile, JSON.stringify(me));
  } catch (err) {
    throw lockError(breakFile, err);
  }
  if (!created) {
    const breaker = await readLockHolder(breakFile);
    const age = now() - ((await fs.stat(breakFile).catch(() => undefined))?.mtimeMs ?? now());
    // A breaker that died mid-takeover (it holds this only for a read and a delete), or a
    // leftover of an earlier process with our pid: nobody will remove it but us.
    if (breaker === 'corrupt' || age > BREAK_STALE_MS || (breaker !== undefined && !(await isHeld(breaker, me.pid)))) await fs.rm(breakFile, { force: true });
    else await new Promise((resolve) => setTimeout(resolve, BREAK_WAIT_MS));
    return;
  }
  try {
    if (sameHolder(await readLockHolder(file), stale)) await fs.rm(file, { force: true });
  } finally {
    await fs.rm(breakFile, { force: true });
  }
}
