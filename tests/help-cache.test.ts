/**
 * `rag --help` answered from the help cache the build renders (src/help-cache.ts): the
 * cached texts are exactly what commander prints, every command is in it, and anything
 * that is not a plain help request at the piped width still goes to commander.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commandNames, renderHelp } from '../bench/help-cache-build.js';
import { cachedHelp, helpRequest, type HelpCache } from '../src/quick-answers.cjs';
import { assertOneErrorLine } from './helpers/assertions.js';
import { tempDir } from './helpers/paths.js';
import { spawnRag } from './helpers/spawn-rag.js';
import { runRag } from './helpers/test-io.js';

describe('helpRequest', () => {
  it('recognises plain help requests and nothing else', () => {
    const cases: Array<[string[], string | undefined]> = [
      [['--help'], ''],
      [['-h'], ''],
      [['help'], ''],
      [['index', '--help'], 'index'],
      [['ask', '-h'], 'ask'],
      [['help', 'search'], 'search'],
      [['bogus', '--help'], 'bogus'],
      [[], undefined],
      [['--help', 'index'], undefined],
      [['--version', '--help'], undefined],
      [['help', '--verbose'], undefined],
      [['index', 'help'], undefined],
      [['ask', 'what', '--help'], undefined],
      [['-v', '--help'], undefined],
    ];
    for (const [argv, expected] of cases) assert.equal(helpRequest(argv), expected, argv.join(' '));
  });
});

describe('cachedHelp', () => {
  const cache: HelpCache = { width: 80, texts: { '': 'rag help\n', index: 'index help\n' } };
  const read = () => cache;

  it('answers at the width the texts were rendered at', () => {
    assert.equal(cachedHelp(['--help'], false, {}, read), 'rag help\n');
    assert.equal(cachedHelp(['help', 'index'], false, { COLUMNS: '200' }, read), 'index help\n', 'piped: COLUMNS does not apply');
    assert.equal(cachedHelp(['-h'], true, {}, read), 'rag help\n', 'a terminal of unknown width gets 80 columns');
    assert.equal(cachedHelp(['-h'], true, { COLUMNS: '80' }, read), 'rag help\n');
  });

  it('leaves other widths, unknown commands, other arguments and a missing cache to commander', () => {
    assert.equal(cachedHelp(['--help'], true, { COLUMNS: '120' }, read), undefined);
    assert.equal(cachedHelp(['bogus', '--help'], false, {}, read), undefined);
    assert.equal(cachedHelp(['constructor', '--help'], false, {}, read), undefined);
    assert.equal(cachedHelp(['index', '--json'], false, {}, read), undefined);
    assert.equal(cachedHelp(['--help'], false, {}, () => undefined), undefined);
  });

  it('the built cache holds every command, exactly as commander prints it', async () => {
    const names = commandNames();
    assert.deepEqual(names, ['index', 'ask', 'search', 'chat', 'ls', 'rm', 'status', 'eval', 'mcp', 'completion']);
    for (const command of ['', ...names]) {
      const argv = command ? [command, '--help'] : ['--help'];
      const cached = cachedHelp(argv, false, {});
      assert.ok(cached, `no cached help for '${command}': run npm run build`);
      assert.equal(cached, await renderHelp(command), `cached help of '${command}' is stale: run npm run build`);
      const live = await runRag(argv, { cwd: process.cwd() });
      assert.equal(cached, live.stdout);
    }
  });
});

describe('rag --help as a process', () => {
  it('prints the same help as the CLI does, for every form of asking', async (ctx) => {
    const t = tempDir(ctx);
    const live = await runRag(['--help'], { cwd: t.dir });
    const liveIndex = await runRag(['index', '--help'], { cwd: t.dir });
    assert.match(live.stdout, /^Usage: rag \[options\] \[command\]/);
    for (const [argv, expected] of [[['--help'], live.stdout], [['-h'], live.stdout], [['help'], live.stdout], [['help', 'index'], liveIndex.stdout], [['index', '-h'], liveIndex.stdout]] as const) {
      const res = await spawnRag([...argv], { cwd: t.dir });
      assert.equal(res.code, 0, argv.join(' '));
      assert.equal(res.stdout, expected, argv.join(' '));
      assert.equal(res.stderr, '');
    }
    // Not cached: the CLI answers, in the process as when spawned.
    for (const argv of [['bogus', '--help'], ['--help', 'index'], ['--db', 'index', '--help']]) {
      const res = await spawnRag(argv, { cwd: t.dir });
      const expected = await runRag(argv, { cwd: t.dir });
      assert.deepEqual([res.code, res.stdout, res.stderr], [expected.code, expected.stdout, expected.stderr], argv.join(' '));
    }
    const unknown = await spawnRag(['bogus'], { cwd: t.dir });
    assert.equal(unknown.code, 2);
    assertOneErrorLine(unknown.stderr, /unknown command 'bogus'/);
  });
});
