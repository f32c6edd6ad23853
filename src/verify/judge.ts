/**
 * Turning what the probes observed into verdicts, one per column. Pure: facts in, results out.
 * The rules come from cpython-facts.md: what multi-phase looks like at runtime, what re-import does,
 * which subinterpreters must accept or refuse a module for each declared value.
 */

import type { ChildFate, ExcFacts, ProbeRun, StepFacts } from './probe';
import { ORIGINAL_FAILS_TOO, type Expectation, type Interpreter, type ProbeName, type ProbeResult, type SlotInfo } from './types';

const SUBINTERP_REFUSAL = 'does not support loading in subinterpreters';
const INJECTED = 'pep489-codemod injected failure';
const INTERPRETER_VALUES = ['not-supported', 'supported', 'per-interpreter-gil'];
const GIL_VALUES = ['used', 'not-used'];

export interface Judgement {
  probes: Partial<Record<ProbeName, ProbeResult>>;
  slots?: SlotInfo;
  sideEffects: string[];
}

export function judge(run: ProbeRun, py: Interpreter, expect: Expectation | undefined, sandbox: boolean): Judgement {
  const f = run.facts;
  const out: Judgement = { probes: {}, sideEffects: sideEffects(run, sandbox) };
  const notRun = (why: string): ProbeResult => ({ ok: 'skipped', detail: why });
  const stopped = run.stopped ?? run.failure;

  const slots = f.multiphase && !fate(f.multiphase) ? readSlots(f.multiphase) : undefined;
  out.slots = slots;
  out.probes.multiphase = f.multiphase ? judgeMultiphase(f.multiphase, slots) : notRun(stopped ?? 'not run');
  // A write the single-phase original attempts too (rapidjson and ijson open /dev/null on import)
  // is the module's own behaviour, not the conversion's: only new ones fail the import probe.
  const originalEffects = new Set(
    Object.entries(f)
      .filter(([step]) => step.startsWith('original'))
      .flatMap(([, facts]) => facts?.effects ?? [])
      .map(sameEffect),
  );
  const newEffects = sideEffects(run, sandbox, originalEffects);
  const unstable = unstableLines(f.original, f['original-again']);
  out.probes.import = f.import ? judgeImport(f.import, newEffects, f.original, unstable) : { ok: false, detail: run.failure ?? 'not run' };
  // The original cannot be imported here either (a symbol this CPython removed, a package it lacks):
  // nothing the conversion did, so this CPython is left out and said so.
  if (out.probes.import.ok === false && f.import && f.original && (fate(f.original) || f.original.phase === 'import')) {
    const why = fate(f.original) ?? `import raised ${exc(f.original.exception)}`;
    // The other probes (PyInit called directly ran beside the import) say nothing then either.
    out.probes = { import: { ok: 'skipped', detail: `${ORIGINAL_FAILS_TOO} import with this CPython either: ${why}` } };
    return out;
  }
  // Nor pass the smoke (judgeImport): every later step would fail the same smoke on both sides.
  if (out.probes.import.ok === 'skipped') return { ...out, probes: { import: out.probes.import } };
  out.probes.surface = f.original ? judgeSurface(f.import, f.original) : notRun('no original to compare with');
  out.probes.reimport = f.reimport
    ? judgeReimport(f.reimport, f['original-reimport'], f.legacy, f['original-legacy'], expect?.secondExecChosen, expect?.secondExec, f.threads, f['original-threads'], unstable)
    : notRun(stopped ?? 'not run');

  const declaredInterp = expect?.interpreters ?? (slots?.interpreters as string | undefined) ?? 'supported';
  if (py.major === 3 && py.minor < 12) out.probes.subinterpreters = notRun('per-interpreter isolation checks need 3.12+');
  else if (slots && slots.returned !== 'def') out.probes.subinterpreters = notRun('not a multi-phase module (see multi-phase)');
  else if (!f.strict && !f.isolated) out.probes.subinterpreters = notRun(stopped ?? 'not run');
  else out.probes.subinterpreters = judgeSubinterpreters(f.strict, f.isolated, declaredInterp, slots, expect, f.original, unstable);

  out.probes.faults = f.faults ? judgeFaults(f.faults) : notRun(stopped ?? 'not run');
  out.probes.gil = judgeGil(f.gil, py, slots, expect, stopped);
  return out;
}

/** More processes than this in one probe step at its deadline is a fork bomb, not a slow import. */
const FORK_BOMB = 64;

/** A step's child that did not report: timed out, crashed, exited, or the probe itself failed. */
export function fate(facts: ChildFate): string | undefined {
  if (facts.timeout !== undefined) {
    // Hundreds of processes at the deadline: it forked without end, which is what to say.
    const n = typeof facts.processes === 'number' ? facts.processes : 0;
    return n > FORK_BOMB ? `timed out after ${facts.timeout}s with ${n} processes running: a fork bomb (it kept creating processes)` : `timed out after ${facts.timeout}s`;
  }
  if (facts.crash) return `crashed with ${facts.crash}${logHint(facts.log)}`;
  if (facts.exited !== undefined) return `the process exited with status ${facts.exited}${logHint(facts.log)}`;
  if (facts.probe_error) return `probe error: ${facts.probe_error}`;
  return undefined;
}

/** The line of a crashed child's log worth showing (glibc's "free(): invalid pointer", an assertion). */
function logHint(log: string | undefined): string {
  if (!log) return '';
  const boring = /^(Fatal Python error|Current thread|Thread 0x|\s*File |Extension modules|Python runtime state|\s*$|<no Python frame>)/;
  const line = log.split('\n').find((l) => !boring.test(l));
  return line ? ` (${line.trim().slice(0, 160)})` : '';
}

function exc(e: unknown): string {
  const x = e as ExcFacts | undefined;
  return x ? `${x.type}: ${x.msg}` : 'unknown error';
}

export function readSlots(m: StepFacts): SlotInfo {
  const returned = m.returned === 'def' ? 'def' : m.returned === 'module' ? 'module' : 'other';
  const info: SlotInfo = { returned };
  if (returned !== 'def') return info;
  const slots = (m.slots as [number, number][]) ?? [];
  info.mSize = m.m_size as number;
  info.execSlots = slots.filter(([id]) => id === 2).length;
  info.create = slots.some(([id]) => id === 1);
  for (const [id, value] of slots) {
    if (id === 3) info.interpreters = INTERPRETER_VALUES[value] ?? `unknown value ${value}`;
    if (id === 4) info.gil = GIL_VALUES[value] ?? `unknown value ${value}`;
  }
  return info;
}

function describeSlots(s: SlotInfo): string {
  const parts = [`m_size ${s.mSize}`, s.execSlots ? `exec slot${s.execSlots > 1 ? ` x${s.execSlots}` : ''}` : 'exec slot: none'];
  if (s.create) parts.push('create slot');
  parts.push(`multiple_interpreters: ${s.interpreters ?? 'absent'}`);
  parts.push(`gil: ${s.gil ?? 'absent'}`);
  return parts.join(', ');
}

function judgeMultiphase(m: StepFacts, slots: SlotInfo | undefined): ProbeResult {
  const why = fate(m);
  if (why) return { ok: false, detail: `calling PyInit directly: ${why}` };
  switch (m.returned) {
    case 'missing':
      return { ok: false, detail: 'the built module has no PyInit_<name> symbol' };
    case 'raised':
      return { ok: false, detail: `PyInit raised ${exc(m.exception)}` };
    case 'null':
      return { ok: false, detail: 'PyInit returned NULL' };
    case 'module':
      return { ok: false, detail: 'PyInit returned a module: still single-phase init' };
    case 'other':
      return { ok: false, detail: 'PyInit returned something that is neither a module nor a PyModuleDef' };
  }
  const s = slots as SlotInfo;
  if ((s.mSize ?? 0) < 0) return { ok: false, detail: `m_size is ${s.mSize}: multi-phase init needs m_size >= 0` };
  return { ok: true, detail: describeSlots(s) };
}

function judgeImport(i: StepFacts, effects: string[], original: StepFacts | undefined, unstable: ReadonlySet<number>): ProbeResult {
  const why = fate(i);
  const tried = effects.length > 0 ? `; it tried to ${effects.join(', ')}` : '';
  if (why) return { ok: false, detail: `${why}${tried}` };
  if (i.phase === 'import') return { ok: false, detail: `import raised ${exc(i.exception)}${tried}` };
  if (i.phase === 'smoke') {
    // The single-phase original raises the same there (an API this CPython changed): this CPython
    // proves nothing either way, as where the original does not build; the others decide.
    const same = original && !fate(original) && original.phase === 'smoke' && (original.exception as { type?: string } | undefined)?.type === (i.exception as { type?: string } | undefined)?.type;
    if (!same || effects.length > 0) return { ok: false, detail: `smoke expression raised ${exc(i.exception)}${tried}` };
    return { ok: 'skipped', detail: `${ORIGINAL_FAILS_TOO} pass the smoke with this CPython either: it raises ${exc(i.exception)}` };
  }
  if (i.smoke_false === true) {
    if (!(original && original.smoke_false === true)) return { ok: false, detail: `the smoke expression is false here (${String(i.smoke)})${original ? ', where the original\'s is true' : ''}${tried}` };
    // False for the original too: this CPython proves nothing (a missing define, a changed API).
    if (effects.length === 0) return { ok: 'skipped', detail: `${ORIGINAL_FAILS_TOO} pass the smoke with this CPython either: it is false there too (${String(i.smoke)})` };
  }
  if (i.smoke_error) return { ok: false, detail: `smoke: ${String(i.smoke_error)}${tried}` };
  const smokeWrong = smokeProblem('at the first import', i, original, unstable);
  if (smokeWrong) return { ok: false, detail: `${smokeWrong}${tried}` };
  if (effects.length > 0) return { ok: false, detail: `imported, but it tried to ${effects.join(', ')}` };
  const parts = i.smoke != null ? [`smoke: ${String(i.smoke)}`] : [];
  const printed = i.smoke_out as SmokeOut | undefined;
  const compared = printed && original?.smoke_out !== undefined;
  if (printed) {
    const n = smokeLines(printed).length;
    const skipped = compared && unstable.size ? `; ${unstable.size} that change between two runs of the original not compared` : '';
    if (compared && n > 0) parts.push(`smoke output as the original's (${n} line(s)${skipped})`);
    else if (n > 0) parts.push(`smoke printed ${n} line(s) (no original to compare with)`);
    else if (i.smoke == null) parts.push('smoke ran, printing nothing');
  }
  // The smoke raises in the original too: the conversion changed nothing, so it is said, not failed.
  const warning =
    compared && printed.raised
      ? { warning: `the smoke raises ${printed.raised} in the single-phase original too` }
      : {};
  return { ok: true, detail: parts.length ? parts.join('; ') : undefined, ...warning };
}

/** What a smoke run printed (its stdout) and the repr of the exception its statements raised, if any. */
interface SmokeOut {
  out: string;
  raised?: string;
  truncated?: boolean;
}

/**
 * A smoke run's output as compared: its lines, hex addresses (`<object at 0x7f...>`) made alike,
 * and an exception as one more line.
 */
function smokeLines(s: SmokeOut): string[] {
  const lines = s.out === '' ? [] : s.out.replace(/\n$/, '').split('\n');
  if (s.raised) lines.push(`raised ${s.raised}`);
  return lines.map((l) => l.replace(/\b0x[0-9a-fA-F]{6,}\b/g, '0x...'));
}

/** Line numbers (0-based) where two first imports of the original printed different things: ids, timings. */
function unstableLines(first: StepFacts | undefined, again: StepFacts | undefined): ReadonlySet<number> {
  const a = first?.smoke_out as SmokeOut | undefined;
  const b = again?.smoke_out as SmokeOut | undefined;
  const unstable = new Set<number>();
  if (!a || !b) return unstable;
  const x = smokeLines(a);
  const y = smokeLines(b);
  for (let n = 0; n < Math.max(x.length, y.length); n++) if (x[n] !== y[n]) unstable.add(n);
  return unstable;
}

/**
 * The smoke output of a step against the original's in the same step (or the step it compares
 * with): the first differing line, named, or nothing. Without an original, only an exception the
 * smoke raised is a problem.
 */
function smokeProblem(where: string, now: StepFacts | undefined, before: StepFacts | undefined, unstable: ReadonlySet<number>, prefix = ''): string | undefined {
  const got = now?.[`${prefix}smoke_out`] as SmokeOut | undefined;
  if (!got) return undefined;
  const want = before && !fate(before) ? (before[`${prefix}smoke_out`] as SmokeOut | undefined) : undefined;
  if (!want) return got.raised && !before ? `the smoke raised ${got.raised} ${where}` : undefined;
  const x = smokeLines(want);
  const y = smokeLines(got);
  const show = (l: string | undefined): string => (l === undefined ? 'nothing' : JSON.stringify(l.length > 100 ? `${l.slice(0, 100)}...` : l));
  for (let n = 0; n < Math.max(x.length, y.length); n++) {
    if (x[n] === y[n] || unstable.has(n)) continue;
    return `smoke output differs from the original's ${where}, line ${n + 1}: ${show(x[n])} in the original, ${show(y[n])} in the conversion`;
  }
  return undefined;
}

function judgeSurface(now: StepFacts | undefined, before: StepFacts): ProbeResult {
  const why = fate(before);
  if (why) return { ok: 'skipped', detail: `the original build: ${why}` };
  if (!before.imported) return { ok: 'skipped', detail: `the original does not import: ${exc(before.exception)}` };
  if (!now || !now.imported) return { ok: 'skipped', detail: 'the module does not import' };
  const a = before.surface as Record<string, string>;
  const b = now.surface as Record<string, string>;
  const missing = Object.keys(a).filter((k) => !(k in b));
  const extra = Object.keys(b).filter((k) => !(k in a));
  const changed = Object.keys(a).filter((k) => k in b && a[k] !== b[k]).map((k) => `${k} ${a[k]} -> ${b[k]}`);
  if (missing.length + extra.length + changed.length === 0) return { ok: true, detail: `${Object.keys(a).length} public names, same types` };
  const parts: string[] = [];
  if (missing.length) parts.push(`missing ${missing.join(', ')}`);
  if (extra.length) parts.push(`new ${extra.join(', ')}`);
  if (changed.length) parts.push(`type changed: ${changed.join(', ')}`);
  return { ok: false, detail: `public names differ from the original: ${parts.join('; ')}` };
}

/**
 * Re-import after `del sys.modules[...]`, and import in a legacy subinterpreter after the main
 * interpreter: each is run on the original too, and the conversion must behave as it did (import,
 * smoke, and which attributes are the very same objects). A once-per-process guard is a difference
 * the user chose (`--once-per-process always`) or the tool named in the conversion: noted, not failed.
 */
function judgeReimport(
  r: StepFacts,
  orig?: StepFacts,
  legacy?: StepFacts,
  origLegacy?: StepFacts,
  chosen = false,
  second?: 'replay' | 'guard' | 'runs-again',
  threads?: StepFacts,
  origThreads?: StepFacts,
  unstable: ReadonlySet<number> = new Set(),
): ProbeResult {
  const why = fate(r);
  if (why) return { ok: false, detail: `importing again after del sys.modules: ${why}` };
  const notes: string[] = [];
  const problems: string[] = [];
  const origOk = orig && !fate(orig) && orig.reimported === true;
  if (r.guarded) notes.push(`refuses a second exec with ImportError: ${(r.guarded as ExcFacts).msg}${origOk ? ' (the original re-imported)' : ''}`);
  else if (r.exception) {
    // The original fails its re-import the same way (scandir readies a struct sequence twice):
    // the conversion kept that behaviour, it did not cause it.
    const before = orig && !fate(orig) ? (orig.exception as ExcFacts | undefined) : undefined;
    if (before && before.type === (r.exception as ExcFacts).type) notes.push(`importing again raised ${exc(r.exception)}, as the original does (${exc(before)})`);
    else problems.push(`importing again raised ${exc(r.exception)}${before ? `, where the original raised ${exc(before)}` : ''}`);
  } else if (r.smoke_exception) problems.push(`re-imported, but the smoke expression raised ${exc(r.smoke_exception)}`);
  else if (origOk) {
    const kept = new Set((r.kept as string[]) ?? []);
    const origKept = new Set((orig!.kept as string[]) ?? []);
    const remade = [...origKept].filter((k) => !kept.has(k));
    const keptNew = [...kept].filter((k) => !origKept.has(k));
    // Fresh objects are what multi-phase gives each module; they break parity only where the
    // conversion meant to keep them (a replayed first exec) or cannot say.
    if (remade.length && second === 'replay')
      problems.push(`re-import made new ${remade.slice(0, 5).join(', ')}, where the original kept the same objects (its init ran once)`);
    else if (remade.length)
      notes.push(`re-import makes fresh ${remade.slice(0, 5).join(', ')} where the original shared them (exec keeps no process-global state: each module gets its own)`);
    else if (keptNew.length) problems.push(`re-import kept ${keptNew.slice(0, 5).join(', ')}, where the original made new ones (its init ran again)`);
    else notes.push(kept.size ? `re-imports with the same objects as the original (${[...kept].slice(0, 3).join(', ')}${kept.size > 3 ? ', ...' : ''})` : 're-imports afresh, as the original');
  } else {
    const kept = [...new Set([...((r.kept as string[]) ?? []), ...((r.same_functions as string[]) ?? [])])];
    notes.push(kept.length ? `re-imports with the same ${kept.slice(0, 5).join(', ')} (exec's body ran once)` : 'exec ran again, fresh module works');
  }
  if (legacy) {
    const lw = fate(legacy);
    const origImports = origLegacy && !fate(origLegacy) && origLegacy.imported === true && !origLegacy.smoke_exception;
    const origFate = origLegacy && fate(origLegacy);
    if (lw && origFate) notes.push(`legacy subinterpreter: ${lw}, as the original (${origFate})`);
    else if (lw) problems.push(`legacy subinterpreter: ${lw}`);
    else if (legacy.unavailable) notes.push(`legacy subinterpreter: skipped (${String(legacy.unavailable)})`);
    else if (legacy.imported && !legacy.smoke_exception) notes.push('imports in a legacy subinterpreter');
    else {
      const what = legacy.imported ? `the smoke expression raised ${exc(legacy.smoke_exception)}` : `import raised ${exc(legacy.exception)}`;
      const guarded = !legacy.imported && r.guarded;
      if (guarded) notes.push(`a legacy subinterpreter gets the guard's ImportError${origImports ? ' (the original imported there)' : ''}`);
      else if (origImports || !origLegacy) problems.push(`legacy subinterpreter: ${what}${origImports ? ', where the original imported and passed' : ''}`);
      else notes.push(`legacy subinterpreter: ${what}, as the original`);
    }
  }
  // The re-imported module's smoke passed; then, with the first module dropped, it passed again.
  const reimportPassed = !r.guarded && !r.exception && !r.smoke_exception;
  const droppedPassed = reimportPassed && !r.dropped_exception;
  if (reimportPassed && r.dropped_exception) {
    // The original kept its first module alive; it passes there unless it raises the same way.
    const before = orig?.dropped_exception as ExcFacts | undefined;
    if (!before || before.type !== (r.dropped_exception as ExcFacts).type)
      problems.push(`with the first module dropped and collected after the re-import, the smoke expression raised ${exc(r.dropped_exception)}${before ? `, where the original raised ${exc(before)}` : ', where the original passed'}`);
  }
  if (droppedPassed) {
    const origReloads = !orig || orig.reloaded === true;
    if (r.reload_exception && origReloads) problems.push(`importlib.reload raised ${exc(r.reload_exception)}`);
    else if (r.reloaded) notes.push('reloads');
  }
  // What the smoke prints after a re-import, after a reload and in a legacy subinterpreter, against
  // what the original printed there: the first difference in full, where else it differs named.
  const smokeWrong = [
    ['after re-import', !r.guarded && !r.exception && smokeProblem('after re-import', r, orig, unstable)],
    ['with the first module dropped', droppedPassed && smokeProblem('with the first module dropped and collected', r, orig, unstable, 'dropped_')],
    ['after importlib.reload', !r.reload_exception && smokeProblem('after importlib.reload', r, orig, unstable, 'reload_')],
    ['in a legacy subinterpreter', legacy?.imported && !fate(legacy) && smokeProblem('in a legacy subinterpreter', legacy, origLegacy, unstable)],
  ].filter((x): x is [string, string] => typeof x[1] === 'string');
  if (smokeWrong.length) problems.push(smokeWrong[0][1] + (smokeWrong.length > 1 ? ` (it differs ${smokeWrong.slice(1).map(([where]) => where).join(' and ')} too)` : ''));
  if (threads) {
    const tw = fate(threads);
    const errors = (threads.errors as ExcFacts[]) ?? [];
    const origClean = !origThreads || (!fate(origThreads) && ((origThreads.errors as ExcFacts[]) ?? []).length === 0 && origThreads.modules === 1);
    if (tw) problems.push(`import from 8 threads at once: ${tw}`);
    else if ((errors.length || threads.modules !== 1) && origClean)
      problems.push(`import from 8 threads at once: ${errors.length ? `raised ${exc(errors[0])}` : `${String(threads.modules)} module objects`}`);
    else notes.push('imports from 8 threads at once');
  }
  // --once-per-process always/never: the user chose this difference from the original.
  if (problems.length && chosen) return { ok: true, detail: [...notes, ...problems.map((p) => `${p} (as chosen by --once-per-process)`)].join('; ') };
  if (problems.length) return { ok: false, detail: problems.join('; ') };
  return { ok: true, detail: notes.join('; ') };
}

function judgeSubinterpreters(
  strict: StepFacts | undefined,
  isolated: StepFacts | undefined,
  declared: string,
  slots: SlotInfo | undefined,
  expect: Expectation | undefined,
  original?: StepFacts,
  unstable: ReadonlySet<number> = new Set(),
): ProbeResult {
  const problems: string[] = [];
  const notes: string[] = [];
  if (expect?.interpreters && slots?.returned === 'def') {
    const compiled = slots.interpreters ?? 'absent (means supported)';
    // Compiled out (the limited API before 3.12 hides the slot's #ifdef): absent is what supported means.
    if (!slots.interpreters && expect.interpreters === 'supported') notes.push('Py_mod_multiple_interpreters is compiled out here, and absent means supported');
    else if (compiled !== expect.interpreters) problems.push(`compiled-in Py_mod_multiple_interpreters is ${compiled}, expected ${expect.interpreters}`);
  }
  const check = (name: string, facts: StepFacts | undefined, mustAccept: boolean): void => {
    if (!facts) return;
    const why = fate(facts);
    if (why) return void problems.push(`${name}: ${why}`);
    if (facts.unavailable) return void notes.push(`${name}: skipped (${String(facts.unavailable)})`);
    const e = facts.exception as ExcFacts | undefined;
    const refused = e?.type === 'ImportError' && e.msg.includes(SUBINTERP_REFUSAL);
    if (facts.imported) {
      if (!mustAccept) problems.push(`${name} subinterpreter imported it, but it declares ${declared}`);
      else if (facts.smoke_exception) problems.push(`${name}: smoke expression raised ${exc(facts.smoke_exception)}`);
      else {
        // No original can run here (a single-phase module is refused): its first import is the yardstick.
        const differs = smokeProblem(`in ${name === 'isolated' ? 'an' : 'a'} ${name} subinterpreter (against its first import)`, facts, original, unstable);
        if (differs) problems.push(differs);
        else notes.push(`${name}: imports`);
      }
    } else if (refused) {
      if (mustAccept) problems.push(`${name} subinterpreter refused it, but it declares ${declared}`);
      else notes.push(`${name}: refused`);
    } else {
      problems.push(`${name}: import raised ${exc(e)}`);
    }
  };
  check('strict', strict, declared !== 'not-supported');
  check('isolated', isolated, declared === 'per-interpreter-gil');
  if (problems.length > 0) return { ok: false, detail: problems.join('; ') };
  return { ok: true, detail: `${declared}: ${notes.join(', ')}` };
}

interface FaultRun extends StepFacts {
  n: number;
  calls?: number;
  failed?: string;
  imported?: boolean;
  exception?: ExcFacts;
  delta?: number;
  explained?: number;
  /** For a run on the original: the converted module's call it stands for. */
  for_n?: number;
}

function judgeFaults(facts: StepFacts): ProbeResult {
  const count = facts.count as FaultRun;
  const runs = (facts.runs as FaultRun[]) ?? [];
  const why = fate(count);
  if (why) return { ok: false, detail: `importing with calls counted: ${why}` };
  if (count.exception) return { ok: false, detail: `importing with calls counted raised ${exc(count.exception)}` };
  const lostOnSuccess = lost(count);
  if (lostOnSuccess > 0) return { ok: false, detail: `exec drops ${lostOnSuccess} reference(s) to the module it borrows (a Py_DECREF of the module)` };
  const names = (count.names as string[]) ?? [];
  if (names.length === 0) return { ok: true, detail: 'exec makes no C-API call that can fail' };
  const problems: string[] = [];
  const preExisting: string[] = [];
  const original = (facts.original as { runs?: FaultRun[] } | undefined)?.runs ?? [];
  // The same call failing in the single-phase original went just as wrong: the module's own bug,
  // not the conversion's, so it is a warning (see probe.py's same_faults_in_original). For an error
  // left set rather than returned, "as wrong" includes an original that ignored the failure and
  // imported anyway (pyinstrument's unchecked PyType_Ready): exec reports what PyInit swallowed.
  const mishandledInOriginal = (n: number, crashed: boolean): boolean => {
    const o = original.find((x) => x.for_n === n);
    return !!o && (!!fate(o) || notPropagated(o) || (!crashed && o.imported === true && (o.calls ?? 0) >= (o.n ?? 0)));
  };
  let handled = 0;
  for (const r of runs) {
    const call = `call ${r.n} (${r.failed ?? names[r.n - 1] ?? '?'})`;
    const childFate = fate(r);
    if (childFate) {
      (mishandledInOriginal(r.n, true) ? preExisting : problems).push(`${call} failing: ${childFate}`);
      continue;
    }
    if ((r.calls ?? 0) < r.n) continue; // exec took another path this time; nothing was injected
    if (r.imported) {
      handled++;
    } else if (notPropagated(r)) {
      (mishandledInOriginal(r.n, false) ? preExisting : problems).push(`${call} failing: the error was not propagated (${exc(r.exception)})`);
    }
    const l = lost(r);
    if (l > 0) problems.push(`${call} failing: the module lost ${l} reference(s) (a Py_DECREF of the borrowed module on the error path)`);
  }
  const tried = runs.length;
  const skippedCalls = names.length > tried ? `; ${names.length - tried} later call(s) not tried` : '';
  const listed = (xs: string[]): string => xs.slice(0, 4).join('; ') + (xs.length > 4 ? `; ... (${xs.length} in all)` : '');
  const warning = preExisting.length
    ? { warning: `the single-phase original mishandles the same failure(s), so the conversion did not bring them in: ${listed(preExisting)}` }
    : {};
  if (problems.length > 0) return { ok: false, detail: listed(problems), ...warning };
  if (preExisting.length > 0)
    return { ok: true, detail: `${tried} call(s) failed in turn: ${tried - preExisting.length} surfaced as exceptions, ${preExisting.length} mishandled as in the original${skippedCalls}`, ...warning };
  return { ok: true, detail: `${tried} call(s) failed in turn: all surfaced as exceptions${handled ? ` (${handled} handled by the module)` : ''}${skippedCalls}` };
}

/** The call failed, import failed, and no exception was set: CPython's SystemError says so. */
function notPropagated(r: FaultRun): boolean {
  return r.exception?.type === 'SystemError' && !r.exception.msg.includes(INJECTED);
}

function lost(r: FaultRun): number {
  if (typeof r.delta !== 'number' || typeof r.explained !== 'number') return 0;
  return Math.max(0, r.explained - r.delta);
}

function judgeGil(g: StepFacts | undefined, py: Interpreter, slots: SlotInfo | undefined, expect: Expectation | undefined, stopped: string | undefined): ProbeResult {
  const compiled = slots?.returned === 'def' ? slots.gil : undefined;
  const declared = expect?.gil ?? compiled ?? 'used';
  const mismatch =
    expect?.gil && slots?.returned === 'def' && (py.major > 3 || py.minor >= 13) && (compiled ?? 'used') !== expect.gil
      ? `compiled-in Py_mod_gil is ${compiled ?? 'absent (means used)'}, expected ${expect.gil}`
      : undefined;
  if (!py.freeThreaded) {
    // Compiled out (a limited API before 3.13 hides the slot's #ifdef), on a build with a GIL anyway:
    // said, not failed; a free-threaded CPython would keep the GIL for the module, as for its original.
    if (mismatch && compiled === undefined)
      return { ok: 'skipped', detail: `Py_mod_gil is compiled out here (absent means used), so a free-threaded CPython would keep the GIL for it; it declares ${expect!.gil} where it can` };
    if (mismatch) return { ok: false, detail: mismatch };
    return { ok: 'skipped', detail: py.major === 3 && py.minor < 13 ? 'no Py_mod_gil before 3.13' : `not a free-threaded build (declares ${declared})` };
  }
  if (!g) return { ok: 'skipped', detail: stopped ?? 'not run' };
  const why = fate(g);
  if (why) return { ok: false, detail: why };
  if (g.exception) return { ok: false, detail: `import raised ${exc(g.exception)}` };
  const reEnabled = g.before === false && g.after === true;
  const problems = mismatch ? [mismatch] : [];
  if (declared === 'not-used' && reEnabled) problems.push('declares Py_MOD_GIL_NOT_USED but importing re-enabled the GIL');
  if (declared === 'used' && g.before === false && !reEnabled) problems.push('declares Py_MOD_GIL_USED but the GIL stayed disabled');
  if (problems.length > 0) return { ok: false, detail: problems.join('; ') };
  return { ok: true, detail: reEnabled ? 'declares used: importing re-enables the GIL' : 'declares not-used: the GIL stays disabled' };
}

/**
 * Opens that write nowhere. /dev/null above all: CPython opens it itself for `subprocess`'s
 * DEVNULL, which 3.8's `import uuid` reaches through `platform.system()` (it runs `uname -p`), as
 * does `ctypes.util.find_library` on every version; a module that imports either would otherwise
 * be said to write there.
 */
const HARMLESS_EFFECTS = new Set(['write /dev/null']);

/**
 * An effect as compared with the original's: a file under /tmp is named by the module at random
 * (`tempfile.mkdtemp()`, py-lmdb's smoke), so only its folder counts.
 */
function sameEffect(effect: string): string {
  return effect.replace(/(\/tmp\/)[^\s/]+(\/[^\s]*)?/g, '$1*');
}

/** The conversion's side effects (the original's own steps left out), less those in `except`. */
function sideEffects(run: ProbeRun, sandbox: boolean, except: ReadonlySet<string> = new Set()): string[] {
  const seen = new Set<string>();
  const all: StepFacts[] = [];
  for (const [step, facts] of Object.entries(run.facts)) {
    if (!facts || step.startsWith('original')) continue;
    all.push(facts);
    if (facts.count) all.push(facts.count as StepFacts);
    for (const r of (facts.runs as StepFacts[] | undefined) ?? []) all.push(r);
  }
  const where = sandbox ? 'contained by the sandbox' : 'NOT contained: --no-sandbox';
  for (const facts of all) {
    for (const e of facts.effects ?? []) {
      if (except.has(sameEffect(e)) || HARMLESS_EFFECTS.has(e)) continue;
      const m = /^(\w+) (.*)$/.exec(e);
      if (!m) continue;
      const [, kind, what] = m;
      const text =
        kind === 'write' ? `write ${what}` : kind === 'socket' ? `open a socket (${what})` : kind === 'connect' ? `connect to ${what}` : `${kind} ${what}`;
      // A read is only named when the path is one the sandbox hides (home folders, credentials).
      seen.add(kind === 'read' ? `${text}, ${sandbox ? 'which the sandbox hides' : 'which a sandbox would hide'}` : text);
    }
  }
  return [...seen].map((t) => `${t} (${where})`);
}
