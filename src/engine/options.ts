/** The choices a user makes about what a converted module declares. */

export const INTERPRETER_CHOICES = ['not-supported', 'supported', 'per-interpreter-gil'] as const;
export type InterpretersChoice = (typeof INTERPRETER_CHOICES)[number];

export const GIL_CHOICES = ['used', 'not-used'] as const;
export type GilChoice = (typeof GIL_CHOICES)[number];

export const ONCE_PER_PROCESS_CHOICES = ['auto', 'always', 'never'] as const;
export type OncePerProcessChoice = (typeof ONCE_PER_PROCESS_CHOICES)[number];

export const NUMPY_IMPORT_CHOICES = ['any', 'numpy2'] as const;
export type NumpyImportChoice = (typeof NUMPY_IMPORT_CHOICES)[number];

export interface ConvertOptions {
  /** Value of the Py_mod_multiple_interpreters slot. */
  interpreters: InterpretersChoice;
  /** Value of the Py_mod_gil slot, unless the module already declared one itself. */
  gil: GilChoice;
  /** Whether exec refuses to run twice in one process (numpy's guard); auto: when it has global state. */
  oncePerProcess?: OncePerProcessChoice;
  /** Remove the Python 2 side of every version conditional, not only those the init spans. */
  dropPy2?: boolean;
  /** How numpy's import_array()/import_umath() are rewritten: `any` numpy (import_array1(-1)) or numpy 2 headers. */
  numpyImport?: NumpyImportChoice;
  /** Folders to find the file's quoted includes in, besides its own folder and its parents (-I). */
  headerDirs?: string[];
  /** The build's preprocessor defines (-D NAME or NAME=VALUE): what the file is compiled with (Py_LIMITED_API). */
  defines?: string[];
  /**
   * Each module source's build as the project describes it (compile_commands.json, setup.py), by
   * absolute path: its defines and include folders count as the -D and -I above, said as coming
   * from that file.
   */
  builds?: Record<string, { defines: string[]; includeDirs: string[]; from: string }>;
  /** Set per file from `builds`: the defines the project's build passes, and the file they came from. */
  buildDefines?: { defines: string[]; from: string };
  /**
   * The conversion will be built and probed (--verify): a macro in exec whose definition cannot be
   * seen is left to the build and the probes instead of being refused.
   */
  verified?: boolean;
}

export const DEFAULT_OPTIONS: ConvertOptions = {
  interpreters: 'not-supported',
  gil: 'used',
  oncePerProcess: 'auto',
  dropPy2: false,
  numpyImport: 'any',
};

/** The C spelling of each choice, as it appears in a slot entry. */
export const INTERPRETERS_MACRO: Record<InterpretersChoice, string> = {
  'not-supported': 'Py_MOD_MULTIPLE_INTERPRETERS_NOT_SUPPORTED',
  supported: 'Py_MOD_MULTIPLE_INTERPRETERS_SUPPORTED',
  'per-interpreter-gil': 'Py_MOD_PER_INTERPRETER_GIL_SUPPORTED',
};

export const GIL_MACRO: Record<GilChoice, string> = {
  used: 'Py_MOD_GIL_USED',
  'not-used': 'Py_MOD_GIL_NOT_USED',
};
