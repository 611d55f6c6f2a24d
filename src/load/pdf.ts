/**
 * PDF: text per page from the text layer, through pdf.js (the legacy build, which runs in
 * Node without a browser or canvas). The only importer of pdfjs-dist; loaded lazily by the
 * loader dispatcher, only when a PDF is indexed.
 *
 * Pages are read one at a time and released (`page.cleanup()`), so a long document never
 * holds more than one page's parse tree beside the text gathered so far. The outline
 * (bookmarks), when there is one, gives the heading breadcrumbs.
 */
import type { PDFDocumentProxy } from 'pdfjs-dist/types/src/display/api.js';
import { LocatedTextBuilder, type LocatedText } from './located.js';
import { cleanPageLines, type PageLine } from './pdf-text.js';

export type PdfResult = { ok: true; doc: LocatedText } | { ok: false; reason: string };

interface OutlineEntry {
  page: number;
  level: number;
  title: string;
}

/** Outline levels deeper than this are folded into their parent: breadcrumbs stay readable. */
const MAX_OUTLINE_LEVEL = 4;

export const NO_TEXT_LAYER = 'no text layer (scanned?) — OCR is not supported';

export async function loadPdf(bytes: Uint8Array, signal: AbortSignal): Promise<PdfResult> {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  // pdf.js takes ownership of (and detaches) the buffer it is given: hand it a copy.
  const task = pdfjs.getDocument({
    data: new Uint8Array(bytes),
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    stopAtErrors: false,
    verbosity: 0,
  });
  const stop = () => void task.destroy();
  signal.addEventListener('abort', stop, { once: true });
  try {
    let pdf: PDFDocumentProxy;
    try {
      pdf = await task.promise;
    } catch (err) {
      return { ok: false, reason: openFailure(err) };
    }
    const outline = await readOutline(pdf).catch(() => []);
    const pages: PageLine[][] = [];
    for (let n = 1; n <= pdf.numPages; n++) {
      if (signal.aborted) return { ok: false, reason: 'stopped' };
      pages.push(await pageLines(pdf, n));
    }
    const empty = pages.filter((p) => p.length === 0).length;
    if (empty === pages.length) return { ok: false, reason: NO_TEXT_LAYER };
    const doc = assemble(cleanPageLines(pages), outline);
    if (empty > 0) doc.note = `${empty} of ${pages.length} pages have no text layer (scanned?) and were not indexed`;
    return { ok: true, doc };
  } catch (err) {
    if (signal.aborted) return { ok: false, reason: 'stopped' };
    return { ok: false, reason: `unreadable PDF: ${firstLine(err)}` };
  } finally {
    signal.removeEventListener('abort', stop);
    await task.destroy().catch(() => {});
  }
}

function openFailure(err: unknown): string {
  const name = err instanceof Error ? err.name : '';
  if (name === 'PasswordException') return 'encrypted';
  return `not a readable PDF: ${firstLine(err)}`;
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return (text.split('\n')[0] ?? '').trim() || 'unknown error';
}

/**
 * One page's text as lines, in the order of the page's content (which keeps the columns of
 * most two-column papers apart; sorting by position would interleave them). A new line
 * starts where pdf.js marks an end of line; `gapBefore` says how far below the previous
 * line it sits, in multiples of the line's height, so paragraphs can be told apart.
 */
async function pageLines(pdf: PDFDocumentProxy, n: number): Promise<PageLine[]> {
  const page = await pdf.getPage(n);
  try {
    // Ligatures and the like are normalised by pdf-text.ts, for the lines that are kept.
    const content = await page.getTextContent({ disableNormalization: true });
    const lines: PageLine[] = [];
    let text = '';
    let y: number | undefined;
    let height = 0;
    let prevY: number | undefined;
    const flush = () => {
      if (text.trim() !== '') {
        const gapBefore = prevY === undefined || y === undefined || height <= 0 ? 0 : Math.abs(prevY - y) / height;
        lines.push({ text, gapBefore });
        prevY = y;
      }
      text = '';
      y = undefined;
      height = 0;
    };
    for (const item of content.items) {
      if (!('str' in item)) continue;
      if (item.str !== '') {
        y ??= Number(item.transform[5]);
        height = Math.max(height, item.height);
        text += item.str;
      }
      if (item.hasEOL) flush();
    }
    flush();
    return lines;
  } finally {
    page.cleanup();
  }
}

/** The outline flattened in reading order, each entry with the page it points to. */
async function readOutline(pdf: PDFDocumentProxy): Promise<OutlineEntry[]> {
  const tree = await pdf.getOutline();
  const out: OutlineEntry[] = [];
  interface Node { title: string; dest: string | unknown[] | null; items: Node[] }
  const walk = async (nodes: Node[], level: number): Promise<void> => {
    for (const node of nodes) {
      const page = await destinationPage(pdf, node.dest);
      const title = node.title.replace(/\s+/g, ' ').trim();
      if (page !== undefined && title !== '' && level <= MAX_OUTLINE_LEVEL) out.push({ page, level, title });
      await walk(node.items, level + 1);
    }
  };
  await walk((tree ?? []) as Node[], 1);
  return out;
}

async function destinationPage(pdf: PDFDocumentProxy, dest: string | unknown[] | null): Promise<number | undefined> {
  const explicit = typeof dest === 'string' ? await pdf.getDestination(dest) : dest;
  const target = explicit?.[0];
  if (typeof target === 'number') return target + 1;
  if (target && typeof target === 'object' && 'num' in target) {
    return (await pdf.getPageIndex(target as { num: number; gen: number })) + 1;
  }
  return undefined;
}

/**
 * The pages' lines as one text. An outline entry becomes a heading where its title is a
 * line of its page (that line is the heading), else at the top of its page.
 */
function assemble(pages: PageLine[][], outline: OutlineEntry[]): LocatedText {
  const b = new LocatedTextBuilder();
  const byPage = new Map<number, OutlineEntry[]>();
  for (const e of outline) byPage.set(e.page, [...(byPage.get(e.page) ?? []), e]);
  pages.forEach((lines, i) => {
    b.page = i + 1;
    b.blank();
    const entries = [...(byPage.get(b.page) ?? [])];
    const key = (s: string) => s.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
    // Entries whose title is not found on the page open it, in outline order.
    const found = new Set<OutlineEntry>();
    for (const e of entries) if (lines.some((l) => key(l.text) === key(e.title))) found.add(e);
    for (const e of entries) if (!found.has(e)) b.heading(e.level, e.title);
    for (const l of lines) {
      const e = entries.find((x) => found.has(x) && key(x.title) === key(l.text));
      if (e) {
        found.delete(e);
        b.heading(e.level, e.title);
        continue;
      }
      if (l.gapBefore > 1.6) b.blank();
      b.line(l.text);
    }
  });
  return b.build('text', { pages: true });
}
