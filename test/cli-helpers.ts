/** Running the real command as a user would: the built bin, as a child process, in a temp folder. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const BIN = path.join(__dirname, '..', 'bin', 'pep489-codemod.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

export function runCli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): CliRun {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1', ...env },
    input: '',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8'), stdoutBytes: r.stdout };
}

const made: string[] = [];
// Every folder a test file made with tempDir goes when the file's tests are done.
afterAll(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix = 'pep489-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Copies fixture inputs into `dir` under new names: { 'src/a.c': 'minimal' } copies fixtures/minimal/input.c. */
export function copyFixtures(dir: string, files: Record<string, string>): void {
  for (const [rel, fixture] of Object.entries(files)) {
    const target = path.join(dir, rel);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const src = path.join(__dirname, '..', 'fixtures', fixture);
    const input = fs.readdirSync(src).find((f) => f.startsWith('input.'))!;
    fs.copyFileSync(path.join(src, input), target);
  }
}

export function expectedOutput(fixture: string): Buffer {
  const src = path.join(__dirname, '..', 'fixtures', fixture);
  const out = fs.readdirSync(src).find((f) => f.startsWith('output.'))!;
  return fs.readFileSync(path.join(src, out));
}

/** Every file under `dir` with its bytes, to prove a run left them alone. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = fs.readFileSync(p).toString('base64') + ':' + (fs.statSync(p).mode & 0o777).toString(8);
    }
  };
  walk(dir);
  return out;
}
