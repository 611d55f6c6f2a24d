/** The benchmark's report: rows for the table, targets for PASS/FAIL, everything also in the JSON. */

/**
 * Past this many passages an index counts as large (the scaling issue's 30,000-file, 300 MB
 * corpus): its budgets are 0.4 s for a cold search, 500 MB for indexing, 3 s to re-index.
 */
export const LARGE_INDEX_CHUNKS = 150_000;

export interface Row {
  label: string;
  value: string;
  target?: string;
  pass?: boolean;
}

export interface TargetResult {
  id: string;
  description: string;
  value: number | null;
  unit: string;
  target: string;
  pass: boolean | null;
  note?: string;
}

export class Report {
  readonly sections: Array<{ title: string; rows: Row[] }> = [];
  readonly targets: TargetResult[] = [];
  /** Set once rag had to be run with a workaround: every later section title carries it. */
  workaround: string | undefined;

  section(title: string): void {
    this.sections.push({ title: this.workaround ? `${title}  [with ${this.workaround.split(' (')[0]}]` : title, rows: [] });
    process.stderr.write(`· ${title}\n`);
  }

  row(label: string, value: string): void {
    this.sections[this.sections.length - 1]?.rows.push({ label, value });
  }

  /** A row checked against a target; `pass` null means not applicable (shown as n/a). */
  check(t: TargetResult & { label: string; shown: string }): void {
    const { label, shown, ...target } = t;
    this.targets.push(target);
    this.sections[this.sections.length - 1]?.rows.push({ label, value: shown, target: t.target, ...(t.pass === null ? {} : { pass: t.pass }) });
  }

  render(): string {
    const widths = [48, 30, 14];
    const line = (cells: string[]) => cells.map((c, i) => (i < widths.length ? c.padEnd(widths[i]!) : c)).join(' ').trimEnd();
    const out: string[] = [line(['Metric', 'Value', 'Target', 'Result']), '-'.repeat(100)];
    for (const s of this.sections) {
      out.push(s.title);
      for (const r of s.rows) {
        const result = r.target === undefined ? '' : r.pass === undefined ? 'n/a' : r.pass ? 'PASS' : 'FAIL';
        out.push(line([`  ${r.label}`, r.value, r.target ?? '', result]));
      }
    }
    const judged = this.targets.filter((t) => t.pass !== null);
    const passed = judged.filter((t) => t.pass).length;
    out.push('-'.repeat(100), `Targets: ${passed}/${judged.length} pass${judged.length > passed ? ` — FAIL: ${judged.filter((t) => !t.pass).map((t) => t.id).join(', ')}` : ''}`);
    return `${out.join('\n')}\n`;
  }
}

export function ms(v: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  return v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`;
}

/** min–max of a few runs, so a noisy one shows without taking a column of its own. */
export function spread(values: readonly number[], fmt: (v: number) => string = ms): string {
  if (values.length < 2) return '';
  return ` (${fmt(Math.min(...values))}–${fmt(Math.max(...values))})`;
}

export function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function int(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a';
}

export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
