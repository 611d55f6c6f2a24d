/**
 * The pure parts of rag chat: reading a typed line, packing earlier turns into what the
 * passages leave of the context, the rewrite prompt and the parsing of its reply, and the
 * stub's rewrite of a follow-up (which the chat tests rely on).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { estimateTokens, packHistory, stripCitations } from '../../src/answer/prompt.js';
import { helpText, parseInput, type ChatInput } from '../../src/chat/conversation.js';
import { REWRITE_SYSTEM_PROMPT, parseRewrite, rewriteMessages } from '../../src/chat/rewrite.js';
import { rewriteFollowUp } from '../ollama-stub/rewrite.js';

describe('parseInput', () => {
  const cases: Array<[string, string, ChatInput]> = [
    ['a blank line is nothing', '   ', { kind: 'empty' }],
    ['text is a question, trimmed', '  How do I install it? ', { kind: 'question', text: 'How do I install it?' }],
    ['a known command, any case', '/CLEAR', { kind: 'command', name: 'clear', arg: '' }],
    ['a command keeps its argument', '/search  chunk size ', { kind: 'command', name: 'search', arg: 'chunk size' }],
    ['/model with a name', '/model qwen3', { kind: 'command', name: 'model', arg: 'qwen3' }],
    ['an unknown command is reported', '/quit', { kind: 'unknown', name: 'quit' }],
    ['a path is a question, not a command', '/etc/hosts is what?', { kind: 'question', text: '/etc/hosts is what?' }],
    ['a lone slash is a question', '/ what', { kind: 'question', text: '/ what' }],
  ];
  for (const [title, line, expected] of cases) {
    it(title, () => assert.deepEqual(parseInput(line), expected));
  }

  it('/help lists every command with its argument', () => {
    const help = helpText();
    for (const usage of ['/sources', '/search <query>', '/clear', '/model [name]', '/help', '/exit']) assert.ok(help.includes(usage), usage);
  });
});

describe('packHistory', () => {
  const turns = [
    { question: 'How do I install rag?', answer: 'Clone it and run npm ci [1][2].' },
    { question: 'And on Windows?', answer: 'Use the Node.js installer [3].' },
    { question: 'Which model?', answer: 'llama3.2 by default [1].' },
  ];

  it('keeps every turn that fits, oldest first, as user/assistant pairs without citation markers', () => {
    const packed = packHistory(turns, 10_000);
    assert.equal(packed.turns, 3);
    assert.deepEqual(packed.messages.map((m) => m.role), ['user', 'assistant', 'user', 'assistant', 'user', 'assistant']);
    assert.equal(packed.messages[1]?.content, 'Clone it and run npm ci.');
    assert.equal(packed.messages[4]?.content, 'Which model?');
    assert.ok(packed.estimatedTokens >= packed.messages.reduce((n, m) => n + estimateTokens(m.content), 0));
  });

  it('drops the oldest turns first when the budget is short, never half a turn', () => {
    const all = packHistory(turns, 10_000);
    const lastTwo = packHistory(turns.slice(1), 10_000);
    const packed = packHistory(turns, lastTwo.estimatedTokens);
    assert.equal(packed.turns, 2);
    assert.deepEqual(packed.messages, lastTwo.messages);
    assert.ok(packed.estimatedTokens < all.estimatedTokens);
  });

  it('sends nothing when there is no room (or a negative budget)', () => {
    assert.deepEqual(packHistory(turns, 0), { messages: [], turns: 0, estimatedTokens: 0 });
    assert.deepEqual(packHistory(turns, -50), { messages: [], turns: 0, estimatedTokens: 0 });
  });

  it('stripCitations takes out every marker form, and leaves code indexes alone', () => {
    assert.equal(stripCitations('Port 11434 [1], see [2, 3] and [4-5]【6】.'), 'Port 11434, see and.');
    assert.equal(stripCitations('arr[0] stays'), 'arr[0] stays');
  });
});

describe('the rewrite request', () => {
  it('shows the newest turns and the follow-up in the layout the stub reads', () => {
    const history = Array.from({ length: 6 }, (_, i) => ({ question: `question ${i}`, answer: `answer ${i} [1]` }));
    const [system, user] = rewriteMessages(history, '  and\nthen? ');
    assert.equal(system?.content, REWRITE_SYSTEM_PROMPT);
    assert.ok(user?.content.startsWith('Conversation:\nUser: question 2\nAssistant: answer 2\n'), user?.content);
    assert.ok(user?.content.endsWith('\n\nFollow-up question: and then?'));
    assert.ok(!user?.content.includes('question 1'));
    assert.equal(rewriteFollowUp([system!, user!]), 'question 5 and then?');
  });

  it('the stub answers other requests as before', () => {
    assert.equal(rewriteFollowUp([{ role: 'user', content: 'Passages:\n\n(no passages)\n\nQuestion: hi' }]), undefined);
  });

  const replies: Array<[string, string, string]> = [
    ['a plain line is the query', 'How do I install rag on Windows?', 'How do I install rag on Windows?'],
    ['a label is dropped', 'Standalone question: install rag on Windows', 'install rag on Windows'],
    ['quotes and bold are dropped', '**"install rag on Windows"**', 'install rag on Windows'],
    ['only the first line counts', 'install on Windows\nThis rewrites the question.', 'install on Windows'],
    ['a thinking block is skipped', '<think>they mean rag</think>\ninstall rag on Windows', 'install rag on Windows'],
    ['an empty reply falls back to the question', '  \n ', 'And on  Windows?'],
    ['a ramble falls back to the question', 'x'.repeat(1001), 'And on  Windows?'],
  ];
  for (const [title, reply, expected] of replies) {
    it(`parseRewrite: ${title}`, () => assert.equal(parseRewrite(reply, 'And on  Windows?'), expected.replace('  ', ' ')));
  }
});
