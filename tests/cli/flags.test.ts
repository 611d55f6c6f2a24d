/**
 * The flags -> options mapping, checked without spawning a process or running a
 * command (gh's runF idea): the program hands its parsed invocation to a stand-in.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildProgram, commandNames, globalValueOptions, type Invocation } from '../../src/cli.js';
import { memoryIo } from '../helpers/test-io.js';

async function parse(argv: string[]): Promise<Invocation> {
  const seen: Invocation[] = [];
  const program = buildProgram({
    io: memoryIo({ cwd: '/', now: () => 0 }),
    signal: new AbortController().signal,
    pid: 1,
    setJson: () => {},
    onUsageError: (message) => assert.fail(`usage error: ${message}`),
    dispatch: async (inv) => {
      seen.push(inv);
    },
  });
  await program.parseAsync(argv, { from: 'user' });
  assert.equal(seen.length, 1);
  return seen[0]!;
}

describe('flags -> options', () => {
  it('index with every flag', async () => {
    const inv = await parse([
      'index', '--embed-model', 'mxbai-embed-large', '--chunk-size', '500', '--chunk-overlap', '0', '--include', '*.md', '--include', 'docs/**',
      '--exclude', 'drafts/**', '--no-gitignore', '--follow', '--max-file-size', '2.5', '--rebuild', '--dry-run', '--pull', '--batch-size', '8',
      '--concurrency', '3', '--json', '-t', 'md', '--type', 'rst,markdown', '--watch', 'docs', 'README.md',
    ]);
    assert.deepEqual(inv, {
      command: 'index',
      options: {
        paths: ['docs', 'README.md'], include: ['*.md', 'docs/**'], exclude: ['drafts/**'], gitignore: false, follow: true, rebuild: true, dryRun: true, pull: true, json: true,
        types: ['markdown', 'rst'], watch: true,
      },
      settings: { embedModel: 'mxbai-embed-large', chunkSize: 500, chunkOverlap: 0, maxFileSizeMb: 2.5, batchSize: 8, concurrency: 3 },
    });
  });

  it('index with no flags: settings left to the context, switches off', async () => {
    assert.deepEqual(await parse(['index']), {
      command: 'index',
      options: { paths: [], include: [], exclude: [], gitignore: true, follow: false, rebuild: false, dryRun: false, pull: false, json: false, watch: false },
      settings: { embedModel: undefined, chunkSize: undefined, chunkOverlap: undefined, maxFileSizeMb: undefined, batchSize: undefined, concurrency: undefined },
    });
  });

  it('ask joins the words of the question and maps each flag', async () => {
    assert.deepEqual(await parse(['ask', '-m', 'qwen2.5', '-k', '4', '--no-stream', '--temperature', '0.5', '--seed', '0', '--num-ctx', '4096', '--sources', 'all', '--pull', '--json', 'how', 'do', 'I']), {
      command: 'ask',
      options: { question: 'how do I', stream: false, temperature: 0.5, seed: 0, numCtx: 4096, sources: 'all', pull: true, json: true },
      settings: { model: 'qwen2.5', topK: 4 },
    });
    assert.deepEqual(await parse(['ask', 'why?']), {
      command: 'ask',
      options: { question: 'why?', stream: true, temperature: 0, sources: 'cited', pull: false, json: false },
      settings: { model: undefined, topK: undefined },
    });
  });

  it("ask - and --require-citation", async () => {
    assert.deepEqual((await parse(['ask', '--require-citation', '-'])).options, { question: '-', stream: true, temperature: 0, sources: 'cited', pull: false, json: false, requireCitation: true });
  });

  it('eval with every flag, and with none', async () => {
    const inv = await parse([
      'eval', 'checks.jsonl', '-k', '4', '--answers', '-m', 'qwen2.5', '--temperature', '0.2', '--seed', '7', '--num-ctx', '4096', '--min-recall', '0.9',
      '--min-mrr', '0.5', '--min-answer-rate', '0.8', '--min-refusal', '1', '--junit', 'eval.xml', '--compare', '8', '--pull', '--json',
    ]);
    assert.deepEqual(inv, {
      command: 'eval',
      options: {
        casesFile: 'checks.jsonl', answers: true, temperature: 0.2, seed: 7, numCtx: 4096, pull: true, json: true, junit: 'eval.xml',
        thresholds: { minRecall: 0.9, minMrr: 0.5, minAnswerRate: 0.8, minRefusal: 1 }, compare: '8',
      },
      settings: { model: 'qwen2.5', topK: 4 },
    });
    assert.deepEqual(await parse(['eval', '--generate', '5']), {
      command: 'eval', options: { answers: false, pull: false, json: false, thresholds: {}, generate: 5 }, settings: { model: undefined, topK: undefined },
    });
  });

  it('search and status', async () => {
    assert.deepEqual(await parse(['search', '-k', '3', 'api', 'keys']), { command: 'search', options: { query: 'api keys', json: false }, settings: { topK: 3 } });
    assert.deepEqual(await parse(['status', '--json']), { command: 'status', options: { json: true }, settings: {} });
  });

  it('chat maps the ask-like flags; its model and top-k are settings', async () => {
    assert.deepEqual(await parse(['chat', '-m', 'qwen3', '-k', '3', '--temperature', '0.2', '--seed', '7', '--num-ctx', '8192', '--sources', 'none', '--pull', '--json']), {
      command: 'chat',
      options: { temperature: 0.2, seed: 7, numCtx: 8192, sources: 'none', pull: true, json: true },
      settings: { model: 'qwen3', topK: 3 },
    });
    assert.deepEqual(await parse(['chat']), {
      command: 'chat',
      options: { temperature: 0, sources: 'cited', pull: false, json: false },
      settings: { model: undefined, topK: undefined },
    });
  });

  it('mcp is read-only unless --allow-index', async () => {
    assert.deepEqual(await parse(['mcp']), { command: 'mcp', options: { allowIndex: false }, settings: {} });
    assert.deepEqual(await parse(['mcp', '--allow-index']), { command: 'mcp', options: { allowIndex: true }, settings: {} });
  });

  it('-t on search and ask; an unknown type is a usage error', async () => {
    assert.deepEqual(await parse(['search', '-t', 'py', 'x']), { command: 'search', options: { query: 'x', json: false, types: ['code'] }, settings: { topK: undefined } });
    const ask = await parse(['ask', '-t', 'rst', 'why?']);
    assert.deepEqual(ask.command === 'ask' && ask.options.types, ['rst']);
    await assert.rejects(parse(['search', '-t', 'nope', 'x']));
  });

  it('ls, rm and the global --json', async () => {
    assert.deepEqual(await parse(['ls', 'docs', '*.md']), { command: 'ls', options: { paths: ['docs', '*.md'], json: false }, settings: {} });
    assert.deepEqual(await parse(['rm', '--dry-run', 'beta']), { command: 'rm', options: { paths: ['beta'], dryRun: true, json: false }, settings: {} });
    assert.deepEqual(await parse(['--json', 'ls']), { command: 'ls', options: { paths: [], json: true }, settings: {} });
    assert.deepEqual(await parse(['--json', 'status']), { command: 'status', options: { json: true }, settings: {} });
  });

  it('global options before the command do not become command settings', async () => {
    const inv = await parse(['--db', 'elsewhere', '--host', ':5000', '-q', 'search', 'x']);
    assert.deepEqual(inv.settings, { topK: undefined });
  });
});

describe('what main.ts derives from the program', () => {
  const program = buildProgram({ io: memoryIo({ cwd: '/', now: () => 0 }), signal: new AbortController().signal, pid: 1, setJson: () => {}, onUsageError: () => {} });

  it('the command names', () => {
    assert.deepEqual(commandNames(program).sort(), ['ask', 'chat', 'completion', 'eval', 'index', 'ls', 'mcp', 'rm', 'search', 'status']);
  });

  it('the global options that take a value', () => {
    assert.deepEqual(globalValueOptions(program).sort(), ['--db', '--host']);
  });
});
