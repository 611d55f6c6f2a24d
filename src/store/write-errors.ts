/**
 * Storage failures while writing the index, as the user can act on them: permission denied
 * and a full disk name the folder and what to do, with exit 5 rather than "report it".
 * LanceDB reports them as Rust I/O errors in its message; Node as errno codes.
 */
import { RagError } from '../errors.js';
import { objectStoreFailure } from './object-store.js';

const DENIED = /EACCES|EPERM|EROFS|permission denied|read-only file system|os error (1|13|30)\b/i;
const FULL = /ENOSPC|EDQUOT|no space left|quota exceeded|os error (28|122)\b/i;

export function storageWriteError(dir: string, err: unknown): RagError {
  if (err instanceof RagError) return err;
  const text = `${(err as NodeJS.ErrnoException | undefined)?.code ?? ''} ${err instanceof Error ? err.message : String(err)}`;
  const kept = 'the files indexed so far are kept';
  if (DENIED.test(text)) {
    return new RagError('storage', `Cannot write the index at ${dir}: permission denied`, `make ${dir} writable, then run 'rag index' again; ${kept}`, { cause: err });
  }
  if (FULL.test(text)) {
    return new RagError('storage', `Cannot write the index at ${dir}: no space left on the device`, `free some disk space, then run 'rag index' again; ${kept}`, { cause: err });
  }
  const first = err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err);
  const failure = objectStoreFailure(text);
  if (failure) return new RagError('storage', `Cannot write the index at ${dir}: ${failure.message}`, `${failure.hint}, then run 'rag index' again; ${kept}`, { cause: err });
  return new RagError('storage', `Cannot write the index at ${dir}: ${first}`, `check the folder, then run 'rag index' again (or 'rag index --rebuild'); ${kept}`, { cause: err });
}
