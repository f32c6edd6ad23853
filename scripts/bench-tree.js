'use strict';
// Generates a benchmark tree: `count` C files, about one in five a single-phase module (taken from the
// fixtures that convert), the rest ordinary C of a realistic size. Deterministic for a given count.
const fs = require('node:fs');
const path = require('node:path');

const FIXTURES = path.join(__dirname, '..', 'fixtures');

function moduleSources() {
  const known = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'known-failures.json'), 'utf8'));
  return fs
    .readdirSync(FIXTURES)
    .filter((name) => {
      const meta = path.join(FIXTURES, name, 'meta.json');
      // C fixtures only: the tree is of .c files.
      // Cases that include a header of their own need it beside them: without it they are refused
      // (rightly: a macro exec cannot see), so the tree leaves them out.
      const ownHeaders = fs.statSync(path.join(FIXTURES, name)).isDirectory() && fs.readdirSync(path.join(FIXTURES, name)).some((f) => f.endsWith('.h'));
      return !known[name] && !ownHeaders && fs.existsSync(path.join(FIXTURES, name, 'input.c')) && fs.existsSync(meta) && JSON.parse(fs.readFileSync(meta, 'utf8')).status === 'changed';
    })
    .sort()
    .map((name) => fs.readFileSync(path.join(FIXTURES, name, 'input.c'), 'latin1'));
}

function ordinaryC(i) {
  const fns = [];
  for (let f = 0; f < 12; f++) {
    fns.push(`/* Helper ${f} of unit ${i}: sums a window of the buffer with a stride. */
static long
unit${i}_sum${f}(const long *buf, size_t n, size_t stride)
{
    long total = 0;
    size_t k;

    if (buf == NULL || stride == 0)
        return -1;
    for (k = 0; k < n; k += stride) {
        if (buf[k] < 0)
            continue;
        total += buf[k] * ${f + 1};
    }
    switch (total % 3) {
    case 0:
        return total;
    case 1:
        return total + ${i % 7};
    default:
        return total - 1;
    }
}
`);
  }
  return `#include <stddef.h>\n#include <string.h>\n\nstruct unit${i}_state {\n    int count;\n    char name[32];\n};\n\n${fns.join('\n')}`;
}

function generateTree(dir, count) {
  fs.rmSync(dir, { recursive: true, force: true });
  const modules = moduleSources();
  for (let i = 0; i < count; i++) {
    const sub = path.join(dir, `pkg${i % 10}`);
    fs.mkdirSync(sub, { recursive: true });
    const text = i % 5 === 0 ? modules[(i / 5) % modules.length] : ordinaryC(i);
    fs.writeFileSync(path.join(sub, `file${i}.c`), text, 'latin1');
  }
  return dir;
}

module.exports = { generateTree };
