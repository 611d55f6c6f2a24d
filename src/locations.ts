/**
 * How a passage is located for a person and for a program. Pure; used by the prompt's
 * passage headers and by the text and JSON renderers, so all three name a passage alike.
 *
 * | file kind            | citation (text)             | location (JSON, a viewer opens it) |
 * | text, Markdown, code | `guide.md:12-30`            | `guide.md:12-30`                   |
 * | PDF                  | `paper.pdf p. 7`, `pp. 7-8` | `paper.pdf#page=7`                 |
 * | HTML (heading id)    | `page.html#install`         | `page.html#install`                |
 * | notebook             | `nb.ipynb cell 3`, `cells 3-4` | `nb.ipynb`                      |
 * | DOCX, HTML (no id)   | `report.docx`               | `report.docx`                      |
 * Document formats have no useful line numbers (their lines are those of the extracted
 * text), so their citations leave them out; the heading breadcrumb goes alongside.
 */
import { loaderOf } from './formats.js';
import type { Hit } from './types.js';

type Located = Pick<Hit, 'path' | 'startLine' | 'endLine' | 'location'>;

export function citation(hit: Located): string {
  const l = hit.location;
  if (l?.startPage !== undefined) {
    const end = l.endPage ?? l.startPage;
    return end === l.startPage ? `${hit.path} p. ${l.startPage}` : `${hit.path} pp. ${l.startPage}-${end}`;
  }
  if (l?.startCell !== undefined) {
    const end = l.endCell ?? l.startCell;
    return end === l.startCell ? `${hit.path} cell ${l.startCell}` : `${hit.path} cells ${l.startCell}-${end}`;
  }
  if (l?.anchor) return `${hit.path}#${l.anchor}`;
  if (loaderOf(hit.path) !== 'text') return hit.path;
  return hit.startLine === hit.endLine ? `${hit.path}:${hit.startLine}` : `${hit.path}:${hit.startLine}-${hit.endLine}`;
}

export function viewerLocation(hit: Located): string {
  const l = hit.location;
  if (l?.startPage !== undefined) return `${hit.path}#page=${l.startPage}`;
  if (l?.startCell !== undefined) return hit.path;
  return citation(hit);
}
