/**
 * `rag --help` without loading commander. Loading it and building every command's help
 * costs about 15 ms, most of a bare node start, and help is what people run first. The
 * build renders each help text through the real CLI (help-cache-build.ts) into
 * help.json beside this module; this answers from it when the request and the width are
 * exactly what was rendered, and otherwise leaves the request to commander.
 */
import { readFileSync } from 'node:fs';
import { helpWidth } from './help-width.js';

export const HELP_CACHE_URL = new URL('./help.json', import.meta.url);

export interface HelpCache {
  /** The width the texts were wrapped to. */
  width: number;
  /** Help by command name; '' is rag's own. */
  texts: Record<string, string>;
}

const HELP_FLAGS = ['--help', '-h'];

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
export function cachedHelp(argv: readonly string[], stdoutIsTTY: boolean, env: Readonly<Record<string, string | undefined>>, readCache = readHelpCache): string | undefined {
  const command = helpRequest(argv);
  if (command === undefined) return undefined;
  const cache = readCache();
  if (!cache || cache.width !== helpWidth(stdoutIsTTY, env) || !Object.hasOwn(cache.texts, command)) return undefined;
  return cache.texts[command];
}

function readHelpCache(): HelpCache | undefined {
  try {
    return JSON.parse(readFileSync(HELP_CACHE_URL, 'utf8')) as HelpCache;
  } catch {
    // Not built (or removed): commander renders the help instead.
    return undefined;
  }
}
