/**
 * bulk-pr's verification step: a module that fails is left out of its branch and listed with the
 * reason (stub verifiers), an earlier failure is not committed by a run that cannot verify, and a
 * real verification in the worktree finds the committed headers, not the dirty checkout's.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { VerifyRequest, Verifier } from '../src/bulk/verify-step';
import { discoverPythons } from '../src/verify/pythons';
import { branches, bulk, expectNoWorktree, fixture, git, makeRepo, read, sandbox, snapshot, type Sandbox } from './bulk/helpers';

let sb: Sandbox;
beforeEach(() => {
  sb = sandbox();
});
afterEach(() => {
  fs.rmSync(sb.dir, { recursive: true, force: true });
});

/** Passes every module except `failing`, with a matrix of its own making. */
function stub(failing: string[], seen: VerifyRequest[] = []): Verifier {
  return {
    async verify(req) {
      seen.push(req);
      const ok = !failing.includes(req.module);
      const matrix = `${ok ? 'PASS' : 'FAIL'} ${req.module} (${path.relative(req.root, req.file)})\n  python  build\n  3.99    ${ok ? 'ok' : 'FAIL'}\n`;
      return { ok, reason: ok ? undefined : 'verification failed: 3.99 build: error: boom', matrix, labels: ['3.99'], sandbox: true };
    },
  };
}

function project(): string {
  return makeRepo(sb, 'demo', { 'src/textbook_spam.c': fixture('textbook-spam'), 'src/minimal.c': fixture('minimal') });
}

test('a module that fails verification is left out and listed; the others are committed with their matrix', async () => {
  const repo = project();
  const seen: VerifyRequest[] = [];
  const ran = await bulk(sb, { repos: [repo] }, { verifier: stub(['minimal'], seen) });
  expect(ran.code).toBe(0);
  expect(ran.stdout).toContain('left out src/minimal.c (minimal): verification failed: 3.99 build: error: boom');
  expect(Object.keys(branches(repo, sb.env, 'refs/heads/pep489/'))).toEqual(['pep489/textbook_spam']);
  // Each module was verified in the worktree, from the committed original to the converted text.
  expect(seen.map((s) => [s.module, path.relative(s.root, s.file)])).toEqual([
    ['minimal', 'src/minimal.c'],
    ['textbook_spam', 'src/textbook_spam.c'],
  ]);
  expect(seen[1].original.equals(fixture('textbook-spam'))).toBe(true);
  expect(seen[1].converted.equals(fixture('textbook-spam', 'output.c'))).toBe(true);
  expect(seen[1].expect).toEqual({ interpreters: 'not-supported', gil: 'used', secondExecChosen: false, secondExec: 'replay' });
  const body = read(path.join(sb.out, 'demo', 'pep489-textbook_spam.md'));
  expect(body).toContain('```\nPASS textbook_spam (src/textbook_spam.c)\n  python  build\n  3.99    ok\n```');
  expect(body).toContain('under CPython 3.99, each probe in a bubblewrap sandbox');
  expect(git(repo, ['log', '-1', '--format=%B', 'pep489/textbook_spam'], sb.env)).toContain('Verified by pep489-codemod verify on CPython 3.99 (bubblewrap');
  const issue = read(path.join(sb.out, 'tracking-issue.md'));
  expect(issue).toContain('- demo: `src/minimal.c` (`minimal`): failed verification on the machine that made these branches: verification failed: 3.99 build: error: boom');

  // A later run that cannot verify does not commit what failed before.
  const unverified = await bulk(sb, { repos: [repo] }, { verifier: null });
  expect(unverified.code).toBe(0);
  expect(unverified.stdout).toContain('left out src/minimal.c (minimal): verification failed: 3.99 build: error: boom (in an earlier run; not committed unverified)');
  expect(Object.keys(branches(repo, sb.env, 'refs/heads/pep489/'))).toEqual(['pep489/textbook_spam']);
  expectNoWorktree(repo, sb.env);

  // One that verifies it again, and passes, makes its branch.
  const fixed = await bulk(sb, { repos: [repo] }, { verifier: stub([]) });
  expect(fixed.code).toBe(0);
  expect(Object.keys(branches(repo, sb.env, 'refs/heads/pep489/'))).toEqual(['pep489/minimal', 'pep489/textbook_spam']);
  expect(read(path.join(sb.out, 'tracking-issue.md'))).not.toContain('Left out');
});

test('--group dir: the failing module stays out of its folder branch, and the PR says so', async () => {
  const repo = project();
  expect((await bulk(sb, { repos: [repo], group: 'dir' }, { verifier: stub(['minimal']) })).code).toBe(0);
  expect(git(repo, ['diff', '--name-only', 'main', 'pep489/src'], sb.env)).toBe('src/textbook_spam.c');
  const body = read(path.join(sb.out, 'demo', 'pep489-src.md'));
  expect(body).toContain('## Not in this pull request\n\n- `src/minimal.c` (`minimal`): verification failed: 3.99 build: error: boom');
});

test('real verification in the worktree, with the committed header (the checkout has a broken one)', async () => {
  const found = (await discoverPythons()).found;
  if (found.length === 0) return; // nothing to verify with on this machine
  const python = found[found.length - 1];
  const source = fixture('textbook-spam').toString().replace('#include <Python.h>', '#include <Python.h>\n#include "spam_config.h"');
  const repo = makeRepo(sb, 'demo', { 'pkg/textbook_spam.c': source, 'pkg/spam_config.h': '#define SPAM_CONFIGURED 1\n' });
  fs.writeFileSync(path.join(repo, 'pkg', 'spam_config.h'), '#error "the dirty checkout leaked into the build"\n');
  const before = snapshot(repo, sb.env);
  const ran = await bulk(sb, { repos: [repo], verify: true, python: [python.exe] }, {});
  expect(ran.stderr).toBe('');
  expect(ran.code).toBe(0);
  expect(ran.stdout).toContain(`verifying on CPython ${python.label} in the bubblewrap sandbox`);
  expect(ran.stdout).toContain('created pep489/textbook_spam');
  const body = read(path.join(sb.out, 'demo', 'pep489-textbook_spam.md'));
  expect(body).toContain('PASS textbook_spam (pkg/textbook_spam.c)');
  expect(body).toMatch(new RegExp(`\\n  ${python.label.replace('.', '\\.')} +ok +ok +ok +ok +ok`));
  expect(snapshot(repo, sb.env)).toEqual(before);
  expectNoWorktree(repo, sb.env);

  // --verify with an interpreter that cannot be used stops the run before anything.
  const bad = await bulk(sb, { repos: [repo], verify: true, python: [path.join(sb.dir, 'no-python')], out: path.join(sb.dir, 'out2') }, {});
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('cannot verify with');
  expect(fs.existsSync(path.join(sb.dir, 'out2'))).toBe(false);
});

test("real verification builds each module as the repository's setup.py does (its other source and its defines)", async () => {
  const found = (await discoverPythons()).found;
  if (found.length === 0) return; // nothing to verify with on this machine
  const python = found[found.length - 1];
  const wordy = path.join(__dirname, 'projects', 'wordy');
  const files: Record<string, Buffer> = {};
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else files[path.relative(wordy, p)] = fs.readFileSync(p);
    }
  };
  walk(wordy);
  const repo = makeRepo(sb, 'wordy', files);
  const ran = await bulk(sb, { repos: [repo], verify: true, python: [python.exe] }, {});
  expect(ran.stderr).toBe('');
  expect(ran.code).toBe(0);
  expect(ran.stdout).toContain('created pep489/_count');
  const body = read(path.join(sb.out, 'wordy', 'pep489-_count.md'));
  expect(body).toContain('PASS _count (src/wordy/_count.c)');
  expect(body).toContain('built as the project builds it: wordy._count from setup.py: 2 sources');
  expectNoWorktree(repo, sb.env);
});
