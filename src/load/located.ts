/**
 * What document loaders (PDF, HTML, DOCX, notebooks) hand the chunker: the document as lines
 * of plain text, the headings they found themselves, and where each line came from (page,
 * heading anchor, cell). The chunker cuts the lines as it cuts any text; `locateChunks` then
 * turns each passage's line range into the location a citation names. Pure.
 */
import { chunkText, type ChunkOptions, type DocFormat, type GivenHeading } from '../chunk/chunk.js';
import type { Chunk, ChunkLocation } from '../types.js';

export interface LocatedText {
  text: string;
  /** How the lines are cut: 'text' when headings are given, 'markdown' for notebook cells. */
  chunker: DocFormat;
  /** Undefined: the chunker finds headings in the text itself (by `chunker`'s rules). */
  headings?: GivenHeading[];
  /** Per line (0-based), when the format has pages. */
  pages?: number[];
  /** Per line, the anchor of the heading it sits under ('' for none). */
  anchors?: string[];
  /** Per line, the 1-based cell it came from. */
  cells?: number[];
  /** Something the user should know although the file was indexed, e.g. pages without text. */
  note?: string;
}

/** Builds a LocatedText line by line; the current page/anchor/cell is stamped on every line. */
export class LocatedTextBuilder {
  private readonly lines: string[] = [];
  private readonly headings: GivenHeading[] = [];
  private readonly pages: number[] = [];
  private readonly anchors: string[] = [];
  private readonly cells: number[] = [];
  page = 0;
  anchor = '';
  cell = 0;

  get lineCount(): number {
    return this.lines.length;
  }

  /** One line of text; inner newlines start new lines. */
  line(text: string): void {
    // Control characters from a document never reach a terminal or the model (tabs stay).
    // eslint-disable-next-line no-control-regex
    for (const l of text.replace(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g, ' ').split('\n')) {
      this.lines.push(l);
      this.pages.push(this.page);
      this.anchors.push(this.anchor);
      this.cells.push(this.cell);
    }
  }

  /** A paragraph break: one blank line, never two in a row or at the start. */
  blank(): void {
    const last = this.lines[this.lines.length - 1];
    if (last !== undefined && last.trim() !== '') this.line('');
  }

  /** A heading on a line of its own, separated from what surrounds it. */
  heading(level: number, title: string, anchor = ''): void {
    this.blank();
    this.anchor = anchor;
    this.headings.push({ line: this.lines.length, level, title });
    this.line(title);
    this.line('');
  }

  build(chunker: DocFormat, kinds: { pages?: boolean; anchors?: boolean; cells?: boolean; givenHeadings?: boolean }): LocatedText {
    return {
      text: this.lines.join('\n'),
      chunker,
      ...(kinds.givenHeadings === false ? {} : { headings: this.headings }),
      ...(kinds.pages ? { pages: this.pages } : {}),
      ...(kinds.anchors ? { anchors: this.anchors } : {}),
      ...(kinds.cells ? { cells: this.cells } : {}),
    };
  }
}

/** Chunks a loaded document and stamps each passage with its location. */
export function chunkLocated(doc: LocatedText, options: ChunkOptions): Chunk[] {
  return locateChunks(chunkText(doc.text, doc.chunker, options, doc.headings), doc);
}

/**
 * Pages and cells: the range of the passage's lines, so a passage that runs over a page
 * break says so (`pp. 7-8`). Anchor: that of the passage's first line, the heading it
 * starts under.
 */
export function locateChunks(chunks: Chunk[], doc: LocatedText): Chunk[] {
  if (!doc.pages && !doc.anchors && !doc.cells) return chunks;
  return chunks.map((c) => {
    const location: ChunkLocation = {};
    const from = c.startLine - 1;
    const to = c.endLine - 1;
    const range = (per: number[]): [number, number] | undefined => {
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = from; i <= to; i++) {
        const v = per[i];
        // 0: a line before the first page or cell (never cited).
        if (v === undefined || v === 0) continue;
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      return lo <= hi ? [lo, hi] : undefined;
    };
    const pages = doc.pages && range(doc.pages);
    if (pages) [location.startPage, location.endPage] = pages;
    const cells = doc.cells && range(doc.cells);
    if (cells) [location.startCell, location.endCell] = cells;
    const anchor = doc.anchors?.[from];
    if (anchor) location.anchor = anchor;
    return Object.keys(location).length > 0 ? { ...c, location } : c;
  });
}
