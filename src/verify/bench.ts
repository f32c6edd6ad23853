/**
 * Timing verify against what a user's own check would cost: per module and interpreter, a bare
 * `cc -O0` build plus one plain `python -c "import x"`, measured in the same run. Verify (cold
 * cache, sandbox on, every probe) should stay within 1.3x of that; a warm cache near zero.
 * The baseline runs one interpreter after another; verify is timed both as it runs (interpreters in
 * parallel) and one interpreter after another, each cold, so parallelism cannot hide its cost.
 * (CPU time is not compared: processes inside bubblewrap's PID namespace are not charged to us.)
 */

import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { discoverPythons } from './pythons';
import { faultShimObject, traceShimLibrary } from './shims';
import type { Interpreter } from './types';
import { verifyModule } from './verify';

export interface BenchCase {
  source: string;
  moduleName: string;
  smoke?: string;
}

export interface BenchRow {
  module: string;
  interpreters: number;
  /** Bare compile + plain import, summed over interpreters. */
  baselineMs: number;
  /** Cold verify as it runs: all interpreters in parallel. */
  coldMs: number;
  /** Cold verify, one interpreter after another. */
  serialMs: number;
  warmMs: number;
  ok: boolean;
}

export interface BenchResult {
  rows: BenchRow[];
  /** Worst cold/baseline ratio over the modules, verify as it runs. */
  worstRatio: number;
  /** Worst serial/baseline ratio: verify's cost without parallelism. */
  worstSerialRatio: number;
  /** Worst warm/baseline ratio: verify again with nothing changed. */
  worstWarmRatio: number;
}

function run(argv: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(argv[0], argv.slice(1), { cwd }, (err, _out, stderr) => (err ? reject(new Error(`${argv.join(' ')}: ${stderr}`)) : resolve()));
  });
}

async function baseline(c: BenchCase, py: Interpreter, dir: string): Promise<void> {
  const out = path.join(dir, `${c.moduleName}${py.extSuffix}`);
  const cc = /\.(cpp|cc|cxx)$/.test(c.source) ? py.cxx : py.cc;
  await run([...cc, '-O0', '-shared', '-fPIC', `-I${py.includeDir}`, c.source, '-o', out], dir);
  await run([py.exe, '-c', `import ${c.moduleName}`], dir);
}

export async function benchVerify(cases: BenchCase[], log: (s: string) => void = () => undefined): Promise<BenchResult> {
  const pythons = (await discoverPythons()).found;
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'pep489-bench-'));
  const savedCache = process.env.PEP489_CODEMOD_CACHE;
  const rows: BenchRow[] = [];
  try {
    for (const [n, c] of cases.entries()) {
      const dir = path.join(scratch, `base-${n}`);
      fs.mkdirSync(dir);
      let t = Date.now();
      for (const py of pythons) await baseline(c, py, dir);
      const baselineMs = Date.now() - t;

      const input = { sourcePath: c.source, moduleName: c.moduleName, pythons, smoke: c.smoke };
      await freshCache(path.join(scratch, `serial-${n}`), pythons);
      t = Date.now();
      for (const py of pythons) await verifyModule({ ...input, pythons: [py] });
      const serialMs = Date.now() - t;

      await freshCache(path.join(scratch, `parallel-${n}`), pythons);
      t = Date.now();
      const cold = await verifyModule(input);
      const coldMs = Date.now() - t;
      t = Date.now();
      await verifyModule(input);
      const warmMs = Date.now() - t;
      const row = { module: c.moduleName, interpreters: pythons.length, baselineMs, coldMs, serialMs, warmMs, ok: cold.ok };
      rows.push(row);
      log(formatRow(row));
    }
  } finally {
    if (savedCache === undefined) delete process.env.PEP489_CODEMOD_CACHE;
    else process.env.PEP489_CODEMOD_CACHE = savedCache;
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  return {
    rows,
    worstRatio: Math.max(...rows.map((r) => r.coldMs / r.baselineMs)),
    worstSerialRatio: Math.max(...rows.map((r) => r.serialMs / r.baselineMs)),
    worstWarmRatio: Math.max(...rows.map((r) => r.warmMs / r.baselineMs)),
  };
}

/** An empty cache, except for the two helper shims: they are built once per machine, not per module. */
async function freshCache(dir: string, pythons: Interpreter[]): Promise<void> {
  process.env.PEP489_CODEMOD_CACHE = dir;
  for (const cc of new Set(pythons.map((p) => JSON.stringify(p.cc)))) {
    await faultShimObject(JSON.parse(cc) as string[]);
    await traceShimLibrary(JSON.parse(cc) as string[]);
  }
}

export function formatRow(r: BenchRow): string {
  const per = (ms: number) => `${(ms / r.interpreters).toFixed(0)}ms`;
  const x = (ms: number) => `x${(ms / r.baselineMs).toFixed(2)}`;
  return (
    `verify ${r.module} on ${r.interpreters} interpreters, per module and interpreter: bare cc -O0 + import ${per(r.baselineMs)}; ` +
    `verify cold ${per(r.coldMs)} (${x(r.coldMs)}), one interpreter at a time ${per(r.serialMs)} (${x(r.serialMs)}); warm ${per(r.warmMs)}` +
    (r.ok ? '' : ' (verification FAILED)')
  );
}
