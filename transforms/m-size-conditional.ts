/**
 * Some single-phase modules already pick `m_size` per Python version inside the definition:
 *
 *     #if PY_VERSION_HEX >= 0x030D0000
 *         0,                  // m_size
 *     #else
 *         -1,
 *     #endif
 *
 * A multi-phase module needs `m_size >= 0` on every version, so the conditional collapses to its
 * branch that says 0 (the line as the file wrote it, comment included). Only conditionals whose
 * every branch is one integer no greater than 0 in the `m_size` position (the fourth positional
 * field, or `.m_size = `); any other conditional in a definition is refused later.
 */
import { Edit, replace } from '../src/engine/edits';
import { scanConditionals } from '../src/c/conditionals';
import { codeMatches, insideAny, nonCodeRanges, Range } from '../src/c/non-code';
import type { Preparation } from '../src/engine/transform';

const SIZE_LINE = /^\s*(\.m_size\s*=\s*)?(-?\s*\d+)\s*,?\s*$/;

function withoutComments(s: string): string {
  return s.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/.*$/gm, ' ');
}

function matchingBrace(text: string, open: number, skip: Range[]): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (insideAny(skip, i)) continue;
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

/** Top-level commas of the initializer between `open` and `at`: the positional field `at` is in. */
function fieldIndex(text: string, open: number, at: number, skip: Range[]): number {
  let depth = 0;
  let commas = 0;
  for (let i = open + 1; i < at; i++) {
    if (insideAny(skip, i)) continue;
    const c = text[i];
    if (c === '(' || c === '{' || c === '[') depth++;
    else if (c === ')' || c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 0) commas++;
  }
  return commas;
}

export const mSizeConditional: Preparation = {
  meta: { id: 'm-size-conditional', description: 'an #if that picks m_size per Python version becomes the branch that says 0' },
  worksOnText: true,
  apply({ text }) {
    if (!/\bPyModuleDef\b/.test(text)) return [];
    const skip = nonCodeRanges(text);
    const edits: Edit[] = [];
    const conditionals = scanConditionals(text);
    for (const m of codeMatches(text, '\\bPyModuleDef\\s+\\w+\\s*=\\s*\\{', skip)) {
      const open = m.index + m[0].length - 1;
      const close = matchingBrace(text, open, skip);
      if (close === -1) continue;
      for (const c of conditionals) {
        if (!(open < c.start && c.end <= close) || !c.branches.some((b) => b.kind === 'else')) continue;
        const sizes = c.branches.map((b) => SIZE_LINE.exec(withoutComments(text.slice(b.bodyStart, b.bodyEnd))));
        if (sizes.some((s) => !s)) continue;
        const designated = sizes.every((s) => s![1]);
        if (!designated && (sizes.some((s) => s![1]) || fieldIndex(text, open, c.start, skip) !== 3)) continue;
        const values = sizes.map((s) => Number(s![2].replace(/\s/g, '')));
        if (values.some((v) => v > 0)) continue;
        const zero = values.indexOf(0);
        const b = c.branches[zero === -1 ? 0 : zero];
        let kept = text.slice(b.bodyStart, b.bodyEnd);
        if (zero === -1) kept = kept.replace(/-\s*\d+/, '0');
        edits.push(replace(c.start, c.end, kept));
      }
    }
    return edits;
  },
};
