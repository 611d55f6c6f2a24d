/**
 * Jupyter notebooks (.ipynb, nbformat 4): markdown cells as Markdown (their headings become
 * breadcrumbs), code cells as fenced code, and text outputs (streams, plain-text results)
 * after their cell, cut short. Every line remembers its cell, so a passage is cited by cell.
 */
import { LocatedTextBuilder, type LocatedText } from './located.js';

export type NotebookResult = { ok: true; doc: LocatedText } | { ok: false; reason: string };

/** Outputs can be huge (a printed data frame, a training log): only their start is kept. */
const MAX_OUTPUT_CHARS = 2000;

interface Cell {
  cell_type?: unknown;
  source?: unknown;
  outputs?: unknown;
}

export function loadNotebook(text: string): NotebookResult {
  let nb: { cells?: unknown; metadata?: { language_info?: { name?: unknown }; kernelspec?: { language?: unknown } } };
  try {
    nb = JSON.parse(text) as typeof nb;
  } catch (err) {
    return { ok: false, reason: `not a readable notebook: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (typeof nb !== 'object' || nb === null || !Array.isArray(nb.cells)) {
    return { ok: false, reason: 'not a readable notebook: no cells (nbformat 4 expected)' };
  }
  const lang = nb.metadata?.language_info?.name ?? nb.metadata?.kernelspec?.language;
  const fence = typeof lang === 'string' && /^[\w+-]+$/.test(lang) ? lang : '';
  const b = new LocatedTextBuilder();
  (nb.cells as Cell[]).forEach((cell, i) => {
    b.cell = i + 1;
    const source = joinSource(cell.source).replace(/\s+$/, '');
    if (source.trim() === '') return;
    b.blank();
    if (cell.cell_type === 'markdown' || cell.cell_type === 'raw') {
      // A fence left open in one cell must not swallow the next ones.
      const fences = source.match(/^\s*(`{3,}|~{3,})/gm)?.length ?? 0;
      b.line(fences % 2 === 1 ? `${source}\n\`\`\`` : source);
    } else {
      b.line(['```' + fence, source.replace(/^(\s*)```/gm, '$1` ``'), '```'].join('\n'));
      const output = textOutputs(cell.outputs);
      if (output !== '') b.line(['```text', output, '```'].join('\n'));
    }
    b.blank();
  });
  return { ok: true, doc: b.build('markdown', { cells: true, givenHeadings: false }) };
}

function joinSource(source: unknown): string {
  if (typeof source === 'string') return source;
  if (Array.isArray(source)) return source.filter((s): s is string => typeof s === 'string').join('');
  return '';
}

function textOutputs(outputs: unknown): string {
  if (!Array.isArray(outputs)) return '';
  const parts: string[] = [];
  for (const o of outputs as Array<{ output_type?: unknown; text?: unknown; data?: Record<string, unknown> }>) {
    if (o.output_type === 'stream') parts.push(joinSource(o.text));
    else if (o.output_type === 'execute_result' || o.output_type === 'display_data') parts.push(joinSource(o.data?.['text/plain']));
  }
  const all = parts.join('\n').replace(/\s+$/, '').replace(/^(\s*)```/gm, '$1` ``');
  return all.length > MAX_OUTPUT_CHARS ? `${all.slice(0, MAX_OUTPUT_CHARS)}…` : all;
}
