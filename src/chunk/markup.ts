/**
 * Line-level markup that both heading detection and block parsing must agree on: where fenced or
 * delimited blocks open and close (heading-like lines inside them are content), and what starts a
 * list item in each format.
 */
import type { DocFormat } from './doc.js';

const MD_FENCE = /^\s*(`{3,}|~{3,})(.*)$/;
const ADOC_DELIMITER = /^(-{4,}|\.{4,}|={4,}|\*{4,}|_{4,}|\+{4,}|\/{4,}|`{3,}|\|={3,})[ \t]*$/;

export const LIST_ITEM: Record<DocFormat, RegExp | undefined> = {
  markdown: /^\s*(?:[-*+]|\d{1,9}[.)])[ \t]+\S/,
  text: /^\s*(?:[-*+•]|\d{1,9}[.)])[ \t]+\S/,
  asciidoc: /^\s*(?:[-*]+|\.+|\d{1,9}\.)[ \t]+\S/,
  rst: /^\s*(?:[-*+•]|\d{1,9}[.)]|#\.)[ \t]+\S/,
  code: undefined,
};

/** The opening delimiter of a fenced/delimited block, or undefined. */
export function openDelimiter(format: DocFormat, line: string): string | undefined {
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

export function closesDelimiter(format: DocFormat, line: string, open: string): boolean {
  const t = line.trim();
  if (format === 'asciidoc' && !open.startsWith('`')) return t === open;
  return t.length >= open.length && t[0] === open[0] && /^(`+|~+)$/.test(t);
}
