/**
 * Built-in defaults, in a module of their own so that `rag --help` can show them
 * without loading the context (and chalk, fs look-ups and the config file with it).
 */
export const DEFAULTS = {
  embedModel: 'nomic-embed-text',
  model: 'llama3.2',
  topK: 6,
  chunkSize: 1200,
  chunkOverlap: 150,
  maxFileSizeMb: 5,
  embedBatchSize: 32,
  embedConcurrency: 2,
} as const;
