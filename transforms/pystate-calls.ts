/**
 * PyState_FindModule returns NULL (with no exception) for a multi-phase module, and PyState_AddModule
 * raises SystemError, so neither may survive the conversion:
 *
 * - `PyState_FindModule(&def)` inside a module-level function (one listed in the definition's method
 *   table: CPython passes it the module as its first argument, `self`) becomes that argument; inside
 *   the init it becomes the module variable. Anywhere else (a type's method, a helper) there is no
 *   module at hand: it becomes a process-wide reference to the module that exec sets, as
 *   PyState_AddModule kept one, and exec gets the once-per-process guard so that there is only ever
 *   that one module (see once-per-process.ts). With `--once-per-process never` that is refused.
 * - `PyState_AddModule(m, &def)` in the init goes, with the `if` that checks its result.
 * - A macro of the file that calls PyState_FindModule(&def) (gnureadline's `#define STATE
 *   ((state *)PyModule_GetState(PyState_FindModule(&def)))`), used in callbacks with no module at
 *   hand: the call in the `#define` becomes the same process-wide reference. One that calls
 *   PyState_AddModule, or looks up another definition, is refused.
 */
import { Edit, replace } from '../src/engine/edits';
import type { Node } from '../src/c/parse';
import { refuse } from '../src/engine/refusal';
import { removeStatements } from '../src/engine/removal';
import type { Transform, TransformContext } from '../src/engine/transform';
import { readInitializer } from '../src/c/initializer';
import { fileMacros } from '../src/c/macros';
import { codeMatches, nonCodeRanges } from '../src/c/non-code';
import { lineOf } from '../src/c/text';
import { Refusal } from '../src/engine/refusal';
import { ancestors, calleeName, callArgs, field, findAll, isIdentifier, isInside, isNullLiteral, named, ofType, same, unparen } from '../src/c/syntax';
import type { ModuleInit } from '../src/engine/module-init';

/** Names of the C functions in the definition's m_methods table. */
function moduleLevelFunctions(ctx: TransformContext): Set<string> {
  const methods = readInitializer(ctx.init.def.initList).value('m_methods');
  const tableName = methods && unparen(methods).type === 'identifier' ? unparen(methods).text : null;
  const names = new Set<string>();
  if (!tableName) return names;
  const table = ofType(ctx.root, 'init_declarator').find((d) => {
    let id = field(d, 'declarator');
    while (id && id.type !== 'identifier') id = field(id, 'declarator');
    return id?.text === tableName && field(d, 'value')?.type === 'initializer_list';
  });
  for (const entry of table ? named(field(table, 'value')!) : []) {
    const fnExpr = named(entry)[1];
    // `(PyCFunction)(void (*)(void))spam_system` names spam_system last.
    const ids = fnExpr ? ofType(fnExpr, 'identifier') : [];
    if (ids.length) names.add(ids[ids.length - 1].text);
  }
  return names;
}

function firstParameter(fn: Node): string | null {
  const decl = ofType(fn, 'function_declarator')[0];
  const first = decl && named(field(decl, 'parameters')!)[0];
  const id = first && ofType(first, 'identifier').pop();
  return id ? id.text : null;
}

/**
 * The "already loaded" idiom at the top of an init (_pickle, multidict's _istr, ujson):
 * `m = PyState_FindModule(&def); if (m) { Py_INCREF(m); return m; }`, or the lookup inside the
 * condition, `if ((m = PyState_FindModule(&def)) != NULL) { ... }`, also alone in an
 * `#ifndef PYPY_VERSION` block. A multi-phase module is never found that way, and a re-import makes
 * a new module instead: the statements go (the preprocessor block with them when they were all of it).
 */
export function cachedModuleLookup(init: ModuleInit): Node[] {
  const v = init.moduleVar;
  if (!v) return [];
  const isLookup = (n: Node | null): boolean =>
    !!n && calleeName(n) === 'PyState_FindModule' && callArgs(n)[0]?.text.replace(/[&()\s]/g, '') === init.def.name;
  const assignsLookup = (n: Node | null): boolean =>
    !!n && n.type === 'assignment_expression' && isIdentifier(field(n, 'left'), v) && isLookup(unparen(field(n, 'right')!));
  /** `if (m)`, `if (m != NULL)`, and the same with the lookup assigned inside: which, and whether assigned. */
  const testsModule = (cond: Node): { assigned: boolean } | null => {
    const c = unparen(cond);
    if (isIdentifier(c, v)) return { assigned: false };
    if (assignsLookup(c)) return { assigned: true };
    if (c.type !== 'binary_expression' || field(c, 'operator')?.text !== '!=' || !isNullLiteral(field(c, 'right'))) return null;
    const left = unparen(field(c, 'left')!);
    return isIdentifier(left, v) ? { assigned: false } : assignsLookup(left) ? { assigned: true } : null;
  };
  const returnsCached = (check: Node): boolean => {
    const then = field(check, 'consequence');
    const body = then ? (then.type === 'compound_statement' ? named(then) : [then]).filter((s) => s.type !== 'comment') : [];
    return (
      body.length === 2 &&
      /^Py_X?INCREF\s*\(\s*\w+\s*\)\s*;$/.test(body[0].text) &&
      body[0].text.includes(v) &&
      body[1].type === 'return_statement' &&
      isIdentifier(unparen(named(body[1])[0] ?? body[1]), v)
    );
  };
  const find = (statements: Node[]): Node[] => {
    for (const [i, stmt] of statements.entries()) {
      if (stmt.startIndex >= init.create.startIndex) break;
      const e = stmt.type === 'expression_statement' ? named(stmt)[0] : null;
      const next = statements[i + 1];
      if (assignsLookup(e) && next?.type === 'if_statement' && !field(next, 'alternative') && testsModule(field(next, 'condition')!)?.assigned === false && returnsCached(next))
        return [stmt, next];
      if (stmt.type === 'if_statement' && !field(stmt, 'alternative') && testsModule(field(stmt, 'condition')!)?.assigned && returnsCached(stmt)) return [stmt];
      if (/^preproc_(if|ifdef)$/.test(stmt.type) && !named(stmt).some((c) => /^preproc_(else|elif)/.test(c.type))) {
        const inner = named(stmt).filter((c) => c.type !== 'comment' && !same(c, field(stmt, 'name')) && !same(c, field(stmt, 'condition')));
        const found = find(inner);
        if (found.length) return found.length === inner.length ? [stmt] : found;
      }
    }
    return [];
  };
  return find(named(init.body));
}

/** `PyState_AddModule(m, &def);` statements (or the `if` checking one) in the init body: they go. */
export function addModuleStatements(body: Node): Node[] {
  return ofType(body, 'call_expression')
    .filter((n) => calleeName(n) === 'PyState_AddModule')
    .map((call) => {
      const stmt = call.parent?.type === 'expression_statement' ? call.parent : ancestors(call).find((a) => a.type === 'if_statement');
      if (!stmt || (stmt.type === 'if_statement' && field(stmt, 'alternative')))
        refuse(`PyState_AddModule is used in an expression this tool does not recognise; remove it by hand`, call);
      return stmt;
    });
}

/** Macros of the file that call PyState_FindModule/AddModule and are used: rewritten to the reference, or refused. */
function macrosThatFindTheModule(ctx: TransformContext, id: string): Edit[] {
  const text = ctx.text;
  const macros = fileMacros(text).filter((d) => /\bPyState_(FindModule|AddModule)\s*\(/.test(d.body));
  if (macros.length === 0) return [];
  const nonCode = nonCodeRanges(text);
  const edits: Edit[] = [];
  for (const d of macros) {
    const use = codeMatches(text, `\\b${d.name}\\b`, nonCode)[0];
    if (!use) continue;
    const lookups = [...d.body.matchAll(/\bPyState_FindModule\s*\(([^()]*)\)/g)].map((m) => [m[0], m[1].replace(/[&\s]/g, '')]);
    const define = ofType(ctx.root, ['preproc_def', 'preproc_function_def']).find((n) => field(n, 'name')?.text === d.name);
    const rewritable =
      !/\bPyState_AddModule\b/.test(d.body) &&
      lookups.length > 0 &&
      lookups.every((m) => m[1] === ctx.init.def.name) &&
      !!define &&
      ctx.hasExec &&
      ctx.options.oncePerProcess !== 'never';
    if (!rewritable) {
      const call = /PyState_(FindModule|AddModule)/.exec(d.body)![0];
      throw new Refusal(
        `the macro ${d.name} (defined at line ${lineOf(text, d.start)}) calls ${call}, which ${call === 'PyState_FindModule' ? 'returns NULL' : 'fails'} for a multi-phase module; its uses (line ${lineOf(text, use.index)}) need the module passed along by hand`,
        lineOf(text, use.index),
      );
    }
    const value = field(define, 'value')!;
    for (const m of value.text.matchAll(/\bPyState_FindModule\s*\([^()]*\)/g))
      edits.push(replace(value.startIndex + m.index!, value.startIndex + m.index! + m[0].length, ctx.names.module, id));
    (ctx.moduleRefUsers ??= []).push({ fn: define, name: `the macro ${d.name}` });
  }
  return edits;
}

export const pystateCalls: Transform = {
  meta: {
    id: 'pystate-calls',
    description: 'PyState_FindModule(&def) becomes the module a function already has; PyState_AddModule goes',
  },
  apply(ctx) {
    const id = this.meta.id;
    const edits: Edit[] = macrosThatFindTheModule(ctx, id);
    const cached = cachedModuleLookup(ctx.init);
    const calls = ofType(ctx.root, 'call_expression').filter(
      (n) => /^PyState_(FindModule|AddModule)$/.test(calleeName(n) ?? '') && !cached.some((c) => isInside(n, c)),
    );
    const additions = [...(ctx.hasExec ? addModuleStatements(ctx.init.body) : []), ...cached];
    let moduleFunctions: Set<string> | null = null;
    for (const call of calls) {
      const fn = ancestors(call).find((a) => a.type === 'function_definition');
      if (calleeName(call) === 'PyState_AddModule') {
        if (!isInside(call, ctx.init.body))
          refuse(`PyState_AddModule fails on a multi-phase module; remove the call and its error check by hand`, call);
        continue;
      }
      const arg = callArgs(call)[0]?.text.replace(/[&()\s]/g, '');
      if (arg !== ctx.init.def.name)
        refuse(`PyState_FindModule is given ${callArgs(call)[0]?.text}, not this module's definition; convert it by hand`, call);
      let module: string | null = null;
      if (fn && isInside(fn, ctx.init.fn) && ctx.hasExec) module = ctx.param.name;
      else if (fn) {
        moduleFunctions ??= moduleLevelFunctions(ctx);
        const name = ofType(fn, 'function_declarator')[0];
        const fnName = name && field(name, 'declarator')?.text;
        if (fnName && moduleFunctions.has(fnName)) module = firstParameter(fn);
      }
      if (!module && fn && ctx.hasExec && ctx.options.oncePerProcess !== 'never') {
        module = ctx.names.module;
        const fnName = field(ofType(fn, 'function_declarator')[0] ?? fn, 'declarator')?.text ?? 'a function';
        (ctx.moduleRefUsers ??= []).push({ fn, name: fnName });
      }
      if (!module)
        refuse(
          `PyState_FindModule returns NULL for a multi-phase module, and this function has no module at hand; pass the module along (a method can use PyType_GetModuleByDef) by hand${ctx.options.oncePerProcess === 'never' ? ', or allow the once-per-process guard, which lets it keep one reference to the module' : ''}`,
          call,
        );
      edits.push(replace(call.startIndex, call.endIndex, module, id));
    }
    return [...edits, ...removeStatements(ctx.text, additions, id)];
  },
};
