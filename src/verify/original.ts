/**
 * The single-phase original a converted module is compared with (probe 2): the file as committed
 * at git HEAD, when the file is in a repository and has changed since.
 */

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export function originalFromGit(file: string): Buffer | undefined {
  const abs = path.resolve(file);
  const dir = path.dirname(abs);
  try {
    const top = execFileSync('git', ['-C', dir, 'rev-parse', '--show-toplevel'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    // git wants the path relative to the top, with forward slashes, and the top as git sees it (symlinks resolved).
    const rel = path.relative(fs.realpathSync(top), fs.realpathSync(abs)).split(path.sep).join('/');
    const text = execFileSync('git', ['-C', top, 'show', `HEAD:${rel}`], { stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 });
    // Unchanged since HEAD: there is no earlier version to compare with.
    return text.equals(fs.readFileSync(abs)) ? undefined : text;
  } catch {
    return undefined;
  }
}
