'use strict';
// The baseline for the benchmark: load the C grammar once and parse every .c file under a folder
// with tree-sitter, nothing else.
const fs = require('node:fs');
const path = require('node:path');
const { Parser, Language } = require('web-tree-sitter');

function files(dir, out = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) files(p, out);
    else if (p.endsWith('.c')) out.push(p);
  }
  return out;
}

(async () => {
  await Parser.init();
  const lang = await Language.load(fs.readFileSync(require.resolve('tree-sitter-c/tree-sitter-c.wasm')));
  const parser = new Parser();
  parser.setLanguage(lang);
  let nodes = 0;
  for (const f of files(process.argv[2]).sort()) {
    const tree = parser.parse(fs.readFileSync(f, 'latin1'));
    nodes += tree.rootNode.childCount;
    tree.delete();
  }
  process.stdout.write(`${nodes}\n`);
})();
