/** Runs the built CLI as a process (bin/rag.js), as users and scripts do. */
import { spawn } from 'node:child_process';
import { BIN } from './paths.js';

export interface SpawnResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function spawnRag(args: string[], options: { cwd: string; env?: Record<string, string | undefined>; input?: string; killAfterMs?: number }): Promise<SpawnResult> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string> = {};
    // A clean environment: nothing from the developer's shell leaks into the test.
    for (const key of ['PATH', 'HOME', 'TMPDIR', 'SYSTEMROOT']) if (process.env[key]) env[key] = process.env[key]!;
    for (const [k, v] of Object.entries(options.env ?? {})) if (v !== undefined) env[k] = v;
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    // A hang (e.g. in native code) becomes a failed run, not a stuck suite.
    const killer = options.killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.killAfterMs);
    child.on('close', (code, signal) => {
      if (killer) clearTimeout(killer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}
