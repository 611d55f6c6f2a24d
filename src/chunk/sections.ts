/**
 * Sections: where a document is cut at its headings (rules 1 and 2 in chunk.ts's header comment).
 * Markdown ATX and setext, AsciiDoc `=` titles and reStructuredText adorned titles are recognised;
 * other formats are one untitled section.
 */
import { indentOf, lineAt, type Doc } from './doc.js';
import { cleanHeading, stripClosingRun } from './heading-text.js';
import { closesDelimiter, LIST_ITEM, openDelimiter } from './markup.js';

interface Heading {
  start: number;
  end: number;
  level: number;
  title: string;
}

export interface Section {
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
const ADOC_TITLE = /^(={1,6})[ \t]+(\S.*)$/;
const RST_ADORNMENT = /^([=\-~^"'#*+_:.`])\1*[ \t]*$/;

/** The document's sections in order, with bare headings folded into the deeper section that follows. */
export function findSections(d: Doc): Section[] {
  return foldEmptyHeadings(d, buildSections(findHeadings(d), d.lines.length));
}

function findHeadings(d: Doc): Heading[] {
  if (d.givenHeadings) return d.givenHeadings.map((h) => ({ start: h.line, end: h.line, level: h.level, title: h.title }));
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
  for (let i = 0; i < d.lines.length; i++) {
    const line = lineAt(d, i);
    if (delimiter !== undefined) {
      if (closesDelimiter('asciidoc', line, delimiter)) delimiter = undefined;
      continue;
    }
    // Checked before delimiters: a two-line title's `----` underline is no listing block.
    const level = twoLineTitleLevel(d, i);
    if (level !== undefined) {
      out.push({ start: i, end: i + 1, level, title: cleanHeading(line, 'asciidoc') });
      i++;
      continue;
    }
    delimiter = openDelimiter('asciidoc', line);
    if (delimiter !== undefined) continue;
    const m = ADOC_TITLE.exec(line);
    if (m) out.push({ start: i, end: i, level: m[1]?.length ?? 1, title: cleanHeading(stripClosingRun(m[2] ?? '', '='), 'asciidoc') });
  }
  return out;
}

/** AsciiDoc's two-line (setext) titles, as git's documentation writes them: `git-clone(1)` over `====`. */
const ADOC_UNDERLINE = /^([=\-~^+])\1+[ \t]*$/;
const ADOC_UNDERLINE_LEVELS: Readonly<Record<string, number>> = { '=': 1, '-': 2, '~': 3, '^': 4, '+': 5 };

/** The level of the two-line title starting at line i: its underline is as long as the title, ±2. */
function twoLineTitleLevel(d: Doc, i: number): number | undefined {
  const title = lineAt(d, i).trimEnd();
  const under = ADOC_UNDERLINE.exec(lineAt(d, i + 1));
  if (!under || title.length < 2 || d.isBlank[i] || indentOf(title) > 0) return undefined;
  if (ADOC_UNDERLINE.test(title) || /^(?:\[.*\]|\/\/.*|[-*.]+ .*|\d+\. .*|\+)$/.test(title)) return undefined;
  const underLength = lineAt(d, i + 1).trimEnd().length;
  if (Math.abs(underLength - title.length) > 2) return undefined;
  return ADOC_UNDERLINE_LEVELS[under[1] ?? '='];
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
