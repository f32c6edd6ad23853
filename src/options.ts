/** The choices a user makes about what a converted module declares. */

export const INTERPRETER_CHOICES = ['not-supported', 'supported', 'per-interpreter-gil'] as const;
export type InterpretersChoice = (typeof INTERPRETER_CHOICES)[number];

export const GIL_CHOICES = ['used', 'not-used'] as const;
export type GilChoice = (typeof GIL_CHOICES)[number];

export interface ConvertOptions {
  /** Value of the Py_mod_multiple_interpreters slot. */
  interpreters: InterpretersChoice;
  /** Value of the Py_mod_gil slot, unless the module already declared one itself. */
  gil: GilChoice;
}

export const DEFAULT_OPTIONS: ConvertOptions = {
  interpreters: 'not-supported',
  gil: 'used',
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
