/** Settings in [tool.pep489-codemod] of pyproject.toml: discovery, the command line over the file, errors. */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, toVerifyOptions } from '../src/cli/config';
import { copyFixtures, runCli, snapshot, tempDir } from './cli-helpers';

const write = (file: string, text: string) => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
};
const read = (file: string) => fs.readFileSync(file, 'utf8');

describe('discovery', () => {
  test('the nearest pyproject.toml with the table, walking up from a subdirectory', () => {
    const dir = tempDir();
    write(path.join(dir, 'pyproject.toml'), '[project]\nname = "x"\n\n[tool.pep489-codemod]\ngil = "not-used"\ninterpreters = "per-interpreter-gil"\n');
    // A package's own pyproject.toml without the table does not hide the repository's.
    write(path.join(dir, 'pkg', 'pyproject.toml'), '[project]\nname = "pkg"\n');
    copyFixtures(dir, { 'pkg/src/a.c': 'minimal' });
    const r = runCli(['a.c'], path.join(dir, 'pkg', 'src'));
    expect(r.code).toBe(0);
    const out = read(path.join(dir, 'pkg/src/a.c'));
    expect(out).toContain('{Py_mod_gil, Py_MOD_GIL_NOT_USED}');
    expect(out).toContain('{Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED}');
  });

  test('a flag overrides the file; --no-config ignores it; --config names another file', () => {
    const dir = tempDir();
    write(path.join(dir, 'pyproject.toml'), '[tool.pep489-codemod]\ngil = "not-used"\ndry-run = true\n');
    write(path.join(dir, 'ci', 'codemod.toml'), '[tool.pep489-codemod]\ninterpreters = "supported"\n');
    copyFixtures(dir, { 'a.c': 'minimal', 'b.c': 'minimal', 'c.c': 'minimal' });

    const dry = runCli(['a.c'], dir);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('+    {Py_mod_gil, Py_MOD_GIL_NOT_USED},');
    expect(read(path.join(dir, 'a.c'))).not.toContain('Py_mod_gil');

    expect(runCli(['--gil', 'used', '--no-dry-run', 'a.c'], dir).code).toBe(0);
    expect(read(path.join(dir, 'a.c'))).toContain('{Py_mod_gil, Py_MOD_GIL_USED}');

    expect(runCli(['--no-config', 'b.c'], dir).code).toBe(0);
    expect(read(path.join(dir, 'b.c'))).toContain('{Py_mod_gil, Py_MOD_GIL_USED}');

    expect(runCli(['--config', 'ci/codemod.toml', 'c.c'], dir).code).toBe(0);
    const c = read(path.join(dir, 'c.c'));
    expect(c).toContain('{Py_mod_multiple_interpreters, Py_MOD_MULTIPLE_INTERPRETERS_SUPPORTED}');
    expect(c).toContain('{Py_mod_gil, Py_MOD_GIL_USED}');
  });

  test('exclude and include globs are relative to the file; the command line replaces them', () => {
    const dir = tempDir();
    write(path.join(dir, 'pyproject.toml'), '[tool.pep489-codemod]\nexclude = ["vendor", "src/gen_*.c"]\ninclude = ["*.c", "*.inc"]\n');
    copyFixtures(dir, {
      'src/a.c': 'minimal',
      'src/gen_b.c': 'minimal',
      'src/c.inc': 'minimal',
      'src/d.cpp': 'minimal',
      'src/vendor/e.c': 'minimal',
    });
    const paths = (args: string[], cwd = dir) =>
      (JSON.parse(runCli(['--check', '--json', ...args], cwd).stdout) as { files: { path: string }[] }).files.map((f) => f.path);
    expect(paths(['src'])).toEqual(['src/a.c', 'src/c.inc']);
    expect(paths(['.'], path.join(dir, 'src'))).toEqual(['a.c', 'c.inc']);
    // A file named on the command line is taken whatever exclude says.
    expect(paths(['src/gen_b.c'])).toEqual(['src/gen_b.c']);
    expect(paths(['--exclude', '*.inc', 'src'])).toEqual(['src/a.c', 'src/gen_b.c', 'src/vendor/e.c']);
    expect(paths(['--no-config', 'src'])).toEqual(['src/a.c', 'src/d.cpp', 'src/gen_b.c', 'src/vendor/e.c']);
  });
});

describe('errors: exit 2 naming pyproject.toml, the key and what is allowed; nothing written', () => {
  const cases: [string, string, RegExp[]][] = [
    ['unknown key', 'gill = "used"\n', [/pyproject\.toml: unknown key "gill" in \[tool\.pep489-codemod\]; allowed keys: .*\bgil\b/]],
    ['bad choice', 'gil = "sometimes"\n', [/pyproject\.toml: \[tool\.pep489-codemod\] gil = "sometimes" is not allowed; gil must be one of "used", "not-used"/]],
    ['bad type', 'jobs = "four"\n', [/jobs = "four" is not allowed; jobs must be a whole number >= 1/]],
    ['zero jobs', 'jobs = 0\n', [/jobs = 0 is not allowed/]],
    ['exclude not a list', 'exclude = "vendor"\n', [/exclude must be a list of glob patterns/]],
    ['verifier key', 'timeout = "soon"\n', [/timeout = "soon" is not allowed; timeout must be a number > 0/]],
    ['not TOML', 'gil = \n', [/pyproject\.toml:2: not valid TOML/]],
  ];
  test.each(cases)('%s', (_name, body, messages) => {
    const dir = tempDir();
    write(path.join(dir, 'pyproject.toml'), `[tool.pep489-codemod]\n${body}`);
    copyFixtures(dir, { 'src/a.c': 'minimal' });
    const before = snapshot(dir);
    const r = runCli(['src'], path.join(dir, 'src'));
    expect(r.code).toBe(2);
    for (const m of messages) expect(r.stderr).toMatch(m);
    expect(r.stderr.split('\n')[0]).toMatch(/^pep489-codemod: \/\S+\/pyproject\.toml/);
    expect(snapshot(dir)).toEqual(before);
  });

  test('a file of its own may keep the settings at its top level; the last of --config/--no-config wins', () => {
    const dir = tempDir();
    write(path.join(dir, 'codemod.toml'), 'gil = "not-used"\nsandbox = false\n');
    copyFixtures(dir, { 'a.c': 'minimal', 'b.c': 'minimal' });
    expect(runCli(['--config', 'codemod.toml', 'a.c'], dir).code).toBe(0);
    expect(read(path.join(dir, 'a.c'))).toContain('{Py_mod_gil, Py_MOD_GIL_NOT_USED}');
    expect(runCli(['--config', 'codemod.toml', '--no-config', 'b.c'], dir).code).toBe(0);
    expect(read(path.join(dir, 'b.c'))).toContain('{Py_mod_gil, Py_MOD_GIL_USED}');
  });

  test('interactive = true in the file gives way to --dry-run on the command line, and says where it came from', () => {
    const dir = tempDir();
    write(path.join(dir, 'pyproject.toml'), '[tool.pep489-codemod]\ninteractive = true\n');
    copyFixtures(dir, { 'a.c': 'minimal' });
    const dry = runCli(['--dry-run', 'a.c'], dir);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('+++ b/a.c');
    const piped = runCli(['a.c'], dir);
    expect(piped.code).toBe(2);
    expect(piped.stderr).toMatch(/stdin is not a terminal.*\(interactive = true in \S*pyproject\.toml; --no-interactive turns it off\)/);
  });

  test('--config with a missing file, or one without the table', () => {
    const dir = tempDir();
    write(path.join(dir, 'other.toml'), '[tool.ruff]\nline-length = 100\n');
    copyFixtures(dir, { 'a.c': 'minimal' });
    const before = snapshot(dir);
    const missing = runCli(['--config', 'nope.toml', 'a.c'], dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.toml: no such file');
    const empty = runCli(['--config', 'other.toml', 'a.c'], dir);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('other.toml: no [tool.pep489-codemod] table');
    expect(snapshot(dir)).toEqual(before);
  });

  test('interactive = true in the file without a terminal is the same usage error as the flag', () => {
    const dir = tempDir();
    write(path.join(dir, 'pyproject.toml'), '[tool.pep489-codemod]\ninteractive = true\n');
    copyFixtures(dir, { 'a.c': 'minimal' });
    const r = runCli(['a.c'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('stdin is not a terminal');
  });
});

describe('the typed config', () => {
  test("every key of the command and the verifier's, paths resolved against the file's folder", () => {
    const dir = tempDir();
    write(
      path.join(dir, 'pyproject.toml'),
      `[tool.pep489-codemod]
gil = "not-used"
interpreters = "supported"
once-per-process = "never"
drop-py2 = true
numpy-import = "numpy2"
exclude = ["vendor/**"]
include = ["*.c"]
jobs = 4
color = "never"
stat = true
explain = true
verify = true
keep-failed = false
report = "out/report.md"
sarif = "out/codemod.sarif"
python = ["python3.12", "python3.13"]
include-dirs = ["include", "/opt/include"]
defines = ["NDEBUG", "WITH_X=1"]
smoke = "import spam"
smoke-script = "tests/smoke.py"
timeout = 45
no-sandbox = true
`,
    );
    const c = loadConfig({}, path.join(dir, 'a', 'b'))!;
    expect(c).toMatchObject({
      file: path.join(dir, 'pyproject.toml'),
      gil: 'not-used',
      interpreters: 'supported',
      oncePerProcess: 'never',
      dropPy2: true,
      numpyImport: 'numpy2',
      exclude: { patterns: ['vendor/**'], base: dir },
      jobs: 4,
      color: 'never',
      verifyConverted: true,
      keepFailed: false,
      report: path.join(dir, 'out/report.md'),
    });
    expect(toVerifyOptions(c.verify)).toEqual({
      python: ['python3.12', 'python3.13'],
      include: [path.join(dir, 'include'), '/opt/include'],
      define: ['NDEBUG', 'WITH_X=1'],
      smoke: 'import spam',
      smokeScript: path.join(dir, 'tests/smoke.py'),
      timeout: 45,
      sandbox: false,
    });
    expect(loadConfig({ config: false }, dir)).toBeNull();
  });
});
