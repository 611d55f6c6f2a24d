/** The Ollama stub for one test: started, and closed when the test ends. */
import { startStub, type Stub, type StubOptions } from '../ollama-stub/server.js';
import type { CleanupHooks } from './paths.js';

/** close() rejects on scripted failures left unused, which fails the test that left them. */
export async function startTestStub(t: CleanupHooks, options?: StubOptions): Promise<Stub> {
  const stub = await startStub(options);
  t.after(() => stub.close());
  return stub;
}
