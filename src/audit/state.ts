/**
 * The isolation audit: what in a module is process-global, so that it stands between the module and
 * isolated subinterpreters (PEP 684) or free threading (PEP 703). Pure: a parsed file in, findings out.
 *
 * Counted: file-scope and function-local variables that are not const (PyObject pointers, counters,
 * buffers, caches), static PyTypeObjects, PyState_* calls, capsules, PyUnstable_Module_SetGIL.
 * Not counted: the tables CPython only reads (method, member and getset tables, the module
 * definition and its slots), and anything declared const.
 */
import type { Node } from '../c/parse';
import { calleeName, callArgs, field, findAll, named, ofType, unparen } from '../c/syntax';

export type StateKind =
  | 'pyobject'
  | 'static-type'
  | 'mutable-static'
  | 'function-static'
  | 'pystate'
  | 'capsule'
  | 'gil-declaration';

export interface StateFinding {
  name: string;
  line: number;
  kind: StateKind;
  why: string;
}

/** Types whose instances CPython only reads: declaring them static is not state. */
const READ_ONLY_TABLES = new Set([
  'PyMethodDef', 'PyModuleDef', 'PyModuleDef_Slot', 'PyMemberDef', 'PyGetSetDef', 'PyType_Slot', 'PyType_Spec',
  'PyNumberMethods', 'PySequenceMethods', 'PyMappingMethods', 'PyBufferProcs', 'PyAsyncMethods',
  'PyStructSequence_Field', 'PyStructSequence_Desc', 'PyModuleDef_Base',
]);

const WHY: Record<StateKind, string> = {
  pyobject: 'a Python object in a C global: shared by every interpreter and overwritten by a second exec',
  'static-type': 'a static type is process-global: objects of it cannot cross isolated interpreters',
  'mutable-static': 'mutable C global: shared by all interpreters and threads',
  'function-static': 'function-local static: process-global state, shared by all interpreters and threads',
  pystate: 'PyState_* looks modules up per interpreter by definition, which multi-phase modules do not support',
  capsule: 'a capsule exports pointers to process-global data or functions',
  'gil-declaration': 'declares whether the module needs the GIL (becomes the Py_mod_gil slot)',
};

function declaredNames(decl: Node): { name: string; node: Node; declarator: Node }[] {
  return decl
    .childrenForFieldName('declarator')
    .filter((d): d is Node => d !== null)
    .map((d) => {
      let id: Node | null = d;
      while (id && id.type !== 'identifier' && id.type !== 'field_identifier' && id.type !== 'qualified_identifier') id = field(id, 'declarator');
      if (id?.type === 'qualified_identifier') return { name: qualifiedName(id), node: id, declarator: d };
      return id ? { name: id.text, node: id, declarator: d } : null;
    })
    .filter((x): x is { name: string; node: Node; declarator: Node } => x !== null);
}

function isConst(decl: Node, declarator: Node): boolean {
  // `const T x` / `T const x` / `T *const x`: the object itself cannot change.
  const typeQualifiers = named(decl).filter((c) => c.type === 'type_qualifier').map((c) => c.text);
  const pointer = ofType(declarator, 'pointer_declarator');
  if (pointer.length) return pointer.some((p) => /\*\s*const\b/.test(p.text)) || (typeQualifiers.includes('const') && !/\*/.test(declarator.text));
  return typeQualifiers.includes('const');
}

/** C functions that write through their first argument. */
const WRITES_FIRST_ARG = new Set(['strcpy', 'strncpy', 'strcat', 'strncat', 'memcpy', 'memmove', 'memset', 'sprintf', 'snprintf', 'vsprintf', 'vsnprintf', 'strtok', 'fgets', 'read']);

/**
 * The names the code writes to: assigned (also through a subscript or `*`), incremented, or passed
 * first to a function that writes there. Collected once per file: asking per variable walked the
 * whole tree once for each (most of a conversion's time on a module with many docstrings).
 */
function writtenNames(root: Node): Set<string> {
  const written = new Set<string>();
  const add = (n: Node | null) => {
    let x = n && unparen(n);
    while (x && (x.type === 'subscript_expression' || x.type === 'pointer_expression')) x = unparen(field(x, 'argument') ?? named(x)[0]);
    if (x && x.type === 'identifier') written.add(x.text);
  };
  for (const a of ofType(root, 'assignment_expression')) add(field(a, 'left'));
  for (const u of ofType(root, 'update_expression')) add(field(u, 'argument'));
  for (const c of ofType(root, 'call_expression')) if (WRITES_FIRST_ARG.has(calleeName(c) ?? '')) add(callArgs(c)[0] ?? null);
  return written;
}

/**
 * Text the code only reads: `static char doc[] = "..."` and `static char *kwlist[] = {"a", "b",
 * NULL}` (declared without const, as many modules do), whose name is never written (writtenNames).
 */
function onlyReadText(written: ReadonlySet<string>, decl: Node, declarator: Node, name: string): boolean {
  const type = field(decl, 'type')?.text ?? '';
  if (!/^(char|Py_UNICODE|wchar_t)$/.test(type.replace(/^(signed|unsigned)\s+/, '')) || !/\[/.test(declarator.text)) return false;
  const value = declarator.type === 'init_declarator' ? field(declarator, 'value') : null;
  if (!value) return false;
  const literal = (n: Node): boolean => n.type === 'string_literal' || n.type === 'concatenated_string' || n.type === 'null' || (n.type === 'identifier' && n.text === 'NULL') || (n.type === 'number_literal' && n.text === '0');
  if (!(literal(value) || (value.type === 'initializer_list' && named(value).every(literal)))) return false;
  return !written.has(name);
}

function classifyVariable(decl: Node, declarator: Node, local: boolean, written: () => ReadonlySet<string>, name: string): StateKind | null {
  if (decl.type !== 'declaration') return null;
  if (ofType(declarator, 'function_declarator').length) return null; // a prototype
  const storage = named(decl).filter((c) => c.type === 'storage_class_specifier').map((c) => c.text);
  if (storage.includes('extern') || storage.includes('typedef')) return null;
  if (local && !storage.includes('static')) return null;
  const type = field(decl, 'type')?.text.replace(/^struct\s+/, '') ?? '';
  if (READ_ONLY_TABLES.has(type)) return null;
  if (type === 'PyTypeObject' && !/\*/.test(declarator.text)) return 'static-type';
  if (isConst(decl, declarator)) return null;
  if (onlyReadText(written(), decl, declarator, name)) return null;
  if (/^PyObject$|Object$/.test(type) && /\*/.test(declarator.text)) return local ? 'function-static' : 'pyobject';
  return local ? 'function-static' : 'mutable-static';
}

/** File-scope declarations (also inside preprocessor blocks and extern "C"). */
function fileScopeDeclarations(root: Node): Node[] {
  const out: Node[] = [];
  const visit = (n: Node) => {
    for (const c of named(n)) {
      if (c.type === 'declaration') out.push(c);
      else if (/^(preproc_(if|ifdef|else|elif)|linkage_specification|declaration_list|namespace_definition)$/.test(c.type)) visit(c);
    }
  };
  visit(root);
  return out;
}

export function auditState(root: Node): StateFinding[] {
  const findings: StateFinding[] = [];
  const add = (name: string, at: Node, kind: StateKind) => findings.push({ name, line: at.startPosition.row + 1, kind, why: WHY[kind] });
  let names: Set<string> | undefined;
  const written = () => (names ??= writtenNames(root));

  for (const decl of fileScopeDeclarations(root))
    for (const { name, node, declarator } of declaredNames(decl)) {
      const kind = classifyVariable(decl, declarator, false, written, name);
      if (kind) add(name, node, kind);
    }
  for (const fn of ofType(root, 'function_definition'))
    for (const decl of ofType(field(fn, 'body') ?? fn, 'declaration'))
      for (const { name, node, declarator } of declaredNames(decl)) {
        const kind = classifyVariable(decl, declarator, true, written, name);
        if (kind) add(name, node, kind);
      }
  for (const call of ofType(root, 'call_expression')) {
    const callee = calleeName(call) ?? '';
    if (/^PyState_(FindModule|AddModule|RemoveModule)$/.test(callee)) add(callee, call, 'pystate');
    else if (callee === 'PyCapsule_New') {
      // `(void *)&spam_api` names spam_api: the data the capsule points at.
      const target = callArgs(call)[0];
      const ids = target ? ofType(target, 'identifier') : [];
      add(ids.length ? ids[ids.length - 1].text : callee, call, 'capsule');
    } else if (callee === 'PyUnstable_Module_SetGIL') add(callee, call, 'gil-declaration');
  }
  return findings.sort((a, b) => a.line - b.line);
}

/** Kinds that a second run of exec would clobber or share: what the once-per-process guard is for. */
export const PROCESS_GLOBAL: ReadonlySet<StateKind> = new Set(['pyobject', 'static-type', 'mutable-static', 'function-static', 'capsule']);

/**
 * Findings that code touches: globals it names (sets, readies, exports) and state declared in it.
 * `bodies` are exec's body, or the bodies of the functions it calls (see engine/reach.ts).
 */
export function stateTouchedBy(findings: readonly StateFinding[], bodies: Node | readonly Node[]): StateFinding[] {
  const list = Array.isArray(bodies) ? (bodies as readonly Node[]) : [bodies as Node];
  const names = new Set<string>();
  for (const body of list) {
    for (const n of ofType(body, 'identifier')) names.add(n.text);
    // C++'s `Selectors::ALLOWED`, a static member defined at file scope (fastnumbers).
    for (const n of ofType(body, 'qualified_identifier')) names.add(qualifiedName(n));
  }
  const spans = list.map((b) => [b.startPosition.row + 1, b.endPosition.row + 1]);
  const inBody = (f: StateFinding) => spans.some(([first, last]) => first <= f.line && f.line <= last);
  return findings.filter(
    (f) => PROCESS_GLOBAL.has(f.kind) && (f.kind === 'capsule' || f.kind === 'function-static' ? inBody(f) : names.has(f.name)),
  );
}

/** `a :: b` as `a::b`. */
function qualifiedName(n: Node): string {
  return n.text.replace(/\s+/g, '');
}

export interface Recommendation {
  multiple_interpreters: 'not-supported' | 'supported' | 'per-interpreter-gil';
  /** Recommended only on request now: a module with process-global state replays its first exec instead. */
  once_per_process_guard: boolean;
  /** What a second exec in one process should do: replay the first exec's attributes, or run again. */
  second_exec: 'replay' | 'runs-again';
  reasons: string[];
}

const KIND_LABEL: Record<StateKind, string> = {
  pyobject: 'Python objects in C globals',
  'static-type': 'static types',
  'mutable-static': 'mutable C globals',
  'function-static': 'function-local statics',
  pystate: 'PyState_* calls',
  capsule: 'capsules',
  'gil-declaration': 'GIL declarations',
};

/** The Py_mod_multiple_interpreters value the code has earned, and whether exec needs the guard. */
export function recommend(findings: readonly StateFinding[], touched: readonly StateFinding[]): Recommendation {
  const state = findings.filter((f) => f.kind !== 'gil-declaration');
  const reasons: string[] = [];
  if (state.length === 0) {
    reasons.push('no process-global state in this file: each interpreter gets its own module; check that the C libraries it calls keep none either');
    return { multiple_interpreters: 'per-interpreter-gil', once_per_process_guard: false, second_exec: 'runs-again', reasons };
  }
  const byKind = new Map<StateKind, string[]>();
  for (const f of state) byKind.set(f.kind, [...(byKind.get(f.kind) ?? []), f.name]);
  for (const [kind, names] of byKind)
    reasons.push(`${names.length} ${KIND_LABEL[kind]} (${[...new Set(names)].join(', ')}): ${WHY[kind]}`);
  if (touched.length)
    reasons.push(
      `exec touches ${[...new Set(touched.map((t) => t.name))].join(', ')}: a second exec in the same process (re-import, a legacy subinterpreter) would overwrite or share them, so later modules should get the first exec's attributes, as CPython gave them a single-phase module's (the conversion does this when the original's m_size is -1; --once-per-process always refuses a second exec instead)`,
    );
  return { multiple_interpreters: 'not-supported', once_per_process_guard: false, second_exec: touched.length > 0 ? 'replay' : 'runs-again', reasons };
}

