/**
 * One error type for everything the user can act on. `exitCode` says what kind of
 * failure it is, `hint` says what to do next, `cause` keeps the original for --verbose.
 * main.ts is the only place that turns an error into a stderr line and an exit status.
 */
export const Exit = {
  ok: 0,
  internal: 1,
  usage: 2,
  ollama: 3,
  model: 4,
  index: 5,
  interrupted: 130,
} as const;

export type ExitCode = (typeof Exit)[keyof typeof Exit];

export class RagError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    readonly hint?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'RagError';
  }
}

/** Short machine-readable names for exit codes, used in `--json` error documents. */
export const exitCodeName: Record<ExitCode, string> = {
  0: 'ok',
  1: 'internal',
  2: 'usage',
  3: 'ollama_unreachable',
  4: 'model',
  5: 'index',
  130: 'interrupted',
};

export function isAbortError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || (err as { code?: unknown }).code === 'ABORT_ERR');
}

/** The one-line message for an error: `<message> — <hint>`. */
export function describeError(err: RagError): string {
  return err.hint ? `${err.message} — ${err.hint}` : err.message;
}
