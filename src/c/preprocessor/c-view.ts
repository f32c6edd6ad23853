/**
 * The C view of a text: what the engine reads a file through, built once per text by the
 * preprocessor layer. Its macro table (the file, its quoted headers, CPython's built-ins), its
 * conditionals, its parse view and the readable tree parsed from that view (readable-tree.ts).
 * One conversion reads several texts (the input, each preparation's result, the output), so views
 * are kept by text for the length of the conversion.
 */
import type { Node } from 'web-tree-sitter';
import { scanConditionals, type Conditional } from '../conditionals';
import type { Lang } from '../parse';
import { readableTree, type ReadableTree } from '../readable-tree';
import { macroTable, type HeaderText, type MacroTable } from './macro-table';

export interface CView {
  text: string;
  table: MacroTable;
  conditionals: Conditional[];
  /** The tree the rules read, with what was blanked or stood in for to make it readable. */
  readable: ReadableTree;
}

export class CViews {
  private readonly tables = new Map<string, MacroTable>();
  private readonly readings = new Map<string, ReadableTree>();

  constructor(
    private readonly parse: (text: string) => Node,
    private readonly lang: Lang,
    readonly headers: readonly HeaderText[],
  ) {}

  table(text: string): MacroTable {
    let t = this.tables.get(text);
    if (!t) this.tables.set(text, (t = macroTable(text, this.headers)));
    return t;
  }

  readable(text: string): ReadableTree {
    let r = this.readings.get(text);
    if (!r) this.readings.set(text, (r = readableTree(this.parse, text, this.lang, this.table(text))));
    return r;
  }

  of(text: string): CView {
    return { text, table: this.table(text), conditionals: scanConditionals(text), readable: this.readable(text) };
  }

  /** A quoted header's text, by the name the `#include` gives. */
  header(name: string): string | undefined {
    return this.headers.find((h) => h.name === name)?.text;
  }
}
