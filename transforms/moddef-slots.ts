/**
 * Points the module definition at the slots array: the 6th positional field (which old code fills
 * with NULL, once `m_reload`) or `.m_slots`. Missing fields before it are filled with their defaults.
 */
import { appendItem, MODULEDEF_FIELDS, readInitializer, replaceValue } from '../src/c/initializer';
import { refuse } from '../src/engine/refusal';
import type { Transform } from '../src/engine/transform';
import { isNullLiteral } from '../src/c/syntax';

const DEFAULTS: Record<string, string> = { m_name: 'NULL', m_doc: 'NULL', m_size: '0', m_methods: 'NULL' };

export const moddefSlots: Transform = {
  meta: { id: 'moddef-slots', description: 'set m_slots in the PyModuleDef to the slots array' },
  apply(ctx) {
    const { initList } = ctx.init.def;
    const def = readInitializer(initList);
    const slots = ctx.names.slots;
    const current = def.value('m_slots');
    if (current) {
      if (!isNullLiteral(current)) refuse(`m_slots (once m_reload) is already set to ${current.text}; convert it by hand`, current);
      return replaceValue(ctx.text, current, slots, this.meta.id, 'm_slots');
    }
    if (def.designated) return appendItem(ctx.text, initList, `.m_slots = ${slots}`, this.meta.id);
    // Positional: fill up to m_methods, then m_slots.
    const missing = MODULEDEF_FIELDS.slice(def.items.length, MODULEDEF_FIELDS.indexOf('m_slots')).map((f) => DEFAULTS[f]);
    if (missing.length && def.items.length < 2) refuse(`the module definition has no name`, initList);
    return appendItem(ctx.text, initList, [...missing, slots].join(', '), this.meta.id);
  },
};
