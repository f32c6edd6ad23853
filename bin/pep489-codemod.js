#!/usr/bin/env node
'use strict';
// Thin launcher: all behaviour lives in src/cli/cli.ts (built to dist/).
require('../dist/src/cli/cli.js')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
