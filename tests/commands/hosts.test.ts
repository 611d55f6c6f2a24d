/**
 * Several Ollama hosts (`--host a,b`): embedding batches go to both; a host that dies
 * mid-run is left out and the run completes on the other, ending at a clean build; hosts
 * serving different embedding models are refused with exit 4 naming the odd one; `rag status`
 * lists each host; chat goes to a host that has the chat model.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import type { StatusJson } from '../../src/render/json.js';
import { DEFAULT_STUB_MODELS, type Stub } from '../ollama-stub/server.js';
import { startTestStub } from '../helpers/stub.js';
import { waitUntil } from '../helpers/poll.js';
import { corpusCopy } from '../helpers/paths.js';
import { runRag } from '../helpers/test-io.js';
import { assertOneErrorLine } from '../helpers/assertions.js';
import { assertNoDuplicateIds, cleanBuild, storedRows } from '../helpers/index-rows.js';

async function twoHosts(t: TestContext, second: Parameters<typeof startTestStub>[1] = {}): Promise<{ a: Stub; b: Stub; cwd: string; env: Record<string, string> }> {
  const a = await startTestStub(t);
  const b = await startTestStub(t, second);
  const copy = corpusCopy(t);
  return { a, b, cwd: copy.dir, env: { OLLAMA_HOST: `${a.url},${b.url}`, RAG_DB: path.join(copy.dir, 'db') } };
}

describe('several Ollama hosts', () => {
  it('spreads embedding requests over both hosts; the index equals a one-host build', async (t) => {
    const { a, b, cwd, env } = await twoHosts(t);
    // One passage a request, each costing model time, so both hosts get work.
    a.setCost({ embedMsPerRequest: 5 });
    b.setCost({ embedMsPerRequest: 5 });
    const res = await runRag(['index', 'corpus', '--batch-size', '1'], { cwd, env });
    assert.equal(res.code, 0, res.stderr);
    assert.ok(a.embedRequests() > 0, 'the first host embedded nothing');
    assert.ok(b.embedRequests() > 0, 'the second host embedded nothing');
    assert.doesNotMatch(res.stderr, /leaving it out/);
    const rows = await storedRows(env.RAG_DB!);
    assertNoDuplicateIds(rows);
    assert.deepEqual(rows, await cleanBuild(cwd, ['corpus'], a));
  });

  it('a host dying mid-run is left out with a note; the run completes on the other, equal to a clean build', async (t) => {
    const { a, b, cwd, env } = await twoHosts(t);
    a.setCost({ embedMsPerRequest: 20 });
    b.setCost({ embedMsPerRequest: 20 });
    const run = runRag(['index', 'corpus', '--batch-size', '1'], { cwd, env });
    let ended = false;
    void run.finally(() => (ended = true));
    await waitUntil(() => a.embedRequests() >= 2, 'the first host has embedded twice', { abortIf: () => (ended ? 'the run ended' : undefined) });
    await a.close();
    const res = await run;
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, new RegExp(`rag: note: Ollama at ${a.url.replace(/[.]/g, '\\.')} failed \\(.*\\); leaving it out for 30 s`));
    const rows = await storedRows(env.RAG_DB!);
    assertNoDuplicateIds(rows);
    assert.deepEqual(rows, await cleanBuild(cwd, ['corpus'], b));
  });

  it('fails, exit 3, only when no host is left', async (t) => {
    const { a, b, cwd, env } = await twoHosts(t);
    await a.close();
    await b.close();
    const res = await runRag(['index', 'corpus'], { cwd, env });
    assert.equal(res.code, 3, res.stderr);
    assert.match(res.stderr, /^rag: No Ollama host is left: all 2 failed/m);
  });

  it('refuses hosts serving different embedding models (another digest), exit 4 naming the odd host', async (t) => {
    const models = DEFAULT_STUB_MODELS.map((m) => (m.name === 'nomic-embed-text' ? { ...m, digest: 'f'.repeat(64) } : m));
    const { b, cwd, env } = await twoHosts(t, { models });
    const res = await runRag(['index', 'corpus'], { cwd, env });
    assert.equal(res.code, 4, res.stderr);
    assertOneErrorLine(res.stderr, new RegExp(`Ollama at ${b.url.replace(/[.]/g, '\\.')} serves a different 'nomic-embed-text'`));
  });

  it('refuses a host without the embedding model, exit 4 naming it', async (t) => {
    const { b, cwd, env } = await twoHosts(t, { installed: ['llama3.2'] });
    const res = await runRag(['index', 'corpus'], { cwd, env });
    assert.equal(res.code, 4, res.stderr);
    assertOneErrorLine(res.stderr, new RegExp(`not installed on Ollama at ${b.url.replace(/[.]/g, '\\.')}`));
  });

  it('status lists each host, its reachability and models', async (t) => {
    const { a, b, cwd, env } = await twoHosts(t, { installed: ['nomic-embed-text'] });
    const downUrl = b.url;
    const text = await runRag(['status'], { cwd, env });
    assert.match(text.stdout, /^Ollama    2 hosts \(from OLLAMA_HOST\)$/m);
    assert.match(text.stdout, new RegExp(`^  ${a.url} ✓ version \\S+ · 5 model\\(s\\): `, 'm'));
    assert.match(text.stdout, new RegExp(`^  ${downUrl} ✓ version \\S+ · 1 model\\(s\\): nomic-embed-text:latest$`, 'm'));
    await b.close();
    const res = await runRag(['status', '--json'], { cwd, env });
    const doc = JSON.parse(res.stdout) as StatusJson;
    assert.deepEqual(doc.hosts.map((h) => [h.host, h.reachable]), [[a.url, true], [downUrl, false]]);
    assert.doesNotMatch(res.stderr, /leaving it out/, 'the report shows the host down: no note besides');
    assert.equal(doc.hosts[0]!.models.length, 5);
    assert.deepEqual(doc.hosts[1]!.models, []);
  });

  it("a config file's hosts must all be this machine: one remote entry is refused, exit 2, naming it", async (t) => {
    const { a, cwd, env } = await twoHosts(t);
    mkdirSync(env.RAG_DB!, { recursive: true });
    const remote = 'http://192.0.2.7:11434';
    writeFileSync(path.join(env.RAG_DB!, 'config.json'), JSON.stringify({ hosts: [a.url, remote] }));
    const res = await runRag(['status'], { cwd, env: { RAG_DB: env.RAG_DB! } });
    assert.equal(res.code, 2, res.stderr);
    assertOneErrorLine(res.stderr, new RegExp(`sends documents to ${remote.replace(/[.]/g, '\\.')}, which is not this machine .* remove 'hosts' from the file`));
    assert.equal(a.requests.length, 0);
  });

  // ask, chat and eval --answers: the first host lacks the chat model, so the chat goes to the second.
  const chatting: { name: string; argv: string[]; stdin?: string; chats: number }[] = [
    { name: 'ask', argv: ['ask', 'How do I install it?', '--json'], chats: 1 },
    // Two questions: the second is rewritten with the first as context, then answered.
    { name: 'chat', argv: ['chat', '--json'], stdin: 'How do I install it?\nAnd on Windows?\n', chats: 3 },
    { name: 'eval --answers', argv: ['eval', 'cases.jsonl', '--answers', '--json'], chats: 1 },
  ];
  for (const c of chatting) {
    it(`${c.name} sends the chat to the first host that has the chat model`, async (t) => {
      const { a, b, cwd, env } = await twoHosts(t);
      const indexed = await runRag(['index', 'corpus'], { cwd, env });
      assert.equal(indexed.code, 0, indexed.stderr);
      writeFileSync(path.join(cwd, 'cases.jsonl'), '{"question":"How do I install it?"}\n');
      const onlyEmbedding = await startTestStub(t, { installed: ['nomic-embed-text'] });
      const res = await runRag(c.argv, { cwd, env: { ...env, OLLAMA_HOST: `${onlyEmbedding.url},${b.url}` }, ...(c.stdin ? { stdin: c.stdin } : {}) });
      assert.equal(res.code, 0, res.stderr);
      assert.equal(onlyEmbedding.chatRequests().length, 0);
      assert.equal(b.chatRequests().length, c.chats);
      assert.equal(a.chatRequests().length, 0);
    });
  }
});
