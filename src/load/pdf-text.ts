/**
 * Cleaning a PDF's extracted lines the way a reader expects them: ligatures spelled out,
 * words hyphenated across line breaks joined again, running headers and footers and bare
 * page numbers dropped. Pure: lines in, lines out.
 */

export interface PageLine {
  text: string;
  /** Distance from the previous line of the page, in line heights (0 for the first line). */
  gapBefore: number;
}

const LIGATURES: Readonly<Record<string, string>> = {
  '\uFB00': 'ff', '\uFB01': 'fi', '\uFB02': 'fl', '\uFB03': 'ffi', '\uFB04': 'ffl', '\uFB05': 'st', '\uFB06': 'st',
};

/** Ligatures spelled out, soft hyphens and control characters dropped, whitespace runs collapsed. */
export function normalizeLine(text: string): string {
  return text
    .replace(/[\uFB00-\uFB06]/g, (c) => LIGATURES[c] ?? c)
    .replace(/[\u00AD\u200B]/g, '')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B-\u001F\u007F]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** A page number alone on a line: `7`, `- 7 -`, `Page 7`, `7 of 20`, `vii`. */
const BARE_PAGE_NUMBER = /^(?:page\s+)?[-–—\s]*(?:\d{1,5}|[ivxlcdm]{1,7})(?:\s*(?:of|\/)\s*\d{1,5})?[-–—\s]*$/i;

/** Lines looked at, at the top and at the bottom of a page, for running headers and footers. */
const EDGE_LINES = 2;

/**
 * Runs the cleaning steps in order: normalise each line; drop bare page numbers and lines
 * repeated at the top or bottom of most pages (numbers in them ignored, so `Chapter 3 · 41`
 * and `Chapter 3 · 42` count as one); then join words hyphenated at a line end.
 */
export function cleanPageLines(pages: PageLine[][]): PageLine[][] {
  const normalized = pages.map((lines) =>
    lines.map((l) => ({ ...l, text: normalizeLine(l.text) })).filter((l) => l.text !== ''));
  const running = runningLines(normalized);
  return normalized.map((lines) => {
    const kept = lines.filter((l, i) => {
      const atEdge = i < EDGE_LINES || i >= lines.length - EDGE_LINES;
      return !(atEdge && (BARE_PAGE_NUMBER.test(l.text) || running.has(edgeKey(l.text))));
    });
    return joinHyphenated(kept);
  });
}

function edgeKey(text: string): string {
  return text.toLowerCase().replace(/\d+/g, '#');
}

/** Lines at a page's edges that recur on more than half the pages (at least 3 pages). */
function runningLines(pages: PageLine[][]): Set<string> {
  const counts = new Map<string, number>();
  for (const lines of pages) {
    const edges = new Set([...lines.slice(0, EDGE_LINES), ...lines.slice(-EDGE_LINES)].map((l) => edgeKey(l.text)));
    for (const k of edges) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const out = new Set<string>();
  if (pages.length < 3) return out;
  for (const [k, n] of counts) if (n * 2 > pages.length) out.add(k);
  return out;
}

const HYPHENATED_END = /(\p{Ll}{2,})-$/u;
const CONTINUATION = /^(\p{Ll}[\p{L}]*)([.,;:!?)\]]*)(?:\s+|$)/u;

/**
 * `exam-` / `ple of text` → `example` / `of text`: a lowercase word broken by a hyphen at a
 * line end, continued by a lowercase word on the next line of the same paragraph. Compounds
 * whose hyphen falls at a line end (`well-` / `known`) are joined too; PDFs do not say which.
 */
export function joinHyphenated(lines: PageLine[]): PageLine[] {
  const out = lines.map((l) => ({ ...l }));
  for (let i = 0; i + 1 < out.length; i++) {
    const cur = out[i]!;
    const next = out[i + 1]!;
    if (next.gapBefore > 1.6 || !HYPHENATED_END.test(cur.text)) continue;
    const m = CONTINUATION.exec(next.text);
    if (!m) continue;
    cur.text = cur.text.slice(0, -1) + (m[1] ?? '') + (m[2] ?? '');
    next.text = next.text.slice(m[0].length);
  }
  return out.filter((l) => l.text !== '');
}
