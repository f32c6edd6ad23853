#!/usr/bin/env node
'use strict';
// Benchmarks, as ratios against a baseline measured in the same run (never absolute times):
//   convert: `pep489-codemod --dry-run` over a generated tree vs a bare tree-sitter parse of it.
//   help:    wall time of `pep489-codemod --help`.
// Run after `npm run build`.
const { spawnSync } = require('node:child_process');
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
const ours = bench('pep489-codemod --dry-run', () => time([BIN, '--dry-run', tree], root));
const bare = bench('bare tree-sitter parse', () => time([path.join(__dirname, 'bare-parse.js'), tree], root));
const help = bench('pep489-codemod --help', () => time([BIN, '--help'], root));

console.log(`tree: ${files} C files (1 in 5 a single-phase module), median of ${RUNS} runs`);
console.log(`  ${bare.label.padEnd(28)} ${bare.ms.toFixed(0).padStart(6)} ms`);
console.log(`  ${ours.label.padEnd(28)} ${ours.ms.toFixed(0).padStart(6)} ms`);
console.log(`  ratio (ours / bare parse)     ${(ours.ms / bare.ms).toFixed(2)}   (target <= 1.0, stretch 0.5)`);
console.log(`  ${help.label.padEnd(28)} ${help.ms.toFixed(0).padStart(6)} ms   (target < 250 ms)`);
