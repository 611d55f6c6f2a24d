import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { locateIndex } from '../../src/context.js';
import { RagError } from '../../src/errors.js';
import { objectStoreFailure, parseIndexUri, storageOptionsFor } from '../../src/store/object-store.js';

describe('parseIndexUri', () => {
  const cases: Array<[string, string, ReturnType<typeof parseIndexUri>]> = [
    ['a folder path is no URI', './index', undefined],
    ['an absolute path is no URI', '/var/rag', undefined],
    ['s3 with a prefix', 's3://team/handbook', { scheme: 's3', uri: 's3://team/handbook', shown: 's3://team/handbook' }],
    ['s3, bucket only', 's3://team', { scheme: 's3', uri: 's3://team', shown: 's3://team' }],
    ['the scheme in capitals; a trailing slash not shown', 'S3://team/h/', { scheme: 's3', uri: 'S3://team/h/', shown: 's3://team/h' }],
    ['gs and az pass through', 'gs://b/p', { scheme: 'gs', uri: 'gs://b/p', shown: 'gs://b/p' }],
    ['LanceDB Cloud', 'db://my-db', { scheme: 'db', uri: 'db://my-db', shown: 'db://my-db' }],
    ['user info and query never shown', 'az://key:secret@container/p?sas=token', { scheme: 'az', uri: 'az://key:secret@container/p?sas=token', shown: 'az://container/p' }],
  ];
  for (const [title, input, expected] of cases) {
    it(title, () => assert.deepEqual(parseIndexUri(input), expected));
  }

  it('a scheme LanceDB does not open is a usage error', () => {
    assert.throws(() => parseIndexUri('ftp://host/x'), (err: unknown) => err instanceof RagError && err.exitCode === 2 && /ftp:\/\//.test(err.message));
  });

  it('a URI without a bucket is a usage error', () => {
    assert.throws(() => parseIndexUri('s3:///prefix'), (err: unknown) => err instanceof RagError && err.exitCode === 2 && /names no bucket/.test(err.message));
  });
});

describe('storageOptionsFor', () => {
  const s3 = parseIndexUri('s3://b/p')!;
  it('maps the standard AWS variables; a custom http endpoint gets path-style requests and plain HTTP', () => {
    const env = {
      AWS_ACCESS_KEY_ID: 'id', AWS_SECRET_ACCESS_KEY: 'sk', AWS_SESSION_TOKEN: 'tok', AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9000', AWS_MAX_ATTEMPTS: '2', UNRELATED: 'x',
    };
    assert.deepEqual(storageOptionsFor(s3, env), {
      aws_access_key_id: 'id', aws_secret_access_key: 'sk', aws_session_token: 'tok', region: 'eu-west-1',
      client_max_retries: '1', endpoint: 'http://127.0.0.1:9000', aws_virtual_hosted_style_request: 'false', allow_http: 'true',
    });
  });

  it('AWS_DEFAULT_REGION stands in for AWS_REGION; an https endpoint stays https; the S3-specific endpoint wins', () => {
    const env = { AWS_DEFAULT_REGION: 'us-east-2', AWS_ENDPOINT_URL: 'http://other', AWS_ENDPOINT_URL_S3: 'https://minio.example' };
    assert.deepEqual(storageOptionsFor(s3, env), { region: 'us-east-2', endpoint: 'https://minio.example', aws_virtual_hosted_style_request: 'false' });
  });

  it('nothing set: nothing passed (LanceDB falls back to its own credential chain)', () => {
    assert.deepEqual(storageOptionsFor(s3, { AWS_REGION: ' ', AWS_MAX_ATTEMPTS: '0' }), {});
  });

  it('other schemes get no AWS options', () => {
    assert.equal(storageOptionsFor(parseIndexUri('gs://b/p')!, { AWS_ACCESS_KEY_ID: 'id' }), undefined);
  });
});

describe('objectStoreFailure', () => {
  const cases: Array<[string, string, string | undefined]> = [
    ['a missing bucket', 'Server returned non-2xx status code: 404 Not Found: <Error><Code>NoSuchBucket</Code></Error>', 'the bucket does not exist'],
    ['bad keys', 'Client error with status 403 Forbidden: <Code>InvalidAccessKeyId</Code>', 'access denied by the object store'],
    ['a signature mismatch', '<Code>SignatureDoesNotMatch</Code>', 'access denied by the object store'],
    ['no server at the endpoint', 'Error performing GET http://127.0.0.1:9/b?list-type=2 after 3 retries - HTTP error: error sending request', 'cannot reach the object store'],
    ['any other failure is left as it is', 'Table schema mismatch', undefined],
  ];
  for (const [title, message, expected] of cases) {
    it(title, () => assert.equal(objectStoreFailure(message)?.message, expected));
  }
});

describe('locateIndex with a URI', () => {
  it('--db s3://… is an object-store index, named without credentials, with its options from the environment', () => {
    const index = locateIndex('/home/me', 's3://team/handbook', undefined, { AWS_ENDPOINT_URL: 'http://127.0.0.1:1' });
    assert.equal(index.dir, 's3://team/handbook');
    assert.equal(index.isExplicit, true);
    assert.equal(index.home.isFolder, false);
    assert.deepEqual(index.home.tables, {
      uri: 's3://team/handbook',
      storageOptions: { endpoint: 'http://127.0.0.1:1', aws_virtual_hosted_style_request: 'false', allow_http: 'true' },
      canListTables: false,
      maxFragments: 8,
    });
  });

  it('RAG_DB takes a URI too; the flag still wins over it', () => {
    assert.equal(locateIndex('/home/me', undefined, 'gs://b/p').dir, 'gs://b/p');
    assert.equal(locateIndex('/home/me', './idx', 'gs://b/p').dir, '/home/me/idx');
  });

  it('an object-store index has no root of its own: stored paths are relative to the folder a command runs in', () => {
    const { home } = locateIndex('/home/me', 's3://team/handbook', undefined);
    assert.equal(home.newRoot(true, '/ci/checkout'), '/ci/checkout');
    assert.equal(home.rootOf('/ci/checkout', '/laptop/here'), '/laptop/here');
    assert.equal(home.storedRoot('/ci/checkout'), '/ci/checkout');
  });
});
