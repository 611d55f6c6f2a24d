/**
 * A deterministic synthetic corpus for the benchmark: Markdown documents (front matter,
 * nested headings, wrapped and unwrapped paragraphs, nested bullet and numbered lists,
 * fenced code blocks, quotes, tables) plus TypeScript and Python sources, spread over
 * nested folders. The same flags give the same bytes on every machine, so results can be
 * compared; the digest printed with them says so.
 *
 *   node dist/bench/generate-corpus.js --out DIR [--files 3000] [--size-mb 30] [--seed 1]
 *
 * Nothing here is committed: the benchmark generates into a temp folder each run.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { isMain } from '../tests/helpers/is-main.js';

// ---------------------------------------------------------------------------------------------
// Randomness: a small seeded PRNG (mulberry32) so output never depends on Math.random.

export class Rng {
  private state: number;

  constructor(seed: number) {
    // Mix the seed so that seeds 1, 2, 3 do not start from neighbouring states.
    let h = 0x9e3779b9 ^ seed;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    this.state = (h ^ (h >>> 16)) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  /** Standard normal (Box-Muller), for log-normal file sizes. */
  normal(): number {
    const u = Math.max(this.next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
}

// ---------------------------------------------------------------------------------------------
// Vocabulary: real technical words first (the frequent ones), then pronounceable made-up words,
// a few thousand in all. Words are drawn with a Zipf-like (log-uniform rank) distribution, so a
// handful are everywhere and most are rare, as in real text: that is what makes retrieval and
// the stub's bag-of-words embeddings behave like they do on real documents.

const COMMON = (
  'the of and to in is for that with on as by this be are from or it an can at which you your not if when ' +
  'data file index model server request response query search result passage chunk vector embedding token ' +
  'config option setting value default user client service cache table column row field record key store ' +
  'build test deploy release version update install upgrade remove delete create read write open close start ' +
  'stop run start process thread worker queue batch stream buffer memory disk network host port path folder ' +
  'error warning failure retry timeout limit size length count number time date name type kind status state ' +
  'event handler callback promise async function method class object array string integer boolean schema ' +
  'document section heading paragraph list item code block example note tip guide reference api endpoint ' +
  'route header body payload format parse render output input log trace metric monitor alert backup restore ' +
  'permission role account token secret password credential policy access network proxy certificate domain ' +
  'cluster node replica shard partition commit transaction lock conflict merge branch tag history change ' +
  'feature bug fix issue support performance latency throughput scale load balance storage bucket object ' +
  'image container volume mount environment variable flag argument command script shell terminal editor ' +
  'plugin extension module package dependency library framework runtime compiler interpreter language ' +
  'should must may will would could also then first next last each every some many more most other only ' +
  'new old large small fast slow simple complex local remote public private internal external primary ' +
  'secondary manual automatic optional required valid invalid empty full partial complete ready pending'
).split(' ');

const ONSETS = ['b', 'br', 'c', 'ch', 'cl', 'd', 'dr', 'f', 'fl', 'g', 'gr', 'h', 'j', 'k', 'l', 'm', 'n', 'p', 'pl', 'pr', 'qu', 'r', 's', 'sh', 'sk', 'sl', 'st', 't', 'th', 'tr', 'v', 'w', 'z'];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ai', 'ea', 'io', 'ou', 'y'];
const CODAS = ['', '', 'n', 'r', 'l', 's', 't', 'm', 'nd', 'rk', 'st', 'x', 'ng'];

export function buildVocabulary(size: number, seed: number): string[] {
  const rng = new Rng(seed ^ 0x5eed);
  const words = [...new Set(COMMON)];
  const seen = new Set(words);
  // Bounded: the syllable space is large, but a bad size must not spin forever.
  for (let attempts = 0; words.length < size && attempts < size * 50; attempts++) {
    const syllables = rng.int(2, 4);
    let w = '';
    for (let s = 0; s < syllables; s++) w += rng.pick(ONSETS) + rng.pick(VOWELS) + (s === syllables - 1 ? rng.pick(CODAS) : '');
    if (w.length >= 4 && w.length <= 14 && !seen.has(w)) {
      seen.add(w);
      words.push(w);
    }
  }
  return words;
}

/** Writes prose and code from one vocabulary and one PRNG. */
export class TextMaker {
  constructor(
    readonly rng: Rng,
    private readonly vocab: readonly string[],
  ) {}

  word(): string {
    // Log-uniform rank: P(rank r) ~ 1/r, i.e. Zipf with s = 1.
    const rank = Math.floor(Math.exp(this.rng.next() * Math.log(this.vocab.length + 1))) - 1;
    return this.vocab[Math.min(rank, this.vocab.length - 1)] ?? 'data';
  }

  /** A rarer word, for names and titles (skips the top of the distribution). */
  nameWord(): string {
    return this.vocab[this.rng.int(40, this.vocab.length - 1)] ?? 'widget';
  }

  identifier(style: 'camel' | 'snake'): string {
    const parts = [this.nameWord(), this.nameWord()];
    if (this.rng.chance(0.4)) parts.push(this.nameWord());
    if (style === 'snake') return parts.join('_');
    return parts.map((p, i) => (i === 0 ? p : p[0]!.toUpperCase() + p.slice(1))).join('');
  }

  title(words = this.rng.int(2, 6)): string {
    const list: string[] = [];
    for (let i = 0; i < words; i++) list.push(this.nameWord());
    const t = list.join(' ');
    return t[0]!.toUpperCase() + t.slice(1);
  }

  sentence(): string {
    const n = this.rng.int(6, 20);
    const parts: string[] = [];
    for (let i = 0; i < n; i++) {
      let w = this.word();
      const roll = this.rng.next();
      if (roll < 0.03) w = `\`${this.identifier('camel')}()\``;
      else if (roll < 0.045) w = `[${this.nameWord()}](${this.nameWord()}.md)`;
      else if (roll < 0.06) w = `**${w}**`;
      parts.push(w);
      if (i < n - 1 && this.rng.chance(0.07)) parts[parts.length - 1] += ',';
    }
    const s = parts.join(' ');
    return s[0]!.toUpperCase() + s.slice(1) + (this.rng.chance(0.06) ? '?' : '.');
  }

  paragraph(wrap: number | undefined): string {
    const sentences: string[] = [];
    const n = this.rng.int(2, 7);
    for (let i = 0; i < n; i++) sentences.push(this.sentence());
    return wrap === undefined ? sentences.join(' ') : wrapText(sentences.join(' '), wrap);
  }

  list(depth = 0): string {
    const lines: string[] = [];
    const ordered = this.rng.chance(0.3);
    const n = this.rng.int(2, 7);
    const indent = '  '.repeat(depth);
    for (let i = 0; i < n; i++) {
      const marker = ordered ? `${i + 1}.` : '-';
      const words: string[] = [];
      const len = this.rng.int(3, 16);
      for (let k = 0; k < len; k++) words.push(this.word());
      lines.push(`${indent}${marker} ${words.join(' ')}`);
      if (depth < 2 && this.rng.chance(0.15)) lines.push(this.list(depth + 1));
    }
    return lines.join('\n');
  }

  codeBlock(): string {
    const lang = this.rng.pick(['ts', 'bash', 'json', 'python', 'yaml', '']);
    const lines: string[] = [];
    const n = this.rng.int(3, 18);
    for (let i = 0; i < n; i++) {
      switch (lang) {
        case 'bash':
          lines.push(`${this.rng.pick(['rag', 'npm', 'curl', 'git', 'docker'])} ${this.nameWord()} --${this.nameWord()} ${this.word()}`);
          break;
        case 'json':
          lines.push(`  "${this.identifier('camel')}": ${this.rng.chance(0.5) ? this.rng.int(0, 9999) : `"${this.word()}"`},`);
          break;
        case 'yaml':
          lines.push(`${'  '.repeat(this.rng.int(0, 2))}${this.identifier('snake')}: ${this.word()}`);
          break;
        case 'python':
          lines.push(`${'    '.repeat(this.rng.int(0, 2))}${this.identifier('snake')} = ${this.identifier('snake')}(${this.rng.int(0, 99)})`);
          break;
        default:
          lines.push(`${'  '.repeat(this.rng.int(0, 2))}const ${this.identifier('camel')} = ${this.identifier('camel')}(${this.rng.int(0, 99)});`);
      }
    }
    if (lang === 'json') return ['```json', '{', ...lines, '}', '```'].join('\n');
    return [`\`\`\`${lang}`, ...lines, '```'].join('\n');
  }

  table(): string {
    const cols = this.rng.int(2, 4);
    const head = Array.from({ length: cols }, () => this.nameWord());
    const rows = [`| ${head.join(' | ')} |`, `|${' --- |'.repeat(cols)}`];
    for (let r = this.rng.int(2, 6); r > 0; r--) rows.push(`| ${Array.from({ length: cols }, () => this.word()).join(' | ')} |`);
    return rows.join('\n');
  }
}

function wrapText(text: string, width: number): string {
  const out: string[] = [];
  let line = '';
  for (const w of text.split(' ')) {
    if (line !== '' && line.length + 1 + w.length > width) {
      out.push(line);
      line = w;
    } else line = line === '' ? w : `${line} ${w}`;
  }
  if (line !== '') out.push(line);
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Documents.

/** A document grows block by block until it reaches its size; stopping about half a block early keeps the total on target. */
const OVERSHOOT = 200;

function markdownDoc(t: TextMaker, targetBytes: number): string {
  const { rng } = t;
  // Half the files wrap prose at 80 columns, half keep a paragraph on one line (both are common).
  const wrap = rng.chance(0.5) ? 80 : undefined;
  const blocks: string[] = [];
  let size = 0;
  const add = (b: string) => {
    blocks.push(b);
    size += b.length + 2;
  };
  if (rng.chance(0.2)) add(`---\ntitle: ${t.title()}\ntags: [${t.nameWord()}, ${t.nameWord()}]\n---`);
  add(`# ${t.title()}`);
  add(t.paragraph(wrap));
  // Bounded by size, and by a block count so a tiny target cannot loop on nothing.
  for (let guard = 0; size < targetBytes - OVERSHOOT && guard < 100_000; guard++) {
    const roll = rng.next();
    if (roll < 0.1) add(`## ${t.title()}`);
    else if (roll < 0.17) add(`### ${t.title()}`);
    else if (roll < 0.19) add(`#### ${t.title()}`);
    else if (roll < 0.6) add(t.paragraph(wrap));
    else if (roll < 0.75) add(t.list());
    else if (roll < 0.88) add(t.codeBlock());
    else if (roll < 0.94) add(`> ${t.sentence()} ${t.sentence()}`);
    else add(t.table());
  }
  return `${blocks.join('\n\n')}\n`;
}

function typescriptDoc(t: TextMaker, targetBytes: number): string {
  const { rng } = t;
  const parts: string[] = [`/**\n * ${t.sentence()}\n * ${t.sentence()}\n */`];
  const imports: string[] = [];
  for (let i = rng.int(1, 4); i > 0; i--) imports.push(`import { ${t.identifier('camel')} } from './${t.nameWord()}.js';`);
  parts.push(imports.join('\n'));
  let size = parts.join('\n').length;
  for (let guard = 0; size < targetBytes - OVERSHOOT && guard < 100_000; guard++) {
    const name = t.identifier('camel');
    const body: string[] = [];
    for (let i = rng.int(2, 12); i > 0; i--) {
      if (rng.chance(0.2)) body.push(`  // ${t.sentence()}`);
      body.push(`  const ${t.identifier('camel')} = ${t.identifier('camel')}(${t.identifier('camel')}, ${rng.int(0, 999)});`);
    }
    const block = rng.chance(0.2)
      ? `export interface ${name[0]!.toUpperCase()}${name.slice(1)} {\n  /** ${t.sentence()} */\n  ${t.identifier('camel')}: string;\n  ${t.identifier('camel')}?: number;\n}`
      : `/** ${t.sentence()} */\nexport function ${name}(${t.identifier('camel')}: string): number {\n${body.join('\n')}\n  return ${rng.int(0, 99)};\n}`;
    parts.push(block);
    size += block.length + 2;
  }
  return `${parts.join('\n\n')}\n`;
}

function pythonDoc(t: TextMaker, targetBytes: number): string {
  const { rng } = t;
  const parts: string[] = [`"""${t.sentence()}\n\n${t.paragraph(72)}\n"""`, `import ${t.nameWord()}\nfrom ${t.nameWord()} import ${t.identifier('snake')}`];
  let size = parts.join('\n').length;
  for (let guard = 0; size < targetBytes - OVERSHOOT && guard < 100_000; guard++) {
    const body: string[] = [`    """${t.sentence()}"""`];
    for (let i = rng.int(2, 12); i > 0; i--) {
      if (rng.chance(0.2)) body.push(`    # ${t.sentence()}`);
      body.push(`    ${t.identifier('snake')} = ${t.identifier('snake')}(${t.identifier('snake')}, ${rng.int(0, 999)})`);
    }
    body.push(`    return ${rng.int(0, 99)}`);
    const block = `def ${t.identifier('snake')}(${t.identifier('snake')}):\n${body.join('\n')}`;
    parts.push(block);
    size += block.length + 2;
  }
  return `${parts.join('\n\n\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// The corpus.

export interface CorpusOptions {
  files: number;
  sizeMb: number;
  seed: number;
}

export interface CorpusFile {
  relPath: string;
  bytes: number;
}

export interface GeneratedCorpus {
  dir: string;
  files: CorpusFile[];
  totalBytes: number;
  /** sha256 over paths and contents: equal digests mean byte-identical corpora. */
  digest: string;
  generateMs: number;
}

const TOP_FOLDERS = ['docs', 'guides', 'reference', 'api', 'notes', 'handbook', 'src', 'examples', 'design', 'runbooks'];
/** No single file may approach rag's default --max-file-size (5 MB), or it would be skipped. */
const MAX_FILE_BYTES = 2 * 1024 * 1024;

export function generateCorpus(dir: string, options: CorpusOptions): GeneratedCorpus {
  const started = performance.now();
  const { files: count, sizeMb, seed } = options;
  if (!(count >= 1) || !(sizeMb > 0)) throw new Error('generateCorpus: --files must be >= 1 and --size-mb > 0');
  const rng = new Rng(seed);
  const t = new TextMaker(rng, buildVocabulary(4000, seed));

  // Folders: a few top-level ones, each with nested subfolders up to three levels deep.
  const folders: string[] = [];
  for (const top of TOP_FOLDERS) {
    folders.push(top);
    for (let i = rng.int(1, 4); i > 0; i--) {
      const sub = `${top}/${t.nameWord()}`;
      folders.push(sub);
      for (let k = rng.int(0, 3); k > 0; k--) {
        const deep = `${sub}/${t.nameWord()}-${t.nameWord()}`;
        folders.push(deep);
        if (rng.chance(0.3)) folders.push(`${deep}/${t.nameWord()}`);
      }
    }
  }
  const uniqueFolders = [...new Set(folders)];

  // Sizes: log-normal (a few large files, many small ones), scaled to the requested total.
  const totalBytes = Math.round(sizeMb * 1024 * 1024);
  const weights = Array.from({ length: count }, () => Math.exp(0.8 * rng.normal()));
  const weightSum = weights.reduce((a, b) => a + b, 0);
  const targets = weights.map((w) => Math.min(MAX_FILE_BYTES, Math.max(200, Math.round((w / weightSum) * totalBytes))));

  const hash = createHash('sha256');
  const out: CorpusFile[] = [];
  const made = new Set<string>();
  let written = 0;
  for (let i = 0; i < count; i++) {
    const roll = rng.next();
    const kind = roll < 0.8 ? 'md' : roll < 0.9 ? 'ts' : 'py';
    // Sources live under src/ and examples/, prose everywhere else.
    const candidates = uniqueFolders.filter((f) => (kind === 'md') !== (f.startsWith('src') || f.startsWith('examples')));
    const folder = rng.pick(candidates.length > 0 ? candidates : uniqueFolders);
    const relPath = `${folder}/${t.nameWord()}-${t.nameWord()}-${i}.${kind}`;
    const target = targets[i] ?? 1000;
    const text = kind === 'md' ? markdownDoc(t, target) : kind === 'ts' ? typescriptDoc(t, target) : pythonDoc(t, target);
    const abs = path.join(dir, relPath);
    const parent = path.dirname(abs);
    if (!made.has(parent)) {
      mkdirSync(parent, { recursive: true });
      made.add(parent);
    }
    writeFileSync(abs, text);
    hash.update(relPath).update('\0').update(text).update('\0');
    const bytes = Buffer.byteLength(text);
    written += bytes;
    out.push({ relPath, bytes });
  }
  return { dir, files: out, totalBytes: written, digest: hash.digest('hex').slice(0, 16), generateMs: performance.now() - started };
}

// ---------------------------------------------------------------------------------------------
// Edits: change one paragraph in each of a few files, as a user editing docs would.

export interface FileEdit {
  relPath: string;
  before: string;
  after: string;
}

const NOT_PROSE = /^\s*(#|[-*+] |\d+[.)] |>|\||```|~~~|---|title:|tags:)/;

/**
 * Replaces one prose paragraph (Markdown) or one comment line (code) in `count` files picked
 * with `seed`, writing them in place. Files with nothing to change get a paragraph appended.
 */
export function editFiles(dir: string, relPaths: readonly string[], count: number, seed: number): FileEdit[] {
  const rng = new Rng(seed);
  const t = new TextMaker(rng, buildVocabulary(4000, seed));
  const pool = [...relPaths];
  const edits: FileEdit[] = [];
  for (let i = 0; i < count && pool.length > 0; i++) {
    const relPath = pool.splice(rng.int(0, pool.length - 1), 1)[0]!;
    const abs = path.join(dir, relPath);
    const before = readFileSync(abs, 'utf8');
    const lines = before.split('\n');
    const isCode = !/\.(md|markdown|mdx|txt|rst|adoc)$/i.test(relPath);
    let after: string | undefined;
    if (isCode) {
      const comments = lines.map((l, k) => (/^\s*(\/\/|#(?!!)|\/\*\*? )/.test(l) ? k : -1)).filter((k) => k >= 0);
      if (comments.length > 0) {
        const k = rng.pick(comments);
        const line = lines[k]!;
        const lead = /^\s*(\/\/|#|\/\*\*?)\s?/.exec(line)?.[0] ?? '// ';
        lines[k] = `${lead}${t.sentence()}${line.trimEnd().endsWith('*/') ? ' */' : ''}`;
        after = lines.join('\n');
      }
    } else {
      // Paragraphs: runs of prose lines outside fences.
      const paragraphs: Array<[number, number]> = [];
      let inFence = false;
      let start = -1;
      lines.forEach((l, k) => {
        if (/^\s*(```|~~~)/.test(l)) inFence = !inFence;
        const prose = !inFence && l.trim() !== '' && !NOT_PROSE.test(l) && !/^\s*(```|~~~)/.test(l);
        if (prose && start < 0) start = k;
        if (!prose && start >= 0) {
          paragraphs.push([start, k - 1]);
          start = -1;
        }
      });
      if (start >= 0) paragraphs.push([start, lines.length - 1]);
      if (paragraphs.length > 0) {
        const [a, b] = rng.pick(paragraphs);
        const wrapped = lines.slice(a, b + 1).length > 1 || (lines[a]?.length ?? 0) <= 80;
        lines.splice(a, b - a + 1, ...t.paragraph(wrapped ? 80 : undefined).split('\n'));
        after = lines.join('\n');
      }
    }
    after ??= `${before}\n${t.paragraph(80)}\n`;
    writeFileSync(abs, after);
    edits.push({ relPath, before, after });
  }
  return edits;
}

// ---------------------------------------------------------------------------------------------

if (isMain(import.meta.url)) {
  const { values } = parseArgs({
    strict: true,
    options: {
      out: { type: 'string' },
      files: { type: 'string', default: '3000' },
      'size-mb': { type: 'string', default: '30' },
      seed: { type: 'string', default: '1' },
    },
  });
  if (!values.out) {
    process.stderr.write('usage: generate-corpus --out DIR [--files 3000] [--size-mb 30] [--seed 1]\n');
    process.exitCode = 2;
  } else {
    const c = generateCorpus(path.resolve(values.out), { files: Number(values.files), sizeMb: Number(values['size-mb']), seed: Number(values.seed) });
    process.stdout.write(`${c.files.length} files, ${(c.totalBytes / 1048576).toFixed(1)} MB in ${c.dir} (${Math.round(c.generateMs)} ms, digest ${c.digest})\n`);
  }
}
