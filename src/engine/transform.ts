/**
 * What a transform is: a small rule with a name and a one-line description that looks at the module
 * init and returns edits as data. It never touches a file; when it meets a shape it cannot convert
 * with confidence it calls `refuse(reason, node)` and the whole file is left alone.
 */
import type { HeaderMacro } from '../c/headers';
import type { HeaderText, MacroTable } from '../c/preprocessor/macro-table';
import type { Edit } from './edits';
import type { ModuleInit } from './module-init';
import type { ConvertOptions, GilChoice } from './options';
import type { Lang, Node } from '../c/parse';
import type { Recommendation, StateFinding } from '../audit/state';

export interface TransformMeta {
  id: string;
  description: string;
}

export interface TransformContext {
  text: string;
  root: Node;
  lang: Lang;
  init: ModuleInit;
  options: ConvertOptions;
  /** Names picked for what the conversion adds, free of collisions with the file's identifiers. */
  names: {
    exec: string;
    slots: string;
    loaded: string;
    module: string;
    /** replay-first-exec: the function the exec slot names, the remembered attributes, its locals. */
    execOnce: string;
    first: string;
    locals: { module: string; dict: string; before: string; key: string; value: string; pos: string };
  };
  /**
   * Functions that found the module with PyState_FindModule and have no module at hand: set by
   * pystate-calls, which points them at a process-wide reference to the one module; once-per-process
   * then declares it, sets it in exec, and guards exec (one module per process, as before).
   */
  moduleRefUsers?: { fn: Node; name: string }[];
  /** The isolation audit of this file: what is process-global, and what exec touches. */
  audit: { findings: StateFinding[]; touched: StateFinding[]; recommendation: Recommendation };
  /** The exec function's parameter: the user's module variable, or a fresh name. */
  param: { name: string; text: string };
  /** False when the init did nothing but create the module: then there is no exec function. */
  hasExec: boolean;
  /** The Py_mod_gil value, from the module's own declaration or the option. */
  gil: GilChoice;
  gilFromModule: boolean;
  /** One level of indentation in this file ('\t', '    ', ...). */
  indentUnit: string;
  /** Macros from the file's own headers whose body returns (see src/headers.ts). */
  headerMacros?: HeaderMacro[];
  /** The file's quoted includes, as text: where a macro the file uses may be defined. */
  headers?: readonly HeaderText[];
  /** A function this file calls but a source beside it defines (see sibling-sources.ts), or null. */
  definedElsewhere?(name: string): { path: string; text: string; fn: Node } | null;
  /** True for nodes inside code that disappears with the create call: other rules leave them alone. */
  vanishes(n: Node): boolean;
}

export interface Transform {
  meta: TransformMeta;
  apply(ctx: TransformContext): Edit[];
}

/** What a preparation sees: the text as the previous preparation left it, freshly parsed. */
export interface PreparationContext {
  text: string;
  /** Parsed on first use (a preparation that reads only text never pays for it). */
  readonly root: Node;
  lang: Lang;
  options: ConvertOptions;
  /** Macros of the file's quoted includes whose body returns (see headers.ts). */
  headerMacros: readonly HeaderMacro[];
  /** The file's quoted includes, as text (their macros join the macro table). */
  headers: readonly HeaderText[];
  /** The macro table of this text (the file, its headers, CPython's built-ins), built on first use. */
  readonly table: MacroTable;
}

/**
 * A preparation reshapes the file into the plain single-phase shape the transforms convert (it runs
 * before them, on its own parse). It returns no edits when the file does not need it.
 */
export interface Preparation {
  meta: TransformMeta;
  /**
   * True when it reads the text, not the tree (preprocessor lines): its edits may then fall in code
   * tree-sitter could not parse, which is often what it is there to repair.
   */
  worksOnText?: boolean;
  apply(ctx: PreparationContext): Edit[];
}
