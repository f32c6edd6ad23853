/**
 * The generic fixture runner: every case in fixtures/ is converted and checked for the exact expected
 * output, a second run that changes nothing, the same result with the other line ending, output that
 * parses as well as the input did, and (in fixtures-build.test.ts) a build and import under every
 * CPython found.
 */
import { convertBytes } from '../src/cli/runner';
import { getParser, parseProblems, parseWith, type Node } from '../src/c/parse';
import { CViews } from '../src/c/preprocessor/c-view';
import { projectHeaders } from '../src/c/headers';
import { macroTable } from '../src/c/preprocessor/macro-table';
import { checkEverySetting, featureConditionalsIn } from '../src/engine/output-check';
import { flipLineEndings, loadFixtures } from './fixture-cases';

const cases = loadFixtures();

/**
 * Parse problems outside the slots array (tree-sitter cannot read #ifdef inside an initializer):
 * the fewer of the plain parse's and the readable tree's (macros read through the file's table and
 * its headers), as the engine counts them.
 */
async function problemsOutsideSlots(text: string, file: string): Promise<number> {
  const parser = await getParser('c');
  const slots = /static PyModuleDef_Slot \w+\[\] = \{[\s\S]*?\n\s*\};/.exec(text);
  const inSlots = (start: number, end: number) => !!slots && slots.index <= start && end <= slots.index + slots[0].length;
  const count = (root: Node) => parseProblems(root).filter((p) => !inSlots(p.startIndex, p.endIndex)).length;
  const trees: { delete(): void }[] = [];
  const parse = (t: string) => {
    const tree = parseWith(parser, t);
    trees.push(tree);
    return tree.rootNode;
  };
  try {
    const plain = count(parse(text));
    if (plain === 0) return 0;
    const views = new CViews(parse, 'c', projectHeaders(file, text));
    return Math.min(plain, count(views.readable(text).root));
  } finally {
    for (const t of trees) t.delete();
  }
}

describe.each(cases.map((c) => [c.name, c] as const))('fixture %s', (_name, c) => {
  if (c.knownFailure) {
    test(`is still a known failure (${c.knownFailure})`, async () => {
      const outcome = await convertBytes(c.inputPath, c.input, c.options);
      // When this starts failing, the engine handles the case: remove it from fixtures/known-failures.json.
      expect(outcome.status).not.toBe(c.meta.status);
    });
    return;
  }

  test(`ends ${c.meta.status} with the expected output`, async () => {
    const outcome = await convertBytes(c.inputPath, c.input, c.options);
    expect({ status: outcome.status, reason: outcome.reason }).toEqual(
      expect.objectContaining({ status: c.meta.status }),
    );
    if (c.meta.status === 'changed') {
      expect(c.output).toBeDefined();
      expect(outcome.after!.toString('latin1')).toBe(c.output!.toString('latin1'));
      if (c.meta.module) expect(outcome.module).toBe(c.meta.module);
    } else {
      expect(c.output).toBeUndefined();
      expect(outcome.after).toBeUndefined();
    }
    if (c.meta.status === 'failed') {
      expect(outcome.reason!.toLowerCase()).toContain(c.meta.reason!.toLowerCase());
      expect(outcome.line).toBeGreaterThan(0);
    }
  });

  if (c.meta.status === 'changed') {
    test('a second run on the output changes nothing', async () => {
      const again = await convertBytes(c.inputPath, c.output!, c.options);
      expect(again.status).toBe('unchanged');
    });

    test('the other line ending gives the same output with that line ending', async () => {
      const outcome = await convertBytes(c.inputPath, flipLineEndings(c.input), c.options);
      expect(outcome.status).toBe('changed');
      expect(outcome.after!.toString('latin1')).toBe(flipLineEndings(c.output!).toString('latin1'));
    });

    test('the output parses with no new errors', async () => {
      const [input, output] = [c.input.toString('latin1'), c.output!.toString('latin1')];
      const before = await problemsOutsideSlots(input, c.inputPath);
      if ((await problemsOutsideSlots(output, c.inputPath)) <= before) return;
      // Braces chosen by feature conditionals: the one reading of the readable tree cannot follow
      // them, so each setting of them must read as well as the input's does, as the engine asks.
      const conditionals = featureConditionalsIn(input, 0, input.length);
      expect(conditionals.length).toBeGreaterThan(0);
      const parser = await getParser('c');
      const trees: { delete(): void }[] = [];
      const parse = (t: string) => {
        const tree = parseWith(parser, t);
        trees.push(tree);
        return tree.rootNode;
      };
      try {
        expect(() => checkEverySetting(input, output, conditionals, parse, macroTable(input, projectHeaders(c.inputPath, input)), 'the file holds')).not.toThrow();
      } finally {
        for (const t of trees) t.delete();
      }
    });
  } else {
    test('the other line ending ends the same way', async () => {
      const outcome = await convertBytes(c.inputPath, flipLineEndings(c.input), c.options);
      expect(outcome.status).toBe(c.meta.status);
    });
  }
});
