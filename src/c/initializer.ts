/**
 * Reading and extending a `PyModuleDef` initializer, positional (`{PyModuleDef_HEAD_INIT, "spam", ...}`)
 * or designated (`{.m_base = ..., .m_name = ...}`), in the layout it already has.
 */
import { Edit, insert, replace } from '../engine/edits';
import type { Node } from './parse';
import { refuse } from '../engine/refusal';
import { field, named } from './syntax';
import { indentationAt } from './text';

/** Positional field order of PyModuleDef. m_slots was m_reload before 3.5. */
export const MODULEDEF_FIELDS = ['m_base', 'm_name', 'm_doc', 'm_size', 'm_methods', 'm_slots', 'm_traverse', 'm_clear', 'm_free'];

export interface DefInitializer {
  /** True when any field is given by name (`.m_name = ...`): new fields are then written by name too. */
  designated: boolean;
  items: Node[];
  /** The value node of a field, by name, or null when the initializer leaves it out. */
  value(fieldName: string): Node | null;
}

/** C allows positional items before (and between) designated ones: `{PyModuleDef_HEAD_INIT, .m_name = ...}`. */
export function readInitializer(initList: Node): DefInitializer {
  const items = named(initList);
  const values = new Map<string, Node>();
  let position = 0;
  let designated = false;
  for (const item of items) {
    if (item.type === 'initializer_pair') {
      const written = field(item, 'designator')?.text.replace(/^\.\s*/, '') ?? '';
      // `.m_reload`, the field's name before 3.5, only compiles on 3.4 headers: beside an
      // `.m_slots` in another branch of a version test (pytun), the `.m_slots` is the field.
      const name = written === 'm_reload' ? 'm_slots' : written;
      position = MODULEDEF_FIELDS.indexOf(name);
      if (position < 0) refuse(`unexpected field ${name} in the module definition`, item);
      if (written !== 'm_reload' || !values.has(name)) values.set(name, field(item, 'value')!);
      designated = true;
    } else {
      if (position >= MODULEDEF_FIELDS.length) refuse(`the module definition has more fields than PyModuleDef`, item);
      values.set(MODULEDEF_FIELDS[position], item);
    }
    position++;
  }
  return { designated, items, value: (fieldName) => values.get(fieldName) ?? null };
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

/**
 * Replaces a field's value, keeping a trailing comment in its column (`-1,    /* m_size *\/`
 * becomes `0,     /* m_size *\/`), and renaming a `/* m_reload *\/` comment to m_slots when that
 * is the field being set.
 */
export function replaceValue(text: string, value: Node, newText: string, rule: string, fieldName?: string): Edit[] {
  const after = /^(,?)([ \t]+)(?=\/[*/])/.exec(text.slice(value.endIndex));
  if (!after) return [replace(value.startIndex, value.endIndex, newText, rule)];
  const [, comma, spaces] = after;
  const width = Math.max(1, spaces.length + value.text.length - newText.length);
  const commentAt = value.endIndex + comma.length + spaces.length;
  const edits = [replace(value.startIndex, commentAt, newText + comma + ' '.repeat(width), rule)];
  const reload = /^\/\*\s*m_reload\s*\*\//.exec(text.slice(commentAt));
  if (fieldName === 'm_slots' && reload) {
    const at = commentAt + reload[0].indexOf('m_reload');
    edits.push(replace(at, at + 'm_reload'.length, 'm_slots', rule));
  }
  return edits;
}
