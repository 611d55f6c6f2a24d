#!/usr/bin/env node
// `rag --version` and `rag --help` are what people and scripts run most: answer them
// without loading the CLI (commander and every command's options).
const args = process.argv.slice(2);
const isHelpWord = (a) => a === '--help' || a === '-h' || a === 'help';
let answered = false;
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  const { VERSION } = await import('../dist/src/version.js');
  process.stdout.write(`${VERSION}\n`);
  answered = true;
} else if (args.length <= 2 && args.some(isHelpWord)) {
  const { cachedHelp } = await import('../dist/src/help-cache.js');
  const help = cachedHelp(args, Boolean(process.stdout.isTTY), process.env);
  if (help !== undefined) {
    // `rag --help | head -1`: a closed pipe is not an error.
    process.stdout.on('error', (err) => {
      if (err.code !== 'EPIPE') throw err;
    });
    process.stdout.write(help);
    answered = true;
  }
}
if (!answered) {
  const { main } = await import('../dist/src/main.js');
  await main();
}
