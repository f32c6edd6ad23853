/**
 * The verdict rules on their own, fed with facts shaped exactly as probes/probe.py reports them.
 * The end-to-end tests cover what runs here; these cover the rows no interpreter on this machine
 * can produce: the free-threaded build (probe 7) and every line of the subinterpreter table.
 */
import { judge } from '../src/verify/judge';
import type { ProbeRun, StepFacts } from '../src/verify/probe';
import type { Interpreter } from '../src/verify/types';

function interpreter(minor: number, freeThreaded = false): Interpreter {
  return {
    exe: `/usr/bin/python3.${minor}${freeThreaded ? 't' : ''}`,
    realExe: `/usr/bin/python3.${minor}`,
    version: `3.${minor}.0`,
    major: 3,
    minor,
    label: `3.${minor}${freeThreaded ? 't' : ''}`,
    includeDir: '/usr/include',
    platIncludeDir: '/usr/include',
    extSuffix: '.so',
    freeThreaded,
    debug: false,
    cc: ['gcc'],
    cxx: ['g++'],
    cflags: [],
    ccshared: ['-fPIC'],
    ldflags: ['-shared'],
  };
}

/** Slot ids and values as in moduleobject.h: exec 2, multiple_interpreters 3, gil 4. */
function run(slots: [number, number][], extra: Record<string, StepFacts> = {}): ProbeRun {
  return {
    ms: 1,
    facts: {
      multiphase: { returned: 'def', m_name: 'm', m_size: 0, slots: [[2, 1234], ...slots] },
      import: { imported: true, surface: {}, smoke: null },
      reimport: { reimported: true, fresh_module: true, same_functions: [] },
      faults: { count: { n: 0, imported: true, calls: 0, names: [], delta: 0, explained: 0 }, runs: [] },
      ...extra,
    },
  };
}

const REFUSED = { exception: { type: 'ImportError', msg: 'module m does not support loading in subinterpreters' } };
const IMPORTS = { imported: true };

describe('probe 5: the subinterpreter table of cpython-facts.md', () => {
  const rows: [string, [number, number][], StepFacts, StepFacts, boolean][] = [
    ['no slot (supported) accepted by strict, refused by isolated', [], IMPORTS, REFUSED, true],
    ['NOT_SUPPORTED refused by both', [[3, 0]], REFUSED, REFUSED, true],
    ['SUPPORTED accepted by strict, refused by isolated', [[3, 1]], IMPORTS, REFUSED, true],
    ['PER_INTERPRETER_GIL accepted by both', [[3, 2]], IMPORTS, IMPORTS, true],
    ['NOT_SUPPORTED but strict imported it', [[3, 0]], IMPORTS, REFUSED, false],
    ['SUPPORTED but strict refused it', [[3, 1]], REFUSED, REFUSED, false],
    ['PER_INTERPRETER_GIL but isolated refused it', [[3, 2]], IMPORTS, REFUSED, false],
    ['SUPPORTED but isolated imported it', [[3, 1]], IMPORTS, IMPORTS, false],
  ];
  test.each(rows)('%s', (_name, slots, strict, isolated, ok) => {
    const j = judge(run(slots, { strict, isolated }), interpreter(13), undefined, true);
    expect(j.probes.subinterpreters!.ok).toBe(ok);
  });

  test('an ImportError of another kind (a once-per-process guard) is a failure for a module declaring supported', () => {
    const guard = { exception: { type: 'ImportError', msg: 'cannot load module more than once per process' } };
    const j = judge(run([[3, 1]], { strict: guard, isolated: REFUSED }), interpreter(12), undefined, true);
    expect(j.probes.subinterpreters).toEqual({ ok: false, detail: 'strict: import raised ImportError: cannot load module more than once per process' });
  });

  test('a smoke expression that fails in an accepting subinterpreter fails the probe', () => {
    const j = judge(run([[3, 2]], { strict: { imported: true, smoke_exception: { type: 'ValueError', msg: 'x' } }, isolated: IMPORTS }), interpreter(13), undefined, true);
    expect(j.probes.subinterpreters).toEqual({ ok: false, detail: 'strict: smoke expression raised ValueError: x' });
  });

  test('an expected declaration that is not compiled in fails, even when the behaviour is consistent', () => {
    const j = judge(run([], { strict: IMPORTS, isolated: REFUSED }), interpreter(12), { interpreters: 'not-supported' }, true);
    expect(j.probes.subinterpreters!.ok).toBe(false);
    expect(j.probes.subinterpreters!.detail).toContain('compiled-in Py_mod_multiple_interpreters is absent (means supported), expected not-supported');
  });
});

describe('probe 7: free-threaded builds', () => {
  const ft = interpreter(13, true);

  test('Py_MOD_GIL_NOT_USED that keeps the GIL disabled passes', () => {
    const j = judge(run([[4, 1]], { gil: { before: false, after: false, warnings: [] } }), ft, undefined, true);
    expect(j.probes.gil).toEqual({ ok: true, detail: 'declares not-used: the GIL stays disabled' });
  });

  test('Py_MOD_GIL_NOT_USED that re-enables the GIL fails', () => {
    const j = judge(run([[4, 1]], { gil: { before: false, after: true, warnings: ['The global interpreter lock (GIL) has been enabled'] } }), ft, undefined, true);
    expect(j.probes.gil!.ok).toBe(false);
  });

  test('Py_MOD_GIL_USED (or no slot) reports that importing re-enables the GIL', () => {
    for (const slots of [[[4, 0]], []] as [number, number][][]) {
      const j = judge(run(slots, { gil: { before: false, after: true, warnings: ['GIL enabled'] } }), ft, undefined, true);
      expect(j.probes.gil).toEqual({ ok: true, detail: 'declares used: importing re-enables the GIL' });
    }
  });

  test('on a GIL build of 3.13 the compiled-in value is still checked against the expectation', () => {
    const j = judge(run([[4, 0]]), interpreter(13), { gil: 'not-used' }, true);
    expect(j.probes.gil).toEqual({ ok: false, detail: 'compiled-in Py_mod_gil is used, expected not-used' });
    expect(judge(run([[4, 1]]), interpreter(13), { gil: 'not-used' }, true).probes.gil!.ok).toBe('skipped');
  });
});

describe('probe 6 and the rest', () => {
  test('a SystemError that hides the injected failure means the error was not propagated', () => {
    const faults = {
      count: { n: 0, imported: true, calls: 1, names: ['PyModule_AddObject'], delta: 0, explained: 0 },
      runs: [{ n: 1, calls: 1, failed: 'PyModule_AddObject', delta: 0, explained: 0, exception: { type: 'SystemError', msg: 'execution of module m failed without setting an exception' } }],
    };
    const j = judge(run([], { faults }), interpreter(11), undefined, true);
    expect(j.probes.faults!.ok).toBe(false);
    expect(j.probes.faults!.detail).toContain('call 1 (PyModule_AddObject) failing: the error was not propagated');
  });

  test('a failure the original mishandles the same way is a warning; one the original handled still fails', () => {
    const notPropagated = { type: 'SystemError', msg: 'execution of module m raised unreported exception' };
    const faults = {
      count: { n: 0, imported: true, calls: 2, names: ['PyLong_FromLong', 'PyDict_New'], delta: 0, explained: 0 },
      runs: [
        { n: 1, calls: 2, failed: 'PyLong_FromLong', delta: 0, explained: 0, exception: notPropagated },
        { n: 2, calls: 2, failed: 'PyDict_New', crash: 'SIGSEGV' },
      ],
      original: { count: {}, runs: [{ n: 1, for_n: 1, calls: 2, exception: { ...notPropagated, msg: 'initialization of m raised unreported exception' } }, { n: 2, for_n: 2, calls: 2, crash: 'SIGSEGV' }] },
    };
    const both = judge(run([], { faults }), interpreter(11), undefined, true).probes.faults!;
    expect(both.ok).toBe(true);
    expect(both.detail).toBe('2 call(s) failed in turn: 0 surfaced as exceptions, 2 mishandled as in the original');
    expect(both.warning).toContain('call 1 (PyLong_FromLong) failing: the error was not propagated');
    expect(both.warning).toContain('call 2 (PyDict_New) failing: crashed with SIGSEGV');

    // The original raised the injected error for call 2: the crash is the conversion's.
    const handled = { ...faults, original: { count: {}, runs: [faults.original.runs[0], { n: 2, for_n: 2, calls: 2, exception: { type: 'MemoryError', msg: 'pep489-codemod injected failure: call 2 (PyDict_New)' } }] } };
    const one = judge(run([], { faults: handled }), interpreter(11), undefined, true).probes.faults!;
    expect(one.ok).toBe(false);
    expect(one.detail).toBe('call 2 (PyDict_New) failing: crashed with SIGSEGV');
    expect(one.warning).toContain('call 1 (PyLong_FromLong)');
  });

  test('an error left set that the original swallowed (it imported anyway) is a warning; a crash there is not', () => {
    const faults = {
      count: { n: 0, imported: true, calls: 2, names: ['PyType_Ready', 'PyDict_New'], delta: 0, explained: 0 },
      runs: [
        { n: 1, calls: 2, failed: 'PyType_Ready', delta: 0, explained: 0, exception: { type: 'SystemError', msg: 'execution of module m raised unreported exception' } },
        { n: 2, calls: 2, failed: 'PyDict_New', crash: 'SIGSEGV' },
      ],
      original: { count: {}, runs: [{ n: 1, for_n: 1, calls: 2, imported: true }, { n: 2, for_n: 2, calls: 2, imported: true }] },
    };
    const j = judge(run([], { faults }), interpreter(12), undefined, true).probes.faults!;
    expect(j.ok).toBe(false);
    expect(j.detail).toBe('call 2 (PyDict_New) failing: crashed with SIGSEGV');
    expect(j.warning).toContain('call 1 (PyType_Ready) failing: the error was not propagated');
  });

  test('an import that fails as the original\'s does is skipped for this CPython; one the original survives fails', () => {
    const missing = { phase: 'import', exception: { type: 'ImportError', msg: 'undefined symbol: _PyDict_SetItemId' } };
    const both = judge(run([], { import: missing, original: missing }), interpreter(13), undefined, true);
    expect(both.probes.import).toEqual({ ok: 'skipped', detail: 'the single-phase original does not import with this CPython either: import raised ImportError: undefined symbol: _PyDict_SetItemId' });
    const onlyConverted = judge(run([], { import: missing, original: { imported: true, surface: {} } }), interpreter(13), undefined, true);
    expect(onlyConverted.probes.import).toEqual({ ok: false, detail: 'import raised ImportError: undefined symbol: _PyDict_SetItemId' });
  });

  test('exec that reports success with its error swallowed counts as handled', () => {
    const faults = {
      count: { n: 0, imported: true, calls: 1, names: ['PyModule_AddIntConstant'], delta: 0, explained: 0 },
      runs: [{ n: 1, calls: 1, imported: true, delta: 0, explained: 0 }],
    };
    expect(judge(run([], { faults }), interpreter(11), undefined, true).probes.faults).toEqual({
      ok: true,
      detail: '1 call(s) failed in turn: all surfaced as exceptions (1 handled by the module)',
    });
  });

  test('a negative m_size is not multi-phase', () => {
    const r = run([]);
    r.facts.multiphase = { returned: 'def', m_size: -1, slots: [[2, 1]] };
    expect(judge(r, interpreter(10), undefined, true).probes.multiphase).toEqual({ ok: false, detail: 'm_size is -1: multi-phase init needs m_size >= 0' });
  });

  test('re-import is compared with the original: objects it kept must be kept, objects it remade remade', () => {
    const orig = { reimported: true, fresh_module: true, same_functions: [], kept: ['Error', 'Type'] };
    const remade = run([], { reimport: { reimported: true, fresh_module: true, same_functions: [], kept: [] }, 'original-reimport': orig });
    expect(judge(remade, interpreter(10), { secondExec: 'replay' }, true).probes.reimport).toEqual({
      ok: false,
      detail: 're-import made new Error, Type, where the original kept the same objects (its init ran once)',
    });
    // Exec keeps no process-global state: fresh objects per module are multi-phase's point, noted.
    expect(judge(remade, interpreter(10), { secondExec: 'runs-again' }, true).probes.reimport).toEqual({
      ok: true,
      detail: 're-import makes fresh Error, Type where the original shared them (exec keeps no process-global state: each module gets its own)',
    });
    const kept = run([], { reimport: { reimported: true, fresh_module: true, same_functions: [], kept: ['Error', 'Type'] }, 'original-reimport': orig });
    expect(judge(kept, interpreter(10), undefined, true).probes.reimport).toEqual({ ok: true, detail: 're-imports with the same objects as the original (Error, Type)' });
    const rerun = { ...orig, kept: [] };
    const keptNew = run([], { reimport: { reimported: true, fresh_module: true, same_functions: [], kept: ['Error'] }, 'original-reimport': rerun });
    expect(judge(keptNew, interpreter(10), undefined, true).probes.reimport?.ok).toBe(false);
  });

  test('a legacy subinterpreter must import the conversion where it imported the original', () => {
    const facts = {
      legacy: { exception: { type: 'SystemError', msg: 'bad' } },
      'original-legacy': { imported: true },
    };
    expect(judge(run([], facts), interpreter(12), undefined, true).probes.reimport).toEqual({
      ok: false,
      detail: 'legacy subinterpreter: import raised SystemError: bad, where the original imported and passed',
    });
    const guarded = run([], { ...facts, reimport: { guarded: { type: 'ImportError', msg: 'cannot load module more than once per process' } } });
    expect(judge(guarded, interpreter(12), undefined, true).probes.reimport?.ok).toBe(true);
  });
});

describe('smoke output and side effects', () => {
  const printed = (out: string, raised?: string): StepFacts => ({ imported: true, surface: {}, smoke: null, smoke_out: raised ? { out, raised } : { out } });

  test('addresses are made alike; lines that differ between two runs of the original are not compared; the first other difference fails', () => {
    const original = printed('<Foo object at 0x7f0011223344>\ntook 0.5\nvalue 1\n');
    const again = printed('<Foo object at 0x7f5566778899>\ntook 0.7\nvalue 1\n');
    const same = run([], { import: printed('<Foo object at 0x7faabbccddee>\ntook 0.9\nvalue 1\n'), original, 'original-again': again });
    expect(judge(same, interpreter(12), undefined, true).probes.import).toEqual({
      ok: true,
      detail: "smoke output as the original's (3 line(s); 1 that change between two runs of the original not compared)",
    });
    const changed = run([], { import: printed('<Foo object at 0x7faabbccddee>\ntook 0.9\nvalue 2\n'), original, 'original-again': again });
    expect(judge(changed, interpreter(12), undefined, true).probes.import).toEqual({
      ok: false,
      detail: 'smoke output differs from the original\'s at the first import, line 3: "value 1" in the original, "value 2" in the conversion',
    });
    const shorter = run([], { import: printed('<Foo object at 0x7faabbccddee>\ntook 0.9\n', 'KeyError(1)'), original, 'original-again': again });
    expect(judge(shorter, interpreter(12), undefined, true).probes.import?.detail).toBe(
      'smoke output differs from the original\'s at the first import, line 3: "value 1" in the original, "raised KeyError(1)" in the conversion',
    );
  });

  test('opening /dev/null is no side effect; a write elsewhere still fails the import', () => {
    const effects = (e: string[]) => run([], { import: { imported: true, surface: {}, smoke: null, effects: e } });
    expect(judge(effects(['write /dev/null']), interpreter(8), undefined, true)).toMatchObject({ probes: { import: { ok: true } }, sideEffects: [] });
    expect(judge(effects(['write /dev/null', 'write /root/x']), interpreter(8), undefined, true)).toMatchObject({
      probes: { import: { ok: false, detail: 'imported, but it tried to write /root/x (contained by the sandbox)' } },
      sideEffects: ['write /root/x (contained by the sandbox)'],
    });
  });
});

describe('the smoke expression on the first import', () => {
  const raised = { imported: true, surface: {}, phase: 'smoke', exception: { type: 'SystemError', msg: 'PY_SSIZE_T_CLEAN macro must be defined for \'#\' formats' } };
  const withImport = (conv: StepFacts, orig?: StepFacts) => run([[3, 0]], { import: conv, ...(orig && { original: orig }) });
  test('false fails, naming its value', () => {
    const j = judge(withImport({ imported: true, surface: {}, smoke: 'False', smoke_false: true }), interpreter(12), undefined, true);
    expect(j.probes.import).toMatchObject({ ok: false, detail: expect.stringContaining('the smoke expression is false here (False)') });
  });
  test('false where the original is true fails', () => {
    const j = judge(withImport({ imported: true, surface: {}, smoke: 'False', smoke_false: true }, { imported: true, surface: {}, smoke: 'True', smoke_false: false }), interpreter(12), undefined, true);
    expect(j.probes.import).toMatchObject({ ok: false, detail: expect.stringContaining("where the original's is true") });
  });
  test('false in the original too leaves this CPython out (it proves nothing)', () => {
    const j = judge(withImport({ imported: true, surface: {}, smoke: '0', smoke_false: true }, { imported: true, surface: {}, smoke: '0', smoke_false: true }), interpreter(12), undefined, true);
    expect(j.probes.import).toMatchObject({ ok: 'skipped', detail: expect.stringContaining('it is false there too (0)') });
  });
  test('an exception the original raises too skips that CPython; one it does not raise fails', () => {
    expect(judge(withImport(raised, raised), interpreter(12), undefined, true).probes.import).toMatchObject({ ok: 'skipped', detail: expect.stringContaining('it raises SystemError') });
    expect(judge(withImport(raised, { imported: true, surface: {}, smoke: 'True', smoke_false: false }), interpreter(12), undefined, true).probes.import?.ok).toBe(false);
    expect(judge(withImport(raised), interpreter(12), undefined, true).probes.import?.ok).toBe(false);
  });
});
