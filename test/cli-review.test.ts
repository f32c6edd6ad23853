/** Reviewing a run as a user does: --interactive on a real terminal, colour, progress, --stat, --explain. */
import fs from 'node:fs';
import path from 'node:path';
import { copyFixtures, expectedOutput, runCli, snapshot, tempDir } from './cli-helpers';
import { runCliOnPty } from './pty-helpers';

const ESC = '\x1b[';
const GREEN = '\x1b[32m';

describe('--interactive', () => {
  test('on a terminal: y then n writes exactly the first file', () => {
    const dir = tempDir();
    copyFixtures(dir, { 'a.c': 'minimal', 'b.c': 'textbook-spam', 'plain.c': 'plain-c-file' });
    const bBefore = fs.readFileSync(path.join(dir, 'b.c'));
    const r = runCliOnPty(['--interactive', '.'], dir, { answers: ['y', 'n'], env: { NO_COLOR: '1' } });
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'a.c'))).toEqual(expectedOutput('minimal'));
    expect(fs.readFileSync(path.join(dir, 'b.c'))).toEqual(bBefore);
    // Each diff comes before its question, in path order.
    const qa = r.output.indexOf('Apply this change to a.c? [y,n,a,q,?]');
    const qb = r.output.indexOf('Apply this change to b.c? [y,n,a,q,?]');
    expect(r.output.indexOf('+++ b/a.c')).toBeLessThan(qa);
    expect(qa).toBeLessThan(r.output.indexOf('+++ b/b.c'));
    expect(r.output.indexOf('+++ b/b.c')).toBeLessThan(qb);
    expect(r.output).toContain('converted a.c (module minimal)');
    expect(r.output).toContain('unchanged b.c: not applied (answered n)');
    expect(r.output).toContain('applied 1 of 2 change(s); not applied: b.c');
    expect(r.output).toContain('1 changed, 1 unchanged, 1 skipped, 0 failed');
  });

  test('? (or anything that is not an answer) prints the help and asks again; a applies this and every remaining change', () => {
    const dir = tempDir();
    copyFixtures(dir, { 'a.c': 'minimal', 'b.c': 'minimal', 'c.c': 'minimal' });
    const r = runCliOnPty(['-i', '.'], dir, { answers: ['n', 'x', 'a'], env: { NO_COLOR: '1' } });
    expect(r.code).toBe(0);
    expect(r.output).toContain('a - apply this change and every remaining one');
    expect(r.output.match(/Apply this change to b\.c\?/g)).toHaveLength(2);
    expect(r.output).not.toContain('Apply this change to c.c?');
    expect(fs.readFileSync(path.join(dir, 'a.c'))).not.toEqual(expectedOutput('minimal'));
    expect(fs.readFileSync(path.join(dir, 'b.c'))).toEqual(expectedOutput('minimal'));
    expect(fs.readFileSync(path.join(dir, 'c.c'))).toEqual(expectedOutput('minimal'));
    expect(r.output).toContain('applied 2 of 3 change(s); not applied: a.c');
  });

  test('single keys, no Enter: a file of several hunks is asked about hunk by hunk, and applied when every hunk is accepted', () => {
    const dir = tempDir();
    copyFixtures(dir, { 'a.c': 'shape-state-hooks', 'b.c': 'shape-state-hooks' });
    const bBefore = fs.readFileSync(path.join(dir, 'b.c'));
    // a.c: all four hunks accepted; b.c: the first accepted, the second declined.
    const r = runCliOnPty(['--interactive', '.'], dir, { answers: ['y', 'y', 'y', 'y', 'y', 'n'], singleKeys: true, env: { NO_COLOR: '1' }, timeoutSeconds: 30 });
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(0);
    for (let k = 1; k <= 4; k++) expect(r.output).toContain(`(${k}/4) Apply this hunk to a.c? [y,n,a,q,?]`);
    // Each hunk is shown before its question.
    const second = r.output.indexOf('(2/4) Apply this hunk to a.c?');
    expect(r.output.lastIndexOf('@@', second)).toBeGreaterThan(r.output.indexOf('(1/4) Apply this hunk to a.c?'));
    expect(fs.readFileSync(path.join(dir, 'a.c'))).toEqual(expectedOutput('shape-state-hooks'));
    expect(r.output).not.toContain('(3/4) Apply this hunk to b.c?');
    expect(fs.readFileSync(path.join(dir, 'b.c'))).toEqual(bBefore);
    expect(r.output).toContain('unchanged b.c: not applied (answered n at hunk 2 of 4; the hunks of one conversion only work together, so the file is left as it was)');
  });

  test('q applies nothing more', () => {
    const dir = tempDir();
    copyFixtures(dir, { 'a.c': 'minimal', 'b.c': 'minimal' });
    const before = snapshot(dir);
    const r = runCliOnPty(['--interactive', '.'], dir, { answers: ['q'], env: { NO_COLOR: '1' } });
    expect(r.code).toBe(0);
    expect(r.output).not.toContain('Apply this change to b.c?');
    expect(snapshot(dir)).toEqual(before);
    expect(r.output).toContain('unchanged b.c: not applied (quit)');
    expect(r.output).toContain('applied 0 of 2 change(s); not applied: a.c, b.c');
  });

  test('Ctrl-C at the question stops with exit 130 and writes nothing more; Ctrl-D is q', () => {
    const dir = tempDir();
    copyFixtures(dir, { 'a.c': 'minimal', 'b.c': 'minimal' });
    const before = snapshot(dir);
    const r = runCliOnPty(['--interactive', '.'], dir, { answers: ['\x03'], env: { NO_COLOR: '1' } });
    expect(r.code).toBe(130);
    expect(r.output).toContain('(interrupted)');
    expect(snapshot(dir)).toEqual(before);
    const d = runCliOnPty(['--interactive', '.'], dir, { answers: ['y', '\x04'], env: { NO_COLOR: '1' } });
    expect(d.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'a.c'))).toEqual(expectedOutput('minimal'));
    expect(d.output).toContain('applied 1 of 2 change(s); not applied: b.c');
  });

  test('without a terminal on stdin it fails at once with exit 2 and says why', () => {
    const dir = tempDir();
    copyFixtures(dir, { 'a.c': 'minimal' });
    const before = snapshot(dir);
    const started = Date.now();
    const r = runCli(['--interactive', 'a.c'], dir);
    expect(Date.now() - started).toBeLessThan(10000);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('stdin is not a terminal');
    expect(snapshot(dir)).toEqual(before);
  });

  test('cannot be combined with --dry-run, --check or --json', () => {
    const dir = tempDir();
    copyFixtures(dir, { 'a.c': 'minimal' });
    for (const flag of ['--dry-run', '--check', '--json']) {
      const r = runCli(['--interactive', flag, 'a.c'], dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`cannot be combined with ${flag}`);
    }
  });
});

describe('colour', () => {
  const setup = () => {
    const dir = tempDir();
    copyFixtures(dir, { 'a.c': 'minimal', 'r.c': 'refuse-pystate-findmodule' });
    return dir;
  };

  test('on by default on a terminal: the diff and the summary', () => {
    const r = runCliOnPty(['--dry-run', '.'], setup());
    expect(r.code).toBe(3);
    expect(r.output).toContain(`${GREEN}+static PyModuleDef_Slot`);
    expect(r.output).toContain(`${GREEN}1 changed`);
    expect(r.output).toContain('\x1b[31mrefused');
  });

  test('NO_COLOR turns it off on a terminal', () => {
    const r = runCliOnPty(['--dry-run', '.'], setup(), { env: { NO_COLOR: '1' } });
    expect(r.output).toContain('+static PyModuleDef_Slot');
    expect(r.output).not.toContain(ESC);
  });

  test('off when piped; FORCE_COLOR=1 turns it on; --color overrides both', () => {
    const dir = setup();
    const plain = runCli(['--dry-run', '.'], dir, { NO_COLOR: '' });
    expect(plain.stdout + plain.stderr).not.toContain(ESC);
    const forced = runCli(['--dry-run', '.'], dir, { NO_COLOR: '', FORCE_COLOR: '1' });
    expect(forced.stdout).toContain(`${GREEN}+static PyModuleDef_Slot`);
    expect(forced.stderr).toContain(`${GREEN}1 changed`);
    const always = runCli(['--dry-run', '--color', 'always', '.'], dir, { NO_COLOR: '1' });
    expect(always.stdout).toContain(GREEN);
    const never = runCli(['--dry-run', '--color=never', '.'], dir, { NO_COLOR: '', FORCE_COLOR: '1' });
    expect(never.stdout + never.stderr).not.toContain(ESC);
    // The uncoloured diff is the one a pipe gets, and git apply takes.
    expect(never.stdout).toBe(plain.stdout);
    // --no-color is never; an explicit --color auto leaves it to the terminal, whatever FORCE_COLOR says.
    const noColor = runCli(['--dry-run', '--no-color', '.'], dir, { NO_COLOR: '', FORCE_COLOR: '1' });
    expect(noColor.stdout + noColor.stderr).not.toContain(ESC);
    const auto = runCli(['--dry-run', '--color', 'auto', '.'], dir, { NO_COLOR: '', FORCE_COLOR: '1' });
    expect(auto.stdout + auto.stderr).not.toContain(ESC);
    const autoOnTerminal = runCliOnPty(['--dry-run', '--color', 'auto', '.'], dir, { env: { NO_COLOR: '1' } });
    expect(autoOnTerminal.output).toContain(GREEN);
  });

  test('never in --json, even on a terminal', () => {
    const r = runCliOnPty(['--dry-run', '--json', '.'], setup());
    expect(r.output).not.toContain(ESC);
    expect(JSON.parse(r.output).summary).toEqual({ changed: 1, unchanged: 0, skipped: 0, failed: 1 });
  });
});

describe('progress', () => {
  const many = (n: number) => {
    const dir = tempDir();
    const files: Record<string, string> = {};
    for (let i = 0; i < n; i++) files[`src/m${String(i).padStart(2, '0')}.c`] = i % 3 ? 'plain-c-file' : 'minimal';
    copyFixtures(dir, files);
    return dir;
  };

  test('a line on a terminal for a run over many files: done/total, file, elapsed; erased at the end', () => {
    const r = runCliOnPty(['--check', '--jobs', '1', 'src'], many(30), { env: { NO_COLOR: '1' } });
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/\r\[30\/30\] \d+:\d\d src\/m\d\d\.c\x1b\[K/);
    expect(r.output).toContain('\r\x1b[K');
    expect(r.output).toContain('10 changed, 0 unchanged, 20 skipped, 0 failed');
  });

  test('nothing of it when stderr is not a terminal, or with --json', () => {
    const dir = many(30);
    const piped = runCli(['--check', 'src'], dir);
    expect(piped.stderr).not.toMatch(/\r|\/30\]/);
    const json = runCliOnPty(['--check', '--json', 'src'], dir);
    expect(json.output).not.toMatch(/\/30\]/);
    expect(JSON.parse(json.output).summary.changed).toBe(10);
  });
});

describe('--stat', () => {
  /** +/- lines of a unified diff, without its --- / +++ headers. */
  const counts = (diff: string) => ({
    added: diff.split('\n').filter((l) => l.startsWith('+') && !l.startsWith('+++ ')).length,
    removed: diff.split('\n').filter((l) => l.startsWith('-') && !l.startsWith('--- ')).length,
  });

  test('with --dry-run: a line per changed file with its counts and a bar, and a total; no hunks', () => {
    const dir = tempDir();
    copyFixtures(dir, { 'src/a.c': 'minimal', 'src/spam.c': 'create-in-helper', 'src/p.c': 'plain-c-file' });
    const before = snapshot(dir);
    const diff = runCli(['--dry-run', 'src'], dir).stdout;
    const r = runCli(['--dry-run', '--stat', 'src'], dir);
    expect(r.code).toBe(0);
    expect(snapshot(dir)).toEqual(before);
    expect(r.stdout).not.toContain('@@');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    const perFile = diff.split(/(?=^--- a\/)/m);
    let added = 0;
    let removed = 0;
    for (const [i, name] of ['src/a.c', 'src/spam.c'].entries()) {
      const c = counts(perFile.find((d) => d.startsWith(`--- a/${name}`))!);
      added += c.added;
      removed += c.removed;
      const m = /^ (\S+)\s+\|\s+(\d+) (\+*)(-*)$/.exec(lines[i])!;
      expect(m).not.toBeNull();
      expect(m[1]).toBe(name);
      expect(Number(m[2])).toBe(c.added + c.removed);
      expect(m[3].length).toBe(c.added);
      expect(m[4].length).toBe(c.removed);
    }
    expect(lines[2]).toBe(` 2 files changed, ${added} insertions(+), ${removed} deletions(-)`);
    expect(r.stderr).toContain('2 changed, 0 unchanged, 1 skipped, 0 failed');
  });

  test('a path too long for the line keeps its end after "...", and every line fits 80 columns (as git)', () => {
    const dir = tempDir();
    const deep = 'src/' + 'a_rather_long_folder_name/'.repeat(4) + 'with_a_long_file_name_for_a_module.c';
    copyFixtures(dir, { [deep]: 'textbook-spam' });
    const r = runCli(['--dry-run', '--stat', 'src'], dir);
    const [line] = r.stdout.split('\n');
    expect(line).toMatch(/^ \.\.\.\S*with_a_long_file_name_for_a_module\.c \| \d+ \++-+$/);
    for (const l of r.stdout.trimEnd().split('\n')) expect(l.length).toBeLessThanOrEqual(80);
  });

  test('with a real run: the files written', () => {
    const dir = tempDir();
    copyFixtures(dir, { 'a.c': 'minimal', 'r.c': 'refuse-two-creates' });
    const r = runCli(['--stat', '.'], dir);
    expect(r.code).toBe(3);
    expect(fs.readFileSync(path.join(dir, 'a.c'))).toEqual(expectedOutput('minimal'));
    expect(r.stdout).toMatch(/^ a\.c \| \d+ \++-+\n 1 file changed, \d+ insertions\(\+\), \d+ deletions\(-\)\n$/);
  });
});

describe('--explain', () => {
  test('the rules applied to each changed file with their descriptions, and the rule that refused', () => {
    const dir = tempDir();
    copyFixtures(dir, { 'a.c': 'textbook-spam', 'r.c': 'refuse-pystate-findmodule' });
    const r = runCli(['--dry-run', '--explain', '.'], dir);
    expect(r.code).toBe(3);
    const block = r.stderr.slice(r.stderr.indexOf('would convert a.c'), r.stderr.indexOf('r.c:14'));
    expect(block).toMatch(/^ {2}exec-function: .+$/m);
    expect(block).toMatch(/^ {2}error-returns: return NULL .+$/m);
    expect(block).toMatch(/^ {2}moddef-init: .+$/m);
    expect(block).toContain('declares: Py_mod_exec, Py_mod_multiple_interpreters not-supported, Py_mod_gil used');
    expect(block).toMatch(/once-per-process guard: not added\n {2}first exec replayed for later modules: .*SpamError/);
    expect(r.stderr).toMatch(/^r\.c:14: refused: PyState_FindModule.*\n {2}refused by pystate-calls: .+$/m);

    const json = JSON.parse(runCli(['--dry-run', '--json', '--explain', '.'], dir).stdout);
    expect(json.files[0].explain.transforms.map((t: { id: string }) => t.id)).toEqual(json.files[0].transforms);
    expect(json.files[0].explain.transforms[0].description).toEqual(expect.any(String));
    expect(json.files[1].explain.refusedBy.id).toBe('pystate-calls');
  });
});
