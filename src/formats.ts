/**
 * The one table of file formats: which files `rag index` reads by default, which loader
 * reads them and which chunker cuts them. Discovery, loading and chunking all ask here,
 * so a format is added in one place and the three stages cannot disagree.
 */
import type { DocFormat } from './chunk/doc.js';
import { DEFAULTS } from './defaults.js';

/**
 * How a file's bytes become text: decoded as text, or read by a document loader in load/
 * (each loads its parser lazily, only when such a file is indexed).
 */
export type LoaderKind = 'text' | 'pdf' | 'docx' | 'html' | 'notebook';

/**
 * `--max-file-size` when none is given, per loader, in MB. Documents carry fonts, images and
 * markup around their text, so they get more room than text; the limit still bounds what one
 * parser may be handed. A `--max-file-size` the user gives applies to every format.
 */
export const DEFAULT_MAX_FILE_SIZE_MB: Readonly<Record<LoaderKind, number>> = {
  text: DEFAULTS.maxFileSizeMb,
  pdf: 100,
  docx: 50,
  html: 10,
  notebook: 20,
};

export interface FileFormat {
  /** Short name, as `rag status` counts formats and `-t` would filter them. */
  name: string;
  loader: LoaderKind;
  /** How the text is cut into passages. */
  chunker: DocFormat;
  /** Read when no `--include` glob is given (step 8 of the precedence on `discoverFiles`). */
  isDefault: boolean;
}

type Row = [name: string, loader: LoaderKind, chunker: DocFormat, isDefault: boolean, extensions: string];

// CSV is not indexed by default: rows chunk into noise. Document loaders choose their own
// chunking (their chunker here is what a file the loader hands back as plain text gets).
const ROWS: Row[] = [
  ['markdown', 'text', 'markdown', true, 'md markdown mdx mdown mkd mkdn'],
  ['asciidoc', 'text', 'asciidoc', true, 'adoc asciidoc asc'],
  ['rst', 'text', 'rst', true, 'rst rest'],
  ['org', 'text', 'text', true, 'org'],
  ['tex', 'text', 'text', true, 'tex'],
  ['text', 'text', 'text', true, 'txt text'],
  ['pdf', 'pdf', 'text', true, 'pdf'],
  ['docx', 'docx', 'text', true, 'docx'],
  ['html', 'html', 'text', true, 'html htm xhtml'],
  ['notebook', 'notebook', 'markdown', true, 'ipynb'],
  ['code', 'text', 'code', true,
    'ts tsx mts cts js jsx mjs cjs py pyi go rs java kt kts scala c h cc cpp cxx hpp hh cs swift rb php pl pm ' +
    'lua r jl dart ex exs erl hrl hs ml mli clj cljs el elm zig nim sh bash zsh fish ps1 sql vue svelte'],
  ['config', 'text', 'code', true, 'json jsonc json5 yaml yml toml ini cfg conf xml'],
  ['code', 'text', 'code', false,
    'groovy gradle fs m mm lisp scm bat cmd properties css scss sass less proto graphql gql tf hcl cmake mk nix vim'],
];

const BY_EXTENSION: ReadonlyMap<string, FileFormat> = new Map(
  ROWS.flatMap(([name, loader, chunker, isDefault, extensions]) =>
    extensions.split(' ').map((ext): [string, FileFormat] => [ext, { name, loader, chunker, isDefault }])),
);

/** Well-known extensionless names (lowercase). */
const BY_NAME: ReadonlyMap<string, FileFormat> = new Map([
  ...['readme', 'license', 'changelog', 'contributing', 'notice', 'copying', 'authors']
    .map((n): [string, FileFormat] => [n, { name: 'text', loader: 'text', chunker: 'text', isDefault: true }]),
  ...['makefile', 'dockerfile']
    .map((n): [string, FileFormat] => [n, { name: 'code', loader: 'text', chunker: 'code', isDefault: true }]),
  ...['gnumakefile', 'rakefile', 'gemfile', 'justfile', 'cmakelists.txt']
    .map((n): [string, FileFormat] => [n, { name: 'code', loader: 'text', chunker: 'code', isDefault: false }]),
]);

/** The format of a path by its name, case-insensitive; undefined for names the table does not know. */
export function formatOf(filePath: string): FileFormat | undefined {
  const base = filePath.slice(Math.max(filePath.lastIndexOf('/'), filePath.lastIndexOf('\\')) + 1).toLowerCase();
  const named = BY_NAME.get(base);
  if (named) return named;
  const dot = base.lastIndexOf('.');
  return dot > 0 ? BY_EXTENSION.get(base.slice(dot + 1)) : undefined;
}

/** Indexed when no `--include` is given. */
export function isTextCandidate(relPath: string): boolean {
  return formatOf(relPath)?.isDefault ?? false;
}

/** The loader for a path; files the table does not know are read as text. */
export function loaderOf(filePath: string): LoaderKind {
  return formatOf(filePath)?.loader ?? 'text';
}

/** The size limit for a path: the user's `--max-file-size` when given, else its loader's default. */
export function maxFileSizeFor(filePath: string, userLimitBytes: number | undefined): number {
  return userLimitBytes ?? DEFAULT_MAX_FILE_SIZE_MB[loaderOf(filePath)] * 1024 * 1024;
}

/** The chunker for a path; files the table does not know (brought in by `--include`) are plain text. */
export function detectFormat(filePath: string): DocFormat {
  return formatOf(filePath)?.chunker ?? 'text';
}

/**
 * Files that tools generate from other files: indexing them only adds noise (a lockfile's
 * thousands of hashes, a bundle's one endless line). Skipped by default with this reason,
 * unless an `--include` glob names them or they are named on the command line.
 */
const GENERATED_NAMES: ReadonlySet<string> = new Set([
  'package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lock', 'bun.lockb', 'deno.lock',
  'cargo.lock', 'poetry.lock', 'pipfile.lock', 'pdm.lock', 'uv.lock', 'gemfile.lock', 'composer.lock', 'go.sum',
  'flake.lock', 'mix.lock', 'pubspec.lock', 'podfile.lock', 'packages.lock.json', 'gradle.lockfile',
]);

/** Why a path is a generated file ('lockfile', 'minified bundle', 'source map'), or undefined. */
export function generatedKind(filePath: string): string | undefined {
  const base = filePath.slice(Math.max(filePath.lastIndexOf('/'), filePath.lastIndexOf('\\')) + 1).toLowerCase();
  if (GENERATED_NAMES.has(base)) return 'lockfile';
  if (/\.min\.(?:js|mjs|cjs|css)$/.test(base) || /[.-]bundle\.js$/.test(base)) return 'minified bundle';
  if (base.endsWith('.map') && /\.(?:js|mjs|cjs|css|ts)\.map$/.test(base)) return 'source map';
  return undefined;
}

/** Every format name, as `-t` accepts them. */
export function formatNames(): string[] {
  return [...new Set([...BY_EXTENSION.values(), ...BY_NAME.values()].map((f) => f.name))].sort();
}

/**
 * A `-t` value as a format name: a name from the table (`markdown`, `code`) or an extension
 * it lists (`md`, `py`); undefined when it is neither.
 */
export function formatNameFor(type: string): string | undefined {
  const t = type.trim().toLowerCase().replace(/^\./, '');
  if (formatNames().includes(t)) return t;
  return BY_EXTENSION.get(t)?.name;
}

/**
 * Formats rag has no loader for whose bytes are not text: never read as text, even when
 * named on the command line or matched by --include (a PDF's operators or a zip's bytes
 * are not passages). A format that gets a loader moves from here into the table above.
 */
const BINARY_EXTENSIONS = new Set((
  'pdf doc docx docm dot dotx xls xlsx xlsm ppt pptx odt ods odp odg rtf epub mobi pages numbers key ' +
  'zip gz tgz bz2 xz zst 7z rar tar jar war ear apk deb rpm dmg iso img ' +
  'png jpg jpeg gif bmp webp ico icns tif tiff heic psd ai eps ' +
  'mp3 mp4 m4a m4v wav ogg oga flac aac mov avi mkv webm wmv ' +
  'woff woff2 ttf otf eot exe dll so dylib o a lib obj class pyc pyo wasm bin dat ' +
  'db sqlite sqlite3 mdb parquet arrow feather npy npz pkl pickle h5 hdf5 onnx pt safetensors gguf'
).split(' '));

function extensionOf(filePath: string): string | undefined {
  const base = filePath.slice(Math.max(filePath.lastIndexOf('/'), filePath.lastIndexOf('\\')) + 1).toLowerCase();
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1) : undefined;
}

/** A format rag cannot read as text: skipped as 'unsupported format' wherever it comes from. */
export function isUnreadableFormat(filePath: string): boolean {
  const ext = extensionOf(filePath);
  return ext !== undefined && BINARY_EXTENSIONS.has(ext) && formatOf(filePath) === undefined;
}

/**
 * Why discovery leaves a file out when no --include is given, or undefined when it reads
 * it: counted and listed as skipped rather than silently ignored.
 */
export function notIndexedReason(filePath: string): string | undefined {
  const format = formatOf(filePath);
  if (format?.isDefault) return undefined;
  if (format) return 'not indexed by default (add it with --include)';
  return 'unsupported format';
}
