/**
 * Start-up stays lazy (qmd's cli-lazy-llm-import test): LanceDB and Arrow load only
 * through src/store/chunk-store.ts, and only in commands that open the index; `rag --version` and
 * `rag --help` load nothing but bin/rag.cjs and quick-answers.cjs. Checked three ways: the
 * source's import statements, the compiled static import graph from the entry point,
 * and the modules a real `bin/rag.cjs` process actually resolves.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { startStub, type Stub } from './ollama-stub/server.js';
import { REPO_ROOT, makeTempDir } from './helpers/paths.js';
import { spawnRag } from './helpers/spawn-rag.js';
import { runRag } from './helpers/test-io.js';
import { makePdf } from './helpers/documents.js';

const SRC = path.join(REPO_ROOT, 'src');
const DIST_SRC = path.join(REPO_ROOT, 'dist', 'src');
const HEAVY = ['@lancedb/lancedb', 'apache-arrow'];

function listFiles(dir: string, ext: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(path.join(dir, e.name), ext) : e.name.endsWith(ext) ? [path.join(dir, e.name)] : [],
  );
}

interface ImportStatement {
  specifier: string;
  /** `import type …`, or every named binding marked `type`: erased by the compiler. */
  isTypeOnly: boolean;
}

/** Static `import … from '…'`, `import '…'` and `export … from '…'` statements (not `import()`), in order. */
function staticImports(source: string): ImportStatement[] {
  // Comments could hold example imports; no string in our sources starts a line with `import`.
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const found: Array<{ at: number; statement: ImportStatement }> = [];
  const withClause = /^\s*(?:import|export)\s+(type\s+)?([^'";]*?)\s+from\s*['"]([^'"]+)['"]/gm;
  for (const m of code.matchAll(withClause)) {
    const [, typeKeyword, clause = '', specifier = ''] = m;
    // `export const x = …` never reaches `from '…'` without a quote or semicolon first.
    const named = /^\{([^}]*)\}$/.exec(clause.trim());
    const bindings = named?.[1]?.split(',').map((b) => b.trim()).filter(Boolean) ?? [];
    const allTypeNamed = bindings.length > 0 && bindings.every((b) => b.startsWith('type '));
    found.push({ at: m.index, statement: { specifier, isTypeOnly: Boolean(typeKeyword) || allTypeNamed } });
  }
  for (const m of code.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm)) {
    found.push({ at: m.index, statement: { specifier: m[1] ?? '', isTypeOnly: false } });
  }
  return found.sort((a, b) => a.at - b.at).map((f) => f.statement);
}

describe('the import-statement parser', () => {
  it('tells value imports from type-only ones', () => {
    const source = [
      "import * as lancedb from '@lancedb/lancedb';",
      "import type { Table } from '@lancedb/lancedb';",
      "import { type Schema, type Field } from 'apache-arrow';",
      "import { Schema, type Field } from 'apache-arrow';",
      "import 'side-effect';",
      "export { x } from './x.js';",
      "// import { fake } from 'ora';",
      "const lazy = await import('ora');",
    ].join('\n');
    assert.deepEqual(staticImports(source), [
      { specifier: '@lancedb/lancedb', isTypeOnly: false },
      { specifier: '@lancedb/lancedb', isTypeOnly: true },
      { specifier: 'apache-arrow', isTypeOnly: true },
      { specifier: 'apache-arrow', isTypeOnly: false },
      { specifier: 'side-effect', isTypeOnly: false },
      { specifier: './x.js', isTypeOnly: false },
    ]);
  });
});

describe('source imports', () => {
  it('only src/store/chunk-store.ts imports @lancedb/lancedb or apache-arrow (type-only imports excepted)', () => {
    const files = listFiles(SRC, '.ts');
    assert.ok(files.length > 10, 'src/ should hold the sources');
    const offenders = files
      .filter((f) => path.relative(SRC, f) !== path.join('store', 'chunk-store.ts'))
      .flatMap((f) => staticImports(readFileSync(f, 'utf8')).filter((i) => !i.isTypeOnly && HEAVY.includes(i.specifier)).map((i) => `${path.relative(REPO_ROOT, f)} imports ${i.specifier}`));
    assert.deepEqual(offenders, []);
    // And store.ts really is the one that does: the check above would pass on an empty tree.
    const store = staticImports(readFileSync(path.join(SRC, 'store', 'chunk-store.ts'), 'utf8')).map((i) => i.specifier);
    for (const heavy of HEAVY) assert.ok(store.includes(heavy), `store.ts no longer imports ${heavy}`);
    // store/arrow.ts loads Arrow at run time (require), for chunk-store.ts and its lazy sibling
    // lance-meta.ts (an object-store index's documents and lock, imported lazily as chunk-store.ts is).
    const arrowUsers = files.filter((f) => staticImports(readFileSync(f, 'utf8')).some((i) => !i.isTypeOnly && /(^|\/)arrow\.js$/.test(i.specifier)));
    assert.deepEqual(arrowUsers.map((f) => path.relative(SRC, f)).sort(), [path.join('store', 'chunk-store.ts'), path.join('store', 'lance-meta.ts')]);
  });

  it('each document library is imported by its one loader only, and only dynamically', () => {
    const owners: Record<string, string> = { 'pdfjs-dist': path.join('load', 'pdf.ts'), mammoth: path.join('load', 'docx.ts'), htmlparser2: path.join('load', 'html.ts') };
    const files = listFiles(SRC, '.ts');
    for (const [lib, owner] of Object.entries(owners)) {
      const statics = files.flatMap((f) => staticImports(readFileSync(f, 'utf8')).filter((i) => !i.isTypeOnly && i.specifier.startsWith(lib)).map(() => path.relative(SRC, f)));
      assert.deepEqual(statics, [], `${lib} is imported statically`);
      const dynamic = files.filter((f) => readFileSync(f, 'utf8').includes(`import('${lib}`)).map((f) => path.relative(SRC, f));
      assert.deepEqual(dynamic, [owner], `${lib} should be imported by ${owner} alone`);
    }
  });

  it('cli.ts, main.ts and context.ts import no ora, ollama or store statically', () => {
    const forbidden = (specifier: string): boolean => specifier === 'ora' || specifier === 'ollama' || /(^|\/)store(\.js)?$/.test(specifier) || HEAVY.includes(specifier);
    for (const name of ['cli.ts', 'main.ts', 'context.ts']) {
      const bad = staticImports(readFileSync(path.join(SRC, name), 'utf8')).filter((i) => !i.isTypeOnly && forbidden(i.specifier));
      assert.deepEqual(bad, [], `src/${name}`);
    }
  });

  it('nothing heavy is reachable through static imports from the entry point (compiled)', () => {
    // What node actually loads before any dynamic import(): the transitive static graph of dist/src/main.js.
    const seen = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const { specifier } of staticImports(readFileSync(file, 'utf8'))) {
        if (specifier.startsWith('.')) visit(path.resolve(path.dirname(file), specifier));
        else packages.add(specifier);
      }
    };
    const entry = path.join(DIST_SRC, 'main.js');
    assert.ok(existsSync(entry), 'build first: dist/src/main.js is missing');
    visit(entry);
    const local = [...seen].map((f) => path.relative(DIST_SRC, f)).sort();
    for (const lazy of ['store/chunk-store.js', 'store/lance-meta.js', 'retrieve/retrieve.js', 'indexing/run.js', 'answer/answer.js', 'render/progress.js']) {
      assert.ok(!local.includes(lazy), `${lazy} is loaded at start-up: ${local.join(', ')}`);
    }
    assert.ok(!local.some((f) => f.startsWith('commands/')), `a command is loaded at start-up: ${local.join(', ')}`);
    for (const lazy of ['chat/session.js', 'mcp/server.js']) assert.ok(!local.includes(lazy), `${lazy} is loaded at start-up`);
    for (const heavy of [...HEAVY, 'ora', 'ollama', 'zod']) assert.ok(!packages.has(heavy), `${heavy} is loaded at start-up`);
    assert.deepEqual([...packages].filter((p) => p.startsWith('@modelcontextprotocol/')), [], 'the MCP SDK is loaded at start-up');
    for (const lazy of ['load/pdf.js', 'load/docx.js', 'load/html.js', 'load/notebook.js']) {
      assert.ok(!local.includes(lazy), `${lazy} is loaded at start-up`);
    }
    assert.ok(packages.has('commander'), 'the graph walk found the entry point imports');
  });
});

describe('modules a real process loads', () => {
  let t: ReturnType<typeof makeTempDir>;
  let stub: Stub;
  let env: Record<string, string>;

  /**
   * Runs rag with an --import hook that logs every URL the ES module loader resolves, and
   * a --require preload that lists the CommonJS modules loaded by the time it exits.
   */
  async function loadedBy(args: string[], name: string): Promise<{ code: number | null; urls: string[]; required: string[] }> {
    const log = path.join(t.dir, `${name}.log`);
    const cjsLog = path.join(t.dir, `${name}.cjs.log`);
    writeFileSync(log, '');
    const hooks = path.join(t.dir, 'hooks.mjs');
    const register = path.join(t.dir, `register-${name}.mjs`);
    writeFileSync(
      register,
      `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)}, { data: { log: ${JSON.stringify(log)} } });\n`,
    );
    const preload = path.join(t.dir, `preload-${name}.cjs`);
    writeFileSync(preload, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(cjsLog)}, Object.keys(require.cache).join('\\n')));\n`);
    const res = await spawnRag(args, { cwd: t.dir, env: { ...env, NODE_OPTIONS: `--import=${pathToFileURL(register).href} --require=${preload}` } });
    return { code: res.code, urls: readFileSync(log, 'utf8').split('\n').filter(Boolean), required: readFileSync(cjsLog, 'utf8').split('\n').filter(Boolean) };
  }

  before(async () => {
    t = makeTempDir();
    stub = await startStub();
    env = { OLLAMA_HOST: stub.url, RAG_DB: path.join(t.dir, 'db') };
    // Runs in the loader thread: records the resolved URL of every import, static or dynamic.
    writeFileSync(
      path.join(t.dir, 'hooks.mjs'),
      [
        "import { appendFileSync } from 'node:fs';",
        'let log;',
        'export function initialize(data) { log = data.log; }',
        'export async function resolve(specifier, context, next) {',
        '  const result = await next(specifier, context);',
        "  appendFileSync(log, result.url + '\\n');",
        '  return result;',
        '}',
      ].join('\n'),
    );
    writeFileSync(path.join(t.dir, 'note.md'), '# Note\n\nWidgets are configured in the settings file.\n');
    const indexed = await runRag(['index', 'note.md'], { cwd: t.dir, env });
    assert.equal(indexed.code, 0, indexed.stderr);
  });

  after(async () => {
    t.cleanup();
    await stub.close();
  });

  const documentLibraries = (urls: string[]): string[] => urls.filter((u) => /\/node_modules\/(pdfjs-dist|mammoth|htmlparser2)\/|\/dist\/src\/load\/(pdf|docx|html)\.js$/.test(u));

  it('rag --version, rag search and rag ask load no document library; indexing a PDF does', async () => {
    for (const args of [['--version'], ['search', 'widgets'], ['ask', 'how are widgets configured?']]) {
      const run = await loadedBy(args, `doc-${args[0]!.replace(/-/g, '')}`);
      assert.equal(run.code, 0, `rag ${args.join(' ')}`);
      assert.deepEqual(documentLibraries(run.urls), [], `rag ${args.join(' ')}`);
      assert.deepEqual(run.required.filter((f) => /node_modules\/(mammoth|pdfjs-dist|htmlparser2)\//.test(f)), [], `rag ${args.join(' ')}`);
    }
    writeFileSync(path.join(t.dir, 'paper.pdf'), await makePdf([{ lines: ['Widgets also appear in this paper.'] }]));
    const index = await loadedBy(['index', 'paper.pdf'], 'index-pdf');
    assert.equal(index.code, 0);
    assert.ok(documentLibraries(index.urls).some((u) => u.includes('/pdfjs-dist/')), 'indexing a PDF should load pdf.js');
  });


  it('rag --version and rag --help load no ES module and no package at all', async () => {
    for (const args of [['--version'], ['--help'], ['index', '-h']]) {
      const { code, urls, required } = await loadedBy(args, args.join('').replace(/-/g, ''));
      assert.equal(code, 0);
      // The entry point is all the ES module loader ever sees: not main.js, not commander.
      assert.deepEqual(urls.map((u) => path.relative(REPO_ROOT, new URL(u).pathname)), [path.join('bin', 'rag.cjs')], `rag ${args.join(' ')}`);
      const ours = required.filter((f) => !f.includes(`${path.sep}preload-`)).map((f) => path.relative(REPO_ROOT, f)).sort();
      assert.deepEqual(ours, [path.join('bin', 'rag.cjs'), path.join('dist', 'src', 'quick-answers.cjs')], `rag ${args.join(' ')}`);
    }
  });

  /** The MCP SDK, zod, and rag's chat loop and MCP server. */
  const chatOrMcp = (urls: string[]): string[] => urls.filter((u) => /\/node_modules\/(@modelcontextprotocol|zod)\//.test(u) || /\/dist\/src\/(chat|mcp)\//.test(u));

  it('rag --version, rag search and rag ask load neither the MCP SDK nor the chat loop; rag mcp does (so the hook would notice)', async () => {
    for (const args of [['--version'], ['search', 'widgets'], ['ask', 'how are widgets configured?']]) {
      const run = await loadedBy(args, `lazy-${args[0]?.replace(/-/g, '')}`);
      assert.equal(run.code, 0, `rag ${args.join(' ')}`);
      assert.deepEqual(chatOrMcp(run.urls), [], `rag ${args.join(' ')}`);
    }
    const mcp = await loadedBy(['mcp'], 'mcp');
    assert.equal(mcp.code, 0);
    assert.ok(mcp.urls.some((u) => u.includes('/node_modules/@modelcontextprotocol/sdk/')), 'rag mcp should load the SDK');
    assert.ok(mcp.urls.some((u) => u.endsWith('/dist/src/mcp/server.js')));
    assert.ok(!mcp.urls.some((u) => u.includes('/dist/src/chat/')), 'rag mcp does not load the chat loop');
  });

  it('rag search and rag ask load neither the chunker nor the index run; rag index does (so the hook would notice)', async () => {
    const pipeline = (urls: string[]) => urls.filter((u) => /\/dist\/src\/(chunk|indexing|load)\//.test(u));
    for (const args of [['search', 'widgets'], ['ask', 'how are widgets configured?']]) {
      const run = await loadedBy(args, `pipeline-${args[0]}`);
      assert.equal(run.code, 0, `rag ${args.join(' ')}`);
      assert.deepEqual(pipeline(run.urls), [], `rag ${args.join(' ')}`);
    }
    const index = await loadedBy(['index', '--dry-run', '.'], 'pipeline-index');
    assert.ok(pipeline(index.urls).some((u) => u.endsWith('/dist/src/chunk/chunk.js')), 'rag index should load the chunker');
  });

  it('rag status loads LanceDB only to check the table it has; rag search does (so the hook would notice)', async () => {
    const status = await loadedBy(['status'], 'status');
    assert.equal(status.code, 0);
    assert.ok(status.urls.some((u) => u.endsWith('/dist/src/store/chunk-store.js')), 'status checks the table');

    const search = await loadedBy(['search', 'widgets'], 'search');
    assert.equal(search.code, 0);
    assert.ok(search.urls.some((u) => u.includes('@lancedb')), 'search should load LanceDB');
    assert.ok(search.urls.some((u) => u.endsWith('/dist/src/store/chunk-store.js')));
  });
});
