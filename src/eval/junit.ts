/**
 * JUnit XML, the test-report format GitHub Actions (via report actions), GitLab and
 * Jenkins display: one <testsuite> per configuration, one <testcase> per question.
 */

export interface JunitCase {
  name: string;
  classname: string;
  timeMs: number;
  failure?: { message: string; details: string };
  /** Shown by most viewers next to the case: the answer, the retrieved sources. */
  output?: string;
}

export interface JunitSuite {
  name: string;
  timeMs: number;
  cases: JunitCase[];
  properties?: Record<string, string>;
}

/** XML 1.0 cannot carry most control characters even escaped: they are dropped. */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function escapeXml(text: string): string {
  return text
    .replace(NOT_XML_CHAR, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}

function attrs(values: Record<string, string | number>): string {
  return Object.entries(values).map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`).join('');
}

function testcase(c: JunitCase): string {
  const head = `    <testcase${attrs({ name: c.name, classname: c.classname, time: seconds(c.timeMs) })}`;
  const body: string[] = [];
  if (c.failure) body.push(`      <failure${attrs({ message: c.failure.message, type: 'EvalFailure' })}>${escapeXml(c.failure.details)}</failure>`);
  if (c.output) body.push(`      <system-out>${escapeXml(c.output)}</system-out>`);
  return body.length === 0 ? `${head}/>` : `${head}>\n${body.join('\n')}\n    </testcase>`;
}

export function junitXml(suites: JunitSuite[]): string {
  const tests = suites.reduce((n, s) => n + s.cases.length, 0);
  const failures = suites.reduce((n, s) => n + s.cases.filter((c) => c.failure).length, 0);
  const time = suites.reduce((n, s) => n + s.timeMs, 0);
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites${attrs({ name: 'rag eval', tests, failures, errors: 0, time: seconds(time) })}>`];
  for (const s of suites) {
    const failed = s.cases.filter((c) => c.failure).length;
    lines.push(`  <testsuite${attrs({ name: s.name, tests: s.cases.length, failures: failed, errors: 0, skipped: 0, time: seconds(s.timeMs) })}>`);
    const props = Object.entries(s.properties ?? {});
    if (props.length > 0) {
      lines.push('    <properties>');
      for (const [name, value] of props) lines.push(`      <property${attrs({ name, value })}/>`);
      lines.push('    </properties>');
    }
    for (const c of s.cases) lines.push(testcase(c));
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}
