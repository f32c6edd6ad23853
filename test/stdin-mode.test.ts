/** `pep489-codemod -`: the source on stdin, the result on stdout, for editors and pre-commit. The real command. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BIN, expectedOutput, tempDir } from './cli-helpers';
import { FIXTURES } from './fixture-cases';

const INPUT = fs.readFileSync(path.join(FIXTURES, 'minimal', 'input.c'));
let dir: string;
beforeAll(() => {
  dir = tempDir('stdin-mode-');
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function run(args: string[], input: Buffer | string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, input, env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

test('the converted text on stdout, exactly what converting the file writes', () => {
  const r = run(['-'], INPUT);
  expect(r.code).toBe(0);
  expect(r.stdout.equals(expectedOutput('minimal'))).toBe(true);
  expect(r.stderr).toContain('converted - (module minimal)');
  expect(fs.readdirSync(dir)).toEqual([]); // nothing written anywhere
});

test('a text with no module comes back as it went in; a refused one too, with the reason and exit 3', () => {
  const plain = run(['-'], 'int answer = 42;\n');
  expect(plain.code).toBe(0);
  expect(plain.stdout.toString()).toBe('int answer = 42;\n');
  const broken = 'PyMODINIT_FUNC PyInit_x(void) { PyObject *m = PyModule_Create(&d); return; }\n';
  const refused = run(['-'], broken);
  expect(refused.code).toBe(3);
  expect(refused.stdout.toString()).toBe(broken);
  expect(refused.stderr).toMatch(/^-:1: refused: /m);
});

test('--check exits 1 and prints nothing; --dry-run prints the diff under --stdin-filename', () => {
  const check = run(['--check', '-'], INPUT);
  expect(check.code).toBe(1);
  expect(check.stdout.length).toBe(0);
  const diff = run(['--dry-run', '--stdin-filename', 'src/minimal.c', '-'], INPUT);
  expect(diff.code).toBe(0);
  expect(diff.stdout.toString()).toMatch(/^--- a\/src\/minimal\.c\n\+\+\+ b\/src\/minimal\.c\n/);
});

test('- is the only path of its run', () => {
  fs.writeFileSync(path.join(dir, 'other.c'), INPUT);
  try {
    const r = run(['-', 'other.c'], INPUT);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('- (stdin) is the only path of its run');
    expect(fs.readFileSync(path.join(dir, 'other.c')).equals(INPUT)).toBe(true);
  } finally {
    fs.rmSync(path.join(dir, 'other.c'));
  }
});
