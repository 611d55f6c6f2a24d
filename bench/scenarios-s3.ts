/**
 * An index in object storage against one in a local folder: the same corpus indexed into
 * both (zero model cost, so storage shows), then cold `rag search` against each, and how
 * many HTTP requests one search makes to the S3 server (s3rver on 127.0.0.1, so each request
 * costs about nothing here: the count is what a remote bucket multiplies by its latency).
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { BIN } from '../tests/helpers/paths.js';
import { startLatencyProxy, startS3Server, TEST_BUCKET, type S3Server } from '../tests/helpers/s3-server.js';
import { generateCorpus } from './generate-corpus.js';
import { HungError, type Bench, type IndexJson } from './harness.js';
import { median } from './measure.js';
import { int, mb, ms, Report, round, spread } from './report.js';

const QUERIES = ['how do I configure the cache timeout', 'retry a failed request', 'deploy a new release version', 'stream buffer memory limit'];

export async function objectStoreIndex(b: Bench, report: Report, results: Record<string, unknown>, work: string): Promise<void> {
  const { runs, indexRuns, files, sizeMb, seed } = b.config;
  const s3Files = Math.min(files, 1000);
  const dir = path.join(work, 's3-corpus');
  const g = generateCorpus(dir, { files: s3Files, sizeMb: b.config.corpus ? s3Files * 0.01 : (sizeMb * s3Files) / files, seed: seed + 3 });
  report.section(`(k) Index in a local S3 server (s3rver) vs a local folder (${int(s3Files)} files, ${mb(g.totalBytes)}; index median of ${indexRuns}, search median of ${runs})`);
  b.stub.setCost({});
  const s3 = await startS3Server();
  const folder = path.join(work, 'db-s3-compare');
  try {
    const run = async (args: string[], db: string, timeoutMs = 120_000) => {
      const r = await b.runner.run({ args: [BIN, ...args], cwd: dir, usage: false, timeoutMs, env: { ...b.env(db), ...s3.env } });
      if (r.timedOut) throw new HungError(`rag ${args.join(' ')}`, r.wallMs);
      if (r.code !== 0) throw new Error(`rag ${args.join(' ')} (${db}) exited ${r.code ?? r.signal}: ${r.stderr.trim().split('\n').slice(-3).join('\n')}`);
      return r;
    };
    const indexWall = { folder: [] as number[], s3: [] as number[] };
    let uri = '';
    let chunks = 0;
    for (let i = 0; i < indexRuns; i++) {
      rmSync(folder, { recursive: true, force: true });
      indexWall.folder.push((await run(['index', '--json', '.'], folder, b.config.indexTimeoutMs)).wallMs);
      uri = `s3://${TEST_BUCKET}/bench-${i}`;
      s3.resetCount();
      const r = await run(['index', '--json', '.'], uri, b.config.indexTimeoutMs);
      indexWall.s3.push(r.wallMs);
      chunks = (JSON.parse(r.stdout) as IndexJson).chunks.total;
    }
    const indexRequests = s3.requests();
    report.row('index: folder / S3 (wall)', `${ms(median(indexWall.folder))} / ${ms(median(indexWall.s3))}; ${int(chunks)} chunks, ${int(indexRequests)} S3 requests`);

    const searchWall = { folder: [] as number[], s3: [] as number[] };
    const requests: number[] = [];
    // One untimed search each: the first read from disk is not what users see twice.
    await run(['search', QUERIES[0]!], folder);
    await run(['search', QUERIES[0]!], uri);
    for (let i = 0; i < runs; i++) {
      const query = QUERIES[i % QUERIES.length]!;
      searchWall.folder.push((await run(['search', query], folder)).wallMs);
      s3.resetCount();
      searchWall.s3.push((await run(['search', query], uri)).wallMs);
      requests.push(s3.requests());
    }
    const folderMs = median(searchWall.folder);
    const s3Ms = median(searchWall.s3);
    report.row('cold search: folder', `${ms(folderMs)}${spread(searchWall.folder)}`);
    report.row('cold search: S3 (local server)', `${ms(s3Ms)}${spread(searchWall.s3)}`);
    report.row('S3 requests per search (median; min-max)', `${median(requests)} (${Math.min(...requests)}-${Math.max(...requests)})`);
    const remote = await searchWithLatency(b, s3, dir, uri, report);
    results.s3 = {
      searchWithLatencyMs: remote,
      files: s3Files, bytes: g.totalBytes, chunks, indexRequests,
      indexWallMs: { folder: round(median(indexWall.folder)), s3: round(median(indexWall.s3)) },
      searchWallMs: { folder: round(folderMs), s3: round(s3Ms) },
      requestsPerSearch: { median: median(requests), min: Math.min(...requests), max: Math.max(...requests) },
    };
  } finally {
    await s3.close();
    rmSync(folder, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Per-request latency added in front of the server: what a bucket in the same region, and one farther away, add. */
const LATENCIES_MS = [20, 60];

/** Cold searches through a proxy that delays each request: remote latency, simulated. */
async function searchWithLatency(b: Bench, s3: S3Server, dir: string, uri: string, report: Report): Promise<Record<number, number>> {
  const out: Record<number, number> = {};
  for (const latency of LATENCIES_MS) {
    const proxy = await startLatencyProxy(s3, latency);
    try {
      const walls: number[] = [];
      for (let i = 0; i < Math.min(3, b.config.runs); i++) {
        const r = await b.runner.run({
          args: [BIN, 'search', QUERIES[i % QUERIES.length]!], cwd: dir, usage: false, timeoutMs: 120_000,
          env: { ...b.env(uri), ...s3.env, AWS_ENDPOINT_URL: proxy.endpoint },
        });
        if (r.code !== 0) throw new Error(`rag search through a ${latency} ms proxy exited ${r.code ?? r.signal}: ${r.stderr.trim().split('\n').slice(-3).join('\n')}`);
        walls.push(r.wallMs);
      }
      out[latency] = round(median(walls));
      report.row(`cold search: S3 + ${latency} ms a request (simulated)`, `${ms(median(walls))}${spread(walls)}`);
    } finally {
      await proxy.close();
    }
  }
  return out;
}
