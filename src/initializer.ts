/**
 * Reading and extending a `PyModuleDef` initializer, positional (`{PyModuleDef_HEAD_INIT, "spam", ...}`)
 * or designated (`{.m_base = ..., .m_name = ...}`), in the layout it already has.
 */
import { Edit, insert } from './edits';
import type { Node } from './parse';
import { refuse } from './refusal';
import { field, named } from './syntax';
import { indentationAt } from './text';

/** Positional field order of PyModuleDef. m_slots was m_reload before 3.5. */
export const MODULEDEF_FIELDS = ['m_base', 'm_name', 'm_doc', 'm_size', 'm_methods', 'm_slots', 'm_traverse', 'm_clear', 'm_free'];

export interface DefInitializer {
  designated: boolean;
  items: Node[];
  /** The value node of a field, by name, or null when the initializer leaves it out. */
  value(fieldName: string): Node | null;
}

export function readInitializer(initList: Node): DefInitializer {
  const items = named(initList);
  const pairs = items.filter((i) => i.type === 'initializer_pair');
  if (pairs.length > 0 && pairs.length !== items.length)
    refuse(`the module definition mixes positional and designated fields; convert it by hand`, initList);
  const designated = pairs.length > 0;
  return {
    designated,
    items,
    value(fieldName) {
      if (!designated) {
        const i = MODULEDEF_FIELDS.indexOf(fieldName);
        return items[i] ?? null;
      }
      const pair = pairs.find((p) => field(p, 'designator')?.text.replace(/^\.\s*/, '') === fieldName);
      return pair ? field(pair, 'value') : null;
    },
  };
}

/**
 * Appends `itemText` after the last item: on a line of its own, indented like the items, when the
 * list has one item per line; on the same line otherwise. A trailing comma stays trailing.
 */
export function appendItem(text: string, initList: Node, itemText: string, rule: string): Edit[] {
  const items = named(initList);
  const last = items[items.length - 1];
  if (!last) refuse(`the module definition's initializer is empty`, initList);
  const comma = last.nextSibling?.type === ',' ? last.nextSibling : null;
  const anchor = comma ?? last;
  const closing = initList.lastChild!;
  const lastRow = last.startPosition.row;
  const prevRow = items.length > 1 ? items[items.length - 2].endPosition.row : initList.startPosition.row;
  const onePerLine = lastRow > prevRow && closing.startPosition.row > anchor.endPosition.row;
  if (!onePerLine) return [insert(anchor.endIndex, comma ? ` ${itemText},` : `, ${itemText}`, rule)];
  // End of the anchor's line, before a trailing comment's newline (and before \r of CRLF).
  let eol = text.indexOf('\n', anchor.endIndex);
  if (eol === -1) eol = text.length;
  if (text[eol - 1] === '\r') eol--;
  const indent = indentationAt(text, last.startIndex);
  if (comma) return [insert(eol, `\n${indent}${itemText},`, rule)];
  return [insert(last.endIndex, ',', rule), insert(eol, `\n${indent}${itemText}`, rule)];
}
