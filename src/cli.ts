/**
 * The only importer of commander: flags, help text and lazy dispatch. Each command
 * module (and everything heavy it needs) is imported only when that command runs,
 * so `rag --help` and `rag --version` start as fast as node itself.
 */
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { AskCommandOptions } from './commands/ask.js';
import type { ChatCommandOptions } from './commands/chat.js';
import type { EvalCommandOptions } from './commands/eval.js';
import type { IndexCommandOptions } from './commands/index.js';
import type { McpCommandOptions } from './commands/mcp.js';
import type { LsOptions } from './commands/ls.js';
import type { RmOptions } from './commands/rm.js';
import type { SearchOptions } from './commands/search.js';
import type { StatusOptions } from './commands/status.js';
import type { Context, GlobalOptions, SettingFlags } from './context.js';
import { DEFAULTS } from './defaults.js';
import { DEFAULT_MAX_FILE_SIZE_MB, formatNameFor, formatNames } from './formats.js';
import type { OptionSpec, ProgramSpec, Shell } from './render/completion.js';
import type { RagError } from './errors.js';
import type { Io } from './io.js';
import { VERSION, helpWidth } from './quick-answers.cjs';

function positiveInt(name: string, max = 1_000_000) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1 || n > max) {
      throw new InvalidArgumentError(`${name} must be a whole number from 1 to ${max}.`);
    }
    return n;
  };
}

function nonNegativeInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`${name} must be a whole number.`);
    return n;
  };
}

function numberIn(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be a number from ${min} to ${max}.`);
    }
    return n;
  };
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `-t md -t rst` or `-t md,rst`: format names from the one formats table, by name or by extension. */
function collectType(value: string, previous: string[] = []): string[] {
  const names = value.split(',').map((v) => {
    const name = formatNameFor(v);
    if (!name) throw new InvalidArgumentError(`unknown type '${v}'; types: ${formatNames().join(', ')} (or a file extension, e.g. md).`);
    return name;
  });
  return [...new Set([...previous, ...names])];
}

const TYPE_HELP = 'only files of this format: a name (markdown, code, …) or an extension (md, py) (repeatable)';

/** The flags commander hands each command's action, as declared below. */
export interface IndexFlags {
  embedModel?: string;
  chunkSize?: number;
  chunkOverlap?: number;
  include?: string[];
  exclude?: string[];
  /** `--no-gitignore` sets it to false. */
  gitignore: boolean;
  follow?: boolean;
  maxFileSize?: number;
  rebuild?: boolean;
  dryRun?: boolean;
  pull?: boolean;
  batchSize?: number;
  concurrency?: number;
  json?: boolean;
  type?: string[];
  watch?: boolean;
}

export interface AskFlags extends ChatFlags {
  /** `--no-stream` sets it to false. */
  stream: boolean;
  requireCitation?: boolean;
  type?: string[];
}

export interface EvalFlags {
  topK?: number;
  answers?: boolean;
  model?: string;
  temperature?: number;
  seed?: number;
  numCtx?: number;
  minRecall?: number;
  minMrr?: number;
  minAnswerRate?: number;
  minRefusal?: number;
  junit?: string;
  compare?: string;
  generate?: number;
  pull?: boolean;
  json?: boolean;
  type?: string[];
}

export interface SearchFlags {
  topK?: number;
  json?: boolean;
  type?: string[];
}

export interface LsFlags {
  json?: boolean;
}

export interface RmFlags {
  dryRun?: boolean;
  json?: boolean;
}

/** `rag completion <shell>`: the script for that shell, from the program's own description. */
export interface CompletionOptions {
  shell: Shell;
  spec: ProgramSpec;
  json: false;
}

export interface StatusFlags {
  json?: boolean;
}

export interface ChatFlags {
  model?: string;
  topK?: number;
  temperature?: number;
  seed?: number;
  numCtx?: number;
  sources: ChatCommandOptions['sources'];
  pull?: boolean;
  json?: boolean;
}

export interface McpFlags {
  allowIndex?: boolean;
}

/** A parsed command line: which command, its options, and the settings its flags give. */
export type Invocation =
  | { command: 'index'; options: IndexCommandOptions; settings: SettingFlags }
  | { command: 'ask'; options: AskCommandOptions; settings: SettingFlags }
  | { command: 'search'; options: SearchOptions; settings: SettingFlags }
  | { command: 'eval'; options: EvalCommandOptions; settings: SettingFlags }
  | { command: 'status'; options: StatusOptions; settings: SettingFlags }
  | { command: 'chat'; options: ChatCommandOptions; settings: SettingFlags }
  | { command: 'mcp'; options: McpCommandOptions; settings: SettingFlags }
  | { command: 'ls'; options: LsOptions; settings: SettingFlags }
  | { command: 'rm'; options: RmOptions; settings: SettingFlags }
  | { command: 'completion'; options: CompletionOptions; settings: SettingFlags };

export function indexInvocation(paths: string[], f: IndexFlags): Invocation {
  return {
    command: 'index',
    options: {
      paths,
      include: f.include ?? [],
      exclude: f.exclude ?? [],
      gitignore: f.gitignore,
      follow: Boolean(f.follow),
      rebuild: Boolean(f.rebuild),
      dryRun: Boolean(f.dryRun),
      pull: Boolean(f.pull),
      json: Boolean(f.json),
      ...(f.type ? { types: f.type } : {}),
      watch: Boolean(f.watch),
    },
    settings: {
      embedModel: f.embedModel,
      chunkSize: f.chunkSize,
      chunkOverlap: f.chunkOverlap,
      maxFileSizeMb: f.maxFileSize,
      batchSize: f.batchSize,
      concurrency: f.concurrency,
    },
  };
}

/** The generation flags `ask` and `chat` share, as options. */
function answerOptions(f: ChatFlags): ChatCommandOptions {
  return {
    temperature: f.temperature ?? 0,
    ...(f.seed !== undefined ? { seed: f.seed } : {}),
    ...(f.numCtx !== undefined ? { numCtx: f.numCtx } : {}),
    sources: f.sources,
    pull: Boolean(f.pull),
    json: Boolean(f.json),
  };
}

export function askInvocation(words: string[], f: AskFlags): Invocation {
  return {
    command: 'ask',
    options: {
      question: words.join(' '),
      stream: f.stream,
      ...answerOptions(f),
      ...(f.requireCitation ? { requireCitation: true } : {}),
      ...(f.type ? { types: f.type } : {}),
    },
    settings: { model: f.model, topK: f.topK },
  };
}

export function evalInvocation(cases: string | undefined, f: EvalFlags): Invocation {
  const thresholds = {
    ...(f.minRecall !== undefined ? { minRecall: f.minRecall } : {}),
    ...(f.minMrr !== undefined ? { minMrr: f.minMrr } : {}),
    ...(f.minAnswerRate !== undefined ? { minAnswerRate: f.minAnswerRate } : {}),
    ...(f.minRefusal !== undefined ? { minRefusal: f.minRefusal } : {}),
  };
  return {
    command: 'eval',
    options: {
      ...(cases !== undefined ? { casesFile: cases } : {}),
      answers: Boolean(f.answers),
      ...(f.temperature !== undefined ? { temperature: f.temperature } : {}),
      ...(f.seed !== undefined ? { seed: f.seed } : {}),
      ...(f.numCtx !== undefined ? { numCtx: f.numCtx } : {}),
      pull: Boolean(f.pull),
      json: Boolean(f.json),
      ...(f.junit !== undefined ? { junit: f.junit } : {}),
      thresholds,
      ...(f.compare !== undefined ? { compare: f.compare } : {}),
      ...(f.generate !== undefined ? { generate: f.generate } : {}),
    },
    settings: { model: f.model, topK: f.topK },
  };
}

export function searchInvocation(words: string[], f: SearchFlags): Invocation {
  return { command: 'search', options: { query: words.join(' '), json: Boolean(f.json), ...(f.type ? { types: f.type } : {}) }, settings: { topK: f.topK } };
}

export function lsInvocation(paths: string[], f: LsFlags): Invocation {
  return { command: 'ls', options: { paths, json: Boolean(f.json) }, settings: {} };
}

export function rmInvocation(paths: string[], f: RmFlags): Invocation {
  return { command: 'rm', options: { paths, dryRun: Boolean(f.dryRun), json: Boolean(f.json) }, settings: {} };
}

export function statusInvocation(f: StatusFlags): Invocation {
  return { command: 'status', options: { json: Boolean(f.json) }, settings: {} };
}

export function chatInvocation(f: ChatFlags): Invocation {
  return {
    command: 'chat',
    options: answerOptions(f),
    settings: { model: f.model, topK: f.topK },
  };
}

export function mcpInvocation(f: McpFlags): Invocation {
  return { command: 'mcp', options: { allowIndex: Boolean(f.allowIndex) }, settings: {} };
}

/**
 * Whether main.ts should print a failure as a `--json` error document. Not for chat, whose
 * JSON Lines end with their own one-line error, nor for mcp, whose stdout is the protocol.
 */
function printsJsonError(inv: Invocation): boolean {
  return inv.command === 'chat' || inv.command === 'mcp' ? false : inv.options.json;
}

/** Runs a parsed command line; tests pass their own to see what the flags became. */
export type Dispatch = (invocation: Invocation) => Promise<void>;

export interface ProgramHooks {
  io: Io;
  signal: AbortSignal;
  pid: number;
  /** Told before each command runs whether it prints JSON, so that main.ts can print a JSON error. */
  setJson: (isJson: boolean) => void;
  /** Receives commander's usage error text instead of printing it: main.ts prints the one line. */
  onUsageError: (message: string) => void;
  /** Problems a command found and reported in its output (status): main.ts prints them and sets the exit code. */
  onProblems?: (problems: RagError[]) => void;
  /** Instead of running the command: what tests use to check the flags -> options mapping. */
  dispatch?: Dispatch;
}

/** Each command module (and everything heavy it needs) is loaded only when it runs. */
async function runInvocation(inv: Invocation, globals: GlobalOptions, hooks: ProgramHooks): Promise<void> {
  hooks.setJson(printsJsonError(inv));
  // Loaded when a command runs: help and version never pay for chalk, fs probes or config.
  const { createContext } = await import('./context.js');
  const context = (): Context => createContext(globals, inv.settings, hooks.io, hooks.signal, hooks.pid);
  switch (inv.command) {
    case 'index':
      return (await import('./commands/index.js')).indexCommand(inv.options, context());
    case 'ask':
      return hooks.onProblems?.(await (await import('./commands/ask.js')).askCommand(inv.options, context()));
    case 'eval':
      return hooks.onProblems?.(await (await import('./commands/eval.js')).evalCommand(inv.options, context()));
    case 'search':
      return (await import('./commands/search.js')).searchCommand(inv.options, context());
    case 'status':
      return hooks.onProblems?.(await (await import('./commands/status.js')).statusCommand(inv.options, context()));
    case 'chat':
      return (await import('./commands/chat.js')).chatCommand(inv.options, context());
    case 'mcp':
      return (await import('./commands/mcp.js')).mcpCommand(inv.options, context());
    case 'ls':
      return (await import('./commands/ls.js')).lsCommand(inv.options, context());
    case 'rm':
      return (await import('./commands/rm.js')).rmCommand(inv.options, context());
    case 'completion': {
      const { completionScript } = await import('./render/completion.js');
      hooks.io.stdout.write(completionScript(inv.options.shell, inv.options.spec));
      return;
    }
  }
}

/** The command names the program knows, for main.ts's unknown-command check. */
export function commandNames(program: Command): string[] {
  return program.commands.map((c) => c.name());
}

/** Global options that take a value: the word after them is not the command. */
export function globalValueOptions(program: Command): string[] {
  return program.options.filter((o) => o.required || o.optional).flatMap((o) => [o.long, o.short].filter((f): f is string => f !== undefined));
}

/** The exit code commander asked for (help, version, usage errors), or undefined for any other error. */
export function commanderExitCode(err: unknown): number | undefined {
  return err instanceof CommanderError ? err.exitCode : undefined;
}

const EXIT_CODES_HELP = `
Exit codes:
  0    success
  1    unexpected internal error (rerun with --verbose and report it)
  2    usage or bad input (unknown option, missing path, empty question)
  3    Ollama unreachable
  4    model missing or of the wrong kind
  5    index missing, empty, locked, mismatched, or its storage failing
  6    checks below threshold (rag eval --min-*, rag ask --require-citation)
  130  interrupted (Ctrl-C)`;

export function buildProgram(hooks: ProgramHooks): Command {
  const { io } = hooks;
  const program = new Command();
  const run: Dispatch = hooks.dispatch ?? ((inv) => runInvocation(inv, program.opts<GlobalOptions>(), hooks));
  // `--json` is global as well as per command: `rag --json status` is `rag status --json`.
  const dispatch: Dispatch = (inv) => run(program.opts<{ json?: boolean }>().json && !('json' in inv.options && inv.options.json) ? withJson(inv) : inv);

  program
    .name('rag')
    // One line per paragraph: commander wraps to the terminal, and a hard break would wrap twice.
    .description('Ask questions of your own documents, locally: index files with an Ollama embedding model, then get answers from a local chat model with the sources they rest on.')
    .version(VERSION, '-V, --version', 'print the version and exit')
    .helpOption('-h, --help', 'show help for a command')
    .option('--db <dir|uri>', 'index folder, or s3://bucket/prefix (default: nearest .rag/ up from here; env RAG_DB)')
    .option('--host <url>', 'Ollama server, or several comma-separated (default: env OLLAMA_HOST, else http://127.0.0.1:11434)')
    .option('-q, --quiet', 'print only the result: no progress, no summary line')
    .option('-v, --verbose', 'more detail on stderr: skipped files, timings, stack traces on errors')
    .option('--no-color', 'never colour the output (also: NO_COLOR=1)')
    .option('--json', "print the command's result as one JSON document on stdout")
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // Suggestions come on a line of their own ("\n(Did you mean index?)"): keep one line.
      outputError: (s) => hooks.onUsageError(s.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ').trim()),
      // Help is plain text; its width follows the terminal only when stdout is one.
      // commander would read process.stdout itself; ours come from Io.
      getOutHelpWidth: () => helpWidth(io.stdoutIsTTY, io.env),
      getErrHelpWidth: () => helpWidth(io.stderrIsTTY, io.env),
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    })
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .addHelpText('after', `
Examples:
  $ rag index ./docs                      index a folder (creates .rag/ here)
  $ rag ask "how do I rotate the API keys?"
  $ rag search --json "rotate keys" | jq '.results[0].path'
  $ rag status
  $ rag chat                              follow-up questions in one session
  $ claude mcp add rag -- rag --db "$PWD/.rag" mcp
  $ RAG_DB=s3://team/handbook rag search "on-call"   a shared index in a bucket
${EXIT_CODES_HELP}

Environment: OLLAMA_HOST, RAG_DB, RAG_EMBED_MODEL, RAG_MODEL, NO_COLOR, DEBUG;
AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT_URL for --db s3://…
Settings come from flags, then environment, then <index>/config.json, then defaults.`);

  // In the order a newcomer meets them: build the index, ask it, manage it, then the rest.
  addIndexCommand(program, dispatch);
  addAskCommand(program, dispatch);
  addSearchCommand(program, dispatch);
  addChatCommand(program, dispatch);
  addLsCommand(program, dispatch);
  addRmCommand(program, dispatch);
  addStatusCommand(program, dispatch);
  addEvalCommand(program, dispatch);
  addMcpCommand(program, dispatch);
  addCompletionCommand(program, dispatch);

  return program;
}

function addIndexCommand(program: Command, dispatch: Dispatch): void {
  program
    .command('index')
    .summary('add or update files in the index')
    .description(`Add or update files in the index (default: the current folder).

Walks the given folders and files, honouring .gitignore and .ragignore, splits text files into passages by headings, paragraphs and code blocks, and embeds them with an Ollama embedding model. Re-running is cheap: unchanged files are skipped without being read, only passages whose text changed are re-embedded, and removed files are dropped. The index lives in .rag/ (see --db); its embedding model and chunk settings are fixed when it is created: change them with --rebuild.`)
    .addArgument(new Argument('[paths...]', 'folders or files to index').default([], 'the current folder'))
    .option('--embed-model <name>', `embedding model (env RAG_EMBED_MODEL; default: the index's, else ${DEFAULTS.embedModel})`)
    .option('--chunk-size <chars>', `target passage size in characters (default ${DEFAULTS.chunkSize})`, positiveInt('--chunk-size', 100_000))
    .option('--chunk-overlap <chars>', `characters repeated between consecutive passages (default ${DEFAULTS.chunkOverlap})`, nonNegativeInt('--chunk-overlap'))
    .option('--include <glob>', "only index matching files, e.g. '*.md' or 'docs/**' (repeatable)", collect)
    .option('--exclude <glob>', "skip matching files or folders, e.g. 'drafts/**' (repeatable)", collect)
    .option('--no-gitignore', 'do not honour .gitignore files (.ragignore still applies)')
    .option('--follow', 'follow symlinks that lead outside the given folders (by default only those within are followed)')
    .option('--max-file-size <MB>', `skip files larger than this, in every format (default per format: ${maxFileSizeDefaults()})`, numberIn('--max-file-size', 0.001, 1024))
    .option('--rebuild', 'build a fresh index, replacing the old one only once the new one is complete')
    .option('--dry-run', 'show what would be added, updated, removed and skipped; change nothing')
    .option('--pull', 'pull the embedding model first if it is not installed')
    .option('--batch-size <n>', `passages per embedding request (default ${DEFAULTS.embedBatchSize})`, positiveInt('--batch-size', 1024))
    .option('--concurrency <n>', `embedding requests in flight per Ollama host (default ${DEFAULTS.embedConcurrency})`, positiveInt('--concurrency', 64))
    .option('--json', 'print the summary as one JSON object on stdout')
    .option('-t, --type <type>', TYPE_HELP, collectType)
    .option('--watch', 'after indexing, keep the index current as files change, until Ctrl-C')
    .addHelpText('after', `
Examples:
  $ rag index                              index the current folder
  $ rag index --watch docs                 index docs/, then follow every change
  $ rag index -t md -t rst docs            only Markdown and reStructuredText
  $ rag index docs README.md --exclude 'docs/archive/**'
  $ rag index --dry-run                    what would change?
  $ rag index --rebuild --embed-model mxbai-embed-large`)
    .action((paths: string[], flags: IndexFlags) => dispatch(indexInvocation(paths, flags)));
}

function addAskCommand(program: Command, dispatch: Dispatch): void {
  program
    .command('ask')
    .summary('answer a question from the indexed documents, with sources')
    .description(`Answer a question from the indexed documents, citing the passages it rests on.

Retrieves the most relevant passages (vector and full-text search, fused), packs them into the chat model's context, streams the answer to stdout, then lists the sources cited as [n] path:lines · heading. When the documents do not contain the answer, rag says so and lists no sources.`)
    .argument('<question...>', "the question (quotes optional); '-' reads it from stdin")
    .option('-m, --model <name>', `chat model (env RAG_MODEL; default ${DEFAULTS.model})`)
    .option('-k, --top-k <n>', `passages to give the model (default ${DEFAULTS.topK})`, positiveInt('--top-k', 100))
    .option('--no-stream', 'print the answer only when it is complete')
    .option('--temperature <t>', 'sampling temperature; 0 is the most deterministic (default 0)', numberIn('--temperature', 0, 2))
    .option('--seed <n>', 'random seed, for repeatable answers', nonNegativeInt('--seed'))
    .option('--num-ctx <tokens>', 'context window to request from Ollama (default: sized to the prompt)', positiveInt('--num-ctx', 1_048_576))
    .addOption(new Option('--sources <which>', 'which sources to list').choices(['cited', 'all', 'none']).default('cited'))
    .option('--pull', 'pull the chat model first if it is not installed')
    .option('--require-citation', 'exit 6 when the answer is "not found" or cites no valid passage')
    .option('-t, --type <type>', TYPE_HELP, collectType)
    .option('--json', 'print question, answer, citations and sources as one JSON object')
    .addHelpText('after', `
Examples:
  $ rag ask how do I change the embedding model
  $ rag ask -k 10 --sources all "what does exit code 5 mean?"
  $ rag ask --json --seed 1 "what is the default chunk size?" | jq -r .answer
  $ rag ask - < question.txt                the question from stdin`)
    .action((words: string[], flags: AskFlags) => dispatch(askInvocation(words, flags)));
}

function addSearchCommand(program: Command, dispatch: Dispatch): void {
  program
    .command('search')
    .summary('show the passages that best match a query (no chat model)')
    .description(`Show the passages that best match a query, best first: path, lines, heading, score and text. Uses only the embedding model, so it is fast and needs no chat model.`)
    .argument('<query...>', 'what to look for')
    .option('-k, --top-k <n>', `passages to show (default ${DEFAULTS.topK})`, positiveInt('--top-k', 100))
    .option('-t, --type <type>', TYPE_HELP, collectType)
    .option('--json', 'print the results as one JSON object (whole passage texts)')
    .addHelpText('after', `
Examples:
  $ rag search chunk overlap
  $ rag search --json -k 3 "OLLAMA_HOST" | jq -r '.results[].path'`)
    .action((words: string[], flags: SearchFlags) => dispatch(searchInvocation(words, flags)));
}

function addEvalCommand(program: Command, dispatch: Dispatch): void {
  program
    .command('eval')
    .summary('check retrieval (and answers) against known-answer cases; gate CI')
    .description(`Run known-answer checks: each case in a JSONL file names a question and the passages that answer it (or says the documents do not answer it). Reports each case's rank of the first expected passage, hit rate @k by passage and by file, and MRR; with --answers it also answers as 'rag ask' does and checks citations, refusals and required text. A threshold not met exits with code 6.`)
    .argument('[cases]', 'cases file (JSONL; default: rag-eval.jsonl at the index root)')
    .option('-k, --top-k <n>', `passages retrieved per question (default ${DEFAULTS.topK})`, positiveInt('--top-k', 100))
    .option('--answers', "also answer each question with the chat model, as 'rag ask' does, and check the answers")
    .option('-m, --model <name>', `chat model for --answers and --generate (env RAG_MODEL; default ${DEFAULTS.model})`)
    .option('--temperature <t>', 'sampling temperature for answers (default 0)', numberIn('--temperature', 0, 2))
    .option('--seed <n>', 'random seed for answers and sampling (default 42)', nonNegativeInt('--seed'))
    .option('--num-ctx <tokens>', 'context window to request from Ollama (default: sized to the prompt)', positiveInt('--num-ctx', 1_048_576))
    .option('--min-recall <rate>', 'exit 6 unless the hit rate @k (by passage) is at least this (0-1)', numberIn('--min-recall', 0, 1))
    .option('--min-mrr <mrr>', 'exit 6 unless the mean reciprocal rank is at least this (0-1)', numberIn('--min-mrr', 0, 1))
    .option('--min-answer-rate <rate>', 'with --answers: exit 6 unless this share of answerable cases pass (0-1)', numberIn('--min-answer-rate', 0, 1))
    .option('--min-refusal <rate>', 'with --answers: exit 6 unless this share of unanswerable cases are refused (0-1)', numberIn('--min-refusal', 0, 1))
    .option('--junit <file>', 'also write a JUnit XML report (one test case per question)')
    .option('--compare <k|index>', 'run a second configuration side by side: another -k (a number) or another index folder')
    .option('--generate <n>', 'draft n cases from sampled passages with the chat model (JSONL on stdout, to review by hand)', positiveInt('--generate', 10_000))
    .option('--pull', 'pull the chat model first if it is not installed')
    .option('--json', 'print per-case results and totals as one JSON object')
    .addHelpText('after', `
Examples:
  $ rag eval                                   cases from rag-eval.jsonl at the index root
  $ rag eval checks/docs-qa.jsonl -k 6
  $ rag eval --answers --min-recall 0.9 --min-refusal 1 --junit eval.xml
  $ rag eval --compare 10                      -k 6 and -k 10 side by side
  $ rag eval --compare ../before/.rag          this index and another, side by side
  $ rag eval --generate 40 > rag-eval.jsonl    draft cases, then review them`)
    .action((cases: string | undefined, flags: EvalFlags) => dispatch(evalInvocation(cases, flags)));
}

function addStatusCommand(program: Command, dispatch: Dispatch): void {
  program
    .command('status')
    .summary('show the index and whether Ollama and its models are ready')
    .description(`Show where the index is and what it holds (files, passages, embedding model, dimensions, last update), and whether Ollama is reachable with the models needed. Exits 0 when everything is ready, otherwise with the code of the first problem.`)
    .option('--json', 'print the status as one JSON object')
    .addHelpText('after', `
Examples:
  $ rag status                             is everything ready?
  $ rag status && rag ask "what changed in the last release?"
  $ rag status --json | jq .ready`)
    .action((flags: StatusFlags) => dispatch(statusInvocation(flags)));
}

function addChatCommand(program: Command, dispatch: Dispatch): void {
  program
    .command('chat')
    .summary('a conversation: follow-up questions answered from the documents')
    .description(`Hold a conversation with your documents. Each follow-up question is first rewritten by the chat model into a standalone query, using the conversation so far (shown dimmed), then answered as 'rag ask' would, with the earlier turns in the model's context as far as they fit after the passages.

On a terminal: a prompt with line editing and history; Ctrl-C cancels the answer being written, Ctrl-D or /exit ends the session. Commands: /sources, /search <query>, /clear, /model [name], /help, /exit.

Piped: one question (or command) per line; each answer and its sources are printed in turn, and the first error ends the session with its exit code. With --json, one JSON document per line (JSON Lines), each with the rewritten query.`)
    .option('-m, --model <name>', `chat model (env RAG_MODEL; default ${DEFAULTS.model})`)
    .option('-k, --top-k <n>', `passages to give the model (default ${DEFAULTS.topK})`, positiveInt('--top-k', 100))
    .option('--temperature <t>', 'sampling temperature; 0 is the most deterministic (default 0)', numberIn('--temperature', 0, 2))
    .option('--seed <n>', 'random seed, for repeatable answers', nonNegativeInt('--seed'))
    .option('--num-ctx <tokens>', 'context window to request from Ollama (default: sized to each prompt)', positiveInt('--num-ctx', 1_048_576))
    .addOption(new Option('--sources <which>', 'which sources to list after each answer').choices(['cited', 'all', 'none']).default('cited'))
    .option('--pull', 'pull the chat model first if it is not installed')
    .option('--json', 'print one JSON document per turn (JSON Lines)')
    .addHelpText('after', `
Examples:
  $ rag chat                               an interactive session
  $ printf 'How do I install rag?\nAnd on Windows?\n' | rag chat
  $ rag chat --json < questions.txt | jq -r .query`)
    .action((flags: ChatFlags) => dispatch(chatInvocation(flags)));
}

function addMcpCommand(program: Command, dispatch: Dispatch): void {
  program
    .command('mcp')
    .summary('serve the index to coding agents over the Model Context Protocol (stdio)')
    .description(`Serve the index to an agent (Claude Code, Claude Desktop, Cursor, any MCP client) as a Model Context Protocol server over stdio: the client starts 'rag mcp' and talks to it on stdin/stdout; logs go to stderr.

Tools: search {query, k?, path_prefix?}, get {path, start_line?, end_line?} (indexed files only, capped), ask {question, k?}, status {}. Read-only unless --allow-index, which adds an index {paths?} tool that updates the index under its writer lock. Unknown parameters are errors; every failure is a tool error with rag's one-line message, and the server keeps running.`)
    .option('--allow-index', "add the 'index' tool, which updates the index (paths under its root)")
    .addHelpText('after', `
Examples:
  $ claude mcp add rag -- rag --db ~/notes/.rag mcp
  $ rag mcp --allow-index                  let the agent re-index after editing files`)
    .action((flags: McpFlags) => dispatch(mcpInvocation(flags)));
}

/** The same invocation, printing JSON (the global `--json`). */
function withJson(inv: Invocation): Invocation {
  return inv.command === 'completion' || inv.command === 'mcp' ? inv : ({ ...inv, options: { ...inv.options, json: true } } as Invocation);
}

function addLsCommand(program: Command, dispatch: Dispatch): void {
  program
    .command('ls')
    .summary('list the indexed files')
    .description(`List the indexed files: path, format, passages, size and when each was indexed, with a total line. On a terminal the output is aligned columns with paths relative to the current folder; piped, it is one path per line (for xargs), the total going to stderr. Paths and globs filter the list: a folder lists everything indexed under it, even if it is gone from disk; a glob without '/' matches file names at any depth below the current folder. A path that matches nothing in the index exits 2.`)
    .argument('[paths...]', 'files, folders or globs (default: everything)')
    .option('--json', 'print the files as one JSON object (paths relative to the index root)')
    .addHelpText('after', `
Examples:
  $ rag ls                                 everything in the index
  $ rag ls docs '*.rst'
  $ rag ls docs | xargs wc -l
  $ rag ls --json | jq '.total'`)
    .action((paths: string[], flags: LsFlags) => dispatch(lsInvocation(paths, flags)));
}

function addRmCommand(program: Command, dispatch: Dispatch): void {
  program
    .command('rm')
    .summary('remove files or folders from the index')
    .description(`Remove files or whole folders from the index, whether or not they still exist on disk: a deleted folder is named by the path it was indexed under. Prints each file removed. Exits 2, removing nothing, when a path matches nothing in the index. Takes the writer lock, like 'rag index'.`)
    .argument('<paths...>', "files, folders or globs, as 'rag ls' shows them")
    .option('--dry-run', 'show what would be removed; change nothing')
    .option('--json', 'print what was removed as one JSON object (paths relative to the index root)')
    .addHelpText('after', `
Examples:
  $ rm -rf drafts && rag rm drafts         a folder already deleted
  $ rag rm --dry-run '*.log.md'`)
    .action((paths: string[], flags: RmFlags) => dispatch(rmInvocation(paths, flags)));
}

function addCompletionCommand(program: Command, dispatch: Dispatch): void {
  program
    .command('completion')
    .summary('print a shell completion script')
    .description(`Print a completion script for bash, zsh or fish, generated from rag's own commands and options.`)
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh', 'fish']))
    .addHelpText('after', `
Install:
  bash  echo 'eval "$(rag completion bash)"' >> ~/.bashrc
  zsh   rag completion zsh > "\${fpath[1]}/_rag"
  fish  rag completion fish > ~/.config/fish/completions/rag.fish`)
    .action((shell: Shell) => dispatch({ command: 'completion', options: { shell, spec: describeProgram(program), json: false }, settings: {} }));
}

/** The program's commands and options as plain data, for the completion scripts. */
export function describeProgram(program: Command): ProgramSpec {
  const option = (o: Option): OptionSpec => ({
    long: o.long ?? o.flags,
    ...(o.short ? { short: o.short } : {}),
    description: o.description,
    takesValue: o.required || o.optional,
    ...(o.argChoices ? { choices: o.argChoices } : o.long === '--type' ? { choices: formatNames() } : {}),
    ...(/<(dir|file|path)>/.test(o.flags) ? { isPath: true } : {}),
  });
  const commands = program.commands.map((c) => {
    const values = c.registeredArguments[0]?.argChoices;
    return {
      name: c.name(),
      description: c.summary() || c.description(),
      options: c.options.map(option),
      takesPaths: c.registeredArguments.some((a) => a.name() === 'paths'),
      ...(values ? { values } : {}),
    };
  });
  const help: OptionSpec = { long: '--help', short: '-h', description: 'show help for a command', takesValue: false };
  return { name: program.name(), globalOptions: [...program.options.map(option), help], commands };
}

/** `5 text, 100 pdf, …`: the per-format defaults of --max-file-size, from the formats table. */
function maxFileSizeDefaults(): string {
  return Object.entries(DEFAULT_MAX_FILE_SIZE_MB).map(([loader, mb]) => `${mb} ${loader}`).join(', ');
}
