/**
 * Retrieval post-processing: fuse the vector and full-text rankings, then shape the
 * fused list into the passages a prompt can afford. Pure functions over `Hit`s.
 */
import type { ChunkLocation, Hit } from '../types.js';

/** The usual RRF constant: large enough that rank 1 doesn't drown out agreement between lists. */
const DEFAULT_RRF_K = 60;
const DEFAULT_DEDUPE_THRESHOLD = 0.85;
/** Chunks are ~1,000–1,500 chars, so two or three merged neighbours still fit. */
const DEFAULT_MERGE_MAX_CHARS = 4000;
const SHINGLE_WORDS = 5;
/** Below this many words, 5-shingles are too few for a meaningful Jaccard: one changed word flips the result. */
const MIN_WORDS_FOR_SHINGLES = 2 * SHINGLE_WORDS;

interface FusedEntry {
  hit: Hit;
  score: number;
  bestRank: number;
}

/**
 * Reciprocal rank fusion. Scores from different retrievers are on different scales
 * (cosine distance vs BM25), so only ranks are combined: score = Σ 1/(k + rank).
 * The returned hits carry the fused score; their other fields come from the first list
 * that returned them.
 */
export function fuseRanks(lists: Hit[][], k: number = DEFAULT_RRF_K): Hit[] {
  if (!(k >= 0) || !Number.isFinite(k)) throw new RangeError(`fuseRanks: k must be a finite number >= 0, got ${k}`);
  const entries = new Map<string, FusedEntry>();
  for (const list of lists) {
    // A retriever that returns the same id twice must not vote twice.
    const seenInList = new Set<string>();
    list.forEach((hit, index) => {
      if (seenInList.has(hit.id)) return;
      seenInList.add(hit.id);
      const rank = index + 1;
      const entry = entries.get(hit.id);
      if (entry === undefined) {
        entries.set(hit.id, { hit, score: 1 / (k + rank), bestRank: rank });
      } else {
        entry.score += 1 / (k + rank);
        entry.bestRank = Math.min(entry.bestRank, rank);
      }
    });
  }
  return [...entries.values()]
    .sort((a, b) => b.score - a.score || a.bestRank - b.bestRank || compareStrings(a.hit.id, b.hit.id))
    .map((entry) => ({ ...entry.hit, score: entry.score }));
}

/**
 * Drop hits that would show the model the same words twice: near-duplicate texts
 * (the same paragraph in two files, a copied README) and line ranges already covered
 * by a better-ranked hit of the same file. Order is kept.
 */
export function dedupeHits(hits: Hit[], threshold: number = DEFAULT_DEDUPE_THRESHOLD, limit = Infinity): Hit[] {
  const kept: { hit: Hit; features: TextFeatures }[] = [];
  for (const hit of hits) {
    // Only the first `limit` are wanted: comparing the texts of the rest is wasted work.
    if (kept.length >= limit) break;
    if (kept.some((k) => containsRange(k.hit, hit))) continue;
    const features = textFeatures(hit.text);
    if (kept.some((k) => similarity(k.features, features) >= threshold)) continue;
    kept.push({ hit, features });
  }
  return kept.map((k) => k.hit);
}

/**
 * Neighbouring chunks of one file read better as one passage than as two citations,
 * and merging removes the overlap the chunker added between them. A merged hit takes
 * the place and id of the better-ranked part, so ranking and citation stay stable.
 * Merging repeats until nothing more touches, because a merge can bridge a gap
 * between two hits that did not touch before.
 */
export function mergeAdjacent(hits: Hit[], maxChars: number = DEFAULT_MERGE_MAX_CHARS): Hit[] {
  const result = [...hits];
  let merged = true;
  while (merged) {
    merged = false;
    outer: for (let i = 0; i < result.length; i++) {
      for (let j = i + 1; j < result.length; j++) {
        const better = result[i];
        const worse = result[j];
        if (better === undefined || worse === undefined) continue;
        const combined = mergePair(better, worse);
        if (combined === undefined || combined.text.length > maxChars) continue;
        result[i] = combined;
        result.splice(j, 1);
        merged = true;
        break outer;
      }
    }
  }
  return result;
}

export interface PostProcessOptions {
  topK: number;
  /** Default: max(2, ceil(topK / 2) + 1), so one long file cannot fill the context. */
  maxPerFile?: number;
  /** Largest merged passage, in characters. */
  maxMergedChars?: number;
}

/**
 * The pipeline shared by `ask` and `search`: dedupe, then walk the fused list best
 * first. A hit that touches a passage already chosen (same file, adjacent lines)
 * extends it instead of taking a slot of its own, so neighbours arrive as one
 * readable passage and the slots go to other evidence; other hits take a slot while
 * their file is under its cap. Only hits near the top (2 x topK) may extend a
 * passage, so low-ranked text does not ride along. Dedupe runs first so duplicates
 * do not use up a file's quota.
 */
export function selectPassages(fused: Hit[], opts: PostProcessOptions): Hit[] {
  if (!Number.isInteger(opts.topK) || opts.topK < 1) {
    throw new RangeError(`selectPassages: topK must be a positive integer, got ${opts.topK}`);
  }
  const maxPerFile = opts.maxPerFile ?? Math.max(2, Math.ceil(opts.topK / 2) + 1);
  const maxChars = opts.maxMergedChars ?? DEFAULT_MERGE_MAX_CHARS;
  const pool = dedupeHits(fused, DEFAULT_DEDUPE_THRESHOLD, opts.topK * 2);
  const selected: Hit[] = [];
  const perFile = new Map<string, number>();
  for (const hit of pool) {
    const into = selected.findIndex((chosen) => {
      const combined = mergePair(chosen, hit);
      return combined !== undefined && combined.text.length <= maxChars;
    });
    if (into >= 0) {
      selected[into] = mergePair(selected[into]!, hit)!;
      continue;
    }
    const count = perFile.get(hit.path) ?? 0;
    if (selected.length >= opts.topK || count >= maxPerFile) continue;
    perFile.set(hit.path, count + 1);
    selected.push(hit);
  }
  // A passage that grew may now touch another chosen one.
  return mergeAdjacent(selected, maxChars);
}

/** Byte-order comparison: the same order on every machine, unlike localeCompare. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function containsRange(outer: Hit, inner: Hit): boolean {
  return outer.path === inner.path && outer.startLine <= inner.startLine && inner.endLine <= outer.endLine;
}

interface TextFeatures {
  wordCount: number;
  words: Set<string>;
  shingles: Set<string>;
}

function textFeatures(text: string): TextFeatures {
  const words = text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [];
  const shingles = new Set<string>();
  for (let i = 0; i + SHINGLE_WORDS <= words.length; i++) {
    shingles.add(words.slice(i, i + SHINGLE_WORDS).join(' '));
  }
  return { wordCount: words.length, words: new Set(words), shingles };
}

function similarity(a: TextFeatures, b: TextFeatures): number {
  const useShingles = Math.min(a.wordCount, b.wordCount) >= MIN_WORDS_FOR_SHINGLES;
  return useShingles ? jaccard(a.shingles, b.shingles) : jaccard(a.words, b.words);
}

function jaccard(a: Set<string>, b: Set<string>): number {
  // Two texts with no words at all (blank, or only punctuation) say the same nothing.
  if (a.size === 0 && b.size === 0) return 1;
  let shared = 0;
  for (const item of a) if (b.has(item)) shared++;
  return shared / (a.size + b.size - shared);
}

/** Join two hits of one file whose ranges touch or overlap; `better` is the higher-ranked one. */
function mergePair(better: Hit, worse: Hit): Hit | undefined {
  if (better.path !== worse.path) return undefined;
  // On equal starts, the longer range goes first so the shorter one is simply contained.
  const [first, second] =
    better.startLine < worse.startLine || (better.startLine === worse.startLine && better.endLine >= worse.endLine)
      ? [better, worse]
      : [worse, better];
  // Only touching or overlapping ranges: a gap may hold a short passage we do not have,
  // and the merged text must stay exactly the lines it claims.
  if (second.startLine > first.endLine + 1) return undefined;
  const overlapLines = Math.max(0, first.endLine - second.startLine + 1);
  const rest = second.text.split('\n').slice(overlapLines);
  let text = first.text;
  if (rest.length > 0 && second.endLine > first.endLine) {
    text = `${text.endsWith('\n') ? text : `${text}\n`}${rest.join('\n')}`;
  }
  return {
    id: better.id,
    path: better.path,
    startLine: first.startLine,
    endLine: Math.max(first.endLine, second.endLine),
    heading: first.heading,
    text,
    score: Math.max(better.score, worse.score),
    ...mergedLocation(first.location, second.location),
  };
}

/** The location of two merged passages: page and cell ranges joined, the first one's anchor. */
function mergedLocation(a: ChunkLocation | undefined, b: ChunkLocation | undefined): { location?: ChunkLocation } {
  if (!a && !b) return {};
  const out: ChunkLocation = { ...b, ...a };
  const lo = (x?: number, y?: number) => (x === undefined ? y : y === undefined ? x : Math.min(x, y));
  const hi = (x?: number, y?: number) => (x === undefined ? y : y === undefined ? x : Math.max(x, y));
  const set = <K extends keyof ChunkLocation>(key: K, value: ChunkLocation[K] | undefined) => {
    if (value === undefined) delete out[key];
    else out[key] = value;
  };
  set('startPage', lo(a?.startPage, b?.startPage));
  set('endPage', hi(a?.endPage, b?.endPage));
  set('startCell', lo(a?.startCell, b?.startCell));
  set('endCell', hi(a?.endCell, b?.endCell));
  return { location: out };
}
