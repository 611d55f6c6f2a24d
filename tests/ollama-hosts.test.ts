/**
 * OllamaHosts against real stub servers: a failed host is left out for the cool-down (one
 * note), comes back after it, and is checked for the same embedding model before it gets work.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Exit, RagError } from '../src/errors.js';
import { OllamaHosts } from '../src/ollama-hosts.js';
import { DEFAULT_STUB_MODELS, startStub } from './ollama-stub/server.js';
import { startTestStub } from './helpers/stub.js';

describe('OllamaHosts', () => {
  it('leaves a failed host out for the cool-down, then checks it again before it embeds', async (t) => {
    const a = await startTestStub(t);
    const b = await startTestStub(t);
    let clock = 0;
    const notes: string[] = [];
    const hosts = new OllamaHosts([a.url, b.url], { now: () => clock, note: (m) => notes.push(m), cooldownMs: 1000 });
    await a.close();
    // Four at once: two were headed for the dead host, and fail together.
    const vectors = await Promise.all([0, 1, 2, 3].map((i) => hosts.embed('nomic-embed-text', [`text ${i}`])));
    assert.equal(vectors.flat().length, 4);
    assert.equal(b.embedRequests(), 4);
    assert.equal(notes.length, 1, notes.join('\n'));
    assert.match(notes[0]!, new RegExp(`^Ollama at ${a.url.replace(/[.]/g, '\\.')} failed .*leaving it out for 1 s$`));

    // The same host back on its port, now serving another version of the model: still out until the cool-down ends.
    const models = DEFAULT_STUB_MODELS.map((m) => (m.name === 'nomic-embed-text' ? { ...m, digest: 'e'.repeat(64) } : m));
    const back = await startStub({ port: a.port, models });
    t.after(() => back.close());
    await hosts.embed('nomic-embed-text', ['still out']);
    assert.equal(back.requests.length, 0);
    clock += 1001;
    await assert.rejects(
      hosts.embed('nomic-embed-text', ['back in']),
      (err: unknown) => err instanceof RagError && err.exitCode === Exit.model && err.message.includes(`Ollama at ${a.url} serves a different 'nomic-embed-text'`),
    );
    assert.deepEqual(back.requests.map((r) => r.route), ['/api/version', '/api/tags'], 'checked, and given no work');
  });

  it('embeds on the least busy host', async (t) => {
    const a = await startTestStub(t, { cost: { embedMsPerRequest: 30 } });
    const b = await startTestStub(t, { cost: { embedMsPerRequest: 30 } });
    const hosts = new OllamaHosts([a.url, b.url], { now: () => 0, note: () => {} });
    await Promise.all([0, 1, 2, 3].map((i) => hosts.embed('nomic-embed-text', [`text ${i}`])));
    assert.equal(a.embedRequests(), 2);
    assert.equal(b.embedRequests(), 2);
  });
});
