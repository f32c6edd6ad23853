// Semantics-preserving variants of the fixture inputs (issue "Hardening"): a variant must convert
// exactly as its original. Each variant changes what the compiler does not care about, in a way
// whose effect on the output is known, so the original's outcome mapped through the same change is
// what the variant must give:
//   crlf     every line ending CRLF: the output too, byte for byte;
//   bom      a UTF-8 byte order mark: the output keeps it;
//   rename   a static helper of the file renamed everywhere (a word the tool never writes itself):
//            the output is the original's with the same word renamed, the reason too;
//   comments a comment at the end of every line that ends a statement: same status, reason, line;
//   tabs     four-space indentation made tabs: same status, reason, line.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** Fixture inputs whose meta.json says changed or failed, with their options. */
function seeds() {
  const dir = path.join(ROOT, 'fixtures');
  const out = [];
  for (const name of fs.readdirSync(dir).sort()) {
    const d = path.join(dir, name);
    if (!fs.statSync(d).isDirectory()) continue;
    let meta;
    try {
      meta = JSON.parse(fs.readFileSync(path.join(d, 'meta.json'), 'utf8'));
    } catch {
      continue;
    }
    if (meta.status !== 'changed' && meta.status !== 'failed') continue;
    const input = fs.readdirSync(d).find((f) => f === 'input.c' || f === 'input.cpp');
    if (!input) continue;
    out.push({ name, file: path.join(d, input), bytes: fs.readFileSync(path.join(d, input)), options: meta.options || {} });
  }
  return out;
}

const wordRe = (w) => new RegExp(`\\b${w}\\b`, 'g');

/** A static function of the file to rename: not the init, not a name the tool could derive. */
function renameTarget(text) {
  for (const m of text.matchAll(/^static\s+[\w\s*]+?\b([a-z_][A-Za-z0-9_]{3,})\s*\(/gm)) {
    const name = m[1];
    if (/PyInit|exec|slots|module|_def$|first|once|loaded/.test(name)) continue;
    if (text.includes(`${name}_v`)) continue;
    return name;
  }
  return null;
}

/** The variants of one seed: { kind, bytes, expect(original outcome) -> expected comparable }. */
function variantsOf(seed) {
  const text = seed.bytes.toString('latin1');
  if (text.includes('\r\n') || seed.bytes.subarray(0, 3).equals(BOM)) return [];
  const out = [];
  out.push({ kind: 'crlf', bytes: Buffer.from(text.replace(/\n/g, '\r\n'), 'latin1'), mapOutput: (o) => o.replace(/\n/g, '\r\n'), mapReason: (r) => r });
  out.push({ kind: 'bom', bytes: Buffer.concat([BOM, seed.bytes]), mapOutput: (o) => o, mapReason: (r) => r });
  const target = renameTarget(text);
  if (target) {
    const to = `${target}_v`;
    const rename = (s) => s.replace(wordRe(target), to);
    out.push({ kind: `rename ${target}`, bytes: Buffer.from(rename(text), 'latin1'), mapOutput: rename, mapReason: rename });
  }
  // Not inside a #define's continuation, a string or a directive: only lines that end with `;` and
  // begin with whitespace then a letter (statements and declarations in a body).
  const commented = text.replace(/^([ \t]+[A-Za-z_][^\n"'\\/]*;)[ \t]*$/gm, '$1 /* v */');
  if (commented !== text) out.push({ kind: 'comments', bytes: Buffer.from(commented, 'latin1'), mapOutput: null, mapReason: (r) => r });
  if (/^ {4}\S/m.test(text) && !/^\t/m.test(text)) {
    const tabbed = text.replace(/^((?: {4})+)/gm, (s) => '\t'.repeat(s.length / 4));
    out.push({ kind: 'tabs', bytes: Buffer.from(tabbed, 'latin1'), mapOutput: null, mapReason: (r) => r });
  }
  return out;
}

/** Converts each seed and each of its variants; returns the variants whose outcome differs. */
async function runVariants(convertBytes, { limit } = {}) {
  const found = [];
  let count = 0;
  for (const seed of seeds().slice(0, limit ?? Infinity)) {
    const base = await convertBytes(seed.file, seed.bytes, seed.options);
    for (const v of variantsOf(seed)) {
      count++;
      const got = await convertBytes(seed.file, v.bytes, seed.options);
      const problems = [];
      if (got.status !== base.status) problems.push(`status ${got.status}, original ${base.status}`);
      else {
        if ((got.reason ?? '') !== v.mapReason(base.reason ?? '')) problems.push(`reason "${got.reason}", original "${base.reason}"`);
        if (got.line !== base.line) problems.push(`line ${got.line}, original ${base.line}`);
        if (base.status === 'changed' && v.mapOutput) {
          const expected = v.kind === 'bom' ? Buffer.concat([BOM, base.after]) : Buffer.from(v.mapOutput(base.after.toString('latin1')), 'latin1');
          if (!got.after.equals(expected)) problems.push('output differs from the original\'s mapped through the variant');
        }
      }
      if (problems.length) found.push({ seed: seed.name, kind: v.kind, problems });
    }
  }
  return { count, found };
}

module.exports = { seeds, variantsOf, runVariants };

if (require.main === module) {
  (async () => {
    const { convertBytes } = require(path.join(ROOT, 'dist', 'src', 'cli', 'runner.js'));
    const { count, found } = await runVariants(convertBytes);
    for (const f of found) console.log(`${f.seed} [${f.kind}]: ${f.problems.join('; ')}`);
    console.log(`variants: ${count} converted, ${found.length} changed outcomes`);
    process.exitCode = found.length ? 1 : 0;
  })();
}
