/**
 * The rules, in the order they run. Each returns edits against the original text; the engine applies
 * them all at once, so the order only matters for which refusal is reported first.
 */
import type { Preparation, Transform } from '../src/engine/transform';
import { hoistLocalDef } from './hoist-local-def';
import { py2Branches } from './py2-branches';
import { expandModuleMacros } from './expand-module-macros';
import { expandReturningMacros } from './expand-returning-macros';
import { mSizeConditional } from './m-size-conditional';
import { pystateCalls } from './pystate-calls';
import { execFunction } from './exec-function';
import { removeCreate } from './remove-create';
import { errorReturns } from './error-returns';
import { moduleDecrefs } from './module-decrefs';
import { helperModuleReleases } from './helper-module-releases';
import { stateNullGuard } from './state-null-guard';
import { gilDeclaration } from './gil-declaration';
import { moduleSlots } from './module-slots';
import { mSize } from './m-size';
import { moddefSlots } from './moddef-slots';
import { moddefInit } from './moddef-init';
import { oncePerProcess } from './once-per-process';
import { replayFirstExec } from './replay-first-exec';
import { numpyImports } from './numpy-imports';

/** Reshaping into the plain single-phase shape, each on a fresh parse, before the transforms. */
export const PREPARATIONS: readonly Preparation[] = [py2Branches, expandModuleMacros, expandReturningMacros, hoistLocalDef, mSizeConditional];

export const TRANSFORMS: readonly Transform[] = [
  pystateCalls,
  execFunction,
  removeCreate,
  errorReturns,
  moduleDecrefs,
  helperModuleReleases,
  numpyImports,
  oncePerProcess,
  replayFirstExec,
  gilDeclaration,
  moduleSlots,
  mSize,
  stateNullGuard,
  moddefSlots,
  moddefInit,
];
