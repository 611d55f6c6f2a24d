/**
 * `rag mcp` as agents use it: the SDK's real Client with the stdio transport spawns the
 * built bin/rag.cjs, against the Ollama stub and a real index of corpus/ in a temp
 * folder. Tools are listed with strict schemas; search, get, ask and status answer with
 * structured results; bad calls (a path outside the index, unknown or mistyped
 * parameters, an unknown tool) come back as tool errors and the server stays up. A raw
 * JSON-RPC session checks that stdout carries protocol messages and nothing else.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { cpSync } from 'node:fs';
import { startStub, type Stub } from '../ollama-stub/server.js';
import { BIN, CORPUS, corpusCopy, makeTempDir } from '../helpers/paths.js';
import { waitUntil } from '../helpers/poll.js';
import { startTestStub } from '../helpers/stub.js';
import { runRag } from '../helpers/test-io.js';

const DEADLINE_MS = 20_000;

function text(result: CallToolResult): string {
  const first = result.content[0];
  return first?.type === 'text' ? first.text : '';
}

describe('rag mcp', () => {
  let stub: Stub;
  let copy: ReturnType<typeof makeTempDir>;
  let env: Record<string, string>;
  let client: Client;
  let serverLog = '';
  const clientErrors: Error[] = [];

  const call = async (name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as CallToolResult;

  before(async () => {
    stub = await startStub();
    copy = makeTempDir();
    cpSync(CORPUS, path.join(copy.dir, 'corpus'), { recursive: true });
    // The index lives in <copy>/.rag, so its root is the copy and stored paths start with corpus/.
    writeFileSync(path.join(copy.dir, 'secret.txt'), 'not indexed: outside what was indexed\n');
    env = { OLLAMA_HOST: stub.url, PATH: process.env.PATH ?? '' };
    const indexed = await runRag(['index', 'corpus'], { cwd: copy.dir, env });
    assert.equal(indexed.code, 0, indexed.stderr);
    const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp'], cwd: copy.dir, env, stderr: 'pipe' });
    transport.stderr?.on('data', (d: Buffer) => (serverLog += d.toString()));
    client = new Client({ name: 'rag-test', version: '1.0.0' });
    client.onerror = (err) => clientErrors.push(err);
    await client.connect(transport);
  });

  after(async () => {
    await client?.close();
    copy?.cleanup();
    await stub?.close();
  });

  it('lists the four read-only tools with strict input schemas (no index tool without --allow-index)', async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ['ask', 'get', 'search', 'status']);
    const search = tools.find((t) => t.name === 'search');
    assert.deepEqual(Object.keys(search?.inputSchema.properties ?? {}).sort(), ['k', 'path_prefix', 'query']);
    assert.deepEqual(search?.inputSchema.required, ['query']);
    for (const tool of tools) {
      assert.equal((tool.inputSchema as { additionalProperties?: unknown }).additionalProperties, false, tool.name);
      assert.equal(tool.annotations?.readOnlyHint, true, tool.name);
    }
  });

  it('search returns ranked passages, optionally under a path prefix', async () => {
    const res = await call('search', { query: 'install rag on Windows', k: 3 });
    assert.equal(res.isError, undefined, text(res));
    const { results } = res.structuredContent as { results: Array<{ rank: number; path: string; start_line: number; end_line: number; heading: string; score: number; text: string }> };
    assert.equal(results.length, 3);
    assert.deepEqual(results.map((r) => r.rank), [1, 2, 3]);
    assert.equal(results[0]?.path, 'corpus/getting-started/install.md');
    assert.ok(results.some((r) => r.path === 'corpus/getting-started/install.md' && /> Windows$/.test(r.heading)), JSON.stringify(results));
    assert.ok(results.every((r) => r.end_line >= r.start_line && r.text.length > 0 && r.score > 0));
    assert.deepEqual(JSON.parse(text(res)), res.structuredContent, 'the text content is the same JSON');

    const guide = await call('search', { query: 'install rag on Windows', path_prefix: 'corpus/guide/' });
    const paths = (guide.structuredContent as { results: Array<{ path: string }> }).results.map((r) => r.path);
    assert.ok(paths.length > 0 && paths.every((p) => p.startsWith('corpus/guide/')), paths.join(', '));
  });

  it('get reads an indexed file or a line range of it', async () => {
    const whole = await call('get', { path: 'corpus/getting-started/install.md' });
    assert.equal(whole.isError, undefined, text(whole));
    const file = whole.structuredContent as { path: string; start_line: number; end_line: number; total_lines: number; truncated: boolean; text: string };
    assert.equal(file.start_line, 1);
    assert.equal(file.end_line, file.total_lines);
    assert.equal(file.truncated, false);
    assert.ok(file.text.startsWith('# Installing rag\n'));

    const range = await call('get', { path: './corpus/getting-started/install.md', start_line: 3, end_line: 4 });
    const part = range.structuredContent as { start_line: number; end_line: number; text: string };
    assert.deepEqual([part.start_line, part.end_line], [3, 4]);
    assert.equal(part.text, file.text.split('\n').slice(2, 4).join('\n'));
  });

  it('get refuses any path that is not an indexed file, without reading it', async () => {
    for (const p of ['secret.txt', '../secret.txt', path.join(copy.dir, 'secret.txt'), 'corpus/../secret.txt', '/etc/passwd', 'corpus']) {
      const res = await call('get', { path: p });
      assert.equal(res.isError, true, p);
      assert.match(text(res), /^rag: '.*' is not a file in the index — /, p);
      assert.doesNotMatch(text(res), /not indexed: outside/);
    }
  });

  it('ask answers with found, citations and checked sources', async () => {
    const res = await call('ask', { question: 'How do I install rag on Windows?' });
    assert.equal(res.isError, undefined, text(res));
    const doc = res.structuredContent as { answer: string; found: boolean; citations: number[]; sources: Array<{ id: number; path: string; cited: boolean }> };
    assert.equal(doc.found, true);
    assert.ok(doc.citations.length > 0);
    assert.deepEqual(doc.sources.filter((s) => s.cited).map((s) => s.id), doc.citations.slice().sort((a, b) => a - b));
    assert.match(doc.answer, /\[\d+\]/);
  });

  it('status reports the index and the models, as rag status --json does', async () => {
    const res = await call('status', {});
    assert.equal(res.isError, undefined, text(res));
    const doc = res.structuredContent as { ready: boolean; index: { files: number; embed_model: string }; ollama: { reachable: boolean } };
    assert.equal(doc.ready, true);
    assert.equal(doc.index.files, 12);
    assert.equal(doc.index.embed_model, 'nomic-embed-text');
    assert.equal(doc.ollama.reachable, true);
  });

  it('malformed calls are tool errors in rag\'s one-line form, and the server keeps serving', async () => {
    const unknownParam = await call('search', { query: 'install', limit: 3 });
    assert.equal(unknownParam.isError, true);
    assert.equal(text(unknownParam), "rag: Invalid arguments for search: unknown parameter 'limit' — search takes query, k, path_prefix");
    const wrongType = await call('get', { path: 'corpus/README.md', start_line: 'ten' });
    assert.equal(wrongType.isError, true);
    assert.match(text(wrongType), /^rag: Invalid arguments for get: 'start_line': expected number, received string — get takes path, start_line, end_line$/);
    const missing = await call('ask', {});
    assert.match(text(missing), /^rag: Invalid arguments for ask: 'question': /);
    const statusWithArgs = await call('status', { verbose: true });
    assert.equal(text(statusWithArgs), "rag: Invalid arguments for status: unknown parameter 'verbose' — status takes no parameters");
    const unknownTool = await call('delete_everything', {});
    assert.equal(text(unknownTool), "rag: Unknown tool 'delete_everything' — the tools are search, get, ask, status");
    assert.equal(unknownTool.isError, true);
    const pastTheEnd = await call('get', { path: 'corpus/README.md', start_line: 100_000 });
    assert.match(text(pastTheEnd), /^rag: .* is past the end/);
    // Still up, still answering.
    const after = await call('search', { query: 'install' });
    assert.equal(after.isError, undefined, text(after));
    assert.deepEqual(clientErrors, []);
    assert.doesNotMatch(serverLog, /\n\s+at /, 'no stack traces on stderr');
  });
});

describe('rag mcp --allow-index', () => {
  it('adds an index tool that re-indexes paths under the root and refuses others', async (t) => {
    const stub = await startTestStub(t);
    const copy = corpusCopy(t);
    const env = { OLLAMA_HOST: stub.url, PATH: process.env.PATH ?? '' };
    assert.equal((await runRag(['index', 'corpus'], { cwd: copy.dir, env })).code, 0);
    const client = new Client({ name: 'rag-test', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', '--allow-index'], cwd: copy.dir, env, stderr: 'ignore' }));
    t.after(() => client.close());
    const { tools } = await client.listTools();
    assert.ok(tools.some((tool) => tool.name === 'index'));

    writeFileSync(path.join(copy.corpus, 'new-note.md'), '# Zebras\n\nZebras are configured with the stripes option.\n');
    const res = (await client.callTool({ name: 'index', arguments: { paths: ['corpus'] } })) as CallToolResult;
    assert.equal(res.isError, undefined, text(res));
    assert.equal((res.structuredContent as { files: { new: number } }).files.new, 1);
    const found = (await client.callTool({ name: 'search', arguments: { query: 'zebra stripes', k: 1 } })) as CallToolResult;
    assert.equal((found.structuredContent as { results: Array<{ path: string }> }).results[0]?.path, 'corpus/new-note.md');

    const outside = (await client.callTool({ name: 'index', arguments: { paths: ['..'] } })) as CallToolResult;
    assert.equal(outside.isError, true);
    assert.match(text(outside), /^rag: '\.\.' is outside the index root/);
  });
});

describe('rag mcp over several hosts', () => {
  it('ask sends the chat to the first host that has the chat model', async (t) => {
    const stub = await startTestStub(t);
    const onlyEmbedding = await startTestStub(t, { installed: ['nomic-embed-text'] });
    const copy = corpusCopy(t);
    assert.equal((await runRag(['index', 'corpus'], { cwd: copy.dir, env: { OLLAMA_HOST: stub.url } })).code, 0);
    const env = { OLLAMA_HOST: `${onlyEmbedding.url},${stub.url}`, PATH: process.env.PATH ?? '' };
    const client = new Client({ name: 'rag-test', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp'], cwd: copy.dir, env, stderr: 'ignore' }));
    t.after(() => client.close());
    const res = (await client.callTool({ name: 'ask', arguments: { question: 'How do I install it?' } })) as CallToolResult;
    assert.equal(res.isError, undefined, text(res));
    assert.equal(onlyEmbedding.chatRequests().length, 0);
    assert.equal(stub.chatRequests().length, 1);
  });
});

describe('rag mcp on the wire', () => {
  it('writes nothing but JSON-RPC messages on stdout, even for requests it cannot parse', async (t) => {
    const stub = await startTestStub(t);
    const copy = corpusCopy(t);
    const env = { OLLAMA_HOST: stub.url, PATH: process.env.PATH ?? '' };
    assert.equal((await runRag(['index', 'corpus'], { cwd: copy.dir, env })).code, 0);
    const child = spawn(process.execPath, [BIN, 'mcp'], { cwd: copy.dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const killer = setTimeout(() => child.kill('SIGKILL'), DEADLINE_MS);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const send = (message: object) => child.stdin.write(`${JSON.stringify(message)}\n`);
    const lines = () => stdout.split('\n').filter(Boolean);
    const responses = async (count: number): Promise<Array<{ id?: number; result?: { isError?: boolean }; error?: unknown }>> => {
      await waitUntil(() => lines().length >= count, `${count} responses on stdout`, { timeoutMs: DEADLINE_MS, intervalMs: 50 });
      return lines().map((l) => JSON.parse(l) as { id?: number });
    };

    send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } });
    await responses(1);
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    child.stdin.write('this is not JSON\n');
    send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'search', arguments: { query: 'install', bogus: true } } });
    send({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'ask', arguments: { question: 'How do I install rag?' } } });
    const all = await responses(3);
    child.stdin.end();
    assert.equal(await exited, 0, `the server ends when the client closes stdin; stderr:\n${stderr}`);
    clearTimeout(killer);
    for (const message of all) assert.equal((message as { jsonrpc?: string }).jsonrpc, '2.0');
    assert.deepEqual(all.map((m) => m.id), [1, 2, 3]);
    assert.equal(all[1]?.result?.isError, true);
    assert.equal(all[2]?.result?.isError, undefined);
  });
});
