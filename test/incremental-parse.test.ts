/**
 * Reparsing from a nearby tree (src/c/incremental.ts) must read every text exactly as a fresh parse
 * does: the engine's decisions hang on where tree-sitter puts its ERROR nodes. Checked on the
 * changes one conversion makes (blanked lines, same-length stand-ins, inserted and removed code),
 * and on whole conversions: every fixture and fuzz mutants converted both ways give the same result.
 */
import fs from 'node:fs';
import path from 'node:path';
import { convertBytes } from '../src/cli/runner';
import { getParser } from '../src/c/parse';
import { reparse, textChanges } from '../src/c/incremental';
import { loadFixtures } from './fixture-cases';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fuzz = require('../scripts/fuzz-lib.js');

const MODULE = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'textbook-spam', 'input.c'), 'latin1');

async function sameAsFresh(before: string, after: string): Promise<void> {
  const parser = await getParser('c');
  const base = parser.parse(before)!;
  const spans = textChanges(before, after);
  expect(spans).not.toBeNull();
  const incremental = reparse(parser, before, base, after, spans!)!;
  const fresh = parser.parse(after)!;
  try {
    expect(incremental.rootNode.toString()).toBe(fresh.rootNode.toString());
    expect(incremental.rootNode.endIndex).toBe(fresh.rootNode.endIndex);
    // The base tree is left as it was.
    expect(base.rootNode.toString()).toBe(parser.parse(before)!.rootNode.toString());
  } finally {
    for (const t of [base, incremental, fresh]) t.delete();
  }
}

test('lines blanked in several places (a reading of the conditionals)', async () => {
  const blanked = MODULE.replace(/^#.*$/gm, (line) => ' '.repeat(line.length));
  expect(blanked.length).toBe(MODULE.length);
  await sameAsFresh(MODULE, blanked);
});

test('code inserted and removed (a conversion), across lines', async () => {
  const lines = MODULE.split('\n');
  const at = Math.floor(lines.length / 2);
  const edited = [...lines.slice(0, at), 'static int added_line_one;', 'static int added_line_two;', ...lines.slice(at + 2)].join('\n');
  await sameAsFresh(MODULE, edited);
  await sameAsFresh(edited, MODULE);
});

test('a break introduced and taken back (the reading must change with the text)', async () => {
  const broken = MODULE.replace('{', '{ ) (');
  await sameAsFresh(MODULE, broken);
  await sameAsFresh(broken, MODULE);
});

test('texts that differ in more than half are not reparsed', () => {
  expect(textChanges('a'.repeat(100), 'b'.repeat(100))).toBeNull();
  expect(textChanges('same', 'same')).toEqual([]);
});

test('every fixture and 120 fuzz mutants convert the same with fresh parses and with reparses', async () => {
  const cases: { file: string; bytes: Buffer; options: object }[] = loadFixtures().map((c) => ({ file: c.inputPath, bytes: c.input, options: c.options }));
  const seeds = fuzz.loadSeeds();
  for (let i = 0; i < 120; i++) {
    const m = fuzz.makeMutant(seeds, 20261207, i);
    cases.push({ file: path.join(m.seed.dir, m.seed.file), bytes: Buffer.from(m.bytes), options: m.seed.options });
  }
  const key = (o: Awaited<ReturnType<typeof convertBytes>>) => JSON.stringify([o.status, o.reason, o.line, o.module, o.rule, o.output]);
  const differ: string[] = [];
  const before = process.env.PEP489_FRESH_PARSES;
  try {
    for (const c of cases) {
      process.env.PEP489_FRESH_PARSES = '1';
      const fresh = key(await convertBytes(c.file, c.bytes, c.options as never));
      process.env.PEP489_FRESH_PARSES = '0';
      const reparsed = key(await convertBytes(c.file, c.bytes, c.options as never));
      if (fresh !== reparsed) differ.push(c.file);
    }
  } finally {
    if (before === undefined) delete process.env.PEP489_FRESH_PARSES;
    else process.env.PEP489_FRESH_PARSES = before;
  }
  expect(cases.length).toBeGreaterThan(200);
  expect(differ).toEqual([]);
});
