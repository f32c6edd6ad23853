/**
 * Compiling one module for one interpreter the way a user's build would: the interpreter's own
 * sysconfig (CC or CXX, CFLAGS, CCSHARED, LDSHARED, EXT_SUFFIX, include dir), plus -Werror flags that
 * turn APIs missing from that CPython into compile errors. Optimisation and debug info are replaced
 * by -O0 (4-5x faster, same semantics but for C99 plain `inline` functions: see commandFor). The fault-injection shim is linked in; disarmed, it forwards.
 * Results go to the content-addressed cache: sources, included headers, flags and interpreter.
 */

import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { entryDir, hashFile, hashOf, readJson, scratchDir, storeEntry, writeJsonAtomic } from './cache';
import { cores, Semaphore } from './pool';
import { faultShimObject, wrappedApis } from './shims';
import { removeScratch, trackScratch } from '../cli/scratch';
import type { Interpreter } from './types';

export interface BuildInput {
  /** The module's source first, then any extra translation units it needs. */
  sources: string[];
  moduleName: string;
  python: Interpreter;
  includeDirs?: string[];
  /** "NAME" or "NAME=VALUE". */
  defines?: string[];
  undefines?: string[];
  /** The project's own compile flags that change what its code means (-std=..., -f...). */
  compileArgs?: string[];
  /** Linker flags after the objects: "-llzma", "-L/opt/lib"; a bare name is a library ("lzma"). */
  link?: string[];
  /** The path diagnostics should name when sources[0] is a temporary copy of the user's file. */
  displayPath?: string;
  /** false: build fresh and keep nothing. */
  cache?: boolean;
  /**
   * The strict errors as plain warnings, for a project whose own code trips them (the verifier then
   * compares the converted build's warnings with the original's; see strictWarningCounts).
   */
  relaxed?: boolean;
}

export type BuildResult =
  | { ok: true; soPath: string; cached: boolean; warnings: string; ms: number }
  | { ok: false; error: string; diagnostics: string; ms: number };

const C_STRICT = [
  '-Wall',
  '-Werror=implicit-function-declaration',
  '-Werror=int-conversion',
  '-Werror=incompatible-pointer-types',
  '-Werror=return-type',
];
// `return NULL;` left in an int function is only a warning in C++ (NULL converts to 0): make it an error.
const CXX_STRICT = ['-Wall', '-Werror=return-type', '-Werror=conversion-null'];
/** Flags g++ rejects or warns about; CPython's CFLAGS are written for C. */
const C_ONLY = /^-(W(error=)?(implicit-function-declaration|strict-prototypes|missing-prototypes|old-style-definition|declaration-after-statement|int-conversion|incompatible-pointer-types)|std=(c|gnu)\d+)$/;
const OPT_OR_DEBUG = /^-(O\d*|Os|Oz|Ofast|Og|g\d?|ggdb\d?)$/;
/** Headers of the toolchain and the interpreter are covered by the interpreter's identity in the key. */
const SYSTEM_HEADERS = ['/usr/include/', '/usr/lib/gcc/', '/usr/lib/llvm'];
const CXX_EXT = /\.(cpp|cc|cxx|c\+\+|C)$/;

const compiles = new Semaphore(cores());

/** The builds of one set of inputs, newest first: one per state of the headers they include. */
interface Manifest {
  builds: {
    /** Headers (and other inputs) the compiler read, with their hashes when the entry was built. */
    deps: [string, string][];
    entry: string;
  }[];
}
/** Enough for switching branches back and forth without rebuilding. */
const BUILDS_PER_MANIFEST = 8;

function strictness(flags: string[], relaxed: boolean | undefined): string[] {
  return relaxed ? flags.map((f) => f.replace(/^-Werror=/, '-W')) : flags;
}

/** How many diagnostics of each strict kind a build log has ("int-conversion" -> 2). */
export function strictWarningCounts(log: string): Map<string, number> {
  const kinds = new Set([...C_STRICT, ...CXX_STRICT].filter((f) => f.startsWith('-Werror=')).map((f) => f.slice('-Werror='.length)));
  const counts = new Map<string, number>();
  for (const m of log.matchAll(/\[-W(?:error=)?([\w-]+)\]/g)) if (kinds.has(m[1])) counts.set(m[1], (counts.get(m[1]) ?? 0) + 1);
  return counts;
}

export function isCxx(file: string): boolean {
  return CXX_EXT.test(file);
}

export async function buildModule(input: BuildInput): Promise<BuildResult> {
  const started = Date.now();
  const py = input.python;
  const shim = await faultShimObject(py.cc);
  const cxx = input.sources.some(isCxx);
  const plan = commandFor(input);
  const soName = `${input.moduleName}${py.extSuffix}`;
  const useCache = input.cache !== false;
  const key = hashOf(
    'build-v2',
    py.realExe,
    py.version,
    py.includeDir,
    headerStamp(py),
    input.moduleName,
    JSON.stringify(plan.flags),
    path.dirname(path.resolve(input.displayPath ?? input.sources[0])),
    ...input.sources.map((s) => hashFile(s) ?? `missing ${s}`),
    hashFile(shim) ?? '',
  );
  const manifestFile = path.join(entryDir('builds', key), 'manifest.json');
  const manifest = (useCache && readJson<Manifest>(manifestFile)) || { builds: [] };
  for (const b of manifest.builds ?? []) {
    if (!b.deps.every(([file, h]) => hashFile(file) === h)) continue;
    const so = path.join(entryDir('objects', b.entry), soName);
    if (fs.existsSync(so)) return { ok: true, soPath: so, cached: true, warnings: readLog(so), ms: Date.now() - started };
  }
  const work = trackScratch(scratchDir('build'));
  try {
    // Time spent queueing for a core is not the build's: ms counts from when it got one.
    const queued = Date.now();
    let waited = 0;
    const out = await compiles.run(() => {
      waited = Date.now() - queued;
      return compileAll(input, plan, work, soName, cxx);
    });
    if (!out.ok) return { ...out, ms: Date.now() - started - waited };
    const deps = readDeps(work, input, py);
    const entry = hashOf(key, JSON.stringify(deps));
    const dir = await storeEntry('objects', entry, async (tmp) => {
      fs.renameSync(path.join(work, soName), path.join(tmp, soName));
      fs.writeFileSync(path.join(tmp, 'build.log'), out.log);
    });
    if (useCache) {
      const builds = [{ deps, entry }, ...(manifest.builds ?? []).filter((b) => b.entry !== entry)].slice(0, BUILDS_PER_MANIFEST);
      writeJsonAtomic(manifestFile, { builds } satisfies Manifest);
    }
    return { ok: true, soPath: path.join(dir, soName), cached: false, warnings: out.log, ms: Date.now() - started - waited };
  } finally {
    removeScratch(work);
  }
}

interface Plan {
  /** Everything but the inputs and outputs, which vary per build folder. */
  flags: { cDriver: string[]; cxxDriver: string[]; cCompile: string[]; cxxCompile: string[]; link: string[] };
}

function commandFor(input: BuildInput): Plan {
  const py = input.python;
  const base = py.cflags.filter((f) => !OPT_OR_DEBUG.test(f));
  const includes = [
    ...(input.displayPath ? ['-iquote', path.dirname(path.resolve(input.displayPath))] : []),
    ...(input.includeDirs ?? []).map((d) => `-I${path.resolve(d)}`),
    `-I${py.includeDir}`,
    ...(py.platIncludeDir !== py.includeDir ? [`-I${py.platIncludeDir}`] : []),
  ];
  const defines = [...(input.defines ?? []).map((d) => `-D${d}`), ...(input.undefines ?? []).map((d) => `-U${d}`), ...(input.compileArgs ?? [])];
  // -O0 changes one thing: a plain C99 `inline` function (not static, not extern) has no external
  // definition, and is only found while the optimiser inlines every call (pycrypto's _fastmath:
  // "undefined symbol: size" at import). Such sources keep the interpreter's own optimisation.
  const optimise = input.sources.some(hasPlainInlineFunction) ? py.cflags.filter((f) => /^-O/.test(f)) : ['-O0'];
  const common = [...optimise, ...py.ccshared, ...includes, ...defines];
  return {
    flags: {
      cDriver: py.cc,
      cxxDriver: py.cxx,
      cCompile: [...base, ...common, ...strictness(C_STRICT, input.relaxed)],
      cxxCompile: [...base.filter((f) => !C_ONLY.test(f)), ...common, ...strictness(CXX_STRICT, input.relaxed)],
      link: [
        ...py.ldflags.filter((f) => !OPT_OR_DEBUG.test(f)),
        ...wrappedApis().map((n) => `-Wl,--wrap=${n}`),
        // A flag, a library file's path (a build's own libxml2.so.16), or a bare name (`lzma`).
        ...(input.link ?? []).map((l) => (l.startsWith('-') || l.includes('/') ? l : `-l${l}`)),
      ],
    },
  };
}

/** Does the C source define a function `inline` without `static` or `extern` (C99's inline definition)? */
function hasPlainInlineFunction(src: string): boolean {
  if (isCxx(src)) return false; // C++ inline functions are emitted where used
  let text: string;
  try {
    text = fs.readFileSync(src, 'latin1');
  } catch {
    return false;
  }
  for (const m of text.matchAll(/\b(?:inline|__inline__|__inline)\b/g)) {
    const start = text.lastIndexOf('\n', m.index) + 1;
    const end = text.slice(m.index).search(/[;{]/);
    if (end < 0) continue;
    const header = text.slice(start, m.index + end + 1);
    // A definition (ends at `{`, with a parameter list), at the start of a line, neither static nor extern.
    if (header.endsWith('{') && header.includes('(') && !/^\s*#/.test(header) && !/\b(static|extern)\b/.test(header)) return true;
  }
  return false;
}

type CompileOutcome = { ok: true; log: string } | { ok: false; error: string; diagnostics: string };

/**
 * One source: compile and link in one compiler run (the common case, and the fastest). Several:
 * compile each to an object with its own dependency file, then link with C++ if any source is C++.
 */
async function compileAll(input: BuildInput, plan: Plan, work: string, soName: string, cxx: boolean): Promise<CompileOutcome> {
  const f = plan.flags;
  const shim = await faultShimObject(input.python.cc);
  const out = path.join(work, soName);
  const compileFlags = (src: string): string[] => (isCxx(src) ? [...f.cxxDriver, ...f.cxxCompile] : [...f.cDriver, ...f.cCompile]);
  const logs: string[] = [];
  if (input.sources.length === 1) {
    const src = input.sources[0];
    const r = await run([...compileFlags(src), '-MD', '-MF', path.join(work, 'deps0.d'), src, shim, ...f.link, '-o', out]);
    logs.push(r.output);
    if (r.code !== 0) return failure(input, r.output, logs);
  } else {
    const objects: string[] = [];
    for (const [i, src] of input.sources.entries()) {
      const obj = path.join(work, `src${i}.o`);
      objects.push(obj);
      const r = await run([...compileFlags(src), '-MD', '-MF', path.join(work, `deps${i}.d`), '-c', src, '-o', obj]);
      logs.push(r.output);
      if (r.code !== 0) return failure(input, r.output, logs);
    }
    const driver = cxx ? f.cxxDriver : f.cDriver;
    const r = await run([...driver, ...objects, shim, ...f.link, '-o', out]);
    logs.push(r.output);
    if (r.code !== 0) return failure(input, r.output, logs);
  }
  return { ok: true, log: relabel(input, logs.join('')) };
}

function failure(input: BuildInput, output: string, logs: string[]): CompileOutcome {
  const diagnostics = relabel(input, logs.join(''));
  const py = input.python;
  const errors = relabel(input, output)
    .split('\n')
    .filter((l) => /^[^\s:][^:]*:\d+(:\d+)?: (fatal )?error: /.test(l) || /undefined reference|ld returned/.test(l));
  const first = errors.length > 0 ? errors.slice(0, 3).join('; ') : diagnostics.trim().split('\n').slice(-3).join('; ');
  return { ok: false, error: `${first} [CPython ${py.version}, ${py.exe}]`, diagnostics };
}

/** Diagnostics name the user's file, not the temporary copy that was compiled. */
function relabel(input: BuildInput, text: string): string {
  if (!input.displayPath) return text;
  return text.split(input.sources[0]).join(input.displayPath);
}

/** Every non-system input the compiler read, from its -MD files, with its hash now. */
function readDeps(work: string, input: BuildInput, py: Interpreter): [string, string][] {
  const skip = [py.includeDir + '/', py.platIncludeDir + '/', ...SYSTEM_HEADERS];
  const files = new Set<string>();
  for (const name of fs.readdirSync(work)) {
    if (!name.endsWith('.d')) continue;
    const text = fs.readFileSync(path.join(work, name), 'utf8').replace(/\\\n/g, ' ');
    const body = text.slice(text.indexOf(': ') + 2);
    for (const m of body.matchAll(/((?:\\ |[^\s])+)/g)) {
      const file = path.resolve(m[1].replace(/\\ /g, ' '));
      if (!skip.some((s) => file.startsWith(s))) files.add(file);
    }
  }
  // The sources themselves are already in the key; a temporary copy must not be re-read later.
  for (const s of input.sources) files.delete(path.resolve(s));
  return [...files].sort().map((f) => [f, hashFile(f) ?? 'missing']);
}

function readLog(so: string): string {
  try {
    return fs.readFileSync(path.join(path.dirname(so), 'build.log'), 'utf8');
  } catch {
    return '';
  }
}

/** The interpreter's headers, identified cheaply: a reinstall of the same version changes their times. */
function headerStamp(py: Interpreter): string {
  try {
    const st = fs.statSync(path.join(py.includeDir, 'Python.h'));
    return `${st.size}:${st.mtimeMs}`;
  } catch {
    return 'no-headers';
  }
}

function run(argv: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    // LC_ALL=C: plain ASCII quotes in diagnostics, whatever the user's locale.
    execFile(argv[0], argv.slice(1), { timeout: 300000, maxBuffer: 16 << 20, env: { ...process.env, LC_ALL: 'C' } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, output: stdout + stderr + (err && typeof err.code !== 'number' ? String(err.message) : '') });
    });
  });
}
