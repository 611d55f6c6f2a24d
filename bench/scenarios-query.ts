/** Benchmark scenarios that start rag cold or query an index: --version and --help, search, ask, and vector-index recall. */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { DEFAULTS } from '../src/defaults.js';
import { documentText, queryText } from '../src/embed.js';
import { readManifest, SCHEMA_VERSION, tableName, writeManifest } from '../src/store/manifest.js';
import type { ChunkRow } from '../src/store/chunk-store.js';
import { DEFAULT_STUB_MODELS, embedText } from '../tests/ollama-stub/server.js';
import { BIN, REPO_ROOT } from '../tests/helpers/paths.js';
import { buildVocabulary, Rng, TextMaker } from './generate-corpus.js';
import type { Bench } from './harness.js';
import { max, median, type Usage } from './measure.js';
import { int, ms, Report, round, spread, LARGE_INDEX_CHUNKS } from './report.js';

const QUERIES = [
  'how do I configure the cache timeout',
  'retry a failed request',
  'vector index storage on disk',
  'deploy a new release version',
  'permission token secret access',
  'stream buffer memory limit',
  'parse the response payload format',
];

const QUESTIONS = [
  'How do I configure the cache timeout?',
  'What happens when a request fails and is retried?',
  'Where is the vector index stored on disk?',
  'How is a new release deployed?',
  'Which permission does a token need to read a secret?',
  'What limits the stream buffer memory?',
  'How is the response payload parsed?',
];

export async function coldStart(b: Bench, report: Report, results: Record<string, unknown>): Promise<void> {
  const { runs } = b.config;
  report.section(`(e) Cold start, median of ${runs} (no index needed)`);
  const cases: Array<{ key: string; args: string[] }> = [
    { key: 'node -e 0', args: ['-e', '0'] },
    { key: 'rag --version', args: [BIN, '--version'] },
    { key: 'rag --help', args: [BIN, '--help'] },
  ];
  const times = new Map<string, number[]>(cases.map((c) => [c.key, []]));
  // Interleaved, after one untimed warm-up each, so that disk cache and CPU frequency drift
  // hit every case alike. No usage preload here: it would add its own load time.
  for (let i = -1; i < runs; i++) {
    for (const c of cases) {
      const r = await b.runner.run({ args: c.args, cwd: REPO_ROOT, env: { NO_COLOR: '1' }, timeoutMs: 30_000 });
      if (r.code !== 0) throw new Error(`${c.key} exited ${r.code}: ${r.stderr}`);
      if (i >= 0) times.get(c.key)!.push(r.wallMs);
    }
  }
  const nodeMs = median(times.get('node -e 0')!);
  const out: Record<string, unknown> = {};
  for (const c of cases) {
    const m = median(times.get(c.key)!);
    out[c.key] = { medianMs: round(m), runsMs: times.get(c.key)!.map((v) => round(v)) };
    if (c.key === 'node -e 0') report.row(c.key, ms(m));
    else {
      const ratio = m / nodeMs;
      report.check({
        id: c.key.replace('rag ', 'start').replace('--', '-'), description: `${c.key} within 1.5x a bare node start`,
        label: `${c.key} (x node)`, shown: `${ms(m)} (${ratio.toFixed(2)}x)`, value: round(ratio, 2), unit: 'x node', target: '<= 1.5x node', pass: ratio <= 1.5,
      });
    }
  }
  results.coldStart = out;
}

export async function coldSearch(b: Bench, report: Report, results: Record<string, unknown>, db: string, chunks: number, key = 'search', title?: string): Promise<number> {
  const { runs } = b.config;
  b.stub.setCost({});
  report.section(title ?? `(f) Cold \`rag search\` on that index (${int(chunks)} chunks; median of ${runs}, varied queries)`);
  // One untimed run: the first read of the index files from disk is not what users see twice.
  await b.rag(['search', QUERIES[0]!], { cwd: REPO_ROOT, db, usage: false });
  const all: Array<{ query: string; wallMs: number; modelMs: number; usage?: Usage; lines: number }> = [];
  for (let i = 0; i < runs; i++) {
    const query = QUERIES[i % QUERIES.length]!;
    b.stub.resetLog();
    const r = await b.rag(['search', query], { cwd: REPO_ROOT, db, nodeArgs: b.profileArgs(`${key}-${i + 1}`) });
    all.push({ query, wallMs: r.wallMs, modelMs: b.stub.busyMs(), ...(r.usage ? { usage: r.usage } : {}), lines: r.stdout.split('\n').filter(Boolean).length });
  }
  const wall = median(all.map((r) => r.wallMs));
  const model = median(all.map((r) => r.modelMs));
  if (all.every((r) => r.lines === 0)) report.row('warning', 'no search printed any result');
  // The scaling issue's budgets: 0.3 s up to tens of thousands of passages, 0.4 s at 300,000.
  const budgetMs = chunks > LARGE_INDEX_CHUNKS ? 400 : 300;
  report.check({
    id: key === 'search' ? 'search-cold' : key, description: `cold rag search on a ${int(chunks)}-chunk index within ${budgetMs / 1000} s median`, label: 'wall time',
    shown: `${ms(wall)}${spread(all.map((r) => r.wallMs))}`, value: round(wall), unit: 'ms', target: `<= ${budgetMs / 1000} s`, pass: wall <= budgetMs,
  });
  report.row('model time (stub busy) / overhead', `${ms(model)} / ${ms(wall - model)}`);
  report.row('CPU / peak RSS', `${ms(median(all.map((r) => r.usage?.cpuMs ?? Number.NaN)))} / ${max(all.map((r) => r.usage?.maxRssMb ?? Number.NaN)).toFixed(0)} MB`);
  results[key] = { chunks, wallMs: round(wall), modelMs: round(model), runs: all.map((r) => ({ ...r, wallMs: round(r.wallMs), modelMs: round(r.modelMs) })) };
  return wall;
}

export async function coldAsk(b: Bench, report: Report, results: Record<string, unknown>, db: string): Promise<void> {
  const { runs, chatCost } = b.config;
  report.section(`(g) Cold \`rag ask\`, chat cost ${chatCost.chatMsPerRequest} ms/request + ${chatCost.chatMsPerToken} ms/token (median of ${runs})`);
  b.stub.setCost(chatCost);
  const all: Array<{ question: string; wallMs: number; modelMs: number; overheadMs: number; usage?: Usage; answerChars: number }> = [];
  try {
    await b.rag(['ask', QUESTIONS[0]!], { cwd: REPO_ROOT, db, usage: false });
    for (let i = 0; i < runs; i++) {
      const question = QUESTIONS[i % QUESTIONS.length]!;
      b.stub.resetLog();
      const r = await b.rag(['ask', question], { cwd: REPO_ROOT, db, nodeArgs: b.profileArgs(`ask-${i + 1}`) });
      const modelMs = b.stub.busyMs();
      all.push({ question, wallMs: r.wallMs, modelMs, overheadMs: r.wallMs - modelMs, ...(r.usage ? { usage: r.usage } : {}), answerChars: r.stdout.length });
    }
  } finally {
    b.stub.setCost({});
  }
  const overhead = median(all.map((r) => r.overheadMs));
  report.row('wall time', ms(median(all.map((r) => r.wallMs))));
  report.row('model time (stub busy: embed + chat)', ms(median(all.map((r) => r.modelMs))));
  report.check({
    id: 'ask-overhead', description: 'rag ask adds at most 0.3 s to the model time', label: 'overhead = wall - model',
    shown: `${ms(overhead)}${spread(all.map((r) => r.overheadMs))}`, value: round(overhead), unit: 'ms', target: '<= 0.3 s', pass: overhead <= 300,
  });
  report.row('CPU / peak RSS', `${ms(median(all.map((r) => r.usage?.cpuMs ?? Number.NaN)))} / ${max(all.map((r) => r.usage?.maxRssMb ?? Number.NaN)).toFixed(0)} MB`);
  results.ask = { cost: chatCost, wallMs: round(median(all.map((r) => r.wallMs))), modelMs: round(median(all.map((r) => r.modelMs))), overheadMs: round(overhead), runs: all };
}

/**
 * Vector index recall: top-10 of rag's own query shape (cosine, `ChunkStore.vectorSearch`)
 * with the index against exact search (`bypassVectorIndex`). On the real index when it is past
 * the threshold; else on a synthetic table of N rows written and optimised by ChunkStore, the
 * same code path `rag index` takes, with vectors from the stub's embedding function.
 */
export async function recall(b: Bench, report: Report, results: Record<string, unknown>, work: string, mainDb: string, mainChunks: number): Promise<void> {
  const { VECTOR_INDEX_MIN_ROWS, ChunkStore } = await import('../src/store/chunk-store.js');
  const lancedb = await import('@lancedb/lancedb');
  const cfg = b.config;
  const model = DEFAULTS.embedModel;
  const dims = DEFAULT_STUB_MODELS.find((m) => m.name === model)?.dims ?? 256;
  const rng = new Rng(cfg.seed + 77);
  const maker = new TextMaker(rng, buildVocabulary(4000, cfg.seed));
  let db = mainDb;
  let rows = mainChunks;
  let buildMs: number | undefined;
  let sampleTexts: string[] = [];
  const rowsWanted = cfg.recallRows > 0 ? cfg.recallRows : cfg.quick ? 0 : VECTOR_INDEX_MIN_ROWS;

  if (mainChunks < VECTOR_INDEX_MIN_ROWS) {
    if (rowsWanted === 0) {
      report.section('(i) Vector index recall');
      report.row('skipped', `index has ${int(mainChunks)} chunks < threshold ${int(VECTOR_INDEX_MIN_ROWS)}; pass --recall-rows N`);
      results.recall = { skipped: true, threshold: VECTOR_INDEX_MIN_ROWS, chunks: mainChunks };
      return;
    }
    report.section(`(i) Vector index recall: synthetic table of ${int(rowsWanted)} rows (corpus index has ${int(mainChunks)} < threshold ${int(VECTOR_INDEX_MIN_ROWS)})`);
    db = path.join(work, 'db-recall');
    rmSync(db, { recursive: true, force: true });
    mkdirSync(db, { recursive: true });
    const store = await ChunkStore.open(db, tableName(1), { dimensions: dims, create: true });
    const started = performance.now();
    // Batches of a few thousand rows: big enough for few commits, small enough for bounded memory (notes/lancedb.md).
    const BATCH = 4000;
    const ROWS_PER_FILE = 10;
    for (let start = 0; start < rowsWanted; start += BATCH) {
      const batch: ChunkRow[] = [];
      const paths = new Set<string>();
      for (let k = start; k < Math.min(rowsWanted, start + BATCH); k++) {
        const relPath = `synthetic/${Math.floor(k / ROWS_PER_FILE)}.md`;
        paths.add(relPath);
        const heading = maker.title();
        const text = `${maker.paragraph(80)}\n\n${maker.paragraph(80)}`;
        if (k % Math.max(1, Math.floor(rowsWanted / cfg.recallQueries)) === 0) sampleTexts.push(text);
        const id = `r${k}`;
        batch.push({
          id, path: relPath, startLine: 1, endLine: 10, heading, text, searchText: `${heading}\n${relPath}\n${text}`,
          vector: embedText(documentText(model, relPath, heading, text), dims), fileHash: 'synthetic', chunkHash: id,
        });
      }
      await store.replaceFiles([...paths], batch);
    }
    const writeMs = performance.now() - started;
    const t = performance.now();
    await store.maintain();
    buildMs = performance.now() - t;
    rows = await store.countRows();
    report.row('rows written / write time', `${int(rows)} / ${ms(writeMs)}`);
    report.row('maintain() incl. index build', ms(buildMs));
    // A manifest, so that the CLI can search this table cold.
    const stamp = new Date().toISOString();
    await writeManifest(db, {
      schemaVersion: SCHEMA_VERSION, root: '.', generation: 1, embedModel: model, dimensions: dims,
      chunkSizeChars: DEFAULTS.chunkSize, chunkOverlapChars: DEFAULTS.chunkOverlap, createdAt: stamp, updatedAt: stamp,
    });
  } else {
    report.section(`(i) Vector index recall on the corpus index (${int(mainChunks)} chunks >= threshold ${int(VECTOR_INDEX_MIN_ROWS)})`);
  }

  const manifest = await readManifest(db);
  if (!manifest) throw new Error(`no manifest in ${db}`);
  // store.ts keeps LanceDB in <index>/lance (its DB_FOLDER); the bench opens it directly to bypass the index.
  const conn = await lancedb.connect(path.join(db, 'lance'));
  const table = await conn.openTable(tableName(manifest.generation));
  const store = await ChunkStore.open(db, tableName(manifest.generation), { dimensions: manifest.dimensions, create: false });
  const indices = await table.listIndices();
  const vectorIndex = indices.find((i) => i.columns.includes('vector'));
  report.check({
    id: 'vector-index-built', description: `past ${VECTOR_INDEX_MIN_ROWS} rows rag index builds a vector index`, label: 'vector index present',
    shown: vectorIndex ? `${vectorIndex.indexType} (${vectorIndex.name})` : 'none', value: vectorIndex ? 1 : 0, unit: 'bool', target: 'present',
    pass: rows >= VECTOR_INDEX_MIN_ROWS ? Boolean(vectorIndex) : null,
  });

  if (sampleTexts.length === 0) {
    const sample = await table.query().select(['text']).limit(cfg.recallQueries * 20).toArray();
    sampleTexts = (sample as Array<{ text: unknown }>).filter((_, i) => i % 20 === 0).map((r) => String(r.text));
  }
  // Queries: a few consecutive words of a stored passage, as a user half-remembering a doc would type.
  const queries = sampleTexts.slice(0, cfg.recallQueries).map((text) => {
    const words = text.split(/\s+/).filter((w) => /^[a-z]+$/i.test(w));
    const len = rng.int(3, 7);
    const at = rng.int(0, Math.max(0, words.length - len));
    return words.slice(at, at + len).join(' ') || 'data';
  });
  const K = 10;
  let overlap = 0;
  const annMs: number[] = [];
  const exactMs: number[] = [];
  for (const q of queries) {
    const v = embedText(queryText(model, q), dims);
    let t = performance.now();
    // Through rag's own search (its index settings included), not a copy of its query.
    const ann = await store.vectorSearch(v, K);
    annMs.push(performance.now() - t);
    t = performance.now();
    const exact = await table.vectorSearch(v).distanceType('cosine').select(['id', '_distance']).limit(K).bypassVectorIndex().toArray();
    exactMs.push(performance.now() - t);
    const annIds = new Set((ann as Array<{ id: unknown }>).map((r) => String(r.id)));
    overlap += (exact as Array<{ id: unknown }>).filter((r) => annIds.has(String(r.id))).length / Math.max(1, exact.length);
  }
  const recallAt10 = overlap / Math.max(1, queries.length);
  report.check({
    id: 'vector-index-recall', description: 'top-10 overlap of indexed vs exact cosine search >= 0.95', label: `recall@${K} (${queries.length} queries)`,
    shown: recallAt10.toFixed(3), value: round(recallAt10, 3), unit: 'recall', target: '>= 0.95', pass: vectorIndex ? recallAt10 >= 0.95 : null,
  });
  report.row('query latency, indexed / exact (warm, median)', `${ms(median(annMs))} / ${ms(median(exactMs))}`);
  const out: Record<string, unknown> = {
    rows, threshold: VECTOR_INDEX_MIN_ROWS, synthetic: db !== mainDb, vectorIndex: vectorIndex ?? null, buildMs: buildMs === undefined ? null : round(buildMs),
    recallAt10: round(recallAt10, 4), queries: queries.length, annMedianMs: round(median(annMs), 2), exactMedianMs: round(median(exactMs), 2),
  };
  results.recall = out;
  if (db !== mainDb) {
    // Cold CLI search where the vector index has to be loaded: the budget is for large indexes too.
    const cold = await coldSearch(b, report, results, db, rows, 'search-cold-large', `(i') Cold \`rag search\` on the ${int(rows)}-row table with its vector index (median of ${cfg.runs})`);
    out.coldSearchMs = round(cold);
  }
}
