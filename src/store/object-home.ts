/**
 * An index kept whole in an object store (`s3://bucket/prefix`, gs://, az://, db://): the
 * chunk tables and, in LanceDB tables beside them (lance-meta.ts, loaded on first use),
 * the documents and the lock. There is no folder around it, so stored paths are relative
 * to the folder each command runs in (see the README's "Shared index in object storage").
 */
import type { Lock } from './lock.js';
import type { IndexHome, TableSpace } from './index-home.js';
import type { LanceDocs } from './lance-meta.js';

export class ObjectStoreHome implements IndexHome {
  readonly isFolder = false;
  private docs: Promise<LanceDocs> | undefined;

  constructor(
    readonly where: string,
    readonly tables: TableSpace,
  ) {}

  private meta(): Promise<LanceDocs> {
    this.docs ??= import('./lance-meta.js').then(({ LanceDocs }) => LanceDocs.connect(this.tables, this.where));
    // A failed connection is not kept: the next call tries again.
    this.docs.catch(() => {
      this.docs = undefined;
    });
    return this.docs;
  }

  async readDoc(name: string): Promise<string | undefined> {
    return (await this.meta()).read(name);
  }

  async writeDoc(name: string, text: string): Promise<void> {
    await (await this.meta()).write(name, text);
  }

  async removeDocs(names: readonly string[]): Promise<void> {
    await (await this.meta()).remove(names);
  }

  async docNames(): Promise<string[]> {
    return (await this.meta()).names();
  }

  docLabel(name: string): string {
    return `${name} in ${this.where}`;
  }

  /** The bucket must exist already: rag never creates one. */
  async prepare(): Promise<void> {}

  /** Tables cannot be listed everywhere, and rag only ever touches tables it names (rag_*, chunks_g<n>). */
  async assertOwn(): Promise<void> {}

  async acquireLock(pid: number, now: () => number, command = 'rag index'): Promise<Lock> {
    return (await this.meta()).acquireLock(pid, now, command);
  }

  rootOf(_stored: string, cwd: string): string {
    return cwd;
  }

  newRoot(_isExplicit: boolean, cwd: string): string {
    return cwd;
  }

  /** The writer's folder, for `rag status` only: no other machine can resolve it. */
  storedRoot(root: string): string {
    return root;
  }

  /**
   * Upkeep only: the run's data and documents are committed by now, and the next writing run
   * compacts again, so a failure here (a reader's commit racing it) must not fail the run.
   */
  async tidy(now: () => number): Promise<void> {
    await (await this.meta()).compact(now).catch(() => undefined);
  }
}
