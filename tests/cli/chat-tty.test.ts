/**
 * `rag chat` on a terminal: a pseudo-terminal from util-linux `script` runs the built
 * CLI, so readline is in raw mode as for a person typing. Ctrl-C while an answer streams
 * cancels that answer and keeps the session; the next question is answered; Ctrl-D
 * ends the session with exit 0.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { useIndexedCorpus } from '../helpers/indexed-corpus.js';
import { BIN, REPO_ROOT } from '../helpers/paths.js';
import { waitUntil } from '../helpers/poll.js';

const DEADLINE_MS = 20_000;
const CTRL_C = '\u0003';
const CTRL_D = '\u0004';

describe('rag chat on a terminal', () => {
  const fixture = useIndexedCorpus();

  it('Ctrl-C cancels the answer being written and keeps the session; Ctrl-D ends it', async () => {
    const { stub } = fixture;
    // Slow enough that the answer is still streaming when Ctrl-C arrives.
    stub.setCost({ chatMsPerToken: 300 });
    // A pseudo-terminal from `script` has no size of its own: give it one, as a terminal window has.
    const command = `stty cols 100 rows 40; exec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} chat`;
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TERM: 'xterm', NO_COLOR: '1', ...fixture.env };
    const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: REPO_ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let screen = '';
    child.stdout.on('data', (d: Buffer) => (screen += d.toString()));
    child.stderr.on('data', (d: Buffer) => (screen += d.toString()));
    const exited = new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve(code));
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), DEADLINE_MS * 2);
    /** Where `pattern` first shows on the terminal after `from`, once it does. */
    const waitFor = async (pattern: RegExp, from = 0): Promise<number> => {
      let at = -1;
      await waitUntil(() => (at = screen.slice(from).search(pattern)) >= 0, `${pattern} shows on the terminal`, {
        timeoutMs: DEADLINE_MS,
        intervalMs: 50,
        abortIf: () => (child.exitCode !== null ? `rag chat exited (${child.exitCode}) showing:\n${screen}\n` : undefined),
      });
      return from + at;
    };
    try {
      await waitFor(/› /);
      child.stdin.write('How do I install rag?\r');
      const answering = await waitFor(/According to the documents/);
      child.stdin.write(CTRL_C);
      const cancelled = await waitFor(/Cancelled\./, answering);
      const prompt = await waitFor(/› /, cancelled);
      assert.doesNotMatch(screen.slice(answering, cancelled), /Sources:/, 'the cancelled answer lists no sources');

      stub.setCost({});
      child.stdin.write('How do I install rag?\r');
      const sources = await waitFor(/Sources:/, prompt);
      await waitFor(/› /, sources);
      child.stdin.write(CTRL_D);
      assert.equal(await exited, 0, screen);
    } finally {
      clearTimeout(killer);
      if (child.exitCode === null) child.kill('SIGKILL');
      stub.setCost({});
    }
  });
});
