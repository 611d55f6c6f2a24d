/**
 * Renders the help cache at build time (`npm run build`), through the same `run()` that
 * answers `rag --help` live, so the cached texts are the CLI's own output at the piped
 * width. tests/help-cache.test.ts checks the built cache against live output.
 */
import { writeFileSync } from 'node:fs';
import { buildProgram } from '../src/cli.js';
import { memoryIo } from '../tests/helpers/test-io.js';
import { run } from '../src/main.js';
import { HELP_CACHE_FILE, PIPED_HELP_WIDTH, type HelpCache } from '../src/quick-answers.cjs';

/** Piped stdout, no environment: what the cache is rendered for. */
const pipedIo = () => memoryIo({ cwd: process.cwd(), now: () => Date.now() });

/** What `rag [command] --help` prints with stdout piped. */
export async function renderHelp(command: string): Promise<string> {
  const io = pipedIo();
  const code = await run(command ? [command, '--help'] : ['--help'], io);
  if (code !== 0 || io.err()) throw new Error(`rag ${command} --help failed (exit ${code}): ${io.err()}`);
  return io.out();
}

/** Every command rag has, from the program itself, so that a new command is cached too. */
export function commandNames(): string[] {
  const program = buildProgram({ io: pipedIo(), signal: new AbortController().signal, pid: 0, setJson: () => {}, onUsageError: () => {} });
  return program.commands.map((c) => c.name());
}

export async function renderHelpCache(): Promise<HelpCache> {
  const texts: Record<string, string> = {};
  for (const command of ['', ...commandNames()]) texts[command] = await renderHelp(command);
  return { width: PIPED_HELP_WIDTH, texts };
}

export async function writeHelpCache(file = HELP_CACHE_FILE): Promise<void> {
  writeFileSync(file, `${JSON.stringify(await renderHelpCache())}\n`);
}
