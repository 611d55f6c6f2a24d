/**
 * Measuring whole processes: wall time from spawn to exit, and the child's own CPU time
 * and peak RSS. Node gives a parent no rusage of its child, so the child reports its own:
 * a preload (`node --import`) writes `process.resourceUsage()` to a file on exit. The
 * preload is plain JS written to a temp folder at run time, so nothing compiled or
 * committed runs inside rag, and runs that must not pay for it (cold start) skip it.
 */
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export interface Usage {
  /** User + system CPU time of the whole process (all threads, LanceDB's included). */
  cpuMs: number;
  userMs: number;
  systemMs: number;
  /** Peak RSS: /proc VmHWM where there is one (Linux), else ru_maxrss. */
  maxRssMb: number;
  /** ru_maxrss as Node reports it; on Linux it includes the parent's RSS at fork time. */
  ruMaxRssMb: number;
}

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  wallMs: number;
  /** Killed (SIGKILL) after RunOptions.timeoutMs. */
  timedOut: boolean;
  stdout: string;
  stderr: string;
  usage?: Usage;
}

export interface RunOptions {
  /** Script or flags after node's own options, e.g. [BIN, 'index', '--json']. */
  args: string[];
  cwd: string;
  env?: Record<string, string | undefined>;
  /** Extra node options, e.g. --cpu-prof. */
  nodeArgs?: string[];
  /** Record CPU and peak RSS through the preload. */
  usage?: boolean;
  /** Kill the child after this long: a hung run must not hang the benchmark. */
  timeoutMs?: number;
}

/** Output kept per stream: enough for a JSON summary or an error, bounded for a chatty child. */
const MAX_OUTPUT_CHARS = 4 * 1024 * 1024;

const PRELOAD = `// Written by rag's benchmark (bench/measure.ts): reports this process's usage on exit.
import { readFileSync, writeFileSync } from 'node:fs';
const file = process.env.RAG_BENCH_USAGE_FILE;
if (file) {
  process.on('exit', () => {
    // Linux's ru_maxrss of a spawned process starts at its parent's RSS at fork time, so a
    // big parent (this benchmark) would inflate it; VmHWM belongs to the exec'd image alone.
    let vmHwmKb = null;
    try {
      const m = /VmHWM:\\s+(\\d+)\\s+kB/.exec(readFileSync('/proc/self/status', 'utf8'));
      if (m) vmHwmKb = Number(m[1]);
    } catch {}
    writeFileSync(file, JSON.stringify({ ...process.resourceUsage(), vmHwmKb }));
  });
}
`;

export class ProcessRunner {
  private readonly dir: string;
  private readonly preloadUrl: string;
  private seq = 0;

  constructor() {
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'rag-bench-probe-'));
    const preload = path.join(this.dir, 'usage-preload.mjs');
    writeFileSync(preload, PRELOAD);
    this.preloadUrl = pathToFileURL(preload).href;
  }

  run(options: RunOptions): Promise<ProcessResult> {
    const usageFile = options.usage ? path.join(this.dir, `usage-${++this.seq}.json`) : undefined;
    const env: Record<string, string> = {};
    // A clean environment, as in tests/helpers/spawn-rag.ts: nothing from the shell (a real
    // OLLAMA_HOST, RAG_DB, NODE_OPTIONS) may leak into what is measured.
    for (const key of ['PATH', 'HOME', 'TMPDIR', 'SYSTEMROOT', 'LANG']) {
      const v = process.env[key];
      if (v) env[key] = v;
    }
    for (const [k, v] of Object.entries(options.env ?? {})) if (v !== undefined) env[k] = v;
    if (usageFile) env.RAG_BENCH_USAGE_FILE = usageFile;
    const nodeArgs = [...(options.nodeArgs ?? []), ...(usageFile ? ['--import', this.preloadUrl] : [])];

    return new Promise((resolve, reject) => {
      const started = performance.now();
      const child = spawn(process.execPath, [...nodeArgs, ...options.args], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => {
        if (stdout.length < MAX_OUTPUT_CHARS) stdout += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        if (stderr.length < MAX_OUTPUT_CHARS) stderr += d.toString();
      });
      let timedOut = false;
      // SIGKILL: a process stuck in a native call never gets to run a SIGTERM handler.
      const timer = options.timeoutMs
        ? setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, options.timeoutMs)
        : undefined;
      child.on('error', (err) => {
        if (timer) clearTimeout(timer);
        reject(err);
      });
      child.on('close', (code, signal) => {
        const wallMs = performance.now() - started;
        if (timer) clearTimeout(timer);
        let usage: Usage | undefined;
        if (usageFile && existsSync(usageFile)) {
          const u = JSON.parse(readFileSync(usageFile, 'utf8')) as NodeJS.ResourceUsage & { vmHwmKb: number | null };
          // resourceUsage: CPU times in microseconds, maxRSS in kilobytes.
          usage = {
            userMs: u.userCPUTime / 1000, systemMs: u.systemCPUTime / 1000, cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000,
            maxRssMb: (u.vmHwmKb ?? u.maxRSS) / 1024, ruMaxRssMb: u.maxRSS / 1024,
          };
          rmSync(usageFile, { force: true });
        }
        resolve({ code, signal, wallMs, timedOut, stdout, stderr, ...(usage ? { usage } : {}) });
      });
    });
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function max(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : Math.max(...values);
}

/** Bytes under a folder: as `du` counts them (allocated blocks) and as `du --apparent-size` does. */
export function dirSize(dir: string): { apparentBytes: number; diskBytes: number; files: number } {
  let apparentBytes = 0;
  let diskBytes = 0;
  let files = 0;
  const stack = [dir];
  while (stack.length > 0) {
    const current = stack.pop()!;
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const p = path.join(current, entry.name);
      if (entry.isDirectory()) stack.push(p);
      else {
        const st = lstatSync(p);
        apparentBytes += st.size;
        diskBytes += st.blocks * 512;
        files++;
      }
    }
  }
  return { apparentBytes, diskBytes, files };
}

export interface Machine {
  cpus: number;
  cpuModel: string;
  totalMemGb: number;
  platform: string;
  node: string;
}

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpus: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    totalMemGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}
