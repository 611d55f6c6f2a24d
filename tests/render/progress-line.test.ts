import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { indexProgressLine, pullProgressLine } from '../../src/render/progress-line.js';

describe('progress lines', () => {
  it('start with the share of files read; rate and ETA appear once there is time to rest on', () => {
    const p = { filesDone: 120, filesTotal: 480, chunksQueued: 2900, chunksEmbedded: 1204 };
    assert.equal(indexProgressLine(p, 500), 'Indexing 25% · 120/480 files · 1,204/2,900 passages embedded');
    assert.equal(indexProgressLine(p, 10_000), 'Indexing 25% · 120/480 files · 1,204/2,900 passages embedded · 120/s · ETA 30s');
    assert.equal(indexProgressLine({ ...p, filesDone: 4 }, 100_000), 'Indexing 0% · 4/480 files · 1,204/2,900 passages embedded · 12/s · ETA 3h 18m');
    assert.equal(indexProgressLine({ ...p, filesDone: 480 }, 10_000), 'Indexing 100% · 480/480 files · 1,204/2,900 passages embedded · 120/s');
  });

  it('a pull names the model and its size, not a layer digest', () => {
    assert.equal(pullProgressLine('nomic-embed-text', 'pulling 970aa74c0a90', 137_000_000, 274_000_000), 'Pulling nomic-embed-text: 50% of 274 MB');
    assert.equal(pullProgressLine('nomic-embed-text', 'verifying sha256 digest', undefined, undefined), 'Pulling nomic-embed-text: verifying sha256 digest');
  });
});
