/**
 * --jobs: files converted on worker threads give the same output as one thread, in sorted path order.
 * The tree is the benchmark's (one file in five a module), big enough that worker threads start.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runCli, snapshot, tempDir } from './cli-helpers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { generateTree } = require('../scripts/bench-tree') as { generateTree: (dir: string, count: number) => string };
const dist = path.join(__dirname, '..', 'dist', 'src', 'cli');

function tree(count: number): string {
  const dir = tempDir();
  generateTree(path.join(dir, 'src'), count);
  return dir;
}

describe('--jobs', () => {
  test('the runner really uses worker threads, and their outcomes equal those of one thread', async () => {
    // The built runner (dist/), as the bin runs it: from the TypeScript sources there is no worker file.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const runner = require(path.join(dist, 'runner.js')) as typeof import('../src/cli/runner');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { findFiles } = require(path.join(dist, 'files.js')) as typeof import('../src/cli/files');
    expect(runner.workerScript()).toBe(path.join(dist, 'workers', 'convert-worker.js'));
    expect(runner.workerCount(300, 4)).toBe(3);
    expect(runner.workerCount(300, 1)).toBe(1);
    expect(runner.workerCount(50, 8)).toBe(1);

    const files = findFiles(['src'], tree(300));
    const convert = { interpreters: 'not-supported', gil: 'used' } as const;
    const order: number[] = [];
    const one = await runner.convertFiles(files, { convert, write: false, jobs: 1 });
    const many = await runner.convertFiles(files, { convert, write: false, jobs: 4, onProgress: (done) => order.push(done) });
    expect(order).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect(many.map((o) => o.file)).toEqual(files);
    const plain = (os: typeof one) => os.map((o) => ({ ...o, before: o.before?.toString('base64'), after: o.after?.toString('base64') }));
    expect(plain(many)).toEqual(plain(one));
    expect(many.filter((o) => o.status === 'changed').length).toBeGreaterThan(40);
  });

  test('the same diffs, JSON, reports and written files with --jobs 1 and --jobs 4', () => {
    const dir = tree(300);
    const copy = tempDir();
    fs.cpSync(dir, copy, { recursive: true });
    const outputs = (jobs: string, cwd: string, extra: string[]) => {
      const r = runCli(['--jobs', jobs, '--report', 'r.md', '--sarif', 'r.sarif', ...extra, 'src'], cwd);
      expect(r.code).toBe(extra.includes('--check') ? 1 : 0);
      return {
        stdout: r.stdout,
        stderr: r.stderr,
        report: fs.readFileSync(path.join(cwd, 'r.md'), 'utf8'),
        sarif: fs.readFileSync(path.join(cwd, 'r.sarif'), 'utf8'),
      };
    };
    for (const extra of [['--dry-run'], ['--dry-run', '--json', '--explain'], ['--check', '--stat']]) {
      const one = outputs('1', dir, extra);
      const four = outputs('4', dir, extra);
      expect(four).toEqual(one);
    }
    const diff = outputs('1', dir, ['--dry-run']).stdout;
    const names = [...diff.matchAll(/^--- a\/(\S+)$/gm)].map((m) => m[1]);
    expect(names).toEqual([...names].sort());
    expect(names.length).toBe(60);

    outputs('1', dir, ['--stat']);
    outputs('4', copy, ['--stat']);
    for (const d of [dir, copy]) for (const f of ['r.md', 'r.sarif']) fs.rmSync(path.join(d, f));
    expect(snapshot(copy)).toEqual(snapshot(dir));
  });

  test('a bad --jobs is a usage error', () => {
    const dir = tree(5);
    for (const bad of ['0', '-2', 'many', '1.5']) {
      const r = runCli(['--jobs', bad, 'src'], dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--jobs must be a whole number >= 1');
    }
  });
});
