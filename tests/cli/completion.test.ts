/**
 * `rag completion bash|zsh|fish`: every command and every option that `--help` shows is in
 * every script, and the bash script really completes in bash.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { before, describe, it } from 'node:test';
import os from 'node:os';
import { spawnRag } from '../helpers/spawn-rag.js';

/** Commands and their long options, read from the help rag prints. */
async function helpSurface(cwd: string): Promise<{ commands: string[]; globals: string[]; options: Map<string, string[]> }> {
  const top = await spawnRag(['--help'], { cwd });
  const commandsBlock = top.stdout.split('\nCommands:\n')[1]?.split('\n\n')[0] ?? '';
  const commands = [...commandsBlock.matchAll(/^ {2}(\w+)/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
  const longs = (text: string) => [...text.matchAll(/(?:^|[ ,])(--[a-z][a-z-]*)/gm)].map((m) => m[1]!);
  const globals = longs(top.stdout.split('\nOptions:\n')[1]?.split('\n\n')[0] ?? '');
  const options = new Map<string, string[]>();
  for (const command of commands) {
    const help = await spawnRag([command, '--help'], { cwd });
    options.set(command, longs(help.stdout.split('\nOptions:\n')[1]?.split('\n\n')[0] ?? ''));
  }
  return { commands, globals, options };
}

describe('rag completion', () => {
  let cwd: string;
  let surface: Awaited<ReturnType<typeof helpSurface>>;
  const scripts = new Map<string, string>();
  before(async () => {
    // Help and completion read and write nothing: any folder will do.
    cwd = os.tmpdir();
    surface = await helpSurface(cwd);
    for (const shell of ['bash', 'zsh', 'fish']) {
      const res = await spawnRag(['completion', shell], { cwd });
      assert.equal(res.code, 0, res.stderr);
      scripts.set(shell, res.stdout);
    }
  });

  it('help lists the commands this test expects to find (the surface is read, not assumed)', () => {
    for (const c of ['index', 'ask', 'search', 'status', 'ls', 'rm', 'completion']) assert.ok(surface.commands.includes(c), c);
    assert.ok(surface.options.get('index')?.includes('--watch'));
    assert.ok(surface.globals.includes('--json'));
  });

  for (const shell of ['bash', 'zsh', 'fish']) {
    it(`the ${shell} script names every command and every option of every command`, () => {
      const script = scripts.get(shell)!;
      // fish spells long options without their dashes: `-l top-k`.
      const has = (option: string) => (shell === 'fish' ? script.includes(`-l ${option.slice(2)} `) : script.includes(option));
      for (const command of surface.commands) assert.match(script, new RegExp(`\\b${command}\\b`), `${shell}: ${command}`);
      for (const option of surface.globals) assert.ok(has(option), `${shell}: global ${option}`);
      for (const [command, options] of surface.options) {
        for (const option of options) assert.ok(has(option), `${shell}: ${command} ${option}`);
      }
    });
  }

  it('the bash script completes commands, options, choices and shells', () => {
    const complete = (words: string[]): string[] => {
      const line = `${scripts.get('bash')}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _rag_completion; printf '%s\\n' "\${COMPREPLY[@]}"`;
      const res = spawnSync('bash', ['-c', line], { encoding: 'utf8' });
      assert.equal(res.status, 0, res.stderr);
      return res.stdout.split('\n').filter(Boolean).sort();
    };
    assert.deepEqual(complete(['rag', 'in']), ['index']);
    assert.deepEqual(complete(['rag', 'search', '--to']), ['--top-k']);
    assert.deepEqual(complete(['rag', 'ask', '--sources', '']), ['all', 'cited', 'none']);
    assert.deepEqual(complete(['rag', 'completion', '']), ['bash', 'fish', 'zsh']);
    assert.ok(complete(['rag', 'index', '--w']).includes('--watch'));
  });

  it('an unknown shell is a usage error (exit 2)', async () => {
    const res = await spawnRag(['completion', 'tcsh'], { cwd: process.cwd() });
    assert.equal(res.code, 2);
    assert.match(res.stderr, /^rag: .*tcsh.*bash, zsh, fish/);
  });
});
