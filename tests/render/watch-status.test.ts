import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Exit, RagError } from '../../src/errors.js';
import { createStyle } from '../../src/render/style.js';
import { WatchStatus } from '../../src/render/watch-status.js';
import { testIo } from '../helpers/test-io.js';

const UPDATE = { atMs: Date.parse('2026-01-02T12:01:03'), new: 1, changed: 0, removed: 1, chunksEmbedded: 3, elapsedMs: 180 };

describe('WatchStatus', () => {
  it('on a terminal: one status line rewritten in place, with the last update and files pending', () => {
    const io = testIo({ cwd: '/', stderrIsTTY: true });
    const status = new WatchStatus(io, createStyle(false), 1);
    status.pendingChanged(0);
    status.pendingChanged(4);
    status.updated(UPDATE);
    const paints = io.err().split('\r\u001b[K').filter(Boolean);
    assert.deepEqual(paints, [
      'Watching 1 path (Ctrl-C to stop) · no changes yet',
      'Watching 1 path (Ctrl-C to stop) · no changes yet · 4 pending',
      'Watching 1 path (Ctrl-C to stop) · 12:01:03 updated: 1 new, 0 changed, 1 removed · 3 passages embedded in 180ms · 4 pending',
    ]);
    assert.doesNotMatch(io.err(), /\n/);
  });

  it('piped: one line per update and per problem, no status line, no escape codes', () => {
    const io = testIo({ cwd: '/', stderrIsTTY: false });
    const status = new WatchStatus(io, createStyle(false), 2);
    status.pendingChanged(3);
    status.updated(UPDATE);
    status.problem(new RagError(Exit.index, 'The index is locked', 'wait for it'), 2000);
    status.clear();
    assert.equal(io.err(), '12:01:03 updated: 1 new, 0 changed, 1 removed · 3 passages embedded in 180ms\nrag: The index is locked — wait for it (retrying in 2.0s)\n');
  });
});
