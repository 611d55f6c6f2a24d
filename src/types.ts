/** Data that crosses pipeline stages. Stage-private types live in their own module. */
import type { RagError } from './errors.js';
import type { Manifest } from './store/manifest.js';

/** A passage cut from one file by the chunker. */
export interface Chunk {
  /** The passage as the user sees it: the original lines, joined with '\n'. */
  text: string;
  /** 1-based, inclusive line range in the source file. */
  startLine: number;
  endLine: number;
  /** Heading breadcrumb, e.g. `Install > Linux`; '' when the passage sits under no heading. */
  heading: string;
  /**
   * Where a passage of a document format sits, for citations: set only by loaders that know
   * (see load/located.ts). For such files the line range counts lines of the extracted text.
   */
  location?: ChunkLocation;
}

/**
 * A passage's place in a document that has no useful line numbers: 1-based page range (PDF),
 * heading anchor (HTML `id`), 1-based cell range (Jupyter notebooks).
 */
export interface ChunkLocation {
  startPage?: number;
  endPage?: number;
  anchor?: string;
  startCell?: number;
  endCell?: number;
}

/** A retrieved passage. `score` is higher-is-better; its scale depends on who produced it. */
export interface Hit {
  id: string;
  /** Relative to the index root, '/' separators. */
  path: string;
  startLine: number;
  endLine: number;
  heading: string;
  text: string;
  score: number;
  location?: ChunkLocation;
}

/** A file discovery or loading passed over, and why. */
export interface SkippedFile {
  /** Relative to the index root, '/' separators. */
  relPath: string;
  /** A short lowercase phrase, e.g. 'binary file', 'broken symlink', 'permission denied'. */
  reason: string;
}

/** Whether Ollama has a model installed, and whether it is of the kind needed (null: the server does not say). */
export interface ModelStatus {
  name: string;
  installed: boolean;
  rightKind: boolean | null;
}

/** What `rag status` found: the command gathers it, render/ prints it, main.ts maps `problems` to the exit code. */
export interface StatusReport {
  index: {
    dir: string;
    manifest?: Manifest;
    /** Absolute index root, when there is a manifest. */
    root?: string;
    files: number;
    /** Indexed files per format (formats.ts names), most common first; absent: not counted. */
    filesByFormat?: Record<string, number>;
    chunks: number;
    /** An interrupted --rebuild of the live index, and how many files it finished. */
    pendingRebuild?: { manifest: Manifest; files: number };
  };
  /** hostSource: where the host came from (flag, env, config or default). */
  ollama: { host: string; hostSource: string; reachable: boolean; version: string | null };
  /** Every host given (one unless --host lists several), whether it answers, and its models. */
  hosts: Array<{ host: string; reachable: boolean; version: string | null; models: string[] }>;
  models: { embed: ModelStatus; chat: ModelStatus };
  /** Index problems first, then Ollama, then models: the order a user fixes them in. */
  problems: RagError[];
}
