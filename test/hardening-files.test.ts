/**
 * Inputs that are not plain files, and files the system will not let the run replace: each fails
 * on its own with a clear reason, the rest of the run goes on, and nothing hangs. The real command,
 * real FIFOs, devices, symlinks and a read-only mount (bubblewrap).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BIN, runCli, tempDir } from './cli-helpers';
import { FIXTURES } from './fixture-cases';

const SPAM = fs.readFileSync(path.join(FIXTURES, 'minimal', 'input.c'));
let dir: string;
beforeEach(() => {
  dir = tempDir('hardening-files-');
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a FIFO and /dev/zero named as arguments fail at once, naming what they are; the file beside them converts', () => {
  execFileSync('mkfifo', [path.join(dir, 'pipe.c')]);
  fs.writeFileSync(path.join(dir, 'spam.c'), SPAM);
  const r = spawnSync(process.execPath, [BIN, '--dry-run', 'pipe.c', '/dev/zero', 'spam.c'], { cwd: dir, timeout: 30000, env: { ...process.env, NO_COLOR: '1' } });
  expect(r.error).toBeUndefined(); // not killed by the timeout
  const stderr = r.stderr.toString();
  expect(stderr).toContain('pipe.c: error: it is a FIFO, not a regular file; pass C or C++ source files');
  expect(stderr).toContain('/dev/zero: error: it is a character device, not a regular file');
  expect(stderr).toContain('would convert spam.c');
  expect(r.status).toBe(2);
});

test('a symlinked source is converted through its link: the target changes, the link stays a link', () => {
  fs.mkdirSync(path.join(dir, 'real'));
  fs.writeFileSync(path.join(dir, 'real', 'spam.c'), SPAM);
  fs.symlinkSync(path.join('real', 'spam.c'), path.join(dir, 'link.c'));
  const r = runCli(['link.c'], dir);
  expect(r.code).toBe(0);
  expect(fs.lstatSync(path.join(dir, 'link.c')).isSymbolicLink()).toBe(true);
  expect(fs.readFileSync(path.join(dir, 'real', 'spam.c'), 'utf8')).toContain('PyModuleDef_Init');
});

test('a directory walk takes a symlinked source once, by its own path when the walk finds both', () => {
  fs.mkdirSync(path.join(dir, 'src'));
  fs.writeFileSync(path.join(dir, 'src', 'spam.c'), SPAM);
  fs.symlinkSync('spam.c', path.join(dir, 'src', 'alias.c'));
  fs.mkdirSync(path.join(dir, 'other'));
  fs.writeFileSync(path.join(dir, 'other', 'target.c'), SPAM);
  fs.symlinkSync(path.join('..', 'other', 'target.c'), path.join(dir, 'src', 'linked.c'));
  const r = runCli(['--dry-run', 'src'], dir);
  expect(r.stderr).toContain('would convert src/spam.c');
  expect(r.stderr).toContain('would convert src/linked.c');
  expect(r.stderr).not.toContain('src/alias.c');
  expect(r.stderr).toContain('2 changed');
});

const bwrap = spawnSync('bwrap', ['--version']).status === 0;
(bwrap ? test : test.skip)('a file on a read-only mount (its mode says writable) fails with the reason; the next file is still converted', () => {
  fs.mkdirSync(path.join(dir, 'ro'));
  fs.mkdirSync(path.join(dir, 'rw'));
  fs.writeFileSync(path.join(dir, 'ro', 'a.c'), SPAM);
  fs.writeFileSync(path.join(dir, 'rw', 'b.c'), SPAM);
  const r = spawnSync('bwrap', ['--dev-bind', '/', '/', '--ro-bind', path.join(dir, 'ro'), path.join(dir, 'ro'), process.execPath, BIN, 'ro/a.c', 'rw/b.c'], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1' },
  });
  const stderr = r.stderr.toString();
  expect(stderr).toContain('ro/a.c: error: cannot write it (EROFS: it is on a read-only file system); it was left as it was');
  expect(stderr).toContain('converted rw/b.c');
  expect(stderr).not.toContain('    at '); // no stack trace
  expect(fs.readFileSync(path.join(dir, 'ro', 'a.c'))).toEqual(SPAM);
  expect(fs.readdirSync(path.join(dir, 'ro'))).toEqual(['a.c']);
  expect(r.status).toBe(3);
});

test(".gitignore is honoured by a directory walk (the repository's, and a folder's own, which may re-include); a file named explicitly is taken", () => {
  execFileSync('git', ['init', '-q'], { cwd: dir });
  fs.writeFileSync(path.join(dir, '.gitignore'), 'generated/\n*_gen.c\n');
  for (const f of ['src/spam.c', 'src/spam_gen.c', 'generated/out.c', 'src/keep/.gitignore', 'src/keep/keep_gen.c']) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), f.endsWith('.gitignore') ? '!keep_gen.c\n' : SPAM);
  }
  const r = runCli(['--dry-run', 'src', 'generated'], path.join(dir));
  expect(r.stderr).toContain('would convert src/spam.c');
  expect(r.stderr).toContain('would convert src/keep/keep_gen.c');
  expect(r.stderr).not.toContain('spam_gen.c');
  expect(r.stderr).not.toContain('generated/out.c');
  // Walking from inside the repository, the top's .gitignore still applies.
  expect(runCli(['--dry-run', '.'], path.join(dir, 'src')).stderr).not.toContain('spam_gen.c');
  // Named explicitly: taken.
  expect(runCli(['--dry-run', 'src/spam_gen.c'], dir).stderr).toContain('would convert src/spam_gen.c');
});

test('a module source too large to parse is refused before parsing, saying its size; the next file still converts', () => {
  const filler = 'static int helper(int x) { return x + 1; }\n'.repeat(Math.ceil((7 * 1024 * 1024) / 44));
  fs.writeFileSync(path.join(dir, 'huge.c'), filler + SPAM.toString('latin1'));
  fs.writeFileSync(path.join(dir, 'spam.c'), SPAM);
  const r = runCli(['--dry-run', 'huge.c', 'spam.c'], dir);
  expect(r.stderr).toMatch(/^huge\.c:\d+: refused: the file is [67]\.\d MB, more than the 6 MB this tool parses; move the module's init into a smaller file, or convert it by hand$/m);
  expect(r.stderr).toContain('would convert spam.c');
  expect(r.code).toBe(3);
});
