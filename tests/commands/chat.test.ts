/**
 * `rag chat` piped (one question per line) in-process against the Ollama stub and a real
 * index of corpus/: a follow-up that only makes sense after the first question is
 * rewritten and retrieves the right passage, /clear forgets, the JSON Lines shape, and
 * the first error ends a piped session with its exit code.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REWRITE_SYSTEM_PROMPT } from '../../src/chat/rewrite.js';
import { ANSI_ESCAPE } from '../helpers/ansi.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { runRag } from '../helpers/test-io.js';
import { useIndexedCorpus } from '../helpers/indexed-corpus.js';

const FIRST = 'How do I change the embedding model?';
const FOLLOW_UP = 'Does that need a rebuild?';
/** What the follow-up is about; on its own, "that" finds the rebuild section of the indexing guide instead. */
const TARGET = /^corpus\/guide\/configuration\.md:\d+-\d+ · Configuration > Changing the embedding model$/;

interface TurnLine {
  type: 'turn';
  turn: number;
  question: string;
  query: string;
  history_turns: number;
  answer: string;
  found: boolean;
  citations: number[];
  sources: Array<{ id: number; path: string; start_line: number; end_line: number; location: string; heading: string; cited: boolean; text: string }>;
  models: { chat: string; embed: string };
  num_ctx: number;
}

function jsonLines(stdout: string): Array<Record<string, unknown>> {
  const lines = stdout.split('\n').filter((l) => l !== '');
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The `[n] location · heading` lines of each turn's sources, in order. */
function sourceLines(stdout: string): string[][] {
  return stdout.split('\nSources:\n').slice(1).map((block) => block.split('\n').filter((l) => /^ {2}\[\d+\] /.test(l)).map((l) => l.replace(/^ {2}\[\d+\] /, '')));
}

describe('rag chat (piped)', () => {
  const fixture = useIndexedCorpus();
  const chat = (stdin: string, args: string[] = []) => runRag(['chat', ...args], { cwd: REPO_ROOT, env: fixture.env, stdin });

  it('rewrites a follow-up into a standalone query, retrieves for it, and answers with the conversation in context', async () => {
    fixture.stub.resetLog();
    const res = await chat(`${FIRST}\n${FOLLOW_UP}\n`);
    assert.equal(res.code, 0, res.stderr);
    assert.doesNotMatch(res.stdout + res.stderr, ANSI_ESCAPE);
    const [first, second] = sourceLines(res.stdout);
    assert.match(first?.[0] ?? '', TARGET, res.stdout);
    // The follow-up's best source is still the section on changing the embedding model.
    assert.match(second?.[0] ?? '', TARGET, res.stdout);
    // What was searched for is shown (on stderr, with the answer alone on stdout).
    assert.ok(res.stderr.includes(`» ${FIRST} ${FOLLOW_UP}`), res.stderr);

    const chats = fixture.stub.chatRequests();
    // First question: no rewrite (nothing to refer to). Follow-up: a rewrite, then the answer.
    assert.deepEqual(chats.map((c) => c.messages[0]?.content === REWRITE_SYSTEM_PROMPT), [false, true, false]);
    const answer = chats[2]!;
    assert.deepEqual(answer.messages.map((m) => m.role), ['system', 'user', 'assistant', 'user']);
    assert.equal(answer.messages[1]?.content, FIRST);
    assert.doesNotMatch(answer.messages[2]?.content ?? '', /\[\d+\]/, 'earlier citation markers are stripped');
    assert.ok(answer.messages[3]?.content.endsWith(`\nQuestion: ${FIRST} ${FOLLOW_UP}`), 'the answer is to the standalone question');
    assert.equal(typeof answer.options?.num_ctx, 'number');
    assert.equal(answer.truncated, false);
    // Each turn has its own cancellable client, but the server is checked once per run.
    assert.equal(fixture.stub.requests.filter((r) => r.route === '/api/version').length, 1);
  });

  it('control characters in the rewrite and the answer are shown, not acted on', async () => {
    // The first answer, then the rewrite of the follow-up.
    fixture.stub.failNext('/api/chat', { reply: 'Run \u001b[2Jnpm ci [1].' });
    fixture.stub.failNext('/api/chat', { reply: 'install\u001b]0;pwned\u0007 rag' });
    const res = await chat(`${FIRST}\n${FOLLOW_UP}\n`);
    assert.equal(res.code, 0, res.stderr);
    assert.doesNotMatch(res.stdout + res.stderr, /[\u0000-\u0008\u000b-\u001f\u007f]/);
    assert.ok(res.stderr.includes('» install^[]0;pwned^G rag'), res.stderr);
    assert.ok(res.stdout.includes('Run ^[[2Jnpm ci [1].'), res.stdout);
  });

  it('/clear forgets the conversation: the same follow-up is searched as typed and finds something else', async () => {
    fixture.stub.resetLog();
    const res = await chat(`${FIRST}\n/clear\n${FOLLOW_UP}\n`);
    assert.equal(res.code, 0, res.stderr);
    assert.ok(res.stderr.includes('Conversation cleared'), res.stderr);
    assert.ok(!res.stderr.includes('»'), 'nothing was rewritten');
    const chats = fixture.stub.chatRequests();
    assert.equal(chats.length, 2, 'no rewrite request after /clear');
    assert.deepEqual(chats[1]?.messages.map((m) => m.role), ['system', 'user'], 'no history after /clear');
    const [, second] = sourceLines(res.stdout);
    assert.doesNotMatch(second?.[0] ?? '', TARGET, 'without the conversation "that" is about something else');
  });

  it('--json prints one JSON document per line: each turn with the rewritten query; commands too', async () => {
    const res = await chat(`${FIRST}\n${FOLLOW_UP}\n/sources\n/search winget\n/model qwen3\n/clear\n`, ['--json', '--sources', 'all']);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stderr, '', 'nothing on stderr with --json');
    const docs = jsonLines(res.stdout);
    assert.deepEqual(docs.map((d) => d.type), ['turn', 'turn', 'sources', 'search', 'model', 'clear']);
    const [one, two] = docs as unknown as [TurnLine, TurnLine];
    assert.deepEqual([one.turn, one.question, one.query, one.history_turns], [1, FIRST, FIRST, 0]);
    assert.deepEqual([two.turn, two.question, two.query, two.history_turns], [2, FOLLOW_UP, `${FIRST} ${FOLLOW_UP}`, 1]);
    assert.equal(two.found, true);
    assert.ok(two.citations.length > 0);
    const best = two.sources.find((s) => s.id === two.citations[0]);
    assert.match(`${best?.location} · ${best?.heading}`, TARGET);
    assert.deepEqual(Object.keys(two.sources[0] ?? {}).sort(), ['anchor', 'chunk_id', 'cited', 'end_cell', 'end_line', 'end_page', 'heading', 'id', 'location', 'path', 'score', 'start_cell', 'start_line', 'start_page', 'text']);
    assert.equal(two.models.chat, 'llama3.2');
    assert.deepEqual((docs[2] as { sources: unknown[] }).sources.length, two.sources.length, '/sources lists the last answer\'s passages');
    assert.equal(((docs[3] as { results: Array<{ path: string }> }).results[0])?.path, 'corpus/getting-started/install.md');
    assert.equal((docs[4] as { model: string }).model, 'qwen3');
  });

  it('piped, the first error ends the session with its exit code; with --json it is the last line', async () => {
    const text = await chat(`/model no-such-model\n${FIRST}\n`);
    assert.equal(text.code, 4);
    assert.equal(text.stdout, '', 'the question after the error is not answered');
    assert.match(text.stderr, /^rag: Model 'no-such-model' is not installed — /m);

    const json = await chat(`${FIRST}\n/nonsense\n${FIRST}\n`, ['--json']);
    assert.equal(json.code, 2);
    const docs = jsonLines(json.stdout);
    assert.deepEqual(docs.map((d) => d.type), ['turn', 'error']);
    assert.match(String((docs[1]?.error as { message: string }).message), /Unknown command '\/nonsense'/);
  });

  it('without an index it stops before reading anything, with exit 5', async () => {
    const res = await runRag(['chat'], { cwd: REPO_ROOT, env: { ...fixture.env, RAG_DB: `${fixture.db}-missing` }, stdin: `${FIRST}\n` });
    assert.equal(res.code, 5);
    assert.match(res.stderr, /^rag: No index found/);
  });
});
