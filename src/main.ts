/**
 * The process edge: builds Io from `process`, runs the CLI, and is the only place
 * that turns an error into a stderr line and an exit status. `run` is what
 * in-process tests call; `main` is what bin/rag.cjs calls.
 */
import { CommanderError } from 'commander';
import { buildProgram } from './cli.js';
import { Exit, RagError, describeError, isAbortError, type ExitCode } from './errors.js';
import type { Io } from './io.js';
import { HELP_FLAGS } from './quick-answers.cjs';
import { errorJson, writeJson } from './render/json.js';

const COMMANDS = ['index', 'ask', 'search', 'status'];
/** Global options that take a value: the word after them is not the command. */
const GLOBAL_VALUE_OPTIONS = ['--db', '--host'];

/** The first word of argv that is neither an option nor an option's value. */
function commandWord(flags: readonly string[]): string | undefined {
  for (let i = 0; i < flags.length; i++) {
    const word = flags[i]!;
    if (GLOBAL_VALUE_OPTIONS.includes(word)) i++;
    else if (!word.startsWith('-')) return word;
  }
  return undefined;
}

export interface RunOptions {
  signal?: AbortSignal;
  pid?: number;
}

export async function run(argv: string[], io: Io, options: RunOptions = {}): Promise<ExitCode> {
  const signal = options.signal ?? new AbortController().signal;
  // Options after `--` are words of the question or query, not flags.
  let flags = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
  // `rag indx --help` and `rag help indx`: commander would print rag's help (exit 0, or exit
  // 2 with the help on stderr), hiding the typo. Asked without the help, it reports the
  // unknown command in one line, with its likely fix.
  const word = commandWord(flags);
  const helpIndex = word === 'help' ? flags.indexOf('help') : -1;
  const helpTopic = helpIndex >= 0 ? flags[helpIndex + 1] : undefined;
  const isUnknown = (w: string | undefined) => w !== undefined && !w.startsWith('-') && w !== 'help' && !COMMANDS.includes(w);
  if ((isUnknown(word) && flags.some((f) => HELP_FLAGS.includes(f))) || isUnknown(helpTopic)) {
    const rest = argv.slice(flags.length);
    flags = flags.filter((f, i) => !HELP_FLAGS.includes(f) && i !== helpIndex);
    argv = [...flags, ...rest];
  }
  // Set by the command's action; a usage error stops before any action runs, so argv decides then.
  let isJson = flags.includes('--json');
  let verbose = flags.includes('--verbose') || flags.includes('-v') || Boolean(io.env.DEBUG);
  let usageMessage: string | undefined;
  const program = buildProgram({
    io,
    signal,
    pid: options.pid ?? process.pid,
    setJson: (j) => (isJson = j),
    onUsageError: (message) => (usageMessage = message),
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return Exit.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      if (err.exitCode === 0) return Exit.ok;
      if (usageMessage !== undefined) {
        // One line, like every other error: what is wrong, then where the usage is.
        const command = flags.find((a) => COMMANDS.includes(a));
        const usage = new RagError('usage', usageMessage, `run 'rag ${command ? `${command} ` : ''}--help' for usage`);
        io.stderr.write(`rag: ${describeError(usage)}\n`);
        // --verbose means details for every error, usage errors included.
        if (verbose) io.stderr.write(`${err.stack ?? String(err)}\n`);
        if (isJson) writeJson(io, errorJson(usage));
      }
      return Exit.usage;
    }
    // argv misses combined short flags (-qv); the parsed options have them once parsing got that far.
    if (program.opts<{ verbose?: boolean }>().verbose) verbose = true;
    const rag = toRagError(err, signal);
    // A RagError without a message was already reported by its command (status).
    if (!rag.message) return rag.exitCode;
    io.stderr.write(`rag: ${describeError(rag)}\n`);
    if (verbose) {
      const detail = rag.cause instanceof Error ? rag.cause : rag === err ? undefined : (err as Error);
      io.stderr.write(`${(detail ?? rag).stack ?? String(detail ?? rag)}\n`);
    }
    if (isJson) writeJson(io, errorJson(rag));
    return rag.exitCode;
  }
}

function toRagError(err: unknown, signal: AbortSignal): RagError {
  if (err instanceof RagError) return err;
  if (signal.aborted || isAbortError(err)) return new RagError('interrupted', 'Interrupted', undefined, { cause: err });
  const message = err instanceof Error ? err.message : String(err);
  // The hint keeps it to one line, like every other error.
  return new RagError('internal', `Unexpected error: ${message.split('\n')[0]}`, 'run again with --verbose for details, and report it if it persists', { cause: err });
}

export async function main(): Promise<void> {
  const controller = new AbortController();
  let stopRequests = 0;
  const stop = (why: string) => () => {
    // First signal: stop cleanly (finish the write under way, release the lock).
    // Second: the user means it, even if a native call is not answering the first.
    // Forced exits are safe for the index: every write is one atomic commit.
    if (++stopRequests > 1) process.exit(Exit.interrupted);
    controller.abort(new RagError('interrupted', why));
  };
  process.on('SIGINT', stop('Interrupted'));
  process.on('SIGTERM', stop('Terminated'));
  // `rag ... | head -1`: a closed pipe is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? Exit.ok);
    throw err;
  });
  const io: Io = {
    stdin: process.stdin,
    stdinIsTTY: Boolean(process.stdin.isTTY),
    stdout: process.stdout,
    stderr: process.stderr,
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    env: process.env,
    cwd: process.cwd(),
    now: () => Date.now(),
  };
  process.exitCode = await run(process.argv.slice(2), io, { signal: controller.signal, pid: process.pid });
}
