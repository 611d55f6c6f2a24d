/**
 * Eval cases: one JSON object per line (README: "Eval cases"). Parsing is strict, so a
 * typo in a field name cannot quietly turn a check off: a bad line stops the run naming
 * the file, the line and the field.
 */
import { RagError } from '../errors.js';

/** One passage that answers a case: a file, optionally narrowed. */
export interface ExpectedPassage {
  /** As stored in the index (relative to its root, `/` separators), or a trailing part of it. */
  path: string;
  /** 1-based, inclusive; a retrieved passage matches when its lines overlap these. */
  lines?: { start: number; end: number };
  page?: number;
  /** Text the passage must contain (case and runs of whitespace ignored). */
  contains?: string;
}

export interface EvalCase {
  /** Line number in the cases file, for messages and report names. */
  line: number;
  id?: string;
  question: string;
  /** Empty for a question the documents do not answer. */
  expect: ExpectedPassage[];
  answerable: boolean;
  /** Strings the answer must contain (case ignored). */
  mustInclude: string[];
}

const CASE_FIELDS = ['id', 'question', 'expect', 'answerable', 'must_include'];
const EXPECT_FIELDS = ['path', 'lines', 'page', 'contains'];
const HINT = 'fix the case (README: "Eval cases" describes the format)';

type Fail = (field: string, problem: string) => never;

/** Parses a whole cases file. Blank lines are skipped; at least one case is required. */
export function parseCases(text: string, file: string): EvalCase[] {
  const cases: EvalCase[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    if (raw.trim() === '') return;
    cases.push(parseCaseLine(raw, file, i + 1));
  });
  if (cases.length === 0) throw new RagError('usage', `${file} holds no cases`, 'write one JSON object per line, or draft some with rag eval --generate 20');
  return cases;
}

export function parseCaseLine(raw: string, file: string, line: number): EvalCase {
  const fail: Fail = (field, problem) => {
    throw new RagError('usage', `${file}:${line}: ${field ? `field '${field}' ` : ''}${problem}`, HINT);
  };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    fail('', `is not valid JSON (${(err as Error).message})`);
  }
  if (!isObject(value)) return fail('', 'must be a JSON object');
  for (const key of Object.keys(value)) {
    if (!CASE_FIELDS.includes(key)) fail(key, `is unknown (known fields: ${CASE_FIELDS.join(', ')})`);
  }
  const question = value.question;
  if (typeof question !== 'string' || question.trim() === '') return fail('question', 'must be a non-empty string');
  const id = value.id;
  if (id !== undefined && (typeof id !== 'string' || id.trim() === '')) fail('id', 'must be a non-empty string');
  const expectValue = value.expect ?? [];
  if (!Array.isArray(expectValue)) return fail('expect', 'must be a list of {path, lines?, page?, contains?}');
  const expect = expectValue.map((e: unknown, i) => parseExpected(e, `expect[${i}]`, fail));
  const answerable = value.answerable;
  if (answerable !== undefined && typeof answerable !== 'boolean') fail('answerable', 'must be true or false');
  if (answerable === true && expect.length === 0) fail('expect', 'is empty, but answerable is true: name the passages that answer it');
  if (answerable === false && expect.length > 0) fail('expect', 'must be empty when answerable is false');
  const mustInclude = parseStrings(value.must_include, 'must_include', fail);
  if (expect.length === 0 && mustInclude.length > 0) fail('must_include', 'only applies to answerable cases');
  return {
    line,
    ...(typeof id === 'string' ? { id: id.trim() } : {}),
    question: question.trim(),
    expect,
    answerable: expect.length > 0,
    mustInclude,
  };
}

function parseExpected(value: unknown, name: string, fail: Fail): ExpectedPassage {
  if (typeof value === 'string' && value.trim() !== '') return { path: normalizePath(value) };
  if (!isObject(value)) return fail(name, 'must be an object {path, lines?, page?, contains?} or a path');
  for (const key of Object.keys(value)) {
    if (!EXPECT_FIELDS.includes(key)) fail(`${name}.${key}`, `is unknown (known fields: ${EXPECT_FIELDS.join(', ')})`);
  }
  if (typeof value.path !== 'string' || value.path.trim() === '') return fail(`${name}.path`, 'must be a non-empty string');
  const out: ExpectedPassage = { path: normalizePath(value.path) };
  if (value.lines !== undefined) out.lines = parseLines(value.lines, `${name}.lines`, fail);
  if (value.page !== undefined) {
    if (!isPositiveInt(value.page)) fail(`${name}.page`, 'must be a whole number from 1');
    out.page = value.page as number;
  }
  if (value.contains !== undefined) {
    if (typeof value.contains !== 'string' || value.contains.trim() === '') fail(`${name}.contains`, 'must be a non-empty string');
    out.contains = value.contains as string;
  }
  return out;
}

/** `12`, `"12"`, `"12-30"` or `[12, 30]`. */
function parseLines(value: unknown, field: string, fail: Fail): { start: number; end: number } {
  let start: unknown;
  let end: unknown;
  if (typeof value === 'number') start = end = value;
  else if (typeof value === 'string') {
    const m = /^\s*(\d+)\s*(?:[-–]\s*(\d+)\s*)?$/.exec(value);
    if (m) [start, end] = [Number(m[1]), Number(m[2] ?? m[1])];
  } else if (Array.isArray(value) && value.length === 2) [start, end] = value;
  if (!isPositiveInt(start) || !isPositiveInt(end) || (end as number) < (start as number)) {
    return fail(field, 'must be a line or range: 12, "12-30" or [12, 30] (1-based, start <= end)');
  }
  return { start: start as number, end: end as number };
}

function parseStrings(value: unknown, field: string, fail: Fail): string[] {
  if (value === undefined) return [];
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.some((s) => typeof s !== 'string' || s.trim() === '')) {
    return fail(field, 'must be a list of non-empty strings');
  }
  return list as string[];
}

function normalizePath(p: string): string {
  return p.trim().replace(/\\/g, '/').replace(/^(\.\/)+/, '');
}

function isPositiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 1;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A case as one JSONL line, in the documented format (what --generate writes). */
export function caseLine(c: Omit<EvalCase, 'line'>): string {
  const expect = c.expect.map((e) => ({
    path: e.path,
    ...(e.lines ? { lines: e.lines.start === e.lines.end ? `${e.lines.start}` : `${e.lines.start}-${e.lines.end}` } : {}),
    ...(e.page !== undefined ? { page: e.page } : {}),
    ...(e.contains !== undefined ? { contains: e.contains } : {}),
  }));
  return JSON.stringify({
    ...(c.id !== undefined ? { id: c.id } : {}),
    question: c.question,
    expect,
    ...(c.answerable ? {} : { answerable: false }),
    ...(c.mustInclude.length > 0 ? { must_include: c.mustInclude } : {}),
  });
}
