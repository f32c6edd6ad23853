/**
 * The file's own `#define`s, read as text (continuation lines joined), and which of them Python 3
 * sees: a definition in the Python 2 side of a version conditional does not count.
 */
import { rememberByText } from './recent-texts';
import { isVersionConditional, py3Branch, scanConditionals } from './conditionals';

export interface MacroDefinition {
  name: string;
  /** Parameter names for a function-like macro, null for an object-like one. */
  params: string[] | null;
  body: string;
  /** Index of the body's first character in the text. */
  bodyStart: number;
  /** Index of the `#define` line. */
  start: number;
}

/** Ranges of the text only Python 2 compiles: the branches Python 3 does not take. */
export function py2OnlyRanges(text: string): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  for (const c of scanConditionals(text)) {
    if (!isVersionConditional(c)) continue;
    const taken = py3Branch(c);
    for (const b of c.branches) if (b !== taken) out.push({ start: b.bodyStart, end: b.bodyEnd });
  }
  return out;
}

/** The last few texts' macros: the rules of one conversion ask for the same text's many times. */
const macrosOf = rememberByText((text) => readMacros(text));

export function fileMacros(text: string): MacroDefinition[] {
  return macrosOf(text);
}

function readMacros(text: string): MacroDefinition[] {
  const py2 = py2OnlyRanges(text);
  const out: MacroDefinition[] = [];
  const re = /^[ \t]*#[ \t]*define[ \t]+(\w+)(\([^)]*\))?([ \t]+|$)/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const start = m.index;
    if (py2.some((r) => r.start <= start && start < r.end)) continue;
    const bodyStart = m.index + m[0].length;
    let end = bodyStart;
    for (;;) {
      const nl = text.indexOf('\n', end);
      end = nl === -1 ? text.length : nl;
      if (!/\\\r?$/.test(text.slice(bodyStart, end))) break;
      end++;
    }
    const params = m[2] ? m[2].slice(1, -1).split(',').map((p) => p.trim()).filter(Boolean) : null;
    out.push({ name: m[1], params, body: text.slice(bodyStart, end).replace(/\r$/, ''), bodyStart, start });
  }
  return out;
}

/** The body Python 3 sees for an object-like macro, when the file defines it exactly one way. */
export function objectMacroValue(macros: readonly MacroDefinition[], name: string): string | null {
  const defs = macros.filter((d) => d.name === name && d.params === null);
  const values = new Set(defs.map((d) => d.body.trim()));
  return values.size === 1 ? [...values][0] : null;
}
