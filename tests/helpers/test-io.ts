/** An Io over string buffers with chosen TTY flags and a fixed clock (gh's iostreams.Test()). */
import { Readable, Writable } from 'node:stream';
import type { Io } from '../../src/io.js';
import { run } from '../../src/main.js';

/** An Io whose output is kept in strings: for tests and for rendering help at build time (bench/). */
export interface MemoryIo extends Io {
  out(): string;
  err(): string;
}

class StringSink extends Writable {
  text = '';
  override _write(chunk: unknown, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.text += String(chunk);
    done();
  }
}

export function memoryIo(options: { cwd: string; env?: Record<string, string | undefined>; stdin?: string; stdoutIsTTY?: boolean; stderrIsTTY?: boolean; now: () => number }): MemoryIo {
  const stdout = new StringSink();
  const stderr = new StringSink();
  return {
    stdin: Readable.from(options.stdin === undefined ? [] : [options.stdin]),
    stdinIsTTY: false,
    stdout,
    stderr,
    stdoutIsTTY: options.stdoutIsTTY ?? false,
    stderrIsTTY: options.stderrIsTTY ?? false,
    env: options.env ?? {},
    cwd: options.cwd,
    now: options.now,
    out: () => stdout.text,
    err: () => stderr.text,
  };
}

export type TestIo = MemoryIo;

export function testIo(options: { cwd: string; env?: Record<string, string | undefined>; stdin?: string; stdoutIsTTY?: boolean; stderrIsTTY?: boolean; now?: () => number }): TestIo {
  let clock = 1_700_000_000_000;
  return memoryIo({ ...options, now: options.now ?? (() => (clock += 5)) });
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process, as `rag <argv>` would, against the given env and cwd. */
export async function runRag(argv: string[], options: { cwd: string; env?: Record<string, string | undefined>; stdin?: string; stdoutIsTTY?: boolean; stderrIsTTY?: boolean; signal?: AbortSignal }): Promise<RunResult> {
  const io = testIo(options);
  const code = await run(argv, io, options.signal ? { signal: options.signal } : {});
  return { code, stdout: io.out(), stderr: io.err() };
}
