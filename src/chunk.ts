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
 */
import type { Chunk } from './types.js';

export interface ChunkOptions {
  chunkSizeChars: number;
  chunkOverlapChars: number;
}

export const DEFAULT_CHUNK_OPTIONS: ChunkOptions = { chunkSizeChars: 1200, chunkOverlapChars: 150 };

export type DocFormat = 'markdown' | 'asciidoc' | 'rst' | 'code' | 'text';

const MIN_CHUNK_SIZE_CHARS = 200;
const MAX_CHUNK_SIZE_CHARS = 20000;

const CODE_EXTENSIONS = (
  'ts tsx mts cts js jsx mjs cjs py pyi go rs java kt kts scala groovy gradle c h cc cpp cxx hpp hh cs fs swift ' +
  'm mm rb php pl pm lua r jl dart ex exs erl hrl hs ml mli clj cljs el lisp scm elm zig nim sh bash zsh fish ' +
  'ps1 bat cmd sql json jsonc json5 yaml yml toml ini cfg conf properties xml html htm css scss sass less vue ' +
  'svelte proto graphql gql tf hcl cmake mk nix vim dockerfile'
).split(' ');
const FORMAT_BY_EXTENSION = new Map<string, DocFormat>([
  ...['md', 'markdown', 'mdx', 'mdown', 'mkd', 'mkdn'].map((e): [string, DocFormat] => [e, 'markdown']),
  ...['adoc', 'asciidoc', 'asc'].map((e): [string, DocFormat] => [e, 'asciidoc']),
  ...['rst', 'rest'].map((e): [string, DocFormat] => [e, 'rst']),
  ...CODE_EXTENSIONS.map((e): [string, DocFormat] => [e, 'code']),
]);
const CODE_BASENAMES = new Set(['dockerfile', 'makefile', 'gnumakefile', 'rakefile', 'gemfile', 'justfile', 'cmakelists.txt']);

export function detectFormat(path: string): DocFormat {
  const base = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1).toLowerCase();
  if (CODE_BASENAMES.has(base)) return 'code';
  const dot = base.lastIndexOf('.');
  return dot > 0 ? (FORMAT_BY_EXTENSION.get(base.slice(dot + 1)) ?? 'text') : 'text';
}

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

/** Throws RangeError for options that validateChunkOptions rejects: callers are expected to check first. */
export function chunkText(text: string, format: DocFormat, options: ChunkOptions = DEFAULT_CHUNK_OPTIONS): Chunk[] {
  const problem = validateChunkOptions(options);
  if (problem !== undefined) throw new RangeError(problem);
  if (text.trim() === '') return [];
  const d = makeDoc(text, format, options);
  const sections = foldEmptyHeadings(d, buildSections(findHeadings(d), d.lines.length));
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
// Document model. Line numbers below are 0-based indexes into `lines`; ranges are inclusive.

interface Doc {
  lines: string[];
  isBlank: boolean[];
  /** cum[i] = total length of lines 0..i-1, each counted with its '\n': span() measures any range in O(1). */
  cum: number[];
  format: DocFormat;
  sizeChars: number;
  overlapChars: number;
  /** Closing line of Markdown front matter, or -1. */
  frontMatterEnd: number;
}

function makeDoc(text: string, format: DocFormat, o: ChunkOptions): Doc {
  const lines = text.split('\n');
  const cum = new Array<number>(lines.length + 1);
  cum[0] = 0;
  lines.forEach((l, i) => (cum[i + 1] = (cum[i] ?? 0) + l.length + 1));
  const isBlank = lines.map((l) => l.trim() === '');
  const d: Doc = { lines, isBlank, cum, format, sizeChars: o.chunkSizeChars, overlapChars: o.chunkOverlapChars, frontMatterEnd: -1 };
  if (format === 'markdown') d.frontMatterEnd = findFrontMatterEnd(lines);
  return d;
}

/** Length of lines a..b joined with '\n'. */
function span(d: Doc, a: number, b: number): number {
  return (d.cum[b + 1] ?? 0) - (d.cum[a] ?? 0) - 1;
}

function lineAt(d: Doc, i: number): string {
  return d.lines[i] ?? '';
}

function indentOf(line: string): number {
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

// ---------------------------------------------------------------------------------------------------------
// Headings and sections

interface Heading {
  start: number;
  end: number;
  level: number;
  title: string;
}

interface Section {
  headStart: number;
  /** First line after the heading lines; equals headStart for the untitled first section. */
  bodyStart: number;
  /** Exclusive. */
  end: number;
  /** 0 for the untitled first section. */
  level: number;
  path: string[];
}

// Titles are captured greedily and trimmed in code: a lazy `(.*?)[ \t]*$` is quadratic on long runs of spaces.
const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*))?$/;
const SETEXT_UNDERLINE = /^ {0,3}(=+|-+)[ \t]*$/;
const THEMATIC_BREAK = /^ {0,3}([-*_=])(?:[ \t]*\1){2,}[ \t]*$/;
const MD_FENCE = /^\s*(`{3,}|~{3,})(.*)$/;
const ADOC_DELIMITER = /^(-{4,}|\.{4,}|={4,}|\*{4,}|_{4,}|\+{4,}|\/{4,}|`{3,}|\|={3,})[ \t]*$/;
const ADOC_TITLE = /^(={1,6})[ \t]+(\S.*)$/;
/** Longer titles are cut: the breadcrumb is repeated in every chunk's embedded text. */
const MAX_TITLE_CHARS = 200;
const RST_ADORNMENT = /^([=\-~^"'#*+_:.`])\1*[ \t]*$/;
const LIST_ITEM: Record<DocFormat, RegExp | undefined> = {
  markdown: /^\s*(?:[-*+]|\d{1,9}[.)])[ \t]+\S/,
  text: /^\s*(?:[-*+•]|\d{1,9}[.)])[ \t]+\S/,
  asciidoc: /^\s*(?:[-*]+|\.+|\d{1,9}\.)[ \t]+\S/,
  rst: /^\s*(?:[-*+•]|\d{1,9}[.)]|#\.)[ \t]+\S/,
  code: undefined,
};

/** The opening delimiter of a fenced/delimited block, or undefined. */
function openDelimiter(format: DocFormat, line: string): string | undefined {
  if (format === 'asciidoc') {
    const m = ADOC_DELIMITER.exec(line);
    if (m) return m[1];
  }
  if (format === 'code' || format === 'rst') return undefined;
  const m = MD_FENCE.exec(line);
  // A backtick in the info string means inline code at the start of a line, not a fence (CommonMark).
  if (!m || (m[1]?.startsWith('`') && m[2]?.includes('`'))) return undefined;
  return m[1];
}

function closesDelimiter(format: DocFormat, line: string, open: string): boolean {
  const t = line.trim();
  if (format === 'asciidoc' && !open.startsWith('`')) return t === open;
  return t.length >= open.length && t[0] === open[0] && /^(`+|~+)$/.test(t);
}

function findHeadings(d: Doc): Heading[] {
  switch (d.format) {
    case 'markdown':
      return markdownHeadings(d);
    case 'asciidoc':
      return asciidocHeadings(d);
    case 'rst':
      return rstHeadings(d);
    default:
      return [];
  }
}

function markdownHeadings(d: Doc): Heading[] {
  const out: Heading[] = [];
  let fence: string | undefined;
  for (let i = d.frontMatterEnd + 1; i < d.lines.length; i++) {
    const line = lineAt(d, i);
    if (fence !== undefined) {
      if (closesDelimiter('markdown', line, fence)) fence = undefined;
      continue;
    }
    fence = openDelimiter('markdown', line);
    if (fence !== undefined) continue;
    const atx = ATX.exec(line);
    if (atx) {
      const title = stripClosingRun(atx[2] ?? '', '#');
      out.push({ start: i, end: i, level: atx[1]?.length ?? 1, title: cleanHeading(title, 'markdown') });
      continue;
    }
    const next = d.lines[i + 1];
    const underline = next === undefined ? null : SETEXT_UNDERLINE.exec(next);
    if (underline && isSetextTitle(d, i)) {
      out.push({ start: i, end: i + 1, level: next?.trim().startsWith('=') ? 1 : 2, title: cleanHeading(line, 'markdown') });
      i++;
    }
  }
  return out;
}

/** Whether line i can be the text of a setext heading rather than part of a list, quote, code or rule. */
function isSetextTitle(d: Doc, i: number): boolean {
  const line = lineAt(d, i);
  return (
    !d.isBlank[i] &&
    indentOf(line) < 4 &&
    !LIST_ITEM.markdown?.test(line) &&
    !/^ {0,3}>/.test(line) &&
    !THEMATIC_BREAK.test(line) &&
    !SETEXT_UNDERLINE.test(line)
  );
}

function asciidocHeadings(d: Doc): Heading[] {
  const out: Heading[] = [];
  let delimiter: string | undefined;
  d.lines.forEach((line, i) => {
    if (delimiter !== undefined) {
      if (closesDelimiter('asciidoc', line, delimiter)) delimiter = undefined;
      return;
    }
    delimiter = openDelimiter('asciidoc', line);
    if (delimiter !== undefined) return;
    const m = ADOC_TITLE.exec(line);
    if (m) out.push({ start: i, end: i, level: m[1]?.length ?? 1, title: cleanHeading(stripClosingRun(m[2] ?? '', '='), 'asciidoc') });
  });
  return out;
}

function rstHeadings(d: Doc): Heading[] {
  const out: Heading[] = [];
  // RST has no fixed levels: each adornment style gets the next level the first time it appears.
  const styles: string[] = [];
  const levelOf = (style: string): number => {
    if (!styles.includes(style)) styles.push(style);
    return styles.indexOf(style) + 1;
  };
  const adornment = (i: number): string | undefined => RST_ADORNMENT.exec(lineAt(d, i))?.[1];
  let lastHeadingEnd = -2;
  for (let i = 0; i < d.lines.length; i++) {
    const separated = i === 0 || d.isBlank[i - 1] === true || lastHeadingEnd === i - 1;
    if (!separated) continue;
    const over = adornment(i);
    const overLen = lineAt(d, i).trimEnd().length;
    const title = lineAt(d, i + 1).trim();
    if (over !== undefined && title !== '' && adornment(i + 1) === undefined && adornment(i + 2) === over) {
      const underLen = lineAt(d, i + 2).trimEnd().length;
      if (underLen >= title.length && overLen >= title.length) {
        out.push({ start: i, end: i + 2, level: levelOf(`o${over}`), title: cleanHeading(title, 'rst') });
        i += 2;
        lastHeadingEnd = i;
        continue;
      }
    }
    const text = lineAt(d, i).trimEnd();
    const under = adornment(i + 1);
    if (over === undefined && under !== undefined && !d.isBlank[i] && indentOf(text) === 0) {
      if (lineAt(d, i + 1).trimEnd().length >= text.length) {
        out.push({ start: i, end: i + 1, level: levelOf(`u${under}`), title: cleanHeading(text, 'rst') });
        i += 1;
        lastHeadingEnd = i;
      }
    }
  }
  return out;
}

/** `Title ##` → `Title`: a closing run of `ch` counts only after whitespace, or as the whole title. */
function stripClosingRun(title: string, ch: string): string {
  const t = title.trimEnd();
  let k = t.length;
  while (k > 0 && t[k - 1] === ch) k--;
  if (k === t.length) return t;
  if (k === 0) return '';
  return t[k - 1] === ' ' || t[k - 1] === '\t' ? t.slice(0, k).trimEnd() : t;
}

/** Heading text without markup: code spans keep their content verbatim, everything else loses markup. */
function cleanHeading(raw: string, format: 'markdown' | 'asciidoc' | 'rst'): string {
  // Plain titles skip the regex passes (fast on heading-dense files); overlong ones too, as some of those
  // passes are quadratic in the worst case and such a line is no real title anyway.
  const isPlain = !/[`*_[\]<>{~:]/.test(raw) || raw.length > 2 * MAX_TITLE_CHARS;
  const parts = isPlain ? [raw] : raw.split(format === 'rst' ? /``(.+?)``/ : /`+([^`]+)`+/);
  const title = parts
    .map((part, i) => (i % 2 === 1 || isPlain ? part : stripInlineMarkup(part, format)))
    .join('')
    .replace(/\s+/g, ' ')
    .trim();
  return title.length > MAX_TITLE_CHARS ? `${title.slice(0, MAX_TITLE_CHARS - 1).trimEnd()}…` : title;
}

/** Emphasis needs a non-word character outside the markers, so snake_case_names survive. */
function emphasis(t: string): string {
  return t.replace(/(^|\W)(\*\*|__|\*|_)(\S(?:.*?\S)?)\2(?=\W|$)/g, '$1$3');
}

function stripInlineMarkup(s: string, format: 'markdown' | 'asciidoc' | 'rst'): string {
  switch (format) {
    case 'markdown':
      return emphasis(
        s
          .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
          .replace(/\[([^\]]*)\]\[[^\]]*\]/g, '$1')
          .replace(/<[^>]*>/g, '')
          .replace(/\{#[^}]*\}/g, '')
          .replace(/~~(.+?)~~/g, '$1'),
      );
    case 'asciidoc':
      return emphasis(
        s
          .replace(/\[\[[^\]]*\]\]/g, '')
          .replace(/<<[^,>]*,\s*([^>]+)>>/g, '$1')
          .replace(/<<([^>]+)>>/g, '$1')
          .replace(/\b(?:https?:\/\/|mailto:|link:|xref:)[^\s[]*\[([^\]]+)\]/g, '$1'),
      );
    case 'rst':
      return s
        .replace(/`([^`<]*?)\s*<[^>]*>`_{1,2}/g, '$1')
        .replace(/:[\w:+.-]+:`([^`]*)`/g, '$1')
        .replace(/`([^`]+)`_{0,2}/g, '$1')
        .replace(/\*\*(.+?)\*\*/g, '$1')
        .replace(/\*(.+?)\*/g, '$1');
  }
}

function buildSections(headings: Heading[], lineCount: number): Section[] {
  const sections: Section[] = [];
  const firstStart = headings[0]?.start ?? lineCount;
  if (firstStart > 0) sections.push({ headStart: 0, bodyStart: 0, end: firstStart, level: 0, path: [] });
  const stack: Heading[] = [];
  headings.forEach((h, idx) => {
    while ((stack[stack.length - 1]?.level ?? 0) >= h.level) stack.pop();
    stack.push(h);
    const end = headings[idx + 1]?.start ?? lineCount;
    sections.push({ headStart: h.start, bodyStart: h.end + 1, end, level: h.level, path: stack.map((s) => s.title) });
  });
  return sections;
}

/** A bare heading followed by a deeper one joins it, so no chunk is a lone heading line. */
function foldEmptyHeadings(d: Doc, sections: Section[]): Section[] {
  const out: Section[] = [];
  sections.forEach((s, idx) => {
    const next = sections[idx + 1];
    if (next && s.level > 0 && next.level > s.level && isBlankRange(d, s.bodyStart, s.end)) next.headStart = s.headStart;
    else out.push(s);
  });
  return out;
}

function isBlankRange(d: Doc, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!d.isBlank[i]) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------------------
// Blocks and units

type BlockKind = 'prose' | 'code' | 'list';

interface Block {
  start: number;
  end: number;
  kind: BlockKind;
}

/** Break preference before a unit: higher is a better place to end a chunk. */
const BREAK_BLOCK = 3;
const BREAK_ITEM = 2;
const BREAK_SOFT = 1;
const BREAK_NONE = 0;

interface Unit {
  start: number;
  end: number;
  score: number;
  /** A single line longer than the chunk size: split inside the line. */
  isLong: boolean;
  /**
   * Earliest line the next chunk's overlap may start at when this unit ends a chunk: overlap stays inside
   * this unit's block, and a whole code block gives none (a lone closing fence would read as an opening one).
   */
  overlapFloor: number;
  /** Set for list items and lists: the overlap is the (last) item whole, or nothing. */
  overlapOnlyFrom?: number;
}

/** Minimum indentation that makes an indented block (code, literal, quote) where the format has one. */
const INDENTED_BLOCK_MIN: Partial<Record<DocFormat, number>> = { markdown: 4, rst: 1, asciidoc: 1 };
const ADOC_BLOCK_ATTRIBUTE = /^(?:\[.*\]|\.[^.\s].*)\s*$/;
const SENTENCE_END = /[.!?…][)"'”’\]*_]*\s*$/;
const CODE_CLOSER = /^(?:[\]})>]|(?:end|fi|done|esac)\b)/;

function parseBlocks(d: Doc, from: number, to: number): Block[] {
  const blocks: Block[] = [];
  const listItem = LIST_ITEM[d.format];
  const minIndent = INDENTED_BLOCK_MIN[d.format];
  let i = from;
  while (i < to) {
    if (d.isBlank[i]) {
      i++;
      continue;
    }
    const line = lineAt(d, i);
    const delimiter = openDelimiter(d.format, line);
    let block: Block;
    if (delimiter !== undefined) {
      block = { start: i, end: closeBlock(d, delimiter, i + 1, to), kind: 'code' };
    } else if (d.format === 'rst' && line.startsWith('.. ')) {
      block = { start: i, end: indentedRunEnd(d, i, to, 1), kind: 'code' };
    } else if (minIndent !== undefined && indentOf(line) >= minIndent) {
      block = { start: i, end: indentedRunEnd(d, i, to, minIndent), kind: 'code' };
    } else if (listItem?.test(line)) {
      block = { start: i, end: listEnd(d, i, to, listItem), kind: 'list' };
    } else {
      let j = i;
      while (j + 1 < to && !d.isBlank[j + 1]) {
        const next = lineAt(d, j + 1);
        if (openDelimiter(d.format, next) !== undefined || listItem?.test(next)) break;
        j++;
      }
      block = { start: i, end: j, kind: 'prose' };
      // AsciiDoc block attributes and titles (`[source,java]`, `.Example`) belong to the block below them.
      const below = openDelimiter(d.format, lineAt(d, j + 1));
      if (d.format === 'asciidoc' && j + 1 < to && below !== undefined && d.lines.slice(i, j + 1).every((l) => ADOC_BLOCK_ATTRIBUTE.test(l))) {
        block = { start: i, end: closeBlock(d, below, j + 2, to), kind: 'code' };
      }
    }
    blocks.push(block);
    i = block.end + 1;
  }
  return blocks;
}

/** Line of the closing delimiter; an unclosed block runs to the last non-blank line of the section. */
function closeBlock(d: Doc, open: string, from: number, to: number): number {
  for (let k = from; k < to; k++) if (closesDelimiter(d.format, lineAt(d, k), open)) return k;
  let k = to - 1;
  while (k >= from && d.isBlank[k]) k--;
  return Math.max(k, from - 1);
}

function indentedRunEnd(d: Doc, i: number, to: number, minIndent: number): number {
  let end = i;
  for (let k = i + 1; k < to; k++) {
    if (d.isBlank[k]) continue;
    if (indentOf(lineAt(d, k)) < minIndent) break;
    end = k;
  }
  return end;
}

/** A list runs across blank lines while the next non-blank line is another item or indented continuation. */
function listEnd(d: Doc, i: number, to: number, listItem: RegExp): number {
  let end = i;
  let k = i + 1;
  while (k < to) {
    const line = lineAt(d, k);
    if (!d.isBlank[k]) {
      const delimiter = openDelimiter(d.format, line);
      if (delimiter !== undefined) {
        // An unindented Markdown fence ends the list; AsciiDoc attaches delimited blocks to items with `+`.
        if (d.format !== 'asciidoc' && indentOf(line) === 0) break;
        end = closeBlock(d, delimiter, k + 1, to);
      } else {
        end = k;
      }
      k = end + 1;
      continue;
    }
    let m = k;
    while (m < to && d.isBlank[m]) m++;
    const after = lineAt(d, m);
    if (m >= to || !(listItem.test(after) || indentOf(after) > 0)) break;
    k = m;
  }
  return end;
}

/** Code files: blank-line-separated runs of lines. */
function codeBlocks(d: Doc, from: number, to: number): Block[] {
  const blocks: Block[] = [];
  for (let i = from; i < to; i++) {
    if (d.isBlank[i]) continue;
    let j = i;
    while (j + 1 < to && !d.isBlank[j + 1]) j++;
    blocks.push({ start: i, end: j, kind: 'code' });
    i = j;
  }
  return blocks;
}

function isTopLevel(line: string): boolean {
  return indentOf(line) === 0 && !CODE_CLOSER.test(line);
}

function sectionUnits(d: Doc, s: Section): Unit[] {
  const blocks: Block[] = [];
  let bodyFrom = s.bodyStart;
  if (s.level === 0 && d.frontMatterEnd >= 0) {
    blocks.push({ start: 0, end: d.frontMatterEnd, kind: 'code' });
    bodyFrom = d.frontMatterEnd + 1;
  }
  blocks.push(...(d.format === 'code' ? codeBlocks(d, bodyFrom, s.end) : parseBlocks(d, bodyFrom, s.end)));

  const hasHead = s.bodyStart > s.headStart;
  const limit = d.sizeChars + d.overlapChars;
  const out: Unit[] = [];
  blocks.forEach((b, idx) => {
    const score = d.format === 'code' && !isTopLevel(lineAt(d, b.start)) ? BREAK_ITEM : BREAK_BLOCK;
    // Prose and lists give way so the heading can ride with their first lines; code blocks stay whole.
    const budget = idx === 0 && hasHead && b.kind !== 'code' ? limit - span(d, s.headStart, b.start - 1) - 1 : d.sizeChars;
    blockUnits(d, b, score, Math.min(budget, d.sizeChars), out);
  });
  if (!hasHead) return out;

  let headEnd = s.bodyStart - 1;
  while (headEnd > s.headStart && d.isBlank[headEnd]) headEnd--;
  const first = out[0];
  if (first && !first.isLong && span(d, s.headStart, first.end) <= limit) {
    first.start = s.headStart;
  } else {
    const head: Unit[] = [];
    if (span(d, s.headStart, headEnd) <= d.sizeChars) {
      head.push({ start: s.headStart, end: headEnd, score: BREAK_BLOCK, isLong: false, overlapFloor: s.headStart });
    } else {
      lineUnits(d, s.headStart, headEnd, 'prose', BREAK_BLOCK, head);
    }
    out.unshift(...head);
  }
  return out;
}

function blockUnits(d: Doc, b: Block, score: number, budget: number, out: Unit[]): void {
  const listItem = LIST_ITEM[d.format];
  const items = b.kind === 'list' && listItem ? itemStarts(d, b, listItem) : [];
  if (span(d, b.start, b.end) <= budget) {
    const isWholeCode = b.kind === 'code' && d.format !== 'code';
    const floor = isWholeCode ? b.end + 1 : b.start;
    out.push({ start: b.start, end: b.end, score, isLong: false, overlapFloor: floor, overlapOnlyFrom: items[items.length - 1] });
    return;
  }
  if (items.length === 0) {
    lineUnits(d, b.start, b.end, b.kind, score, out);
    return;
  }
  items.forEach((itemStart, idx) => {
    let end = (items[idx + 1] ?? b.end + 1) - 1;
    while (end > itemStart && d.isBlank[end]) end--;
    const itemScore = idx === 0 ? score : BREAK_ITEM;
    if (span(d, itemStart, end) <= d.sizeChars) {
      out.push({ start: itemStart, end, score: itemScore, isLong: false, overlapFloor: itemStart, overlapOnlyFrom: itemStart });
    } else {
      lineUnits(d, itemStart, end, 'prose', itemScore, out);
    }
  });
}

/** First line of each top-level item; nested items stay inside their parent. */
function itemStarts(d: Doc, b: Block, listItem: RegExp): number[] {
  const base = indentOf(lineAt(d, b.start));
  const starts = [b.start];
  for (let k = b.start + 1; k <= b.end; k++) {
    const line = lineAt(d, k);
    if (!d.isBlank[k] && indentOf(line) <= base && listItem.test(line)) starts.push(k);
  }
  return starts;
}

function lineUnits(d: Doc, from: number, to: number, kind: BlockKind, firstScore: number, out: Unit[]): void {
  let prev = -1;
  for (let k = from; k <= to; k++) {
    if (d.isBlank[k]) continue;
    const score = prev < 0 ? firstScore : kind === 'code' ? codeBreak(d, prev, k) : proseBreak(d, prev, k);
    out.push({ start: k, end: k, score, isLong: span(d, k, k) > d.sizeChars, overlapFloor: from });
    prev = k;
  }
}

function codeBreak(d: Doc, prev: number, k: number): number {
  const top = isTopLevel(lineAt(d, k));
  if (k > prev + 1) return top ? BREAK_ITEM : BREAK_SOFT;
  return top ? BREAK_SOFT : BREAK_NONE;
}

function proseBreak(d: Doc, prev: number, k: number): number {
  return SENTENCE_END.test(lineAt(d, prev)) || /^\s*\|/.test(lineAt(d, k)) ? BREAK_SOFT : BREAK_NONE;
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
      out.push(...splitLongLine(d, first.start, path));
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

function isSpace(code: number): boolean {
  return code <= 32 || code === 0xa0 || (code >= 0x2000 && code <= 0x200a) || code === 0x3000;
}

const SENTENCE_CLOSERS = '"\')]”’*_';

/** 2 when a sentence starts at q, 1 when only a word does, 0 otherwise. */
function breakKindAt(s: string, q: number): number {
  if (q <= 0 || q >= s.length || isSpace(s.charCodeAt(q)) || !isSpace(s.charCodeAt(q - 1))) return 0;
  let p = q - 1;
  // Bounded walk-back keeps runs of thousands of spaces linear.
  for (let n = 0; p >= 0 && n < 16 && isSpace(s.charCodeAt(p)); n++) p--;
  while (p >= 0 && SENTENCE_CLOSERS.includes(s.charAt(p))) p--;
  return p >= 0 && '.!?…'.includes(s.charAt(p)) ? 2 : 1;
}

/** End of a piece in [lo, hi]: the last sentence start, else the last word start, else a hard cut at hi. */
function findBreak(s: string, lo: number, hi: number): number {
  let word = -1;
  for (let q = hi; q >= lo; q--) {
    const kind = breakKindAt(s, q);
    if (kind === 2) return q;
    if (kind === 1 && word < 0) word = q;
  }
  if (word >= 0) return word;
  const c = s.charCodeAt(hi - 1);
  // Never cut a surrogate pair in half.
  return c >= 0xd800 && c <= 0xdbff ? hi - 1 : hi;
}

function splitLongLine(d: Doc, k: number, path: string[]): Piece[] {
  const s = lineAt(d, k);
  const size = d.sizeChars;
  const out: Piece[] = [];
  let b = 0;
  while (b < s.length && isSpace(s.charCodeAt(b))) b++;
  for (;;) {
    if (s.length - b <= size) {
      out.push({ start: k, end: k, path, text: s.slice(b).trimEnd() });
      return out;
    }
    const e = findBreak(s, b + Math.floor(size / 2), b + size);
    out.push({ start: k, end: k, path, text: s.slice(b, e).trimEnd() });
    let next = e;
    while (next < s.length && isSpace(s.charCodeAt(next))) next++;
    if (next >= s.length) return out;
    // Overlap with whole sentences only; validateChunkOptions keeps it under half, so b always advances.
    let overlap = next;
    for (let q = Math.max(b + 1, e - d.overlapChars); q < e; q++) {
      if (breakKindAt(s, q) === 2) {
        overlap = q;
        break;
      }
    }
    b = overlap;
  }
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
