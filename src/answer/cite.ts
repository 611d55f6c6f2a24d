/**
 * Citation checking: which passages an answer cites, which markers point nowhere,
 * and whether the model said it found nothing. Pure text processing.
 */
import { NOT_FOUND_PHRASE } from './prompt.js';

export interface CitationCheck {
  /** Valid passage numbers, unique, in order of first appearance. */
  cited: number[];
  /** Markers pointing at no passage, unique, in order of first appearance. */
  invalid: number[];
  notFound: boolean;
}

/** A model writing `[1-1000]` should not make us list a thousand bad markers. */
const MAX_RANGE_EXPANSION = 50;
/** A long answer that mentions the phrase in passing has still answered something. */
const SHORT_ANSWER_CHARS = 200;
/** A paraphrased refusal is short: past this, an uncited answer is still an answer (with a warning). */
const SHORT_REFUSAL_CHARS = 300;

/**
 * How models paraphrase "not found", matched on normalizeSentence's output. Each is
 * a statement about the model's knowledge or the passages, not about the subject.
 */
const REFUSALS: RegExp[] = [
  /\bi(?: do not| don't| cannot| can't| couldn't| am unable to| am not able to|'m unable to|'m not able to| have no way to) (?:know|find|answer|say|tell|determine|locate|see|provide|help)\b/,
  /\b(?:passages?|documents?|context|sources?|texts?|excerpts?|information provided|provided information)\b.{0,40}\b(?:do not|don't|does not|doesn't|did not|didn't|fail to) (?:contain|mention|include|provide|say|specify|cover|address|state|give|describe|discuss|answer|have)\b/,
  /\bnot (?:mentioned|provided|contained|included|specified|covered|addressed|stated|given|found|described|discussed|available) (?:in|by|within|anywhere in) (?:the |any of the )?(?:provided |given |indexed |available )?(?:passages?|documents?|context|sources?|texts?|excerpts?)\b/,
  /\b(?:there is|there's|i have|i found|contains?|provides?) no (?:information|mention|details?|answer|data|reference)\b/,
  /\b(?:not enough|insufficient) (?:information|context|detail)\b/,
  /^(?:unknown|no answer|not found|i don't know|no information)$/,
];

/**
 * `[2]`, `[2, 3]`, `[2;3]`, `[2][3]`, `[2-4]`, `[^2]` and `【2】`. The content is
 * numbers separated by commas or semicolons, each optionally a range.
 */
const MARKER = /(【|\[\^?)\s*(\d+(?:\s*[-–]\s*\d+)?(?:\s*[,;]\s*\d+(?:\s*[-–]\s*\d+)?)*)\s*(】|\])/gu;
/** Before `[`, these mean code (`arr[0]`, `f(x)[1]`) or a word glued to a bracket, not a citation. */
const CODE_BEFORE_BRACKET = /[\p{L}\p{N}_)]/u;

export function parseCitations(answer: string, passageCount: number): CitationCheck {
  const cited: number[] = [];
  const invalid: number[] = [];
  const prose = blankLinkTargets(blankCode(answer));
  // `[2][3]` is two citations, but `arr[0][1]` is code: a `]` before `[` is only
  // allowed when it closed a citation we accepted.
  let lastAcceptedEnd = -1;
  for (const match of prose.matchAll(MARKER)) {
    const start = match.index;
    const end = start + match[0].length;
    const open = match[1] ?? '';
    const close = match[3] ?? '';
    if ((open === '【') !== (close === '】')) continue;
    if (open !== '【') {
      const before = start > 0 ? prose.charAt(start - 1) : '';
      if (CODE_BEFORE_BRACKET.test(before)) continue;
      if (before === ']' && lastAcceptedEnd !== start) continue;
      // A Markdown link whose text happens to be a number: `[2](https://…)`.
      if (prose.charAt(end) === '(') continue;
    }
    lastAcceptedEnd = end;
    for (const n of expandNumbers(match[2] ?? '')) {
      const bucket = n >= 1 && n <= passageCount ? cited : invalid;
      if (!bucket.includes(n)) bucket.push(n);
    }
  }
  return { cited, invalid, notFound: isNotFoundAnswer(answer, cited.length) };
}

/**
 * Tolerant of what models do to a sentence they were told to repeat: case, curly
 * apostrophes, "could not", wrapping quotes or bold, a missing full stop, or a short
 * apology around it. A short answer that cites nothing and says, in other words, that
 * the passages do not hold the answer ("I don't know based on the provided documents.")
 * is a refusal too: listing sources under it would lend it authority it disclaims.
 */
export function isNotFoundAnswer(answer: string, citedCount = 0): boolean {
  const normalized = normalizeSentence(answer);
  const phrase = normalizeSentence(NOT_FOUND_PHRASE);
  if (normalized.startsWith(phrase)) return true;
  if (normalized.length < SHORT_ANSWER_CHARS && normalized.includes(phrase)) return true;
  return citedCount === 0 && normalized.length > 0 && normalized.length < SHORT_REFUSAL_CHARS && REFUSALS.some((r) => r.test(normalized));
}

function normalizeSentence(text: string): string {
  return text
    .toLowerCase()
    .replace(/[‘’‚‛′]/g, "'")
    .replace(/[“”„‟″]/g, '"')
    .replace(/\bcould not\b/g, "couldn't")
    .replace(/\s+/g, ' ')
    .replace(/^[\s"'`*_>#.,:;!?()[\]-]+/, '')
    .replace(/[\s"'`*_.,:;!?()[\]-]+$/, '');
}

function expandNumbers(list: string): number[] {
  const numbers: number[] = [];
  for (const part of list.split(/[,;]/)) {
    const [lowText, highText] = part.split(/[-–]/).map((s) => s.trim());
    const low = Number(lowText);
    if (highText === undefined) {
      numbers.push(low);
      continue;
    }
    const high = Number(highText);
    const from = Math.min(low, high);
    const to = Math.min(Math.max(low, high), from + MAX_RANGE_EXPANSION - 1);
    for (let n = from; n <= to; n++) numbers.push(n);
  }
  return numbers;
}

/**
 * Replace fenced code blocks and inline code spans with spaces of the same length,
 * so `arr[0]` in code is never read as a citation while indexes stay meaningful.
 * An unclosed fence runs to the end, as in CommonMark.
 */
function blankCode(text: string): string {
  const lines = text.split('\n');
  let fence: { char: string; length: number } | undefined;
  const out = lines.map((line) => {
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined) {
      if (marker !== undefined) {
        fence = { char: marker.charAt(0), length: marker.length };
        return blank(line);
      }
      return line;
    }
    const closing = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line)?.[1];
    if (closing !== undefined && closing.charAt(0) === fence.char && closing.length >= fence.length) {
      fence = undefined;
    }
    return blank(line);
  });
  return out.join('\n').replace(/(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, blank);
}

/** A URL can hold brackets (`/items/[3]`); keep the `](` so the link itself is still recognised. */
function blankLinkTargets(text: string): string {
  return text.replace(/(\]\()([^)\s]*)(\))/g, (_match, open: string, url: string, close: string) => `${open}${blank(url)}${close}`);
}

function blank(text: string): string {
  return text.replace(/[^\n]/g, ' ');
}
