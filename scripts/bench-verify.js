#!/usr/bin/env node
// Times `verify` against a bare `cc -O0` build plus a plain import of the same modules (see
// src/verify/bench.ts). Needs a build (npm run build). Usage: node scripts/bench-verify.js [file.c:module[:smoke]...]
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { benchVerify } = require('../dist/src/verify/bench.js');

const root = path.resolve(__dirname, '..');

function defaultCases() {
  const cases = [{ source: path.join(root, 'test', 'hostile', 'well_behaved.c'), moduleName: 'well_behaved', smoke: 'well_behaved.add(1, 2)' }];
  for (const name of ['minimal', 'textbook-spam', 'goto-error-label']) {
    const dir = path.join(root, 'fixtures', name);
    if (!fs.existsSync(path.join(dir, 'output.c'))) continue;
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8'));
    cases.push({ source: path.join(dir, 'output.c'), moduleName: meta.module, smoke: meta.smoke });
  }
  return cases;
}

function fromArgs(args) {
  return args.map((a) => {
    const [source, moduleName, ...smoke] = a.split(':');
    return { source: path.resolve(source), moduleName, smoke: smoke.length ? smoke.join(':') : undefined };
  });
}

module.exports = { defaultCases };

if (require.main === module) (async () => {
  const args = process.argv.slice(2);
  const result = await benchVerify(args.length ? fromArgs(args) : defaultCases(), (line) => console.log(line));
  const within = result.worstRatio <= 1.2 && result.worstWarmRatio <= 0.3;
  console.log(`verify: worst cold/baseline x${result.worstRatio.toFixed(2)} as it runs (target <= 1.2), x${result.worstSerialRatio.toFixed(2)} one interpreter at a time; warm x${result.worstWarmRatio.toFixed(2)} (target <= 0.3): ${within ? "ok" : "OVER"}`);
  process.exitCode = within && result.rows.every((r) => r.ok) ? 0 : 1;
})();
