/**
 * Known-answer retrieval over corpus/ (qmd's eval pattern): each question names the
 * file and a line its answer sits on; the passage holding that line must be in the
 * top 5 of `rag search`. With the stub's bag-of-words embeddings this checks the
 * whole retrieval path (contextual headers, hybrid search, fusion, selection), not
 * the quality of a real model.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../helpers/paths.js';
import { runRag } from '../helpers/test-io.js';
import { useIndexedCorpus } from '../helpers/indexed-corpus.js';
import type { SearchJson as SearchDoc } from '../../src/render/json.js';

interface Case {
  question: string;
  path: string;
  /** A line inside the answering passage. */
  line: number;
}

const CASES: Case[] = [
  { question: 'How do I change the embedding model?', path: 'corpus/guide/configuration.md', line: 50 },
  { question: 'What does exit code 130 mean?', path: 'corpus/guide/scripting.md', line: 32 },
  { question: 'Which commands pull the models rag needs?', path: 'corpus/getting-started/install.md', line: 50 },
  { question: 'How does reciprocal rank fusion combine the results?', path: 'corpus/concepts/retrieval.md', line: 40 },
  { question: 'How does rag find the .rag folder?', path: 'corpus/guide/index-storage.md', line: 8 },
  { question: 'Why do answers ignore my documents with long prompts?', path: 'corpus/troubleshooting.md', line: 51 },
  { question: 'How does rag detect which files changed since the last run?', path: 'corpus/guide/indexing.md', line: 46 },
  { question: 'What does --sources all do?', path: 'corpus/guide/asking.md', line: 21 },
  { question: 'Who introduced retrieval-augmented generation?', path: 'corpus/concepts/how-rag-works.md', line: 9 },
  { question: 'What task prefixes does nomic-embed-text use?', path: 'corpus/concepts/retrieval.md', line: 25 },
];

describe('retrieval over corpus/ finds the answering passage in the top 5', () => {
  const fixture = useIndexedCorpus();


  for (const c of CASES) {
    it(c.question, async () => {
      const res = await runRag(['search', '--json', '-k', '5', c.question], { cwd: REPO_ROOT, env: fixture.env });
      assert.equal(res.code, 0, res.stderr);
      const doc = JSON.parse(res.stdout) as SearchDoc;
      const rank = doc.results.findIndex((r) => r.path === c.path && r.start_line <= c.line && c.line <= r.end_line);
      assert.ok(rank >= 0, `${c.path}:${c.line} not in top 5: ${doc.results.map((r) => `${r.path}:${r.start_line}-${r.end_line}`).join(', ')}`);
    });
  }
});
