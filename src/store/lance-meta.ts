/**
 * An object-store index's small state, kept in LanceDB tables because an object store has
 * no rename: a LanceDB commit is atomic, so a reader sees a document's old text or its new
 * one, never half of one. Loaded lazily, like chunk-store.ts, and only for such an index.
 *
 * - `rag_meta`: one row per document (name, text): the manifest, the records, a pending
 *   rebuild, the lock's heartbeat. A write is one merge-insert commit.
 * - `rag_lock`: the writer's lock, one row per claim (token, host, pid, start time,
 *   command). Rows are numbered in commit order (LanceDB row ids grow with each append),
 *   so of several claims the lowest row id is the holder; see acquireObjectLock.
 *
 * Tables are opened by name, never listed: some S3-compatible servers list none.
 */
import type * as lancedb from '@lancedb/lancedb';
import type * as Arrow from 'apache-arrow';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { RagError } from '../errors.js';
import { Arrow as ArrowLib } from './arrow.js';
import { connectTables, openTableIfExists, sqlString, storageFailure } from './chunk-store.js';
import type { TableSpace } from './index-home.js';
import { isHeld, processStart, type Lock } from './lock.js';

// The one copy of Arrow LanceDB loads too (arrow.ts).
const { Field, Int32, Schema, Table, Utf8, vectorFromArray } = ArrowLib;

const META_TABLE = 'rag_meta';
const LOCK_TABLE = 'rag_lock';
const HEARTBEAT_DOC = 'lock-heartbeat.json';
/** How often a holder refreshes its heartbeat. */
const HEARTBEAT_MS = 30_000;
/**
 * A lock held from another machine whose heartbeat is older than this is stale: its writer
 * died (or lost the network) without releasing it. Ten heartbeats missed.
 */
export const OBJECT_LOCK_STALE_MS = 5 * 60_000;
/** Claims before giving up when other writers keep claiming and breaking stale locks. */
const MAX_ATTEMPTS = 5;

const metaSchema = () => new Schema([new Field('name', new Utf8(), false), new Field('body', new Utf8(), false)]);
const lockSchema = () =>
  new Schema([
    new Field('token', new Utf8(), false),
    new Field('host', new Utf8(), false),
    new Field('pid', new Int32(), false),
    new Field('process_start', new Utf8(), true),
    new Field('started_at', new Utf8(), false),
    new Field('command', new Utf8(), false),
  ]);

/** The documents of one object-store index, over one connection. */
export class LanceDocs {
  private table: lancedb.Table | undefined;
  /** Writes of this process, one at a time: the heartbeat's timer must not race the writer's own commits. */
  private writes: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly db: lancedb.Connection,
    private readonly space: TableSpace,
    private readonly where: string,
  ) {}

  static async connect(space: TableSpace, where: string): Promise<LanceDocs> {
    // Every read sees the latest commit: another machine may have written since we opened.
    return new LanceDocs(await connectTables(space, where, { readConsistent: true }), space, where);
  }

  private async open(create: boolean): Promise<lancedb.Table | undefined> {
    if (this.table) return this.table;
    try {
      this.table = (await openTableIfExists(this.db, this.space, META_TABLE)) ?? (create ? await this.db.createEmptyTable(META_TABLE, metaSchema(), { mode: 'create', existOk: true }) : undefined);
    } catch (err) {
      throw storageFailure(`Cannot open the index at ${this.where}`, err);
    }
    return this.table;
  }

  async read(name: string): Promise<string | undefined> {
    const table = await this.open(false);
    if (!table) return undefined;
    const rows = await this.guard('read', () => table.query().where(`name = ${sqlString(name)}`).select(['body']).toArray());
    return rows.length > 0 ? String((rows[0] as Record<string, unknown>).body) : undefined;
  }

  async write(name: string, body: string): Promise<void> {
    const table = (await this.open(true))!;
    const row = new Table(metaSchema(), { name: vectorFromArray([name], new Utf8()), body: vectorFromArray([body], new Utf8()) });
    await this.serially(() => this.guard('write', () => table.mergeInsert('name').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(row)));
  }

  private serially<T>(run: () => Promise<T>): Promise<T> {
    const next = this.writes.then(run, run);
    this.writes = next.catch(() => {});
    return next;
  }

  async remove(names: readonly string[]): Promise<void> {
    if (names.length === 0) return;
    const table = await this.open(false);
    if (table) await this.serially(() => this.guard('write', () => table.delete(`name IN (${names.map(sqlString).join(', ')})`)));
  }

  async names(): Promise<string[]> {
    const table = await this.open(false);
    if (!table) return [];
    const rows = await this.guard('read', () => table.query().select(['name']).toArray());
    return rows.map((r) => String((r as Record<string, unknown>).name));
  }

  /** Merges the small fragments each write adds, so that a read stays a few requests. */
  async compact(now: () => number): Promise<void> {
    const table = await this.open(false);
    // Versions younger than a minute stay: a reader that opened one is still using it.
    if (table) await this.serially(() => this.guard('write', () => table.optimize({ cleanupOlderThan: new Date(now() - 60_000) })));
  }

  private async guard<T>(what: 'read' | 'write', run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw storageFailure(`Cannot ${what} the index at ${this.where}`, err);
    }
  }

  /**
   * The writer's lock. Check for a holder first; with none (or a stale one, removed by its
   * token), append a claim and read the claims back: the lowest row id (the first commit)
   * holds the lock, and a later claimant withdraws its row and stops with exit 5. Where the
   * store honours conditional writes (S3, MinIO, GCS), LanceDB's commit makes two appends two
   * versions, so exactly one claim is first. On a store that ignores them, two claims
   * committed at the same instant can overwrite one version: each then reads back only its
   * own row (the README states this window).
   */
  async acquireLock(pid: number, now: () => number, command: string): Promise<Lock> {
    const table = await this.lockTable();
    const start = await processStart(pid);
    const me: Claim = { token: randomBytes(12).toString('hex'), host: os.hostname(), pid, processStart: start, startedAt: new Date(now()).toISOString(), command };
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const holder = (await this.claims(table))[0];
      if (holder && (await this.isLive(holder, me, now))) throw lockedError(this.where, holder);
      if (holder) await this.guard('write', () => table.delete(`token = ${sqlString(holder.token)}`));
      await this.guard('write', () => table.add(claimRow(me)));
      const first = (await this.claims(table))[0];
      if (first?.token === me.token) return this.heldLock(table, me, now);
      await this.guard('write', () => table.delete(`token = ${sqlString(me.token)}`));
      if (first && (await this.isLive(first, me, now))) throw lockedError(this.where, first);
    }
    throw new RagError('locked', `Could not lock the index at ${this.where}`, 'another rag process keeps taking the lock; try again');
  }

  private async lockTable(): Promise<lancedb.Table> {
    try {
      return (await openTableIfExists(this.db, this.space, LOCK_TABLE)) ?? (await this.db.createEmptyTable(LOCK_TABLE, lockSchema(), { mode: 'create', existOk: true }));
    } catch (err) {
      throw storageFailure(`Cannot lock the index at ${this.where}`, err);
    }
  }

  private async claims(table: lancedb.Table): Promise<Claim[]> {
    const rows = await this.guard('read', () => table.query().withRowId().toArray());
    return (rows as Array<Record<string, unknown>>)
      .sort((a, b) => (BigInt(a._rowid as bigint) < BigInt(b._rowid as bigint) ? -1 : 1))
      .map((r) => ({
        token: String(r.token), host: String(r.host), pid: Number(r.pid), processStart: r.process_start === null || r.process_start === undefined ? undefined : String(r.process_start),
        startedAt: String(r.started_at), command: String(r.command),
      }));
  }

  /**
   * On this machine a holder is live while its process is (lock.ts's rules, which survive
   * pid reuse); on another, while its heartbeat is younger than OBJECT_LOCK_STALE_MS.
   */
  private async isLive(holder: Claim, me: Claim, now: () => number): Promise<boolean> {
    if (holder.host === me.host) {
      return isHeld({ pid: holder.pid, startedAt: holder.startedAt, command: holder.command, ...(holder.processStart ? { processStart: holder.processStart } : {}) }, me.pid);
    }
    const beat = await this.read(HEARTBEAT_DOC).then((t) => (t ? (JSON.parse(t) as { token?: string; at?: string }) : undefined)).catch(() => undefined);
    const seen = Math.max(Date.parse(holder.startedAt) || 0, beat?.token === holder.token ? Date.parse(beat.at ?? '') || 0 : 0);
    return now() - seen < OBJECT_LOCK_STALE_MS;
  }

  private heldLock(table: lancedb.Table, me: Claim, now: () => number): Lock {
    let released = false;
    const beat = () => this.write(HEARTBEAT_DOC, JSON.stringify({ token: me.token, at: new Date(now()).toISOString() })).catch(() => {});
    // A writer on another machine judges this lock by the heartbeat; unref'd, it never keeps the process alive.
    const timer = setInterval(() => void beat(), HEARTBEAT_MS);
    timer.unref();
    return {
      isHeld: async () => (await this.claims(table)).some((c) => c.token === me.token),
      release: async () => {
        if (released) return;
        released = true;
        clearInterval(timer);
        await this.guard('write', () => table.delete(`token = ${sqlString(me.token)}`));
      },
    };
  }
}

interface Claim {
  token: string;
  host: string;
  pid: number;
  processStart: string | undefined;
  startedAt: string;
  command: string;
}

function claimRow(c: Claim): Arrow.Table {
  const text = (v: string | null) => vectorFromArray([v], new Utf8());
  return new Table(lockSchema(), {
    token: text(c.token), host: text(c.host), pid: vectorFromArray([c.pid], new Int32()), process_start: text(c.processStart ?? null),
    started_at: text(c.startedAt), command: text(c.command),
  });
}

function lockedError(where: string, holder: Claim): RagError {
  return new RagError(
    'locked',
    `The index at ${where} is locked by another '${holder.command}' (pid ${holder.pid} on ${holder.host}, since ${holder.startedAt})`,
    `wait for it to finish, or stop that process; a lock from another machine is taken over ${OBJECT_LOCK_STALE_MS / 60_000} minutes after its last heartbeat`,
  );
}
