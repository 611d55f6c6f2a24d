/**
 * Fault script: `rag index --rebuild` in a loop while `rag search` and `rag ask` run
 * against the same index, all as real processes. Every reader must succeed: a rebuild
 * switches table generations under them, and the old one must stay readable.
 *
 *   node dist/bench/rebuild-while-reading.js [seconds]   (default 20)
 *
 * Prints one JSON line of figures; exits 1 when any reader failed.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startStub } from '../tests/ollama-stub/server.js';
import { BIN } from '../tests/helpers/paths.js';
import { isMain } from '../tests/helpers/is-main.js';

export interface FaultFigures {
  seconds: number;
  rebuilds: number;
  rebuildsFailed: number;
  searches: number;
  asks: number;
  failedReaders: number;
  failures: string[];
}

interface Ran {
  code: number | null;
  stderr: string;
}

function runCli(args: string[], cwd: string, env: Record<string, string>): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

function writeCorpus(docs: string, files: number): void {
  mkdirSync(docs, { recursive: true });
  for (let i = 0; i < files; i++) {
    const place = ['river', 'forest', 'valley', 'harbour', 'meadow'][i % 5];
    writeFileSync(path.join(docs, `note-${i}.md`), `# Note ${i}\n\nThis note is about topic ${i} and the ${place} beyond the hill.\n\n## More\n\nThe ${place} is quiet at night.\n`);
  }
}

/**
 * Runs the loop until `minRebuilds` rebuilds have finished and `durationMs` has passed
 * (both bounds: a slow machine still sees several switch-overs; a fast one stops in time).
 */
export async function rebuildWhileReading(options: { durationMs: number; minRebuilds: number; readers?: number; files?: number }): Promise<FaultFigures> {
  const stub = await startStub();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rag-fault-'));
  const started = Date.now();
  const figures: FaultFigures = { seconds: 0, rebuilds: 0, rebuildsFailed: 0, searches: 0, asks: 0, failedReaders: 0, failures: [] };
  try {
    writeCorpus(path.join(dir, 'docs'), options.files ?? 40);
    const env = { OLLAMA_HOST: stub.url, RAG_DB: path.join(dir, 'db') };
    const first = await runCli(['index', 'docs'], dir, env);
    if (first.code !== 0) throw new Error(`the first index run failed: ${first.stderr}`);
    let writing = true;
    const due = () => Date.now() - started < options.durationMs || figures.rebuilds < options.minRebuilds;
    const writer = (async () => {
      while (due()) {
        const r = await runCli(['index', '--rebuild', 'docs'], dir, env);
        if (r.code === 0) figures.rebuilds++;
        else {
          figures.rebuildsFailed++;
          figures.failures.push(`rebuild: exit ${r.code}: ${r.stderr.trim()}`);
        }
      }
      writing = false;
    })();
    const reader = async (n: number) => {
      for (let i = 0; writing; i++) {
        const ask = (i + n) % 3 === 0;
        const r = await runCli(ask ? ['ask', '--no-stream', 'What is beyond the hill?'] : ['search', 'river beyond the hill'], dir, env);
        if (ask) figures.asks++;
        else figures.searches++;
        if (r.code !== 0) {
          figures.failedReaders++;
          figures.failures.push(`${ask ? 'ask' : 'search'}: exit ${r.code}: ${r.stderr.trim()}`);
        }
      }
    };
    await Promise.all([writer, ...Array.from({ length: options.readers ?? 3 }, (_, n) => reader(n))]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await stub.close();
  }
  figures.seconds = Math.round((Date.now() - started) / 100) / 10;
  return figures;
}

if (isMain(import.meta.url)) {
  const seconds = Number(process.argv[2] ?? 20);
  const figures = await rebuildWhileReading({ durationMs: seconds * 1000, minRebuilds: 3 });
  process.stdout.write(`${JSON.stringify(figures)}\n`);
  process.exitCode = figures.failedReaders + figures.rebuildsFailed > 0 ? 1 : 0;
}
