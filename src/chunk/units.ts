/**
 * Units: what packing works with (rules 3 and 4 in chunk.ts's header comment). A block that fits is one
 * unit; a larger one is cut into list items, then into lines. Each unit carries how good a place to end a
 * chunk it starts at, and how far back the next chunk's overlap may reach.
 */
import { indentOf, lineAt, span, type Doc } from './doc.js';
import { codeBlocks, parseBlocks, type Block, type BlockKind } from './blocks.js';
import { LIST_ITEM } from './markup.js';
import type { Section } from './sections.js';

/** Break preference before a unit: higher is a better place to end a chunk. */
const BREAK_BLOCK = 3;
const BREAK_ITEM = 2;
const BREAK_SOFT = 1;
const BREAK_NONE = 0;

export interface Unit {
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

const SENTENCE_END = /(?:[.!?…][)"'”’\]*_]*|[。！？][」』）】〕》〉"'”’)\]]*)\s*$/;
const CODE_CLOSER = /^(?:[\]})>]|(?:end|fi|done|esac)\b)/;

function isTopLevel(line: string): boolean {
  return indentOf(line) === 0 && !CODE_CLOSER.test(line);
}

export function sectionUnits(d: Doc, s: Section): Unit[] {
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
