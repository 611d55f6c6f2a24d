import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { DEFAULT_CHUNK_OPTIONS } from '../../src/chunk/chunk.js';
import { parseSource, withTimeLimit } from '../../src/load/document.js';
import { chunkLocated, type LocatedText } from '../../src/load/located.js';
import { NO_TEXT_LAYER } from '../../src/load/pdf.js';
import { makeDocx, makeEncryptedPdf, makeNotebook, makePdf } from '../helpers/documents.js';

async function parsed(bytes: Uint8Array | string, relPath: string): Promise<LocatedText> {
  const r = await parseSource(typeof bytes === 'string' ? Buffer.from(bytes) : bytes, relPath);
  assert.ok(r.ok, `expected ${relPath} to load, got: ${r.ok ? '' : r.reason}`);
  return r.doc;
}

async function skipReason(bytes: Uint8Array | string, relPath: string): Promise<string> {
  const r = await parseSource(typeof bytes === 'string' ? Buffer.from(bytes) : bytes, relPath);
  assert.ok(!r.ok, `expected ${relPath} to be skipped`);
  return r.reason;
}

const lorem = (topic: string, n: number) => Array.from({ length: n }, (_, i) => `Sentence ${i + 1} about ${topic} and nothing else.`);

describe('PDF loader', () => {
  it('cites the page each passage comes from: the answer on page 2 is on page 2', async () => {
    const pdf = await makePdf([
      { lines: ['Introduction', ...lorem('the setup', 6)] },
      { lines: ['Results', 'The ablation used a learning rate of 3e-4.', ...lorem('results', 4)] },
      { lines: ['Conclusion', ...lorem('the end', 5)] },
    ]);
    const doc = await parsed(pdf, 'paper.pdf');
    const chunks = chunkLocated(doc, { chunkSizeChars: 200, chunkOverlapChars: 0 });
    const answer = chunks.find((c) => c.text.includes('learning rate of 3e-4'));
    // The passage may start at the end of page 1: its range must then say so.
    assert.equal(answer?.location?.endPage, 2);
    assert.ok(chunks.some((c) => c.location?.startPage === 2 && c.location.endPage === 2 && c.text.includes('Sentence 4 about results')));
    assert.ok(chunks.some((c) => c.location?.startPage === 3 && c.text.includes('the end')));
    // A passage over a page break says so.
    const whole = chunkLocated(doc, { chunkSizeChars: 20000, chunkOverlapChars: 0 });
    assert.deepEqual(whole[0]?.location, { startPage: 1, endPage: 3 });
  });

  it('turns the outline into heading breadcrumbs, nested entries under their parent', async () => {
    const pdf = await makePdf(
      [
        { lines: ['1 Introduction', ...lorem('motivation', 3)] },
        { lines: ['2 Experiments', ...lorem('the setup', 3), '2.1 Ablations', 'Dropping the cache halves throughput.'] },
      ],
      [{ title: '1 Introduction', page: 1 }, { title: '2 Experiments', page: 2, children: [{ title: '2.1 Ablations', page: 2 }] }],
    );
    const doc = await parsed(pdf, 'paper.pdf');
    const chunks = chunkLocated(doc, { chunkSizeChars: 200, chunkOverlapChars: 0 });
    const ablation = chunks.find((c) => c.text.includes('halves throughput'));
    assert.equal(ablation?.heading, '2 Experiments > 2.1 Ablations');
    assert.equal(ablation?.location?.startPage, 2);
    assert.equal(chunks.find((c) => c.text.includes('motivation'))?.heading, '1 Introduction');
  });

  it('drops running headers and page numbers, keeps two columns apart', async () => {
    const words = ['alpha', 'beta', 'gamma'];
    const pages = [1, 2, 3].map((n) => ({
      columns: [[`Left column on ${words[n - 1]}.`, `More left ${words[n - 1]}.`], [`Right column on ${words[n - 1]}.`, `More right ${words[n - 1]}.`]] as [string[], string[]],
      chrome: { header: 'ACME Journal of Things', pageNumber: n },
    }));
    const doc = await parsed(await makePdf(pages), 'two-column.pdf');
    assert.doesNotMatch(doc.text, /ACME Journal/);
    assert.doesNotMatch(doc.text, /^\s*[123]\s*$/m);
    const left = doc.text.indexOf('More left alpha.');
    const right = doc.text.indexOf('Right column on alpha.');
    assert.ok(left >= 0 && right > left, `columns interleaved:\n${doc.text}`);
  });

  it('rejoins words hyphenated at a line end', async () => {
    const doc = await parsed(await makePdf([{ lines: ['The configu-', 'ration file lives in the home folder.'] }]), 'h.pdf');
    assert.match(doc.text, /The configuration\nfile lives/);
  });

  it('skips an encrypted PDF as encrypted', async () => {
    assert.equal(await skipReason(await makeEncryptedPdf(), 'secret.pdf'), 'encrypted');
  });

  it('skips a PDF without a text layer, saying OCR is not supported', async () => {
    assert.equal(await skipReason(await makePdf([{}, {}]), 'scan.pdf'), NO_TEXT_LAYER);
  });

  it('indexes the pages that have text and says how many had none', async () => {
    const doc = await parsed(await makePdf([{ lines: ['Only this page has text.'] }, {}, {}]), 'mostly-scan.pdf');
    assert.match(doc.text, /Only this page has text/);
    assert.equal(doc.note, '2 of 3 pages have no text layer (scanned?) and were not indexed');
  });

  it('skips a corrupt PDF with the parser\'s reason on one line', async () => {
    const good = await makePdf([{ lines: ['text'] }]);
    const reason = await skipReason(Buffer.concat([Buffer.from(good.subarray(0, 40)), Buffer.from('\n\u0001garbage\u0002\n')]), 'broken.pdf');
    assert.match(reason, /^(?:not a readable PDF|unreadable PDF|no text layer)/);
    assert.doesNotMatch(reason, /\n/);
  });

  it('reads a .pdf that is really a web page as HTML', async () => {
    const doc = await parsed('<!doctype html><html><body><h1 id="top">Saved page</h1><p>Body text.</p></body></html>', 'saved.pdf');
    assert.match(doc.text, /Body text\./);
  });

  it('skips a .pdf that is neither PDF nor HTML', async () => {
    assert.equal(await skipReason('just some words', 'fake.pdf'), 'not a readable PDF: no PDF header');
  });
});

describe('HTML loader', () => {
  const page = `<!doctype html><html><head><title>T</title><style>body{color:red}</style><script>var secret = 1;</script></head>
<body><nav><a href="/">Home</a> | <a href="/docs">Docs</a></nav>
<main><h1 id="guide">User guide</h1><p>Welcome &amp; hello.</p>
<h2 id="install">Install</h2><p>Run the <code>installer</code> twice.</p>
<ul><li>first item</li><li>second item<ul><li>nested</li></ul></li></ul>
<table><tr><th>Option</th><th>Meaning</th></tr><tr><td>--depth</td><td>history depth</td></tr></table>
<pre>line one
  indented line</pre>
<h2>No id here</h2><p>Plain section.</p></main><footer>Copyright chrome</footer></body></html>`;

  it('drops script, style and navigation chrome; keeps lists, tables and pre readable', async () => {
    const doc = await parsed(page, 'page.html');
    for (const gone of ['secret', 'color:red', 'Home', 'Copyright']) assert.doesNotMatch(doc.text, new RegExp(gone));
    assert.match(doc.text, /Welcome & hello\./);
    assert.match(doc.text, /^- first item$/m);
    assert.match(doc.text, /^ {2}- nested$/m);
    assert.match(doc.text, /^Option \| Meaning$/m);
    assert.match(doc.text, /^--depth \| history depth$/m);
    assert.match(doc.text, /```\nline one\n {2}indented line\n```/);
  });

  it('makes h1-h6 breadcrumbs and cites a heading by its id', async () => {
    const chunks = chunkLocated(await parsed(page, 'page.html'), { chunkSizeChars: 200, chunkOverlapChars: 0 });
    const install = chunks.find((c) => c.text.includes('installer'));
    assert.equal(install?.heading, 'User guide > Install');
    assert.equal(install?.location?.anchor, 'install');
    const plain = chunks.find((c) => c.text.includes('Plain section'));
    assert.equal(plain?.heading, 'User guide > No id here');
    assert.equal(plain?.location, undefined);
  });
});

describe('DOCX loader', () => {
  it('keeps headings as breadcrumbs, lists as items and tables as rows', async () => {
    const docx = await makeDocx([
      { heading: { level: 1, text: 'Handbook' }, paragraph: 'Welcome to the team.' },
      { heading: { level: 2, text: 'Expenses' }, paragraph: 'Receipts are due within 30 days.', bullets: ['Travel', 'Meals'] },
      { table: [['Item', 'Limit'], ['Hotel', '150 EUR']] },
    ]);
    const doc = await parsed(docx, 'handbook.docx');
    assert.match(doc.text, /^- Travel$/m);
    assert.match(doc.text, /^Hotel \| 150 EUR$/m);
    const chunks = chunkLocated(doc, { chunkSizeChars: 200, chunkOverlapChars: 0 });
    assert.equal(chunks.find((c) => c.text.includes('Receipts'))?.heading, 'Handbook > Expenses');
    assert.ok(chunks.every((c) => c.location === undefined), 'Word has no stable pages or anchors');
  });

  it('skips a corrupt DOCX with a one-line reason', async () => {
    const reason = await skipReason(Buffer.from('PK\u0003\u0004 truncated zip'), 'broken.docx');
    assert.match(reason, /^not a readable DOCX: /);
    assert.doesNotMatch(reason, /\n/);
  });
});

describe('notebook loader', () => {
  it('reads markdown and code cells with text outputs, cited by cell', async () => {
    const nb = makeNotebook([
      { type: 'markdown', source: '# Analysis\n\nWe load the data.' },
      { type: 'code', source: 'df = load("sales.csv")\nprint(df.shape)', output: '(120, 4)\n' },
      { type: 'markdown', source: '## Findings\n\nSales doubled in March.' },
    ]);
    const doc = await parsed(nb, 'analysis.ipynb');
    const chunks = chunkLocated(doc, { chunkSizeChars: 200, chunkOverlapChars: 0 });
    const code = chunks.find((c) => c.text.includes('sales.csv'));
    assert.match(code?.text ?? '', /```python/);
    assert.match(code?.text ?? '', /\(120, 4\)/);
    const findings = chunks.find((c) => c.text.includes('doubled'));
    assert.equal(findings?.heading, 'Analysis > Findings');
    assert.deepEqual(findings?.location, { startCell: 3, endCell: 3 });
  });

  it('skips a notebook that is not JSON with the parser\'s reason', async () => {
    assert.match(await skipReason('{"cells": [', 'broken.ipynb'), /^not a readable notebook: /);
  });
});

describe('withTimeLimit', () => {
  it('gives up on a parse that does not finish, and tells it to stop', async () => {
    let stopped = false;
    const r = await withTimeLimit(20, (signal) => new Promise<{ ok: true }>(() => signal.addEventListener('abort', () => (stopped = true))));
    assert.deepEqual(r, { ok: false, reason: 'took longer than 20 ms to read (time limit)' });
    assert.ok(stopped);
  });
});

describe('chunk defaults', () => {
  it('a document loader result chunks with the default options', async () => {
    const doc = await parsed('<h1>A</h1><p>b</p>', 'x.html');
    assert.equal(chunkLocated(doc, DEFAULT_CHUNK_OPTIONS)[0]?.heading, 'A');
  });
});

describe('content over extension', () => {
  it('reads a PDF saved under another name as a PDF', async () => {
    const doc = await parsed(await makePdf([{ lines: ['A PDF under a .txt name.'] }]), 'misnamed.txt');
    assert.match(doc.text, /A PDF under a \.txt name\./);
    assert.ok(doc.pages, 'read by the PDF loader, with pages');
  });

  it('keeps a text file that merely mentions a PDF header as text', async () => {
    const doc = await parsed('# PDF notes\n\nA PDF starts with %PDF-1.7 on its first line.\n', 'notes.md');
    assert.equal(doc.chunker, 'markdown');
    assert.equal(doc.pages, undefined);
  });
});
