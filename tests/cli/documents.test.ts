/**
 * Real documents end to end, through the built CLI against the Ollama stub: a mixed folder of
 * Markdown, PDF, DOCX, HTML and a notebook, plus the bad files people have lying around.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startStub, type Stub } from '../ollama-stub/server.js';
import { makeTempDir } from '../helpers/paths.js';
import { spawnRag, type SpawnResult } from '../helpers/spawn-rag.js';
import { makeDocx, makeEncryptedPdf, makeNotebook, makePdf } from '../helpers/documents.js';

const filler = (topic: string, n: number) => Array.from({ length: n }, (_, i) => `Line ${i + 1} of the ${topic} discussion goes here.`);

async function writeMixedFolder(dir: string): Promise<void> {
  mkdirSync(path.join(dir, 'docs'));
  const at = (name: string) => path.join(dir, 'docs', name);
  writeFileSync(at('notes.md'), '# Notes\n\nThe office plants need water on Mondays.\n');
  writeFileSync(at('paper.pdf'), await makePdf(
    [
      { lines: ['1 Introduction', ...filler('introduction', 30)] },
      { lines: ['2 Experiments', 'The ablation used a learning rate of 0.0003 for every run.', ...filler('experiment', 30)] },
      { lines: ['3 Conclusion', ...filler('conclusion', 30)] },
    ],
    [{ title: '1 Introduction', page: 1 }, { title: '2 Experiments', page: 2 }, { title: '3 Conclusion', page: 3 }],
  ));
  writeFileSync(at('handbook.docx'), await makeDocx([
    { heading: { level: 1, text: 'Handbook' }, paragraph: `Welcome aboard. ${filler('welcome', 6).join(' ')}` },
    { heading: { level: 2, text: 'Expenses' }, paragraph: 'Expense receipts must be filed within thirty days.', bullets: ['Travel', 'Meals'] },
  ]));
  writeFileSync(at('site.html'), '<html><body><nav>Menu</nav><h1 id="setup">Setup</h1><p>Install the gadget driver first.</p></body></html>');
  writeFileSync(at('analysis.ipynb'), makeNotebook([{ type: 'markdown', source: '# Sales\n\nSales of sprockets doubled in March.' }]));
  writeFileSync(at('secret.pdf'), await makeEncryptedPdf());
  writeFileSync(at('scan.pdf'), await makePdf([{}, {}]));
  writeFileSync(at('broken.docx'), 'PK\u0003\u0004 this zip ends here');
  writeFileSync(at('broken.ipynb'), '{"cells": [');
}

describe('documents end to end (rag as a process)', () => {
  let stub: Stub;
  let t: ReturnType<typeof makeTempDir>;
  let env: Record<string, string>;
  let first: SpawnResult;
  const rag = (args: string[]) => spawnRag(args, { cwd: t.dir, env });

  before(async () => {
    stub = await startStub();
    t = makeTempDir();
    env = { OLLAMA_HOST: stub.url, RAG_DB: path.join(t.dir, 'db') };
    await writeMixedFolder(t.dir);
    first = await rag(['index', '--verbose', 'docs']);
  });

  after(async () => {
    t.cleanup();
    await stub.close();
  });

  it('indexes the mixed folder and lists every bad file with its reason', () => {
    assert.equal(first.code, 0, first.stderr);
    const skipped = new Map([...first.stderr.matchAll(/^skipped (\S+): (.*)$/gm)].map((m) => [m[1], m[2]]));
    assert.equal(skipped.get('docs/secret.pdf'), 'encrypted');
    assert.equal(skipped.get('docs/scan.pdf'), 'no text layer (scanned?) — OCR is not supported');
    assert.match(skipped.get('docs/broken.docx') ?? '', /^not a readable DOCX: /);
    assert.match(skipped.get('docs/broken.ipynb') ?? '', /^not a readable notebook: /);
    assert.match(first.stderr, /Indexed 9 files .*: 5 new, 0 changed, 0 unchanged, 0 removed, 4 skipped/);
  });

  it('rag ask cites the PDF by page and its outline heading', async () => {
    const res = await rag(['ask', 'What learning rate did the ablation use?']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /0\.0003/);
    assert.match(res.stdout, /^ {2}\[\d+\] docs\/paper\.pdf p\. 2 · 2 Experiments$/m);
  });

  it('rag ask cites the DOCX by its heading path', async () => {
    const res = await rag(['ask', 'When must expense receipts be filed?']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^ {2}\[\d+\] docs\/handbook\.docx · Handbook > Expenses$/m);
  });

  it('rag search --json has the page fields and a location a viewer opens', async () => {
    const res = await rag(['search', '--json', 'ablation learning rate']);
    assert.equal(res.code, 0, res.stderr);
    const doc = JSON.parse(res.stdout) as { results: Array<Record<string, unknown>> };
    const hit = doc.results.find((r) => r.path === 'docs/paper.pdf' && String(r.text).includes('0.0003'));
    assert.ok(hit, res.stdout);
    assert.equal(hit.start_page, 2);
    assert.equal(hit.end_page, 2);
    assert.equal(hit.location, 'docs/paper.pdf#page=2');
    assert.equal(hit.heading, '2 Experiments');
    const md = doc.results.find((r) => r.path === 'docs/notes.md');
    if (md) assert.equal(md.start_page, null);
  });

  it('HTML passages are cited by anchor, notebook passages by cell', async () => {
    const html = await rag(['search', 'gadget driver']);
    assert.match(html.stdout, /docs\/site\.html#setup · Setup/);
    assert.doesNotMatch(html.stdout, /Menu/);
    const nb = await rag(['search', 'sprockets doubled']);
    assert.match(nb.stdout, /docs\/analysis\.ipynb cell 1 · Sales/);
  });

  it('rag status shows files per format', async () => {
    const res = await rag(['status', '--json']);
    const doc = JSON.parse(res.stdout) as { index: { files_by_format: Record<string, number> } };
    assert.deepEqual(doc.index.files_by_format, { docx: 1, html: 1, markdown: 1, notebook: 1, pdf: 1 });
    const text = await rag(['status']);
    assert.match(text.stdout, /^ {2}formats {3}docx 1, html 1, markdown 1, notebook 1, pdf 1$/m);
  });

  it('re-indexing unchanged documents sends no embedding input, even after a touch', async () => {
    stub.resetLog();
    const again = await rag(['index', 'docs']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /5 unchanged/);
    // Same bytes, new mtime: hashed, found unchanged, not parsed or embedded.
    const now = new Date();
    const { utimesSync } = await import('node:fs');
    utimesSync(path.join(t.dir, 'docs', 'paper.pdf'), now, now);
    const touched = await rag(['index', '--json', 'docs']);
    assert.equal(touched.code, 0, touched.stderr);
    // Nothing a parser might print reaches stdout: it holds the one JSON document.
    const summary = JSON.parse(touched.stdout) as { files: { unchanged: number; changed: number } };
    assert.deepEqual([summary.files.unchanged, summary.files.changed], [5, 0]);
    assert.deepEqual(stub.embedInputs(), []);
  });

  it('an index from before the location columns is refused (exit 5) until rebuilt', async () => {
    const manifestFile = path.join(t.dir, 'db', 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { schemaVersion: number };
    writeFileSync(manifestFile, JSON.stringify({ ...manifest, schemaVersion: 1 }));
    const search = await rag(['search', 'ablation']);
    assert.equal(search.code, 5);
    assert.match(search.stderr, /^rag: The index at .* was built by an older rag \(schema 1, now 2\) — run 'rag index --rebuild'/m);
    assert.equal((await rag(['index', 'docs'])).code, 5);
    const rebuilt = await rag(['index', '--rebuild', 'docs']);
    assert.equal(rebuilt.code, 0, rebuilt.stderr);
    assert.equal((await rag(['search', 'ablation'])).code, 0);
  });
});
