/**
 * A real S3-compatible server (s3rver) on 127.0.0.1:0 with its data in a temp folder, for
 * the object-store index: started by the test, closed when it ends. Optionally every request
 * it serves is counted (the bench reports requests per search).
 */
import { createRequire } from 'node:module';
import http, { type IncomingMessage } from 'node:http';
import { locateIndex } from '../../src/context.js';
import type { IndexHome } from '../../src/store/index-home.js';
import { makeTempDir, type CleanupHooks } from './paths.js';

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
  on(event: 'request', listener: (req: IncomingMessage) => void): void;
}
type S3rverClass = new (options: {
  port: number;
  address: string;
  directory: string;
  silent: boolean;
  configureBuckets: Array<{ name: string }>;
}) => S3rverInstance;

export const TEST_BUCKET = 'rag-test';

export interface S3Server {
  port: number;
  endpoint: string;
  /** The AWS_* variables rag needs to reach this server (dummy keys s3rver accepts). */
  env: Record<string, string>;
  /** Requests served since start or the last resetCount(). */
  requests(): number;
  /** Those requests as `METHOD /bucket/key?query`. */
  requestLog(): string[];
  resetCount(): void;
  close(): Promise<void>;
}

export async function startS3Server(buckets: string[] = [TEST_BUCKET]): Promise<S3Server> {
  const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;
  const data = makeTempDir('rag-s3-');
  const server = new S3rver({ port: 0, address: '127.0.0.1', directory: data.dir, silent: true, configureBuckets: buckets.map((name) => ({ name })) });
  const served: string[] = [];
  const { port } = await server.run();
  // s3rver is a Koa app on a node:http server; every request passes its 'request' event.
  (server as unknown as { httpServer?: { on(e: 'request', l: (req: IncomingMessage) => void): void } }).httpServer?.on('request', (req) => served.push(`${req.method} ${req.url}`));
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    port,
    endpoint,
    env: { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: endpoint },
    requests: () => served.length,
    requestLog: () => [...served],
    resetCount: () => {
      served.length = 0;
    },
    close: async () => {
      await server.close();
      data.cleanup();
    },
  };
}

/** The server for one test, closed when the test ends. */
export async function startTestS3(t: CleanupHooks): Promise<S3Server> {
  const s3 = await startS3Server();
  t.after(() => s3.close());
  return s3;
}

/** The index home rag itself would use for `uri` with this server's variables. */
export function s3Home(s3: S3Server, uri: string): IndexHome {
  return locateIndex('/', uri, undefined, s3.env).home;
}

/**
 * A proxy in front of `target` that holds every request `delayMs` before passing it on: a
 * remote bucket's latency, simulated (the bench times cold searches through it).
 */
export async function startLatencyProxy(target: S3Server, delayMs: number): Promise<{ endpoint: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    setTimeout(() => {
      const upstream = http.request({ host: '127.0.0.1', port: target.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    }, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
