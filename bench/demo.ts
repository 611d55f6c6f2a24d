/**
 * `npm run demo`: the whole pipeline for someone without Ollama yet. Starts the test
 * stub (a stand-in that speaks Ollama's API) on a free port, then runs the real CLI
 * against it: index corpus/, ask two questions, show the cited sources, then run the
 * known-answer checks in corpus/rag-eval.jsonl.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startStub } from '../tests/ollama-stub/server.js';
import { BIN, CORPUS, REPO_ROOT } from '../tests/helpers/paths.js';

function rag(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  process.stdout.write(`\n$ rag ${args.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ')}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env, stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

async function main(): Promise<void> {
  const stub = await startStub();
  const db = mkdtempSync(path.join(os.tmpdir(), 'rag-demo-'));
  const env = { ...process.env, OLLAMA_HOST: stub.url, RAG_DB: db };
  process.stdout.write(
    `rag demo — NOTE: answers come from a stand-in model (the test stub at ${stub.url}),\n` +
      'which quotes the best-matching passage. With Ollama running, real models write the answers.\n',
  );
  try {
    const steps: string[][] = [
      ['index', path.relative(REPO_ROOT, CORPUS)],
      ['ask', 'How do I change the embedding model?'],
      ['ask', '--sources', 'all', 'What does exit code 130 mean?'],
      ['search', '-k', '3', 'reciprocal rank fusion'],
      // Known-answer checks shipped with the corpus: what a CI job would gate on.
      ['eval', path.relative(REPO_ROOT, path.join(CORPUS, 'rag-eval.jsonl')), '--answers', '--min-recall', '0.9'],
    ];
    for (const step of steps) {
      const code = await rag(step, env);
      if (code !== 0) {
        process.exitCode = code;
        return;
      }
    }
    process.stdout.write(`\nDone. The demo index was in ${db} (now removed).\n`);
  } finally {
    rmSync(db, { recursive: true, force: true });
    await stub.close();
  }
}

await main();
