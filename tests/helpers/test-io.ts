/** An Io over string buffers with chosen TTY flags and a fixed clock (gh's iostreams.Test()). */
import { Writable } from 'node:stream';
import type { Io } from '../../src/io.js';
import { run } from '../../src/main.js';

export interface TestIo extends Io {
  out(): string;
  err(): string;
}

class Buffer extends Writable {
  text = '';
  override _write(chunk: unknown, _enc: BufferEncoding, done: (e?: Error | null) => void): void {
    this.text += String(chunk);
    done();
  }
}

export function testIo(options: { cwd: string; env?: Record<string, string | undefined>; stdoutIsTTY?: boolean; stderrIsTTY?: boolean; now?: () => number }): TestIo {
  const stdout = new Buffer();
  const stderr = new Buffer();
  let clock = 1_700_000_000_000;
  return {
    stdout,
    stderr,
    stdoutIsTTY: options.stdoutIsTTY ?? false,
    stderrIsTTY: options.stderrIsTTY ?? false,
    env: options.env ?? {},
    cwd: options.cwd,
    now: options.now ?? (() => (clock += 5)),
    out: () => stdout.text,
    err: () => stderr.text,
  };
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
