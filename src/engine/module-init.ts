/**
 * Finds the single-phase init in a parsed file and describes it for the transforms: the `PyInit_<name>`
 * function, its `PyModule_Create` call, the variable that holds the module, the statements that vanish
 * with the call, and the file-scope `PyModuleDef`. Anything it cannot pin down exactly is refused here,
 * before any rule runs.
 */
import type { Node, Tree } from '../c/parse';
import { fileMacros, objectMacroValue } from '../c/macros';
import { expand, ExpansionError } from '../c/preprocessor/expand';
import type { MacroTable } from '../c/preprocessor/macro-table';
import { tokenize } from '../c/preprocessor/tokens';
import { indentationAt, lineOf } from '../c/text';
import { refuse, Refusal } from './refusal';
import {
  ancestors,
  callArgs,
  calleeName,
  children,
  field,
  findAll,
  isIdentifier,
  isInside,
  named,
  nextStatement,
  ofType,
  same,
  unparen,
} from '../c/syntax';

export const CREATE_FUNCTIONS = new Set(['PyModule_Create', 'PyModule_Create2']);

export interface ModuleDef {
  name: string;
  /** The declaration that defines it, with its initializer. */
  declaration: Node;
  /** The `{ ... }` initializer list. */
  initList: Node;
}

export interface ModuleInit {
  /** `spam` for `PyInit_spam`. */
  name: string;
  /** The `PyInit_<name>` function. */
  entry: Node;
  /** The function whose body initialises the module: PyInit itself, or the helper it returns. */
  fn: Node;
  /** `moduleinit()` in `return moduleinit();` when the init work is in a helper. */
  helperCall: Node | null;
  body: Node;
  /** The `PyModule_Create(&def)` call. */
  create: Node;
  def: ModuleDef;
  /** The user's variable for the module, or null when the init is `return PyModule_Create(&def);`. */
  moduleVar: string | null;
  /**
   * When that variable is a file-scope one (hiredis: `mod_hiredis = PyModule_Create(&def);`, which
   * other functions read): exec's parameter gets this other name, and the create becomes
   * `mod_hiredis = module;`, so every later use of the variable still sees the module.
   */
  globalModule: { param: string } | null;
  /** How the module variable was declared (`PyObject *m`), to write the exec parameter the same way. */
  paramText: string | null;
  /** Statements and declarators that disappear with the create call (it cannot fail in exec). */
  vanishing: Node[];
  /** `return PyModule_Create(&def);`, when the call is returned directly. */
  directReturn: Node | null;
  /** Statements rewritten rather than removed: `m = other = PyModule_Create(&def);` keeps `other = m;`. */
  rewrites: { node: Node; text: string }[];
  /**
   * Statements before the create that fill in the definition at run time (gnureadline:
   * `if (using_libedit_emulation) readlinemodule.m_doc = doc_module_le;`), with every statement
   * before them: they stay in PyInit, before it hands over the definition, which CPython reads after.
   */
  defSetup: Node[];
}

/** Function definitions at file scope (also inside `extern "C" {}` and preprocessor blocks). */
export function fileScopeFunctions(root: Node): Node[] {
  const out: Node[] = [];
  const visit = (n: Node) => {
    for (const c of named(n)) {
      if (c.type === 'function_definition') out.push(c);
      else if (/^(preproc_(if|ifdef|else|elif|elifdef)|linkage_specification|declaration_list|ERROR)$/.test(c.type))
        visit(c);
    }
  };
  visit(root);
  return out;
}

export function functionName(fn: Node): string | null {
  let d = field(fn, 'declarator');
  while (d && d.type !== 'function_declarator') d = field(d, 'declarator');
  const id = d && field(d, 'declarator');
  return id && id.type === 'identifier' ? id.text : null;
}

/**
 * The `PyInit_<name>` a function definition defines: by its own name, through an object-like macro
 * (`#define init_function PyInit_foo` ... `PyMODINIT_FUNC init_function(void)`), or through a
 * function-like one the file defines (`#define MOD_INIT(name) PyMODINIT_FUNC PyInit_##name(void)`
 * ... `MOD_INIT(foo) {`). Null when it is not an init.
 */
export function initFunctionName(fn: Node, text: string, table?: MacroTable): string | null {
  const name = functionName(fn);
  if (name?.startsWith('PyInit_')) return name;
  if (name) {
    const value = objectMacroValue(fileMacros(text), name);
    if (value && /^PyInit_\w+$/.test(value)) return value;
  }
  if (table) {
    // The header as the compiler reads it, through every macro the file and its headers define
    // (`MODINIT_DEFINE(spam)` from a project header, `INIT_NAME` defined in terms of another macro).
    // Only a header that uses a macro able to spell PyInit_ is expanded: a file of thousands of
    // functions expanded every header (12,000 in a 1 MB file: a second in token copies alone).
    const body = field(fn, 'body');
    const header = fn.text.slice(0, (body ? body.startIndex : fn.endIndex) - fn.startIndex);
    const spelling = initSpellingMacros(table);
    if (!header.includes('PyInit_') && !(header.match(/\b[A-Za-z_]\w*\b/g) ?? []).some((w) => spelling.has(w))) return name ? null : initByTypeMacro(fn, text);
    try {
      const tokens = expand(tokenize(header), table);
      const at = tokens.findIndex((t, i) => t.kind === 'ident' && /^PyInit_\w+$/.test(t.text) && tokens[i + 1]?.text === '(');
      if (at !== -1) return tokens[at].text;
    } catch (e) {
      if (!(e instanceof ExpansionError)) throw e;
    }
  }
  if (name) return null;
  return initByTypeMacro(fn, text);
}

/** `MOD_INIT(foo) {` read as `MOD_INIT` a type and `(foo)` a declarator, with `#define MOD_INIT(name) ... PyInit_##name`. */
function initByTypeMacro(fn: Node, text: string): string | null {
  const type = field(fn, 'type');
  const declarator = field(fn, 'declarator');
  if (type?.type === 'type_identifier' && declarator?.type === 'parenthesized_declarator') {
    const arg = named(declarator)[0];
    const macro = new RegExp(`^[ \\t]*#[ \\t]*define[ \\t]+${type.text}\\((\\w+)\\)[^\\n]*\\bPyInit_\\s*##\\s*(\\w+)`, 'm').exec(text);
    if (arg?.type === 'identifier' && macro && macro[1] === macro[2]) return `PyInit_${arg.text}`;
  }
  return null;
}

const spellers = new WeakMap<MacroTable, Set<string>>();

/**
 * The macros whose expansion may spell `PyInit_`: those whose body says PyInit or pastes tokens
 * (`PyInit_##name`), and those that use such a macro, transitively.
 */
function initSpellingMacros(table: MacroTable): Set<string> {
  let found = spellers.get(table);
  if (found) return found;
  found = new Set();
  const names = table.names();
  const bodies = new Map(names.map((n) => [n, table.definitions(n).flatMap((m) => m.body.map((t) => t.text))]));
  for (const [n, words] of bodies) if (words.some((w) => w === '##' || w.startsWith('PyInit'))) found.add(n);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [n, words] of bodies) if (!found.has(n) && words.some((w) => found!.has(w))) (found.add(n), (grew = true));
  }
  spellers.set(table, found);
  return found;
}

/**
 * The function that does the init's work, read from a tree that may not be the final one: the
 * helper PyInit returns (`return moduleinit();`), or PyInit itself. Null without an init.
 */
export function initWorkFunction(root: Node, text: string, table?: MacroTable): Node | null {
  return initFunctions(root, text, table).work;
}

type InitFunctions = { entry: Node | null; work: Node | null };
/** Per tree, the last answer and what it was asked with: each preparation asks again of an unchanged text. */
const initFunctionsOfTree = new WeakMap<Tree, { text: string; table?: MacroTable; found: InitFunctions }>();

/** PyInit (`entry`) and the function doing its work (`work`: the helper it returns, or PyInit). */
export function initFunctions(root: Node, text: string, table?: MacroTable): InitFunctions {
  if (root.parent !== null) return findInitFunctions(root, text, table);
  const known = initFunctionsOfTree.get(root.tree);
  if (known && known.text === text && known.table === table) return known.found;
  const found = findInitFunctions(root, text, table);
  initFunctionsOfTree.set(root.tree, { text, table, found });
  return found;
}

function findInitFunctions(root: Node, text: string, table?: MacroTable): InitFunctions {
  const entry = fileScopeFunctions(root).find((f) => initFunctionName(f, text, table) !== null);
  const entryBody = entry && field(entry, 'body');
  const only = entryBody ? named(entryBody) : [];
  const ret = only.length === 1 && only[0].type === 'return_statement' ? named(only[0])[0] : null;
  const helperName = ret?.type === 'call_expression' ? calleeName(ret) : null;
  const helper = helperName ? fileScopeFunctions(root).find((f) => functionName(f) === helperName) : undefined;
  return { entry: entry ?? null, work: helper ?? entry ?? null };
}

function isCreateCall(n: Node): boolean {
  const name = calleeName(n);
  return name !== null && CREATE_FUNCTIONS.has(name);
}

const CREATE_MACRO_VALUE = /^\(?\s*PyModule_Create2?\s*\(\s*&\s*(\w+)\s*(,[^)]*)?\)\s*\)?$/;

/**
 * The create calls of a file: `PyModule_Create(&def)` itself, and identifiers of object-like macros
 * the file defines as exactly that (`#define CREATE_FOO PyModule_Create(&foo_def)`).
 */
function findCreates(root: Node, text: string): Node[] {
  const calls = identifiersNamed(root, text, [...CREATE_FUNCTIONS])
    .map((id) => id.parent)
    .filter((n): n is Node => n !== null && isCreateCall(n));
  const macros = fileMacros(text).filter((d) => d.params === null && CREATE_MACRO_VALUE.test(d.body.trim()));
  if (macros.length === 0) return calls;
  const uses = identifiersNamed(root, text, macros.map((d) => d.name)).filter(
    (n) => !/^preproc_/.test(n.parent?.type ?? '') && objectMacroValue(macros, n.text) !== null,
  );
  return [...calls, ...uses].sort((a, b) => a.startIndex - b.startIndex);
}

/**
 * The identifier nodes spelling one of `names`, found from the text: a large file has thousands of
 * identifiers, and materialising every one (`ofType(root, 'identifier')`) to keep two is the slow part.
 */
function identifiersNamed(root: Node, text: string, names: string[]): Node[] {
  const out: Node[] = [];
  const pattern = new RegExp(`\\b(?:${names.map((n) => n.replace(/\W/g, '')).join('|')})\\b`, 'g');
  // `text` is root.text, which starts where the root does: after leading blank lines, not at 0.
  for (const m of text.matchAll(pattern)) {
    const start = root.startIndex + (m.index ?? 0);
    const n = root.descendantForIndex(start, start + m[0].length);
    if (n && n.type === 'identifier' && n.startIndex === start && n.endIndex === start + m[0].length) out.push(n);
  }
  return out;
}

/** The definition a create call or create macro is given: `spam_def` for `PyModule_Create(&spam_def)`. */
function createdDefinition(create: Node, text: string): string | null {
  if (create.type === 'identifier') {
    const value = objectMacroValue(fileMacros(text), create.text);
    return value ? CREATE_MACRO_VALUE.exec(value)?.[1] ?? null : null;
  }
  const defArg = callArgs(create)[0];
  const u = defArg ? unparen(defArg) : null;
  const id = u?.type === 'pointer_expression' ? field(u, 'argument') : null;
  return id?.type === 'identifier' ? id.text : null;
}

/** Is `fn`'s whole body `return PyInit_other();`, with `PyInit_other` another of `inits`? */
function forwardsToAnotherInit(fn: Node, inits: Node[], text: string, table?: MacroTable): boolean {
  const body = field(fn, 'body');
  const statements = body ? named(body).filter((s) => s.type !== 'comment') : [];
  if (statements.length !== 1 || statements[0].type !== 'return_statement') return false;
  const value = named(statements[0])[0];
  const call = value ? unparen(value) : null;
  if (!call || call.type !== 'call_expression' || callArgs(call).length !== 0) return false;
  const callee = calleeName(call);
  return inits.some((other) => !same(other, fn) && initFunctionName(other, text, table) === callee);
}

/**
 * `#define PYSMBC_PROTOTYPE_HEADER PyObject * PyInit__smbc (void)` and, at file scope,
 * `PYSMBC_PROTOTYPE_HEADER` alone on its line before the body's `{` (pysmbc, set H): the macro and
 * the line it is used on. `text` is the root's text; lines are counted in it.
 */
function initHeaderMacro(text: string): { name: string; init: string; useLine: number } | null {
  for (const d of fileMacros(text)) {
    if (d.params !== null) continue;
    const init = /\b(PyInit_\w+)\s*\(/.exec(d.body)?.[1];
    if (!init) continue;
    const use = new RegExp(`^[ \\t]*${d.name}[ \\t]*(?:\\r?\\n[ \\t]*)?\\{`, 'm').exec(text);
    if (use) return { name: d.name, init, useLine: lineOf(text, use.index) };
  }
  return null;
}

/** Returns the init, null when the file has no module init at all, or throws a Refusal. */
export function findModuleInit(root: Node, table?: MacroTable, headerDefining?: (defName: string) => string | undefined): ModuleInit | null {
  const text = root.text;
  const inits = fileScopeFunctions(root).filter((f) => initFunctionName(f, text, table) !== null);
  const creates = findCreates(root, text);
  if (inits.length === 0) {
    // A module init hidden behind macros must not pass for a file without one: the engine reads
    // the file through its macro table before it says "skipped" (missed-init.ts).
    if (creates.length === 0) return null;
    const mention = ofType(root, 'identifier').filter((n) => n.text.startsWith('PyInit_'))[0];
    const headerMacro = mention ? null : initHeaderMacro(text);
    if (headerMacro) {
      // Lines of `text` (the root's) start at the root's row.
      const line = headerMacro.useLine + root.startPosition.row;
      throw new Refusal(
        `the init's whole header is the macro ${headerMacro.name} (its #define spells ${headerMacro.init}), used on line ${line}; this tool cannot rewrite a header a macro spells: write the header out there (PyMODINIT_FUNC ${headerMacro.init}(void) on Python 3) and run again`,
        line,
      );
    }
    refuse(
      mention
        ? `${mention.text} is not one plain function definition (its header is split across #if branches, or built by a macro); convert it by hand`
        : `PyModule_Create is called but no PyInit_ function is defined; if the init function's name is built by a macro (MOD_INIT, PyMODINIT_FUNC fallbacks), convert it by hand`,
      mention ?? creates[0],
    );
  }
  // `PyInit___init__(void) { return PyInit_apsw(); }` (apsw, for Windows' linker) only hands on
  // what the other returns, which after conversion is the definition: it may stay as it is.
  const own = inits.filter((f) => !forwardsToAnotherInit(f, inits, text, table));
  if (own.length > 1) refuse(`this file defines ${own.length} PyInit_ functions; convert one module per file by hand`, own[1]);
  const entry = own[0] ?? inits[0];
  const name = initFunctionName(entry, text, table)!.slice('PyInit_'.length);
  const entryBody = field(entry, 'body');
  checkParses(entry, entryBody, name);
  let fn = entry;
  let helperCall: Node | null = null;
  if (!creates.some((c) => isInside(c, entryBody!))) {
    ({ fn, call: helperCall } = initHelper(root, entryBody!, name, creates));
    checkParses(fn, field(fn, 'body'), name);
  }
  const body = field(fn, 'body')!;
  const inBody = creates.filter((c) => isInside(c, body));
  if (inBody.length > 1) refuse(`PyInit_${name} calls PyModule_Create ${inBody.length} times; convert it by hand`, inBody[1]);
  const create = inBody[0];
  if (ancestors(create).some((a) => a.type.startsWith('preproc_') && isInside(a, body)))
    refuse(`PyModule_Create sits inside a preprocessor conditional in PyInit_${name}; convert it by hand`, create);

  const defName = createdDefinition(create, text);
  if (!defName) refuse(`PyModule_Create is not given the address of a module definition (&def); convert it by hand`, create);
  const def = findModuleDef(root, body, defName, headerDefining);
  for (const other of creates)
    if (!same(other, create) && createdDefinition(other, text) === def.name)
      refuse(`${def.name} is also passed to PyModule_Create elsewhere; a definition with slots cannot be`, other);

  // In exec the module already exists: changes made to the definition at run time come too late.
  const handledElsewhere = (n: Node) => {
    const call = ancestors(n).find((a) => a.type === 'call_expression');
    return !!call && /^PyState_(FindModule|AddModule)$/.test(calleeName(call) ?? '');
  };
  const defSetup = definitionSetup(body, create, def.name);
  const use = ofType(body, 'identifier').filter(
    (n) => isIdentifier(n, def.name) && !isInside(n, create) && !handledElsewhere(n) && !defSetup.some((s) => isInside(n, s)),
  )[0];
  if (use)
    refuse(`PyInit_${name} uses the module definition ${def.name} beyond PyModule_Create (filled in at run time?); fill it in statically, then run again`, use);

  return { name, entry, fn, helperCall, body, create, def, defSetup, ...moduleVariable(root, create, body, name) };
}

/** Fields CPython reads when it creates the module from the definition (m_slots and m_size are the conversion's). */
const FIELDS_SET_BEFORE_CREATE = /^(m_name|m_doc|m_methods|m_traverse|m_clear|m_free)$/;

/**
 * The statements from the top of the init through the last one that assigns a field of the
 * definition, when that is all they do to it and they can run in PyInit: no return or goto, no
 * local variable, before the create. Otherwise none (and such a use is refused as before).
 */
function definitionSetup(body: Node, create: Node, defName: string): Node[] {
  const statements = named(body).filter((s) => s.type !== 'comment');
  const createAt = statements.findIndex((s) => isInside(create, s));
  if (createAt <= 0) return [];
  const writesDef = (s: Node) =>
    ofType(s, 'assignment_expression').some((a) => {
      const left = field(a, 'left');
      return left?.type === 'field_expression' && isIdentifier(field(left, 'argument'), defName) && FIELDS_SET_BEFORE_CREATE.test(field(left, 'field')?.text ?? '');
    });
  const last = statements.slice(0, createAt).reduce((at, s, i) => (writesDef(s) ? i : at), -1);
  if (last < 0) return [];
  const locals = new Set(
    statements.filter((s) => s.type === 'declaration').flatMap((d) => ofType(d, 'identifier').map((i) => i.text)),
  );
  const setup = statements.slice(0, last + 1).filter((s) => s.type !== 'declaration');
  const ok = setup.every(
    (s) =>
      !/^(preproc_|labeled_statement)/.test(s.type) &&
      // A declaration that runs code stays in exec: the setup may not move ahead of it.
      !statements.slice(0, last + 1).some((d) => d.type === 'declaration' && ofType(d, 'call_expression').length > 0) &&
      ofType(s, ['return_statement', 'goto_statement']).length === 0 &&
      !ofType(s, 'identifier').some((i) => locals.has(i.text)) &&
      // Any other use of the definition in them is not a field it may set.
      ofType(s, 'identifier').filter((i) => i.text === defName).every((i) => {
        const f = i.parent;
        const a = f?.parent;
        return f?.type === 'field_expression' && a?.type === 'assignment_expression' && same(field(a, 'left'), f) && FIELDS_SET_BEFORE_CREATE.test(field(f, 'field')?.text ?? '');
      }),
  );
  return ok ? setup : [];
}

function checkParses(fn: Node, body: Node | null, name: string): void {
  if (!body || fn.hasError) refuse(`PyInit_${name} does not parse cleanly (macros tree-sitter cannot read?); convert it by hand`, fn);
  if (ancestors(fn).some((a) => a.type === 'ERROR')) refuse(`PyInit_${name} sits inside code that does not parse; convert it by hand`, fn);
}

/**
 * `PyInit_x(void) { return moduleinit(); }` with `static PyObject *moduleinit(void)` doing the work
 * (a common way to share the init between Python 2 and 3): the helper becomes the exec function.
 * Anything less plain is refused.
 */
function initHelper(root: Node, entryBody: Node, name: string, creates: Node[]): { fn: Node; call: Node } {
  const elsewhere = creates[0];
  const statements = named(entryBody);
  const ret = statements.length === 1 && statements[0].type === 'return_statement' ? statements[0] : null;
  const call = ret && named(ret)[0] ? unparen(named(ret)[0]) : null;
  const helperName = call ? calleeName(call) : null;
  const helper = helperName ? fileScopeFunctions(root).find((f) => functionName(f) === helperName) : undefined;
  if (!elsewhere)
    refuse(`PyInit_${name} does not call PyModule_Create where this tool can see it (a macro such as MOD_DEF may create the module); convert it by hand`, entryBody);
  if (!call || !helper || callArgs(call).length > 0 || !creates.some((c) => isInside(c, helper)))
    refuse(
      `PyInit_${name} does not call PyModule_Create itself: the module is created in a helper function (line ${elsewhere.startPosition.row + 1}) that PyInit does not simply return; move the creation into PyInit_${name} or convert by hand`,
      elsewhere,
    );
  const params = field(ofType(helper, 'function_declarator')[0], 'parameters');
  if (params && !/^\(\s*(void)?\s*\)$/.test(params.text))
    refuse(`the init helper ${helperName} takes arguments; convert it by hand`, helper);
  const calls = ofType(root, 'call_expression').filter((c) => calleeName(c) === helperName);
  if (calls.length > 1) refuse(`the init helper ${helperName} is called from more than one place; convert it by hand`, calls[1]);
  return { fn: helper, call };
}

function findModuleDef(root: Node, body: Node, defName: string, headerDefining?: (defName: string) => string | undefined): ModuleDef {
  const candidates = ofType(root, 'init_declarator').filter((n) => isIdentifier(field(n, 'declarator'), defName));
  const local = candidates.find((c) => isInside(c, body));
  if (local)
    refuse(`the module definition ${defName} is declared inside the init function; move it to file scope, then run again`, local);
  const defined = candidates.filter((c) => field(c, 'value')?.type === 'initializer_list');
  if (defined.length === 0 && headerDefining?.(defName))
    refuse(
      `the module definition ${defName} is in "${headerDefining(defName)}", which this file includes: its slots and m_size would change there, and a header may serve other files; move the definition into this file, then run again`,
      body,
    );
  if (defined.length !== 1)
    refuse(`cannot find one definition of ${defName} with an initializer in this file; convert it by hand`, body);
  const declaration = defined[0].parent!;
  if (declaration.type !== 'declaration') refuse(`the definition of ${defName} has an unexpected shape`, declaration);
  return { name: defName, declaration, initList: field(defined[0], 'value')! };
}

/** Works out which variable holds the module and what disappears with the create call. */
function moduleVariable(
  root: Node,
  create: Node,
  body: Node,
  name: string,
): Pick<ModuleInit, 'moduleVar' | 'globalModule' | 'paramText' | 'vanishing' | 'directReturn' | 'rewrites'> {
  const parent = create.parent!;
  if (parent.type === 'return_statement') {
    return { moduleVar: null, globalModule: null, paramText: null, vanishing: [], directReturn: parent, rewrites: [] };
  }
  // PyObject *m = PyModule_Create(&def);
  if (parent.type === 'init_declarator') {
    const declaration = parent.parent!;
    const varNode = innermostIdentifier(field(parent, 'declarator'));
    if (!varNode || !same(declaration.parent, body)) refuse(`unexpected declaration of the module variable`, parent);
    return {
      moduleVar: varNode.text,
      globalModule: null,
      paramText: paramTextFor(declaration, parent),
      vanishing: [declarationPart(declaration, parent), ...nullCheckAfter(declaration, varNode.text)],
      directReturn: null,
      rewrites: [],
    };
  }
  // m = PyModule_Create(&def);  or  if ((m = PyModule_Create(&def)) == NULL) ...
  // or chained: m = other = PyModule_Create(&def);
  if (parent.type === 'assignment_expression' && same(field(parent, 'right'), create)) {
    let outer = parent;
    const targets: Node[] = [field(parent, 'left')!];
    while (outer.parent?.type === 'assignment_expression' && same(field(outer.parent, 'right'), outer)) {
      outer = outer.parent;
      targets.unshift(field(outer, 'left')!);
    }
    const locals = targets.filter((t) => t.type === 'identifier' && localDeclaration(body, t.text));
    if (locals.length === 0) return globalModuleVariable(root, body, create, parent, outer, targets, name);
    const moduleVar = locals[0].text;
    const decl = localDeclaration(body, moduleVar)!;
    const vanishing = [declarationPart(decl.declaration, decl.declarator)];
    const rewrites: { node: Node; text: string }[] = [];
    const stmt = outer.parent;
    if (stmt?.type === 'expression_statement' && same(stmt.parent, body)) {
      const others = targets.filter((t) => t.text !== moduleVar);
      // Each other target keeps a reference of its own (see globalModuleVariable): a pointer that
      // outlives exec must not dangle once nothing else holds the module (chained-assignment).
      const indent = indentationAt(body.text, stmt.startIndex - body.startIndex);
      const keep = (t: Node) => (t.type === 'identifier' && localDeclaration(body, t.text) ? `${t.text} = ${moduleVar};` : storeOwnReference(t.text, moduleVar, indent));
      if (others.length) rewrites.push({ node: stmt, text: others.map(keep).join(`\n${indent}`) });
      else vanishing.push(stmt);
      vanishing.push(...nullCheckAfter(stmt, moduleVar));
    } else {
      // The assignment is inside a condition: it must be the whole NULL check of an if without else.
      const ifStmt = ancestors(create).find((a) => a.type === 'if_statement');
      if (targets.length > 1 || !ifStmt || !same(ifStmt.parent, body) || !isNullTest(field(ifStmt, 'condition'), parent) || field(ifStmt, 'alternative'))
        refuse(`PyModule_Create is used inside an expression this tool does not recognise; convert it by hand`, create);
      vanishing.push(ifStmt);
    }
    return { moduleVar, globalModule: null, paramText: paramTextFor(decl.declaration, decl.declarator), vanishing, directReturn: null, rewrites };
  }
  if (parent.type === 'argument_list' || parent.type === 'initializer_list')
    refuse(`the new module is handed straight to another object (${parent.parent?.text.slice(0, 60)}): an RAII wrapper or a helper owns it, and exec cannot; convert it by hand`, create);
  refuse(`PyModule_Create is used in an expression this tool does not recognise (${parent.text.slice(0, 60)}); convert it by hand`, create);
}

/**
 * `mod_hiredis = PyModule_Create(&def);` where `mod_hiredis` is a file-scope `PyObject *` that other
 * functions read. In exec the module is the parameter, so the statement becomes
 * `Py_INCREF(module); Py_XDECREF(mod_hiredis); mod_hiredis = module;`: a strong reference. CPython
 * keeps every single-phase module alive until the interpreter ends, so the original's borrowed
 * pointer never dangled; a multi-phase module is freed once nothing holds it (xxtea, set H: after
 * `del sys.modules[...]` its functions called through freed memory). Exec running again (a
 * re-import) points the variable at the new module, as the original's init did.
 * Refused when the variable is read before that statement (what it held then is not the module),
 * or when the statement is anything but a plain assignment in the init's body.
 */
function globalModuleVariable(
  root: Node,
  body: Node,
  create: Node,
  assignment: Node,
  outer: Node,
  targets: Node[],
  name: string,
): Pick<ModuleInit, 'moduleVar' | 'globalModule' | 'paramText' | 'vanishing' | 'directReturn' | 'rewrites'> {
  const stored = targets.map((t) => t.text).join(' and ');
  const target = targets[0];
  const stmt = outer.parent;
  if (
    targets.length !== 1 ||
    target.type !== 'identifier' ||
    !fileScopeVariable(root, target.text) ||
    stmt?.type !== 'expression_statement' ||
    !same(stmt.parent, body)
  )
    refuse(`the module is stored in ${stored}, not in a local variable of PyInit_${name}; convert it by hand`, assignment);
  const global = target.text;
  const readBefore = ofType(body, 'identifier').find((n) => n.text === global && n.endIndex <= stmt.startIndex);
  if (readBefore)
    refuse(`PyInit_${name} uses ${global}, where the module will be stored, before it creates the module; convert it by hand`, readBefore);
  const bodyWords = new Set(body.text.match(/[A-Za-z_]\w*/g) ?? []);
  const param = ['module', 'mod', 'm', 'self_module'].find((c) => !bodyWords.has(c)) ?? 'module_';
  return {
    moduleVar: global,
    globalModule: { param },
    paramText: `PyObject *${param}`,
    vanishing: nullCheckAfter(stmt, global),
    directReturn: null,
    rewrites: [{ node: stmt, text: storeOwnReference(global, param, indentationAt(body.text, stmt.startIndex - body.startIndex)) }],
  };
}

/** `target = module;` with a reference of the target's own, the old one released (see globalModuleVariable). */
function storeOwnReference(target: string, module: string, indent: string): string {
  return [`Py_INCREF(${module});`, `Py_XDECREF(${target});`, `${target} = ${module};`].join(`\n${indent}`);
}

/** Is `name` a variable declared at file scope (not `extern`, not a function)? */
function fileScopeVariable(root: Node, name: string): boolean {
  const scopes = [root, ...ofType(root, ['linkage_specification', 'declaration_list', 'preproc_if', 'preproc_ifdef', 'preproc_else', 'preproc_elif'])];
  return scopes.some((scope) =>
    named(scope).some(
      (d) =>
        d.type === 'declaration' &&
        declarators(d).some((x) => {
          const inner = x.type === 'init_declarator' ? field(x, 'declarator') : x;
          return inner?.type !== 'function_declarator' && innermostIdentifier(inner)?.text === name;
        }),
    ),
  );
}

function innermostIdentifier(n: Node | null): Node | null {
  while (n && n.type !== 'identifier') n = field(n, 'declarator');
  return n;
}

/** `PyObject *m` from `PyObject *m = ...` (keeping the file's `PyObject* m` if that is how it writes it). */
function paramTextFor(declaration: Node, declarator: Node): string {
  const type = field(declaration, 'type')!;
  const d = declarator.type === 'init_declarator' ? field(declarator, 'declarator')! : declarator;
  // `auto module = PyModule_Create(...)` (C++): a deduced type is no parameter type (an `auto`
  // parameter makes a template whose address the slot table cannot take). The module is a PyObject *.
  if (/\b(auto|decltype|__auto_type)\b/.test(declaration.text.slice(0, d.startIndex - declaration.startIndex)))
    return `PyObject *${innermostIdentifier(d)?.text ?? d.text.replace(/^[*&\s]+/, '')}`;
  if (!same(declarators(declaration)[0], declarator)) return `${type.text} ${d.text}`;
  const between = declaration.text.slice(type.endIndex - declaration.startIndex, d.startIndex - declaration.startIndex);
  return `${type.text}${between.replace(/\s+/g, ' ')}${d.text}`;
}

function declarators(declaration: Node): Node[] {
  return declaration.childrenForFieldName('declarator').filter((c): c is Node => c !== null);
}

function localDeclaration(body: Node, varName: string): { declaration: Node; declarator: Node } | null {
  for (const stmt of named(body)) {
    if (stmt.type !== 'declaration') continue;
    for (const d of declarators(stmt)) {
      const id = innermostIdentifier(d.type === 'init_declarator' ? field(d, 'declarator') : d);
      if (id?.text === varName) {
        const value = d.type === 'init_declarator' ? field(d, 'value') : null;
        if (value && !isNullish(value)) refuse(`${varName} is initialised to ${value.text} before the module is created`, d);
        return { declaration: stmt, declarator: d };
      }
    }
  }
  return null;
}

function isNullish(n: Node): boolean {
  const u = unparen(n);
  return u.type === 'null' || u.type === 'nullptr' || (u.type === 'identifier' && u.text === 'NULL') || u.text === '0';
}

/**
 * The declaration itself when the module is its only declarator, else just the declarator (with the
 * comma that separates it from its neighbour), as a span to delete.
 */
function declarationPart(declaration: Node, declarator: Node): Node {
  if (declarators(declaration).length === 1) return declaration;
  return declarator;
}

/**
 * `if (m == NULL) ...` / `if (!m) ...` right after the create (declarations without calls in
 * between, as C89 code has them): it goes with it.
 */
function nullCheckAfter(stmt: Node, moduleVar: string): Node[] {
  let next = nextStatement(stmt);
  while (next?.type === 'declaration' && !findAll(next, (n) => n.type === 'call_expression' || isIdentifier(n, moduleVar)).length)
    next = nextStatement(next);
  if (next?.type === 'if_statement' && !field(next, 'alternative') && isNullTest(field(next, 'condition'), null, moduleVar))
    return [next];
  return [];
}

/** Is `cond` a test that `subject` (an expression node) or the variable `name` is NULL? */
function isNullTest(cond: Node | null, subject: Node | null, name?: string): boolean {
  if (!cond) return false;
  const c = unparen(cond);
  const isSubject = (n: Node | null) => {
    if (!n) return false;
    const u = unparen(n);
    return subject ? same(u, subject) : isIdentifier(u, name!);
  };
  if (c.type === 'unary_expression' && children(c)[0]?.text === '!') return isSubject(field(c, 'argument'));
  if (c.type === 'binary_expression' && field(c, 'operator')?.text === '==') {
    const l = field(c, 'left');
    const r = field(c, 'right');
    return (isSubject(l) && isNullish(r!)) || (isSubject(r) && isNullish(l!));
  }
  return false;
}
