/**
 * Resolved once per run, then passed down: where the index is, which Ollama host,
 * colour, verbosity, the user's config file. Precedence for every setting is
 * flags > environment > config file (`<index>/config.json`) > defaults, written
 * down here and nowhere else. Outside main.ts and this module nothing reads the
 * process environment, the cwd or the clock.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { RagError } from './errors.js';
import type { Io } from './io.js';
import { OllamaClient, resolveHosts } from './ollama.js';
import { OllamaHosts } from './ollama-hosts.js';
import { createStyle, type Style } from './render/style.js';
import { DEFAULTS } from './defaults.js';
import { FolderHome, type IndexHome } from './store/index-home.js';
import { ObjectStoreHome } from './store/object-home.js';
import { parseIndexUri, storageOptionsFor } from './store/object-store.js';

export const INDEX_FOLDER = '.rag';
export const CONFIG_FILE = 'config.json';


/** What `<index>/config.json` may set. */
export interface FileConfig {
  embedModel?: string;
  model?: string;
  host?: string;
  /** Several Ollama hosts; wins over `host`. */
  hosts?: string[];
  topK?: number;
  chunkSize?: number;
  chunkOverlap?: number;
  maxFileSizeMb?: number;
}

const CONFIG_KEYS: Record<keyof FileConfig, 'string' | 'string-list' | 'integer' | 'number'> = {
  embedModel: 'string',
  model: 'string',
  host: 'string',
  hosts: 'string-list',
  topK: 'integer',
  chunkSize: 'integer',
  chunkOverlap: 'integer',
  maxFileSizeMb: 'number',
};

/** The same ceilings as the flags, so a config file cannot ask for what `-k` refuses. */
const CONFIG_MAX: Partial<Record<keyof FileConfig, number>> = { topK: 100, chunkSize: 100_000, maxFileSizeMb: 1024 };

/** Validates a parsed config file; a bad one stops the run naming the file and the field. */
export function parseConfig(value: unknown, file: string): FileConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RagError('bad-config', `Config file ${file} must hold a JSON object`, `fix or remove ${file}`);
  }
  const config: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const type = CONFIG_KEYS[key as keyof FileConfig];
    if (!type) {
      throw new RagError('bad-config', `Unknown field '${key}' in config file ${file}`, `valid fields: ${Object.keys(CONFIG_KEYS).join(', ')}`);
    }
    // An overlap of 0 is meaningful (as --chunk-overlap 0); every other number must be positive.
    const min = key === 'chunkOverlap' ? 0 : Number.MIN_VALUE;
    const max = CONFIG_MAX[key as keyof FileConfig] ?? Number.MAX_SAFE_INTEGER;
    const ok =
      type === 'string-list' ? Array.isArray(v) && v.length > 0 && v.every((h) => typeof h === 'string' && h.trim() !== '')
      : type === 'string' ? typeof v === 'string' && v.trim() !== '' : typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max && (type === 'number' || Number.isInteger(v));
    if (!ok) {
      const want =
        type === 'string-list' ? 'a non-empty list of strings'
        : type === 'string' ? 'a non-empty string'
        : type === 'number' ? 'a positive number'
        : max !== Number.MAX_SAFE_INTEGER ? `a whole number from 1 to ${max}`
        : min === 0 ? 'a whole number, 0 or more' : 'a positive whole number';
      throw new RagError('bad-config', `Field '${key}' in config file ${file} must be ${want}`, `fix or remove it`);
    }
    config[key] = v;
  }
  return config as FileConfig;
}

function readConfig(indexDir: string): FileConfig {
  const file = path.join(indexDir, CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return {};
    throw new RagError('bad-config', `Cannot read config file ${file}: ${(err as Error).message}`, 'check its permissions');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new RagError('bad-config', `Config file ${file} is not valid JSON: ${(err as Error).message}`, `fix or remove ${file}`);
  }
  return parseConfig(value, file);
}

export interface IndexLocation {
  /** Absolute path of the index folder (normally `<root>/.rag`), or the object-store URI (no credentials). */
  dir: string;
  /** Where the index's state lives, and how it is read and written. */
  home: IndexHome;
  /** Named by --db or RAG_DB rather than found by walking up. */
  isExplicit: boolean;
  /** The folder exists already. */
  exists: boolean;
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Fragments an object-store index's table may have before it is compacted: measured on 13,527
 * passages, one fragment instead of 32 cut a cold search from 878 requests to 567.
 */
const OBJECT_STORE_MAX_FRAGMENTS = 8;

function folderIndex(dir: string, isExplicit: boolean, exists: boolean): IndexLocation {
  return { dir, home: new FolderHome(dir), isExplicit, exists };
}

/**
 * `--db` > `RAG_DB` > the nearest `.rag/` walking up from the cwd, as git finds
 * `.git`; when there is none, `<cwd>/.rag` (which only `rag index` creates). A URI
 * (`s3://bucket/prefix`, …) names an index in an object store, opened with the
 * credentials and endpoint of the standard environment (`env`).
 */
export function locateIndex(cwd: string, dbFlag: string | undefined, envDb: string | undefined, env: Io['env'] = {}): IndexLocation {
  const named = dbFlag?.trim() || envDb?.trim();
  if (named) {
    const uri = parseIndexUri(named);
    if (uri) {
      const storageOptions = storageOptionsFor(uri, env);
      const home = new ObjectStoreHome(uri.shown, { uri: uri.uri, ...(storageOptions ? { storageOptions } : {}), canListTables: false, maxFragments: OBJECT_STORE_MAX_FRAGMENTS });
      // Whether it exists is known only by reading it; the manifest says.
      return { dir: uri.shown, home, isExplicit: true, exists: true };
    }
    const dir = path.resolve(cwd, named);
    if (existsSync(dir) && !isDirectory(dir)) {
      throw new RagError('usage', `The index path ${dir} is a file, not a folder`, 'pass a folder with --db or RAG_DB');
    }
    return folderIndex(dir, true, isDirectory(dir));
  }
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, INDEX_FOLDER);
    if (isDirectory(candidate)) return folderIndex(candidate, false, true);
    if (path.dirname(dir) === dir) break;
  }
  return folderIndex(path.join(path.resolve(cwd), INDEX_FOLDER), false, false);
}

export interface GlobalOptions {
  db?: string;
  host?: string;
  quiet?: boolean;
  verbose?: boolean;
  /** commander's `--no-color` sets this to false. */
  color?: boolean;
}

/** Every setting a flag can give; a command passes the ones it has. */
export interface SettingFlags {
  host?: string;
  model?: string;
  embedModel?: string;
  topK?: number;
  chunkSize?: number;
  chunkOverlap?: number;
  maxFileSizeMb?: number;
  batchSize?: number;
  concurrency?: number;
}

/** Settings as commands use them: flags > environment > config file > defaults, decided once. */
export interface Settings {
  /** The first of `hosts`. */
  host: string;
  /** Where the host came from, for `rag status` and the remote-host guard. */
  hostSource: HostSource;
  /** Every Ollama host, in the order given. */
  hosts: string[];
  chatModel: string;
  topK: number;
  /** undefined: each format's own default (DEFAULT_MAX_FILE_SIZE_MB in formats.ts). */
  maxFileSizeMb: number | undefined;
  batchSize: number;
  concurrency: number;
  /**
   * The embedding model asked for, or undefined: an existing index keeps its own model
   * unless --embed-model names one (RAG_EMBED_MODEL and the config choose only a new
   * index's). The index run applies the manifest layer.
   */
  embedModel: string | undefined;
  /** The model of a new index when none is asked for; also what status checks without an index. */
  defaultEmbedModel: string;
  /** Given as flags, or undefined: the index's own chunk settings apply, else `defaultChunk`. */
  chunkSize: number | undefined;
  chunkOverlap: number | undefined;
  defaultChunk: { chunkSizeChars: number; chunkOverlapChars: number };
}

export type HostSource = 'flag' | 'env' | 'config' | 'default';

export function resolveSettings(flags: SettingFlags, env: Io['env'], config: FileConfig, indexExists: boolean): Settings {
  const fromEnv = (name: string) => env[name]?.trim() || undefined;
  const envEmbed = fromEnv('RAG_EMBED_MODEL');
  // An empty OLLAMA_HOST means unset, as for every other variable: the config file still applies.
  const envHost = fromEnv('OLLAMA_HOST');
  const flagHost = flags.host?.trim() || undefined;
  const configHosts = config.hosts?.join(',') ?? config.host;
  const hosts = resolveHosts(flagHost, envHost ?? configHosts);
  return {
    host: hosts[0]!,
    hosts,
    hostSource: flagHost ? 'flag' : envHost ? 'env' : configHosts ? 'config' : 'default',
    chatModel: flags.model ?? fromEnv('RAG_MODEL') ?? config.model ?? DEFAULTS.model,
    topK: flags.topK ?? config.topK ?? DEFAULTS.topK,
    maxFileSizeMb: flags.maxFileSizeMb ?? config.maxFileSizeMb,
    batchSize: flags.batchSize ?? DEFAULTS.embedBatchSize,
    concurrency: flags.concurrency ?? DEFAULTS.embedConcurrency,
    embedModel: flags.embedModel ?? (indexExists ? undefined : (envEmbed ?? config.embedModel)),
    defaultEmbedModel: envEmbed ?? config.embedModel ?? DEFAULTS.embedModel,
    chunkSize: flags.chunkSize,
    chunkOverlap: flags.chunkOverlap,
    defaultChunk: {
      chunkSizeChars: config.chunkSize ?? DEFAULTS.chunkSize,
      chunkOverlapChars: config.chunkOverlap ?? DEFAULTS.chunkOverlap,
    },
  };
}

export interface Context {
  io: Io;
  signal: AbortSignal;
  index: IndexLocation;
  settings: Settings;
  host: string;
  verbose: boolean;
  quiet: boolean;
  /** Colour on stdout / stderr: only on a TTY, and neither NO_COLOR nor --no-color nor TERM=dumb. */
  style: Style;
  errStyle: Style;
  /** The first host's client, for what needs exactly one server. */
  ollama: () => OllamaClient;
  /** Every host given, used as one (load-balanced embeddings, chat on a host that has the model). */
  hosts: () => OllamaHosts;
  pid: number;
}

export function colorAllowed(isTTY: boolean, env: Io['env'], flag: boolean | undefined): boolean {
  if (flag === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return isTTY;
}

export function createContext(globals: GlobalOptions, flags: SettingFlags, io: Io, signal: AbortSignal, pid: number): Context {
  const index = locateIndex(io.cwd, globals.db, io.env.RAG_DB, io.env);
  // A config file lives in an index folder; an object-store index has none.
  const config = index.exists && index.home.isFolder ? readConfig(index.dir) : {};
  const settings = resolveSettings({ ...flags, host: globals.host }, io.env, config, index.exists);
  const { host } = settings;
  const remote = settings.hosts.find((h) => !isLocalHost(h));
  if (settings.hostSource === 'config' && remote !== undefined) {
    // A config file can come with a cloned repository: it must not send documents elsewhere.
    const file = path.join(index.dir, CONFIG_FILE);
    throw new RagError(
      'bad-config',
      `Config file ${file} sends documents to ${remote}, which is not this machine`,
      `to allow it, pass --host ${remote} or set OLLAMA_HOST=${remote}; otherwise remove '${config.hosts ? 'hosts' : 'host'}' from the file`,
    );
  }
  let pool: OllamaHosts | undefined;
  const hosts = () =>
    (pool ??= new OllamaHosts(settings.hosts, { signal, now: io.now, note: (message) => io.stderr.write(`rag: note: ${message}\n`) }));
  return {
    io,
    signal,
    index,
    settings,
    host,
    verbose: Boolean(globals.verbose) || Boolean(io.env.DEBUG),
    quiet: Boolean(globals.quiet),
    style: createStyle(colorAllowed(io.stdoutIsTTY, io.env, globals.color)),
    errStyle: createStyle(colorAllowed(io.stderrIsTTY, io.env, globals.color)),
    ollama: () => hosts().first,
    hosts,
    pid,
  };
}

/** Loopback only: names that resolve elsewhere, or this machine's own addresses, do not count. */
export function isLocalHost(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(host) || host === '::1' || host === '0.0.0.0' || host === '::';
}
