/**
 * What rag answers without its CLI: `--version` and plain help requests, which people
 * and scripts run most. Loading commander and building every command's help took about
 * 15 ms, most of a bare node start. The build renders each help text through the real
 * CLI (help-cache-build.ts) into help.json beside this module; this answers from it when
 * the request and the width are exactly what was rendered, and otherwise leaves the
 * request to commander.
 *
 * CommonJS on purpose (a .cts file): bin/rag.cjs requires it before anything else, and
 * starting Node's ES module loader would cost more than everything this module does.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** package.json's, so there is one place to change it. */
export const VERSION = (JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;

/** The help cache, written by `npm run build`. */
export const HELP_CACHE_FILE = path.join(__dirname, 'help.json');

export const PIPED_HELP_WIDTH = 80;

export interface HelpCache {
  /** The width the texts were wrapped to. */
  width: number;
  /** Help by command name; '' is rag's own. */
  texts: Record<string, string>;
}

type Env = Readonly<Record<string, string | undefined>>;

/** How wide help is wrapped: to the terminal (COLUMNS) when stdout is one, else 80. */
export function helpWidth(isTTY: boolean, env: Env): number {
  const columns = Number(env.COLUMNS);
  return isTTY && Number.isInteger(columns) && columns > 20 ? columns : PIPED_HELP_WIDTH;
}

export const HELP_FLAGS: readonly string[] = ['--help', '-h'];

/**
 * Which help argv asks for, when it is nothing but a help request: '' for rag's own
 * (`--help`, `-h`, `help`), a command's name for `<command> --help`, `<command> -h` and
 * `help <command>`. Anything else (more words, other flags) is left to commander.
 */
export function helpRequest(argv: readonly string[]): string | undefined {
  const [first, second] = argv;
  if (argv.length === 1 && first !== undefined && (HELP_FLAGS.includes(first) || first === 'help')) return '';
  if (argv.length !== 2 || first === undefined || second === undefined) return undefined;
  if (first === 'help' && !second.startsWith('-')) return second;
  if (HELP_FLAGS.includes(second) && !first.startsWith('-')) return first;
  return undefined;
}

/** The cached help for argv, or undefined when commander must answer (or the cache is missing). */
export function cachedHelp(argv: readonly string[], stdoutIsTTY: boolean, env: Env, readCache = readHelpCache): string | undefined {
  const command = helpRequest(argv);
  if (command === undefined) return undefined;
  const cache = readCache();
  if (!cache || cache.width !== helpWidth(stdoutIsTTY, env) || !Object.hasOwn(cache.texts, command)) return undefined;
  return cache.texts[command];
}

/** What to print for argv without the CLI, or undefined when the CLI must run. */
export function quickAnswer(argv: readonly string[], stdoutIsTTY: boolean, env: Env): string | undefined {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) return `${VERSION}\n`;
  return cachedHelp(argv, stdoutIsTTY, env);
}

function readHelpCache(): HelpCache | undefined {
  try {
    return JSON.parse(readFileSync(HELP_CACHE_FILE, 'utf8')) as HelpCache;
  } catch {
    // Not built (or removed): commander renders the help instead.
    return undefined;
  }
}
