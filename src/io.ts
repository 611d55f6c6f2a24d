/**
 * Everything a command may touch of the process, injected so that tests can run
 * commands in-process over string buffers with chosen TTY flags and a fixed clock.
 */
export interface Io {
  /** Questions for `rag ask -` and piped `rag chat`; a TTY stdin is interactive. */
  stdin: NodeJS.ReadableStream;
  stdinIsTTY: boolean;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  now: () => number;
}
