/**
 * The parse view's stand-ins for CPython's initializer macros: `PyVarObject_HEAD_INIT(NULL, 0)`
 * expands to a braced element *and its comma*, so a static type's name follows it with no comma of
 * the user's. Read as written, every static type in a file is an ERROR node; the view reads it.
 */
import { getParser, parseProblems } from '../src/c/parse';
import { macroTable } from '../src/c/preprocessor/macro-table';
import { parseView } from '../src/c/preprocessor/parse-view';
import { roleOf } from '../src/c/preprocessor/roles';

const TYPE = `static PyTypeObject Thing_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    "mod.Thing",                /* tp_name */
    sizeof(PyObject),           /* tp_basicsize */
};

static PyObject base_object = { PyObject_HEAD_INIT(NULL) };
`;

async function problems(text: string): Promise<number> {
  const parser = await getParser('c');
  const tree = parser.parse(text)!;
  try {
    return parseProblems(tree.rootNode).length;
  } finally {
    tree.delete();
  }
}

test('the head-init macros are elements with their own comma', () => {
  const table = macroTable('', []);
  expect(roleOf('PyVarObject_HEAD_INIT', table)).toBe('element');
  expect(roleOf('PyObject_HEAD_INIT', table)).toBe('element');
  // A file that defines it as something else is read by its own definition.
  expect(roleOf('PyObject_HEAD_INIT', macroTable('#define PyObject_HEAD_INIT(t) 1, t', []))).toBe('other');
});

test('a static type reads without errors through the view, and the view keeps every offset', async () => {
  expect(await problems(TYPE)).toBeGreaterThan(0);
  const view = parseView(TYPE, macroTable(TYPE, []));
  expect(view.text.length).toBe(TYPE.length);
  expect(view.text.split('\n').length).toBe(TYPE.length - TYPE.replace(/\n/g, '').length + 1);
  expect(await problems(view.text)).toBe(0);
  // Only the use followed by another element is stood in for; the one closing its list reads as a call.
  expect(view.standIns.map((s) => TYPE.slice(s.start, s.end))).toEqual(['PyVarObject_HEAD_INIT(NULL, 0)']);
});

test("the view of every fixture input keeps its length and its line breaks (offsets map 1:1)", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { loadFixtures } = require('./fixture-cases') as typeof import('./fixture-cases');
  const broken: string[] = [];
  for (const c of loadFixtures()) {
    const text = c.input.toString('latin1');
    const view = parseView(text, macroTable(text, []));
    const breaks = (t: string) => [...t.matchAll(/\n/g)].map((m) => m.index).join(',');
    if (view.text.length !== text.length || breaks(view.text) !== breaks(text)) broken.push(c.name);
  }
  expect(broken).toEqual([]);
});
