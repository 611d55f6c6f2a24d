/** Many tiny one-passage Markdown notes under `<dir>/docs`: more files than one write batch holds. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export function writeNotes(dir: string, count: number): void {
  const docs = path.join(dir, 'docs');
  mkdirSync(docs, { recursive: true });
  for (let i = 0; i < count; i++) {
    const place = ['river', 'forest', 'valley', 'harbour', 'meadow'][i % 5];
    writeFileSync(path.join(docs, `note-${String(i).padStart(3, '0')}.md`), `# Note ${i}\n\nThis note is about topic ${i} and the ${place} beyond the hill.\n`);
  }
}
