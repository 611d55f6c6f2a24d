/**
 * Which files count as text worth indexing when no `--include` glob is given (step 6 of the
 * precedence on `discoverFiles`).
 */

// HTML is left out on purpose for now: markup would need its own extraction to chunk well.
const TEXT_EXTENSIONS: ReadonlySet<string> = new Set([
  // prose
  'md', 'markdown', 'mdx', 'txt', 'text', 'rst', 'adoc', 'asciidoc', 'asc', 'org', 'tex',
  // source code
  'ts', 'tsx', 'js', 'jsx', 'mjs', 'cjs', 'py', 'go', 'rs', 'java', 'kt', 'c', 'h', 'cc', 'cpp', 'hpp',
  'cs', 'rb', 'php', 'swift', 'scala', 'sh', 'bash', 'zsh', 'fish', 'ps1', 'lua', 'r', 'sql', 'pl', 'ex',
  'exs', 'erl', 'hs', 'ml', 'clj', 'dart', 'vue', 'svelte',
  // config and data (not CSV: rows chunk into noise)
  'json', 'jsonc', 'yaml', 'yml', 'toml', 'ini', 'cfg', 'conf', 'xml',
]);

const TEXT_FILE_NAMES: ReadonlySet<string> = new Set([
  'readme', 'license', 'makefile', 'dockerfile', 'changelog', 'contributing', 'notice', 'copying', 'authors',
]);

/** Extension allow-list (case-insensitive), plus a few well-known extensionless names. */
export function isTextCandidate(relPath: string): boolean {
  const name = relPath.slice(relPath.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  if (dot > 0) return TEXT_EXTENSIONS.has(name.slice(dot + 1).toLowerCase());
  return TEXT_FILE_NAMES.has(name.toLowerCase());
}
