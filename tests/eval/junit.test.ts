import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeXml, junitXml } from '../../src/eval/junit.js';

/** Well-formedness as far as JUnit needs it: balanced tags, quoted attributes, only the five entities. */
function assertWellFormed(xml: string): void {
  const body = xml.replace(/^<\?xml [^?]*\?>\n/, '');
  const stack: string[] = [];
  const rest = body.replace(/<(\/?)([A-Za-z-]+)((?:\s+[a-z_]+="[^"<]*")*)\s*(\/?)>/g, (_m, close: string, name: string, _attrs: string, self: string) => {
    if (close) assert.equal(stack.pop(), name, `unbalanced </${name}>`);
    else if (!self) stack.push(name);
    return '';
  });
  assert.deepEqual(stack, [], 'unclosed elements');
  assert.doesNotMatch(rest, /</, 'a stray < outside a tag');
  assert.doesNotMatch(rest, /&(?!(amp|lt|gt|quot|apos);)/, 'a bare &');
}

describe('JUnit XML', () => {
  it('escapes < & " \' > and drops characters XML cannot carry', () => {
    assert.equal(escapeXml(`a<b & "c" 'd' > e\u0001\u001b`), 'a&lt;b &amp; &quot;c&quot; &apos;d&apos; &gt; e');
  });

  const xml = junitXml([
    {
      name: 'rag eval (k=6)',
      timeMs: 1234,
      properties: { top_k: '6' },
      cases: [
        { name: 'Is <b> & "c" escaped?', classname: 'rag eval.k=6', timeMs: 5 },
        { name: 'fails', classname: 'rag eval.k=6', timeMs: 7, failure: { message: 'no <expected> passage', details: 'expected: a.md & b.md\nretrieved: 1. c.md' }, output: 'answer </system-out>' },
      ],
    },
  ]);

  it('is well formed, with the counts CI viewers read', () => {
    assertWellFormed(xml);
    assert.match(xml, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="rag eval" tests="2" failures="1" errors="0" time="1\.234">/);
    assert.match(xml, /<testsuite name="rag eval \(k=6\)" tests="2" failures="1" errors="0" skipped="0" time="1\.234">/);
    assert.match(xml, /<property name="top_k" value="6"\/>/);
  });

  it('escapes a question with <&" in its name, and failure text and output', () => {
    assert.match(xml, /<testcase name="Is &lt;b&gt; &amp; &quot;c&quot; escaped\?" classname="rag eval.k=6" time="0\.005"\/>/);
    assert.match(xml, /<failure message="no &lt;expected&gt; passage" type="EvalFailure">expected: a\.md &amp; b\.md\nretrieved: 1\. c\.md<\/failure>/);
    assert.match(xml, /<system-out>answer &lt;\/system-out&gt;<\/system-out>/);
  });
});
