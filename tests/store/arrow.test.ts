/** One Arrow for LanceDB and the store, loaded from the package's single-file build (store/arrow.ts). */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { Arrow } from '../../src/store/arrow.js';
import * as lancedb from '@lancedb/lancedb';

describe('store/arrow', () => {
  it('LanceDB builds its tables with the same Arrow the store uses', () => {
    const table = lancedb.makeArrowTable([{ id: 'a', n: 1 }]);
    assert.ok(table instanceof Arrow.Table, 'LanceDB loaded a second copy of Arrow');
  });

  it("is the package's single-file build, cached where LanceDB resolves apache-arrow", () => {
    const lancedbRequire = createRequire(createRequire(import.meta.url).resolve('@lancedb/lancedb'));
    const entry = lancedbRequire.resolve('apache-arrow');
    assert.match(lancedbRequire.cache[entry]?.filename ?? '', /Arrow\.esnext\.min\.js$/);
    assert.equal(lancedbRequire('apache-arrow'), Arrow);
  });
});
