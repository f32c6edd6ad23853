/**
 * `--python` selectors: parsing, cibuildwheel's fnmatch and braces, and matching on the real
 * discovery of this machine's CPythons (every label the matrix prints picks exactly its row). Two
 * interpreters of one version are made real with a copied venv interpreter in a temporary uv folder.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runVerifyCommand } from '../src/verify/command';
import { rediscoverPythons } from '../src/verify/pythons';
import { expandBraces, fnmatchRegExp, identifier, matchSelector, parseSelector, platformTails } from '../src/verify/selectors';
import type { Interpreter } from '../src/verify/types';

let scratch: string;
let found: Interpreter[];
const saved = { cache: process.env.PEP489_CODEMOD_CACHE, uv: process.env.UV_PYTHON_INSTALL_DIR };

beforeAll(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-selectors-'));
  process.env.PEP489_CODEMOD_CACHE = path.join(scratch, 'cache');
  // An empty uv folder of our own: what discovery finds is this machine's, plus what a test adds.
  process.env.UV_PYTHON_INSTALL_DIR = path.join(scratch, 'uv');
  fs.mkdirSync(process.env.UV_PYTHON_INSTALL_DIR);
  found = (await rediscoverPythons()).found;
  expect(found.length).toBeGreaterThan(0);
});

afterAll(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
  for (const [name, value] of [
    ['PEP489_CODEMOD_CACHE', saved.cache],
    ['UV_PYTHON_INSTALL_DIR', saved.uv],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

const exes = (d: { found: Interpreter[] }) => d.found.map((i) => i.exe);

describe('parsing', () => {
  test.each([
    ['/usr/bin/python3', 'path'],
    ['./venv/bin/python', 'path'],
    ['python3', 'name'],
    ['python3.12', 'name'],
    ['3.12', 'version'],
    ['3.11.7', 'version'],
    ['3.11.7#2', 'version'],
    ['3.13t', 'version'],
    ['cp312', 'cibuildwheel'],
    ['cp313t', 'cibuildwheel'],
    ['cp3*', 'cibuildwheel'],
    ['cp31?', 'cibuildwheel'],
    ['cp312-manylinux_x86_64', 'cibuildwheel'],
    ['*', 'cibuildwheel'],
    ['cp311-* cp312-*', 'cibuildwheel'],
  ])('%s is a %s', (text, kind) => {
    expect(parseSelector(text).kind).toBe(kind);
  });

  test("fnmatch as Python's: * crosses dashes, ?, [seq], [!seq], the whole string", () => {
    expect(fnmatchRegExp('cp3*').test('cp312-manylinux_x86_64')).toBe(true);
    expect(fnmatchRegExp('cp31?').test('cp312')).toBe(true);
    expect(fnmatchRegExp('cp31?').test('cp313t')).toBe(false);
    expect(fnmatchRegExp('cp31[0-2]').test('cp311')).toBe(true);
    expect(fnmatchRegExp('cp31[!0-2]').test('cp311')).toBe(false);
    expect(fnmatchRegExp('cp31[!0-2]').test('cp313')).toBe(true);
    expect(fnmatchRegExp('cp3.2').test('cp312')).toBe(false);
    expect(fnmatchRegExp('cp312').test('cp3123')).toBe(false);
  });

  test("braces expand as cibuildwheel's do", () => {
    expect(expandBraces('cp3{11,12}-*')).toEqual(['cp311-*', 'cp312-*']);
    expect(expandBraces('cp{38,39}-manylinux_{x86_64,aarch64}')).toEqual([
      'cp38-manylinux_x86_64',
      'cp38-manylinux_aarch64',
      'cp39-manylinux_x86_64',
      'cp39-manylinux_aarch64',
    ]);
    expect(expandBraces('cp312')).toEqual(['cp312']);
    expect(parseSelector('cp311-* cp3{12,13}').kind === 'cibuildwheel' && parseSelector('cp311-* cp3{12,13}')).toMatchObject({
      patterns: ['cp311-*', 'cp312', 'cp313'],
    });
  });

  test('identifiers and platform tails', () => {
    const i = { label: '3.13t', version: '3.13.0', major: 3, minor: 13, freeThreaded: true, debug: false };
    expect(identifier(i)).toBe('cp313t');
    expect(identifier({ ...i, debug: true })).toBeUndefined();
    expect(platformTails('linux', 'x64')[0]).toMatch(/^(many|musl)linux_x86_64$/);
    expect(platformTails('darwin', 'arm64')).toEqual(['macosx_arm64', 'macosx_universal2']);
    expect(platformTails('win32', 'x64')).toEqual(['win_amd64']);
  });

  test('matching on made-up interpreters: free-threaded and debug builds are told apart', () => {
    const mk = (label: string, version: string, freeThreaded = false, debug = false) => {
      const [major, minor] = version.split('.').map(Number);
      return { label, version, major, minor, freeThreaded, debug };
    };
    const all = [mk('3.12', '3.12.1'), mk('3.12d', '3.12.1', false, true), mk('3.13', '3.13.0'), mk('3.13t', '3.13.0', true)];
    const pick = (text: string) => matchSelector(parseSelector(text), all, ['manylinux_x86_64']).map((i) => i.label);
    expect(pick('3.13t')).toEqual(['3.13t']);
    expect(pick('cp313t')).toEqual(['3.13t']);
    expect(pick('cp313')).toEqual(['3.13']);
    expect(pick('cp313*')).toEqual(['3.13', '3.13t']);
    expect(pick('cp313-*')).toEqual(['3.13']);
    expect(pick('cp313t-manylinux_x86_64')).toEqual(['3.13t']);
    expect(pick('cp313t-musllinux_x86_64')).toEqual([]);
    expect(pick('cp312')).toEqual(['3.12']);
    expect(pick('3.12d')).toEqual(['3.12d']);
    expect(pick('3.12.1d')).toEqual(['3.12d']);
    expect(pick('*')).toEqual(['3.12', '3.13', '3.13t']);
    expect(pick('3.13.0t')).toEqual(['3.13t']);
    expect(pick('3.13.1')).toEqual([]);
  });
});

describe('on the CPythons found here', () => {
  test('every label the matrix prints picks exactly its interpreter, and so does its path', async () => {
    for (const i of found) {
      expect(exes(await rediscoverPythons({ explicit: [i.label] }))).toEqual([i.exe]);
      expect(exes(await rediscoverPythons({ explicit: [i.exe] }))).toEqual([i.exe]);
    }
  });

  test('cp3X and X.Y pick every CPython 3.X; cp3* all; cp31? the 3.1x ones', async () => {
    for (const i of found) {
      const same = found.filter((j) => j.minor === i.minor && j.freeThreaded === i.freeThreaded && j.debug === i.debug).map((j) => j.exe);
      const version = `${i.major}.${i.minor}${i.freeThreaded ? 't' : ''}${i.debug ? 'd' : ''}`;
      expect(exes(await rediscoverPythons({ explicit: [version] }))).toEqual(same);
      if (!i.debug) expect(exes(await rediscoverPythons({ explicit: [identifier(i)!] }))).toEqual(same);
    }
    const release = found.filter((i) => !i.debug);
    expect(exes(await rediscoverPythons({ explicit: ['cp3*'] }))).toEqual(release.map((i) => i.exe));
    expect(exes(await rediscoverPythons({ explicit: ['cp31?'] }))).toEqual(release.filter((i) => i.minor >= 10 && !i.freeThreaded).map((i) => i.exe));
    const here = platformTails()[0];
    const newest = release[release.length - 1];
    const newestSame = release.filter((i) => identifier(i) === identifier(newest)).map((i) => i.exe);
    expect(exes(await rediscoverPythons({ explicit: [`${identifier(newest)}-*`] }))).toEqual(newestSame);
    expect(exes(await rediscoverPythons({ explicit: [`${identifier(newest)}-${here}`] }))).toEqual(newestSame);
    // Two selectors naming one interpreter give it once.
    expect(exes(await rediscoverPythons({ explicit: [newest.exe, newest.label] }))).toEqual([newest.exe]);
  });

  test('a selector that matches nothing is named, with the labels found', async () => {
    const labels = found.map((i) => i.label).join(', ');
    for (const text of ['cp399', '3.99', '3.11.7#9', 'cp3*-win_amd64', 'pp310']) {
      const d = await rediscoverPythons({ explicit: [text] });
      expect(d.found).toEqual([]);
      expect(d.skipped).toEqual([{ exe: text, reason: expect.stringContaining(`matches none of the CPythons found: ${labels}`) }]);
    }
    const d = await rediscoverPythons({ explicit: ['cp399'] });
    expect(d.skipped[0].reason).toContain(`(cibuildwheel identifiers: ${identifier(found[0])}-${platformTails()[0]}`);
  });

  test('the verify command stops with exit 2, naming the selector and the labels', async () => {
    let stderr = '';
    const code = await runVerifyCommand(
      { paths: [path.join(__dirname, 'hostile', 'well_behaved.c')], python: ['cp399'], cwd: scratch },
      { stdout: () => {}, stderr: (s) => (stderr += s) },
    );
    expect(code).toBe(2);
    expect(stderr).toContain(`cannot verify with cp399 (matches none of the CPythons found: ${found.map((i) => i.label).join(', ')}`);
  });

  test('a version that is there but too old is named with its reason, as its path would be', async () => {
    const old = '/root/.pyenv/versions/3.7.16/bin/python3.7';
    if (!fs.existsSync(old)) return;
    const d = await rediscoverPythons({ explicit: ['3.7'] });
    expect(d.found).toEqual([]);
    expect(d.skipped).toEqual([{ exe: expect.stringContaining('/root/.pyenv/versions/3.7.16/bin/python'), reason: expect.stringContaining('older than 3.8') }]);
  });
});

test('two interpreters of one version: each label picks its own, the version both, a path its own', async () => {
  const base = found.find((i) => !i.exe.startsWith('/usr/')) ?? found[0];
  // A copied (not symlinked) venv interpreter is a second 3.X.Y with its own real path, as a
  // second install would be; uv's folder is one discovery searches.
  const venv = path.join(process.env.UV_PYTHON_INSTALL_DIR!, `cpython-${base.version}-copy`);
  execFileSync(base.exe, ['-m', 'venv', '--without-pip', '--copies', venv]);
  // One copy, named as an install names it (3.8's venv has no python3.8; python and python3 are
  // copies too, each of which would be one more interpreter).
  const exe = path.join(venv, 'bin', `python${base.major}.${base.minor}`);
  fs.renameSync(path.join(venv, 'bin', 'python'), `${exe}.tmp`);
  for (const other of fs.readdirSync(path.join(venv, 'bin'))) {
    if (other.startsWith('python') && !other.endsWith('.tmp')) fs.rmSync(path.join(venv, 'bin', other));
  }
  fs.renameSync(`${exe}.tmp`, exe);
  const all = (await rediscoverPythons()).found;
  const twins = all.filter((i) => i.version === base.version && i.freeThreaded === base.freeThreaded && i.debug === base.debug);
  expect(twins.map((i) => i.exe).sort()).toEqual([base.exe, exe].sort());
  const suffix = `${base.freeThreaded ? 't' : ''}${base.debug ? 'd' : ''}`;
  expect(twins.map((i) => i.label)).toEqual([`${base.version}${suffix}`, `${base.version}${suffix}#2`]);
  for (const twin of twins) {
    const picked = await rediscoverPythons({ explicit: [twin.label] });
    expect(exes(picked)).toEqual([twin.exe]);
    expect(exes(await rediscoverPythons({ explicit: [twin.exe] }))).toEqual([twin.exe]);
  }
  // Both together keep the labels the full matrix gives them.
  const both = await rediscoverPythons({ explicit: twins.map((i) => i.label) });
  expect(both.found.map((i) => [i.label, i.exe])).toEqual(twins.map((i) => [i.label, i.exe]));
  const version = `${base.major}.${base.minor}${suffix}`;
  const sameMinor = all.filter((i) => i.major === base.major && i.minor === base.minor && i.freeThreaded === base.freeThreaded && i.debug === base.debug);
  expect(exes(await rediscoverPythons({ explicit: [version] }))).toEqual(sameMinor.map((i) => i.exe));
});
