/**
 * The chunker's document model: a text's lines with the lookups every stage needs. Line numbers
 * are 0-based indexes into `lines`; ranges are inclusive.
 */
export type DocFormat = 'markdown' | 'asciidoc' | 'rst' | 'code' | 'text';

/** A heading a loader found itself (from a PDF outline or HTML h1–h6): one line, taken as given. */
export interface GivenHeading {
  /** 0-based line of the heading's text. */
  line: number;
  level: number;
  title: string;
}

export interface Doc {
  lines: string[];
  isBlank: boolean[];
  /** cum[i] = total length of lines 0..i-1, each counted with its '\n': span() measures any range in O(1). */
  cum: number[];
  format: DocFormat;
  sizeChars: number;
  overlapChars: number;
  /** Closing line of Markdown front matter, or -1. */
  frontMatterEnd: number;
  /** Headings found by a loader: when set, the text is not searched for heading markup. */
  givenHeadings?: readonly GivenHeading[];
}

export function makeDoc(text: string, format: DocFormat, sizeChars: number, overlapChars: number, givenHeadings?: readonly GivenHeading[]): Doc {
  const lines = text.split('\n');
  const cum = new Array<number>(lines.length + 1);
  cum[0] = 0;
  lines.forEach((l, i) => (cum[i + 1] = (cum[i] ?? 0) + l.length + 1));
  const isBlank = lines.map((l) => l.trim() === '');
  const d: Doc = { lines, isBlank, cum, format, sizeChars, overlapChars, frontMatterEnd: -1, ...(givenHeadings ? { givenHeadings } : {}) };
  if (format === 'markdown') d.frontMatterEnd = findFrontMatterEnd(lines);
  return d;
}

/** Length of lines a..b joined with '\n'. */
export function span(d: Doc, a: number, b: number): number {
  return (d.cum[b + 1] ?? 0) - (d.cum[a] ?? 0) - 1;
}

export function lineAt(d: Doc, i: number): string {
  return d.lines[i] ?? '';
}

export function indentOf(line: string): number {
  let n = 0;
  for (const c of line) {
    if (c === ' ') n++;
    else if (c === '\t') n += 4;
    else break;
  }
  return n;
}

function findFrontMatterEnd(lines: string[]): number {
  const open = lines[0]?.trimEnd();
  if (open !== '---' && open !== '+++') return -1;
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]?.trimEnd();
    if (l === open || (open === '---' && l === '...')) return i;
  }
  return -1;
}
