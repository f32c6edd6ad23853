#!/usr/bin/env node
// Compiles the TypeScript sources to dist/ and copies the tree-sitter grammars (WASM) beside them,
// so the packed tarball parses C and C++ without a compiler on the user's machine.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});
const grammars = path.join(root, 'dist', 'grammars');
fs.mkdirSync(grammars, { recursive: true });
for (const pkg of ['tree-sitter-c', 'tree-sitter-cpp']) {
  fs.copyFileSync(require.resolve(`${pkg}/${pkg}.wasm`, { paths: [root] }), path.join(grammars, `${pkg}.wasm`));
}
// Non-TypeScript assets the verifier runs (Python probes) travel with the build.
for (const layer of ['verify', 'project']) {
  const assets = path.join(root, 'src', layer, 'probes');
  if (fs.existsSync(assets)) fs.cpSync(assets, path.join(root, 'dist', 'src', layer, 'probes'), { recursive: true });
}
