/**
 * `rag eval --generate N`: draft cases from the index. N passages are sampled, spread over
 * files, and the chat model writes one question each passage answers. The drafts are a
 * starting point to review by hand, not ground truth.
 */
import type { EvalCase } from './cases.js';
import type { Hit } from '../types.js';

/** Small seeded generator (mulberry32): the same seed samples the same passages. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * Up to `n` row ids, spread over files: files in a seeded order, one passage from each
 * in turn, so that N below the number of files touches N different files.
 */
export function samplePassages(rows: Array<{ id: string; path: string }>, n: number, seed: number): string[] {
  const random = seededRandom(seed);
  const byPath = new Map<string, string[]>();
  for (const r of [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const list = byPath.get(r.path) ?? [];
    list.push(r.id);
    byPath.set(r.path, list);
  }
  const queues = shuffled([...byPath.keys()].sort(), random).map((p) => shuffled(byPath.get(p)!, random));
  const picked: string[] = [];
  while (picked.length < n && queues.some((q) => q.length > 0)) {
    for (const q of queues) {
      const id = q.shift();
      if (id !== undefined && picked.length < n) picked.push(id);
    }
  }
  return picked;
}

/** Longer passages are cut: a question needs the gist, and the prompt stays small. */
const MAX_PASSAGE_CHARS = 3000;

export const GENERATE_SYSTEM_PROMPT = [
  'You write test questions for a search system over a set of documents.',
  'Write one question that the passage in the user message answers, as a user who has not seen the passage would ask it.',
  'Use your own words rather than copying a sentence. Reply with the question only, on one line.',
].join('\n');

export function generatePrompt(p: Hit): string {
  const text = p.text.length > MAX_PASSAGE_CHARS ? `${p.text.slice(0, MAX_PASSAGE_CHARS)}…` : p.text;
  return `Passage from ${p.path}${p.heading ? ` (${p.heading})` : ''}:\n\n${text}`;
}

/** The question out of a model's reply: its first non-empty line, without a label, quotes or numbering. */
export function questionFromReply(reply: string): string | undefined {
  const line = reply.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== '');
  if (line === undefined) return undefined;
  const q = line
    .replace(/^(\d+[.)]\s*|[-*]\s+)/, '')
    .replace(/^\**(question|q)\**\s*:\s*/i, '')
    .replace(/^["'“”*]+|["'“”*]+$/g, '')
    .trim();
  return q === '' ? undefined : q;
}

export function draftCase(p: Hit, question: string): Omit<EvalCase, 'line'> {
  return {
    question,
    expect: [{ path: p.path, lines: { start: p.startLine, end: p.endLine } }],
    answerable: true,
    mustInclude: [],
  };
}
