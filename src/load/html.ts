/**
 * HTML (and DOCX, through mammoth's HTML): the readable text of a page as lines, h1–h6 as
 * headings. Parsed with htmlparser2, a streaming parser that forgives real-world markup; the
 * only importer of it, loaded lazily by the loader dispatcher.
 *
 * Dropped: what is not text (`script`, `style`, `template`, `svg`, ...), the document head,
 * and navigation chrome (`nav`, `footer`, and elements whose role is navigation, banner or
 * contentinfo, or that are hidden). Kept readable: list items as `- item` lines, table rows
 * as `cell | cell` lines, `pre` blocks as fenced code.
 */
import { LocatedTextBuilder, type LocatedText } from './located.js';
import { MAX_TITLE_CHARS } from '../chunk/heading-text.js';

const SKIPPED = new Set(['script', 'style', 'noscript', 'template', 'svg', 'math', 'head', 'nav', 'footer', 'iframe', 'object', 'canvas', 'select', 'button']);
const SKIPPED_ROLES = new Set(['navigation', 'banner', 'contentinfo', 'search']);
const BLOCKS = new Set([
  'p', 'div', 'section', 'article', 'main', 'header', 'aside', 'blockquote', 'figure', 'figcaption', 'ul', 'ol', 'dl',
  'dt', 'dd', 'table', 'thead', 'tbody', 'tfoot', 'caption', 'form', 'fieldset', 'address', 'details', 'summary', 'hr', 'body', 'html',
]);
const VOID = new Set(['br', 'hr', 'img', 'input', 'meta', 'link', 'wbr', 'area', 'base', 'col', 'embed', 'source', 'track']);
const HEADING = /^h([1-6])$/;

export interface HtmlOptions {
  /** Cite headings by their `id` (web pages); off for DOCX, whose ids are not stable. */
  anchors: boolean;
}

export async function loadHtml(html: string, options: HtmlOptions): Promise<LocatedText> {
  const { Parser } = await import('htmlparser2');
  const w = new HtmlWalker(options);
  const parser = new Parser(
    {
      onopentag: (name, attrs) => w.open(name, attrs),
      ontext: (text) => w.text(text),
      onclosetag: (name, isImplied) => w.close(name, isImplied),
    },
    { decodeEntities: true, lowerCaseTags: true, recognizeSelfClosing: true },
  );
  parser.write(html);
  parser.end();
  return w.finish();
}

interface Open {
  name: string;
  skips: boolean;
}

class HtmlWalker {
  private readonly b = new LocatedTextBuilder();
  private readonly stack: Open[] = [];
  private skipDepth = 0;
  private preDepth = 0;
  /** Text of the block being gathered (a paragraph, list item, heading or table cell). */
  private buf = '';
  private heading: { level: number; anchor: string } | undefined;
  private row: string[] | undefined;
  private listDepth = 0;
  private readonly ordinals: number[] = [];
  /** Inside a table cell, blocks (a DOCX cell's paragraphs) only separate words. */
  private inCell = false;

  constructor(private readonly options: HtmlOptions) {}

  open(name: string, attrs: Record<string, string>): void {
    const role = (attrs.role ?? '').toLowerCase();
    const hidden = 'hidden' in attrs || attrs['aria-hidden'] === 'true';
    const skips = SKIPPED.has(name) || SKIPPED_ROLES.has(role) || hidden;
    if (!VOID.has(name)) this.stack.push({ name, skips });
    if (skips) {
      if (!VOID.has(name)) this.skipDepth++;
      return;
    }
    if (this.skipDepth > 0) return;
    const h = HEADING.exec(name);
    if (h) {
      this.flush();
      this.heading = { level: Number(h[1]), anchor: this.options.anchors ? attrs.id ?? '' : '' };
    } else if (this.heading && this.options.anchors && !this.heading.anchor && (attrs.id || attrs.name)) {
      this.heading.anchor = attrs.id ?? attrs.name ?? '';
    } else if (this.inCell && (BLOCKS.has(name) || name === 'br' || name === 'li')) {
      this.buf += ' ';
    } else if (name === 'br') {
      this.buf += '\n';
    } else if (name === 'pre') {
      this.flush();
      this.preDepth++;
    } else if (name === 'tr') {
      this.flushRow();
      this.row = [];
    } else if (name === 'td' || name === 'th') {
      this.flush();
      this.inCell = true;
    } else if (name === 'ul' || name === 'ol') {
      this.flush();
      this.listDepth++;
      this.ordinals.push(name === 'ol' ? 1 : 0);
    } else if (name === 'li') {
      this.flush();
      const n = this.ordinals[this.ordinals.length - 1] ?? 0;
      this.buf = `${n > 0 ? `${n}.` : '-'} `;
      if (n > 0) this.ordinals[this.ordinals.length - 1] = n + 1;
    } else if (BLOCKS.has(name)) {
      this.flush();
    }
  }

  text(text: string): void {
    if (this.skipDepth > 0) return;
    this.buf += this.preDepth > 0 ? text : text.replace(/\s+/g, ' ');
  }

  close(name: string, _isImplied: boolean): void {
    if (VOID.has(name)) return;
    // Pop to the matching open tag; htmlparser2 closes implied tags itself.
    let idx = this.stack.length - 1;
    while (idx >= 0 && this.stack[idx]?.name !== name) idx--;
    if (idx < 0) return;
    const closed = this.stack.splice(idx);
    const skipped = closed.filter((o) => o.skips).length;
    if (skipped > 0) {
      this.skipDepth -= skipped;
      return;
    }
    if (this.skipDepth > 0) return;
    if (HEADING.test(name) && this.heading) {
      const title = this.buf.replace(/\s+/g, ' ').trim().slice(0, MAX_TITLE_CHARS);
      this.buf = '';
      if (title !== '') this.b.heading(this.heading.level, title, this.heading.anchor);
      this.heading = undefined;
    } else if (name === 'pre') {
      this.preDepth--;
      const code = this.buf.replace(/^\n+|\s+$/g, '');
      this.buf = '';
      if (code !== '') {
        this.b.blank();
        this.b.line(['```', code, '```'].join('\n'));
        this.b.blank();
      }
    } else if (name === 'td' || name === 'th') {
      this.row?.push(this.buf.replace(/\s+/g, ' ').trim());
      this.buf = '';
      this.inCell = false;
    } else if (this.inCell && (BLOCKS.has(name) || name === 'li')) {
      this.buf += ' ';
    } else if (name === 'tr') {
      this.flushRow();
    } else if (name === 'table') {
      this.flushRow();
      this.b.blank();
    } else if (name === 'ul' || name === 'ol') {
      this.flush();
      this.listDepth--;
      this.ordinals.pop();
      if (this.listDepth === 0) this.b.blank();
    } else if (name === 'li') {
      this.flush(false);
    } else if (BLOCKS.has(name)) {
      this.flush();
    }
  }

  finish(): LocatedText {
    this.flush();
    this.flushRow();
    return this.b.build('text', { anchors: this.options.anchors });
  }

  /** Ends the block being gathered; `paragraph` adds the blank line that ends a paragraph. */
  private flush(paragraph = true): void {
    if (this.row) {
      // Text in a table row outside its cells (rare): part of the row.
      if (this.buf.trim() !== '') this.row.push(this.buf.replace(/\s+/g, ' ').trim());
      this.buf = '';
      return;
    }
    const lines = this.buf.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !/^(?:-|\d+\.)$/.test(l));
    this.buf = '';
    if (lines.length === 0) return;
    // Nested items and an item's later lines are indented under their marker.
    const base = '  '.repeat(Math.max(0, this.listDepth - 1));
    lines.forEach((l, i) => this.b.line(i === 0 ? `${base}${l}` : `${base}  ${l}`));
    if (paragraph && this.listDepth === 0) this.b.blank();
  }

  private flushRow(): void {
    const row = this.row;
    this.row = undefined;
    if (!row) return;
    if (this.buf.trim() !== '') row.push(this.buf.replace(/\s+/g, ' ').trim());
    this.buf = '';
    if (row.some((c) => c !== '')) this.b.line(row.join(' | '));
  }
}
