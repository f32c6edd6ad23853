/**
 * A module's build from a compile_commands.json (CMake, Meson, Bear): the one given, or the nearest
 * one found walking up from the source (also in a build/ folder beside it), stopping at the
 * repository root. The whole database is read: every source of the module's target, and the flags
 * that belong to the project. A Python include folder and interpreter-specific flags are dropped,
 * since each CPython the verifier builds for brings its own (a database captured against 3.11's
 * headers must not build the 3.12 and 3.13 runs against them).
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ModuleBuild } from './module-build';

interface Entry {
  directory: string;
  file: string;
  command?: string;
  arguments?: string[];
  output?: string;
}

const parsed = new Map<string, Entry[]>();

export function findCompileCommands(source: string): string | undefined {
  let dir = path.dirname(path.resolve(source));
  for (;;) {
    for (const candidate of [path.join(dir, 'compile_commands.json'), path.join(dir, 'build', 'compile_commands.json')]) {
      if (fs.existsSync(candidate)) return candidate;
    }
    const parent = path.dirname(dir);
    if (parent === dir || fs.existsSync(path.join(dir, '.git'))) return undefined;
    dir = parent;
  }
}

function entriesOf(database: string): Entry[] {
  let entries = parsed.get(database);
  if (!entries) {
    const data = JSON.parse(fs.readFileSync(database, 'utf8')) as unknown;
    if (!Array.isArray(data)) throw new Error(`${database}: not a compile_commands.json (a JSON array of compile commands)`);
    entries = data as Entry[];
    parsed.set(database, entries);
  }
  return entries;
}

const argsOf = (e: Entry): string[] => e.arguments ?? shellSplit(e.command ?? '');

/** A folder of a CPython's (or PyPy's) own headers: each interpreter brings its own. */
export function isPythonInclude(dir: string): boolean {
  return /\/include\/(python\d+(\.\d+)?[a-z]*|pypy\d*(\.\d+)?)\/?$/.test(dir) || /\/(python\d+\.\d+[a-z]*)\/include\/?$/.test(dir);
}

/** Defines that describe the interpreter, not the project. */
const INTERPRETER_DEFINES = /^(Py_DEBUG|Py_GIL_DISABLED|Py_TRACE_REFS|Py_REF_DEBUG)(=|$)/;
/** -f flags about code generation or output that the verifier sets itself or that do not change meaning. */
const OWN_F_FLAGS = /^-f(PIC|pic|PIE|pie|diagnostics|color|message-length|debug-prefix-map|file-prefix-map|macro-prefix-map|profile|coverage|stack-protector|ccache)/;

/**
 * Which target an entry is compiled for: Meson's `<target>.p/` or CMake's `CMakeFiles/<target>.dir/`
 * in its object's path; otherwise its folder and flags (Bear and hand-written databases).
 */
function targetOf(e: Entry): string {
  const args = argsOf(e);
  const o = args.indexOf('-o');
  const output = e.output ?? (o >= 0 ? args[o + 1] : args.find((a) => a.startsWith('-o'))?.slice(2));
  if (output) {
    const abs = path.resolve(e.directory, output);
    const meson = /^(.*?\.p)\//.exec(abs);
    if (meson) return meson[1];
    const cmake = /^(.*\/CMakeFiles\/[^/]+\.dir)\//.exec(abs);
    if (cmake) return cmake[1];
  }
  const flags = args.filter((a, i) => a.startsWith('-') && a !== '-o' && args[i - 1] !== '-o' && a !== '-c');
  return `${path.resolve(e.directory)}\0${flags.join(' ')}`;
}

/** A folder of the system's own libraries (found by the loader and shown in the sandbox without help). */
export function isSystemLibraryPath(p: string): boolean {
  return /^\/(usr|lib|lib64|lib32)(\/|$)/.test(p);
}

/** Libraries and their folders among a link command's words; objects, outputs and libpython are not. */
function linkWords(words: readonly string[], dir: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w === '-o') {
      i++;
      continue;
    }
    if (/^-l(?!python)/.test(w) || /^-L./.test(w) || /^-Wl,(-rpath|-R)/.test(w)) out.push(w.replace(/:+$/, ''));
    else if (!w.startsWith('-') && /\.(so(\.\d+)*|a)$/.test(w) && !/libpython/.test(w)) {
      const lib = path.resolve(dir, w);
      out.push(lib);
      // A library of the build's own (libxml2.so.16 beside the module) is found where it was built.
      if (/\.so/.test(lib) && !isSystemLibraryPath(lib) && !out.includes(`-Wl,-rpath,${path.dirname(lib)}`)) out.push(`-Wl,-rpath,${path.dirname(lib)}`);
    }
  }
  return out;
}

/**
 * The libraries the module's target links (compile_commands.json records no link step): from the
 * build.ninja beside the database (Meson's `LINK_ARGS`, CMake's `LINK_LIBRARIES` and `LINK_FLAGS`
 * under the build statement of the target's objects), or CMake's `<target>.dir/link.txt` (Makefiles).
 */
function linkFlags(database: string, key: string): string[] {
  const dir = path.dirname(database);
  const linkTxt = path.join(key, 'link.txt');
  if (/\/CMakeFiles\/[^/]+\.dir$/.test(key) && fs.existsSync(linkTxt)) {
    // Makefiles: link.txt is run from the folder holding CMakeFiles.
    return linkWords(shellSplit(fs.readFileSync(linkTxt, 'utf8')), path.dirname(path.dirname(key)));
  }
  let ninja: string;
  try {
    ninja = fs.readFileSync(path.join(dir, 'build.ninja'), 'utf8');
  } catch {
    return [];
  }
  const objects = path.relative(dir, key) + '/';
  const lines = ninja.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^build ([^:]+):\s*(\S+)\s+(.*)$/.exec(lines[i]);
    if (!m || /COMPILER/.test(m[2]) || !m[3].split(/\s+/).some((w) => w.startsWith(objects))) continue;
    const words: string[] = [];
    for (let j = i + 1; j < lines.length && /^\s+\S/.test(lines[j]); j++) {
      const v = /^\s+(LINK_ARGS|LINK_LIBRARIES|LINK_FLAGS)\s*=\s*(.*)$/.exec(lines[j]);
      if (v) words.push(...shellSplit(v[2]));
    }
    return linkWords(words, dir);
  }
  return [];
}

/**
 * Meson's install plan beside the database (`meson-info/intro-install_plan.json`): each built
 * extension module's dotted name, from where it is installed under the Python library folder
 * (`{py_platlib}/cairo/_cairo.cpython-311-x86_64-linux-gnu.so` is `cairo._cairo`), by its output path.
 */
function installedNames(database: string): Map<string, string> {
  const names = new Map<string, string>();
  let plan: { targets?: Record<string, { destination?: string }> };
  try {
    plan = JSON.parse(fs.readFileSync(path.join(path.dirname(database), 'meson-info', 'intro-install_plan.json'), 'utf8'));
  } catch {
    return names;
  }
  for (const [output, t] of Object.entries(plan.targets ?? {})) {
    const m = /^\{py_(?:plat|pure)lib\}\/(.+?)(?:\.[^./]+)*\.(?:so|pyd)$/.exec(t.destination ?? '');
    if (m) names.set(path.resolve(output), m[1].replace(/\//g, '.'));
  }
  return names;
}

/** Every extension module the database's Meson install plan installs, as the database builds it. */
export function modulesFromDatabase(database: string): ModuleBuild[] {
  const names = installedNames(database);
  const out: ModuleBuild[] = [];
  for (const output of names.keys()) {
    const entry = entriesOf(database).find((e) => targetOf(e) === `${output}.p`);
    const build = entry && moduleFromDatabase(database, path.resolve(entry.directory, entry.file));
    if (build) out.push(build);
  }
  return out;
}

/** The module's build as the database records it, or undefined when the database does not list the source. */
export function moduleFromDatabase(database: string, source: string): ModuleBuild | undefined {
  const entries = entriesOf(database);
  const target = path.resolve(source);
  const entry = entries.find((e) => path.resolve(e.directory, e.file) === target);
  if (!entry) return undefined;
  const key = targetOf(entry);
  const sources = [target, ...entries.filter((e) => e !== entry && targetOf(e) === key).map((e) => path.resolve(e.directory, e.file))];
  const build: ModuleBuild = {
    sources: [...new Set(sources)],
    includeDirs: [],
    defines: [],
    undefines: [],
    compileArgs: [],
    link: /\.p$|\/CMakeFiles\/[^/]+\.dir$/.test(key) ? linkFlags(database, key) : [],
    limitedApi: false,
    from: 'compile_commands.json',
    file: database,
  };
  const args = argsOf(entry);
  for (let i = 1; i < args.length; i++) {
    const a = args[i];
    const take = (flag: string): string | undefined => (a === flag ? args[++i] : a.startsWith(flag) ? a.slice(flag.length) : undefined);
    let v: string | undefined;
    if ((v = take('-isystem')) !== undefined || (v = take('-iquote')) !== undefined || (v = take('-I')) !== undefined) {
      const dir = path.resolve(entry.directory, v);
      if (!isPythonInclude(dir)) build.includeDirs.push(dir);
    } else if ((v = take('-D')) !== undefined) {
      if (!INTERPRETER_DEFINES.test(v)) build.defines.push(v);
    } else if ((v = take('-U')) !== undefined) {
      build.undefines.push(v);
    } else if (/^-std=/.test(a) || (/^-f/.test(a) && !OWN_F_FLAGS.test(a))) {
      build.compileArgs.push(a);
    }
  }
  const installed = key.endsWith('.p') ? installedNames(database).get(key.slice(0, -2)) : undefined;
  if (installed) build.name = installed;
  build.includeDirs = [...new Set(build.includeDirs)];
  build.compileArgs = [...new Set(build.compileArgs)];
  build.limitedApi = build.defines.some((d) => /^Py_LIMITED_API(=|$)/.test(d));
  return build;
}

/** Enough of POSIX shell word splitting for compiler command lines: quotes and backslashes. */
export function shellSplit(command: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote: '"' | "'" | null = null;
  let inWord = false;
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < command.length) word += command[++i];
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < command.length) {
      word += command[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}
