/** Runs the built CLI as a process (bin/rag.cjs), as users and scripts do. */
import { spawn, type ChildProcess } from 'node:child_process';
import { BIN } from './paths.js';

export interface SpawnResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface SpawnOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  input?: string;
  /** Kill the process after this long: a hang (e.g. in native code) becomes a failed run, not a stuck suite. */
  killAfterMs?: number;
}

/** `rag <args>` as a process the test can signal; `done` resolves when it has exited. */
export function startRag(args: string[], options: SpawnOptions): { child: ChildProcess; done: Promise<SpawnResult> } {
  const env: Record<string, string> = {};
  // A clean environment: nothing from the developer's shell leaks into the test.
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'SYSTEMROOT']) if (process.env[key]) env[key] = process.env[key]!;
  for (const [k, v] of Object.entries(options.env ?? {})) if (v !== undefined) env[k] = v;
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const killer = options.killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.killAfterMs);
  const done = new Promise<SpawnResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (killer) clearTimeout(killer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  child.stdin.end(options.input ?? '');
  return { child, done };
}

export function spawnRag(args: string[], options: SpawnOptions): Promise<SpawnResult> {
  return startRag(args, options).done;
}
