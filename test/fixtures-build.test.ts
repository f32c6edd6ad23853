/**
 * The proof for every fixture: its converted output (or, for an unchanged case, its input) is built
 * with each CPython's own sysconfig flags and imported under each CPython >= 3.8 found on this machine,
 * in the sandbox, by the verifier (src/verify): smoke expression, same public surface as the
 * single-phase original, multi-phase proven through ctypes, re-import, subinterpreters, declared
 * slot values. One implementation of building and importing, shared with `pep489-codemod verify`.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { discoverPythons } from '../src/verify/pythons';
import type { Interpreter } from '../src/verify/types';
import { verifyModule } from '../src/verify/verify';
import { convertBytes } from '../src/cli/runner';
import { secondExecOf } from '../src/cli/report';
import { FixtureCase, loadFixtures } from './fixture-cases';

const cases = loadFixtures().filter((c) => !c.knownFailure && (c.meta.status === 'changed' || c.meta.status === 'unchanged'));
let pythons: Interpreter[] = [];

beforeAll(async () => {
  const found = await discoverPythons();
  pythons = found.found;
  for (const s of found.skipped) process.stderr.write(`skipped CPython ${s.exe}: ${s.reason}\n`);
  process.stderr.write(`verifying fixtures under: ${pythons.map((p) => p.label).join(', ')}\n`);
});

test('at least one CPython with headers is found to build and import with', () => {
  expect(pythons.length).toBeGreaterThan(0);
});

/** numpy cases build only against interpreters that have numpy, with its include folder. */
function numpyIncludes(py: Interpreter): string | null {
  try {
    return execFileSync(py.exe, ['-c', 'import numpy; print(numpy.get_include())'], { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

/** What the conversion makes a second exec do, as the engine reports it (the verifier judges re-import by it). */
async function secondExecFor(c: FixtureCase): Promise<'replay' | 'guard' | 'runs-again' | undefined> {
  return secondExecOf(await convertBytes(c.inputPath, c.input, c.options))?.kind;
}

function sourceFor(c: FixtureCase, dir: string): { converted: string; original: string } {
  const ext = path.extname(c.inputPath);
  const module = c.meta.module!;
  fs.mkdirSync(path.join(dir, 'original'), { recursive: true });
  const converted = path.join(dir, module + ext);
  const original = path.join(dir, 'original', module + ext);
  fs.writeFileSync(converted, c.meta.status === 'changed' ? c.output! : c.input);
  fs.writeFileSync(original, c.input);
  // Sibling headers a unity-build case includes travel with it.
  for (const f of fs.readdirSync(c.dir)) if (f.endsWith('.h')) fs.copyFileSync(path.join(c.dir, f), path.join(dir, f));
  return { converted, original };
}

describe.each(cases.map((c) => [c.name, c] as const))('fixture %s', (_name, c) => {
  test('builds, imports and proves itself under every CPython found', async () => {
    const numpy = (c.meta as { numpy?: boolean }).numpy === true;
    let targets = pythons;
    let includeDirs: string[] = [];
    if (numpy) {
      const withNumpy = pythons.map((p) => ({ p, inc: numpyIncludes(p) })).filter((x) => x.inc);
      if (withNumpy.length === 0) {
        process.stderr.write(`fixture ${c.name}: skipped, no CPython here has numpy installed\n`);
        return;
      }
      targets = withNumpy.map((x) => x.p);
      includeDirs = [...new Set(withNumpy.map((x) => x.inc!))];
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `pep489-fx-${c.name}-`));
    const { converted, original } = sourceFor(c, dir);
    const result = await verifyModule({
      sourcePath: converted,
      moduleName: c.meta.module!,
      pythons: targets,
      smoke: c.meta.smoke,
      // --once-per-process always/never in a fixture's options is the user's choice of a re-import
      // that differs from the original's: noted by the verifier, not failed.
      expect:
        c.meta.status === 'changed'
          ? { ...c.meta.expect, secondExecChosen: (c.options.oncePerProcess ?? 'auto') !== 'auto', secondExec: await secondExecFor(c) }
          : undefined,
      original: c.meta.status === 'changed' ? { sourcePath: original } : undefined,
      includeDirs,
      displayPath: `fixtures/${c.name}/${path.basename(c.outputPath ?? c.inputPath)}`,
      // A cached verdict would prove nothing about this run.
      cache: false,
    }).finally(() => fs.rmSync(dir, { recursive: true, force: true }));
    const failures = result.interpreters.flatMap((i) =>
      Object.entries(i.probes)
        .filter(([, r]) => r.ok === false)
        .map(([probe, r]) => `${i.python.label} ${probe}: ${r.detail ?? ''}`),
    );
    expect(failures).toEqual([]);
    expect(result.ok).toBe(true);
  });
});
