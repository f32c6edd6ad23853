/**
 * bulk-pr on real git repositories: branches from the default branch's tip, PR bodies, the tracking
 * issue, the user's checkout untouched (dirty, on another branch, with stashes), a second run that
 * does nothing, --dry-run, grouping, templates and the errors that stop a run before it starts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { branches, bulk, expectNoWorktree, fixture, git, makeDirty, makeRepo, read, sandbox, snapshot, type Sandbox } from './bulk/helpers';

/** Three modules in subfolders, one already multi-phase, one the engine refuses, one plain C file. */
function projectFiles(): Record<string, Buffer | string> {
  return {
    'README.md': '# demo\n',
    'src/spam/textbook_spam.c': fixture('textbook-spam'),
    'src/ext/minimal.c': fixture('minimal'),
    'src/ext/goto_error_label.c': fixture('goto-error-label'),
    'src/done/already.c': fixture('already-multi-phase'),
    'src/bad/refuse_two_creates.c': fixture('refuse-two-creates'),
    'src/util.c': 'int add(int a, int b) { return a + b; }\n',
    'build/generated.c': fixture('minimal'), // build output is not the project's own
  };
}

let sb: Sandbox;
beforeEach(() => {
  sb = sandbox();
});
afterEach(() => {
  fs.rmSync(sb.dir, { recursive: true, force: true });
});

describe('bulk-pr, local only', () => {
  test('one branch per module from main, the dirty checkout on another branch untouched, bodies and tracking issue', async () => {
    const repo = makeRepo(sb, 'demo', projectFiles());
    const main = git(repo, ['rev-parse', 'main'], sb.env);
    // The user works on a feature branch with a commit main does not have, and uncommitted work.
    git(repo, ['switch', '-q', '-c', 'feature'], sb.env);
    fs.writeFileSync(path.join(repo, 'src/feature.c'), 'int feature;\n');
    git(repo, ['add', 'src/feature.c'], sb.env);
    git(repo, ['commit', '-q', '-m', 'feature work'], sb.env);
    makeDirty(repo, sb.env, 'src/spam/textbook_spam.c', 'src/ext/minimal.c');
    const before = snapshot(repo, sb.env);

    const ran = await bulk(sb, { repos: [repo] });
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    expect(snapshot(repo, sb.env)).toEqual(before);
    expectNoWorktree(repo, sb.env);

    const made = branches(repo, sb.env, 'refs/heads/pep489/');
    expect(Object.keys(made).sort()).toEqual(['pep489/goto_error_label', 'pep489/minimal', 'pep489/textbook_spam']);
    for (const [branch, file, fx] of [
      ['pep489/textbook_spam', 'src/spam/textbook_spam.c', 'textbook-spam'],
      ['pep489/minimal', 'src/ext/minimal.c', 'minimal'],
      ['pep489/goto_error_label', 'src/ext/goto_error_label.c', 'goto-error-label'],
    ]) {
      // One commit on main's tip (not on the checked-out feature branch), changing only its module,
      // exactly as the engine converts it: no dirty byte leaked in.
      expect(git(repo, ['rev-parse', `${branch}^`], sb.env)).toBe(main);
      expect(git(repo, ['rev-list', '--count', `main..${branch}`], sb.env)).toBe('1');
      expect(git(repo, ['diff', '--name-only', main, branch], sb.env)).toBe(file);
      expect(git(repo, ['show', `${branch}:${file}`], sb.env) + '\n').toBe(fixture(fx, 'output.c').toString());
      expect(git(repo, ['log', '-1', '--format=%an <%ae>|%cn <%ce>', branch], sb.env)).toBe('Pat Porter <pat@example.com>|Pat Porter <pat@example.com>');
    }
    const message = git(repo, ['log', '-1', '--format=%B', 'pep489/textbook_spam'], sb.env);
    expect(message.split('\n')[0]).toBe('Convert textbook_spam to multi-phase initialization (PEP 489)');
    expect(message).toContain('Declares (textbook_spam):\n  multiple interpreters: Py_MOD_MULTIPLE_INTERPRETERS_NOT_SUPPORTED\n  GIL: Py_MOD_GIL_USED');
    expect(message).toContain('src/spam/textbook_spam.c:\n- turn the PyInit_<name> function into the static exec function\n');
    expect(message).toContain('No once-per-process guard in textbook_spam; its first exec is replayed');
    expect(message).toContain('PEP 684');
    expect(message.split('\n').every((l) => l.length <= 72)).toBe(true);

    // The PR bodies: one per branch, named after it.
    const folder = path.join(sb.out, 'demo');
    expect(fs.readdirSync(folder).sort()).toEqual(['pep489-goto_error_label.md', 'pep489-minimal.md', 'pep489-textbook_spam.md']);
    const body = read(path.join(folder, 'pep489-textbook_spam.md'));
    expect(body).toContain('This converts the extension module `textbook_spam` (`src/spam/textbook_spam.c`)');
    expect(body).toContain('[PEP 489](https://peps.python.org/pep-0489/)');
    expect(body).toContain('[PEP 684]');
    expect(body).toContain('[PEP 703]');
    expect(body).toContain('| `Py_mod_multiple_interpreters` | `Py_MOD_MULTIPLE_INTERPRETERS_NOT_SUPPORTED` | what the audit recommends: 1 Python objects in C globals (SpamError)');
    expect(body).toContain('| `Py_mod_gil` | `Py_MOD_GIL_USED` |');
    expect(body).toContain('| `Py_mod_exec` | `textbook_spam_exec_once` |');
    expect(body).toContain('`SpamError` at `src/spam/textbook_spam.c:4`');
    expect(body).toContain('Not added; the first exec is replayed instead: A re-import or a legacy subinterpreter runs exec again');
    expect(body).toContain('Not verified: verification turned off');
    expect(body).toContain('git switch pep489/textbook_spam');
    expect(body).toContain('## What to review');
    const minimal = read(path.join(folder, 'pep489-minimal.md'));
    expect(minimal).toContain('Not added: there is no exec function to guard');
    expect(minimal).toContain('the audit found no global state, so `supported` may already be earned');
    expect(minimal).toContain('the conservative choice: the audit would allow `per-interpreter-gil`');

    // The tracking issue: a checklist of every branch, and what was left out.
    const issue = read(path.join(sb.out, 'tracking-issue.md'));
    expect(issue).toContain('# Convert extension modules to multi-phase initialization (PEP 489)');
    expect(issue).toContain('- [ ] `textbook_spam` (`src/spam/textbook_spam.c`): branch `pep489/textbook_spam`, not pushed yet');
    expect(issue).toContain('- [ ] `minimal` (`src/ext/minimal.c`)');
    expect(issue).toMatch(/## Left out: refused, or failed verification\n\n- demo: `src\/bad\/refuse_two_creates.c` \(`refuse_two_creates`\): refused at line 31: PyInit_refuse_two_creates calls PyModule_Create 2 times/);
    expect(issue).toContain('3 module(s) on 3 branch(es) in 1 repository: 0 pull request(s) opened');

    expect(ran.stdout).toContain('demo (');
    expect(ran.stdout).toMatch(/created pep489\/textbook_spam \([0-9a-f]{10}\): textbook_spam \(src\/spam\/textbook_spam.c\)/);
    expect(ran.stdout).toContain('left out src/bad/refuse_two_creates.c (refuse_two_creates): refused at line 31');
    expect(ran.stdout).toContain('bulk-pr: 3 branch(es) created, 0 already there, 1 module(s) left out');
  });

  test('a second identical run is a no-op', async () => {
    const repo = makeRepo(sb, 'demo', projectFiles());
    makeDirty(repo, sb.env, 'src/spam/textbook_spam.c', 'src/ext/minimal.c');
    const before = snapshot(repo, sb.env);
    expect((await bulk(sb, { repos: [repo] })).code).toBe(0);
    const refs = git(repo, ['for-each-ref'], sb.env);
    const bodies = fs.readdirSync(path.join(sb.out, 'demo')).map((f) => read(path.join(sb.out, 'demo', f)));
    const issue = read(path.join(sb.out, 'tracking-issue.md'));

    const again = await bulk(sb, { repos: [repo] });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('bulk-pr: 0 branch(es) created, 3 already there');
    expect(again.stdout).toMatch(/exists {2}pep489\/minimal at [0-9a-f]{10}/);
    expect(git(repo, ['for-each-ref'], sb.env)).toBe(refs);
    expect(fs.readdirSync(path.join(sb.out, 'demo')).map((f) => read(path.join(sb.out, 'demo', f)))).toEqual(bodies);
    expect(read(path.join(sb.out, 'tracking-issue.md'))).toBe(issue);
    expect(snapshot(repo, sb.env)).toEqual(before);
    expectNoWorktree(repo, sb.env);
  });

  test('several repositories: not a repository, no commits, no single-phase module are reported; the others go on; exit 3', async () => {
    const good = makeRepo(sb, 'good', { 'm/minimal.c': fixture('minimal') });
    const plain = path.join(sb.dir, 'plain-folder');
    fs.mkdirSync(plain);
    const empty = path.join(sb.dir, 'empty');
    fs.mkdirSync(empty);
    git(empty, ['init', '-q'], sb.env);
    const none = makeRepo(sb, 'none', { 'a.c': 'int a;\n', 'b.c': fixture('already-multi-phase') });
    const ran = await bulk(sb, { repos: [plain, empty, none, good, path.join(sb.dir, 'missing')] });
    expect(ran.code).toBe(3);
    expect(ran.stderr).toContain(`${plain}: FAILED: not a git repository`);
    expect(ran.stderr).toContain(`${path.join(sb.dir, 'missing')}: FAILED: no such directory`);
    expect(ran.stdout).toContain(`${empty}: skipped: has no commits`);
    expect(ran.stdout).toContain(`${none}: skipped: no single-phase module (1 already multi-phase)`);
    expect(Object.keys(branches(good, sb.env))).toEqual(['main', 'pep489/minimal']);
    expect(Object.keys(branches(none, sb.env))).toEqual(['main']);
    const issue = read(path.join(sb.out, 'tracking-issue.md'));
    expect(issue).toContain('## Repositories skipped');
    // By folder name: the issue is posted publicly, paths on this machine are nobody's business.
    expect(issue).toContain(`- \`${path.basename(plain)}\`: failed: not a git repository`);
    expect(issue).toContain(`- \`${path.basename(empty)}\`: has no commits`);
    expect(issue).not.toContain(sb.dir);
    expect(issue).toContain('### good');
  });

  test('--dry-run prints the plan and changes nothing anywhere; gh is not called', async () => {
    const repo = makeRepo(sb, 'demo', projectFiles());
    makeDirty(repo, sb.env, 'src/spam/textbook_spam.c', 'src/ext/minimal.c');
    const before = snapshot(repo, sb.env);
    const refs = git(repo, ['for-each-ref'], sb.env);
    const ran = await bulk(sb, { repos: [repo], dryRun: true, createPr: true });
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain('nothing is changed');
    expect(ran.stdout).toContain('would create pep489/textbook_spam: textbook_spam (src/spam/textbook_spam.c)');
    expect(ran.stdout).toContain('title: Convert textbook_spam to multi-phase initialization (PEP 489)');
    expect(ran.stdout).toContain('would push to origin');
    expect(ran.stdout).toContain('would open a pull request');
    expect(ran.stdout).toContain('left out src/bad/refuse_two_creates.c');
    expect(ran.stdout).toContain('bulk-pr: 3 branch(es) would be created');
    expect(fs.existsSync(sb.out)).toBe(false);
    expect(git(repo, ['for-each-ref'], sb.env)).toBe(refs);
    expect(snapshot(repo, sb.env)).toEqual(before);
    expect(fs.readdirSync(sb.env.TMPDIR!)).toEqual([]);
    expect(fs.existsSync(path.join(sb.ghDir, 'log.jsonl'))).toBe(false);

    // After a real run, the plan says what exists.
    await bulk(sb, { repos: [repo] });
    const planned = await bulk(sb, { repos: [repo], dryRun: true });
    expect(planned.stdout).toContain('exists pep489/minimal');
    expect(planned.stdout).toContain('bulk-pr: 0 branch(es) would be created, 3 already there');
  });

  test('--group dir: one branch per folder with all its modules; --group repo: one branch', async () => {
    const repo = makeRepo(sb, 'demo', projectFiles());
    const main = git(repo, ['rev-parse', 'main'], sb.env);
    const ran = await bulk(sb, { repos: [repo], group: 'dir' });
    expect(ran.code).toBe(0);
    expect(Object.keys(branches(repo, sb.env, 'refs/heads/pep489/')).sort()).toEqual(['pep489/src-ext', 'pep489/src-spam']);
    expect(git(repo, ['diff', '--name-only', main, 'pep489/src-ext'], sb.env).split('\n')).toEqual(['src/ext/goto_error_label.c', 'src/ext/minimal.c']);
    expect(git(repo, ['rev-parse', 'pep489/src-ext^'], sb.env)).toBe(main);
    const body = read(path.join(sb.out, 'demo', 'pep489-src-ext.md'));
    expect(body).toContain('This converts 2 extension modules');
    expect(git(repo, ['log', '-1', '--format=%s', 'pep489/src-ext'], sb.env)).toBe('Convert goto_error_label and minimal to multi-phase initialization (PEP 489)');

    const sb2 = sandbox();
    try {
      const repo2 = makeRepo(sb2, 'demo', projectFiles());
      expect((await bulk(sb2, { repos: [repo2], group: 'repo', branchPrefix: 'codemod/' })).code).toBe(0);
      expect(Object.keys(branches(repo2, sb2.env))).toEqual(['codemod/all', 'main']);
      expect(git(repo2, ['diff', '--name-only', 'main', 'codemod/all'], sb2.env).split('\n')).toHaveLength(3);
      const all = read(path.join(sb2.out, 'demo', 'codemod-all.md'));
      expect(all).toContain('## Not in this pull request');
      expect(all).toContain('`src/bad/refuse_two_creates.c` (`refuse_two_creates`): refused at line 31');
    } finally {
      fs.rmSync(sb2.dir, { recursive: true, force: true });
    }
  });

  test('convert options reach the engine: --gil not-used --interpreters supported', async () => {
    const repo = makeRepo(sb, 'demo', { 'minimal.c': fixture('minimal') });
    expect((await bulk(sb, { repos: [repo], gil: 'not-used', interpreters: 'supported' })).code).toBe(0);
    const text = git(repo, ['show', 'pep489/minimal:minimal.c'], sb.env);
    expect(text).toContain('Py_MOD_GIL_NOT_USED');
    expect(text).toContain('Py_MOD_MULTIPLE_INTERPRETERS_SUPPORTED');
    expect(read(path.join(sb.out, 'demo', 'pep489-minimal.md'))).toContain('declared with `--gil not-used`');
    // The state remembers them: another run with other values would make other branches.
    const other = await bulk(sb, { repos: [repo] });
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('holds the state of a run made with other settings: interpreters "supported" (now "not-supported"), gil "not-used" (now "used")');
  });

  test('a branch of that name that bulk-pr did not make is reported, not overwritten', async () => {
    const repo = makeRepo(sb, 'demo', projectFiles());
    git(repo, ['branch', 'pep489/minimal', 'main'], sb.env);
    const ran = await bulk(sb, { repos: [repo] });
    expect(ran.code).toBe(3);
    expect(ran.stderr).toContain('pep489/minimal: FAILED: branch pep489/minimal already exists');
    expect(git(repo, ['rev-parse', 'pep489/minimal'], sb.env)).toBe(git(repo, ['rev-parse', 'main'], sb.env));
    expect(Object.keys(branches(repo, sb.env, 'refs/heads/pep489/'))).toHaveLength(3);
  });

  test('no git identity: the repository fails with what to configure, and nothing is made', async () => {
    const repo = makeRepo(sb, 'demo', { 'minimal.c': fixture('minimal') });
    const noIdentity = path.join(sb.dir, 'empty-gitconfig');
    fs.writeFileSync(noIdentity, '');
    const ran = await bulk(sb, { repos: [repo] }, { verifier: null }, { GIT_CONFIG_GLOBAL: noIdentity, EMAIL: '' });
    expect(ran.code).toBe(3);
    expect(ran.stderr).toContain('no git identity configured: run git config --global user.name');
    expect(Object.keys(branches(repo, sb.env))).toEqual(['main']);
    expectNoWorktree(repo, sb.env);
  });

  test('--template replaces the texts; an unknown placeholder stops the run before anything', async () => {
    const repo = makeRepo(sb, 'demo', { 'minimal.c': fixture('minimal') });
    const tpl = path.join(sb.dir, 'tpl');
    fs.mkdirSync(tpl);
    fs.writeFileSync(path.join(tpl, 'pr-title.txt'), '[PEP 489] {{modules}} in {{repo}}\n');
    fs.writeFileSync(path.join(tpl, 'pr-body.md'), 'Hello maintainers of {{repo}}!\n\n{{summary}}\n\n{{slots}}\n');
    expect((await bulk(sb, { repos: [repo], template: tpl })).code).toBe(0);
    expect(git(repo, ['log', '-1', '--format=%s', 'pep489/minimal'], sb.env)).toBe('[PEP 489] minimal in demo');
    const body = read(path.join(sb.out, 'demo', 'pep489-minimal.md'));
    expect(body.startsWith('Hello maintainers of demo!\n\nThis converts the extension module `minimal`')).toBe(true);
    expect(body).not.toContain('## Why');

    fs.writeFileSync(path.join(tpl, 'tracking-issue.md'), '{{title}} {{prs}}\n');
    const bad = await bulk(sb, { repos: [repo], template: tpl, out: path.join(sb.dir, 'out2') });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('tracking-issue.md: unknown placeholder(s) {{prs}}; it may use {{title}}');
    expect(fs.existsSync(path.join(sb.dir, 'out2'))).toBe(false);
  });

  test('usage errors: no --out, no repository, a bad --branch-prefix, --resume with no state', async () => {
    const repo = makeRepo(sb, 'demo', { 'minimal.c': fixture('minimal') }, { origin: false });
    expect((await bulk(sb, { repos: [repo], out: undefined })).stderr).toContain('--out <dir> is required');
    expect((await bulk(sb, { repos: [] })).stderr).toContain('name at least one repository');
    const prefix = await bulk(sb, { repos: [repo], branchPrefix: 'bad..name/' });
    expect(prefix.code).toBe(2);
    expect(prefix.stderr).toContain('--branch-prefix bad..name/');
    const resume = await bulk(sb, { resume: true });
    expect(resume.code).toBe(2);
    expect(resume.stderr).toContain('--resume: nothing to resume');
    expect(Object.keys(branches(repo, sb.env))).toEqual(['main']);
  });
});

describe('the default branch', () => {
  test('without origin/HEAD it is what the origin names, never the checked-out feature branch; local commits nobody pushed stay out', async () => {
    // Default branch "trunk", no origin/HEAD in the clone (made with init + push, not clone).
    const repo = makeRepo(sb, 'trunked', { 'src/m.c': fixture('minimal') });
    git(repo, ['branch', '-m', 'main', 'trunk'], sb.env);
    git(repo, ['push', '-q', 'origin', 'trunk'], sb.env);
    git(path.join(sb.dir, 'trunked-origin.git'), ['symbolic-ref', 'HEAD', 'refs/heads/trunk'], sb.env);
    git(repo, ['push', '-q', 'origin', '--delete', 'main'], sb.env);
    git(repo, ['remote', 'set-head', 'origin', '-d'], sb.env);
    const published = git(repo, ['rev-parse', 'trunk'], sb.env);
    // An unpushed commit on trunk, and a checked-out feature branch with a module of its own.
    fs.writeFileSync(path.join(repo, 'LOCAL_ONLY.txt'), 'not pushed\n');
    git(repo, ['add', 'LOCAL_ONLY.txt'], sb.env);
    git(repo, ['commit', '-q', '-m', 'local only'], sb.env);
    git(repo, ['switch', '-q', '-c', 'feature'], sb.env);
    fs.writeFileSync(path.join(repo, 'src/feat.c'), fixture('textbook-spam'));
    git(repo, ['add', 'src/feat.c'], sb.env);
    git(repo, ['commit', '-q', '-m', 'feature'], sb.env);

    const ran = await bulk(sb, { repos: [repo] });
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain(`trunk at ${published.slice(0, 10)} (origin/trunk; local trunk has 1 unpushed commit(s), left out)`);
    const made = branches(repo, sb.env, 'refs/heads/pep489/');
    expect(Object.keys(made)).toEqual(['pep489/minimal']);
    expect(git(repo, ['rev-parse', 'pep489/minimal^'], sb.env)).toBe(published);
    expect(git(repo, ['ls-tree', '--name-only', 'pep489/minimal'], sb.env)).not.toContain('LOCAL_ONLY.txt');
  });

  test('when it cannot be told (no origin/HEAD, no main or master, a remote elsewhere), the repository fails with what to do', async () => {
    const repo = makeRepo(sb, 'nameless', { 'src/m.c': fixture('minimal') }, { origin: false });
    git(repo, ['branch', '-m', 'main', 'develop'], sb.env);
    git(repo, ['remote', 'add', 'origin', 'https://example.invalid/nameless.git'], sb.env);
    const before = snapshot(repo, sb.env);
    const ran = await bulk(sb, { repos: [repo] });
    expect(ran.code).toBe(3);
    expect(ran.stdout + ran.stderr).toContain('cannot tell its default branch (no origin/HEAD, no main or master): run `git remote set-head origin --auto` in it, or pass --base');
    expect(branches(repo, sb.env, 'refs/heads/pep489/')).toEqual({});
    expect(snapshot(repo, sb.env)).toEqual(before);
  });
});
