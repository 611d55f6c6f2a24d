/** The benchmark's flags: what `npm run bench -- --help` lists, parsed and checked. */
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { StubCost } from '../tests/ollama-stub/server.js';
import { REPO_ROOT } from '../tests/helpers/paths.js';

export interface Config {
  files: number;
  sizeMb: number;
  seed: number;
  corpus: string | undefined;
  quick: boolean;
  /** Repetitions of each short measurement: cold starts, search, ask, re-index. */
  runs: number;
  /** Repetitions of each full index run (zero cost, and with model cost). */
  indexRuns: number;
  editRuns: number;
  jsonOut: string;
  skipCost: boolean;
  /** The PDF scenario: files and pages per file; 0 files skips it. */
  pdfFiles: number;
  pdfPages: number;
  skipRecall: boolean;
  /** Skip indexing over 1, 2 and 4 hosts. */
  skipHosts: boolean;
  skipS3: boolean;
  costFiles: number;
  cost: StubCost;
  chatCost: StubCost;
  /** Rows of the synthetic table for the vector-index recall check; 0 = only if the real index is large enough. */
  recallRows: number;
  recallQueries: number;
  keep: string | undefined;
  cpuProf: string | undefined;
  /** An index run taking longer than this is killed and reported as hung. */
  indexTimeoutMs: number;
}

const HELP = `rag benchmark: indexes a corpus with the built CLI against a simulated Ollama and reports
wall time, CPU, memory, request counts, cold starts and index size against rag's budgets.

Options:
  --quick                   small smoke configuration (~300 files, few runs, no recall table)
  --files N                 generated corpus: files (default 3000)
  --size-mb X               generated corpus: total size in MB (default 30)
  --seed N                  generated corpus: PRNG seed (default 1)
  --corpus DIR              benchmark a copy of DIR instead of a generated corpus
  --runs N                  repetitions of cold starts, search, ask, re-index (default 7; quick 3)
  --index-runs N            repetitions of the full index runs (default 2; quick 1)
  --edit-runs N             1% edit rounds (default 3; quick 1)
  --cost-files N            files of the model-cost corpus (default 300; quick 100)
  --embed-ms-per-input X    simulated embedding cost per input (default 3)
  --embed-ms-per-request X  simulated embedding cost per request (default 20)
  --parallel N              requests the stub processes at once, like OLLAMA_NUM_PARALLEL (default 1)
  --chat-ms-per-token X     simulated generation cost per token, for ask (default 5)
  --chat-ms-per-request X   simulated prompt cost per chat request, for ask (default 100)
  --skip-cost               skip the model-cost indexing scenario
  --pdf-files N             PDF scenario: generated PDFs (default 200; quick 30; 0 skips it)
  --pdf-pages N             PDF scenario: pages per PDF (default 20; quick 10)
  --skip-recall             skip the vector-index recall check
  --skip-hosts              skip indexing over 1, 2 and 4 stub hosts (model cost, parallel 1 each)
  --skip-s3                 skip the index in a local S3-compatible server (s3rver) against a local folder
  --recall-rows N           rows of the synthetic table for the recall check
                            (default: the vector-index threshold; quick: skipped)
  --recall-queries N        sample queries for the recall check (default 50)
  --json-out FILE           results as JSON (default bench/results/latest.json)
  --keep DIR                work in DIR (corpus, indexes) and keep it afterwards
  --cpu-prof DIR            write V8 CPU profiles of the zero-cost index runs and searches to DIR
  --index-timeout S         kill an index run after S seconds and report it as hung (default 90,
                            plus 3x the simulated model time; quick 60)
  -h, --help                this help
`;

export function parseConfig(argv: string[]): Config | undefined {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      quick: { type: 'boolean' },
      files: { type: 'string' },
      'size-mb': { type: 'string' },
      seed: { type: 'string' },
      corpus: { type: 'string' },
      runs: { type: 'string' },
      'index-runs': { type: 'string' },
      'edit-runs': { type: 'string' },
      'cost-files': { type: 'string' },
      'embed-ms-per-input': { type: 'string' },
      'embed-ms-per-request': { type: 'string' },
      parallel: { type: 'string' },
      'chat-ms-per-token': { type: 'string' },
      'chat-ms-per-request': { type: 'string' },
      'skip-cost': { type: 'boolean' },
      'pdf-files': { type: 'string' },
      'pdf-pages': { type: 'string' },
      'skip-recall': { type: 'boolean' },
      'skip-hosts': { type: 'boolean' },
      'skip-s3': { type: 'boolean' },
      'recall-rows': { type: 'string' },
      'recall-queries': { type: 'string' },
      'json-out': { type: 'string' },
      keep: { type: 'string' },
      'cpu-prof': { type: 'string' },
      'index-timeout': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return undefined;
  }
  const quick = Boolean(values.quick);
  // A typo must not silently benchmark something else: every number is checked.
  const num = (flag: keyof typeof values, fallback: number, shape: { integer?: boolean; min?: number } = {}): number => {
    const integer = shape.integer ?? true;
    const min = shape.min ?? (integer ? 1 : 0);
    const raw = values[flag];
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
      throw new Error(`--${flag}: expected ${integer ? 'a whole number' : 'a number'} >= ${min}, got '${String(raw)}'`);
    }
    return n;
  };
  return {
    files: num('files', quick ? 300 : 3000),
    sizeMb: num('size-mb', quick ? 3 : 30, { integer: false, min: 0.01 }),
    seed: num('seed', 1, { min: 0 }),
    corpus: values.corpus ? path.resolve(values.corpus) : undefined,
    quick,
    runs: num('runs', quick ? 3 : 7),
    indexRuns: num('index-runs', quick ? 1 : 2),
    editRuns: num('edit-runs', quick ? 1 : 3),
    jsonOut: path.resolve(values['json-out'] ?? path.join(REPO_ROOT, 'bench', 'results', 'latest.json')),
    skipCost: Boolean(values['skip-cost']),
    pdfFiles: num('pdf-files', quick ? 30 : 200, { min: 0 }),
    pdfPages: num('pdf-pages', quick ? 10 : 20),
    skipRecall: Boolean(values['skip-recall']),
    skipHosts: Boolean(values['skip-hosts']),
    skipS3: Boolean(values['skip-s3']),
    costFiles: num('cost-files', quick ? 100 : 300),
    cost: {
      embedMsPerInput: num('embed-ms-per-input', 3, { integer: false }),
      embedMsPerRequest: num('embed-ms-per-request', 20, { integer: false }),
      parallel: num('parallel', 1),
    },
    chatCost: {
      chatMsPerToken: num('chat-ms-per-token', 5, { integer: false }),
      chatMsPerRequest: num('chat-ms-per-request', 100, { integer: false }),
      parallel: num('parallel', 1),
    },
    recallRows: num('recall-rows', 0, { min: 0 }),
    recallQueries: num('recall-queries', 50),
    keep: values.keep ? path.resolve(values.keep) : undefined,
    cpuProf: values['cpu-prof'] ? path.resolve(values['cpu-prof']) : undefined,
    indexTimeoutMs: num('index-timeout', quick ? 60 : 90) * 1000,
  };
}
