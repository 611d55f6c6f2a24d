/**
 * Real documents for tests and the benchmark, generated from text: PDFs with pdf-lib (pages,
 * an outline, two columns, a scan without text, an encrypted one), DOCX with docx, and
 * small HTML pages and notebooks. Nothing binary is kept in the repository.
 */
import { PDFDocument, PDFHexString, PDFName, PDFNumber, StandardFonts, type PDFRef } from 'pdf-lib';

export interface PdfPage {
  /** Lines drawn top to bottom, in one column. */
  lines?: string[];
  /** Two columns: the left one is drawn first, as a two-column paper's content is. */
  columns?: [string[], string[]];
  /** A running header and a page number on every page, to be dropped by the loader. */
  chrome?: { header: string; pageNumber: number };
}

export interface OutlineEntry {
  title: string;
  /** 1-based page the entry points to. */
  page: number;
  children?: OutlineEntry[];
}

export async function makePdf(pages: PdfPage[], outline: OutlineEntry[] = []): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const pageRefs: PDFRef[] = [];
  for (const p of pages) {
    const page = doc.addPage([612, 792]);
    pageRefs.push(page.ref);
    const draw = (lines: string[], x: number) => lines.forEach((text, i) => page.drawText(text, { x, y: 720 - i * 16, size: 11, font }));
    if (p.lines) draw(p.lines, 72);
    if (p.columns) {
      draw(p.columns[0], 50);
      draw(p.columns[1], 320);
    }
    if (p.chrome) {
      page.drawText(p.chrome.header, { x: 72, y: 760, size: 9, font });
      page.drawText(String(p.chrome.pageNumber), { x: 300, y: 30, size: 9, font });
    }
    if (!p.lines && !p.columns && !p.chrome) page.drawRectangle({ x: 50, y: 50, width: 500, height: 600, borderWidth: 2 });
  }
  if (outline.length > 0) addOutline(doc, pageRefs, outline);
  return doc.save({ useObjectStreams: false });
}

/** Bookmarks, built as the PDF spec's outline dictionaries (pdf-lib has no API for them). */
function addOutline(doc: PDFDocument, pageRefs: PDFRef[], entries: OutlineEntry[]): void {
  const ctx = doc.context;
  const root = ctx.nextRef();
  const build = (items: OutlineEntry[], parent: PDFRef): { first: PDFRef; last: PDFRef; count: number } => {
    const refs = items.map(() => ctx.nextRef());
    let count = items.length;
    items.forEach((item, i) => {
      const dict = ctx.obj({});
      dict.set(PDFName.of('Title'), PDFHexString.fromText(item.title));
      dict.set(PDFName.of('Parent'), parent);
      dict.set(PDFName.of('Dest'), ctx.obj([pageRefs[item.page - 1]!, PDFName.of('Fit')]));
      if (i > 0) dict.set(PDFName.of('Prev'), refs[i - 1]!);
      if (i + 1 < items.length) dict.set(PDFName.of('Next'), refs[i + 1]!);
      if (item.children?.length) {
        const sub = build(item.children, refs[i]!);
        dict.set(PDFName.of('First'), sub.first);
        dict.set(PDFName.of('Last'), sub.last);
        dict.set(PDFName.of('Count'), PDFNumber.of(sub.count));
        count += sub.count;
      }
      ctx.assign(refs[i]!, dict);
    });
    return { first: refs[0]!, last: refs[refs.length - 1]!, count };
  };
  const top = build(entries, root);
  const outlines = ctx.obj({ Type: 'Outlines' });
  outlines.set(PDFName.of('First'), top.first);
  outlines.set(PDFName.of('Last'), top.last);
  outlines.set(PDFName.of('Count'), PDFNumber.of(top.count));
  ctx.assign(root, outlines);
  doc.catalog.set(PDFName.of('Outlines'), root);
}

/**
 * A PDF that asks for a password: the standard security handler's dictionary with a user
 * key that the empty password does not match, so a reader must refuse it as encrypted.
 */
export async function makeEncryptedPdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  doc.addPage([612, 792]).drawText('Secret text', { x: 72, y: 720, size: 11, font });
  const ctx = doc.context;
  const key = (seed: number) => PDFHexString.of(Array.from({ length: 32 }, (_, i) => ((i * 37 + seed) % 256).toString(16).padStart(2, '0')).join(''));
  const encrypt = ctx.obj({ Filter: 'Standard', V: 1, R: 2, Length: 40, P: -44 });
  encrypt.set(PDFName.of('O'), key(11));
  encrypt.set(PDFName.of('U'), key(97));
  const ref = ctx.register(encrypt);
  ctx.trailerInfo.Encrypt = ref;
  ctx.trailerInfo.ID = ctx.obj([PDFHexString.of('0123456789abcdef0123456789abcdef'), PDFHexString.of('0123456789abcdef0123456789abcdef')]);
  return doc.save({ useObjectStreams: false });
}

export interface DocxBlock {
  heading?: { level: 1 | 2 | 3; text: string };
  paragraph?: string;
  bullets?: string[];
  table?: string[][];
}

export async function makeDocx(blocks: DocxBlock[]): Promise<Buffer> {
  const docx = await import('docx');
  const levels = { 1: docx.HeadingLevel.HEADING_1, 2: docx.HeadingLevel.HEADING_2, 3: docx.HeadingLevel.HEADING_3 } as const;
  const children: Array<InstanceType<typeof docx.Paragraph> | InstanceType<typeof docx.Table>> = [];
  for (const b of blocks) {
    if (b.heading) children.push(new docx.Paragraph({ text: b.heading.text, heading: levels[b.heading.level] }));
    if (b.paragraph) children.push(new docx.Paragraph({ text: b.paragraph }));
    for (const item of b.bullets ?? []) children.push(new docx.Paragraph({ text: item, bullet: { level: 0 } }));
    if (b.table) {
      children.push(new docx.Table({
        rows: b.table.map((cells) => new docx.TableRow({ children: cells.map((c) => new docx.TableCell({ children: [new docx.Paragraph(c)] })) })),
      }));
    }
  }
  return docx.Packer.toBuffer(new docx.Document({ sections: [{ children }] }));
}

export function makeNotebook(cells: Array<{ type: 'markdown' | 'code'; source: string; output?: string }>): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { language_info: { name: 'python' } },
    cells: cells.map((c) => ({
      cell_type: c.type,
      metadata: {},
      source: c.source.split(/(?<=\n)/),
      ...(c.type === 'code'
        ? { execution_count: 1, outputs: c.output ? [{ output_type: 'stream', name: 'stdout', text: [c.output] }] : [] }
        : {}),
    })),
  }, null, 1);
}
