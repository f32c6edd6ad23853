/** Builds what every transform needs to know about one module init, once. */
import type { ModuleInit } from './module-init';
import { auditState, recommend, stateTouchedBy } from '../audit/state';
import { stateTouchedThroughCalls, type DefinedElsewhere } from './reach';
import type { ConvertOptions } from './options';
import type { Lang, Node } from '../c/parse';
import type { TransformContext } from './transform';
import { isIdentifier, isInside, named, same, unparen } from '../c/syntax';
import { indentationAt } from '../c/text';
import { declaredGil, findGilCalls } from '../../transforms/gil-declaration';
import { addModuleStatements, cachedModuleLookup } from '../../transforms/pystate-calls';

/** First free name among `candidates`, then `<first>_2`, `<first>_3`, ... */
function freeName(used: Set<string>, candidates: string[]): string {
  for (const c of candidates) if (!used.has(c)) return c;
  for (let i = 2; ; i++) if (!used.has(`${candidates[0]}_${i}`)) return `${candidates[0]}_${i}`;
}

/** The file's unit of indentation, read from the init function's first statement. */
function indentUnitOf(text: string, init: ModuleInit): string {
  const first = named(init.body)[0];
  if (!first) return '    ';
  const outer = indentationAt(text, init.fn.startIndex);
  const inner = indentationAt(text, first.startIndex);
  const unit = inner.startsWith(outer) ? inner.slice(outer.length) : inner;
  return unit || '    ';
}

/**
 * Does the init do anything besides creating and returning the module (and declaring its GIL use)?
 * If not, the converted module needs no exec function at all.
 */
function hasWorkToExecute(init: ModuleInit): boolean {
  const gone = [
    ...init.vanishing,
    ...findGilCalls(init).map((c) => c.removal),
    ...addModuleStatements(init.body),
    ...cachedModuleLookup(init),
    ...init.defSetup,
  ];
  if (init.directReturn) gone.push(init.directReturn);
  const returnsModule = (s: Node) =>
    s.type === 'return_statement' && !!init.moduleVar && isIdentifier(unparen(named(s)[0] ?? s), init.moduleVar);
  return named(init.body).some((s) => !gone.some((g) => same(g, s)) && !returnsModule(s));
}

/** Each finding once, as exec touches it directly or through a call. */
function uniqueFindings<T extends { name: string; line: number; file?: string }>(findings: T[]): T[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.file ?? ''}\0${f.name}\0${f.line}`;
    return !seen.has(key) && (seen.add(key), true);
  });
}

export function buildContext(text: string, root: Node, lang: Lang, init: ModuleInit, options: ConvertOptions, definedElsewhere?: DefinedElsewhere): TransformContext {
  // Every word in the file counts as taken (comments and strings too): cheap and never wrong.
  const used = new Set(text.match(/[A-Za-z_]\w*/g) ?? []);
  // A module may be named `2spam` (importlib accepts it): C names may not start with a digit.
  const base = /^[0-9]/.test(init.name) ? `mod_${init.name}` : init.name;
  const names = {
    exec: freeName(used, [`${base}_exec`, `${base}_module_exec`, `exec_${base}`]),
    slots: freeName(used, [`${base}_slots`, `${base}_module_slots`, `${base}_moduledef_slots`]),
    loaded: freeName(used, [`${base}_loaded`, `${base}_module_loaded`, `${base}_exec_done`]),
    module: freeName(used, [`${base}_module_ref`, `${base}_the_module`, `${base}_module_object`]),
    execOnce: freeName(used, [`${base}_exec_once`, `${base}_module_exec_once`, `${base}_exec_first`]),
    first: freeName(used, [`${base}_first_exec`, `${base}_first_attributes`, `${base}_exec_result`]),
    // Locals of a function the tool writes: only a macro of the same name could disturb them.
    locals: {
      module: freeName(used, ['module', 'mod', 'self_module']),
      dict: freeName(used, ['dict', 'module_dict', 'attributes']),
      before: freeName(used, ['before', 'attributes_before', 'dict_before']),
      key: freeName(used, ['key', 'name', 'attr_key']),
      value: freeName(used, ['value', 'attr_value', 'item']),
      pos: freeName(used, ['pos', 'position', 'attr_pos']),
    },
  };
  const findings = auditState(root);
  // Exec's own body, and the functions it calls, here and in the module's other sources.
  const touched = uniqueFindings([...stateTouchedBy(findings, init.body), ...stateTouchedThroughCalls(root, findings, init.body, definedElsewhere)]);
  const bodyWords = new Set(init.body.text.match(/[A-Za-z_]\w*/g) ?? []);
  const paramName = init.globalModule?.param ?? init.moduleVar ?? freeName(bodyWords, ['module', 'mod', 'm']);
  const param = { name: paramName, text: init.paramText ?? `PyObject *${paramName}` };
  // A helper that did the init becomes exec even when it does little: PyInit no longer calls it.
  const hasExec = !!init.helperCall || hasWorkToExecute(init);
  const moduleGil = declaredGil(init);
  // Code other rules remove whole: the rest leave what is inside it alone.
  const vanishing = [
    ...init.vanishing,
    ...init.rewrites.map((r) => r.node),
    ...findGilCalls(init).map((c) => c.removal),
    ...addModuleStatements(init.body),
    ...cachedModuleLookup(init),
    ...init.defSetup,
  ];
  return {
    text,
    root,
    lang,
    init,
    options,
    names,
    audit: { findings, touched, recommendation: recommend(findings, touched) },
    param,
    hasExec,
    ...(definedElsewhere && { definedElsewhere }),
    gil: moduleGil ?? options.gil,
    gilFromModule: moduleGil !== null,
    indentUnit: indentUnitOf(text, init),
    vanishes: (n) => vanishing.some((v) => isInside(n, v)),
  };
}
