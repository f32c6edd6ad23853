/**
 * `--report <file.md>`: the run as markdown, for a pull-request comment or a CI job summary
 * (`$GITHUB_STEP_SUMMARY`): the counts, a table of every file that has a module (status, module,
 * the slots it declares, what a second exec in one process does) and the refusals with
 * `file:line`, the rule and the reason. Ordinary C files (skipped) are only counted.
 */
import { displayPath, secondExecOf, summarize } from './report';
import { failureRule } from './rules';
import type { FileOutcome } from './runner';

/** Text safe inside a table cell: pipes escaped, newlines folded. */
function cell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** Inline code that survives backticks in the text. */
function code(s: string): string {
  const fence = s.includes('`') ? '``' : '`';
  return `${fence}${fence === '``' ? ' ' : ''}${cell(s)}${fence === '``' ? ' ' : ''}${fence}`;
}

function statusWord(o: FileOutcome, dryRun: boolean): string {
  switch (o.status) {
    case 'changed':
      return dryRun ? 'would convert' : 'converted';
    case 'unchanged':
      return 'unchanged';
    case 'failed':
      if (o.rule === 'verify') return 'verification failed';
      return o.inputError || o.writeError ? 'error' : 'refused';
    default:
      return 'skipped';
  }
}

function slots(o: FileOutcome): string {
  const d = o.declared;
  // A conversion that was not written (read-only, changed meanwhile, failed --verify) declares nothing.
  if (!d || o.status !== 'changed') return '';
  const parts = [
    ...(d.exec ? ['`Py_mod_exec`'] : []),
    `\`Py_mod_multiple_interpreters\`: ${d.interpreters}`,
    `\`Py_mod_gil\`: ${d.gil}${d.gilFromModule ? ' (its own claim)' : ''}`,
  ];
  return parts.join('<br>');
}

/** What a second exec in one process does (a re-import, a legacy subinterpreter), and why. */
function secondExec(o: FileOutcome): string {
  const second = secondExecOf(o);
  if (!second) return o.status === 'changed' ? 'no exec' : '';
  const why = second.reason ? `: ${cell(second.reason)}` : '';
  if (second.kind === 'guard') return `refused (once-per-process guard)${why}`;
  if (second.kind === 'replay') return `gets the first exec's attributes${why}`;
  return 'runs again';
}

export function markdownReport(outcomes: readonly FileOutcome[], cwd: string, opts: { dryRun: boolean; version: string }): string {
  const s = summarize(outcomes);
  const out: string[] = [];
  out.push('## pep489-codemod', '');
  out.push(
    `**${s.changed}** ${opts.dryRun ? 'to convert' : 'converted'}, **${s.unchanged}** unchanged, **${s.skipped}** skipped (no module init), **${s.failed}** failed`,
    '',
  );
  const listed = outcomes.filter((o) => o.status !== 'skipped');
  if (listed.length) {
    out.push('| file | status | module | slots declared | second exec in one process |', '|---|---|---|---|---|');
    for (const o of listed) {
      const where = displayPath(o.file, cwd) + (o.status === 'failed' && o.line ? `:${o.line}` : '');
      out.push(`| ${code(where)} | ${statusWord(o, opts.dryRun)} | ${o.module ? code(o.module) : ''} | ${slots(o)} | ${secondExec(o)} |`);
    }
    out.push('');
  }
  const failed = outcomes.filter((o) => o.status === 'failed');
  if (failed.length) {
    out.push('### Refusals and errors', '');
    for (const o of failed) {
      const where = displayPath(o.file, cwd) + (o.line ? `:${o.line}` : '');
      out.push(`- ${code(where)} (rule \`${failureRule(o)}\`): ${cell(o.reason ?? '')}`);
    }
    out.push('');
  }
  out.push(`<sub>pep489-codemod ${opts.version}</sub>`, '');
  return out.join('\n');
}
