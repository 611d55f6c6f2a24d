/**
 * The one table of file formats: which files `rag index` reads by default, which loader
 * reads them and which chunker cuts them. Discovery, loading and chunking all ask here,
 * so a format is added in one place and the three stages cannot disagree.
 */
import type { DocFormat } from './chunk/doc.js';

/** How a file's bytes become text. Only text today; document formats add their loaders here. */
export type LoaderKind = 'text';

export interface FileFormat {
  /** Short name, as `rag status` counts formats and `-t` would filter them. */
  name: string;
  loader: LoaderKind;
  /** How the text is cut into passages. */
  chunker: DocFormat;
  /** Read when no `--include` glob is given (step 6 of the precedence on `discoverFiles`). */
  isDefault: boolean;
}

type Row = [name: string, chunker: DocFormat, isDefault: boolean, extensions: string];

// CSV is not indexed by default: rows chunk into noise. HTML waits for a loader of its own.
const ROWS: Row[] = [
  ['markdown', 'markdown', true, 'md markdown mdx mdown mkd mkdn'],
  ['asciidoc', 'asciidoc', true, 'adoc asciidoc asc'],
  ['rst', 'rst', true, 'rst rest'],
  ['org', 'text', true, 'org'],
  ['tex', 'text', true, 'tex'],
  ['text', 'text', true, 'txt text'],
  ['code', 'code', true,
    'ts tsx mts cts js jsx mjs cjs py pyi go rs java kt kts scala c h cc cpp cxx hpp hh cs swift rb php pl pm ' +
    'lua r jl dart ex exs erl hrl hs ml mli clj cljs el elm zig nim sh bash zsh fish ps1 sql vue svelte'],
  ['config', 'code', true, 'json jsonc json5 yaml yml toml ini cfg conf xml'],
  ['code', 'code', false,
    'groovy gradle fs m mm lisp scm bat cmd properties html htm css scss sass less proto graphql gql tf hcl cmake mk nix vim'],
];

const BY_EXTENSION: ReadonlyMap<string, FileFormat> = new Map(
  ROWS.flatMap(([name, chunker, isDefault, extensions]) =>
    extensions.split(' ').map((ext): [string, FileFormat] => [ext, { name, loader: 'text', chunker, isDefault }])),
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

/** The chunker for a path; files the table does not know (brought in by `--include`) are plain text. */
export function detectFormat(filePath: string): DocFormat {
  return formatOf(filePath)?.chunker ?? 'text';
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
