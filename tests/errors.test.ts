/** Exit codes follow from an error's reason, through one table. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EXIT_FOR_REASON, Exit, RagError, type Reason } from '../src/errors.js';

describe('RagError: reason -> exit code', () => {
  const cases: Array<[Reason, number]> = [
    ['usage', Exit.usage],
    ['bad-config', Exit.usage],
    ['unreachable', Exit.ollama],
    ['not-ollama', Exit.ollama],
    ['missing-model', Exit.model],
    ['wrong-kind', Exit.model],
    ['index-missing', Exit.index],
    ['locked', Exit.index],
    ['damaged', Exit.index],
    ['interrupted', Exit.interrupted],
    ['internal', Exit.internal],
  ];
  for (const [reason, code] of cases) {
    it(`${reason} exits ${code}`, () => {
      const err = new RagError(reason, 'm');
      assert.equal(err.reason, reason);
      assert.equal(err.exitCode, code);
      assert.equal(EXIT_FOR_REASON[reason], code);
    });
  }

  it('an error made from an exit code alone keeps that exit code', () => {
    for (const code of [Exit.internal, Exit.usage, Exit.ollama, Exit.model, Exit.index, Exit.interrupted]) {
      assert.equal(new RagError(code, 'm').exitCode, code);
    }
  });
});
