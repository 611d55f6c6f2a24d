/**
 * Structure-aware chunker (DESIGN §6). Pure: text in, chunks out, no I/O.
 *
 * How a document becomes chunks:
 * 1. Sections. The text is cut at headings: Markdown ATX and setext, AsciiDoc `=` titles, reStructuredText
 *    titles with an underline and optional overline (levels in order of first appearance of each style).
 *    Heading-like lines inside fenced or delimited blocks are content. Text before the first heading is a
 *    section with heading ''. Markdown front matter (`---` or `+++` on line 1 up to its closing line) stays
 *    in that first section as an ordinary block: it is often the only place a title or tags appear, so it
 *    is worth searching. A setext heading takes only the line directly above its underline as its title.
 *    Heading text loses its markup (`#`s, code backticks, links, emphasis) and is cut to 200 characters.
 * 2. A heading with no body that is directly followed by a deeper heading is folded into that section, so
 *    `# A`, `## B`, text gives one passage headed `A > B` whose text starts with both heading lines.
 * 3. Blocks. A section's body is cut into paragraphs, fenced/delimited code blocks, lists and indented
 *    blocks. A block that fits is one unit; a larger one is cut into list items, then into lines.
 * 4. Packing. Units of one section are packed greedily. When the next unit does not fit, the chunk ends at
 *    the strongest boundary that keeps it at least half full: block > list item (or a blank line / top-level
 *    line in code) > line after a sentence end > any line. The heading lines ride with the first unit.
 * 5. A line longer than the chunk size becomes chunks of its own, cut at sentence ends, else whitespace,
 *    else anywhere; each such chunk is part of that one line (startLine = endLine). Because a chunk's text is
 *    either whole lines or part of one line, a heading directly above such a line is a short chunk of its
 *    own; the pieces still carry its breadcrumb.
 * 6. Overlap. Each later chunk of a section starts with up to chunkOverlapChars of whole trailing lines of
 *    the previous chunk, taken only from the block (or list item) that chunk ends with, never from a whole
 *    fenced/delimited code block, and never the previous chunk's first line. Pieces of one long line overlap
 *    by whole sentences. Nothing overlaps across sections or after a long-line piece.
 * 7. Small sections. A chunk holding whole sections and shorter than an eighth of the chunk size (a heading
 *    and a line or two) absorbs the next section when that section is a child or sibling of its first one,
 *    fits in one chunk itself, and the sum fits. An eighth, not more, because sections of a few hundred
 *    characters (FAQ entries, troubleshooting items) embed well alone and blur when merged. The heading
 *    becomes the breadcrumb part shared by all merged sections, so it never names a section the text is not
 *    under (the other headings are still in the text). The untitled first section never absorbs others.
 * Size: no chunk is longer than chunkSizeChars + chunkOverlapChars; only an overlap prefix, or a heading
 * riding with its first block, can push a chunk past chunkSizeChars.
 *
 * Where each step lives: 1–2 in chunk-sections.ts (heading titles in chunk-heading-text.ts), 3 in
 * chunk-blocks.ts and chunk-units.ts, 5 in chunk-long-line.ts; packing, overlap and merging (4, 6, 7) here.
 */
import type { Chunk } from '../types.js';
import { DEFAULTS } from '../defaults.js';
import { lineAt, makeDoc, span, type Doc, type DocFormat, type GivenHeading } from './doc.js';
import { splitLongLine } from './long-line.js';
import { findSections } from './sections.js';
import { sectionUnits, type Unit } from './units.js';

export type { DocFormat, GivenHeading } from './doc.js';

export interface ChunkOptions {
  chunkSizeChars: number;
  chunkOverlapChars: number;
}

export const DEFAULT_CHUNK_OPTIONS: ChunkOptions = { chunkSizeChars: DEFAULTS.chunkSize, chunkOverlapChars: DEFAULTS.chunkOverlap };

const MIN_CHUNK_SIZE_CHARS = 200;
const MAX_CHUNK_SIZE_CHARS = 20000;

export function validateChunkOptions(o: ChunkOptions): string | undefined {
  const { chunkSizeChars: size, chunkOverlapChars: overlap } = o;
  if (!Number.isInteger(size)) return 'chunk size must be a whole number of characters';
  if (size < MIN_CHUNK_SIZE_CHARS || size > MAX_CHUNK_SIZE_CHARS) {
    return `chunk size must be between ${MIN_CHUNK_SIZE_CHARS} and ${MAX_CHUNK_SIZE_CHARS} characters`;
  }
  if (!Number.isInteger(overlap) || overlap < 0) return 'chunk overlap must be a whole number of characters, 0 or more';
  // Below half, every chunk still brings new text and the long-line splitter always moves forward.
  if (overlap * 2 >= size) return 'chunk overlap must be smaller than half the chunk size';
  return undefined;
}

/**
 * Throws RangeError for options that validateChunkOptions rejects: callers are expected to check first.
 * `givenHeadings` (from a document loader) replace heading detection; the rest of the rules apply as is.
 */
export function chunkText(
  text: string,
  format: DocFormat,
  options: ChunkOptions = DEFAULT_CHUNK_OPTIONS,
  givenHeadings?: readonly GivenHeading[],
): Chunk[] {
  const problem = validateChunkOptions(options);
  if (problem !== undefined) throw new RangeError(problem);
  if (text.trim() === '') return [];
  const d = makeDoc(text, format, options.chunkSizeChars, options.chunkOverlapChars, givenHeadings);
  const sections = findSections(d);
  const pieces = mergeSmallSections(
    d,
    sections.map((s) => ({ level: s.level, pieces: packUnits(d, sectionUnits(d, s), s.path) })),
  );
  return pieces.map((p) => ({
    text: p.text ?? d.lines.slice(p.start, p.end + 1).join('\n'),
    startLine: p.start + 1,
    endLine: p.end + 1,
    heading: p.path.filter((t) => t !== '').join(' > '),
  }));
}

// ---------------------------------------------------------------------------------------------------------
// Packing

interface Piece {
  start: number;
  end: number;
  path: string[];
  /** Set only for part of one long line; otherwise the text is lines start..end. */
  text?: string;
}

function packUnits(d: Doc, units: Unit[], path: string[]): Piece[] {
  const out: Piece[] = [];
  const minFill = Math.floor(d.sizeChars / 2);
  let overlapFrom: number | undefined;
  let i = 0;
  while (i < units.length) {
    const first = units[i];
    if (!first) break;
    if (first.isLong) {
      const k = first.start;
      out.push(...splitLongLine(lineAt(d, k), d.sizeChars, d.overlapChars).map((text) => ({ start: k, end: k, path, text })));
      overlapFrom = undefined;
      i++;
      continue;
    }
    const start = overlapFrom ?? first.start;
    let next = i + 1;
    for (let u = units[next]; u && !u.isLong && span(d, start, u.end) <= d.sizeChars; u = units[next]) next++;
    const stopper = units[next];
    if (stopper && !stopper.isLong) {
      // Full: end at the strongest boundary that still leaves the chunk half full; ties go to the later one.
      let best = next;
      let bestScore = stopper.score;
      for (let k = next - 1; k > i; k--) {
        const u = units[k];
        const before = units[k - 1];
        if (!u || !before || span(d, start, before.end) < minFill) break;
        if (u.score > bestScore) {
          best = k;
          bestScore = u.score;
        }
      }
      next = best;
    }
    const last = units[next - 1] ?? first;
    out.push({ start, end: last.end, path });
    const following = units[next];
    const only = last.overlapOnlyFrom;
    const floor = Math.max(start + 1, last.overlapFloor, only ?? 0);
    overlapFrom = following && !following.isLong ? overlapStart(d, floor, last.end, following.start) : undefined;
    if (only !== undefined && overlapFrom !== only) overlapFrom = undefined;
    i = next;
  }
  return out;
}

/** First line of the overlap: whole trailing lines of the previous chunk from `floor` on. */
function overlapStart(d: Doc, floor: number, prevEnd: number, nextStart: number): number | undefined {
  let from: number | undefined;
  for (let k = prevEnd; k >= floor; k--) {
    // +1 for the newline that joins the overlap to the new text.
    if (span(d, k, nextStart - 1) + 1 > d.overlapChars) break;
    if (!d.isBlank[k]) from = k;
  }
  return from;
}

/** Rule 7 in the header comment. */
function mergeSmallSections(d: Doc, sections: { level: number; pieces: Piece[] }[]): Piece[] {
  const out: Piece[] = [];
  let tail: { piece: Piece; level: number } | undefined;
  for (const { level, pieces } of sections) {
    if (pieces.length === 0) continue;
    const only = pieces.length === 1 && pieces[0]?.text === undefined ? pieces[0] : undefined;
    if (
      only &&
      tail &&
      tail.level > 0 &&
      level >= tail.level &&
      span(d, tail.piece.start, tail.piece.end) * 8 < d.sizeChars &&
      span(d, tail.piece.start, only.end) <= d.sizeChars
    ) {
      tail.piece.end = only.end;
      tail.piece.path = commonPrefix(tail.piece.path, only.path);
      continue;
    }
    out.push(...pieces);
    tail = only ? { piece: only, level } : undefined;
  }
  return out;
}

function commonPrefix(a: string[], b: string[]): string[] {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return a.slice(0, n);
}
