/**
 * Multi-phase init rejects a negative `m_size` (SystemError at import), and -1 meant "no per-module
 * state, cannot be re-initialised", which 0 now says. Zero, positive and `sizeof(...)` sizes stay.
 */
import { readInitializer, replaceValue } from '../src/c/initializer';
import type { Node } from '../src/c/parse';
import { refuse } from '../src/engine/refusal';
import type { Transform } from '../src/engine/transform';
import { named, unparen } from '../src/c/syntax';

/** The numeric value of `n` if the file says what it is, else null. */
export function constantValue(n: Node, text: string): number | null {
  const u = unparen(n);
  if (u.type === 'number_literal') return Number.parseInt(u.text, 0 || undefined);
  if (u.type === 'unary_expression' && u.text.startsWith('-')) {
    const v = constantValue(named(u)[0], text);
    return v === null ? null : -v;
  }
  // `NULL` in the m_size slot of a positional definition (curve25519-donna took it for m_reload's
  // neighbour): a null pointer constant, which C converts to 0.
  if (u.type === 'null' || (u.type === 'identifier' && u.text === 'NULL')) return 0;
  if (u.type === 'identifier') {
    const m = new RegExp(`^[ \\t]*#[ \\t]*define[ \\t]+${u.text}[ \\t]+\\(?[ \\t]*(-?[ \\t]*\\d+)[ \\t]*\\)?[ \\t]*$`, 'm').exec(text);
    return m ? Number.parseInt(m[1].replace(/\s/g, ''), 10) : null;
  }
  return null;
}

export const mSize: Transform = {
  meta: { id: 'm-size', description: 'negative m_size becomes 0 (multi-phase modules need m_size >= 0)' },
  apply(ctx) {
    const size = readInitializer(ctx.init.def.initList).value('m_size');
    if (!size) return [];
    if (unparen(size).type === 'sizeof_expression') return [];
    const value = constantValue(size, ctx.text);
    if (value === null)
      refuse(`m_size is ${size.text}, whose value this tool cannot see; multi-phase init needs it >= 0: set it by hand`, size);
    if (value >= 0) return [];
    if (unparen(size).type === 'identifier')
      refuse(`m_size is ${size.text}, defined as ${value}; multi-phase init needs it >= 0: change the definition by hand`, size);
    return replaceValue(ctx.text, size, '0', this.meta.id);
  },
};
