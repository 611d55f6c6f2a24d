/** The text of the progress line of long runs: pure, so it is tested without a terminal. */
import type { IndexProgress } from '../indexing/run.js';
import { formatBytes } from './terminal-text.js';

function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * `Indexing 42% · 120/286 files · 1,204/2,900 passages embedded · 85/s · ETA 20s`. The share is
 * of files read; the ETA appears once a few seconds of work give it something to rest on.
 */
export function indexProgressLine(p: IndexProgress, elapsedMs: number): string {
  const share = p.filesTotal > 0 ? p.filesDone / p.filesTotal : 0;
  const parts = [
    `Indexing ${Math.floor(share * 100)}%`,
    `${p.filesDone.toLocaleString('en-US')}/${p.filesTotal.toLocaleString('en-US')} files`,
    `${p.chunksEmbedded.toLocaleString('en-US')}/${p.chunksQueued.toLocaleString('en-US')} passages embedded`,
  ];
  const seconds = elapsedMs / 1000;
  if (seconds >= 1 && p.chunksEmbedded > 0) parts.push(`${Math.round(p.chunksEmbedded / seconds).toLocaleString('en-US')}/s`);
  if (seconds >= 2 && share > 0 && share < 1) parts.push(`ETA ${duration((seconds * (1 - share)) / share)}`);
  return parts.join(' · ');
}

/** `Pulling nomic-embed-text: 45% of 274 MB` (Ollama reports per layer; the largest is the model). */
export function pullProgressLine(model: string, status: string, completed: number | undefined, total: number | undefined): string {
  if (!total) return `Pulling ${model}: ${status}`;
  return `Pulling ${model}: ${Math.floor(((completed ?? 0) / total) * 100)}% of ${formatBytes(total)}`;
}
