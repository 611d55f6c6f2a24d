/**
 * Runs the Ollama stub as its own process, for the demo and the benchmark:
 *
 *   node dist/tests/ollama-stub/main.js [--port N] [--embed-ms-per-input X]
 *     [--embed-ms-per-request X] [--chat-ms-per-token X] [--chat-ms-per-request X] [--parallel N]
 *
 * Prints exactly one line, `OLLAMA_HOST=http://127.0.0.1:PORT`, so a caller can
 * `eval`/parse it, then serves until SIGTERM or SIGINT.
 */
import { parseArgs } from 'node:util';
import { startStub, type StubCost, type StubOptions } from './server.js';
import { isMain } from '../helpers/is-main.js';

/** Throws on unknown flags or non-numeric values: a typo must not silently benchmark at zero cost. */
export function parseStubArgs(argv: string[]): StubOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: 'string' },
      'embed-ms-per-input': { type: 'string' },
      'embed-ms-per-request': { type: 'string' },
      'chat-ms-per-token': { type: 'string' },
      'chat-ms-per-request': { type: 'string' },
      parallel: { type: 'string' },
    },
  });
  const num = (flag: keyof typeof values): number | undefined => {
    const raw = values[flag];
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value) || value < 0) throw new Error(`--${flag}: expected a number >= 0, got '${raw}'`);
    return value;
  };
  const cost: StubCost = {
    embedMsPerInput: num('embed-ms-per-input'),
    embedMsPerRequest: num('embed-ms-per-request'),
    chatMsPerToken: num('chat-ms-per-token'),
    chatMsPerRequest: num('chat-ms-per-request'),
    parallel: num('parallel'),
  };
  return { port: num('port'), cost };
}

export async function runStubMain(argv: string[]): Promise<void> {
  const stub = await startStub(parseStubArgs(argv));
  process.stdout.write(`OLLAMA_HOST=${stub.url}\n`);
  const stop = (): void => {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    stub.close().catch((err: unknown) => {
      process.stderr.write(`stub-main: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (isMain(import.meta.url)) {
  runStubMain(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`stub-main: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  });
}
