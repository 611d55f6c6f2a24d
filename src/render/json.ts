/** The one writer of `--json` documents: exactly one JSON value and a newline on stdout. */
import type { Io } from '../io.js';
import { exitCodeName, type RagError } from '../errors.js';

export function writeJson(io: Io, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** What stdout holds when a `--json` run fails: the stderr line and exit code are unchanged. */
export function errorJson(err: RagError): { error: { code: number; name: string; message: string; hint?: string } } {
  return { error: { code: err.exitCode, name: exitCodeName[err.exitCode], message: err.message, ...(err.hint ? { hint: err.hint } : {}) } };
}
