/**
 * Settings from `[tool.pep489-codemod]` in pyproject.toml, where Python projects keep their tools'
 * settings (ruff, cibuildwheel, ...). Every key is an option's long name; the command line overrides
 * the file. An unknown key or a bad value is a ConfigError naming the file, the key and what is
 * allowed: the CLI reports it (exit 2) before reading any source.
 *
 * Discovery: the nearest pyproject.toml with a `[tool.pep489-codemod]` table, walking up from the
 * current directory (as ruff does, a pyproject.toml without the table is passed over, so a package's
 * own pyproject.toml does not hide the repository's). Paths and globs in the file are relative to
 * the file's folder.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import { COLOR_CHOICES, type ColorChoice } from './color';
import { GIL_CHOICES, INTERPRETER_CHOICES, NUMPY_IMPORT_CHOICES, ONCE_PER_PROCESS_CHOICES } from '../engine/options';
import type { GilChoice, InterpretersChoice, NumpyImportChoice, OncePerProcessChoice } from '../engine/options';
import type { VerifyOptions } from '../verify/command';

export const TOOL_TABLE = 'pep489-codemod';

export class ConfigError extends Error {}

/** Globs with the folder they are relative to (the config file's, or the current one for flags). */
export interface GlobSet {
  patterns: string[];
  base: string;
}

/** The verifier's settings, for `verify` and `--verify` (see toVerifyOptions). */
export interface VerifyConfig {
  python?: string[];
  includeDirs?: string[];
  defines?: string[];
  smoke?: string;
  /** Absolute path. */
  smokeScript?: string;
  timeout?: number;
  sandbox?: boolean;
  cache?: boolean;
  compileCommands?: string;
  source?: string[];
  link?: string[];
  pythonPath?: string[];
}

export interface Config {
  /** Absolute path of the file the settings came from. */
  file: string;
  interpreters?: InterpretersChoice;
  gil?: GilChoice;
  oncePerProcess?: OncePerProcessChoice;
  dropPy2?: boolean;
  numpyImport?: NumpyImportChoice;
  exclude?: GlobSet;
  include?: GlobSet;
  jobs?: number;
  color?: ColorChoice;
  dryRun?: boolean;
  check?: boolean;
  json?: boolean;
  interactive?: boolean;
  stat?: boolean;
  explain?: boolean;
  /** `verify` and `keep-failed`: verify conversions before writing them (the verifier's settings are in `verify`). */
  verifyConverted?: boolean;
  keepFailed?: boolean;
  /** Absolute paths. */
  report?: string;
  sarif?: string;
  verify: VerifyConfig;
}

type Kind =
  | { type: 'choice'; values: readonly string[] }
  | { type: 'boolean' }
  | { type: 'integer'; min: number }
  | { type: 'number'; min: number }
  | { type: 'string' }
  | { type: 'strings' }
  | { type: 'path' }
  | { type: 'paths' }
  | { type: 'globs' };

const choice = (values: readonly string[]): Kind => ({ type: 'choice', values });
const BOOLEAN: Kind = { type: 'boolean' };

/**
 * Every key the table may hold, with its kind and where its value goes in Config. A new option of
 * any command gets one line here (and a field in Config).
 */
const KEYS: Record<string, { kind: Kind; set: (c: Config, v: never) => void }> = {
  interpreters: { kind: choice(INTERPRETER_CHOICES), set: (c, v) => (c.interpreters = v) },
  gil: { kind: choice(GIL_CHOICES), set: (c, v) => (c.gil = v) },
  'once-per-process': { kind: choice(ONCE_PER_PROCESS_CHOICES), set: (c, v) => (c.oncePerProcess = v) },
  'drop-py2': { kind: BOOLEAN, set: (c, v) => (c.dropPy2 = v) },
  'numpy-import': { kind: choice(NUMPY_IMPORT_CHOICES), set: (c, v) => (c.numpyImport = v) },
  exclude: { kind: { type: 'globs' }, set: (c, v) => (c.exclude = v) },
  include: { kind: { type: 'globs' }, set: (c, v) => (c.include = v) },
  jobs: { kind: { type: 'integer', min: 1 }, set: (c, v) => (c.jobs = v) },
  color: { kind: choice(COLOR_CHOICES), set: (c, v) => (c.color = v) },
  'dry-run': { kind: BOOLEAN, set: (c, v) => (c.dryRun = v) },
  check: { kind: BOOLEAN, set: (c, v) => (c.check = v) },
  json: { kind: BOOLEAN, set: (c, v) => (c.json = v) },
  interactive: { kind: BOOLEAN, set: (c, v) => (c.interactive = v) },
  stat: { kind: BOOLEAN, set: (c, v) => (c.stat = v) },
  explain: { kind: BOOLEAN, set: (c, v) => (c.explain = v) },
  verify: { kind: BOOLEAN, set: (c, v) => (c.verifyConverted = v) },
  'keep-failed': { kind: BOOLEAN, set: (c, v) => (c.keepFailed = v) },
  report: { kind: { type: 'path' }, set: (c, v) => (c.report = v) },
  sarif: { kind: { type: 'path' }, set: (c, v) => (c.sarif = v) },
  // The verifier's.
  python: { kind: { type: 'strings' }, set: (c, v) => (c.verify.python = v) },
  'include-dirs': { kind: { type: 'paths' }, set: (c, v) => (c.verify.includeDirs = v) },
  defines: { kind: { type: 'strings' }, set: (c, v) => (c.verify.defines = v) },
  smoke: { kind: { type: 'string' }, set: (c, v) => (c.verify.smoke = v) },
  'smoke-script': { kind: { type: 'path' }, set: (c, v) => (c.verify.smokeScript = v) },
  timeout: { kind: { type: 'number', min: 0 }, set: (c, v) => (c.verify.timeout = v) },
  'no-sandbox': { kind: BOOLEAN, set: (c, v: boolean) => (c.verify.sandbox = !v) },
  'no-cache': { kind: BOOLEAN, set: (c, v: boolean) => (c.verify.cache = !v) },
  // The command line's own long names for the same two (--sandbox / --no-sandbox).
  sandbox: { kind: BOOLEAN, set: (c, v: boolean) => (c.verify.sandbox = v) },
  cache: { kind: BOOLEAN, set: (c, v: boolean) => (c.verify.cache = v) },
  'compile-commands': { kind: { type: 'path' }, set: (c, v) => (c.verify.compileCommands = v) },
  source: { kind: { type: 'paths' }, set: (c, v) => (c.verify.source = v) },
  link: { kind: { type: 'strings' }, set: (c, v) => (c.verify.link = v) },
  pythonpath: { kind: { type: 'paths' }, set: (c, v) => (c.verify.pythonPath = v) },
};

export const CONFIG_KEYS: readonly string[] = Object.keys(KEYS);

function describeKind(kind: Kind): string {
  switch (kind.type) {
    case 'choice':
      return `one of ${kind.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'boolean':
      return 'true or false';
    case 'integer':
      return `a whole number >= ${kind.min}`;
    case 'number':
      return `a number > ${kind.min}`;
    case 'string':
      return 'a string';
    case 'path':
      return 'a path (a string, relative to the file)';
    case 'strings':
      return 'a string or a list of strings';
    case 'paths':
      return 'a list of paths (strings, relative to the file)';
    case 'globs':
      return 'a list of glob patterns (strings, relative to the file)';
  }
}

const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** The checked value of one key, or undefined when it has the wrong type or range. */
function checkValue(kind: Kind, v: unknown, dir: string): unknown {
  switch (kind.type) {
    case 'choice':
      return typeof v === 'string' && kind.values.includes(v) ? v : undefined;
    case 'boolean':
      return typeof v === 'boolean' ? v : undefined;
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v) && v >= kind.min ? v : undefined;
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) && v > kind.min ? v : undefined;
    case 'string':
      return typeof v === 'string' && v !== '' ? v : undefined;
    case 'path':
      return typeof v === 'string' && v !== '' ? path.resolve(dir, v) : undefined;
    case 'strings':
      if (typeof v === 'string' && v !== '') return [v];
      return isStringList(v) ? v : undefined;
    case 'paths':
      return isStringList(v) ? v.map((p) => path.resolve(dir, p)) : undefined;
    case 'globs':
      return isStringList(v) ? { patterns: v, base: dir } : undefined;
  }
}

function shown(v: unknown): string {
  try {
    const s = JSON.stringify(v);
    return s.length > 60 ? s.slice(0, 57) + '...' : s;
  } catch {
    return String(v);
  }
}

/** The settings of one `[tool.pep489-codemod]` table; throws ConfigError naming `where` and the key. */
export function readTable(table: Record<string, unknown>, file: string, where: string): Config {
  const config: Config = { file, verify: {} };
  const dir = path.dirname(file);
  for (const [key, value] of Object.entries(table)) {
    const entry = KEYS[key];
    if (!entry)
      throw new ConfigError(
        `${where}: unknown key "${key}" in [tool.${TOOL_TABLE}]; allowed keys: ${CONFIG_KEYS.join(', ')}`,
      );
    const checked = checkValue(entry.kind, value, dir);
    if (checked === undefined)
      throw new ConfigError(
        `${where}: [tool.${TOOL_TABLE}] ${key} = ${shown(value)} is not allowed; ${key} must be ${describeKind(entry.kind)}`,
      );
    entry.set(config, checked as never);
  }
  return config;
}

function parseFile(file: string, where: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`${where}: cannot read it (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch (e) {
    if (!(e instanceof TomlError)) throw e;
    const first = e.message.split('\n')[0];
    throw new ConfigError(`${where}:${e.line}: not valid TOML: ${first.replace(/^Invalid TOML document: /, '')}`);
  }
}

function toolTable(doc: Record<string, unknown>, where: string): Record<string, unknown> | undefined {
  const tool = doc.tool;
  if (tool === undefined) return undefined;
  if (typeof tool !== 'object' || tool === null || Array.isArray(tool)) throw new ConfigError(`${where}: "tool" must be a table`);
  const table = (tool as Record<string, unknown>)[TOOL_TABLE];
  if (table === undefined) return undefined;
  if (typeof table !== 'object' || table === null || Array.isArray(table) || table instanceof Date)
    throw new ConfigError(`${where}: [tool.${TOOL_TABLE}] must be a table of settings`);
  return table as Record<string, unknown>;
}

/** The nearest pyproject.toml above `cwd` (inclusive) that has a `[tool.pep489-codemod]` table. */
export function discoverConfig(cwd: string, display: (file: string) => string = (f) => f): Config | null {
  let dir = path.resolve(cwd);
  for (;;) {
    const file = path.join(dir, 'pyproject.toml');
    if (fs.existsSync(file) && fs.statSync(file).isFile()) {
      const where = display(file);
      const table = toolTable(parseFile(file, where), where);
      if (table) return readTable(table, file, where);
    }
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/**
 * The settings for a run: `--config <file>` (a pyproject.toml, or any TOML file with the table),
 * `--no-config` (none), or discovery from `cwd`.
 */
export function loadConfig(
  opt: { config?: string | false },
  cwd: string,
  display: (file: string) => string = (f) => f,
): Config | null {
  if (opt.config === false) return null;
  if (opt.config === undefined) return discoverConfig(cwd, display);
  if (opt.config === '') throw new ConfigError('--config needs a file name (or use --no-config)');
  const file = path.resolve(cwd, opt.config);
  const where = display(file);
  if (!fs.existsSync(file)) throw new ConfigError(`${where}: no such file (given with --config)`);
  const whole = parseFile(file, where);
  // A file of its own may hold the settings at its top level; a pyproject.toml-like one has the table.
  const table = toolTable(whole, where) ?? (path.basename(file) !== 'pyproject.toml' && !('tool' in whole) && Object.keys(whole).length ? whole : null);
  if (!table) throw new ConfigError(`${where}: no [tool.${TOOL_TABLE}] table in it (given with --config)`);
  return readTable(table, file, where);
}

/** The verifier's settings as its VerifyOptions (for the `verify` command and `--verify`). */
export function toVerifyOptions(v: VerifyConfig): VerifyOptions {
  return {
    ...(v.python && { python: v.python }),
    ...(v.includeDirs && { include: v.includeDirs }),
    ...(v.defines && { define: v.defines }),
    ...(v.smoke !== undefined && { smoke: v.smoke }),
    ...(v.smokeScript !== undefined && { smokeScript: v.smokeScript }),
    ...(v.timeout !== undefined && { timeout: v.timeout }),
    ...(v.sandbox !== undefined && { sandbox: v.sandbox }),
    ...(v.cache !== undefined && { cache: v.cache }),
    ...(v.compileCommands !== undefined && { compileCommands: v.compileCommands }),
    ...(v.source && { source: v.source }),
    ...(v.link && { link: v.link }),
    ...(v.pythonPath && { pythonPath: v.pythonPath }),
  };
}
