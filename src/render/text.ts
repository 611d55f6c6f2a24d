/**
 * Human-readable output: pure functions from data to strings, so they are tested
 * without a terminal. Colour comes in as a Style (plain when not on a TTY).
 */
import type { AskResult } from '../answer/answer.js';
import type { IndexProgress, IndexSummary } from '../indexing/run.js';
import type { RetryNotice } from '../ollama.js';
import type { PromptPassage } from '../answer/prompt.js';
import { citation } from '../locations.js';
import type { Hit, StatusReport } from '../types.js';
import { showControls } from './controls.js';
import type { Style } from './style.js';

/** A file name, heading or reason: one line, every control character visible. */
const oneLine = (text: string): string => showControls(text, { singleLine: true });

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** How text output spells a root-relative path (relative to the user's folder); JSON keeps it as stored. */
export type ShowPath = (relPath: string) => string;

const asStored: ShowPath = (p) => p;

/** `guide.md:12-30`, `paper.pdf p. 7`, `page.html#install`, `nb.ipynb cell 3` (src/locations.ts). */
export function location(hit: Pick<Hit, 'path' | 'startLine' | 'endLine' | 'location'>, show: ShowPath = asStored): string {
  return citation({ ...hit, path: show(hit.path) });
}

/** `[2] guide/config.md:12-30 · Configuration > Models` */
export function sourceLine(p: PromptPassage, style: Style, show: ShowPath = asStored): string {
  const heading = p.hit.heading ? style.dim(` · ${oneLine(p.hit.heading)}`) : '';
  return `${style.bold(`[${p.n}]`)} ${style.cyan(oneLine(location(p.hit, show)))}${heading}`;
}

export function renderSources(passages: PromptPassage[], style: Style, show: ShowPath = asStored): string {
  if (passages.length === 0) return '';
  return `\n${style.bold('Sources:')}\n${passages.map((p) => `  ${sourceLine(p, style, show)}`).join('\n')}\n`;
}

export function sourcesToShow(result: AskResult, which: 'cited' | 'all' | 'none'): PromptPassage[] {
  if (which === 'none' || !result.found) return [];
  if (which === 'all') return result.passages;
  const cited = new Set(result.cited);
  return result.passages.filter((p) => cited.has(p.n));
}

export function indexSummaryLine(s: IndexSummary): string {
  const parts = [`${s.new} new`, `${s.changed} changed`, `${s.unchanged} unchanged`, `${s.removed} removed`, `${s.skipped.length} skipped`];
  const verb = s.dryRun ? 'Would index' : 'Indexed';
  const embedded = s.dryRun ? '' : ` · ${plural(s.chunksEmbedded, 'passage')} embedded`;
  // The index folder is named: found by walking up, it may not be the one the user expects.
  return `${verb} ${plural(s.filesSeen, 'file')} in ${formatDuration(s.elapsedMs)}: ${parts.join(', ')}${embedded} · index ${s.indexDir}`;
}

/** The spinner's line during `rag index`; a retry under way stays on it until a request succeeds. */
export function indexProgressText(p: IndexProgress, retry?: RetryNotice): string {
  const line = `Indexing: ${p.filesDone}/${p.filesTotal} files read · ${p.chunksEmbedded}/${p.chunksQueued} passages embedded`;
  return retry ? `${line} · ${retryText(retry)}` : line;
}

/** `retrying (attempt 2 of 4) after: Ollama at … failed: boom` */
export function retryText(r: RetryNotice): string {
  return `retrying (attempt ${r.attempt} of ${r.attempts}) after: ${oneLine(r.reason)}`;
}

export function dryRunReport(s: IndexSummary): string {
  const lines = s.changes.map((c) => `${c.change === 'new' ? 'add' : c.change === 'changed' ? 'update' : 'remove'}\t${oneLine(c.path)}${c.chunks !== undefined ? `\t${plural(c.chunks, 'passage')}` : ''}`);
  for (const k of s.skipped) lines.push(`skip\t${oneLine(k.relPath)}\t${oneLine(k.reason)}`);
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

/**
 * One line of passage text for a terminal: whitespace collapsed, cut to `width`, control
 * characters shown. The cut is made on the raw text and never inside an escape sequence,
 * so a preview does not end in half of one.
 */
export function snippet(text: string, width: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= width) return oneLine(flat);
  const cut = withoutPartialEscape(flat.slice(0, Math.max(1, width - 1)));
  // End on a whole word when that keeps most of the line; a single long word is cut inside.
  const space = flat.charAt(cut.length) === ' ' ? cut.length : cut.lastIndexOf(' ');
  return `${oneLine((space > cut.length / 2 ? cut.slice(0, space) : cut).trimEnd())}…`;
}

/** CSI (`ESC [` or U+009B … final byte), OSC/DCS/APC/PM/SOS (… BEL or ESC \\), or a two-character escape. */
const COMPLETE_ESCAPE = /^(?:(?:\u001b\[|\u009b)[0-?]*[ -/]*[@-~]|(?:\u001b[\]PX^_]|[\u0090\u0098\u009d-\u009f])[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)|\u001b[ -Z\\`-~])/;

/** Text cut at its end: drops a trailing escape sequence that the cut left unfinished. */
function withoutPartialEscape(cut: string): string {
  const start = Math.max(cut.lastIndexOf('\u001b'), cut.lastIndexOf('\u009b'), cut.lastIndexOf('\u009d'), cut.lastIndexOf('\u0090'));
  if (start < 0) return cut;
  return COMPLETE_ESCAPE.test(cut.slice(start)) ? cut : cut.slice(0, start);
}

export function renderHits(hits: Hit[], style: Style, options: { width: number; isTTY: boolean; show?: ShowPath }): string {
  if (hits.length === 0) return '';
  return hits
    .map((h, i) => {
      const head = `${style.bold(`${i + 1}.`)} ${style.cyan(oneLine(location(h, options.show)))}${h.heading ? style.dim(` · ${oneLine(h.heading)}`) : ''} ${style.dim(`(${h.score.toFixed(4)})`)}`;
      // On a terminal a trimmed preview; in a pipe the whole passage, indented, for grep.
      const body = options.isTTY
        ? `   ${snippet(h.text, Math.max(40, options.width - 3) * 2)}`
        : showControls(h.text).split('\n').map((l) => `   ${l}`).join('\n');
      return `${head}\n${body}`;
    })
    .join('\n\n') + '\n';
}

/**
 * One stderr line when fewer passages than -k come back, saying why: few matches,
 * neighbours merged or the per-file cap (retrieval), or no room in the context window (ask).
 */
export function shortfallNote(n: { requestedK: number; returned: number; matched: number; dropped?: number; numCtx?: number }): string | undefined {
  if (n.returned >= n.requestedK) return undefined;
  const dropped = n.dropped ?? 0;
  const why: string[] = [];
  if (n.returned + dropped < n.requestedK) {
    why.push(n.matched < n.requestedK ? `only ${n.matched} matched` : 'neighbouring passages were merged and each file gives only a few');
  }
  if (dropped > 0) why.push(`${dropped} did not fit in the context window${n.numCtx ? ` (num_ctx ${n.numCtx})` : ''}`);
  return `note: ${n.returned} of the ${n.requestedK} passages asked for (-k ${n.requestedK}): ${why.join('; ')}`;
}

const HOST_SOURCE_TEXT: Record<string, string> = { flag: 'from --host', env: 'from OLLAMA_HOST', config: 'from the config file', default: 'the default' };

/**
 * The `rag status` report as text; problems go to stderr through main.ts. `when` spells the
 * last update: "3 minutes ago" for a person at a terminal, the ISO time by default.
 */
export function statusText(r: StatusReport, style: Style, when: (iso: string) => string = (iso) => iso): string {
  const ok = (b: boolean) => (b ? style.green('✓') : style.red('✗'));
  const { manifest, pendingRebuild: rebuild } = r.index;
  const lines = [
    `${style.bold('Index')}     ${oneLine(r.index.dir)}${manifest ? '' : style.dim(' (none yet)')}`,
    ...(manifest
      ? [
          `  root      ${oneLine(r.index.root ?? '')}`,
          `  files     ${r.index.files}`,
          ...formatsLine(r.index.filesByFormat),
          `  passages  ${r.index.chunks}`,
          `  model     ${oneLine(manifest.embedModel)} (${manifest.dimensions} dimensions)`,
          `  chunking  ${manifest.chunkSizeChars} characters, ${manifest.chunkOverlapChars} overlap`,
          `  updated   ${when(manifest.updatedAt)}`,
          ...(rebuild
            ? [
                `  rebuild   interrupted after ${rebuild.files} file(s) (${rebuild.manifest.embedModel}, ${rebuild.manifest.chunkSizeChars}/${rebuild.manifest.chunkOverlapChars}): ` +
                  "run the same 'rag index --rebuild' again to resume it",
              ]
            : []),
        ]
      : []),
    ...(r.hosts.length > 1
      ? [
          `${style.bold('Ollama')}    ${r.hosts.length} hosts ${style.dim(`(${HOST_SOURCE_TEXT[r.ollama.hostSource] ?? r.ollama.hostSource})`)}`,
          ...r.hosts.map((h) => `  ${h.host} ${ok(h.reachable)}${h.version ? ` version ${h.version} · ${h.models.length} model(s): ${h.models.join(', ')}` : ' unreachable'}`),
        ]
      : [`${style.bold('Ollama')}    ${r.ollama.host} ${style.dim(`(${HOST_SOURCE_TEXT[r.ollama.hostSource] ?? r.ollama.hostSource})`)} ${ok(r.ollama.reachable)}${r.ollama.version ? ` version ${r.ollama.version}` : ' unreachable'}`]),
    `  embedding ${r.models.embed.name} ${ok(r.models.embed.installed && r.models.embed.rightKind !== false)}`,
    `  chat      ${r.models.chat.name} ${ok(r.models.chat.installed && r.models.chat.rightKind !== false)}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** `  formats   markdown 12, pdf 3`, or nothing when no file is indexed. */
function formatsLine(byFormat: Record<string, number> | undefined): string[] {
  const entries = Object.entries(byFormat ?? {});
  return entries.length === 0 ? [] : [`  formats   ${entries.map(([f, n]) => `${f} ${n}`).join(', ')}`];
}
