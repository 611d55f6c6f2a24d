/**
 * A line longer than the chunk size, cut into pieces (rules 5 and 6 in chunk.ts's header comment): at
 * sentence ends, else whitespace, else anywhere, with consecutive pieces overlapping by whole sentences.
 * Chinese and Japanese put no space after a sentence: there a sentence ends at `。！？` (and any closing
 * brackets or quotes after it), and a clause at `，、；：`, where a cut beats one mid-word.
 */

function isSpace(code: number): boolean {
  return code <= 32 || code === 0xa0 || (code >= 0x2000 && code <= 0x200a) || code === 0x3000;
}

const SENTENCE_CLOSERS = '"\')]”’*_';
const CJK_SENTENCE_ENDS = '。！？';
const CJK_CLAUSE_ENDS = '，、；：';
const CJK_CLOSERS = '」』）】〕》〉”’"\')]';

/** Break kind at q when no space precedes it: 2 after a CJK sentence end, 1 after a CJK clause end. */
function cjkBreakKindAt(s: string, q: number): number {
  if (CJK_CLOSERS.includes(s.charAt(q))) return 0;
  let p = q - 1;
  for (let n = 0; p >= 0 && n < 4 && CJK_CLOSERS.includes(s.charAt(p)); n++) p--;
  const c = s.charAt(p);
  return CJK_SENTENCE_ENDS.includes(c) ? 2 : CJK_CLAUSE_ENDS.includes(c) ? 1 : 0;
}

/** 2 when a sentence starts at q, 1 when only a word does, 0 otherwise. */
function breakKindAt(s: string, q: number): number {
  if (q <= 0 || q >= s.length || isSpace(s.charCodeAt(q))) return 0;
  if (!isSpace(s.charCodeAt(q - 1))) return cjkBreakKindAt(s, q);
  let p = q - 1;
  // Bounded walk-back keeps runs of thousands of spaces linear.
  for (let n = 0; p >= 0 && n < 16 && isSpace(s.charCodeAt(p)); n++) p--;
  while (p >= 0 && SENTENCE_CLOSERS.includes(s.charAt(p))) p--;
  return p >= 0 && '.!?…'.includes(s.charAt(p)) ? 2 : 1;
}

/** End of a piece in [lo, hi]: the last sentence start, else the last word start, else a hard cut at hi. */
function findBreak(s: string, lo: number, hi: number): number {
  let word = -1;
  for (let q = hi; q >= lo; q--) {
    const kind = breakKindAt(s, q);
    if (kind === 2) return q;
    if (kind === 1 && word < 0) word = q;
  }
  if (word >= 0) return word;
  const c = s.charCodeAt(hi - 1);
  // Never cut a surrogate pair in half.
  return c >= 0xd800 && c <= 0xdbff ? hi - 1 : hi;
}

/**
 * The pieces of one line, each at most `sizeChars` long, without leading or trailing whitespace. The
 * overlap must be under half of `sizeChars` (as validateChunkOptions ensures), or this may not end.
 */
export function splitLongLine(s: string, sizeChars: number, overlapChars: number): string[] {
  const size = sizeChars;
  const out: string[] = [];
  let b = 0;
  while (b < s.length && isSpace(s.charCodeAt(b))) b++;
  for (;;) {
    if (s.length - b <= size) {
      out.push(s.slice(b).trimEnd());
      return out;
    }
    const e = findBreak(s, b + Math.floor(size / 2), b + size);
    out.push(s.slice(b, e).trimEnd());
    let next = e;
    while (next < s.length && isSpace(s.charCodeAt(next))) next++;
    if (next >= s.length) return out;
    // Overlap with whole sentences only; validateChunkOptions keeps it under half, so b always advances.
    let overlap = next;
    for (let q = Math.max(b + 1, e - overlapChars); q < e; q++) {
      if (breakKindAt(s, q) === 2) {
        overlap = q;
        break;
      }
    }
    b = overlap;
  }
}
