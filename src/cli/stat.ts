/**
 * `--stat`: one line per changed file with its added and removed lines and a bar, then a total, as
 * `git diff --stat` prints them:
 *
 *    src/spam.c | 37 ++++++++++++++++++++++++-------------
 *    1 file changed, 24 insertions(+), 13 deletions(-)
 */
import { structuredPatch } from './diff-lib';
import type { Colors } from './color';
import { displayPath } from './report';
import type { FileOutcome } from './runner';

export interface FileStat {
  path: string;
  added: number;
  removed: number;
}

/** Lines added and removed by a changed file's conversion (as its unified diff counts them). */
export function fileStat(o: FileOutcome, cwd: string): FileStat | null {
  if (o.status !== 'changed' || !o.decoded || o.output === undefined) return null;
  const patch = structuredPatch('a', 'b', o.decoded.text, o.output, undefined, undefined, { context: 0 });
  let added = 0;
  let removed = 0;
  for (const h of patch.hunks)
    for (const line of h.lines) {
      if (line.startsWith('+')) added++;
      else if (line.startsWith('-')) removed++;
    }
  return { path: displayPath(o.file, cwd), added, removed };
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** The stat block for `columns` of terminal (git scales the bars down to fit, and so does this). */
export function statText(stats: readonly FileStat[], c: Colors, columns = 80): string {
  if (stats.length === 0) return '';
  const counts = stats.map((s) => s.added + s.removed);
  const max = Math.max(...counts);
  const countWidth = String(max).length;
  // Names get what the counts and a 10-column bar leave; a longer one keeps its end, after "..." (as git).
  const nameRoom = Math.max(16, columns - (1 + 3 + countWidth + 1 + 10));
  const shown = (p: string) => (p.length <= nameRoom ? p : `...${p.slice(p.length - (nameRoom - 3))}`);
  const nameWidth = Math.max(...stats.map((s) => shown(s.path).length));
  // " name | count " then the bar; at least 10 columns of bar.
  const room = Math.max(10, columns - (1 + nameWidth + 3 + countWidth + 1));
  const scale = (n: number) => (max <= room ? n : Math.max(n > 0 ? 1 : 0, Math.round((n * room) / max)));
  const lines = stats.map((s) => {
    const total = s.added + s.removed;
    let plus = scale(s.added);
    let minus = scale(s.removed);
    if (max > room && plus + minus > room) minus = room - plus;
    if (plus + minus === 0 && total > 0) plus = 1;
    const bar = c.green('+'.repeat(plus)) + c.red('-'.repeat(minus));
    return ` ${shown(s.path).padEnd(nameWidth)} | ${String(total).padStart(countWidth)} ${bar}`.trimEnd();
  });
  const added = stats.reduce((n, s) => n + s.added, 0);
  const removed = stats.reduce((n, s) => n + s.removed, 0);
  const summary = [plural(stats.length, 'file changed', 'files changed')];
  if (added || !removed) summary.push(plural(added, 'insertion(+)', 'insertions(+)'));
  if (removed || !added) summary.push(plural(removed, 'deletion(-)', 'deletions(-)'));
  lines.push(' ' + summary.join(', '));
  return lines.join('\n') + '\n';
}
