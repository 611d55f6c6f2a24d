/** rag's version, in a module of its own so `rag --version` can print it without loading the CLI. */
export const VERSION = '0.1.0';
