/**
 * CJK documents through `rag index` and `rag search`, and an index written before the
 * full-text column knew CJK: refused with a --rebuild hint (exit 5), then rebuilt.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { MANIFEST_FILE } from '../../src/store/manifest.js';
import type { SearchJson } from '../../src/render/json.js';
import { startStub } from '../ollama-stub/server.js';
import { assertOneErrorLine } from '../helpers/assertions.js';
import { tempDir } from '../helpers/paths.js';
import { runRag } from '../helpers/test-io.js';

describe('CJK search and the schema-2 full-text column', () => {
  it('finds a Chinese passage by a Chinese keyword; an index of schema 1 is told to --rebuild', async (t) => {
    const stub = await startStub();
    t.after(() => stub.close());
    const work = tempDir(t);
    const docs = path.join(work.dir, 'docs');
    mkdirSync(docs);
    writeFileSync(path.join(docs, 'rag.md'), '# 检索\n\n系统先从向量数据库中检索相关段落，再让模型根据这些段落回答问题。\n');
    writeFileSync(path.join(docs, 'park.md'), '# 公园\n\n今天天气很好，我们去公园散步。\n');
    const env = { OLLAMA_HOST: stub.url, RAG_DB: path.join(work.dir, 'db') };
    const run = (argv: string[]) => runRag(argv, { cwd: work.dir, env });

    assert.equal((await run(['index', 'docs'])).code, 0);
    const search = await run(['search', '--json', '-k', '1', '向量数据库']);
    assert.equal(search.code, 0, search.stderr);
    assert.equal((JSON.parse(search.stdout) as SearchJson).results[0]?.path, 'docs/rag.md');

    const manifestFile = path.join(env.RAG_DB, MANIFEST_FILE);
    writeFileSync(manifestFile, JSON.stringify({ ...JSON.parse(readFileSync(manifestFile, 'utf8')), schemaVersion: 1 }));
    for (const argv of [['search', '向量数据库'], ['index', 'docs']]) {
      const old = await run(argv);
      assert.equal(old.code, 5, argv.join(' '));
      assertOneErrorLine(old.stderr, /older rag \(schema 1.*rag index --rebuild/);
    }
    assert.equal((await run(['index', '--rebuild', 'docs'])).code, 0);
    assert.equal((await run(['search', '向量数据库'])).code, 0);
  });
});
