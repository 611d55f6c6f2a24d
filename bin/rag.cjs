#!/usr/bin/env node
'use strict';
// CommonJS, so that `rag --version` and `rag --help` (answered by quick-answers) never
// start Node's ES module loader; everything else runs the CLI, an ES module.
const { quickAnswer } = require('../dist/src/quick-answers.cjs');

const answer = quickAnswer(process.argv.slice(2), Boolean(process.stdout.isTTY), process.env);
if (answer !== undefined) {
  // `rag --help | head -1`: a closed pipe is not an error.
  process.stdout.on('error', (err) => {
    if (err.code !== 'EPIPE') throw err;
  });
  process.stdout.write(answer);
} else {
  import('../dist/src/main.js').then(({ main }) => main());
}
