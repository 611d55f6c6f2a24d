/** The index run's plan (src/indexing/plan.ts): settings precedence, compatibility, and mode per manifest and flags. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RagError } from '../../src/errors.js';
import { checkCompatible, indexRoot, planRun, resolveSettings, type IndexSettings, type PlanInput, type RequestedSettings } from '../../src/indexing/plan.js';
import { SCHEMA_VERSION, type Manifest } from '../../src/store/manifest.js';

const DEFAULTS: RequestedSettings = {
  embedModel: undefined, defaultEmbedModel: 'nomic-embed-text',
  chunkSizeChars: undefined, chunkOverlapChars: undefined, defaultChunk: { chunkSizeChars: 1200, chunkOverlapChars: 150 },
};

function manifest(overrides: Partial<Manifest> = {}): Manifest {
  return {
    schemaVersion: SCHEMA_VERSION, root: '..', generation: 3, embedModel: 'mxbai-embed-large', dimensions: 1024,
    chunkSizeChars: 800, chunkOverlapChars: 100, createdAt: '2025-06-01T12:00:00.000Z', updatedAt: '2025-06-01T12:00:00.000Z',
    ...overrides,
  };
}

const LIVE_SETTINGS: IndexSettings = { embedModel: 'mxbai-embed-large', chunk: { chunkSizeChars: 800, chunkOverlapChars: 100 } };

function input(overrides: Partial<PlanInput> = {}): PlanInput {
  return { rebuild: false, dryRun: false, settings: LIVE_SETTINGS, live: manifest(), pendingRebuild: undefined, root: '..', ...overrides };
}

function rejectsWith(exitCode: number, message: RegExp, hint: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof RagError, String(err));
    assert.equal(err.exitCode, exitCode);
    assert.match(err.message, message);
    assert.match(err.hint ?? '', hint);
    return true;
  };
}

describe('resolveSettings', () => {
  const cases: Array<{ title: string; asked: Partial<RequestedSettings>; existing?: Manifest; want: IndexSettings }> = [
    {
      title: 'no index and nothing asked: the defaults',
      asked: {},
      want: { embedModel: 'nomic-embed-text', chunk: { chunkSizeChars: 1200, chunkOverlapChars: 150 } },
    },
    { title: 'nothing asked over an index: the index manifest\'s settings', asked: {}, existing: manifest(), want: LIVE_SETTINGS },
    {
      title: 'values asked for win over the manifest, one by one',
      asked: { embedModel: 'all-minilm', chunkOverlapChars: 50 },
      existing: manifest(),
      want: { embedModel: 'all-minilm', chunk: { chunkSizeChars: 800, chunkOverlapChars: 50 } },
    },
    {
      title: 'values asked for win over the defaults',
      asked: { chunkSizeChars: 2000 },
      want: { embedModel: 'nomic-embed-text', chunk: { chunkSizeChars: 2000, chunkOverlapChars: 150 } },
    },
  ];
  for (const c of cases) {
    it(c.title, () => assert.deepEqual(resolveSettings({ ...DEFAULTS, ...c.asked }, c.existing), c.want));
  }

  it('an overlap of half the chunk size or more is a usage error (exit 2)', () => {
    assert.throws(
      () => resolveSettings({ ...DEFAULTS, chunkSizeChars: 400, chunkOverlapChars: 200 }, undefined),
      rejectsWith(2, /^Invalid chunk settings: chunk overlap must be smaller than half/, /--chunk-size and --chunk-overlap/),
    );
  });
});

describe('checkCompatible', () => {
  it('another embedding model than the index\'s is refused with exit 5, naming both', () => {
    assert.throws(
      () => checkCompatible(manifest(), { ...LIVE_SETTINGS, embedModel: 'all-minilm' }, false),
      rejectsWith(5, /^The index was built with embedding model 'mxbai-embed-large', not 'all-minilm'$/, /rag index --rebuild --embed-model all-minilm/),
    );
  });

  it('other chunk settings than the index\'s are refused with exit 5, naming the index\'s', () => {
    assert.throws(
      () => checkCompatible(manifest(), { ...LIVE_SETTINGS, chunk: { chunkSizeChars: 800, chunkOverlapChars: 120 } }, false),
      rejectsWith(5, /^The index was built with --chunk-size 800 --chunk-overlap 100$/, /rag index --rebuild/),
    );
  });

  it('the same model under its :latest tag is compatible', () => {
    assert.doesNotThrow(() => checkCompatible(manifest(), { ...LIVE_SETTINGS, embedModel: 'mxbai-embed-large:latest' }, false));
  });

  it('a rebuild may change model and chunking', () => {
    assert.doesNotThrow(() => checkCompatible(manifest(), { embedModel: 'all-minilm', chunk: { chunkSizeChars: 500, chunkOverlapChars: 0 } }, true));
  });

  it('no index: anything goes', () => {
    assert.doesNotThrow(() => checkCompatible(undefined, { ...LIVE_SETTINGS, embedModel: 'all-minilm' }, false));
  });
});

describe('planRun', () => {
  const pending = manifest({ generation: 4, hasPendingWrites: true });
  const cases: Array<{ title: string; input: PlanInput; want: Record<string, unknown> }> = [
    {
      title: 'no index: new, generation 1, from no records, creating an empty table',
      input: input({ live: undefined }),
      want: { mode: 'new', generation: 1, readsRecords: false, recovering: false, startsEmpty: true, switchesOver: false, startManifest: undefined, dimensions: undefined },
    },
    {
      title: '--rebuild of a missing index: new, like a first run',
      input: input({ live: undefined, rebuild: true }),
      want: { mode: 'new', generation: 1, readsRecords: false, switchesOver: false },
    },
    {
      title: 'an index and no flags: update of the live generation from its records',
      input: input(),
      want: { mode: 'update', generation: 3, readsRecords: true, recovering: false, startsEmpty: false, switchesOver: false, dimensions: 1024 },
    },
    {
      title: 'an index a run died writing to: update that recovers',
      input: input({ live: manifest({ hasPendingWrites: true }) }),
      want: { mode: 'update', generation: 3, recovering: true },
    },
    {
      title: '--rebuild: the next generation, from no records, into an empty table switched to at the end',
      input: input({ rebuild: true }),
      want: { mode: 'rebuild', generation: 4, readsRecords: false, recovering: false, startsEmpty: true, switchesOver: true, startManifest: undefined, dimensions: 1024 },
    },
    {
      title: '--rebuild after an interrupted one with the same settings: resume its generation and records, recovering',
      input: input({ rebuild: true, pendingRebuild: pending }),
      want: { mode: 'resume', generation: 4, readsRecords: true, recovering: true, startsEmpty: false, switchesOver: true, startManifest: pending },
    },
    {
      title: '--rebuild after an interrupted one with another model: a fresh rebuild',
      input: input({ rebuild: true, pendingRebuild: pending, settings: { ...LIVE_SETTINGS, embedModel: 'all-minilm' } }),
      want: { mode: 'rebuild', generation: 4, readsRecords: false },
    },
    {
      title: '--rebuild after an interrupted one with another chunk size: a fresh rebuild',
      input: input({ rebuild: true, pendingRebuild: pending, settings: { ...LIVE_SETTINGS, chunk: { chunkSizeChars: 900, chunkOverlapChars: 100 } } }),
      want: { mode: 'rebuild', generation: 4 },
    },
    {
      title: '--rebuild after an interrupted one over another root: a fresh rebuild',
      input: input({ rebuild: true, pendingRebuild: pending, root: '../docs' }),
      want: { mode: 'rebuild', generation: 4 },
    },
    {
      title: '--rebuild --dry-run never resumes: a fresh rebuild that writes nothing',
      input: input({ rebuild: true, dryRun: true, pendingRebuild: pending }),
      want: { mode: 'rebuild', dryRun: true, generation: 4, readsRecords: false },
    },
    {
      title: '--dry-run over an index: an update that reads its records',
      input: input({ dryRun: true }),
      want: { mode: 'update', dryRun: true, generation: 3, readsRecords: true },
    },
  ];
  for (const c of cases) {
    it(c.title, () => {
      const plan = planRun(c.input);
      const picked = Object.fromEntries(Object.keys(c.want).map((k) => [k, (plan as unknown as Record<string, unknown>)[k]]));
      assert.deepEqual(picked, c.want);
      assert.equal(plan.live, c.input.live);
    });
  }

  it('a model other than the live index\'s, without --rebuild: exit 5 before anything is planned', () => {
    assert.throws(() => planRun(input({ settings: { ...LIVE_SETTINGS, embedModel: 'all-minilm' } })), rejectsWith(5, /not 'all-minilm'/, /--rebuild/));
  });
});

describe('indexRoot', () => {
  it('an index\'s root is stored relative to its folder', () => {
    assert.equal(indexRoot(manifest({ root: '..' }), { indexDir: '/w/docs/.rag', isExplicitIndex: false, cwd: '/elsewhere' }), '/w/docs');
  });
  it('a new default index is rooted at its parent folder', () => {
    assert.equal(indexRoot(undefined, { indexDir: '/w/docs/.rag', isExplicitIndex: false, cwd: '/elsewhere' }), '/w/docs');
  });
  it('a new index given with --index is rooted at the cwd', () => {
    assert.equal(indexRoot(undefined, { indexDir: '/var/idx', isExplicitIndex: true, cwd: '/w/docs' }), '/w/docs');
  });
});
