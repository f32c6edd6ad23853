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
import { calleeName, callArgs, field, findAll, named, ofType, same, unparen } from '../c/syntax';

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
 * Whether the code writes to `name`: assigns it (also through a subscript or `*`), increments it,
 * or passes it first to a function that writes there. Read at each place the name is used, found
 * in the text: walking every assignment and call of a large file once per variable, or even once,
 * cost more than the rest of its audit.
 */
function writtenIn(root: Node): (name: string) => boolean {
  const text = root.text;
  const base = root.startIndex;
  const known = new Map<string, boolean>();
  return (name) => {
    let answer = known.get(name);
    if (answer !== undefined) return answer;
    answer = false;
    for (const at of wordsAt(text, name)) {
      const id = root.descendantForIndex(base + at, base + at + name.length);
      if (id?.type === 'identifier' && id.text === name && writtenAt(id)) {
        answer = true;
        break;
      }
    }
    known.set(name, answer);
    return answer;
  };
}

/** Offsets of `word` in `text` as a whole word. */
function wordsAt(text: string, word: string): number[] {
  const out: number[] = [];
  const isWord = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_]/.test(c);
  for (let i = text.indexOf(word); i !== -1; i = text.indexOf(word, i + word.length))
    if (!isWord(text[i - 1]) && !isWord(text[i + word.length])) out.push(i);
  return out;
}

/** Is this use of a name a write: the left of `=`, the operand of `++`, the first argument of strcpy...? */
function writtenAt(id: Node): boolean {
  let x: Node = id;
  for (let p = x.parent; p; p = x.parent) {
    const through = p.type === 'parenthesized_expression' || ((p.type === 'subscript_expression' || p.type === 'pointer_expression') && same(field(p, 'argument') ?? named(p)[0] ?? null, x));
    if (!through) break;
    x = p;
  }
  const p = x.parent;
  if (!p) return false;
  if (p.type === 'assignment_expression') return same(field(p, 'left'), x);
  if (p.type === 'update_expression') return same(field(p, 'argument'), x);
  const call = p.type === 'argument_list' ? p.parent : null;
  return !!call && call.type === 'call_expression' && WRITES_FIRST_ARG.has(calleeName(call) ?? '') && same(named(p)[0] ?? null, x);
}

/**
 * Text the code only reads: `static char doc[] = "..."` and `static char *kwlist[] = {"a", "b",
 * NULL}` (declared without const, as many modules do), whose name is never written (writtenIn).
 */
function onlyReadText(written: (name: string) => boolean, decl: Node, declarator: Node, name: string): boolean {
  const type = field(decl, 'type')?.text ?? '';
  if (!/^(char|Py_UNICODE|wchar_t)$/.test(type.replace(/^(signed|unsigned)\s+/, '')) || !/\[/.test(declarator.text)) return false;
  const value = declarator.type === 'init_declarator' ? field(declarator, 'value') : null;
  if (!value) return false;
  const literal = (n: Node): boolean => n.type === 'string_literal' || n.type === 'concatenated_string' || n.type === 'null' || (n.type === 'identifier' && n.text === 'NULL') || (n.type === 'number_literal' && n.text === '0');
  if (!(literal(value) || (value.type === 'initializer_list' && named(value).every(literal)))) return false;
  return !written(name);
}

function classifyVariable(decl: Node, declarator: Node, local: boolean, written: (name: string) => boolean, name: string): StateKind | null {
  if (decl.type !== 'declaration') return null;
  if (ofType(declarator, 'function_declarator').length) return null; // a prototype
  const storage = named(decl).filter((c) => c.type === 'storage_class_specifier').map((c) => c.text);
  if (storage.includes('extern') || storage.includes('typedef')) return null;
  if (local && !storage.includes('static')) return null;
  const type = field(decl, 'type')?.text.replace(/^struct\s+/, '') ?? '';
  if (READ_ONLY_TABLES.has(type)) return null;
  if (type === 'PyTypeObject' && !/\*/.test(declarator.text)) return 'static-type';
  if (isConst(decl, declarator)) return null;
  if (onlyReadText(written, decl, declarator, name)) return null;
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
  let isWritten: ((name: string) => boolean) | undefined;
  const written = (name: string) => (isWritten ??= writtenIn(root))(name);
  const text = root.text;
  const base = root.startIndex;

  for (const decl of fileScopeDeclarations(root))
    for (const { name, node, declarator } of declaredNames(decl)) {
      const kind = classifyVariable(decl, declarator, false, written, name);
      if (kind) add(name, node, kind);
    }
  for (const fn of ofType(root, 'function_definition')) {
    const body = field(fn, 'body') ?? fn;
    // Only a `static` local is state: a body without the word has none (most of a file's functions).
    const at = text.indexOf('static', body.startIndex - base);
    if (at === -1 || at >= body.endIndex - base) continue;
    for (const decl of ofType(body, 'declaration'))
      for (const { name, node, declarator } of declaredNames(decl)) {
        const kind = classifyVariable(decl, declarator, true, written, name);
        if (kind) add(name, node, kind);
      }
  }
  for (const call of callsOf(root, text, base, STATE_CALLS)) {
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

/** The calls the audit counts as state by their callee alone. */
const STATE_CALLS = /\b(PyState_(?:FindModule|AddModule|RemoveModule)|PyCapsule_New|PyUnstable_Module_SetGIL)\b/g;

/** Calls of the functions `pattern` names, found by their names in the text, in the order they come. */
function callsOf(root: Node, text: string, base: number, pattern: RegExp): Node[] {
  const out: Node[] = [];
  for (const m of text.matchAll(pattern)) {
    const id = root.descendantForIndex(base + m.index!, base + m.index! + m[0].length);
    const call = id?.type === 'identifier' ? id.parent : null;
    if (call?.type === 'call_expression' && same(field(call, 'function'), id)) out.push(call);
  }
  return out;
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

