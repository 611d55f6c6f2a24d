/**
 * Watches the paths given to `rag index --watch` and reports every file path that may have
 * changed under them.
 *
 * Node's own recursive `fs.watch` is used: on Linux since Node 20 it watches every folder
 * of the tree with inotify and adds folders created later, and on macOS and Windows it is
 * native. It was enough here (created, edited, renamed and deleted files, new subfolders,
 * bursts of events), so no watcher library is needed. What it does not do is outlive the
 * watched folder: once that is deleted its watcher goes quiet for good. So a target that
 * disappears is reported, then polled for until it exists again and watched anew.
 * A file named directly is watched through its folder, because editors that save by
 * renaming a new file over the old one would leave a watcher on the file itself orphaned.
 */
import { statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

export interface TreeWatcherOptions {
  /** Absolute paths: folders or files, existing or not. */
  targets: string[];
  /** Called with an absolute path that was created, changed, renamed or deleted (or with a target itself). */
  onPath: (absPath: string) => void;
  /** True for paths whose events are noise (the index folder, hidden folders). */
  isIgnored: (absPath: string) => boolean;
  /** How often a missing target is looked for. */
  pollMs: number;
}

export interface TreeWatcher {
  close(): void;
}

type Kind = 'folder' | 'file' | 'missing';

function kindOf(p: string): Kind {
  try {
    return statSync(p).isDirectory() ? 'folder' : 'file';
  } catch {
    return 'missing';
  }
}

export function watchTrees(options: TreeWatcherOptions): TreeWatcher {
  const closers = options.targets.map((target) => watchTarget(target, options));
  return { close: () => closers.forEach((close) => close()) };
}

/** Watches one target for as long as it lives, and again after it is re-created. */
function watchTarget(target: string, options: TreeWatcherOptions): () => void {
  let watcher: FSWatcher | undefined;
  let poll: NodeJS.Timeout | undefined;
  let closed = false;

  const report = (abs: string) => {
    if (!options.isIgnored(abs)) options.onPath(abs);
  };
  const stopWatching = () => {
    watcher?.close();
    watcher = undefined;
  };
  const waitForTarget = () => {
    stopWatching();
    poll = setInterval(() => {
      if (kindOf(target) === 'missing') return;
      clearInterval(poll);
      poll = undefined;
      if (!closed) start();
      // Everything under it is new to the index.
      options.onPath(target);
    }, options.pollMs);
  };
  const start = () => {
    const kind = kindOf(target);
    if (kind === 'missing') return waitForTarget();
    const folder = kind === 'folder' ? target : path.dirname(target);
    try {
      watcher = watch(folder, { recursive: kind === 'folder', persistent: true }, (_event, name) => {
        if (kind === 'file') {
          if (name === path.basename(target)) report(target);
          return;
        }
        // An empty name, or the target gone: the folder itself was deleted or moved.
        if (!name || kindOf(target) !== 'folder') {
          options.onPath(target);
          return waitForTarget();
        }
        report(path.join(target, name.toString()));
      });
      watcher.on('error', () => {
        options.onPath(target);
        waitForTarget();
      });
    } catch {
      waitForTarget();
    }
  };
  start();
  return () => {
    closed = true;
    stopWatching();
    if (poll) clearInterval(poll);
  };
}
