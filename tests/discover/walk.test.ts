import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { tempDir } from '../helpers/paths.js';
import { discoverFiles, relativePath, type DiscoverOptions, type Discovery } from '../../src/discover/walk.js';
import { BYTES_PER_MB, sizeLimitReason } from '../../src/load/text.js';

type Tree = Record<string, string | Uint8Array>;

async function writeTree(base: string, tree: Tree): Promise<void> {
  for (const [rel, content] of Object.entries(tree)) {
    const abs = path.join(base, ...rel.split('/'));
    await fs.mkdir(path.dirname(abs), { recursive: true });
    await fs.writeFile(abs, content);
  }
}

/** A temp folder holding `tree`; it is the index root. */
async function project(t: TestContext, tree: Tree): Promise<string> {
  const root = tempDir(t, 'rag-discover-').dir;
  await writeTree(root, tree);
  return root;
}

function optionsFor(root: string, overrides: Partial<DiscoverOptions> = {}): DiscoverOptions {
  return {
    root,
    indexDir: path.join(root, '.rag'),
    include: [],
    exclude: [],
    useGitignore: true,
    maxFileSizeBytes: 5 * BYTES_PER_MB,
    ...overrides,
  };
}

function relPaths(discovery: Discovery): string[] {
  return discovery.files.map((file) => file.relPath);
}

async function discoverRoot(root: string, overrides: Partial<DiscoverOptions> = {}): Promise<Discovery> {
  return discoverFiles([root], optionsFor(root, overrides));
}

describe('gitignore and friends', () => {
  test('nested .gitignore files apply to their own subtree, with negation and anchoring', async (t) => {
    const root = await project(t, {
      '.gitignore': '*.txt\nbuild/\nsecret*.md\n',
      'docs/.gitignore': '!keep.txt\n!secret-ok.md\ndraft.md\n/local.md\n',
      'a.md': 'a',
      'a.txt': 'ignored by the root file',
      'build/b.md': 'ignored folder',
      'draft.md': 'docs/.gitignore does not reach up here',
      'docs/c.md': 'c',
      'docs/keep.txt': 're-included',
      'docs/other.txt': 'still ignored',
      'docs/secret.md': 'ignored',
      'docs/secret-ok.md': 're-included',
      'docs/draft.md': 'ignored',
      'docs/local.md': 'anchored: ignored',
      'docs/sub/local.md': 'anchored pattern does not reach here',
    });
    const found = await discoverRoot(root);
    assert.deepEqual(relPaths(found), [
      'a.md',
      'docs/c.md',
      'docs/keep.txt',
      'docs/secret-ok.md',
      'docs/sub/local.md',
      'draft.md',
    ]);
    assert.deepEqual(found.skipped, [], 'ignored files are silent');
  });

  test('.git/info/exclude applies from the repository root, also when a subfolder is named', async (t) => {
    const root = await project(t, {
      '.git/info/exclude': '# local excludes\nprivate.md\n',
      'private.md': 'p',
      'public.md': 'p',
      'sub/private.md': 'p',
      'sub/public.md': 'p',
    });
    assert.deepEqual(relPaths(await discoverRoot(root)), ['public.md', 'sub/public.md']);
    const sub = await discoverFiles([path.join(root, 'sub')], optionsFor(root));
    assert.deepEqual(relPaths(sub), ['sub/public.md']);
  });

  test('a parent .gitignore above a named subfolder still applies', async (t) => {
    const root = await project(t, {
      '.gitignore': '*.generated.md\n',
      'docs/api/a.md': 'a',
      'docs/api/b.generated.md': 'b',
    });
    const found = await discoverFiles([path.join(root, 'docs', 'api')], optionsFor(root));
    assert.deepEqual(relPaths(found), ['docs/api/a.md']);
  });

  test('useGitignore:false ignores .gitignore and info/exclude', async (t) => {
    const root = await project(t, {
      '.git/info/exclude': 'excluded.md\n',
      '.gitignore': 'ignored.md\nbuild/\n',
      'excluded.md': 'x',
      'ignored.md': 'i',
      'build/out.md': 'o',
      'kept.md': 'k',
    });
    assert.deepEqual(relPaths(await discoverRoot(root)), ['kept.md']);
    assert.deepEqual(relPaths(await discoverRoot(root, { useGitignore: false })), [
      'build/out.md',
      'excluded.md',
      'ignored.md',
      'kept.md',
    ]);
  });

  test('.ragignore is honoured at any level even with useGitignore:false', async (t) => {
    const root = await project(t, {
      '.ragignore': '*.tmp.md\n',
      '.gitignore': 'ignored.md\n',
      'notes/.ragignore': 'scratch/\n',
      'a.md': 'a',
      'a.tmp.md': 'rag-ignored',
      'ignored.md': 'git-ignored only',
      'notes/b.md': 'b',
      'notes/c.tmp.md': 'rag-ignored from the parent',
      'notes/scratch/d.md': 'rag-ignored folder',
    });
    assert.deepEqual(relPaths(await discoverRoot(root, { useGitignore: false })), ['a.md', 'ignored.md', 'notes/b.md']);
    assert.deepEqual(relPaths(await discoverRoot(root)), ['a.md', 'notes/b.md']);
  });

  test('.ragignore can re-include a folder that .gitignore ignores', async (t) => {
    const root = await project(t, {
      '.gitignore': 'generated/\n*.md.bak\n',
      '.ragignore': '!generated/\n',
      'generated/api.md': 'wanted in the index',
      'generated/deep/more.md': 'also wanted',
      'readme.md': 'r',
    });
    assert.deepEqual(relPaths(await discoverRoot(root)), ['generated/api.md', 'generated/deep/more.md', 'readme.md']);
  });

  test('a git-ignored folder named explicitly is indexed', async (t) => {
    const root = await project(t, {
      '.gitignore': 'drafts/\n',
      'drafts/idea.md': 'i',
      'drafts/sub/more.md': 'm',
      'a.md': 'a',
    });
    assert.deepEqual(relPaths(await discoverRoot(root)), ['a.md']);
    const named = await discoverFiles([path.join(root, 'drafts')], optionsFor(root));
    assert.deepEqual(relPaths(named), ['drafts/idea.md', 'drafts/sub/more.md']);
  });
});

describe('default skips', () => {
  test('hidden files and folders are skipped silently, but taken when named explicitly', async (t) => {
    const root = await project(t, {
      '.github/workflows/ci.yml': 'on: push',
      '.github/CONTRIBUTING.md': 'c',
      '.hidden.md': 'h',
      'docs/.secret/notes.md': 'n',
      'visible.md': 'v',
    });
    const walked = await discoverRoot(root);
    assert.deepEqual(relPaths(walked), ['visible.md']);
    assert.deepEqual(walked.skipped, []);

    const named = await discoverFiles([path.join(root, '.github'), path.join(root, '.hidden.md')], optionsFor(root));
    assert.deepEqual(relPaths(named), ['.github/CONTRIBUTING.md', '.github/workflows/ci.yml', '.hidden.md']);
  });

  test('node_modules and the index folder are never entered', async (t) => {
    const root = await project(t, {
      'node_modules/pkg/readme.md': 'dependency docs',
      'lib/node_modules/x/index.js': 'nested too',
      'rag-index/notes.md': 'the index folder, even when not hidden',
      'docs/a.md': 'a',
    });
    const found = await discoverRoot(root, { indexDir: path.join(root, 'rag-index') });
    assert.deepEqual(relPaths(found), ['docs/a.md']);
    assert.deepEqual(found.skipped, []);
  });

  test('other formats are skipped with a reason when walking; named explicitly, text is taken and binary formats never', async (t) => {
    const root = await project(t, {
      'image.png': new Uint8Array([0x89, 0x50, 0x4e, 0x47]),
      'data.bin': new Uint8Array([0, 1, 2]),
      'styles.css': 'body {}',
      'server.log': 'a log line',
      'README': 'readme without extension',
      'Makefile': 'all:',
      'NOTES.MD': 'upper-case extension',
    });
    const walked = await discoverRoot(root);
    assert.deepEqual(relPaths(walked), ['Makefile', 'NOTES.MD', 'README']);
    assert.deepEqual(walked.skipped, [
      { relPath: 'data.bin', reason: 'unsupported format' },
      { relPath: 'image.png', reason: 'unsupported format' },
      { relPath: 'server.log', reason: 'unsupported format' },
      { relPath: 'styles.css', reason: 'not indexed by default (add it with --include)' },
    ]);
    const named = await discoverFiles([path.join(root, 'image.png'), path.join(root, 'data.bin'), path.join(root, 'server.log')], optionsFor(root));
    assert.deepEqual(relPaths(named), ['server.log']);
    assert.deepEqual(named.skipped.map((k) => k.reason), ['unsupported format', 'unsupported format']);
  });
});

describe('include and exclude globs', () => {
  const tree: Tree = {
    'a.md': 'a',
    'docs/b.md': 'b',
    'docs/c.txt': 'c',
    'docs/drafts/d.md': 'd',
    'e.csv': 'x,y',
    'src/f.ts': 'export {}',
  };

  test('a slash-less include matches the base name at any depth', async (t) => {
    const root = await project(t, tree);
    assert.deepEqual(relPaths(await discoverRoot(root, { include: ['*.md'] })), ['a.md', 'docs/b.md', 'docs/drafts/d.md']);
  });

  test('a glob with a slash is anchored at the root', async (t) => {
    const root = await project(t, tree);
    assert.deepEqual(relPaths(await discoverRoot(root, { include: ['docs/*.md'] })), ['docs/b.md']);
    assert.deepEqual(relPaths(await discoverRoot(root, { include: ['docs/**'] })), ['docs/b.md', 'docs/c.txt', 'docs/drafts/d.md']);
  });

  test('include replaces the extension allow-list', async (t) => {
    const root = await project(t, tree);
    assert.deepEqual(relPaths(await discoverRoot(root, { include: ['*.csv'] })), ['e.csv']);
  });

  test('exclude wins over include, and a folder match prunes the folder', async (t) => {
    const root = await project(t, tree);
    assert.deepEqual(relPaths(await discoverRoot(root, { include: ['*.md'], exclude: ['docs/b.md'] })), [
      'a.md',
      'docs/drafts/d.md',
    ]);
    assert.deepEqual(relPaths(await discoverRoot(root, { include: ['*.md', '*.csv'], exclude: ['drafts'] })), [
      'a.md',
      'docs/b.md',
      'e.csv',
    ]);
    assert.deepEqual(relPaths(await discoverRoot(root, { exclude: ['./docs/'] })), ['a.md', 'src/f.ts']);
  });

  test('a named file is taken even when excluded', async (t) => {
    const root = await project(t, tree);
    const found = await discoverFiles([path.join(root, 'a.md')], optionsFor(root, { exclude: ['*.md'] }));
    assert.deepEqual(relPaths(found), ['a.md']);
  });
});

describe('file checks', () => {
  test('files over the size limit are skipped with a reason naming the limit', async (t) => {
    const root = await project(t, { 'big.md': 'x'.repeat(200), 'small.md': 'x'.repeat(10) });
    for (const args of [[root], [path.join(root, 'big.md'), path.join(root, 'small.md')]]) {
      const found = await discoverFiles(args, optionsFor(root, { maxFileSizeBytes: 100 }));
      assert.deepEqual(relPaths(found), ['small.md']);
      assert.deepEqual(found.skipped, [{ relPath: 'big.md', reason: sizeLimitReason(100) }]);
      assert.match(found.skipped[0]?.reason ?? '', /^larger than [\d.]+ MB \(--max-file-size\)$/);
    }
  });

  test('size and mtime come from stat', async (t) => {
    const root = await project(t, { 'a.md': 'hello' });
    const mtime = new Date('2024-01-02T03:04:05Z');
    await fs.utimes(path.join(root, 'a.md'), mtime, mtime);
    const [file] = (await discoverRoot(root)).files;
    assert.deepEqual(file, { absPath: path.join(root, 'a.md'), relPath: 'a.md', size: 5, mtimeMs: mtime.getTime() });
  });

  test('a socket is not a regular file', async (t) => {
    const root = await project(t, { 'a.md': 'a' });
    const socketPath = path.join(root, 'sock.md');
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const walked = await discoverRoot(root);
    assert.deepEqual(relPaths(walked), ['a.md']);
    assert.deepEqual(walked.skipped, [{ relPath: 'sock.md', reason: 'not a regular file' }]);
    const named = await discoverFiles([socketPath], optionsFor(root));
    assert.deepEqual(named.skipped, [{ relPath: 'sock.md', reason: 'not a regular file' }]);
  });

  test('an unreadable folder is reported as permission denied wherever the OS enforces it', async (t) => {
    const root = await project(t, { 'locked/a.md': 'a', 'ok.md': 'o' });
    const locked = path.join(root, 'locked');
    await fs.chmod(locked, 0o000);
    let isEnforced: boolean;
    let found: Discovery;
    try {
      // Root reads anything regardless of mode bits; describeFsError's own test covers EACCES/EPERM there.
      isEnforced = await fs.readdir(locked).then(
        () => false,
        () => true,
      );
      found = await discoverRoot(root);
    } finally {
      await fs.chmod(locked, 0o755); // before the temp folder's removal, which needs to list it
    }
    if (isEnforced) {
      assert.deepEqual(relPaths(found), ['ok.md']);
      assert.deepEqual(found.skipped, [{ relPath: 'locked', reason: 'permission denied' }]);
    } else {
      assert.deepEqual(relPaths(found), ['locked/a.md', 'ok.md']);
      assert.deepEqual(found.skipped, []);
    }
  });
});

describe('symlinks', () => {
  test('a symlink to a folder outside is skipped, and with follow followed under the link path', async (t) => {
    const root = await project(t, { 'docs/a.md': 'a' });
    const outside = tempDir(t, 'rag-discover-').dir;
    await writeTree(outside, { 'b.md': 'b' });
    await fs.symlink(outside, path.join(root, 'linked'), 'dir');
    const within = await discoverRoot(root);
    assert.deepEqual(relPaths(within), ['docs/a.md']);
    assert.deepEqual(within.skipped, [{ relPath: 'linked', reason: 'symlink outside the indexed folders (--follow to follow it)' }]);
    const found = await discoverRoot(root, { follow: true });
    assert.deepEqual(relPaths(found), ['docs/a.md', 'linked/b.md']);
    assert.equal(found.files[1]?.absPath, path.join(root, 'linked', 'b.md'));
  });

  test('a symlink cycle does not loop and is reported', async (t) => {
    const root = await project(t, { 'a/x.md': 'x', 'b/y.md': 'y' });
    await fs.symlink(root, path.join(root, 'a', 'to-root'), 'dir');
    // A mutual pair: neither link points at its own ancestor, yet following both loops.
    await fs.symlink(path.join(root, 'b'), path.join(root, 'a', 'to-b'), 'dir');
    await fs.symlink(path.join(root, 'a'), path.join(root, 'b', 'to-a'), 'dir');
    const found = await discoverRoot(root);
    assert.deepEqual(relPaths(found), ['a/x.md', 'b/y.md']);
    assert.deepEqual(found.skipped, [
      { relPath: 'a/to-b/to-a', reason: 'symlink cycle' },
      { relPath: 'a/to-root', reason: 'symlink cycle' },
      { relPath: 'b/to-a/to-b', reason: 'symlink cycle' },
      { relPath: 'b/to-a/to-root', reason: 'symlink cycle' },
    ]);
  });

  test('a broken symlink is reported when it looks like a file we would index', async (t) => {
    const root = await project(t, { 'a.md': 'a' });
    await fs.symlink(path.join(root, 'nowhere.md'), path.join(root, 'dangling.md'));
    await fs.symlink(path.join(root, 'nowhere.png'), path.join(root, 'dangling.png'));
    await fs.symlink('self.md', path.join(root, 'self.md'));
    const found = await discoverRoot(root);
    assert.deepEqual(relPaths(found), ['a.md']);
    assert.deepEqual(found.skipped, [
      { relPath: 'dangling.md', reason: 'broken symlink' },
      { relPath: 'dangling.png', reason: 'unsupported format' },
      { relPath: 'self.md', reason: 'symlink cycle' },
    ]);
    const named = await discoverFiles([path.join(root, 'dangling.png')], optionsFor(root));
    assert.deepEqual(named, { files: [], skipped: [{ relPath: 'dangling.png', reason: 'broken symlink' }], missing: [] });
  });

  test('a file reached through a symlink and directly is listed once, under its real path', async (t) => {
    const root = await project(t, { 'docs/a.md': 'a' });
    await fs.symlink(path.join(root, 'docs', 'a.md'), path.join(root, 'alias.md'));
    await fs.symlink(path.join(root, 'docs'), path.join(root, 'zz-docs'), 'dir');
    assert.deepEqual(relPaths(await discoverRoot(root)), ['docs/a.md']);
  });
});

describe('arguments and paths', () => {
  test('missing paths are returned as given, the rest still discovered', async (t) => {
    const root = await project(t, { 'a.md': 'a' });
    const nope = path.join(root, 'nope');
    const found = await discoverFiles([nope, root, path.join(root, 'a.md', 'not-a-dir')], optionsFor(root));
    assert.deepEqual(found.missing, [nope, path.join(root, 'a.md', 'not-a-dir')]);
    assert.deepEqual(relPaths(found), ['a.md']);
  });

  test('overlapping arguments give each file once', async (t) => {
    const root = await project(t, { 'docs/a.md': 'a', 'docs/sub/b.md': 'b', 'c.md': 'c' });
    const found = await discoverFiles(
      [root, path.join(root, 'docs'), path.join(root, 'docs', 'sub'), path.join(root, 'docs', 'a.md'), `${root}/docs/`],
      optionsFor(root),
    );
    assert.deepEqual(relPaths(found), ['c.md', 'docs/a.md', 'docs/sub/b.md']);
  });

  test("relPath is root-relative with '/' separators, '../' when outside the root", async (t) => {
    const base = tempDir(t, 'rag-discover-').dir;
    await writeTree(base, { 'project/docs/deep/a.md': 'a', 'other/b.md': 'b' });
    const root = path.join(base, 'project');
    const found = await discoverFiles([root, path.join(base, 'other')], optionsFor(root));
    assert.deepEqual(relPaths(found), ['../other/b.md', 'docs/deep/a.md']);
    assert.equal(relativePath(root, path.join(root, 'docs', 'deep', 'a.md')), 'docs/deep/a.md');
    assert.equal(relativePath(root, path.join(base, 'other', 'b.md')), '../other/b.md');
  });

  // Speed is measured by `npm run bench`; this checks only that a large tree comes back whole.
  test('discovers a 3,000-file tree completely', async (t) => {
    const tree: Tree = {};
    for (let i = 0; i < 3000; i++) tree[`d${i % 30}/s${i % 7}/f${i}.md`] = `file ${i}`;
    const root = await project(t, { ...tree, '.gitignore': '*.log\n' });
    const found = await discoverRoot(root);
    assert.equal(found.files.length, 3000);
    assert.equal(new Set(found.files.map((f) => f.relPath)).size, 3000);
  });
});

