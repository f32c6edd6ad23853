#!/usr/bin/env node
'use strict';
// Benchmarks for the speed issue, as ratios against baselines measured in the same run (never
// absolute times), each printed against its target:
//   mixed:   a 400-file tree, one in five a real-shaped module of about 30 KB (bench-tree.js):
//            `--dry-run --jobs 1` against a bare tree-sitter parse of every file (target <= 0.5x),
//            and the default --jobs against --jobs 1 (must be faster).
//   big:     20 real-shaped modules of 2 MB each: `--dry-run --jobs 1` against a bare parse
//            (target <= 1.2x); peak memory of the 20 against 5 of them (linear in the largest file,
//            not the tree: within 25 %).
//   small:   one small module against `node -e 0` (target <= 2x); `--help` (target <= 1.5x).
//   scaling: the fixture tree at 1x, 4x and 16x: time and memory per added file flat (within 25 %).
//   verify:  see src/verify/bench.ts: cold verify against a bare `cc -O0` build and import of the
//            same modules (target <= 1.2x), warm (target <= 0.3x).
// Every process is timed by wall clock (best of the runs: other load only ever adds to it) and by
// CPU (user + system, of this process and its threads, reported at exit), and measured for peak memory.
// Run after `npm run build`. BENCH_ONLY=mixed,big,small,scaling,verify picks sections;
// BENCH_BIG_FILES sets the big tree's size (default 20), BENCH_SCALE_FILES the scaling tree's 1x
// (default 2000), BENCH_RUNS the runs per measurement (default 3).
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { generateTree, generateMixedTree, generateBigTree } = require('./bench-tree');

const root = path.join(__dirname, '..');
const BIN = path.join(root, 'bin', 'pep489-codemod.js');
const BARE = path.join(__dirname, 'bare-parse.js');
const RUNS = Number(process.env.BENCH_RUNS || 3);
const ONLY = new Set((process.env.BENCH_ONLY || 'mixed,big,small,scaling,verify').split(','));
const cpus = os.availableParallelism ? os.availableParallelism() : os.cpus().length;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'pep489-bench-'));
process.on('exit', () => fs.rmSync(scratch, { recursive: true, force: true }));

// Preloaded into every measured process: its CPU time and peak memory, printed at exit.
const HOOK = path.join(scratch, 'rusage-hook.js');
fs.writeFileSync(
  HOOK,
  `process.on('exit', () => { const u = process.resourceUsage(); require('fs').writeSync(2, '\\nBENCH_RUSAGE ' + u.maxRSS + ' ' + (u.userCPUTime + u.systemCPUTime) + '\\n'); });`,
);

/** One run of `node <args>`: wall ms, CPU ms, peak MB. stdout goes to /dev/null (the diff is not what is measured). */
function once(args) {
  const devnull = fs.openSync('/dev/null', 'w');
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['-r', HOOK, ...args], { cwd: root, stdio: ['ignore', devnull, 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  fs.closeSync(devnull);
  if (r.status !== 0 && r.status !== 1) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const m = /BENCH_RUSAGE (\d+) (\d+)/.exec(r.stderr.toString());
  return { ms, cpu: m ? Number(m[2]) / 1000 : NaN, mb: m ? Number(m[1]) / 1024 : NaN };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Best wall and CPU time and median peak memory over the runs, after one warm-up run. */
function measure(args, runs = RUNS) {
  once(args);
  const rs = Array.from({ length: runs }, () => once(args));
  return { ms: Math.min(...rs.map((r) => r.ms)), cpu: Math.min(...rs.map((r) => r.cpu)), mb: median(rs.map((r) => r.mb)) };
}

const results = [];
function judge(what, value, target, ok, unit = 'x') {
  results.push({ what, value, target, ok });
  console.log(`  ${what.padEnd(52)} ${value.toFixed(2).padStart(7)}${unit}  target ${target}  ${ok ? 'ok' : 'MISS'}`);
}
const row = (label, m) => console.log(`  ${label.padEnd(40)} ${m.ms.toFixed(0).padStart(7)} ms wall ${m.cpu.toFixed(0).padStart(7)} ms CPU ${m.mb.toFixed(0).padStart(6)} MB`);

if (ONLY.has('mixed')) {
  const tree = generateMixedTree(path.join(scratch, 'mixed'), 400);
  const bytes = treeBytes(tree);
  console.log(`\nmixed: 400 files (80 real-shaped modules), ${(bytes / 1e6).toFixed(1)} MB`);
  const bare = measure([BARE, tree]);
  const j1 = measure([BIN, '--dry-run', '--jobs', '1', tree]);
  const jd = measure([BIN, '--dry-run', tree]);
  row('bare tree-sitter parse of every file', bare);
  row('pep489-codemod --dry-run --jobs 1', j1);
  row(`pep489-codemod --dry-run (--jobs ${cpus})`, jd);
  judge('mixed: --jobs 1 / bare parse (wall)', j1.ms / bare.ms, '<= 0.5', j1.ms / bare.ms <= 0.5);
  console.log(`  (CPU: ${(j1.cpu / bare.cpu).toFixed(2)}x)`);
  judge('mixed: default --jobs / --jobs 1 (wall)', jd.ms / j1.ms, '< 1', jd.ms < j1.ms);
}

if (ONLY.has('big')) {
  const n = Number(process.env.BENCH_BIG_FILES || 20);
  const tree = generateBigTree(path.join(scratch, 'big'), n);
  const few = generateBigTree(path.join(scratch, 'big-few'), Math.max(1, Math.round(n / 4)));
  console.log(`\nbig: ${n} real-shaped modules of about 2 MB, ${(treeBytes(tree) / 1e6).toFixed(1)} MB`);
  const bare = measure([BARE, tree], 1);
  const ours = measure([BIN, '--dry-run', '--jobs', '1', tree], 1);
  const oursFew = measure([BIN, '--dry-run', '--jobs', '1', few], 1);
  row('bare tree-sitter parse of every file', bare);
  row('pep489-codemod --dry-run --jobs 1', ours);
  row(`  the same on ${Math.round(n / 4)} of them`, oursFew);
  judge('big: --jobs 1 / bare parse (wall)', ours.ms / bare.ms, '<= 1.2', ours.ms / bare.ms <= 1.2);
  console.log(`  (CPU: ${(ours.cpu / bare.cpu).toFixed(2)}x)`);
  judge(`big: peak memory, ${n} files / ${Math.round(n / 4)} files`, ours.mb / oursFew.mb, '<= 1.25', ours.mb / oursFew.mb <= 1.25);
}

if (ONLY.has('small')) {
  const small = path.join(scratch, 'small.c');
  fs.copyFileSync(path.join(root, 'fixtures', 'textbook-spam', 'input.c'), small);
  console.log('\nsmall: one small module');
  const node0 = measure(['-e', '0'], 5);
  const one = measure([BIN, '--dry-run', small], 5);
  const help = measure([BIN, '--help'], 5);
  row('node -e 0', node0);
  row('pep489-codemod --dry-run small.c', one);
  row('pep489-codemod --help', help);
  judge('small: one file / node -e 0 (wall)', one.ms / node0.ms, '<= 2', one.ms / node0.ms <= 2);
  judge('small: --help / node -e 0 (wall)', help.ms / node0.ms, '<= 1.5', help.ms / node0.ms <= 1.5);
}

if (ONLY.has('scaling')) {
  // Time and memory = fixed start-up + a cost per file: linear growth shows as the same cost per
  // *added* file between sizes.
  const base = Number(process.env.BENCH_SCALE_FILES || 2000);
  const rows = [];
  for (const factor of [1, 4, 16]) {
    const dir = generateTree(path.join(scratch, `scale-${factor}x`), base * factor);
    rows.push({ factor, n: base * factor, ...measure([BIN, '--dry-run', dir], 1) });
  }
  const added = (i, key) => (rows[i][key] - rows[i - 1][key]) / (rows[i].n - rows[i - 1].n);
  console.log(`\nscaling: --dry-run (--jobs ${cpus}) over the fixture tree at 1x, 4x, 16x`);
  for (const r of rows) row(`${r.factor}x, ${r.n} files`, r);
  const spread = (a, b) => (a > 0 && b > 0 ? Math.max(a, b) / Math.min(a, b) - 1 : Infinity);
  judge('scaling: time per added file, 1x->4x vs 4x->16x', 100 * spread(added(1, 'ms'), added(2, 'ms')), '<= 25 %', spread(added(1, 'ms'), added(2, 'ms')) <= 0.25, ' %');
  const rise = added(2, 'mb') / added(1, 'mb') - 1;
  judge('scaling: memory per added file, rise at 16x', 100 * rise, '<= 25 %', rise <= 0.25, ' %');
}

function treeBytes(dir) {
  let sum = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) sum += fs.statSync(path.join(e.parentPath ?? e.path, e.name)).size;
  return sum;
}

(async () => {
  if (ONLY.has('verify')) {
    const { benchVerify } = require('../dist/src/verify/bench.js');
    const { defaultCases } = require('./bench-verify.js');
    console.log('\nverify: against a bare cc -O0 build and a plain import of the same modules');
    const r = await benchVerify(defaultCases(), (line) => console.log(`  ${line}`));
    judge('verify: cold / bare work (worst module)', r.worstRatio, '<= 1.2', r.worstRatio <= 1.2);
    judge('verify: warm / bare work (worst module)', r.worstWarmRatio, '<= 0.3', r.worstWarmRatio <= 0.3);
  }
  const missed = results.filter((r) => !r.ok);
  console.log(`\n${results.length - missed.length} of ${results.length} targets met${missed.length ? `; missed: ${missed.map((m) => m.what).join('; ')}` : ''}`);
})();
