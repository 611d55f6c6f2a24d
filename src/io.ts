/**
 * Everything a command may touch of the process, injected so that tests can run
 * commands in-process over string buffers with chosen TTY flags and a fixed clock.
 */
export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  now: () => number;
}
