/**
 * A module of a package (`wordy._count`) is imported by its dotted name, as its users import it:
 * from a folder laid out like the package (the package's Python files, copied from the project),
 * with the built module, and the package's other extension modules it may import, at their places.
 * One folder for the conversion and one for the original; removed after the probe.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { removeScratch, trackScratch } from '../cli/scratch';
import { scratchDir } from './cache';

export interface PackagedModule {
  /** `pkg.sub.mod` */
  importName: string;
  soPath: string;
  /** The project's folder of its top-level package, whose Python files are laid out with it. */
  packageDir?: string;
}

/** `<root>/pkg/sub/` for `pkg.sub.mod`. */
function folderOf(root: string, importName: string): string {
  return path.join(root, ...importName.split('.').slice(0, -1));
}

/** The package's Python files (no built modules: a stale build in the tree must not shadow ours). */
function copyPythonFiles(from: string, to: string): void {
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    if (entry.isDirectory() && !entry.name.startsWith('.') && entry.name !== '__pycache__') copyPythonFiles(source, path.join(to, entry.name));
    else if (entry.isFile() && entry.name.endsWith('.py')) {
      fs.mkdirSync(to, { recursive: true });
      fs.copyFileSync(source, path.join(to, entry.name));
    }
  }
}

function place(so: string, target: string): void {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  try {
    fs.linkSync(so, target);
  } catch {
    fs.copyFileSync(so, target);
  }
}

/**
 * Lays out the package in a fresh folder: the Python files of its top-level package from
 * `packageDir` (or empty `__init__.py` files where the project has none to give), `main` and
 * `siblings` at their dotted places. Returns the built module's path in it, and the cleanup.
 */
export function packageOverlay(main: PackagedModule, siblings: readonly PackagedModule[], packageDir: string | undefined): { soPath: string; remove: () => void } {
  const root = trackScratch(scratchDir('package'));
  const copied = new Set<string>();
  for (const m of [{ ...main, packageDir }, ...siblings]) {
    const top = m.importName.split('.')[0];
    if (m.importName.includes('.') && m.packageDir && !copied.has(top) && fs.existsSync(m.packageDir)) {
      copied.add(top);
      copyPythonFiles(m.packageDir, path.join(root, top));
    }
    const parts = m.importName.split('.');
    for (let i = 1; i < parts.length; i++) {
      const init = path.join(root, ...parts.slice(0, i), '__init__.py');
      if (!fs.existsSync(init)) {
        fs.mkdirSync(path.dirname(init), { recursive: true });
        fs.writeFileSync(init, '');
      }
    }
  }
  const placed = (m: PackagedModule) => path.join(folderOf(root, m.importName), `${m.importName.split('.').pop()}${soSuffix(m.soPath)}`);
  for (const s of siblings) place(s.soPath, placed(s));
  const soPath = placed(main);
  place(main.soPath, soPath);
  return { soPath, remove: () => removeScratch(root) };
}

/** `.cpython-312-x86_64-linux-gnu.so` of `_count.cpython-312-x86_64-linux-gnu.so`. */
function soSuffix(so: string): string {
  const base = path.basename(so);
  const dot = base.indexOf('.');
  return dot < 0 ? '' : base.slice(dot);
}
