import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { secretReason } from '../../src/discover/secrets.js';

describe('secretReason', () => {
  const secret = ['.env', 'app/.env.production', 'id_rsa', 'home/.ssh/id_ed25519', 'certs/server.pem', 'tls.key', '.npmrc', '.netrc', 'x/.aws/credentials', '/home/u/.aws/config', 'store.p12', 'C:\\Users\\u\\.ssh\\config'];
  const plain = ['README.md', 'docs/env.md', 'id_rsa.pub', 'keys.md', 'notes/keyboard.txt', 'src/key.ts', 'aws/credentials.md'];
  for (const p of secret) it(`${p} is a possible secret`, () => assert.match(secretReason(p) ?? '', /possible secret/));
  for (const p of plain) it(`${p} is not`, () => assert.equal(secretReason(p), undefined));
});
