/**
 * What a file is by its content, for files whose extension says little (`.txt`) or lies (a
 * `.pdf` that is a saved web page). Pure.
 */
import type { DocFormat } from '../chunk/doc.js';

/** 'pdf-late': a PDF header after some junk, which readers accept (only trusted in a `.pdf`). */
export type ContentKind = 'pdf' | 'pdf-late' | 'zip' | 'other';

/** PDF and zip (DOCX is a zip) by their magic bytes. */
export function sniffBytes(bytes: Uint8Array): ContentKind {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 1024)).toString('latin1');
  if (head.startsWith('%PDF-')) return 'pdf';
  if (head.includes('%PDF-')) return 'pdf-late';
  if (head.startsWith('PK\x03\x04')) return 'zip';
  return 'other';
}

/** Whether decoded text is an HTML document rather than text that mentions tags. */
export function looksLikeHtml(text: string): boolean {
  return /^\s*(?:<\?xml[^>]*>\s*)?(?:<!--[\s\S]*?-->\s*)*<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])/i.test(text.slice(0, 4096));
}

const MARKERS: Array<[DocFormat, RegExp, number]> = [
  // AsciiDoc: `== Title`, two-line titles (checked below), `term::` entries, `[source,sh]`, `----` blocks.
  ['asciidoc', /^={1,5} \S/gm, 2],
  ['asciidoc', /^[^\s].*::[ \t]*$/gm, 1],
  ['asciidoc', /^\[(?:source|verse|listing|NOTE|TIP|WARNING|IMPORTANT|CAUTION|literal)\b.*\]$/gm, 2],
  ['asciidoc', /^(?:linkgit|link|xref|include)::?\S*\[/gm, 2],
  // Markdown: ATX headings, fences, links.
  ['markdown', /^#{1,6} \S/gm, 2],
  ['markdown', /^(?:```|~~~)/gm, 1],
  ['markdown', /\[[^\]\n]+\]\([^)\s]+\)/g, 1],
  // reStructuredText: directives and roles.
  ['rst', /^\.\. [\w-]+::/gm, 2],
  ['rst', /:[a-z]+:`[^`]+`/g, 1],
];

/** Two-line titles: a line over an underline of the same length (±2) in one character. */
const TWO_LINE_TITLE = /^([^\s].*)\n([=\-~^+])\2+[ \t]*$/gm;

/**
 * The markup of a `.txt` file, by counting what each markup's typical lines say; plain text
 * when nothing stands out. Two-line titles over `=`/`-` count for AsciiDoc when the file has
 * other AsciiDoc signs, for reStructuredText otherwise (both use them; Markdown's setext
 * headings read the same either way).
 */
export function detectMarkup(text: string): DocFormat {
  const sample = text.slice(0, 64 * 1024);
  const score: Record<string, number> = { asciidoc: 0, markdown: 0, rst: 0 };
  for (const [format, re, weight] of MARKERS) score[format] = (score[format] ?? 0) + (sample.match(re)?.length ?? 0) * weight;
  let titles = 0;
  for (const m of sample.matchAll(TWO_LINE_TITLE)) {
    const title = (m[1] ?? '').trimEnd();
    const underline = m[0].slice(m[0].indexOf('\n') + 1).trimEnd();
    if (Math.abs(underline.length - title.length) <= 2) titles++;
  }
  if (titles > 0) {
    if ((score.asciidoc ?? 0) > 0) score.asciidoc = (score.asciidoc ?? 0) + 2 * titles;
    else score.rst = (score.rst ?? 0) + 2 * titles;
  }
  const [best, points] = Object.entries(score).sort((a, b) => b[1] - a[1])[0] ?? ['text', 0];
  return points >= 3 ? (best as DocFormat) : 'text';
}
