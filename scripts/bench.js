#!/usr/bin/env node
'use strict';
// Benchmarks, as ratios against a baseline measured in the same run (never absolute times):
//   convert: `pep489-codemod --dry-run` over a generated tree vs a bare tree-sitter parse of it.
//   help:    wall time of `pep489-codemod --help`.
//   scaling: `--dry-run` (default --jobs: the cores) over the same generated tree at 1x, 4x and 16x
//            its size: wall time and peak memory (maxRSS, worker threads included) per size. The
//            time each added file costs must stay within 25 % from 1x->4x to 4x->16x (linear
//            growth), and the memory it costs must not rise by more than 25 % (at most linear); then --jobs 1 against --jobs 2 on the 4x tree, on two cores
//            (taskset) when the machine has more: --jobs 2 must be faster.
// Run after `npm run build`. BENCH_FILES sets the size of the first tree (default 500),
// BENCH_SCALE_FILES the 1x size of the scaling run (default 2000: below
// that, when the garbage collector runs moves peak memory more than the files do); BENCH_SCALE=0 skips it.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { generateTree } = require('./bench-tree');

const root = path.join(__dirname, '..');
const BIN = path.join(root, 'bin', 'pep489-codemod.js');
const RUNS = 5;

function time(args, cwd) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd, maxBuffer: 256 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function bench(label, fn) {
  fn(); // warm the page cache
  const ms = median(Array.from({ length: RUNS }, fn));
  return { label, ms };
}

const files = Number(process.env.BENCH_FILES || 500);
const tree = generateTree(path.join(os.tmpdir(), 'pep489-bench-tree'), files);
// One thread, as the bare parse: the ratio measures the engine, not the cores (see the scaling run for --jobs).
const ours = bench('pep489-codemod --dry-run -j1', () => time([BIN, '--dry-run', '--jobs', '1', tree], root));
const bare = bench('bare tree-sitter parse', () => time([path.join(__dirname, 'bare-parse.js'), tree], root));
const help = bench('pep489-codemod --help', () => time([BIN, '--help'], root));

console.log(`tree: ${files} C files (1 in 5 a single-phase module), median of ${RUNS} runs`);
console.log(`  ${bare.label.padEnd(28)} ${bare.ms.toFixed(0).padStart(6)} ms`);
console.log(`  ${ours.label.padEnd(28)} ${ours.ms.toFixed(0).padStart(6)} ms`);
console.log(`  ratio (ours / bare parse)     ${(ours.ms / bare.ms).toFixed(2)}   (target <= 1.0, stretch 0.5)`);
console.log(`  ${help.label.padEnd(28)} ${help.ms.toFixed(0).padStart(6)} ms   (target < 250 ms)`);

// Scaling. The command runs in-process in a small wrapper that prints its peak memory at exit;
// stdout (the diff) goes to /dev/null so the parent's buffering is not measured.
if (process.env.BENCH_SCALE !== '0') {
  const CLI = path.join(root, 'dist', 'src', 'cli', 'cli.js');
  const WRAPPER = `
    const fs = require('node:fs');
    process.on('exit', () => {
      const u = process.resourceUsage();
      fs.writeSync(2, '\\nBENCH_MAXRSS_KB ' + u.maxRSS + ' BENCH_CPU_US ' + (u.userCPUTime + u.systemCPUTime) + '\\n');
    });
    require(${JSON.stringify(CLI)}).main(process.argv.slice(1)).then((c) => { process.exitCode = c; });`;
  const SCALE_RUNS = Number(process.env.BENCH_SCALE_RUNS || 3);
  const haveTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  const cpus = (os.availableParallelism ? os.availableParallelism() : os.cpus().length);

  function measure(args, cwd, prefix = []) {
    const devnull = fs.openSync('/dev/null', 'w');
    const cmd = [...prefix, process.execPath, '-e', WRAPPER, '--', ...args];
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd[0], cmd.slice(1), { cwd, stdio: ['ignore', devnull, 'pipe'], maxBuffer: 64 * 1024 * 1024 });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    fs.closeSync(devnull);
    if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    const [, kb, us] = /BENCH_MAXRSS_KB (\d+) BENCH_CPU_US (\d+)/.exec(r.stderr.toString());
    return { ms, mb: Number(kb) / 1024, cpu: Number(us) / 1000 };
  }
  // The trees were just written: the page cache is warm without a warm-up run.
  function medianRun(args, cwd, prefix) {
    const runs = Array.from({ length: SCALE_RUNS }, () => measure(args, cwd, prefix));
    // Time: the best run (other load on the machine only ever adds to it); memory: the median.
    return { ms: Math.min(...runs.map((r) => r.ms)), cpu: Math.min(...runs.map((r) => r.cpu)), mb: median(runs.map((r) => r.mb)) };
  }

  // Time and memory = fixed start-up + a cost per file. The start-up (node, worker threads, WASM,
  // JIT warm-up) is the same at every size, so linear growth shows as the same cost per *added*
  // file between sizes; time per file overall is printed too, and shrinks as start-up amortises.
  const base = Number(process.env.BENCH_SCALE_FILES || 2000);
  const rows = [];
  for (const factor of [1, 4, 16]) {
    const n = base * factor;
    const dir = generateTree(path.join(os.tmpdir(), `pep489-bench-tree-${factor}x`), n);
    const m = medianRun(['--dry-run', dir], root);
    rows.push({ factor, n, ...m });
  }
  const added = (i, key) => (rows[i][key] - rows[i - 1][key]) / (rows[i].n - rows[i - 1].n);
  console.log(`\nscaling: --dry-run, --jobs ${cpus} (the cores); time: best of ${SCALE_RUNS} runs, memory: median`);
  console.log('  size    files   wall ms   ms/file   ms/added file   CPU ms   CPU ms/added file   peak MB   KB/added file');
  for (const [i, r] of rows.entries()) {
    const dt = i ? added(i, 'ms').toFixed(3) : '';
    const dc = i ? added(i, 'cpu').toFixed(3) : '';
    const dm = i ? (added(i, 'mb') * 1024).toFixed(1) : '';
    console.log(
      `  ${(r.factor + 'x').padEnd(5)} ${String(r.n).padStart(7)} ${r.ms.toFixed(0).padStart(9)} ${(r.ms / r.n).toFixed(3).padStart(9)} ${dt.padStart(15)} ${r.cpu.toFixed(0).padStart(8)} ${dc.padStart(19)} ${r.mb.toFixed(0).padStart(9)} ${dm.padStart(15)}`,
    );
  }
  const spread = (a, b) => (a > 0 && b > 0 ? 100 * (Math.max(a, b) / Math.min(a, b) - 1) : Infinity);
  const timeSpread = spread(added(1, 'ms'), added(2, 'ms'));
  const memSpread = spread(added(1, 'mb'), added(2, 'mb'));
  const cpuSpread = spread(added(1, 'cpu'), added(2, 'cpu'));
  const startup = rows[0].ms - added(1, 'ms') * rows[0].n;
  console.log(`  fixed start-up (extrapolated to 0 files)   ${startup.toFixed(0)} ms`);
  console.log(`  time per added file, 1x->4x vs 4x->16x     ${timeSpread.toFixed(0)} % apart (target <= 25 %) ${timeSpread <= 25 ? 'ok' : 'FAIL'}`);
  console.log(`  CPU per added file, 1x->4x vs 4x->16x      ${cpuSpread.toFixed(0)} % apart (less sensitive than wall time to other load on the machine)`);
  // Memory must not grow faster than the tree: the cost of an added file may fall (V8 keeps a heap
  // headroom that is a bigger share of a small run) but not rise by more than 25 % at the larger size.
  const memRise = 100 * (added(2, 'mb') / added(1, 'mb') - 1);
  console.log(`  memory per added file, 1x->4x vs 4x->16x   ${memSpread.toFixed(0)} % apart, ${memRise >= 0 ? '+' : ''}${memRise.toFixed(0)} % at 16x (target: at most linear, rise <= 25 %) ${memRise <= 25 ? 'ok' : 'FAIL'}`);

  // --jobs on two cores.
  const prefix = haveTaskset && cpus > 2 ? ['taskset', '-c', '0,1'] : [];
  const twoCores = prefix.length > 0 || cpus === 2;
  const tree4 = path.join(os.tmpdir(), 'pep489-bench-tree-4x');
  const j1 = medianRun(['--dry-run', '--jobs', '1', tree4], root, prefix);
  const j2 = medianRun(['--dry-run', '--jobs', '2', tree4], root, prefix);
  console.log(`\n--jobs on ${twoCores ? 'two cores' : `${cpus} core(s) (no taskset: not a two-core measurement)`}, ${rows[1].n} files, best of ${SCALE_RUNS} runs`);
  console.log(`  --jobs 1   ${j1.ms.toFixed(0).padStart(6)} ms wall  ${j1.cpu.toFixed(0).padStart(6)} ms CPU  ${j1.mb.toFixed(0).padStart(5)} MB`);
  console.log(`  --jobs 2   ${j2.ms.toFixed(0).padStart(6)} ms wall  ${j2.cpu.toFixed(0).padStart(6)} ms CPU  ${j2.mb.toFixed(0).padStart(5)} MB`);
  console.log(`  speed-up   ${(j1.ms / j2.ms).toFixed(2)}x   (target > 1) ${j2.ms < j1.ms ? 'ok' : 'FAIL'}`);
}
