/**
 * The engine's own checks around the rules: what was blanked or stood in for to make a file
 * readable may not be edited, and code hidden from the rules inside the init must need no change;
 * a header that looks the module up with PyState_FindModule is refused.
 */
import type { Conditional } from '../c/conditionals';
import type { Node } from '../c/parse';
import { parseProblems } from '../c/parse';
import { expand, type Expanded } from '../c/preprocessor/expand';
import type { HeaderText, MacroTable } from '../c/preprocessor/macro-table';
import type { StandIn } from '../c/preprocessor/parse-view';
import { tokenize } from '../c/preprocessor/tokens';
import { lineOf } from '../c/text';
import type { Edit } from './edits';
import { Refusal } from './refusal';
import type { TransformContext } from './transform';

type Range = { start: number; end: number };

/**
 * Code blanked to make the file parse (readable-tree.ts) that sits inside the init escapes every
 * rule, so it may only be code no rule would need to change. Read through the macro table: no
 * return or goto, no create, PyState_ or GIL call, no use of the definition, nothing that assigns,
 * releases or returns the module variable (passing it along is fine: exec keeps its name), no
 * process-global state the audit knows.
 */
export function checkHiddenCodeInert(text: string, hidden: Range[], fn: Node, ctx: TransformContext, table: MacroTable): void {
  const state = new Set(ctx.audit.findings.map((f) => f.name));
  const moduleVar = ctx.init.moduleVar;
  for (const r of hidden) {
    if (!(fn.startIndex < r.end && r.start < fn.endIndex)) continue;
    // The branch's code, without its directive lines.
    const code = text.slice(r.start, r.end).replace(/^[ \t]*#.*$/gm, (l) => ' '.repeat(l.length));
    let tokens: Expanded[];
    try {
      tokens = expand(tokenize(code), table);
    } catch {
      tokens = tokenize(code).map((t) => ({ ...t, hide: new Set(), from: t.start, via: [] }));
    }
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      if (t.kind !== 'ident') continue;
      const word = t.text;
      const next = tokens[i + 1]?.text;
      const prev = tokens[i - 1]?.text;
      const via = t.via.length ? `, through the macro ${t.via[0]}` : '';
      const why =
        word === 'return' || word === 'goto'
          ? `a ${word}${via}`
          : word === ctx.init.def.name
            ? 'the module definition'
            : /^(PyModule_Create2?|PyModuleDef_Init|PyState_\w+|PyUnstable_Module_\w+|import_(array|umath|ufunc)\w*)$/.test(word)
              ? word + via
              : moduleVar && word === moduleVar && ((next === '=' ) || (prev === '(' && /^(Py_X?DECREF|Py_CLEAR|Py_DecRef)$/.test(tokens[i - 2]?.text ?? '')))
                ? `the module variable ${moduleVar}, which it ${next === '=' ? 'assigns' : 'releases'}`
                : state.has(word)
                  ? `${word}, process-global state`
                  : null;
      if (!why) continue;
      const at = r.start + (t.from >= 0 ? t.from : 0);
      const line = lineOf(text, at);
      throw new Refusal(
        `this file only parses with some preprocessor branches hidden, and the one at line ${lineOf(text, r.start)} inside the init uses ${why} (line ${line}), which the conversion would have to change; convert it by hand`,
        lineOf(text, r.start),
      );
    }
  }
}

/** An edit may not touch a blanked branch, unless it removes the whole conditional around it. */
export function checkEditsOutsideMasked(edits: readonly Edit[], masked: Range[], conditionals: Conditional[]): void {
  for (const e of edits)
    for (const r of masked) {
      if (!(r.start < e.end && e.start < r.end) && !(e.start === e.end && r.start < e.start && e.start < r.end)) continue;
      const whole = conditionals.find((c) => c.start <= r.start && r.end <= c.end);
      if (whole && e.start <= whole.start && whole.end <= e.end && e.text === '') continue;
      throw new Refusal(`the conversion would change code inside an #else or #elif branch; convert it by hand`);
    }
}

/**
 * A project header that looks the module up with PyState_FindModule(&def) (a `STATE()` macro the
 * module's other sources use) would get NULL after the conversion, with no exception set; this
 * tool cannot change the header, nor see every user of it.
 */
export function checkHeadersFindModule(text: string, headers: readonly HeaderText[], defName: string): void {
  const call = new RegExp(`\\bPyState_FindModule\\s*\\(\\s*&\\s*\\(?\\s*${defName}\\b`);
  for (const h of headers) {
    const m = call.exec(h.text);
    if (!m) continue;
    const include = text.search(new RegExp(`^[ \\t]*#[ \\t]*include[ \\t]*"${h.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`, 'm'));
    throw new Refusal(
      `"${h.name}" (line ${lineOf(h.text, m.index)}) looks the module up with PyState_FindModule(&${defName}), which returns NULL for a multi-phase module; pass the module along (or use PyType_GetModuleByDef) there by hand, then run again`,
      include >= 0 ? lineOf(text, include) : undefined,
    );
  }
}

/** An edit may cover a macro use read through a stand-in, or leave it alone, but never cut into it. */
export function checkEditsOutsideStandIns(text: string, edits: readonly Edit[], standIns: readonly StandIn[]): void {
  for (const e of edits)
    for (const s of standIns) {
      const inside = (i: number) => s.start < i && i < s.end;
      if (inside(e.start) || inside(e.end)) {
        const line = lineOf(text, s.start);
        throw new Refusal(`the conversion would change part of the macro use ${s.macro} (line ${line}); convert it by hand`, line);
      }
    }
}

/** Refuses edits that fall inside code tree-sitter could not parse. */
export function checkEditsOutsideErrors(root: Node, edits: readonly Edit[]): void {
  for (const p of parseProblems(root)) {
    if (!p.isError) continue;
    if (edits.some((e) => p.startIndex < e.end && e.start < p.endIndex))
      throw new Refusal(
        `the conversion would edit code that does not parse (line ${p.startPosition.row + 1}); convert it by hand`,
        p.startPosition.row + 1,
      );
  }
}

/** The items of a stretch of an initializer list, split at its top-level commas. */
function itemsOf(code: string): string[] {
  const body = code
    .replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, ' ')
    .replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g, '0')
    .replace(/^[ \t]*#.*$/gm, ' ');
  const items: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of body) {
    if (ch === '(' || ch === '{' || ch === '[') depth++;
    else if (ch === ')' || ch === '}' || ch === ']') depth--;
    if (depth === 0 && ch === ',') {
      items.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim()) items.push(current.trim());
  return items;
}

/**
 * A conditional inside a positional module definition whose branches hold different numbers of
 * items (`#ifdef X` / `#else` / `"name", doc, -1,` / `#endif`): which field each later item fills
 * depends on the setting, and the rules read one setting only (the fuzzer found m_slots written
 * into m_free that way). Designated items (`.m_slots = ...`) name their field and are left alone.
 */
export function checkDefinitionItemsFixed(text: string, initList: Node, conditionals: readonly Conditional[]): void {
  for (const c of conditionals) {
    if (c.start < initList.startIndex || c.end > initList.endIndex) continue;
    const branches = c.branches.map((b) => itemsOf(text.slice(b.bodyStart, b.bodyEnd)));
    if (branches.every((items) => items.every((i) => i.startsWith('.')))) continue;
    const counts = branches.map((items) => items.length);
    // Without an #else, the setting that skips the branch holds none.
    if (c.branches[c.branches.length - 1].kind !== 'else') counts.push(0);
    if (counts.every((n) => n === counts[0])) continue;
    const line = lineOf(text, c.start);
    throw new Refusal(
      `a conditional inside the module definition gives it ${counts.join(' or ')} items depending on the setting, so which field each later item fills depends on it too; write its fields by name (.m_slots = ...) or convert it by hand`,
      line,
    );
  }
}
