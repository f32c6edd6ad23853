/**
 * `--sarif <file>`: the run as SARIF 2.1.0, for GitHub code scanning (and any SARIF viewer). One
 * result per refusal (level `warning`: the code is fine, it needs converting by hand) or failure
 * (level `error`: the file could not be read or written, or its conversion failed --verify), at the line of the construct that caused it,
 * with `relatedLocations` for the code the user must change where that is elsewhere (a helper's
 * release in a file beside it). Converted modules are not alerts: they are listed in the run's
 * `properties.converted`, at their `PyInit_<name>`. File URIs are relative to the repository root
 * (the nearest folder above the current one with a `.git`), under `%SRCROOT%`.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Log, ReportingDescriptor, Result } from 'sarif';
import { allRules, CONVERTED, failureRule, INPUT_ERROR, VERIFY_FAILED, WRITE_ERROR } from './rules';
import type { FileOutcome } from './runner';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const SRCROOT = '%SRCROOT%';
/** Rules whose results are errors: the file could not be read or written, or failed verification. */
const FAILURES = new Set([INPUT_ERROR.id, WRITE_ERROR.id, VERIFY_FAILED.id]);

/** The repository root above `cwd`, or `cwd` itself outside a repository. */
export function repositoryRoot(cwd: string): string {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, '.git'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(cwd);
  }
}

/** A relative URI reference for `file` under `root`, each segment percent-encoded. */
function relativeUri(file: string, root: string): string {
  const rel = path.relative(root, file);
  const parts = (rel.startsWith('..') || path.isAbsolute(rel) ? file : rel).split(path.sep);
  const uri = parts.map(encodeURIComponent).join('/');
  return path.isAbsolute(rel) || rel.startsWith('..') ? `file://${uri}` : uri;
}

function fileUri(dir: string): string {
  return 'file://' + dir.split(path.sep).map(encodeURIComponent).join('/') + (dir.endsWith(path.sep) ? '' : '/');
}

/** The line of `PyInit_<module>`'s definition in the original text (the first mention if no body is found). */
function initLine(o: FileOutcome): number | undefined {
  const text = o.decoded?.text;
  if (!text || !o.module) return undefined;
  const name = o.module.replace(/[^\w]/g, '');
  const m =
    new RegExp(`\\bPyInit_${name}\\s*\\([^)]*\\)\\s*\\{`).exec(text) ??
    // An init headed by a macro of the file: `MOD_INIT(name)` / `PyMODINIT_FUNC PY_INIT(name)`.
    new RegExp(`^[ \\t]*(?:PyMODINIT_FUNC\\s+)?[A-Za-z_]\\w*\\s*\\(\\s*${name}\\s*\\)\\s*(?:\\{|$)`, 'm').exec(text) ??
    new RegExp(`\\bPyInit_${name}\\b`).exec(text);
  if (!m) return undefined;
  let line = 1;
  for (let i = 0; i < m.index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

export function sarifReport(
  outcomes: readonly FileOutcome[],
  opts: { cwd: string; version: string; dryRun: boolean; root?: string },
): Log {
  const root = opts.root ?? repositoryRoot(opts.cwd);
  const rules: ReportingDescriptor[] = allRules().map((r) => ({
    id: r.id,
    shortDescription: { text: r.description },
    defaultConfiguration: { level: r.id === CONVERTED.id ? 'note' : FAILURES.has(r.id) ? 'error' : 'warning' },
  }));
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const results: Result[] = [];
  const converted: { path: string; module?: string; line?: number; declares?: string }[] = [];
  const location = (file: string, line: number | undefined) => ({
    physicalLocation: {
      // A file outside the repository has an absolute URI, which a base would only confuse.
      artifactLocation: ((uri) => (/^file:/.test(uri) ? { uri } : { uri, uriBaseId: SRCROOT }))(relativeUri(file, root)),
      ...(line !== undefined && line >= 1 && { region: { startLine: line } }),
    },
  });
  const at = (o: FileOutcome, line: number | undefined): Result['locations'] => [location(o.file, line)];
  for (const o of outcomes) {
    if (o.status === 'failed') {
      const ruleId = failureRule(o);
      const failure = FAILURES.has(ruleId);
      const module = o.module ? `module ${o.module}: ` : '';
      results.push({
        ruleId,
        ruleIndex: index.get(ruleId),
        level: failure ? 'error' : 'warning',
        message: { text: `${module}${failure ? '' : 'not converted to multi-phase init: '}${o.reason ?? 'failed'}` },
        locations: at(o, o.line),
        ...(o.related?.length && {
          relatedLocations: o.related.map((r, id) => ({ id, ...location(r.file ?? o.file, r.line), message: { text: r.message } })),
        }),
      });
    } else if (o.status === 'changed') {
      const d = o.declared;
      converted.push({
        path: relativeUri(o.file, root),
        module: o.module,
        line: initLine(o),
        ...(d && { declares: `Py_mod_multiple_interpreters ${d.interpreters}, Py_mod_gil ${d.gil}` }),
      });
    }
  }
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'pep489-codemod', version: opts.version, semanticVersion: opts.version, rules } },
        originalUriBaseIds: { [SRCROOT]: { uri: fileUri(root) } },
        columnKind: 'utf16CodeUnits',
        results,
        // What was (or, with --dry-run, can be) converted: not alerts, so one module is not one alert.
        properties: { converted, dryRun: opts.dryRun },
      },
    ],
  };
}
