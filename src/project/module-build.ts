/**
 * What a project's build says one extension module is made of, wherever it was read from: its
 * sources, the flags its own build passes, and the libraries it links. The verifier builds from
 * it; the converter reads its defines (a module built for the limited API converts differently).
 */

export type BuildOrigin = 'compile_commands.json' | 'setup.py' | 'pyproject.toml';

export interface ModuleBuild {
  /** The dotted name the module is imported by (`pkg._speedups`), when the build names it. */
  name?: string;
  /** Absolute paths: the one that defines PyInit_ and every other translation unit of the module. */
  sources: string[];
  includeDirs: string[];
  /** `NAME` or `NAME=VALUE`. */
  defines: string[];
  undefines: string[];
  /** Other compile flags the build passes that change what the code means (`-std=c++17`, `-fno-strict-aliasing`). */
  compileArgs: string[];
  /** Linker flags: `-lz`, `-L/opt/lib`, `-Wl,...`. */
  link: string[];
  /** Built for the stable ABI (setuptools' `py_limited_api=True` or a Py_LIMITED_API define). */
  limitedApi: boolean;
  from: BuildOrigin;
  /** The file the build was read from. */
  file: string;
  /** Something the reading could not see (a build_ext of the project's own that could not be run). */
  note?: string;
  /** Folders of the project's Python code (setup.py's package_dir): on sys.path while probing. */
  pythonPath?: string[];
}

/** One line for the output: where the build came from and what it adds. */
export function describeBuild(b: ModuleBuild, relative: (p: string) => string): string {
  const parts = [`${b.sources.length} source${b.sources.length === 1 ? '' : 's'}`];
  if (b.includeDirs.length) parts.push(`${b.includeDirs.length} -I`);
  if (b.defines.length) parts.push(b.defines.map((d) => `-D${d}`).join(' '));
  if (b.undefines.length) parts.push(b.undefines.map((d) => `-U${d}`).join(' '));
  if (b.compileArgs.length) parts.push(b.compileArgs.join(' '));
  if (b.link.length) parts.push(b.link.join(' '));
  if (b.limitedApi) parts.push('limited API');
  return `${b.name ? `${b.name} ` : ''}from ${relative(b.file)}: ${parts.join(', ')}${b.note ? ` (${b.note})` : ''}`;
}

/** The define a module is built with, as `NAME` or `NAME=VALUE`, or undefined. */
export function defineOf(defines: readonly string[], name: string): string | undefined {
  return defines.find((d) => d === name || d.startsWith(`${name}=`));
}
