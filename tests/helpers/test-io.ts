/** An Io over string buffers with chosen TTY flags and a fixed clock (gh's iostreams.Test()). */
import { memoryIo, type MemoryIo } from '../../src/io.js';
import { run } from '../../src/main.js';

export type TestIo = MemoryIo;

export function testIo(options: { cwd: string; env?: Record<string, string | undefined>; stdoutIsTTY?: boolean; stderrIsTTY?: boolean; now?: () => number }): TestIo {
  let clock = 1_700_000_000_000;
  return memoryIo({ ...options, now: options.now ?? (() => (clock += 5)) });
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process, as `rag <argv>` would, against the given env and cwd. */
export async function runRag(argv: string[], options: { cwd: string; env?: Record<string, string | undefined>; stdoutIsTTY?: boolean; stderrIsTTY?: boolean; signal?: AbortSignal }): Promise<RunResult> {
  const io = testIo(options);
  const code = await run(argv, io, options.signal ? { signal: options.signal } : {});
  return { code, stdout: io.out(), stderr: io.err() };
}
