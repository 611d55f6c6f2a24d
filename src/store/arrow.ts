/**
 * apache-arrow, loaded once for LanceDB and for the store, from its single-file build.
 *
 * LanceDB requires apache-arrow's CommonJS entry, a tree of some 300 small modules: loading
 * it was the largest single cost of a cold `rag search` (60-75 ms, more than opening the
 * table). The package also ships the same version as one minified file, which loads in
 * 15 ms and exports the same names. It is put in the require cache under the entry LanceDB
 * resolves, so LanceDB and the store share this one copy (two copies would also break
 * instanceof checks between them). A package without that file is loaded as before.
 */
import type * as ArrowModule from 'apache-arrow';
import { createRequire } from 'node:module';
import path from 'node:path';

function loadArrow(): typeof ArrowModule {
  // Resolved as LanceDB resolves it, so the cache entry is the one its require() finds.
  const lancedbRequire = createRequire(createRequire(import.meta.url).resolve('@lancedb/lancedb'));
  const entry = lancedbRequire.resolve('apache-arrow');
  const bundle = path.join(path.dirname(entry), 'Arrow.esnext.min.js');
  if (!lancedbRequire.cache[entry]) {
    try {
      lancedbRequire(bundle);
      const loaded = lancedbRequire.cache[bundle];
      if (loaded) lancedbRequire.cache[entry] = loaded;
    } catch {
      // No single-file build in this version: the entry below loads the module tree.
    }
  }
  return lancedbRequire('apache-arrow') as typeof ArrowModule;
}

export const Arrow = loadArrow();
