/**
 * What an index run will do, decided before it touches anything: the settings it embeds and
 * chunks with, its mode, the table generation it writes, the records it starts from and
 * whether it finishes the job of a run that died. Pure: the caller reads the manifests.
 */
import { validateChunkOptions, type ChunkOptions } from '../chunk/chunk.js';
import { Exit, RagError } from '../errors.js';
import { sameModel } from '../ollama.js';
import { homeOf, type IndexHome, type IndexPlace } from '../store/index-home.js';
import type { Manifest } from '../store/manifest.js';

/**
 * - new: no index yet (a --rebuild of a missing index is new too); live from its first write.
 * - update: the live index, changed files only.
 * - rebuild: a fresh table generation, switched to only when whole.
 * - resume: an interrupted --rebuild asked for again with the same settings, carried on.
 */
export type RunMode = 'new' | 'update' | 'rebuild' | 'resume';

export interface IndexSettings {
  embedModel: string;
  chunk: ChunkOptions;
}

/** Settings as the caller resolved them from flags, environment and config; undefined: not given. */
export interface RequestedSettings {
  embedModel: string | undefined;
  defaultEmbedModel: string;
  chunkSizeChars: number | undefined;
  chunkOverlapChars: number | undefined;
  defaultChunk: ChunkOptions;
}

/** What was asked for, else what the existing index was built with, else the defaults. */
export function resolveSettings(asked: RequestedSettings, existing: Manifest | undefined): IndexSettings {
  const chunk: ChunkOptions = {
    chunkSizeChars: asked.chunkSizeChars ?? existing?.chunkSizeChars ?? asked.defaultChunk.chunkSizeChars,
    chunkOverlapChars: asked.chunkOverlapChars ?? existing?.chunkOverlapChars ?? asked.defaultChunk.chunkOverlapChars,
  };
  const problem = validateChunkOptions(chunk);
  if (problem) throw new RagError(Exit.usage, `Invalid chunk settings: ${problem}`, 'check --chunk-size and --chunk-overlap');
  return { embedModel: asked.embedModel ?? existing?.embedModel ?? asked.defaultEmbedModel, chunk };
}

/** A run must not mix models or chunkings in one index: it would rank apples against pears. */
export function checkCompatible(m: Manifest | undefined, settings: IndexSettings, rebuild: boolean): void {
  if (!m || rebuild) return;
  const { embedModel, chunk } = settings;
  if (!sameModel(m.embedModel, embedModel)) {
    throw new RagError(
      Exit.index,
      `The index was built with embedding model '${m.embedModel}', not '${embedModel}'`,
      `drop --embed-model to keep '${m.embedModel}', or run 'rag index --rebuild --embed-model ${embedModel}'`,
    );
  }
  if (m.chunkSizeChars !== chunk.chunkSizeChars || m.chunkOverlapChars !== chunk.chunkOverlapChars) {
    throw new RagError(
      Exit.index,
      `The index was built with --chunk-size ${m.chunkSizeChars} --chunk-overlap ${m.chunkOverlapChars}`,
      `drop those options to keep them, or run 'rag index --rebuild' with the new ones`,
    );
  }
}

/**
 * The folder stored paths are relative to: a folder index's own, else the cwd for an
 * explicit --db, else its parent; for an object-store index, the cwd (index-home.ts).
 */
export function indexRoot(existing: Manifest | undefined, where: { indexDir: string; home?: IndexHome; isExplicitIndex: boolean; cwd: string }): string {
  const home = where.home ?? homeOf(where.indexDir);
  return existing ? home.rootOf(existing.root, where.cwd) : home.newRoot(where.isExplicitIndex, where.cwd);
}

/** The root as a manifest stores it: relative to a folder index. */
export function storedRoot(place: IndexPlace, root: string): string {
  return homeOf(place).storedRoot(root);
}

export interface PlanInput {
  rebuild: boolean;
  dryRun: boolean;
  settings: IndexSettings;
  /** The live manifest, read under the lock; undefined: no index yet. */
  live: Manifest | undefined;
  /** rebuild.json, read only for a real --rebuild over a live index. */
  pendingRebuild: Manifest | undefined;
  /** The index root as the manifest would store it (see storedRoot). */
  root: string;
}

export interface RunPlan {
  mode: RunMode;
  dryRun: boolean;
  settings: IndexSettings;
  /** The table generation this run writes. */
  generation: number;
  live: Manifest | undefined;
  /** The manifest the run writes under from the start; undefined until it creates one. */
  startManifest: Manifest | undefined;
  /** Whether the run starts from the records of `generation` (else from none). */
  readsRecords: boolean;
  /** The table may hold rows no record accounts for: a run died between a write and its records. */
  recovering: boolean;
  /** The run writes into a table it created, which holds nothing of its files yet. */
  startsEmpty: boolean;
  /** The run writes a generation that becomes live only at its end (rebuild, resume). */
  switchesOver: boolean;
  /** Dimensions known before anything is embedded. */
  dimensions: number | undefined;
}

export function planRun(input: PlanInput): RunPlan {
  const { live, settings, dryRun } = input;
  checkCompatible(live, settings, input.rebuild);
  const resume = input.rebuild && !dryRun && live ? resumable(input.pendingRebuild, input) : undefined;
  const mode: RunMode = !live ? 'new' : resume ? 'resume' : input.rebuild ? 'rebuild' : 'update';
  const switchesOver = mode === 'rebuild' || mode === 'resume';
  const common = { mode, dryRun, settings, live, switchesOver, dimensions: (resume ?? live)?.dimensions };
  switch (mode) {
    case 'new':
      return { ...common, generation: 1, startManifest: undefined, readsRecords: false, recovering: false, startsEmpty: true };
    case 'update':
      return { ...common, generation: live!.generation, startManifest: live, readsRecords: true, recovering: Boolean(live!.hasPendingWrites), startsEmpty: false };
    case 'rebuild':
      return { ...common, generation: live!.generation + 1, startManifest: undefined, readsRecords: false, recovering: false, startsEmpty: true };
    case 'resume':
      return { ...common, generation: resume!.generation, startManifest: resume, readsRecords: true, recovering: true, startsEmpty: false };
  }
}

/** The interrupted rebuild, when it was started with the settings and root asked for now. */
function resumable(pending: Manifest | undefined, input: PlanInput): Manifest | undefined {
  const { embedModel, chunk } = input.settings;
  if (!pending || !sameModel(pending.embedModel, embedModel)) return undefined;
  if (pending.chunkSizeChars !== chunk.chunkSizeChars || pending.chunkOverlapChars !== chunk.chunkOverlapChars) return undefined;
  return pending.root === input.root ? pending : undefined;
}
