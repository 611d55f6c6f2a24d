/**
 * src/ollama.ts through the real `ollama` client against the stub server: each failure
 * the server can produce comes out as a RagError with the documented exit code, and
 * transient ones are retried. Nothing is mocked; the stub is scripted.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { Exit, RagError } from '../src/errors.js';
import { OllamaClient, isTransient, type ChatStats } from '../src/ollama.js';
import type { Stub, StubOptions } from './ollama-stub/server.js';
import { startTestStub } from './helpers/stub.js';
import { waitUntil } from './helpers/poll.js';
import { closedPort } from './helpers/indexed-corpus.js';

async function withStub(t: TestContext, options?: StubOptions): Promise<{ stub: Stub; client: OllamaClient }> {
  const stub = await startTestStub(t, options);
  // A tiny backoff: the retries are under test, not the waiting.
  return { stub, client: new OllamaClient({ host: stub.url, backoffMs: 1 }) };
}

/** Asserts a RagError with this exit code whose one-line message matches. */
async function rejectsWith(promise: Promise<unknown>, exitCode: number, pattern: RegExp): Promise<RagError> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof RagError, `expected a RagError, got ${String(caught)}`);
  assert.equal(caught.exitCode, exitCode, caught.message);
  assert.match(`${caught.message} — ${caught.hint ?? ''}`, pattern);
  assert.doesNotMatch(caught.message, /\n/);
  return caught;
}

const CHAT = { model: 'llama3.2', messages: [{ role: 'user' as const, content: 'Passages:\n\n[1] a.md:1-2 · A\nThe sky is blue.\n\nQuestion: what colour is the sky?' }], numCtx: 2048 };

async function drain(stream: AsyncIterable<{ content: string }>): Promise<string> {
  let text = '';
  for await (const part of stream) text += part.content;
  return text;
}

describe('OllamaClient against the stub', () => {
  it('reads the version and model details (context length, capabilities)', async (t) => {
    const { client } = await withStub(t);
    assert.equal(await client.version(), '0.33.0');
    const chat = await client.showModel('llama3.2');
    assert.equal(chat?.contextLength, 131072);
    assert.ok(chat?.capabilities.includes('completion'));
    const embed = await client.showModel('nomic-embed-text');
    assert.equal(embed?.embeddingLength, 768);
    assert.deepEqual(embed?.capabilities, ['embedding']);
    assert.equal(await client.showModel('not-a-model'), undefined);
  });

  it('unreachable: exit 3 "Cannot reach Ollama at <host>", with the ollama serve hint', async () => {
    const host = `http://127.0.0.1:${await closedPort()}`;
    const client = new OllamaClient({ host, backoffMs: 1 });
    await rejectsWith(client.version(), Exit.ollama, new RegExp(`^Cannot reach Ollama at ${host} — .*ollama serve.*OLLAMA_HOST`));
    await rejectsWith(client.embed('nomic-embed-text', ['x']), Exit.ollama, /^Cannot reach Ollama/);
  });

  it('a missing model: exit 4 with the pull command', async (t) => {
    const { client } = await withStub(t, { installed: ['llama3.2'] });
    await rejectsWith(client.embed('nomic-embed-text', ['x']), Exit.model, /Model 'nomic-embed-text' is not installed — run 'ollama pull nomic-embed-text' or pass --pull/);
    await rejectsWith(client.requireModel('nomic-embed-text', 'embedding', { pull: false }), Exit.model, /ollama pull nomic-embed-text/);
    await rejectsWith(drain(client.chatStream({ ...CHAT, model: 'mistral' })), Exit.model, /Model 'mistral' is not installed/);
  });

  it('each error carries the reason decided where it was made', async (t) => {
    const down = new OllamaClient({ host: `http://127.0.0.1:${await closedPort()}`, backoffMs: 1 });
    assert.equal((await rejectsWith(down.version(), Exit.ollama, /Cannot reach/)).reason, 'unreachable');
    assert.equal((await rejectsWith(down.pull('llama3.2', () => {}), Exit.ollama, /Cannot reach/)).reason, 'unreachable');
    const { client } = await withStub(t, { installed: ['llama3.2'] });
    assert.equal((await rejectsWith(client.embed('nomic-embed-text', ['x']), Exit.model, /not installed/)).reason, 'missing-model');
    assert.equal((await rejectsWith(client.embed('llama3.2', ['x']), Exit.model, /not an embedding model/)).reason, 'wrong-kind');
    // A missing model is an answer from showModel, not an error.
    assert.equal(await client.showModel('nomic-embed-text'), undefined);
  });

  it('a model of the wrong kind: exit 4, naming the right flag', async (t) => {
    const { client } = await withStub(t);
    // 501 from /api/embed for a chat model.
    await rejectsWith(client.embed('llama3.2', ['x']), Exit.model, /'llama3\.2' is not an embedding model.*--embed-model/);
    // 400 "does not support chat" from /api/chat for an embedding model.
    await rejectsWith(client.chat({ ...CHAT, model: 'nomic-embed-text' }), Exit.model, /'nomic-embed-text' cannot chat.*--model/);
    // From the capabilities, before any request that would fail.
    await rejectsWith(client.requireModel('nomic-embed-text', 'completion', { pull: false }), Exit.model, /cannot chat/);
    await rejectsWith(client.requireModel('llama3.2', 'embedding', { pull: false }), Exit.model, /not an embedding model/);
  });

  it('requireModel with pull: pulls a missing model, reporting progress', async (t) => {
    const { stub, client } = await withStub(t, { installed: ['nomic-embed-text'] });
    const statuses: string[] = [];
    const info = await client.requireModel('llama3.2', 'completion', { pull: true, onPull: (p) => statuses.push(p.status) });
    assert.equal(info.name, 'llama3.2');
    assert.equal(statuses.at(-1), 'success');
    assert.equal(stub.requests.filter((r) => r.route === '/api/pull').length, 1);
  });

  it('a model the library does not have: pull fails with exit 4', async (t) => {
    const { client } = await withStub(t, { installed: [], pullable: [] });
    await rejectsWith(client.requireModel('llama3.2', 'completion', { pull: true }), Exit.model, /Could not pull model 'llama3\.2'/);
  });

  it('503 busy is retried with backoff, then succeeds', async (t) => {
    const { stub, client } = await withStub(t);
    stub.failNext('/api/embed', { status: 503, error: 'server busy, please try again.  maximum pending requests exceeded' }, 2);
    const [vector] = await client.embed('nomic-embed-text', ['hello world']);
    assert.equal(vector?.length, 768);
    assert.equal(stub.embedRequests(), 3);
  });

  it('a connection reset is retried', async (t) => {
    const { stub, client } = await withStub(t);
    stub.failNext('/api/embed', 'reset');
    assert.equal((await client.embed('nomic-embed-text', ['a', 'b'])).length, 2);
    assert.equal(stub.embedRequests(), 2);
  });

  it('503 that never clears: exit 3 after the retries, keeping the server\'s words', async (t) => {
    const { stub, client } = await withStub(t);
    stub.failNext('/api/embed', { status: 503, error: 'server busy, please try again.' }, 4);
    await rejectsWith(client.embed('nomic-embed-text', ['x']), Exit.ollama, /failed: server busy, please try again\. — try again/);
    assert.equal(stub.embedRequests(), 4);
  });

  it('a 4xx is not retried', async (t) => {
    const { stub, client } = await withStub(t);
    stub.failNext('/api/embed', { status: 400, error: 'the input length exceeds the context length' });
    await rejectsWith(client.embed('nomic-embed-text', ['x']), Exit.usage, /longer than the context .*--chunk-size/);
    assert.equal(stub.embedRequests(), 1);
  });

  it('a chat stream cut midway: exit 3, "stopped in the middle of the answer", after some text', async (t) => {
    const { stub, client } = await withStub(t);
    stub.failNext('/api/chat', 'cut-stream');
    const seen: string[] = [];
    await rejectsWith(
      (async () => {
        for await (const part of client.chatStream(CHAT)) seen.push(part.content);
      })(),
      Exit.ollama,
      /stopped in the middle of the answer: the connection was closed/,
    );
    assert.ok(seen.length > 0, 'some text arrived before the cut');
    assert.equal(stub.chatRequests().length, 1, 'a stream that has shown text is not retried');
  });

  it('a streamed chat returns the text and the stats; options carry num_ctx', async (t) => {
    const { stub, client } = await withStub(t);
    const stats: ChatStats = {};
    const text = await drain(client.chatStream({ ...CHAT, temperature: 0, seed: 3, numPredict: 100 }, stats));
    assert.equal(text, 'According to the documents, The sky is blue [1].');
    assert.equal(stats.doneReason, 'stop');
    assert.equal(stats.answerTokens, text.split(' ').length);
    assert.ok(typeof stats.promptTokens === 'number' && stats.promptTokens > 0);
    assert.deepEqual(stub.chatRequests()[0]?.options, { num_ctx: 2048, temperature: 0, seed: 3, num_predict: 100 });
  });

  it('an abort ends the call with exit 130', async (t) => {
    const stub = await startTestStub(t);
    const controller = new AbortController();
    const client = new OllamaClient({ host: stub.url, signal: controller.signal, backoffMs: 1 });
    stub.failNext('/api/embed', { delayMs: 200 });
    const pending = client.embed('nomic-embed-text', ['x']);
    // Abort once the request is in the server's hands, so the delay is what gets cut short.
    await waitUntil(() => stub.embedRequests() > 0, 'the server has the request', { intervalMs: 1 });
    controller.abort();
    await rejectsWith(pending, Exit.interrupted, /Interrupted/);
  });
});

describe('isTransient', () => {
  const responseError = (status: number): Error => Object.assign(new Error('x'), { name: 'ResponseError', error: 'x', status_code: status });
  const network = (code: string): Error => new TypeError('fetch failed', { cause: Object.assign(new Error(code), { code }) });
  const cases: Array<[what: string, err: unknown, expected: boolean]> = [
    ['503', responseError(503), true],
    ['500', responseError(500), true],
    ['501 wrong kind', responseError(501), false],
    ['404', responseError(404), false],
    ['400', responseError(400), false],
    ['ECONNRESET', network('ECONNRESET'), true],
    ['ECONNREFUSED', network('ECONNREFUSED'), false],
    ['ENOTFOUND', network('ENOTFOUND'), false],
    ['a socket cut mid-stream', new TypeError('terminated'), true],
    ['fetch refused before connecting (bad port)', new TypeError('fetch failed', { cause: new Error('bad port') }), false],
    ['a RagError', new RagError(Exit.model, 'x'), false],
  ];
  for (const [what, err, expected] of cases) {
    it(`${what} → ${expected}`, () => assert.equal(isTransient(err), expected));
  }
});
