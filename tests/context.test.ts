/**
 * Settings are resolved once: flags > environment > `<index>/config.json` > defaults.
 * Observed through what the commands actually do (which model the stub was asked, how
 * many passages came back, which host was reached), plus the pure pieces: resolveHost,
 * parseConfig, locateIndex and colorAllowed, case by case.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_CHUNK_OPTIONS } from '../src/chunk/chunk.js';
import { colorAllowed, isLocalHost, locateIndex, parseConfig, resolveSettings, type FileConfig, type SettingFlags, type Settings } from '../src/context.js';
import { DEFAULTS } from '../src/defaults.js';
import { Exit, RagError } from '../src/errors.js';
import { resolveHost } from '../src/ollama.js';
import { DEFAULT_STUB_MODELS, startStub, type Stub } from './ollama-stub/server.js';
import { CORPUS, REPO_ROOT, makeTempDir } from './helpers/paths.js';
import { runRag } from './helpers/test-io.js';
import { closedPort } from './helpers/indexed-corpus.js';

const QUERY = 'How do I change the embedding model?';

describe('resolveHost: --host > OLLAMA_HOST > default, normalised', () => {
  const cases: Array<[flag: string | undefined, env: string | undefined, expected: string]> = [
    [undefined, undefined, 'http://127.0.0.1:11434'],
    ['', '  ', 'http://127.0.0.1:11434'],
    [undefined, 'example.com', 'http://example.com:11434'],
    [undefined, 'example.com:5000', 'http://example.com:5000'],
    [undefined, ':5000', 'http://127.0.0.1:5000'],
    [undefined, 'http://example.com', 'http://example.com:80'],
    [undefined, 'https://example.com', 'https://example.com:443'],
    [undefined, 'https://example.com:8443/', 'https://example.com:8443'],
    [undefined, 'http://example.com:5000///', 'http://example.com:5000'],
    [undefined, 'http://example.com/ollama/', 'http://example.com:80/ollama'],
    [undefined, '  10.0.0.5:11434  ', 'http://10.0.0.5:11434'],
    [undefined, '[::1]:9000', 'http://[::1]:9000'],
    [undefined, 'HTTP://Example.COM:1234', 'http://example.com:1234'],
    ['flag.example:1', 'env.example:2', 'http://flag.example:1'],
    ['', 'env.example:2', 'http://env.example:2'],
  ];
  for (const [flag, env, expected] of cases) {
    it(`${JSON.stringify(flag)} / ${JSON.stringify(env)} → ${expected}`, () => {
      assert.equal(resolveHost(flag, env), expected);
    });
  }

  for (const bad of ['http://', 'ftp://example.com', 'example.com:99999', 'exa mple.com', 'localhost:abc']) {
    it(`rejects ${JSON.stringify(bad)} with a usage error`, () => {
      assert.throws(
        () => resolveHost(undefined, bad),
        (err: unknown) => err instanceof RagError && err.exitCode === Exit.usage && err.message.includes(bad),
      );
    });
  }
});

describe('parseConfig', () => {
  const FILE = '/x/.rag/config.json';
  it('accepts every documented field', () => {
    const config = { embedModel: 'mxbai-embed-large', model: 'qwen3', host: 'h:1', hosts: ['a:1', 'b:2'], topK: 8, chunkSize: 900, chunkOverlap: 0, maxFileSizeMb: 0.5 };
    assert.deepEqual(parseConfig(config, FILE), config);
  });
  const bad: Array<[value: unknown, field: RegExp]> = [
    [[], /must hold a JSON object/],
    ['text', /must hold a JSON object/],
    [{ topk: 3 }, /Unknown field 'topk'/],
    [{ topK: 0 }, /Field 'topK'/],
    [{ topK: 2.5 }, /Field 'topK'/],
    [{ topK: 500 }, /Field 'topK' .* from 1 to 100/],
    [{ topK: '3' }, /Field 'topK'/],
    [{ model: '' }, /Field 'model'/],
    [{ chunkOverlap: -1 }, /Field 'chunkOverlap'/],
    [{ maxFileSizeMb: -2 }, /Field 'maxFileSizeMb'/],
    [{ hosts: 'a:1' }, /Field 'hosts' .* a non-empty list of strings/],
    [{ hosts: [] }, /Field 'hosts'/],
    [{ hosts: ['a:1', ''] }, /Field 'hosts'/],
  ];
  for (const [value, pattern] of bad) {
    it(`rejects ${JSON.stringify(value)}, naming the file`, () => {
      assert.throws(
        () => parseConfig(value, FILE),
        (err: unknown) => err instanceof RagError && err.exitCode === Exit.usage && pattern.test(err.message) && err.message.includes(FILE),
      );
    });
  }
});

describe('colorAllowed: only on a TTY, and NO_COLOR, TERM=dumb and --no-color switch it off', () => {
  const cases: Array<[isTTY: boolean, env: Record<string, string>, flag: boolean | undefined, expected: boolean]> = [
    [true, {}, undefined, true],
    [false, {}, undefined, false],
    [true, { NO_COLOR: '1' }, undefined, false],
    [true, { NO_COLOR: '' }, undefined, true],
    [true, {}, false, false],
    [true, { TERM: 'dumb' }, undefined, false],
    [false, { FORCE_COLOR: '1' }, undefined, true],
    [false, { FORCE_COLOR: '0' }, undefined, false],
    [false, { FORCE_COLOR: '1', NO_COLOR: '1' }, undefined, false],
    [false, { FORCE_COLOR: '1' }, false, false],
  ];
  for (const [isTTY, env, flag, expected] of cases) {
    it(`tty=${isTTY} env=${JSON.stringify(env)} flag=${flag} → ${expected}`, () => {
      assert.equal(colorAllowed(isTTY, env, flag), expected);
    });
  }
});

/** What locateIndex decided, and that a folder home stands for it. */
function folderWhere(index: ReturnType<typeof locateIndex>): { dir: string; isExplicit: boolean; exists: boolean } {
  assert.equal(index.home.isFolder, true);
  assert.equal(index.home.where, index.dir);
  return { dir: index.dir, isExplicit: index.isExplicit, exists: index.exists };
}

describe('locateIndex: --db > RAG_DB > nearest .rag walking up', () => {
  let t: ReturnType<typeof makeTempDir>;
  before(() => {
    t = makeTempDir();
    mkdirSync(path.join(t.dir, 'proj', '.rag'), { recursive: true });
    mkdirSync(path.join(t.dir, 'proj', 'a', 'b'), { recursive: true });
    mkdirSync(path.join(t.dir, 'other'), { recursive: true });
    writeFileSync(path.join(t.dir, 'afile'), '');
  });
  after(() => t.cleanup());

  it('finds the nearest .rag above the cwd', () => {
    assert.deepEqual(folderWhere(locateIndex(path.join(t.dir, 'proj', 'a', 'b'), undefined, undefined)), { dir: path.join(t.dir, 'proj', '.rag'), isExplicit: false, exists: true });
  });
  it('--db wins over RAG_DB, both resolved against the cwd', () => {
    assert.deepEqual(folderWhere(locateIndex(t.dir, 'other', 'proj/.rag')), { dir: path.join(t.dir, 'other'), isExplicit: true, exists: true });
    assert.deepEqual(folderWhere(locateIndex(t.dir, undefined, 'proj/.rag')), { dir: path.join(t.dir, 'proj', '.rag'), isExplicit: true, exists: true });
    assert.deepEqual(folderWhere(locateIndex(t.dir, '  ', 'new')), { dir: path.join(t.dir, 'new'), isExplicit: true, exists: false });
  });
  it('a file named as the index is a usage error', () => {
    assert.throws(() => locateIndex(t.dir, 'afile', undefined), (err: unknown) => err instanceof RagError && err.exitCode === Exit.usage);
  });
});

describe('precedence through the commands: flags > env > .rag/config.json > defaults', () => {
  let stub: Stub;
  let t: ReturnType<typeof makeTempDir>;
  /** An index built once; each case gets a copy with its own config file. */
  let builtIndex: string;
  let copies = 0;

  before(async () => {
    // Four chat models, so that each level of the precedence can name a different one.
    stub = await startStub({
      models: [...DEFAULT_STUB_MODELS, { name: 'mistral', kind: 'completion', contextLength: 32768 }, { name: 'phi3', kind: 'completion', contextLength: 4096 }],
    });
    t = makeTempDir();
    builtIndex = path.join(t.dir, 'built', '.rag');
    const res = await runRag(['index', CORPUS], { cwd: REPO_ROOT, env: { OLLAMA_HOST: stub.url, RAG_DB: builtIndex } });
    assert.equal(res.code, 0, res.stderr);
  });
  after(async () => {
    t.cleanup();
    await stub.close();
  });

  /** A copy of the index under `<tmp>/case-N/.rag`, with `config` written as its config.json. */
  function indexWithConfig(config: string | object | undefined): string {
    const dir = path.join(t.dir, `case-${++copies}`, '.rag');
    cpSync(builtIndex, dir, { recursive: true });
    if (config !== undefined) writeFileSync(path.join(dir, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
    return dir;
  }

  const MODEL_CASES: Array<{ name: string; config?: object; env?: Record<string, string>; args?: string[]; expected: string }> = [
    { name: 'default', expected: 'llama3.2' },
    { name: 'config', config: { model: 'qwen3' }, expected: 'qwen3' },
    { name: 'env over config', config: { model: 'qwen3' }, env: { RAG_MODEL: 'mistral' }, expected: 'mistral' },
    { name: 'flag over env and config', config: { model: 'qwen3' }, env: { RAG_MODEL: 'mistral' }, args: ['-m', 'phi3'], expected: 'phi3' },
    { name: 'an empty env variable is unset', config: { model: 'qwen3' }, env: { RAG_MODEL: '' }, expected: 'qwen3' },
  ];
  for (const c of MODEL_CASES) {
    it(`chat model, ${c.name} → ${c.expected}`, async () => {
      const db = indexWithConfig(c.config);
      stub.resetLog();
      const res = await runRag(['ask', '--json', ...(c.args ?? []), QUERY], { cwd: REPO_ROOT, env: { OLLAMA_HOST: stub.url, RAG_DB: db, ...c.env } });
      assert.equal(res.code, 0, res.stderr);
      assert.deepEqual(stub.chatRequests().map((r) => r.model), [c.expected]);
      assert.equal((JSON.parse(res.stdout) as { models: { chat: string } }).models.chat, c.expected);
    });
  }

  const TOPK_CASES: Array<{ name: string; config?: object; args?: string[]; expected: number }> = [
    { name: 'default', expected: 6 },
    { name: 'config', config: { topK: 2 }, expected: 2 },
    { name: 'flag over config', config: { topK: 2 }, args: ['-k', '3'], expected: 3 },
  ];
  for (const c of TOPK_CASES) {
    it(`top-k, ${c.name} → ${c.expected}`, async () => {
      const db = indexWithConfig(c.config);
      const res = await runRag(['search', '--json', ...(c.args ?? []), QUERY], { cwd: REPO_ROOT, env: { OLLAMA_HOST: stub.url, RAG_DB: db } });
      assert.equal(res.code, 0, res.stderr);
      assert.equal((JSON.parse(res.stdout) as { results: unknown[] }).results.length, c.expected);
    });
  }

  it('host: config, then OLLAMA_HOST (an empty one is unset), then --host', async () => {
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const cases: Array<{ config: object; env: Record<string, string>; args: string[]; code: number }> = [
      { config: { host: stub.url }, env: {}, args: [], code: 0 },
      { config: { host: stub.url }, env: { OLLAMA_HOST: '' }, args: [], code: 0 },
      { config: { host: stub.url }, env: { OLLAMA_HOST: dead }, args: [], code: 3 },
      { config: { host: dead }, env: { OLLAMA_HOST: stub.url }, args: [], code: 0 },
      { config: { host: dead }, env: { OLLAMA_HOST: dead }, args: ['--host', stub.url], code: 0 },
    ];
    for (const c of cases) {
      const db = indexWithConfig(c.config);
      const res = await runRag([...c.args, 'search', '--json', QUERY], { cwd: REPO_ROOT, env: { RAG_DB: db, ...c.env } });
      assert.equal(res.code, c.code, `${JSON.stringify(c)}: ${res.stderr}`);
      if (c.code === 3) assert.match(res.stderr, new RegExp(`Cannot reach Ollama at ${dead}`));
    }
  });

  const BAD_FILES: Array<{ name: string; text: string; pattern: RegExp }> = [
    { name: 'malformed JSON', text: '{"topK": 3,', pattern: /config\.json is not valid JSON/ },
    { name: 'an unknown field', text: '{"topk": 3}', pattern: /Unknown field 'topk' in config file .*config\.json — valid fields: embedModel, model/ },
    { name: 'a field of the wrong type', text: '{"topK": "three"}', pattern: /Field 'topK' in config file .*config\.json must be/ },
  ];
  for (const c of BAD_FILES) {
    it(`a config file with ${c.name} stops every command with exit 2, naming the file`, async () => {
      const db = indexWithConfig(c.text);
      for (const args of [['search', QUERY], ['ask', QUERY], ['status'], ['index', '--dry-run', CORPUS]]) {
        const res = await runRag(args, { cwd: REPO_ROOT, env: { OLLAMA_HOST: stub.url, RAG_DB: db } });
        assert.equal(res.code, 2, `${args[0]}: ${res.stderr}`);
        const lines = res.stderr.split('\n').filter((l) => l !== '');
        assert.equal(lines.length, 1, res.stderr);
        assert.match(lines[0] ?? '', /^rag: /);
        assert.match(lines[0] ?? '', c.pattern);
        assert.ok(lines[0]?.includes(path.join(db, 'config.json')), lines[0]);
      }
    });
  }
});

describe('the index is found by walking up from a subfolder', () => {
  let stub: Stub;
  let t: ReturnType<typeof makeTempDir>;
  before(async () => {
    stub = await startStub();
    t = makeTempDir();
    cpSync(CORPUS, path.join(t.dir, 'proj', 'corpus'), { recursive: true });
  });
  after(async () => {
    t.cleanup();
    await stub.close();
  });

  it('rag index creates .rag/ in the cwd; commands in a subfolder find it', async () => {
    const proj = path.join(t.dir, 'proj');
    // No RAG_DB: the walk-up is what is under test.
    const env = { OLLAMA_HOST: stub.url };
    const indexed = await runRag(['index', 'corpus'], { cwd: proj, env });
    assert.equal(indexed.code, 0, indexed.stderr);
    assert.ok(existsSync(path.join(proj, '.rag', 'manifest.json')));

    const sub = path.join(proj, 'corpus', 'guide');
    const status = await runRag(['status', '--json'], { cwd: sub, env });
    assert.equal(status.code, 0, status.stderr);
    const doc = JSON.parse(status.stdout) as { index: { path: string; root: string } };
    assert.equal(doc.index.path, path.join(proj, '.rag'));
    assert.equal(doc.index.root, proj);

    const search = await runRag(['search', '--json', QUERY], { cwd: sub, env });
    assert.equal(search.code, 0, search.stderr);
    // Paths stay relative to the index root, not to the cwd.
    assert.equal((JSON.parse(search.stdout) as { results: Array<{ path: string }> }).results[0]?.path, 'corpus/guide/configuration.md');
  });
});

describe('resolveSettings: flags > environment > config file > defaults, once for every setting', () => {
  const none: FileConfig = {};
  const config: FileConfig = { model: 'cfg-chat', embedModel: 'cfg-embed', host: 'cfg.example:1', topK: 9, chunkSize: 900, chunkOverlap: 90, maxFileSizeMb: 7 };
  const env = { RAG_MODEL: 'env-chat', RAG_EMBED_MODEL: 'env-embed', OLLAMA_HOST: 'env.example:2' };
  const flags: SettingFlags = { model: 'flag-chat', embedModel: 'flag-embed', host: 'flag.example:3', topK: 3, chunkSize: 500, chunkOverlap: 50, maxFileSizeMb: 2, batchSize: 8, concurrency: 4 };
  const cases: Array<{ name: string; flags: SettingFlags; env: Record<string, string>; config: FileConfig; exists: boolean; expected: Partial<Settings> }> = [
    {
      name: 'defaults alone',
      flags: {}, env: {}, config: none, exists: false,
      expected: {
        host: 'http://127.0.0.1:11434', chatModel: DEFAULTS.model, topK: DEFAULTS.topK, maxFileSizeMb: undefined,
        batchSize: DEFAULTS.embedBatchSize, concurrency: DEFAULTS.embedConcurrency, embedModel: undefined, defaultEmbedModel: DEFAULTS.embedModel,
        chunkSize: undefined, chunkOverlap: undefined, defaultChunk: { chunkSizeChars: DEFAULTS.chunkSize, chunkOverlapChars: DEFAULTS.chunkOverlap },
      },
    },
    {
      name: 'the config file over defaults',
      flags: {}, env: {}, config, exists: false,
      expected: { host: 'http://cfg.example:1', chatModel: 'cfg-chat', topK: 9, maxFileSizeMb: 7, embedModel: 'cfg-embed', defaultEmbedModel: 'cfg-embed', defaultChunk: { chunkSizeChars: 900, chunkOverlapChars: 90 } },
    },
    {
      name: 'the environment over the config file',
      flags: {}, env, config, exists: false,
      expected: { host: 'http://env.example:2', chatModel: 'env-chat', topK: 9, embedModel: 'env-embed', defaultEmbedModel: 'env-embed' },
    },
    {
      name: 'flags over everything',
      flags, env, config, exists: true,
      expected: { host: 'http://flag.example:3', chatModel: 'flag-chat', topK: 3, maxFileSizeMb: 2, batchSize: 8, concurrency: 4, embedModel: 'flag-embed', chunkSize: 500, chunkOverlap: 50 },
    },
    {
      name: 'an existing index keeps its embedding model unless a flag names one',
      flags: {}, env, config, exists: true,
      expected: { embedModel: undefined, defaultEmbedModel: 'env-embed', chunkSize: undefined, chunkOverlap: undefined },
    },
    {
      name: 'empty environment variables count as unset',
      flags: {}, env: { RAG_MODEL: ' ', RAG_EMBED_MODEL: '', OLLAMA_HOST: '' }, config, exists: false,
      expected: { host: 'http://cfg.example:1', chatModel: 'cfg-chat', embedModel: 'cfg-embed' },
    },
    {
      name: 'several hosts: comma-separated in a flag or OLLAMA_HOST, a list in the config (over its host)',
      flags: {}, env: {}, config: { host: 'solo:1', hosts: ['a:1', 'b:2'] }, exists: false,
      expected: { host: 'http://a:1', hosts: ['http://a:1', 'http://b:2'] },
    },
    {
      name: 'several hosts in OLLAMA_HOST over the config, repeats once',
      flags: {}, env: { OLLAMA_HOST: 'x:1, y:2 ,x:1' }, config: { hosts: ['a:1', 'b:2'] }, exists: false,
      expected: { host: 'http://x:1', hosts: ['http://x:1', 'http://y:2'] },
    },
    {
      name: 'several hosts in --host over everything',
      flags: { host: 'f:1,g' }, env: { OLLAMA_HOST: 'x:1' }, config: none, exists: false,
      expected: { hosts: ['http://f:1', 'http://g:11434'] },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const settings = resolveSettings(c.flags, c.env, c.config, c.exists);
      for (const [key, value] of Object.entries(c.expected)) {
        assert.deepEqual(settings[key as keyof Settings], value, key);
      }
    });
  }

  it('chunk defaults exist once: the chunker uses those of defaults.ts', () => {
    assert.deepEqual(DEFAULT_CHUNK_OPTIONS, { chunkSizeChars: DEFAULTS.chunkSize, chunkOverlapChars: DEFAULTS.chunkOverlap });
  });
});

describe('where the Ollama host comes from', () => {
  const cases: { name: string; flag?: string; env?: string; config?: string; host: string; source: string }[] = [
    { name: 'nothing given: the default', host: 'http://127.0.0.1:11434', source: 'default' },
    { name: 'the config file', config: 'http://localhost:9999', host: 'http://localhost:9999', source: 'config' },
    { name: 'OLLAMA_HOST over the config file', env: 'gpu:11434', config: 'http://localhost:9999', host: 'http://gpu:11434', source: 'env' },
    { name: '--host over both', flag: 'http://10.0.0.2:1', env: 'gpu:11434', config: 'http://localhost:9999', host: 'http://10.0.0.2:1', source: 'flag' },
    { name: 'an empty OLLAMA_HOST is unset', env: ' ', config: 'http://localhost:9999', host: 'http://localhost:9999', source: 'config' },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.host} (${c.source})`, () => {
      const s = resolveSettings({ ...(c.flag ? { host: c.flag } : {}) }, c.env ? { OLLAMA_HOST: c.env } : {}, c.config ? { host: c.config } : {}, true);
      assert.deepEqual([s.host, s.hostSource], [c.host, c.source]);
    });
  }

  const local: { url: string; isLocal: boolean }[] = [
    { url: 'http://127.0.0.1:11434', isLocal: true },
    { url: 'http://127.1.2.3:1', isLocal: true },
    { url: 'http://localhost:11434', isLocal: true },
    { url: 'http://[::1]:11434', isLocal: true },
    { url: 'http://0.0.0.0:11434', isLocal: true },
    { url: 'http://192.168.1.5:11434', isLocal: false },
    { url: 'https://ollama.example.com:443', isLocal: false },
    { url: 'http://127.0.0.1.evil.com:80', isLocal: false },
    { url: 'http://localhost.evil.com:80', isLocal: false },
  ];
  for (const { url, isLocal } of local) {
    it(`${url} is ${isLocal ? '' : 'not '}this machine`, () => {
      assert.equal(isLocalHost(url), isLocal);
    });
  }
});
