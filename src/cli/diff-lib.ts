/**
 * The `diff` library, loaded when a diff is first made: `--help` and runs that print no diff (a
 * refusal, `--check`, `--json` without changes) do not pay for loading it.
 */
import type * as Diff from 'diff';

let diffLib: typeof Diff | undefined;

export const structuredPatch: typeof Diff.structuredPatch = ((...args: Parameters<typeof Diff.structuredPatch>) =>
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (diffLib ??= require('diff') as typeof Diff).structuredPatch(...args)) as typeof Diff.structuredPatch;
