/** Data that crosses pipeline stages. Stage-private types live in their own module. */

/** A passage cut from one file by the chunker. */
export interface Chunk {
  /** The passage as the user sees it: the original lines, joined with '\n'. */
  text: string;
  /** 1-based, inclusive line range in the source file. */
  startLine: number;
  endLine: number;
  /** Heading breadcrumb, e.g. `Install > Linux`; '' when the passage sits under no heading. */
  heading: string;
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
}

/** A file discovery or loading passed over, and why. */
export interface SkippedFile {
  /** Relative to the index root, '/' separators. */
  relPath: string;
  /** A short lowercase phrase, e.g. 'binary file', 'broken symlink', 'permission denied'. */
  reason: string;
}
