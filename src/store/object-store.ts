/**
 * Object-store index locations, as pure functions: which `--db` values are URIs, the
 * LanceDB storage options the standard environment gives for them, and what a storage
 * failure means to the user. context.ts reads the environment and hands it in; nothing
 * here reads it, and no credential ever reaches a message.
 */
import { RagError } from '../errors.js';

/** The URI schemes LanceDB opens: S3 (and S3-compatible servers), Google Cloud Storage, Azure, LanceDB Cloud. */
export const INDEX_URI_SCHEMES = ['s3', 'gs', 'az', 'db'] as const;
export type IndexUriScheme = (typeof INDEX_URI_SCHEMES)[number];

export interface IndexUri {
  scheme: IndexUriScheme;
  /** Passed to LanceDB unchanged. */
  uri: string;
  /** What messages show: the URI without user info or query. */
  shown: string;
}

/**
 * `s3://bucket/prefix` and the other schemes; undefined for anything else, which is a folder
 * path. A URI with a scheme LanceDB does not open, or without a bucket, is a usage error.
 */
export function parseIndexUri(value: string): IndexUri | undefined {
  const match = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(value.trim());
  if (!match) return undefined;
  const scheme = match[1]!.toLowerCase();
  const rest = match[2]!;
  if (!(INDEX_URI_SCHEMES as readonly string[]).includes(scheme)) {
    throw new RagError('usage', `rag cannot keep an index at ${scheme}:// URIs`, 'pass a folder, or an s3://, gs://, az:// or db:// URI to --db or RAG_DB');
  }
  const bucket = rest.replace(/^[^@/]*@/, '').split(/[/?#]/)[0] ?? '';
  if (!bucket) throw new RagError('usage', `The index URI ${scheme}:// names no bucket`, `pass ${scheme}://<bucket>/<prefix>`);
  const shown = `${scheme}://${rest.replace(/^[^@/]*@/, '').replace(/[?#].*$/, '').replace(/\/+$/, '')}`;
  return { scheme: scheme as IndexUriScheme, uri: value.trim(), shown };
}

/**
 * LanceDB storage options for an S3 URI from the standard AWS variables. A custom endpoint
 * (MinIO, a test server) gets path-style requests, and plain HTTP when it is http://.
 * Other schemes get none: LanceDB reads their providers' own variables.
 */
export function storageOptionsFor(uri: IndexUri, env: Readonly<Record<string, string | undefined>>): Record<string, string> | undefined {
  if (uri.scheme !== 's3') return undefined;
  const get = (name: string) => env[name]?.trim() || undefined;
  const options: Record<string, string> = {};
  const set = (key: string, value: string | undefined) => {
    if (value !== undefined) options[key] = value;
  };
  set('aws_access_key_id', get('AWS_ACCESS_KEY_ID'));
  set('aws_secret_access_key', get('AWS_SECRET_ACCESS_KEY'));
  set('aws_session_token', get('AWS_SESSION_TOKEN'));
  set('region', get('AWS_REGION') ?? get('AWS_DEFAULT_REGION'));
  // The AWS SDKs' own setting for how often a request is tried.
  const attempts = Number(get('AWS_MAX_ATTEMPTS'));
  if (Number.isInteger(attempts) && attempts >= 1) options.client_max_retries = String(attempts - 1);
  const endpoint = get('AWS_ENDPOINT_URL_S3') ?? get('AWS_ENDPOINT_URL');
  if (endpoint) {
    options.endpoint = endpoint;
    options.aws_virtual_hosted_style_request = 'false';
    if (/^http:\/\//i.test(endpoint)) options.allow_http = 'true';
  }
  return options;
}

export interface StoreFailure {
  message: string;
  hint: string;
}

/** What an object-store failure (from LanceDB's message) means and what to do; undefined when it is no such failure. */
export function objectStoreFailure(message: string): StoreFailure | undefined {
  if (/NoSuchBucket|bucket does not exist/i.test(message)) {
    return { message: 'the bucket does not exist', hint: 'create it, or check the bucket in --db or RAG_DB' };
  }
  if (/InvalidAccessKeyId|SignatureDoesNotMatch|AccessDenied|ExpiredToken|InvalidToken|403 Forbidden|401 Unauthorized/i.test(message)) {
    return { message: 'access denied by the object store', hint: 'check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN' };
  }
  if (/error sending request|connection refused|tcp connect error|dns error|timed out|failed to lookup address/i.test(message)) {
    return { message: 'cannot reach the object store', hint: 'check AWS_ENDPOINT_URL (or the provider’s endpoint) and the network' };
  }
  return undefined;
}
