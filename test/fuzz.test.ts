/**
 * A bounded fuzzing run (scripts/fuzz-lib.js, as `node scripts/fuzz.js` runs it): mutated fixture
 * inputs that compile must still compile once converted, in every setting of their FUZZ_F* macros.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const fuzz = require('../scripts/fuzz-lib') as {
  findToolchain(): { missing?: string; gcc?: string; include?: string };
  makeMutant(seeds: unknown[], seed: number, index: number): { bytes: Buffer; flags: string[]; mutations: string[] };
  loadSeeds(): unknown[];
  settingsOf(flags: string[]): string[][];
  runFuzz(opts: Record<string, unknown>): Promise<{
    mutants: number;
    discarded: number;
    changed: number;
    refused: number;
    other: number;
    findings: { index: number; kind: string; mutations: string[] }[];
    line: string;
    tmp: string;
  }>;
  describeFinding(f: unknown): string;
};

const SEED = 20261207;
const COUNT = 150;

const toolchain = fuzz.findToolchain();
const canCompile = !toolchain.missing;
if (!canCompile) process.stderr.write(`fuzz.test.ts: SKIPPED, cannot compile C here: ${toolchain.missing}\n`);
const withCompiler = canCompile ? test : test.skip;
const skipNote = canCompile ? '' : ` (skipped: ${toolchain.missing})`;

let out: string;
beforeEach(() => {
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'pep489-fuzz-test-'));
});
afterEach(() => {
  fs.rmSync(out, { recursive: true, force: true });
});

test('a seed makes the same mutants every time, with at most 3 feature macros', () => {
  const seeds = fuzz.loadSeeds();
  for (let i = 0; i < 40; i++) {
    const a = fuzz.makeMutant(seeds, SEED, i);
    const b = fuzz.makeMutant(seeds, SEED, i);
    expect(b.bytes.equals(a.bytes)).toBe(true);
    expect(b.mutations).toEqual(a.mutations);
    expect(a.mutations.length).toBeGreaterThanOrEqual(1);
    expect(a.mutations.length).toBeLessThanOrEqual(3);
    expect(fuzz.settingsOf(a.flags).length).toBeLessThanOrEqual(8);
  }
});

withCompiler(`the harness reports a conversion whose output does not compile${skipNote}`, async () => {
  const broken = async (file: string, before: Buffer) => ({ file, status: 'changed', after: Buffer.concat([before, Buffer.from('\nint broken = ;\n')]) });
  const r = await fuzz.runFuzz({ seed: SEED, count: 4, jobs: 2, out, toolchain, convertBytes: broken });
  expect(r.findings.length).toBe(r.mutants - r.discarded);
  expect(r.findings.length).toBeGreaterThan(0);
  expect(r.findings[0].kind).toBe('output does not compile');
  expect(fs.readdirSync(out).length).toBe(r.findings.length);
});

withCompiler(`${COUNT} mutants with seed ${SEED}: every input that compiles converts to output that compiles${skipNote}`, async () => {
  const r = await fuzz.runFuzz({ seed: SEED, count: COUNT, jobs: 2, out, toolchain });
  process.stderr.write(`${r.line}\n`);
  for (const f of r.findings) process.stderr.write(`${fuzz.describeFinding(f)}\n`);
  expect(r.findings.map((f) => `${f.index}: ${f.kind}: ${f.mutations.join('; ')}`)).toEqual([]);
  expect(r.discarded + r.changed + r.refused + r.other).toBe(COUNT);
  // Not vacuous: most mutants compiled, and many of those were converted and compiled again.
  expect(r.mutants - r.discarded).toBeGreaterThanOrEqual(COUNT / 2);
  expect(r.changed).toBeGreaterThanOrEqual(COUNT / 5);
  // Its temporary folder is gone.
  expect(fs.existsSync(r.tmp)).toBe(false);
}, 600000);
