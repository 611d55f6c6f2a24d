/**
 * The stub's text model, with no HTTP: content features, deterministic embeddings, the
 * grounded chat reply to rag's prompt layout, prompt front truncation and token estimates.
 * All pure; ollama-stub.ts serves them and re-exports the public ones.
 */

export interface ChatMessage {
  role: string;
  content: string;
}

export const CHARS_PER_TOKEN = 4;
const FALLBACK_NOT_FOUND = "I don't know.";

/** Real models read these as instructions, not content. Compared after lower-casing. */
const TASK_PREFIXES = ['search_document: ', 'search_query: ', 'represent this sentence for searching relevant passages: '];

const STOP_WORDS = new Set(
  ('a about after again all am an and any are as at be because been before being both but by can could did do does ' +
    'doing don each few for from further had has have having he her here hers him his how i if in into is it its itself ' +
    'just me more most my no nor not now of off on once only or other our out over own same she should so some such t ' +
    'than that the their them then there these they this those through to too under until up very was we were what ' +
    'when where which while who whom why will with would you your').split(' '),
);

/** The first word of each group is the feature all of them map to. Inflections the stemmer misses are listed. */
const SYNONYM_GROUPS = [
  ['car', 'automobile', 'vehicle', 'auto'],
  ['delete', 'remove', 'erase', 'removal', 'deletion'],
  ['start', 'begin', 'beginning', 'began', 'launch'],
  ['fast', 'quick', 'rapid', 'speedy', 'quickly', 'rapidly'],
  ['error', 'failure', 'fault', 'fail'],
  ['folder', 'directory', 'directories', 'dir'],
];

const SYNONYMS: ReadonlyMap<string, string> = new Map(
  SYNONYM_GROUPS.flatMap((group) => group.map((word): [string, string] => [stem(word), stem(group[0] ?? word)])),
);

function stem(word: string): string {
  let w = word;
  for (const suffix of ['ing', 'ed', 'es', 's']) {
    if (w.endsWith(suffix) && w.length - suffix.length >= 3 && !(suffix === 's' && w.endsWith('ss'))) {
      w = w.slice(0, -suffix.length);
      // So that embedding/embed and stopped/stop meet (but install, pass stay whole).
      if ((suffix === 'ing' || suffix === 'ed') && /([^aeiouylsz])\1$/.test(w)) w = w.slice(0, -1);
      break;
    }
  }
  // So that remove/removes/removed/removing meet.
  if (w.endsWith('e') && w.length >= 4) w = w.slice(0, -1);
  return w;
}

/**
 * Content features of a text, in order, with repeats. Words holding `_` or a digit
 * (identifiers, versions, paths with line numbers) give nothing: real models smear
 * them, and rag's tests rely on vector search missing them so hybrid search matters.
 */
export function textFeatures(text: string): string[] {
  let lower = text.toLowerCase().trimStart();
  for (const prefix of TASK_PREFIXES) {
    if (lower.startsWith(prefix)) {
      lower = lower.slice(prefix.length);
      break;
    }
  }
  const features: string[] = [];
  for (const word of lower.split(/\s+/)) {
    if (word === '' || /[_\d]/.test(word)) continue;
    for (const run of word.match(/\p{L}+/gu) ?? []) {
      if (STOP_WORDS.has(run)) continue;
      const stemmed = stem(run);
      features.push(SYNONYMS.get(stemmed) ?? stemmed);
    }
  }
  return features;
}

export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** L2-normalised hashed bag of features; a fixed uniform vector when nothing survives (never NaN). */
export function embedText(text: string, dims: number): number[] {
  const vector = new Array<number>(dims).fill(0);
  for (const feature of textFeatures(text)) {
    const hash = fnv1a(feature);
    vector[hash % dims] = (vector[hash % dims] ?? 0) + (hash >>> 31 === 1 ? -1 : 1);
  }
  return normalise(vector);
}

export function normalise(vector: number[]): number[] {
  let squares = 0;
  for (const v of vector) squares += v * v;
  const norm = Math.sqrt(squares);
  // Colliding features can cancel out, so test the norm, not the feature count.
  if (norm === 0) return vector.map(() => round(1 / Math.sqrt(vector.length)));
  return vector.map((v) => round(v / norm));
}

/** float32-ish precision keeps responses small (the benchmark embeds tens of thousands of chunks). */
function round(v: number): number {
  return Math.round(v * 1e7) / 1e7;
}

export function estimateStubTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

/**
 * Drop text from the front of the prompt until it fits, as Ollama does: the system
 * message goes first, then the start of the user message.
 */
export function truncatePromptFront(messages: ChatMessage[], windowTokens: number): { messages: ChatMessage[]; truncated: boolean } {
  const total = messages.reduce((sum, m) => sum + m.content.length, 0);
  if (Math.ceil(total / CHARS_PER_TOKEN) <= windowTokens) return { messages, truncated: false };
  let budget = Math.max(0, windowTokens * CHARS_PER_TOKEN);
  const kept: ChatMessage[] = [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (message === undefined) continue;
    const keep = Math.min(budget, message.content.length);
    kept.unshift({ role: message.role, content: keep === 0 ? '' : message.content.slice(-keep) });
    budget -= keep;
  }
  return { messages: kept, truncated: true };
}

interface Passage {
  n: number;
  label: string;
  lines: string[];
}

/**
 * The stub's answer to rag's prompt: cite the passage sharing the most distinct features
 * with the question (ties to the lowest number), or reply with the not-found phrase from
 * the system message when nothing matches.
 */
export function answerPrompt(messages: ChatMessage[]): string {
  const system = messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n');
  const notFound = /reply exactly:\s*["“]([^"”]+)["”]/i.exec(system)?.[1] ?? FALLBACK_NOT_FOUND;
  const user = [...messages].reverse().find((m) => m.role === 'user')?.content ?? '';
  if (/write one question/i.test(system)) return draftQuestion(user);
  const { passages, question } = parseUserPrompt(user);

  const questionFeatures = new Set(textFeatures(question));
  const scored = passages
    .map((p) => {
      const shared = new Set(textFeatures(`${p.label}\n${p.lines.join('\n')}`).filter((f) => questionFeatures.has(f)));
      return { passage: p, score: shared.size };
    })
    .sort((a, b) => b.score - a.score || a.passage.n - b.passage.n);

  const best = scored[0];
  if (best === undefined || best.score === 0) return notFound;
  const sentence = firstSentence(best.passage);
  let reply = `According to the documents, ${sentence} [${best.passage.n}].`;
  const second = scored[1];
  if (second !== undefined && second.score * 2 >= best.score) reply += ` See also [${second.passage.n}].`;
  return reply;
}

function parseUserPrompt(user: string): { passages: Passage[]; question: string } {
  const lines = user.split(/\r?\n/);
  let questionAt = -1;
  lines.forEach((line, i) => {
    if (line.startsWith('Question:')) questionAt = i;
  });
  const question =
    questionAt < 0 ? '' : [(lines[questionAt] ?? '').slice('Question:'.length), ...lines.slice(questionAt + 1)].join('\n').trim();
  const passages: Passage[] = [];
  // Like a gullible model, any line shaped like a header starts a passage: rag's
  // `<passage n="1" source="…" heading="…">` and the bare `[1] path:lines · heading`.
  for (const line of questionAt < 0 ? lines : lines.slice(0, questionAt)) {
    const tag = /^<passage n="(\d+)" source="([^"]*)"(?: heading="([^"]*)")?>$/.exec(line);
    const header = tag ? undefined : /^\[(\d+)\] (\S.*)$/.exec(line);
    if (tag) passages.push({ n: Number(tag[1]), label: `${tag[2] ?? ''}${tag[3] ? ` · ${tag[3]}` : ''}`, lines: [] });
    else if (header) passages.push({ n: Number(header[1]), label: header[2] ?? '', lines: [] });
    else if (line !== '</passage>') passages[passages.length - 1]?.lines.push(line);
  }
  return { passages, question };
}

function firstSentence(passage: Passage): string {
  const prose: string[] = [];
  const code: string[] = [];
  let inFence = false;
  for (const line of passage.lines) {
    if (/^\s*(```|~~~)/.test(line)) {
      inFence = !inFence;
      continue;
    }
    if (inFence) code.push(line);
    else if (!/^\s*#{1,6}(\s|$)/.test(line)) prose.push(line);
  }
  const chosen = [prose, code, [passage.label]].map((ls) => ls.join(' ').replace(/\s+/g, ' ').trim()).find((s) => s !== '') ?? '';
  const end = /[.!?](\s|$)/.exec(chosen);
  const sentence = (end ? chosen.slice(0, end.index) : chosen).slice(0, 200).trim();
  return sentence;
}

/**
 * The stub's reply to `rag eval --generate`: a question made of the passage's first
 * content words, so that retrieving it leads back to the passage.
 */
export function draftQuestion(user: string): string {
  const body = user.split(/\n\s*\n/).slice(1).join(' ');
  const words = (body.match(/\p{L}[\p{L}'-]*/gu) ?? []).filter((w) => w.length > 3 && !STOP_WORDS.has(w.toLowerCase()));
  const picked = [...new Set(words.map((w) => w.toLowerCase()))].slice(0, 5);
  return picked.length === 0 ? '' : `What do the documents say about ${picked.join(' ')}?`;
}
