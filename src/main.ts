/**
 * The process edge: builds Io from `process`, runs the CLI, and is the only place
 * that turns an error into a stderr line and an exit status. `run` is what
 * in-process tests call; `main` is what bin/rag.cjs calls.
 */
import os from 'node:os';
import { format } from 'node:util';
import v8 from 'node:v8';
import { buildProgram, commandNames, commanderExitCode, globalValueOptions } from './cli.js';
import { Exit, RagError, describeError, isAbortError, type ExitCode } from './errors.js';
import type { Io } from './io.js';
import { HELP_FLAGS } from './quick-answers.cjs';
import { showControls } from './render/controls.js';
import { errorJson, writeJson } from './render/json.js';

/** Messages quote paths, model names and server replies: nothing in them may drive the terminal. */
function errorLine(err: RagError): string {
  return `rag: ${showControls(describeError(err), { singleLine: true })}\n`;
}

/** The first word of argv that is neither an option nor an option's value. */
function commandWord(flags: readonly string[], valueOptions: readonly string[]): string | undefined {
  for (let i = 0; i < flags.length; i++) {
    const word = flags[i]!;
    if (valueOptions.includes(word)) i++;
    else if (!word.startsWith('-')) return word;
  }
  return undefined;
}

/** The commands that open the LanceDB table. */
const STORE_COMMANDS = ['index', 'ask', 'search', 'eval'];

/**
 * Process-wide tuning for the command about to run, here at the process edge rather
 * than in the modules that benefit from it.
 *
 * LanceDB reads some settings from the environment when its pools first start, so they
 * are set before the command's first call. With 2 CPUs or fewer its CPU pool has one
 * thread and building a full-text index of 20,000+ rows deadlocks (lancedb/lancedb#3568):
 * two threads avoid it. The full-text index is built in partitions of
 * LANCE_FTS_PARTITION_SIZE, and every query reads every partition: a cold query over 26
 * small ones took twice as long as over 5 (npm run bench), so the partitions are kept
 * larger than the memory of the build alone would ask for. Smaller shuffle batches bound
 * the vector index build: over 81,000 vectors it peaked about 30 MB lower with 4 MB
 * batches, in the same time. A value the user set is kept.
 *
 * An index run's garbage is short-lived (files, responses, Arrow buffers), yet V8 grows
 * the young generation to 16 MB semi-spaces, which left some 40 MB more committed heap at
 * the run's peak (npm run bench) for no measurable speed; V8 reads the flag whenever it
 * considers growing, so setting it now takes effect. Only for `index`: a search or an
 * ask, which mostly converts LanceDB results, ran 10-40 ms slower with it. --expose-gc
 * lets the store collect garbage before a native index build or compaction.
 */
export function tuneProcess(command: string | undefined, env: NodeJS.ProcessEnv, cpus: number): void {
  if (command === undefined || !STORE_COMMANDS.includes(command)) return;
  if (env.LANCE_CPU_THREADS === undefined && cpus <= 3) env.LANCE_CPU_THREADS = '2';
  if (env.LANCE_FTS_PARTITION_SIZE === undefined) env.LANCE_FTS_PARTITION_SIZE = '16';
  if (env.LANCE_SHUFFLE_BATCH_BYTES === undefined) env.LANCE_SHUFFLE_BATCH_BYTES = String(4 * 1024 * 1024);
  if (command === 'index') {
    v8.setFlagsFromString('--semi-space-growth-factor=1');
    v8.setFlagsFromString('--expose-gc');
  }
}

export interface RunOptions {
  signal?: AbortSignal;
  pid?: number;
}

export async function run(argv: string[], io: Io, options: RunOptions = {}): Promise<ExitCode> {
  const signal = options.signal ?? new AbortController().signal;
  // Options after `--` are words of the question or query, not flags.
  let flags = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
  // Set by the command's action; a usage error stops before any action runs, so argv decides then.
  let isJson = flags.includes('--json');
  let verbose = flags.includes('--verbose') || flags.includes('-v') || Boolean(io.env.DEBUG);
  let usageMessage: string | undefined;
  let problems: RagError[] = [];
  const program = buildProgram({
    io,
    signal,
    pid: options.pid ?? process.pid,
    setJson: (j) => (isJson = j),
    onUsageError: (message) => (usageMessage = message),
    onProblems: (found) => (problems = found),
  });
  const commands = commandNames(program);
  const word = commandWord(flags, globalValueOptions(program));
  tuneProcess(word, process.env, os.availableParallelism());
  // `rag indx --help` and `rag help indx`: commander would print rag's help (exit 0, or exit
  // 2 with the help on stderr), hiding the typo. Asked without the help, it reports the
  // unknown command in one line, with its likely fix.
  const helpIndex = word === 'help' ? flags.indexOf('help') : -1;
  const helpTopic = helpIndex >= 0 ? flags[helpIndex + 1] : undefined;
  const isUnknown = (w: string | undefined) => w !== undefined && !w.startsWith('-') && w !== 'help' && !commands.includes(w);
  if ((isUnknown(word) && flags.some((f) => HELP_FLAGS.includes(f))) || isUnknown(helpTopic)) {
    const rest = argv.slice(flags.length);
    flags = flags.filter((f, i) => !HELP_FLAGS.includes(f) && i !== helpIndex);
    argv = [...flags, ...rest];
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    // Problems a command reported in its output (status): one stderr line each, with or
    // without --json, and the first one's exit code.
    for (const p of problems) io.stderr.write(errorLine(p));
    return problems[0]?.exitCode ?? Exit.ok;
  } catch (err) {
    const commanderCode = commanderExitCode(err);
    if (commanderCode !== undefined) {
      // --help and --version end here too, with exit code 0.
      if (commanderCode === 0) return Exit.ok;
      if (usageMessage !== undefined) {
        // One line, like every other error: what is wrong, then where the usage is.
        const command = flags.find((a) => commands.includes(a));
        const usage = new RagError('usage', usageMessage, `run 'rag ${command ? `${command} ` : ''}--help' for usage`);
        io.stderr.write(errorLine(usage));
        // --verbose means details for every error, usage errors included.
        if (verbose) io.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
        if (isJson) writeJson(io, errorJson(usage));
      }
      return Exit.usage;
    }
    // argv misses combined short flags (-qv); the parsed options have them once parsing got that far.
    if (program.opts<{ verbose?: boolean }>().verbose) verbose = true;
    const rag = toRagError(err, signal);
    io.stderr.write(errorLine(rag));
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

/**
 * Libraries write to the console in places (the Ollama client's "Getting text from
 * response" and "invalid json: …"; LanceDB's native logger its WARN lines), and none of
 * that may land in rag's output, least of all on stdout. rag itself never uses the
 * console. Dropped, or with --verbose/DEBUG shown on stderr as escaped `debug:` lines.
 */
export function quietLibraries(stderr: NodeJS.WritableStream, env: NodeJS.ProcessEnv, argv: readonly string[]): void {
  const flags = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
  const verbose = Boolean(env.DEBUG) || flags.some((f) => f === '--verbose' || /^-[a-zA-Z]*v[a-zA-Z]*$/.test(f));
  // Read by LanceDB's native logger when it loads, which is after this.
  env.LANCEDB_LOG ??= verbose ? 'warn' : 'off';
  const show = (...args: unknown[]): void => {
    if (verbose) stderr.write(`debug: ${showControls(format(...args), { singleLine: true })}\n`);
  };
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) console[method] = show;
}

export async function main(): Promise<void> {
  quietLibraries(process.stderr, process.env, process.argv.slice(2));
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
