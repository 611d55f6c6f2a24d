#!/usr/bin/env node
// `rag --version` is what scripts call most: answer it without loading the CLI.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  const { VERSION } = await import('../dist/src/version.js');
  process.stdout.write(`${VERSION}\n`);
} else {
  const { main } = await import('../dist/src/main.js');
  await main();
}
