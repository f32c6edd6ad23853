/**
 * From the modules found in one repository to the branches that will carry them: one per module,
 * per directory, or one for the repository, with names git accepts and that cannot collide.
 */
import path from 'node:path';
import type { FileOutcome } from '../cli/runner';

export const GROUPS = ['module', 'dir', 'repo'] as const;
export type Group = (typeof GROUPS)[number];

/** One single-phase module the engine converted. */
export interface ModulePlan {
  /** Path in the repository, forward slashes. */
  file: string;
  module: string;
  mode: string;
  /** The committed blob it was converted from. */
  blob: string;
  outcome: FileOutcome;
}

/** A single-phase module that will not be in any branch, and why. */
export interface LeftOut {
  file: string;
  module?: string;
  reason: string;
  line?: number;
  blob?: string;
  /** refused by the engine, or failed verification */
  kind: 'refused' | 'verification';
}

export interface BranchPlan {
  name: string;
  /** The directory, for --group dir ('.' for the top). */
  dir?: string;
  modules: ModulePlan[];
}

/**
 * A piece of a branch name: characters git refuses or that read badly (spaces, `~^:?*[\`, `..`)
 * become `-`; no leading dot or dash, no `.lock` at the end.
 */
export function slug(s: string): string {
  const cleaned = s
    .replace(/[^A-Za-z0-9._+-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/^[.-]+/, '')
    .replace(/\.lock$/i, '-lock')
    .replace(/[.-]+$/, '');
  return cleaned || 'module';
}

const dirOf = (file: string) => path.posix.dirname(file);

export function groupModules(modules: readonly ModulePlan[], group: Group, prefix: string): BranchPlan[] {
  const sorted = [...modules].sort((a, b) => (a.file < b.file ? -1 : 1));
  if (sorted.length === 0) return [];
  if (group === 'repo') return [{ name: `${prefix}all`, modules: sorted }];
  if (group === 'dir') {
    const byDir = new Map<string, ModulePlan[]>();
    for (const m of sorted) byDir.set(dirOf(m.file), [...(byDir.get(dirOf(m.file)) ?? []), m]);
    // Slashes become dashes: pep489/src and pep489/src/ext could not both exist as refs.
    return [...byDir].map(([dir, mods]) => ({ name: `${prefix}${dir === '.' ? 'root' : dir.split('/').map(slug).join('-')}`, dir, modules: mods }));
  }
  // Two files may build modules of one name (in different packages): those get their folder added.
  const count = new Map<string, number>();
  for (const m of sorted) count.set(m.module, (count.get(m.module) ?? 0) + 1);
  return sorted.map((m) => {
    const unique = count.get(m.module) === 1;
    const where = dirOf(m.file) === '.' ? 'root' : dirOf(m.file).split('/').map(slug).join('-');
    return { name: `${prefix}${slug(m.module)}${unique ? '' : `-${where}`}`, modules: [m] };
  });
}

/** The PR body's file name in `<out>/<repo>/`: the branch with `/` replaced by `-`. */
export function bodyFileName(branch: string): string {
  return `${branch.replace(/\//g, '-')}.md`;
}

/** "spam", "spam and eggs", "spam, eggs and ham", or "5 extension modules". */
export function moduleList(names: readonly string[]): string {
  if (names.length > 3) return `${names.length} extension modules`;
  if (names.length <= 1) return names[0] ?? 'no module';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
