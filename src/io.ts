/**
 * Everything a command may touch of the process, injected so that tests can run
 * commands in-process over string buffers with chosen TTY flags and a fixed clock.
 */
import { Writable } from 'node:stream';

export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  now: () => number;
}

/** An Io whose output is kept in strings: for tests and for rendering help at build time. */
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

export function memoryIo(options: { cwd: string; env?: Record<string, string | undefined>; stdoutIsTTY?: boolean; stderrIsTTY?: boolean; now: () => number }): MemoryIo {
  const stdout = new StringSink();
  const stderr = new StringSink();
  return {
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
