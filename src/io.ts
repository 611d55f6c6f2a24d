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

/** All of a stream as UTF-8 text (`rag ask -` reads its question this way). */
export async function readAllText(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString('utf8').replace(/^\uFEFF/, '');
}
