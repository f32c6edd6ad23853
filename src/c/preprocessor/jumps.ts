/**
 * Whether a statement may leave its function through a macro: a macro in it expands to `return`,
 * `goto`, `break` or `continue` (`MOD_RETURN(m)` used as a function's last line), or it calls an
 * all-capitals name the table does not know (a macro from a header out of sight, which may).
 */
import type { Node } from '../parse';
import { expandText } from './expand';
import type { MacroTable } from './macro-table';

const JUMP = new Set(['return', 'goto', 'break', 'continue']);

export function usesJumpingMacro(stmt: Node, table: MacroTable): boolean {
  const idents = stmt.text.match(/\b[A-Za-z_]\w*\b/g) ?? [];
  if (idents.some((n) => /^[A-Z][A-Z0-9_]+$/.test(n) && !table.has(n))) return true;
  if (!idents.some((n) => table.has(n))) return false;
  try {
    return expandText(stmt.text, 0, stmt.text.length, table).some((t) => JUMP.has(t.text));
  } catch {
    // An expansion this layer cannot finish: it may jump.
    return true;
  }
}
