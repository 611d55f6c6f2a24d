/**
 * The PDF scenario: generated PDFs (N files x P pages of prose), indexed at zero model cost.
 * Reports pages per second, peak RSS against a Markdown run of the same text (one `.md` per
 * PDF, a paragraph per page), and the re-index of the unchanged PDFs (no PDF is parsed).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makePdf } from '../tests/helpers/documents.js';
import type { Bench, IndexRun } from './harness.js';
import { median } from './measure.js';
import { int, mb, ms, type Report, round } from './report.js';
import { seededRandom } from '../src/eval/generate.js';

/** Lines per page: about what fits a Letter page at 11 pt. */
const LINES_PER_PAGE = 40;
const WORDS = (
  'the of and to in is for on with as by at from that this be are it an or which model data results method we our ' +
  'learning rate training set table figure section shows using each between performance error value layer network ' +
  'input output test sample time memory page index query passage retrieval embedding vector score baseline ablation'
).split(' ');

function pageLines(next: () => number, file: number, page: number): string[] {
  const lines = [`Section ${file}.${page}`];
  for (let i = 1; i < LINES_PER_PAGE; i++) {
    const words = Array.from({ length: 11 }, () => WORDS[Math.floor(next() * WORDS.length)] ?? 'the');
    lines.push(`${words.join(' ')}${i % 6 === 0 ? '.' : ''}`);
  }
  return lines;
}

export interface PdfCorpus {
  pdfDir: string;
  mdDir: string;
  files: number;
  pages: number;
  pdfBytes: number;
  textBytes: number;
  generateMs: number;
}

export async function generatePdfCorpus(work: string, files: number, pagesPerFile: number, seed: number): Promise<PdfCorpus> {
  const started = performance.now();
  const pdfDir = path.join(work, 'pdf-corpus');
  const mdDir = path.join(work, 'pdf-as-markdown');
  for (const d of [pdfDir, mdDir]) {
    rmSync(d, { recursive: true, force: true });
    mkdirSync(d, { recursive: true });
  }
  // Seeded: the same PDFs on every run.
  const next = seededRandom(seed);
  let pdfBytes = 0;
  let textBytes = 0;
  for (let f = 1; f <= files; f++) {
    const pages = Array.from({ length: pagesPerFile }, (_, p) => pageLines(next, f, p + 1));
    const pdf = await makePdf(pages.map((lines) => ({ lines })));
    writeFileSync(path.join(pdfDir, `paper-${f}.pdf`), pdf);
    const md = `${pages.map((lines) => lines.join('\n')).join('\n\n')}\n`;
    writeFileSync(path.join(mdDir, `paper-${f}.md`), md);
    pdfBytes += pdf.length;
    textBytes += Buffer.byteLength(md);
  }
  return { pdfDir, mdDir, files, pages: files * pagesPerFile, pdfBytes, textBytes, generateMs: performance.now() - started };
}

/** Extra time an index run of the PDFs may take, per page, before the harness calls it hung. */
const PDF_MS_PER_PAGE_ALLOWED = 100;

/** Peak RSS may be at most this much above the Markdown run of the same text (the target). */
const RSS_HEADROOM_MB = 100;

export async function pdfIndex(b: Bench, report: Report, results: Record<string, unknown>, work: string, files: number, pagesPerFile: number): Promise<void> {
  const corpus = await generatePdfCorpus(work, files, pagesPerFile, b.config.seed);
  report.section(`(p) PDFs: ${int(corpus.files)} files x ${pagesPerFile} pages (${mb(corpus.pdfBytes)}; ${mb(corpus.textBytes)} of text), zero model cost`);
  b.stub.setCost({});
  const runs = Math.max(1, b.config.indexRuns);
  const pdfRuns: IndexRun[] = [];
  const mdRuns: IndexRun[] = [];
  const pdfDb = path.join(work, 'db-pdf');
  const mdDb = path.join(work, 'db-pdf-md');
  for (let i = 0; i < runs; i++) {
    rmSync(pdfDb, { recursive: true, force: true });
    rmSync(mdDb, { recursive: true, force: true });
    // pdf.js takes some tens of ms a page: the run gets that much more time before it counts as hung.
    pdfRuns.push(await b.index(corpus.pdfDir, pdfDb, [], (corpus.pages * PDF_MS_PER_PAGE_ALLOWED) / 3));
    mdRuns.push(await b.index(corpus.mdDir, mdDb));
  }
  const wall = median(pdfRuns.map((r) => r.run.wallMs));
  const pdfRss = median(pdfRuns.map((r) => r.run.usage?.maxRssMb ?? 0));
  const mdRss = median(mdRuns.map((r) => r.run.usage?.maxRssMb ?? 0));
  const pagesPerSecond = corpus.pages / (wall / 1000);
  const last = pdfRuns[pdfRuns.length - 1]!;
  report.row('generated in', ms(corpus.generateMs));
  report.row('rag index (PDFs)', `${ms(wall)}: ${int(round(pagesPerSecond, 0))} pages/s, ${int(last.json.chunks.total)} passages`);
  report.row('rag index (same text as Markdown)', ms(median(mdRuns.map((r) => r.run.wallMs))));
  report.check({
    id: 'pdf-rss', description: `peak RSS of rag index over PDFs at most ${RSS_HEADROOM_MB} MB above the Markdown run of the same text`,
    label: 'peak RSS, PDFs vs Markdown', shown: `${round(pdfRss)} MB vs ${round(mdRss)} MB (+${round(pdfRss - mdRss)} MB)`,
    value: round(pdfRss - mdRss), unit: 'MB', target: `<= +${RSS_HEADROOM_MB} MB`, pass: pdfRss - mdRss <= RSS_HEADROOM_MB,
  });

  const reindex: number[] = [];
  let embedInputs = 0;
  for (let i = 0; i < b.config.runs; i++) {
    const r = await b.index(corpus.pdfDir, pdfDb);
    reindex.push(r.run.wallMs);
    embedInputs += r.stub.inputs;
    if (r.json.files.unchanged !== corpus.files) throw new Error(`re-index saw ${r.json.files.unchanged} of ${corpus.files} PDFs unchanged`);
  }
  const reindexMs = median(reindex);
  report.check({
    id: 'pdf-reindex', description: 'rag index of the unchanged PDFs: no PDF parsed, no embedding input',
    label: 'rag index, unchanged PDFs', shown: `${ms(reindexMs)}, ${embedInputs} embedding inputs`,
    value: round(reindexMs), unit: 'ms', target: '~1 s, 0 inputs', pass: embedInputs === 0 && reindexMs < 2000,
  });
  results.pdf = {
    files: corpus.files, pagesPerFile, pages: corpus.pages, pdfBytes: corpus.pdfBytes, textBytes: corpus.textBytes,
    indexMs: round(wall), pagesPerSecond: round(pagesPerSecond), chunks: last.json.chunks.total,
    peakRssMb: round(pdfRss), markdownPeakRssMb: round(mdRss), reindexMs: round(reindexMs), reindexEmbedInputs: embedInputs,
  };
}
