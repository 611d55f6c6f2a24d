/** The error contract every command keeps: one `rag: …` line on stderr, no stack trace. */
import assert from 'node:assert/strict';

export const STACK_LINE = /^\s+at .+/m;

export function assertOneErrorLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `expected one stderr line, got:\n${stderr}`);
  assert.match(lines[0] ?? '', /^rag: /);
  assert.match(lines[0] ?? '', pattern);
  assert.doesNotMatch(stderr, STACK_LINE);
}
