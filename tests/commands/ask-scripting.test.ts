/**
 * `rag ask` for scripts: `rag ask -` reads the question from stdin, and
 * `--require-citation` turns an ungrounded answer into exit code 6.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertOneErrorLine } from '../helpers/assertions.js';
import { useIndexedCorpus } from '../helpers/indexed-corpus.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { spawnRag } from '../helpers/spawn-rag.js';
import { runRag } from '../helpers/test-io.js';

const QUESTION = 'How do I change the embedding model?';
const UNANSWERABLE = 'Who painted the Mona Lisa?';

describe('rag ask for scripts', () => {
  const fixture = useIndexedCorpus();

  it("rag ask - reads the question from stdin (spawned, piped)", async () => {
    fixture.stub.resetLog();
    const res = await spawnRag(['ask', '--json', '-'], { cwd: REPO_ROOT, env: fixture.env, input: `${QUESTION}\n` });
    assert.equal(res.code, 0, res.stderr);
    const doc = JSON.parse(res.stdout) as { question: string; found: boolean };
    assert.equal(doc.question, QUESTION);
    assert.equal(doc.found, true);
    const sent = fixture.stub.chatRequests()[0]?.messages.at(-1)?.content ?? '';
    assert.match(sent, /Question: How do I change the embedding model\?/);
  });

  it('rag ask - with nothing on stdin is a usage error', async () => {
    const res = await runRag(['ask', '-'], { cwd: REPO_ROOT, env: fixture.env, stdin: '  \n' });
    assert.equal(res.code, 2);
    assertOneErrorLine(res.stderr, /no question on stdin/i);
  });

  it('--require-citation: a cited answer exits 0', async () => {
    const res = await spawnRag(['ask', '--require-citation', QUESTION], { cwd: REPO_ROOT, env: fixture.env });
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /\nSources:\n/);
  });

  it('--require-citation: "not found" exits 6 after printing the answer', async () => {
    const res = await spawnRag(['ask', '--require-citation', UNANSWERABLE], { cwd: REPO_ROOT, env: fixture.env });
    assert.equal(res.code, 6);
    assert.match(res.stdout, /couldn't find the answer/);
    assertOneErrorLine(res.stderr.split('\n').filter((l) => l.startsWith('rag: ')).join('\n'), /The answer is not grounded: the documents do not seem to contain it/);
  });

  it('--require-citation --json: an answer citing nothing valid exits 6 with one JSON document', async () => {
    fixture.stub.failNext('/api/chat', { reply: 'You change it in the settings [9].' });
    const res = await runRag(['ask', '--json', '--require-citation', QUESTION], { cwd: REPO_ROOT, env: fixture.env });
    assert.equal(res.code, 6);
    const doc = JSON.parse(res.stdout) as { found: boolean; citations: number[]; invalid_citations: number[] };
    assert.deepEqual([doc.found, doc.citations, doc.invalid_citations], [true, [], [9]]);
    assert.match(res.stderr, /^rag: The answer is not grounded: it cites none of the passages it was given — /m);
  });

  it('without --require-citation the same answers exit 0', async () => {
    const res = await runRag(['ask', UNANSWERABLE], { cwd: REPO_ROOT, env: fixture.env });
    assert.equal(res.code, 0, res.stderr);
  });
});
