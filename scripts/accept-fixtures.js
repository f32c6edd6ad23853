#!/usr/bin/env node
// Writes fixtures/<case>/output.<ext> from the current engine (build first: npm run build), for the
// cases whose meta.json expects `changed`. Review every resulting `git diff` before committing it:
// the fixture outputs are the specification.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { convertFile } = require('../dist/src/cli/runner');

const root = path.join(__dirname, '..', 'fixtures');
const only = process.argv.slice(2);
(async () => {
  for (const name of fs.readdirSync(root).sort()) {
    if (!fs.statSync(path.join(root, name)).isDirectory()) continue;
    if (only.length && !only.includes(name)) continue;
    const dir = path.join(root, name);
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8'));
    const input = fs.readdirSync(dir).find((f) => f.startsWith('input.'));
    const outcome = await convertFile(path.join(dir, input), {
      write: false,
      convert: { interpreters: 'not-supported', gil: 'used', ...meta.options },
    });
    const outFile = path.join(dir, input.replace(/^input/, 'output'));
    if (outcome.status === 'changed' && meta.status === 'changed') {
      fs.writeFileSync(outFile, outcome.after);
      console.log(`wrote ${path.relative(process.cwd(), outFile)}`);
    } else if (outcome.status !== meta.status) {
      console.log(`${name}: expected ${meta.status}, got ${outcome.status}: ${outcome.reason ?? ''}`);
    }
  }
})();
