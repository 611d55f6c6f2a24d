import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EXIT_FOR_REASON, RagError } from '../../src/errors.js';
import { storageWriteError } from '../../src/store/write-errors.js';

function errno(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

describe('storageWriteError', () => {
  const cases: Array<[string, unknown, RegExp, RegExp]> = [
    ['Node EACCES', errno('EACCES', "EACCES: permission denied, open '/x/db/files_g1.json.tmp'"), /permission denied/, /make \/x\/db writable/],
    ['LanceDB permission', new Error('lance error: LanceError(IO): Generic LocalFileSystem error: Unable to open file /x/db/lance/a: Permission denied (os error 13)'), /permission denied/, /writable/],
    ['Node ENOSPC', errno('ENOSPC', 'ENOSPC: no space left on device, write'), /no space left/, /free some disk space/],
    ['LanceDB full disk', new Error('IO error: No space left on device (os error 28)\nat …'), /no space left/, /free some disk space/],
    ['anything else', new Error('Not a directory (os error 20)\nmore'), /Cannot write the index at \/x\/db: Not a directory \(os error 20\)$/, /check the folder/],
  ];
  for (const [name, err, message, hint] of cases) {
    it(`${name}: exit 5 naming the folder, saying what to do and that work is kept`, () => {
      const e = storageWriteError('/x/db', err);
      assert.equal(EXIT_FOR_REASON[e.reason], 5);
      assert.match(e.message, /^Cannot write the index at \/x\/db: /);
      assert.match(e.message, message);
      assert.match(e.hint ?? '', hint);
      assert.match(e.hint ?? '', /the files indexed so far are kept/);
      assert.equal(e.cause, err);
    });
  }
  it('a RagError passes through unchanged', () => {
    const e = new RagError('locked', 'x');
    assert.equal(storageWriteError('/x', e), e);
  });
});
