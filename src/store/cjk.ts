/**
 * Chinese, Japanese and Korean text for the full-text index. LanceDB's tokenizer splits on
 * whitespace and punctuation, and Chinese and Japanese put neither between words: a whole
 * sentence would be one token, which no query matches. So each run of CJK characters is
 * rewritten as its overlapping character pairs (bigrams, as Lucene's CJK analyser does): a
 * word of two or more characters is then found by the pairs it consists of. Documents also
 * keep every character on its own, so a one-character query still matches. Text outside
 * CJK runs passes unchanged, so English tokens, and their BM25 ranking, stay exactly as they
 * were (LanceDB's n-gram tokenizer would instead cut every English word into pieces too).
 */

// The long vowel and (semi-)voiced sound marks, full- and half-width, and the iteration marks
// are in Unicode's Common script, but belong inside Japanese words.
const CJK_RUN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}ー々〆ヽヾゝゞ゛゜ｰﾞﾟ]+/gu;

function bigrams(chars: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i]! + chars[i + 1]!);
  return out;
}

/** CJK runs of a passage as their characters and bigrams, for the full-text column. */
export function cjkIndexText(text: string): string {
  return text.replace(CJK_RUN, (run) => {
    // NFKC: half-width katakana and the like become what a query typed normally contains.
    const chars = Array.from(run.normalize('NFKC'));
    return ` ${[...chars, ...bigrams(chars)].join(' ')} `;
  });
}

/** CJK runs of a query as their bigrams (a one-character run as itself), matching cjkIndexText. */
export function cjkQueryText(text: string): string {
  return text.replace(CJK_RUN, (run) => {
    const chars = Array.from(run.normalize('NFKC'));
    return ` ${(chars.length === 1 ? chars : bigrams(chars)).join(' ')} `;
  });
}
