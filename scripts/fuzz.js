#!/usr/bin/env node
// Fuzzes the conversion: mutates the fixture inputs, and checks that whenever a mutant compiles
// (gcc -fsyntax-only against CPython 3.12's headers, in every setting of the FUZZ_F* macros it
// tests), its conversion compiles too in those settings. Findings go under --out.
//
//   node scripts/fuzz.js --count 2000 --seed 1 [--jobs 2] [--out fuzz-findings]
//   node scripts/fuzz.js --seed 1 --only 1234 --fixture minimal [--print]   # one finding again
//
// Exit 0 when there is no finding, 1 when there is, 2 on a usage error or a missing compiler.
'use strict';
const path = require('node:path');
const lib = require('./fuzz-lib');

const USAGE = `usage: node scripts/fuzz.js [--count N] [--seed S] [--jobs J] [--out DIR] [--only I] [--fixture NAME]... [--print] [--keep-temp]
  --count N      mutants to run (default 1000)
  --seed S       the run's seed, an unsigned 32-bit integer (default: random, printed)
  --jobs J       gcc processes at once (default 2)
  --out DIR      where findings are written (default fuzz-findings/ in the current folder)
  --only I       run mutant I of the seed's run alone (reproduces a finding)
  --fixture NAME mutate only this fixture (repeatable). Mutant I of fixture NAME is the same with or
                 without it, so --seed S --only I --fixture NAME reproduces a finding even after
                 fixtures were added or removed (as long as NAME's input is unchanged)
  --print        with --only: print the mutant's mutations and text, run nothing
  --keep-temp    leave the temporary folder (its path is printed)`;

function parse(argv) {
  const o = { count: 1000, jobs: 2, out: 'fuzz-findings', fixtures: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => {
      const v = inline !== undefined ? inline : argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    const int = (v, min) => {
      if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > 0xffffffff) throw new Error(`${flag}: not an integer >= ${min}: ${v}`);
      return Number(v);
    };
    switch (flag) {
      case '--count':
        o.count = int(value(), 1);
        break;
      case '--seed':
        o.seed = int(value(), 0);
        break;
      case '--jobs':
        o.jobs = int(value(), 1);
        break;
      case '--out':
        o.out = value();
        break;
      case '--only':
        o.only = int(value(), 0);
        break;
      case '--fixture':
        (o.fixtures = o.fixtures || []).push(value());
        break;
      case '--print':
        o.print = true;
        break;
      case '--keep-temp':
        o.keepTemp = true;
        break;
      case '-h':
      case '--help':
        o.help = true;
        break;
      default:
        throw new Error(`unknown option ${a}`);
    }
  }
  if (o.seed === undefined) o.seed = require('node:crypto').randomBytes(4).readUInt32LE(0);
  return o;
}

async function main() {
  let o;
  try {
    o = parse(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`fuzz: ${e.message}\n${USAGE}\n`);
    return 2;
  }
  if (o.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (o.print) {
    if (o.only === undefined) {
      process.stderr.write('fuzz: --print needs --only I\n');
      return 2;
    }
    const seeds = lib.loadSeeds(undefined, o.fixtures);
    if (!seeds.length) {
      process.stderr.write('fuzz: no fixture inputs to mutate (status "changed" or "failed")\n');
      return 2;
    }
    const m = lib.makeMutant(seeds, o.seed, o.only);
    process.stdout.write(
      `seed ${o.seed} mutant ${o.only}: fixtures/${m.seed.name}/${m.seed.file}\nfeature macros: ${m.flags.join(' ') || '(none)'}\n` +
        m.mutations.map((d) => `  - ${d}\n`).join('') +
        '-----\n' +
        m.bytes.toString('latin1'),
    );
    return 0;
  }
  const toolchain = lib.findToolchain();
  if (toolchain.missing) {
    process.stderr.write(`fuzz: cannot run: ${toolchain.missing}\n`);
    return 2;
  }
  const out = path.resolve(o.out);
  process.stderr.write(
    `fuzz: seed ${o.seed} (reproduce with --seed ${o.seed}), ${o.only !== undefined ? `mutant ${o.only}` : `${o.count} mutants`}, ` +
      `${o.jobs} job(s), ${toolchain.gcc} with ${toolchain.include}\n`,
  );
  const r = await lib.runFuzz({
    seed: o.seed,
    count: o.count,
    only: o.only,
    jobs: o.jobs,
    out,
    fixtures: o.fixtures,
    keepTemp: o.keepTemp,
    toolchain,
    progress: true,
    handleSigint: true,
    log: (l) => process.stderr.write(`${l}\n`),
  });
  for (const f of r.findings) process.stdout.write(`${lib.describeFinding(f)}\n`);
  if (r.findings.length) process.stdout.write(`findings written under ${out}\n`);
  process.stdout.write(`${r.line}\n`);
  return r.findings.length ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`fuzz: ${(e && e.stack) || e}\n`);
    process.exitCode = 2;
  },
);
