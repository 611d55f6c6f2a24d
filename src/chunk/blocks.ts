/**
 * Blocks: a section body cut into paragraphs, fenced/delimited code blocks, lists and indented blocks
 * (rule 3 in chunk.ts's header comment). Code files are cut at blank lines instead.
 */
import { indentOf, lineAt, type Doc, type DocFormat } from './doc.js';
import { closesDelimiter, LIST_ITEM, openDelimiter } from './markup.js';

export type BlockKind = 'prose' | 'code' | 'list';

export interface Block {
  start: number;
  end: number;
  kind: BlockKind;
}

/** Minimum indentation that makes an indented block (code, literal, quote) where the format has one. */
const INDENTED_BLOCK_MIN: Partial<Record<DocFormat, number>> = { markdown: 4, rst: 1, asciidoc: 1 };
const ADOC_BLOCK_ATTRIBUTE = /^(?:\[.*\]|\.[^.\s].*)\s*$/;
/** An AsciiDoc definition-list term: `--depth <depth>::`, `term;;`, optionally followed by its text. */
const ADOC_DLIST_TERM = /^\S.*?(?::{2,4}|;;)(?:[ \t]+\S.*)?$/;

export function parseBlocks(d: Doc, from: number, to: number): Block[] {
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
    } else if (d.format === 'asciidoc' && ADOC_DLIST_TERM.test(line)) {
      block = { start: i, end: definitionEnd(d, i, to), kind: 'prose' };
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

/**
 * A definition-list entry stays one block with its description, so a passage never holds an
 * option without what it does: further terms directly below, then the description, which runs
 * across blank lines while they are followed by indented lines or a `+` continuation, and
 * ends at the next term at the margin.
 */
function definitionEnd(d: Doc, i: number, to: number): number {
  let end = i;
  let k = i + 1;
  while (k < to && !d.isBlank[k] && ADOC_DLIST_TERM.test(lineAt(d, k))) end = k++;
  while (k < to) {
    if (d.isBlank[k]) {
      let next = k + 1;
      while (next < to && d.isBlank[next]) next++;
      if (next >= to || (indentOf(lineAt(d, next)) === 0 && lineAt(d, next).trim() !== '+')) break;
      k = next;
      continue;
    }
    const line = lineAt(d, k);
    if (indentOf(line) === 0 && ADOC_DLIST_TERM.test(line)) break;
    const delimiter = line.trim() === '+' ? openDelimiter(d.format, lineAt(d, k + 1)) : undefined;
    if (delimiter !== undefined) k = closeBlock(d, delimiter, k + 2, to);
    end = k++;
  }
  return end;
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
export function codeBlocks(d: Doc, from: number, to: number): Block[] {
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
