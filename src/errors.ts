/**
 * One error type for everything the user can act on. `reason` says what went wrong,
 * decided where the error is created; the exit code follows from the reason through
 * one table (EXIT_FOR_REASON); `hint` says what to do next, `cause` keeps the
 * original for --verbose. main.ts is the only place that turns an error into a
 * stderr line and an exit status.
 */
export const Exit = {
  ok: 0,
  internal: 1,
  usage: 2,
  ollama: 3,
  model: 4,
  index: 5,
  /** `rag eval` thresholds and `rag ask --require-citation`: the run worked, the checks did not pass. */
  checks: 6,
  interrupted: 130,
} as const;

export type ExitCode = (typeof Exit)[keyof typeof Exit];

/** What went wrong, in words a caller can branch on (never the message text). */
export type Reason =
  | 'internal'
  | 'usage'
  | 'bad-config'
  | 'too-long'
  | 'unreachable'
  | 'not-ollama'
  | 'missing-model'
  | 'unknown-model'
  | 'wrong-kind'
  | 'model-mismatch'
  | 'pull-failed'
  | 'index-missing'
  | 'index-empty'
  | 'index-mismatch'
  | 'locked'
  | 'damaged'
  | 'storage'
  | 'below-threshold'
  | 'not-grounded'
  | 'interrupted';

/** The one place exit codes are decided. */
export const EXIT_FOR_REASON: Record<Reason, ExitCode> = {
  internal: Exit.internal,
  usage: Exit.usage,
  'bad-config': Exit.usage,
  'too-long': Exit.usage,
  unreachable: Exit.ollama,
  'not-ollama': Exit.ollama,
  'missing-model': Exit.model,
  'unknown-model': Exit.model,
  'wrong-kind': Exit.model,
  'model-mismatch': Exit.model,
  'pull-failed': Exit.model,
  'index-missing': Exit.index,
  'index-empty': Exit.index,
  'index-mismatch': Exit.index,
  locked: Exit.index,
  damaged: Exit.index,
  storage: Exit.index,
  'below-threshold': Exit.checks,
  'not-grounded': Exit.checks,
  interrupted: Exit.interrupted,
};

/** The reason an exit code alone stands for, for code that names only the code. */
const REASON_FOR_EXIT: Record<ExitCode, Reason> = {
  0: 'internal',
  1: 'internal',
  2: 'usage',
  3: 'not-ollama',
  4: 'unknown-model',
  5: 'storage',
  6: 'below-threshold',
  130: 'interrupted',
};

export class RagError extends Error {
  readonly reason: Reason;

  constructor(
    reason: Reason | ExitCode,
    message: string,
    readonly hint?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'RagError';
    this.reason = typeof reason === 'number' ? REASON_FOR_EXIT[reason] : reason;
  }

  get exitCode(): ExitCode {
    return EXIT_FOR_REASON[this.reason];
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
  6: 'checks_below_threshold',
  130: 'interrupted',
};

export function isAbortError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || (err as { code?: unknown }).code === 'ABORT_ERR');
}

/** The one-line message for an error: `<message> — <hint>`. */
export function describeError(err: RagError): string {
  return err.hint ? `${err.message} — ${err.hint}` : err.message;
}
