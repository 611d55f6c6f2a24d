import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { test, type TestContext } from 'node:test';
import { Ollama, type ChatResponse, type Message, type ShowResponse } from 'ollama';
import { embedText, startStub, type Stub, type StubOptions } from './server.js';
import { startTestStub } from '../helpers/stub.js';
import { waitUntil } from '../helpers/poll.js';

async function withStub(t: TestContext, options?: StubOptions): Promise<{ stub: Stub; client: Ollama }> {
  const stub = await startTestStub(t, options);
  return { stub, client: new Ollama({ host: stub.url }) };
}

/** ollama-js types model_info as a Map, but it arrives as a plain JSON object. */
const modelInfo = (res: ShowResponse): Record<string, unknown> => res.model_info as unknown as Record<string, unknown>;

const dot = (a: number[], b: number[]): number => a.reduce((sum, v, i) => sum + v * (b[i] ?? 0), 0);

const NOT_FOUND = "I couldn't find the answer in the indexed documents.";
const SYSTEM = [
  'You answer questions using only the numbered passages in the user message.',
  `If the passages do not contain the answer, reply exactly: "${NOT_FOUND}"`,
].join('\n');

function ragMessages(question: string): Message[] {
  const user = [
    'Passages:',
    '',
    '[1] guide/install.md:1-20 · Install',
    '## Install',
    'Run the installer from the release page. Then start the server.',
    '',
    '[2] docs/config.md:12-30 · Configuration > Models',
    '```sh',
    'rag index --model nomic-embed-text',
    '```',
    'Set the embedding model in the configuration file. The default is nomic-embed-text.',
    '',
    `Question: ${question}`,
  ].join('\n');
  return [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: user },
  ];
}

const CONFIG_ANSWER = 'According to the documents, Set the embedding model in the configuration file [2].';

test('embed returns one deterministic unit vector per input, with the model dims', async (t) => {
  const { stub, client } = await withStub(t);
  const inputs = ['How to configure the embedding model', 'Bananas grow in tropical climates', 'How to configure the embedding model'];
  const res = await client.embed({ model: 'nomic-embed-text', input: inputs });
  assert.equal(res.model, 'nomic-embed-text');
  assert.equal(res.embeddings.length, 3);
  for (const vector of res.embeddings) {
    assert.equal(vector.length, 768);
    assert.ok(Math.abs(Math.hypot(...vector) - 1) < 1e-5);
    assert.ok(vector.every(Number.isFinite));
  }
  assert.deepEqual(res.embeddings[0], res.embeddings[2]);
  const again = await client.embed({ model: 'nomic-embed-text:latest', input: 'How to configure the embedding model' });
  assert.deepEqual(again.embeddings, [res.embeddings[0]]);
  assert.ok(res.prompt_eval_count > 0);

  assert.equal(stub.embedRequests(), 2);
  assert.deepEqual(stub.embedInputs(), [...inputs, inputs[0]]);
  assert.deepEqual(stub.requests.map((r) => r.route), ['/api/embed', '/api/embed']);
  stub.resetLog();
  assert.equal(stub.embedRequests(), 0);
  assert.deepEqual(stub.requests, []);
});

test('texts sharing words are closer than unrelated ones; task prefixes are ignored', async (t) => {
  const { client } = await withStub(t);
  const { embeddings } = await client.embed({
    model: 'nomic-embed-text',
    input: [
      'search_query: how do I configure the embedding model?',
      'search_document: Configure which embedding model rag uses.',
      'search_document: Bananas grow in tropical climates.',
      'configure embedding model',
    ],
  });
  const [query, related, unrelated, bare] = embeddings as [number[], number[], number[], number[]];
  assert.ok(dot(query, related) > 0.5, `related cosine ${dot(query, related)}`);
  assert.ok(dot(query, unrelated) < 0.3, `unrelated cosine ${dot(query, unrelated)}`);
  assert.deepEqual(query, bare);
});

test('identifiers and words with digits contribute nothing; synonyms share a feature', async (t) => {
  const { client } = await withStub(t);
  const { embeddings } = await client.embed({
    model: 'all-minilm',
    input: ['RAG_EMBED_MODEL max_file_size 42 v2', 'the of and', 'set RAG_EMBED_MODEL', 'set', 'remove the folder', 'delete a directory', 'quick car', 'fast automobile'],
  });
  const [ids, stops, setId, set, remove, del, quick, fast] = embeddings as number[][];
  assert.deepEqual(ids, stops, 'no features gives the fixed fallback vector');
  assert.ok(ids?.every((v) => v !== 0 && Number.isFinite(v)));
  assert.deepEqual(setId, set);
  assert.deepEqual(remove, del);
  assert.deepEqual(quick, fast);
  assert.deepEqual(set, embedText('set', 384), 'the exported function matches the wire');
});

test('tags, show and version describe the installed models', async (t) => {
  const { client } = await withStub(t, { installed: ['nomic-embed-text', 'llama3.2:latest', 'qwen3'] });
  assert.deepEqual(await client.version(), { version: '0.33.0' });

  const { models } = await client.list();
  assert.deepEqual(models.map((m) => m.name), ['nomic-embed-text:latest', 'llama3.2:latest', 'qwen3:latest']);
  const nomic = models[0];
  assert.match(nomic?.digest ?? '', /^[0-9a-f]{64}$/);
  assert.equal(nomic?.details.family, 'nomic-bert');
  assert.equal(nomic?.details.format, 'gguf');
  assert.deepEqual((await client.list()).models, models, 'deterministic');

  const embedShow = await client.show({ model: 'nomic-embed-text' });
  assert.deepEqual(embedShow.capabilities, ['embedding']);
  assert.equal(modelInfo(embedShow)['general.architecture'], 'nomic-bert');
  assert.equal(modelInfo(embedShow)['nomic-bert.context_length'], 2048);
  assert.equal(modelInfo(embedShow)['nomic-bert.embedding_length'], 768);

  const chatShow = await client.show({ model: 'llama3.2:latest' });
  assert.deepEqual(chatShow.capabilities, ['completion', 'tools']);
  assert.equal(modelInfo(chatShow)['llama.context_length'], 131072);
  assert.ok((await client.show({ model: 'qwen3' })).capabilities.includes('thinking'));

  await assert.rejects(client.show({ model: 'mxbai-embed-large' }), {
    name: 'ResponseError',
    status_code: 404,
    message: "model 'mxbai-embed-large' not found",
  });
});

test('embedding models have the real dimensions and context lengths, on /api/show and /api/embed', async (t) => {
  const { client } = await withStub(t);
  const real: Array<[string, string, number, number]> = [
    ['nomic-embed-text', 'nomic-bert', 768, 2048],
    ['mxbai-embed-large', 'bert', 1024, 512],
    ['all-minilm', 'bert', 384, 256],
  ];
  for (const [model, arch, dims, context] of real) {
    const show = await client.show({ model });
    assert.deepEqual(show.capabilities, ['embedding'], model);
    assert.equal(modelInfo(show)[`${arch}.embedding_length`], dims, model);
    assert.equal(modelInfo(show)[`${arch}.context_length`], context, model);
    const { embeddings } = await client.embed({ model, input: 'configure the embedding model' });
    assert.equal(embeddings[0]?.length, dims, model);
    assert.deepEqual(embeddings[0], embedText('configure the embedding model', dims), `${model}: deterministic from the text`);
  }
});

test('errors come back as ResponseError with the real status and text', async (t) => {
  const { client } = await withStub(t);
  const cases: Array<[Promise<unknown>, number, string]> = [
    [client.embed({ model: 'nope', input: 'x' }), 404, 'model "nope" not found, try pulling it first'],
    [client.embed({ model: 'llama3.2', input: 'x' }), 501, 'this model does not support embeddings'],
    [client.embed({ model: 'all-minilm', input: 'word '.repeat(300), truncate: false }), 400, 'the input length exceeds the context length'],
    [client.chat({ model: 'nope', messages: ragMessages('x') }), 404, "model 'nope' not found"],
    [client.chat({ model: 'nomic-embed-text', messages: ragMessages('x') }), 400, '"nomic-embed-text" does not support chat'],
    [client.chat({ model: 'llama3.2', messages: ragMessages('x'), think: true }), 400, '"llama3.2" does not support thinking'],
  ];
  for (const [promise, status_code, message] of cases) {
    await assert.rejects(promise, { name: 'ResponseError', status_code, message, error: message });
  }
});

test('embed truncates an over-long input silently by default and counts it', async (t) => {
  const { stub, client } = await withStub(t);
  const long = 'alpha beta gamma '.repeat(100); // 1700 chars, > 256 tokens * 4
  const { embeddings } = await client.embed({ model: 'all-minilm', input: [long, 'short'] });
  assert.equal(stub.truncatedEmbedInputs(), 1);
  assert.deepEqual(embeddings[0], embedText(long.slice(0, 1024), 384));
});

test('unknown routes and bad JSON answer like the real server', async (t) => {
  const { stub } = await withStub(t);
  const missing = await fetch(`${stub.url}/api/nope`);
  assert.equal(missing.status, 404);
  assert.equal(await missing.text(), '404 page not found');
  const bad = await fetch(`${stub.url}/api/embed`, { method: 'POST', body: '{nope' });
  assert.equal(bad.status, 400);
  assert.match(String(((await bad.json()) as { error?: unknown }).error), /^invalid character/);
});

test('chat gives a grounded reply citing the best passage, streamed or not', async (t) => {
  const { stub, client } = await withStub(t);
  const question = 'How do I change the embedding model?';
  const whole = await client.chat({ model: 'llama3.2', messages: ragMessages(question), options: { num_ctx: 4096 } });
  assert.equal(whole.message.content, CONFIG_ANSWER);
  assert.equal(whole.done, true);
  assert.equal(whole.done_reason, 'stop');
  assert.equal(whole.eval_count, CONFIG_ANSWER.split(' ').length);

  const parts: ChatResponse[] = [];
  for await (const part of await client.chat({ model: 'llama3.2:latest', messages: ragMessages(question), stream: true })) parts.push(part);
  const last = parts[parts.length - 1];
  assert.equal(last?.done, true);
  assert.equal(last?.done_reason, 'stop');
  assert.ok(parts.length > 5, 'one chunk per word');
  assert.equal(parts.map((p) => p.message.content).join(''), CONFIG_ANSWER);

  // "launch" is a synonym of "start"; the second passage shares "model" (score 1 >= 2/2).
  const both = await client.chat({ model: 'llama3.2', messages: ragMessages('Which model does the server launch with?') });
  assert.equal(both.message.content, 'According to the documents, Run the installer from the release page [1]. See also [2].');

  const records = stub.chatRequests();
  assert.deepEqual(records.map((r) => [r.model, r.stream, r.truncated]), [
    ['llama3.2', false, false],
    ['llama3.2:latest', true, false],
    ['llama3.2', false, false],
  ]);
  assert.deepEqual(records[0]?.options, { num_ctx: 4096 });
  assert.equal(records[0]?.messages[1]?.content.includes(question), true);
});

test('chat replies with the not-found phrase when no passage matches', async (t) => {
  const { client } = await withStub(t);
  const res = await client.chat({ model: 'qwen3', messages: ragMessages('What is the capital of France?'), think: false });
  assert.equal(res.message.content, NOT_FOUND);
  assert.equal(res.message.thinking, undefined);
  const noPassages = await client.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'Question: anything?' }] });
  assert.equal(noPassages.message.content, "I don't know.");
});

test('a prompt longer than num_ctx loses its front, silently, and is recorded', async (t) => {
  const { stub, client } = await withStub(t);
  const messages = ragMessages('Where is the installer?');
  const fits = await client.chat({ model: 'llama3.2', messages });
  assert.equal(fits.message.content, 'According to the documents, Run the installer from the release page [1].');
  // 40 tokens keep the last ~160 chars: the system message and passage [1] are gone.
  const cut = await client.chat({ model: 'llama3.2', messages, options: { num_ctx: 40 } });
  assert.equal(cut.message.content, "I don't know.");
  assert.equal(cut.prompt_eval_count, 40);
  assert.deepEqual(stub.chatRequests().map((r) => r.truncated), [false, true]);
});

test('pull streams progress, then the model is installed; unknown models fail', async (t) => {
  const { client } = await withStub(t, { installed: ['nomic-embed-text'], pullable: ['llama3.2'] });
  await assert.rejects(client.show({ model: 'llama3.2' }), { status_code: 404 });

  const statuses: string[] = [];
  let sawProgress = false;
  for await (const part of await client.pull({ model: 'llama3.2', stream: true })) {
    statuses.push(part.status);
    if (part.total > 0 && part.completed === part.total) sawProgress = true;
  }
  assert.equal(statuses[0], 'pulling manifest');
  assert.equal(statuses[statuses.length - 1], 'success');
  assert.ok(statuses.some((s) => /^pulling [0-9a-f]{12}$/.test(s)));
  assert.ok(sawProgress);
  assert.ok((await client.list()).models.some((m) => m.name === 'llama3.2:latest'));
  assert.equal((await client.chat({ model: 'llama3.2', messages: ragMessages('installer?') })).done, true);

  const notPullable = async (): Promise<void> => {
    for await (const part of await client.pull({ model: 'qwen3', stream: true })) void part;
  };
  await assert.rejects(notPullable(), { name: 'Error', message: 'pull model manifest: file does not exist' });
  await assert.rejects(client.pull({ model: 'qwen3' }), { name: 'ResponseError', status_code: 500 });
});

test('scripted failures: a status, then success', async (t) => {
  const { stub, client } = await withStub(t);
  const busy = 'server busy, please try again.  maximum pending requests exceeded';
  stub.failNext('/api/embed', { status: 503, error: busy }, 2);
  for (let i = 0; i < 2; i++) {
    await assert.rejects(client.embed({ model: 'nomic-embed-text', input: ['a'] }), { name: 'ResponseError', status_code: 503, message: busy });
  }
  const ok = await client.embed({ model: 'nomic-embed-text', input: ['a'] });
  assert.equal(ok.embeddings.length, 1);
  assert.equal(stub.embedRequests(), 3, 'failed attempts are logged too');
});

test('scripted failures: reset and delay', async (t) => {
  const { stub, client } = await withStub(t, { installed: [] });
  stub.failNext('/api/pull', 'reset');
  await assert.rejects(client.pull({ model: 'llama3.2' }), { name: 'TypeError', message: 'fetch failed' });
  await assert.rejects(client.show({ model: 'llama3.2' }), { status_code: 404 }, 'a reset pull installs nothing');

  stub.failNext('/api/version', { delayMs: 100 });
  const answered: string[] = [];
  const delayed = client.version().then((v) => answered.push(`version ${v.version}`));
  await waitUntil(() => stub.requests.some((r) => r.route === '/api/version'), 'the delayed request has arrived');
  await client.list().then(() => answered.push('tags'));
  await delayed;
  assert.deepEqual(answered, ['tags', 'version 0.33.0'], 'a request sent later overtakes the delayed one');
});

test('scripted failures: a chat stream cut midway surfaces as a client error', async (t) => {
  const { stub, client } = await withStub(t);
  stub.failNext('/api/chat', 'cut-stream');
  const received: string[] = [];
  const consume = async (): Promise<void> => {
    for await (const part of await client.chat({ model: 'llama3.2', messages: ragMessages('How do I change the embedding model?'), stream: true })) {
      received.push(part.message.content);
    }
  };
  await assert.rejects(consume(), { name: 'TypeError', message: 'terminated' });
  assert.ok(received.length >= 1 && received.length <= 2, `received ${received.length} chunks`);
  assert.notEqual(received.join(''), CONFIG_ANSWER);

  stub.failNext('/api/chat', 'cut-stream');
  await assert.rejects(client.chat({ model: 'llama3.2', messages: ragMessages('x') }), { name: 'TypeError' }, 'non-streamed too');
});

test('close() rejects, naming the route, when a scripted failure was never used', async () => {
  const stub = await startStub();
  stub.failNext('/api/chat', { status: 500, error: 'boom' });
  await assert.rejects(stub.close(), /never used: \/api\/chat/);
});

test('with a cost, requests wait for the parallel slots and are served in arrival order', async (t) => {
  const { stub, client } = await withStub(t, { cost: { embedMsPerRequest: 30, embedMsPerInput: 5 } });
  const words = ['first', 'second', 'third', 'fourth'];
  const concurrently = async (): Promise<string[]> => {
    const finished: string[] = [];
    await Promise.all(words.map((w) => client.embed({ model: 'nomic-embed-text', input: [w, 'b'] }).then(() => finished.push(w))));
    return finished;
  };
  const arrived = (): string[] => stub.embedInputs().filter((input) => words.includes(input));

  const serial = await concurrently();
  assert.equal(stub.peakParallel(), 1, 'parallel 1: one request at a time');
  assert.deepEqual(serial, arrived(), 'FIFO: answered in the order they arrived');
  // Timers never fire early, so the busy time is at least the simulated cost of all four.
  assert.ok(stub.busyMs() >= 4 * 40 * 0.9, `busy ${stub.busyMs()}`);

  stub.setCost({ embedMsPerRequest: 30, parallel: 2 });
  stub.resetLog();
  await concurrently();
  assert.equal(stub.peakParallel(), 2, 'parallel 2: two at once, never more');

  stub.setCost({});
  stub.resetLog();
  await concurrently();
  assert.equal(stub.peakParallel(), 0, 'no cost: no slot is ever held');
  assert.equal(stub.busyMs(), 0);

  stub.setCost({ chatMsPerToken: 2 });
  const parts: string[] = [];
  for await (const part of await client.chat({ model: 'llama3.2', messages: ragMessages('How do I change the embedding model?'), stream: true })) {
    parts.push(part.message.content);
  }
  assert.equal(parts.join(''), CONFIG_ANSWER);
  assert.equal(stub.peakParallel(), 1, 'a streamed chat holds a slot');
  assert.ok(stub.busyMs() > 0);
});

test('stub-main runs the stub as a process and prints OLLAMA_HOST', async () => {
  const main = fileURLToPath(new URL('./main.js', import.meta.url));
  const child = spawn(process.execPath, [main, '--embed-ms-per-input', '0', '--parallel', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.setEncoding('utf8');
  const firstLine = new Promise<string>((resolve) => {
    child.stdout.on('data', (text: string) => {
      stdout += text;
      if (stdout.includes('\n')) resolve(stdout.split('\n')[0] ?? '');
    });
  });
  const exited = once(child, 'exit');
  try {
    const line = await firstLine;
    assert.match(line, /^OLLAMA_HOST=http:\/\/127\.0\.0\.1:\d+$/);
    const client = new Ollama({ host: line.slice('OLLAMA_HOST='.length) });
    assert.equal((await client.version()).version, '0.33.0');
  } finally {
    child.kill('SIGTERM');
  }
  const [code] = await exited;
  assert.equal(code, 0);
  assert.equal(stdout, stdout.split('\n')[0] + '\n', 'exactly one line');
});
