#!/usr/bin/env node
// Runs bulk-pr from the built dist/ with a command line parsed by its yargs spec, as src/cli.ts will.
// With BULK_HANG_MARKER set, the verifier writes that file and never returns, so a test can press
// Ctrl-C while a worktree exists; otherwise verification is off.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const yargs = require('yargs/yargs');

const dist = path.resolve(__dirname, '..', '..', 'dist', 'src', 'bulk');
const { bulkPrCommand, toBulkPrArgs } = require(path.join(dist, 'spec.js'));
const { runBulkPrCommand } = require(path.join(dist, 'command.js'));

const marker = process.env.BULK_HANG_MARKER;
const hanging = {
  verify() {
    fs.writeFileSync(marker, String(process.pid));
    setInterval(() => undefined, 1000); // keeps the process alive until the signal
    return new Promise(() => undefined);
  },
};

yargs(process.argv.slice(2))
  .command(bulkPrCommand.command, bulkPrCommand.describe, bulkPrCommand.builder, async (argv) => {
    const io = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s), cwd: process.cwd(), env: process.env };
    process.exitCode = await runBulkPrCommand(toBulkPrArgs(argv), io, { verifier: marker ? hanging : null, sleep: async () => undefined });
  })
  .strict()
  .parse();
