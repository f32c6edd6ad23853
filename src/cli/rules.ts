/**
 * Every rule a report can name, with its one-line description: the preparations and transforms of the
 * registry, the engine's own steps that can refuse, and the runner's failures. For `--explain` and
 * the SARIF rule table.
 */
import type { TransformMeta } from '../engine/transform';
import type { FileOutcome } from './runner';

/** Steps of the engine that are not transforms but can refuse. */
const ENGINE_STEPS: TransformMeta[] = [
  { id: 'find-module-init', description: 'finds PyInit_<name>, its PyModule_Create call, the module variable and the PyModuleDef' },
  { id: 'apply-edits', description: "applies every rule's edits at once; refuses edits in code that does not parse" },
  { id: 'exec-check', description: 'expands every macro in the converted exec function: no return of a pointer, NULL or nothing, no release of the module, no macro it cannot see' },
  { id: 'output-check', description: 'the output reads no worse than the input in every setting of the conditionals the edits touch, and its directives still pair up' },
];

/** Failures of the run itself rather than refusals of a rule. */
export const INPUT_ERROR: TransformMeta = { id: 'unreadable-input', description: 'the file could not be read as a C or C++ source' };
export const WRITE_ERROR: TransformMeta = { id: 'not-writable', description: 'the converted file could not be written in place' };
export const VERIFY_FAILED: TransformMeta = {
  id: 'verify',
  description: 'the converted module did not build, import or pass a probe under a CPython found (--verify)',
};
export const CONVERTED: TransformMeta = {
  id: 'converted-to-multi-phase',
  description: 'the module was converted from single-phase to multi-phase initialisation (PEP 489)',
};

let cached: TransformMeta[] | undefined;

export function allRules(): TransformMeta[] {
  if (cached) return cached;
  // Required here, not at the top: reports that name no rule should not load the engine.
  const { PREPARATIONS, TRANSFORMS } = require('../../transforms') as typeof import('../../transforms');
  const rules = [...PREPARATIONS.map((p) => p.meta), ...ENGINE_STEPS, ...TRANSFORMS.map((t) => t.meta), INPUT_ERROR, WRITE_ERROR, VERIFY_FAILED, CONVERTED];
  cached = rules.map(({ id, description }) => ({ id, description }));
  return cached;
}

export function ruleDescription(id: string): string | undefined {
  return allRules().find((r) => r.id === id)?.description;
}

/** The rule a failed outcome is reported under. */
export function failureRule(o: FileOutcome): string {
  if (o.inputError) return INPUT_ERROR.id;
  if (o.writeError) return WRITE_ERROR.id;
  return o.rule ?? 'find-module-init';
}
