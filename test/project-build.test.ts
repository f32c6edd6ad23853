/**
 * Reading a project's build (src/project/): setup.py run with setup() captured, in the sandbox, on
 * an interpreter with setuptools and on one without (the stand-in); pyproject.toml's ext-modules;
 * a whole compile_commands.json; and the commands a user runs on a project folder with no flags.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { moduleFromDatabase, modulesFromDatabase } from '../src/project/compile-db';
import { ProjectBuilds } from '../src/project/discover';
import { pyprojectExtensions } from '../src/project/setuptools';
import { discoverPythons } from '../src/verify/pythons';
import type { Interpreter } from '../src/verify/types';
import { runCli } from './cli-helpers';

const WORDY = path.join(__dirname, 'projects', 'wordy');
const DUO = path.join(__dirname, 'projects', 'duo');
const FALLBACK = path.join(__dirname, 'projects', 'fallback');
let scratch: string;
let found: Interpreter[];
let cache: string;

beforeAll(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'project-build-'));
  cache = path.join(scratch, 'cache');
  process.env.PEP489_CODEMOD_CACHE = cache;
  found = (await discoverPythons()).found;
});

afterAll(() => {
  delete process.env.PEP489_CODEMOD_CACHE;
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** A copy of a test project in the scratch folder, which tests may change. */
function copyProject(from: string, name: string): string {
  const dir = path.join(scratch, name);
  fs.cpSync(from, dir, { recursive: true });
  return dir;
}

const withMinor = (minor: number) => found.filter((p) => p.minor === minor && !p.freeThreaded).slice(-1);

describe('setup.py', () => {
  const expectWordy = (build: Awaited<ReturnType<ProjectBuilds['forSource']>>['build'], root: string) => {
    expect(build).toMatchObject({
      name: 'wordy._count',
      from: 'setup.py',
      sources: [path.join(root, 'src/wordy/_count.c'), path.join(root, 'src/wordy/tally.c')],
      includeDirs: [path.join(root, 'src/include')],
      defines: ['WORDY_SEPARATORS=" \\t\\n"', 'WORDY_FAST'],
      link: ['-lm'],
      limitedApi: false,
    });
  };

  test('is read with setuptools itself (3.11) and with the stand-in where there is none (3.12), the same', async () => {
    const root = copyProject(WORDY, 'both');
    for (const minor of [11, 12]) {
      const pythons = withMinor(minor);
      if (pythons.length === 0) continue;
      const builds = new ProjectBuilds({ pythons, sandbox: true, cache: false });
      const { build, problem } = await builds.forSource(path.join(root, 'src/wordy/_count.c'), '_count');
      expect(problem).toBeUndefined();
      expectWordy(build, root);
    }
  });

  test("what the project's own build_ext adds as it builds (a source, a define) is read too", async () => {
    const pythons = withMinor(11);
    if (pythons.length === 0) return; // running a build_ext needs an interpreter with setuptools
    const root = copyProject(WORDY, 'build-ext');
    fs.writeFileSync(
      path.join(root, 'setup.py'),
      [
        'from setuptools import setup, Extension',
        'from setuptools.command.build_ext import build_ext as _build_ext',
        '',
        'class build_ext(_build_ext):',
        '    def build_extension(self, ext):',
        '        ext.sources.append("src/wordy/tally.c")',
        '        ext.define_macros.append(("WORDY_FAST", None))',
        '        super().build_extension(ext)',
        '',
        'setup(name="wordy", cmdclass={"build_ext": build_ext}, ext_modules=[Extension("wordy._count", sources=["src/wordy/_count.c"],',
        '      include_dirs=["src/include"], define_macros=[("WORDY_SEPARATORS", \'" \\\\t\\\\n"\')], libraries=["m"])])',
        '',
      ].join('\n'),
    );
    const { build, problem } = await new ProjectBuilds({ pythons, sandbox: true, cache: false }).forSource(path.join(root, 'src/wordy/_count.c'), '_count');
    expect(problem).toBeUndefined();
    expectWordy(build, root);
  });

  test("old setup.py idioms today's interpreters lack are answered (build_py_2to3, sysconfig._init_posix, the pkgconfig package)", async () => {
    const root = copyProject(WORDY, 'old-idioms');
    const setup = fs.readFileSync(path.join(root, 'setup.py'), 'utf8');
    fs.writeFileSync(
      path.join(root, 'setup.py'),
      [
        'from distutils.command.build_py import build_py_2to3',
        'import distutils.sysconfig',
        'distutils.sysconfig._init_posix()',
        'import pkgconfig',
        'assert isinstance(pkgconfig.exists("zlib"), bool) and isinstance(pkgconfig.parse("zlib"), dict)',
        setup,
      ].join('\n'),
    );
    for (const minor of [11, 12]) {
      const pythons = withMinor(minor);
      if (pythons.length === 0) continue;
      const { build, problem } = await new ProjectBuilds({ pythons, sandbox: true, cache: false }).forSource(path.join(root, 'src/wordy/_count.c'), '_count');
      expect(problem).toBeUndefined();
      expectWordy(build, root);
    }
  });

  test('a module setup.py imports only for its metadata (setuptools_scm), not installed, is stood in for, and said', async () => {
    const root = copyProject(WORDY, 'scm');
    const setup = fs.readFileSync(path.join(root, 'setup.py'), 'utf8');
    // pymad (set I): `from setuptools_scm import get_version`, then setup(version=get_version(), ...).
    fs.writeFileSync(path.join(root, 'setup.py'), 'from setuptools_scm_not_here import get_version\n' + setup.replace('name="wordy",', 'name="wordy", version=get_version(),'));
    const { build, problem } = await new ProjectBuilds({ pythons: found, sandbox: true, cache: false }).forSource(path.join(root, 'src/wordy/_count.c'), '_count');
    expect(problem).toBeUndefined();
    expectWordy(build, root);
    expect(build?.note).toContain('setup.py: it imports setuptools_scm_not_here, which this CPython does not have: read with a stand-in');
  });

  test('a setup.py that raises before setup() is a problem to say, not a crash', async () => {
    const root = copyProject(WORDY, 'raises');
    fs.writeFileSync(path.join(root, 'setup.py'), 'import numpy_that_is_not_here\n');
    const builds = new ProjectBuilds({ pythons: found, sandbox: true, cache: false });
    const { build, problem } = await builds.forSource(path.join(root, 'src/wordy/_count.c'), '_count');
    expect(build).toBeUndefined();
    expect(problem).toMatch(/setup\.py raised ModuleNotFoundError/);
  });

  test('a header setup.py writes before setup() is kept for the build, and said', async () => {
    const root = copyProject(WORDY, 'generates');
    fs.rmSync(path.join(root, 'src/include/tally.h'));
    const setup = fs.readFileSync(path.join(root, 'setup.py'), 'utf8');
    fs.writeFileSync(
      path.join(root, 'setup.py'),
      `open("src/include/tally.h", "w").write("#include <stddef.h>\\nsize_t tally_words(const char *s);\\n")\n${setup}`,
    );
    const { build } = await new ProjectBuilds({ pythons: found, sandbox: true, cache: false }).forSource(path.join(root, 'src/wordy/_count.c'), '_count');
    expect(build?.note).toBe('setup.py writes src/include/tally.h');
    const generated = build!.includeDirs.find((d) => fs.existsSync(path.join(d, 'tally.h')));
    expect(generated).toBeDefined();
    expect(fs.readFileSync(path.join(generated!, 'tally.h'), 'utf8')).toContain('size_t tally_words');
    expect(fs.existsSync(path.join(root, 'src/include/tally.h'))).toBe(false);
  });

  test('a setup.py that writes a file before setup() is read, in a copy: the project is left as it was', async () => {
    const root = copyProject(WORDY, 'writes');
    const setup = fs.readFileSync(path.join(root, 'setup.py'), 'utf8');
    fs.writeFileSync(path.join(root, 'setup.py'), `open("written-by-setup", "w").write("x")\n${setup}`);
    const builds = new ProjectBuilds({ pythons: found, sandbox: true, cache: false });
    const { build } = await builds.forSource(path.join(root, 'src/wordy/_count.c'), '_count');
    expectWordy(build, root);
    expect(fs.existsSync(path.join(root, 'written-by-setup'))).toBe(false);
  });
});

test('pyproject.toml ext-modules are read without running anything', () => {
  const root = path.join(scratch, 'pyproject');
  fs.mkdirSync(root);
  fs.writeFileSync(
    path.join(root, 'pyproject.toml'),
    [
      '[build-system]',
      'requires = ["setuptools>=69"]',
      '[[tool.setuptools.ext-modules]]',
      'name = "pkg.fast"',
      'sources = ["src/fast.c", "src/util.c"]',
      'include-dirs = ["include"]',
      'define-macros = [["Py_LIMITED_API", "0x030C0000"], ["FAST", "1"]]',
      'libraries = ["z"]',
      'py-limited-api = true',
    ].join('\n'),
  );
  expect(pyprojectExtensions(root)).toEqual([
    expect.objectContaining({
      name: 'pkg.fast',
      sources: [path.join(root, 'src/fast.c'), path.join(root, 'src/util.c')],
      includeDirs: [path.join(root, 'include')],
      defines: ['Py_LIMITED_API=0x030C0000', 'FAST=1'],
      link: ['-lz'],
      limitedApi: true,
      from: 'pyproject.toml',
    }),
  ]);
});

test('a whole compile_commands.json: every source of the target, the project flags, no Python include folder', () => {
  const root = path.join(scratch, 'meson');
  fs.mkdirSync(path.join(root, 'build'), { recursive: true });
  const entry = (file: string, target: string) => ({
    directory: path.join(root, 'build'),
    file: `../src/${file}`,
    arguments: [
      'cc',
      '-Isrc',
      '-I../include',
      '-I/usr/include/python3.11',
      '-isystem',
      '/root/.pyenv/versions/3.12.1/include/python3.12',
      '-DNDEBUG',
      '-DPy_DEBUG',
      '-DHAVE_CONFIG_H',
      '-UNO_SIMD',
      '-std=c11',
      '-fno-strict-aliasing',
      '-fPIC',
      '-O2',
      '-c',
      `../src/${file}`,
      '-o',
      `${target}.p/src_${file}.o`,
    ],
  });
  const database = path.join(root, 'build', 'compile_commands.json');
  fs.writeFileSync(database, JSON.stringify([entry('mod.c', 'mod.cpython-312-x86_64-linux-gnu.so'), entry('other.c', 'other.cpython-312-x86_64-linux-gnu.so'), entry('helper.c', 'mod.cpython-312-x86_64-linux-gnu.so')]));
  expect(moduleFromDatabase(database, path.join(root, 'src', 'mod.c'))).toEqual({
    sources: [path.join(root, 'src', 'mod.c'), path.join(root, 'src', 'helper.c')],
    includeDirs: [path.join(root, 'build', 'src'), path.join(root, 'include')],
    defines: ['NDEBUG', 'HAVE_CONFIG_H'],
    undefines: ['NO_SIMD'],
    compileArgs: ['-std=c11', '-fno-strict-aliasing'],
    link: [],
    limitedApi: false,
    from: 'compile_commands.json',
    file: database,
  });
  expect(moduleFromDatabase(database, path.join(root, 'src', 'absent.c'))).toBeUndefined();
});

test("the libraries a target links come from the build.ninja beside the database (Meson's LINK_ARGS, CMake's LINK_LIBRARIES)", () => {
  const root = path.join(scratch, 'linked');
  const build = path.join(root, 'build');
  fs.mkdirSync(build, { recursive: true });
  const entry = (file: string, object: string) => ({ directory: build, file: `../src/${file}`, arguments: ['cc', '-c', `../src/${file}`, '-o', object] });
  const database = path.join(build, 'compile_commands.json');
  fs.writeFileSync(
    database,
    JSON.stringify([entry('mesonmod.c', 'mesonmod.cpython-312-x86_64-linux-gnu.so.p/mesonmod.c.o'), entry('cmakemod.c', 'CMakeFiles/CMod.dir/cmakemod.c.o')]),
  );
  fs.writeFileSync(
    path.join(build, 'build.ninja'),
    [
      'build mesonmod.cpython-312-x86_64-linux-gnu.so.p/mesonmod.c.o: c_COMPILER ../src/mesonmod.c',
      'build mesonmod.cpython-312-x86_64-linux-gnu.so: c_LINKER mesonmod.cpython-312-x86_64-linux-gnu.so.p/mesonmod.c.o',
      ' LINK_ARGS = -Wl,--as-needed -shared -fPIC -Wl,--start-group /usr/lib/x86_64-linux-gnu/libcairo.so -lm /usr/lib/libpython3.12.so -Wl,--end-group',
      '',
      'build cmod.so: C_MODULE_LIBRARY_LINKER__CMod_ CMakeFiles/CMod.dir/cmakemod.c.o | libfoo.so.1.2',
      '  LINK_LIBRARIES = -Wl,-rpath,/opt/foo/lib:  libfoo.so.1.2 -L/opt/foo/lib -lbar',
      '  OBJECT_DIR = CMakeFiles/CMod.dir',
      '',
    ].join('\n'),
  );
  expect(moduleFromDatabase(database, path.join(root, 'src', 'mesonmod.c'))?.link).toEqual(['/usr/lib/x86_64-linux-gnu/libcairo.so', '-lm']);
  // Meson's install plan names the module by where it is installed: pkg.mesonmod.
  fs.mkdirSync(path.join(build, 'meson-info'));
  fs.writeFileSync(
    path.join(build, 'meson-info', 'intro-install_plan.json'),
    JSON.stringify({ targets: { [path.join(build, 'mesonmod.cpython-312-x86_64-linux-gnu.so')]: { destination: '{py_platlib}/pkg/mesonmod.cpython-312-x86_64-linux-gnu.so', tag: 'runtime' } } }),
  );
  expect(moduleFromDatabase(database, path.join(root, 'src', 'mesonmod.c'))?.name).toBe('pkg.mesonmod');
  expect(modulesFromDatabase(database).map((m) => [m.name, m.sources])).toEqual([['pkg.mesonmod', [path.join(root, 'src', 'mesonmod.c')]]]);
  expect(moduleFromDatabase(database, path.join(root, 'src', 'cmakemod.c'))?.link).toEqual([
    '-Wl,-rpath,/opt/foo/lib',
    path.join(build, 'libfoo.so.1.2'),
    `-Wl,-rpath,${build}`,
    '-L/opt/foo/lib',
    '-lbar',
  ]);
});

test('a meson-python project without a compile_commands.json is told the command that writes one', async () => {
  const root = path.join(scratch, 'mesonpy');
  fs.mkdirSync(path.join(root, 'src'), { recursive: true });
  fs.writeFileSync(path.join(root, 'pyproject.toml'), '[build-system]\nbuild-backend = "mesonpy"\nrequires = ["meson-python"]\n');
  fs.copyFileSync(path.join(WORDY, 'src/wordy/_count.c'), path.join(root, 'src', '_count.c'));
  const { build, problem } = await new ProjectBuilds({ pythons: found, sandbox: true, cache: false }).forSource(path.join(root, 'src', '_count.c'));
  expect(build).toBeUndefined();
  expect(problem).toMatch(/meson-python builds this project .* meson setup build/);
});

test("a setup.py that hands the build to scikit-build's CMake (python-blosc) is told how to write a compile_commands.json", async () => {
  const root = path.join(scratch, 'skbuild');
  fs.mkdirSync(path.join(root, 'src'), { recursive: true });
  fs.writeFileSync(path.join(root, 'setup.py'), 'from skbuild import setup\nsetup(name="counted", packages=["counted"], cmake_source_dir=".")\n');
  fs.copyFileSync(path.join(WORDY, 'src/wordy/_count.c'), path.join(root, 'src', '_count.c'));
  const { build, problem } = await new ProjectBuilds({ pythons: found, sandbox: true, cache: false }).forSource(path.join(root, 'src', '_count.c'));
  expect(build).toBeUndefined();
  expect(problem).toMatch(/scikit-build \(setup\.py\) builds this project .* python setup\.py build_ext -- -DCMAKE_EXPORT_COMPILE_COMMANDS=ON/);
});

describe('the commands, on a project folder with no flags', () => {
  const two = () => [...withMinor(8), ...withMinor(12)].flatMap((p) => ['--python', p.exe]);
  const smoke = ['--smoke', "_count.words('a b  c') == 3 and _count.FAST == 1"];

  test('convert --dry-run --verify builds the module from setup.py (two sources, its defines) and passes', () => {
    const root = copyProject(WORDY, 'cli-convert');
    const r = runCli(['--dry-run', '--verify', '--json', ...two(), ...smoke, '.'], root, { PEP489_CODEMOD_CACHE: cache });
    expect(r.stderr).not.toMatch(/verification failed/);
    expect(r.code).toBe(0);
    const files = JSON.parse(r.stdout).files as { path: string; status: string }[];
    expect(files.find((f) => f.path === 'src/wordy/_count.c')?.status).toBe('changed');
  });

  test("a define's value is written as distutils writes it (a tuple as Python prints it), and a -D of the user's replaces the project's", async () => {
    const root = copyProject(WORDY, 'cli-defines');
    const setup = path.join(root, 'setup.py');
    // mysqlclient passes its version_info tuple as a macro value, which its C code stringifies.
    fs.writeFileSync(setup, fs.readFileSync(setup, 'utf8').replace('("WORDY_FAST", None)]', '("WORDY_FAST", None), ("WORDY_VERSION", (2, 2, "final"))]'));
    const { build } = await new ProjectBuilds({ pythons: found, sandbox: true, cache: false }).forSource(path.join(root, 'src/wordy/_count.c'), '_count');
    expect(build?.defines).toContain("WORDY_VERSION=(2, 2, 'final')");
    // setup.py's separators are space, tab and newline: the user's -D makes them a space only.
    const tabs = ['--smoke', "_count.words('a\tb c') == 2"];
    const r = runCli(['--dry-run', '--verify', ...two(), '-D', 'WORDY_SEPARATORS=" "', ...tabs, '.'], root, { PEP489_CODEMOD_CACHE: cache });
    expect(r.stderr).not.toMatch(/verification failed/);
    expect(r.code).toBe(0);
    const without = runCli(['--dry-run', '--verify', ...two(), ...tabs, '.'], root, { PEP489_CODEMOD_CACHE: cache });
    expect(without.stderr).toMatch(/verification failed/);
  });

  test('a source the build lists that is not here (a submodule not checked out) is said, and the flags given decide', () => {
    const root = copyProject(WORDY, 'cli-missing-source');
    fs.mkdirSync(path.join(root, 'vendor'));
    fs.renameSync(path.join(root, 'src/wordy/tally.c'), path.join(root, 'vendor/tally.c'));
    const r = runCli(['--dry-run', '--verify', ...two(), '-I', 'src/include', '-D', 'WORDY_SEPARATORS=" "', '--source', 'vendor/tally.c', '--smoke', "_count.words('a b  c') == 3", '.'], root, { PEP489_CODEMOD_CACHE: cache });
    expect(r.stderr).toContain('built from the flags given only: setup.py builds wordy._count from src/wordy/tally.c, which is not here (a git submodule not checked out?)');
    expect(r.stderr).not.toMatch(/verification failed/);
    expect(r.code).toBe(0);
  });

  test('verify says where the build came from; with setup.py unreadable it says so and the link fails', () => {
    const root = copyProject(WORDY, 'cli-verify');
    expect(runCli([...two(), '.'], root, { PEP489_CODEMOD_CACHE: cache }).code).toBe(0);
    const ok = runCli(['verify', ...two(), ...smoke, '.'], root, { PEP489_CODEMOD_CACHE: cache });
    expect(ok.stdout).toContain('built as the project builds it: wordy._count from setup.py: 2 sources, 1 -I, -DWORDY_SEPARATORS=" \\t\\n" -DWORDY_FAST, -lm');
    expect(ok.code).toBe(0);
    fs.writeFileSync(path.join(root, 'setup.py'), 'raise SystemError("no build here")\n');
    const bad = runCli(['verify', ...two(), ...smoke, '.'], root, { PEP489_CODEMOD_CACHE: cache });
    expect(bad.stdout).toContain('built from the flags given only: setup.py raised SystemError: no build here (before calling setup())');
    expect(bad.code).toBe(3);
  });

  test('a package of two modules, one importing the other: each is imported by its dotted name with the other built beside it', () => {
    const root = copyProject(DUO, 'cli-package');
    // Committed first, as a maintainer's project is: verify compares with the original at HEAD.
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: root });
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'single-phase');
    const env = { PEP489_CODEMOD_CACHE: cache };
    const smoke = ['--smoke', "duo.twice() == 42 and duo._core.__name__ == 'duo._core' and duo._api.__name__ == 'duo._api'"];
    const dry = runCli(['--dry-run', '--verify', ...two(), ...smoke, '.'], root, env);
    expect(dry.stderr).not.toMatch(/verification failed/);
    expect(dry.code).toBe(0);
    expect(runCli([...two(), '.'], root, env).code).toBe(0);
    const v = runCli(['verify', '--json', ...two(), ...smoke, '.'], root, env);
    const modules = JSON.parse(v.stdout).modules as { moduleName: string; ok: boolean; build: string }[];
    expect(modules.map((m) => [m.moduleName, m.ok, m.build])).toEqual([
      ['_api', true, 'duo._api from setup.py: 1 source'],
      ['_core', true, 'duo._core from setup.py: 1 source'],
    ]);
    expect(v.code).toBe(0);
  });

  test("a module setup.py does not build on this platform is said, not failed, and --verify leaves it as it was", () => {
    const root = copyProject(WORDY, 'cli-not-built');
    const other = path.join(root, 'src', 'wordy', '_osx.c');
    fs.writeFileSync(other, fs.readFileSync(path.join(root, 'src/wordy/_count.c'), 'utf8').replace(/_count/g, '_osx').replace(/count_/g, 'osx_'));
    const before = fs.readFileSync(other);
    const dry = runCli(['--verify', ...two(), ...smoke, '.'], root, { PEP489_CODEMOD_CACHE: cache });
    expect(dry.stderr).toContain('unchanged src/wordy/_osx.c: not converted: it cannot be verified here, as setup.py does not build it on this platform (it builds wordy._count)');
    expect(dry.stderr).toContain('converted src/wordy/_count.c');
    expect(fs.readFileSync(other).equals(before)).toBe(true);
    expect(dry.code).toBe(0);
    const v = runCli(['verify', ...two(), ...smoke, '.'], root, { PEP489_CODEMOD_CACHE: cache });
    expect(v.stdout).toContain('SKIP _osx (src/wordy/_osx.c): not verified, setup.py does not build it on this platform (it builds wordy._count)');
    expect(v.stdout).toContain('1 not built on this platform');
    expect(v.code).toBe(0);
  });

  test("a package that falls back to a pure-Python twin: the subinterpreter's refusal is still read as one", () => {
    const newer = found.filter((p) => p.minor >= 12 && !p.freeThreaded).slice(-1);
    if (newer.length === 0) return; // subinterpreter probes need 3.12+
    const root = copyProject(FALLBACK, 'cli-fallback');
    const r = runCli(['--dry-run', '--verify', '--json', '--python', newer[0].exe, '--smoke', 'fb.add(2, 3) == 5', '.'], root, { PEP489_CODEMOD_CACHE: cache });
    expect(r.stderr).not.toMatch(/verification failed/);
    expect(r.code).toBe(0);
  });

  test("a package whose __init__ imports something not installed is verified in an empty package, and says so", () => {
    const root = copyProject(DUO, 'cli-missing-dependency');
    fs.writeFileSync(path.join(root, 'duo', '__init__.py'), 'import a_dependency_not_installed_here\nfrom duo._api import twice\n');
    expect(runCli([...two(), '.'], root, { PEP489_CODEMOD_CACHE: cache }).code).toBe(0);
    const v = runCli(['verify', ...two(), '--smoke', '_core.base() == 21', 'duo/_core.c'], root, { PEP489_CODEMOD_CACHE: cache });
    expect(v.stdout).toContain("the package's __init__ imports a_dependency_not_installed_here, which is not installed here, so the module was imported in an empty package");
    expect(v.code).toBe(0);
  });

  test("a package whose __init__ imports a module its build writes (setuptools_scm's version.py: lz4) is verified in an empty package too", () => {
    const root = copyProject(DUO, 'cli-generated-module');
    fs.writeFileSync(path.join(root, 'duo', '__init__.py'), 'from .version import version as __version__\nfrom duo._api import twice\n');
    // Its typing stub is shipped (python-isal's _version.pyi): a stub is no module.
    fs.writeFileSync(path.join(root, 'duo', 'version.pyi'), 'version: str\n');
    expect(runCli([...two(), '.'], root, { PEP489_CODEMOD_CACHE: cache }).code).toBe(0);
    const v = runCli(['verify', ...two(), '--smoke', '_core.base() == 21', 'duo/_core.c'], root, { PEP489_CODEMOD_CACHE: cache });
    expect(v.stdout).toContain("the package's __init__ imports duo.version, which is not in its sources (its build writes it), so the module was imported in an empty package");
    expect(v.code).toBe(0);
    // A module of the package that is in its sources and fails is the package's own failure, not hidden.
    fs.writeFileSync(path.join(root, 'duo', 'version.py'), 'import a_module_nowhere_at_all_here\nversion = "1"\n');
    const broken = runCli(['verify', ...two(), '--smoke', '_core.base() == 21', 'duo/_core.c'], root, { PEP489_CODEMOD_CACHE: cache });
    expect(broken.stdout).toContain('a_module_nowhere_at_all_here');
  });

  test("setup.py's py_modules are on the path (moderngl's init imports its _moderngl)", () => {
    const root = copyProject(WORDY, 'cli-py-modules');
    // At the project's top, where py_modules live when package_dir maps no root folder.
    fs.writeFileSync(path.join(root, 'wordhelper.py'), 'def count(s):\n    return len(s.split())\n');
    fs.writeFileSync(
      path.join(root, 'setup.py'),
      fs.readFileSync(path.join(root, 'setup.py'), 'utf8').replace('packages=["wordy"],', 'packages=["wordy"], py_modules=["wordhelper"],').replace('package_dir={"": "src"},', 'package_dir={"wordy": "src/wordy"},'),
    );
    const r = runCli(['--dry-run', '--verify', ...two(), '--smoke', "__import__('wordhelper').count('a b') == _count.words('a b')", '.'], root, { PEP489_CODEMOD_CACHE: cache });
    expect(r.stderr).not.toMatch(/verification failed/);
    expect(r.code).toBe(0);
  });

  test("setup.py's package_dir folders are on the smoke's path (a wrapper module the smoke uses lives there)", () => {
    const root = copyProject(WORDY, 'cli-package-dir');
    fs.mkdirSync(path.join(root, 'python'));
    fs.writeFileSync(path.join(root, 'python', 'wordcount.py'), 'def count(s):\n    return len(s.split())\n');
    fs.writeFileSync(path.join(root, 'setup.py'), fs.readFileSync(path.join(root, 'setup.py'), 'utf8').replace('package_dir={"": "src"},', 'package_dir={"": "src", "wordcount": "python"},'));
    const r = runCli(['--dry-run', '--verify', ...two(), '--smoke', "__import__('wordcount').count('a b c') == _count.words('a b c')", '.'], root, { PEP489_CODEMOD_CACHE: cache });
    expect(r.stderr).not.toMatch(/verification failed/);
    expect(r.code).toBe(0);
  });

  test('convert refuses a module setup.py builds for the 3.7 limited API, naming setup.py', () => {
    const root = copyProject(WORDY, 'cli-limited');
    const setup = path.join(root, 'setup.py');
    fs.writeFileSync(setup, fs.readFileSync(setup, 'utf8').replace('("WORDY_FAST", None)]', '("WORDY_FAST", None), ("Py_LIMITED_API", "0x03070000")], py_limited_api=True'));
    const r = runCli(['--dry-run', '.'], root, { PEP489_CODEMOD_CACHE: cache });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('src/wordy/_count.c:22: refused: the module builds for the limited API of 3.7 (Py_LIMITED_API=0x03070000, from setup.py)');
  });

  test('a limited API that setup.py takes from the running CPython is read the same whatever --python chooses (sgp4)', () => {
    const root = copyProject(WORDY, 'cli-limited-running');
    const setup = path.join(root, 'setup.py');
    // As sgp4 does: the limited API of whichever CPython runs setup.py (3.11 reads it: it has setuptools).
    const text = fs.readFileSync(setup, 'utf8').replace('("WORDY_FAST", None)]', '("WORDY_FAST", None), ("Py_LIMITED_API", hex(sys.hexversion & 0xFFFF00F0))], py_limited_api=True');
    fs.writeFileSync(setup, `import sys\n${text}`);
    const newest = found.filter((p) => !p.freeThreaded && p.minor >= 12).slice(-1)[0];
    if (!newest || withMinor(11).length === 0) throw new Error('this test needs CPython 3.11 and 3.12+');
    // Verifying with 3.12+ only must not read setup.py with 3.12+ (a 3.12 limited API) while 3.11 builds the 3.11 one.
    const r = runCli(['--dry-run', '--python', newest.exe, '.'], root, { PEP489_CODEMOD_CACHE: cache });
    expect(r.stderr).toContain('src/wordy/_count.c:22: refused: the module builds for the limited API of 3.11 (Py_LIMITED_API=0x030b00f0, from setup.py)');
    expect(r.code).toBe(3);
  });
});
