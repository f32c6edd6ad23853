/**
 * The npm package as a user gets it: `npm pack`, then `npx -y ./pep489-codemod-<v>.tgz --dry-run`
 * in an empty folder. The grammars travel as WASM inside the tarball, so no compiler is involved:
 * CC and CXX point at `false` to prove nothing tries to build anything.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { copyFixtures, tempDir } from './cli-helpers';

const root = path.join(__dirname, '..');

test('npm pack gives a tarball that npx runs in an empty folder', () => {
  const packDir = tempDir('pep489-pack-');
  const out = execFileSync('npm', ['pack', '--silent', '--pack-destination', packDir], { cwd: root, encoding: 'utf8' });
  const tarball = path.join(packDir, out.trim().split('\n').pop()!);
  const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' });
  expect(listing).toContain('package/dist/grammars/tree-sitter-c.wasm');
  expect(listing).toContain('package/dist/grammars/tree-sitter-cpp.wasm');
  expect(listing).toContain('package/bin/pep489-codemod.js');
  expect(listing).not.toContain('package/fixtures/');

  const work = tempDir('pep489-npx-');
  copyFixtures(work, { 'src/spam.c': 'textbook-spam' });
  // As the README says: a relative ./ path (npx runs an absolute path as a command, not a package).
  fs.copyFileSync(tarball, path.join(work, path.basename(tarball)));
  const r = spawnSync('npx', ['-y', `./${path.basename(tarball)}`, '--dry-run', 'src'], {
    cwd: work,
    encoding: 'utf8',
    env: { ...process.env, CC: 'false', CXX: 'false', npm_config_cache: path.join(work, '.npm-cache') },
  });
  expect(r.stderr).toContain('would convert src/spam.c');
  expect(r.status).toBe(0);
  expect(r.stdout).toContain('+++ b/src/spam.c');
  expect(r.stdout).toContain('+    return PyModuleDef_Init(&spammodule);');
});
