/**
 * Word (.docx): converted to HTML by mammoth, so headings, lists and tables survive, then read
 * by the HTML loader. The only importer of mammoth (>= 1.11.0: earlier versions let a crafted
 * document pull local files into the output, CVE-2025-11849), loaded lazily.
 */
import { loadHtml } from './html.js';
import type { LocatedText } from './located.js';

export type DocxResult = { ok: true; doc: LocatedText } | { ok: false; reason: string };

export async function loadDocx(bytes: Uint8Array): Promise<DocxResult> {
  const { default: mammoth } = await import('mammoth');
  let html: string;
  try {
    const result = await mammoth.convertToHtml(
      { buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) },
      {
        externalFileAccess: false,
        // Images carry no text: leave them out rather than inline them as base64.
        convertImage: mammoth.images.imgElement(() => Promise.resolve({ src: '' })),
      },
    );
    html = result.value;
  } catch (err) {
    const message = ((err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '').trim();
    return { ok: false, reason: `not a readable DOCX: ${message || 'unknown error'}` };
  }
  // Word has no stable pages or ids: a passage is cited by its heading path alone.
  return { ok: true, doc: await loadHtml(html, { anchors: false }) };
}
