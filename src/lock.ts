/**
 * One writer at a time. The lock file is created exclusively (`wx`) and holds the
 * writer's pid; a lock whose process is gone is stale and taken over. Two concurrent
 * LanceDB writers can create duplicate rows without any error, so this is not optional.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Exit, RagError } from './errors.js';

export const LOCK_FILE = 'lock';

export interface Lock {
  release(): Promise<void>;
}

interface LockInfo {
  pid: number;
  startedAt: string;
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

async function readHolder(file: string): Promise<LockInfo | undefined> {
  try {
    const info = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<LockInfo>;
    return typeof info.pid === 'number' ? { pid: info.pid, startedAt: String(info.startedAt ?? '') } : undefined;
  } catch {
    return undefined;
  }
}

export async function acquireLock(indexDir: string, pid: number, now: () => number): Promise<Lock> {
  const file = path.join(indexDir, LOCK_FILE);
  const info: LockInfo = { pid, startedAt: new Date(now()).toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await fs.writeFile(file, JSON.stringify(info), { flag: 'wx' });
      let released = false;
      return {
        async release() {
          if (released) return;
          released = true;
          const holder = await readHolder(file);
          if (holder?.pid === pid) await fs.rm(file, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new RagError(Exit.index, `Cannot create the lock file ${file}: ${(err as Error).message}`, 'check the permissions of the index folder', { cause: err });
      }
    }
    const holder = await readHolder(file);
    if (holder && holder.pid !== pid && isAlive(holder.pid)) {
      throw new RagError(
        Exit.index,
        `The index at ${indexDir} is locked by another 'rag index' (pid ${holder.pid}, since ${holder.startedAt})`,
        'wait for it to finish, or stop that process',
      );
    }
    // Stale (dead holder, or a half-written file from a crash): remove and try again.
    await fs.rm(file, { force: true });
  }
  throw new RagError(Exit.index, `Could not lock the index at ${indexDir}`, 'another rag process keeps taking the lock; try again');
}
