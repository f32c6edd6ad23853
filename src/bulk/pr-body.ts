/**
 * What a branch says about itself: its title, its commit message and its pull request body, and the
 * tracking issue over every branch. The facts come from the engine's FileOutcome (transforms, slots
 * declared, once-per-process guard, audit) and the verifier's matrix; the wording is in templates.
 */
import { fileStat } from '../cli/stat';
import { GIL_MACRO, INTERPRETERS_MACRO, type InterpretersChoice } from '../engine/options';
import type { FileOutcome } from '../cli/runner';
import { moduleList, type LeftOut } from './plan';
import type { BulkState, BranchState } from './state';
import { render, renderLine, type Templates } from './templates';

/** A verification's result as the texts need it (see verify-step.ts). */
export interface VerifyVerdict {
  ok: boolean;
  /** One line when !ok. */
  reason?: string;
  /** The verifier's matrix for this module (paths relative to the repository). */
  matrix: string;
  /** Interpreter labels, e.g. 3.8 … 3.13t. */
  labels: string[];
  sandbox: boolean;
}

export interface ModuleFacts {
  file: string;
  module: string;
  outcome: FileOutcome;
  verification?: VerifyVerdict;
}

export interface BranchFacts {
  repo: string;
  branch: string;
  base?: string;
  baseCommit: string;
  remote: string;
  /** For --group dir. */
  dir?: string;
  modules: ModuleFacts[];
  /** Modules of this group that are not in the branch, and why. */
  leftOut: LeftOut[];
  /** Why the modules were not verified, when they were not. */
  notVerified?: string;
  tool: string;
}

const PEP = {
  489: '[PEP 489](https://peps.python.org/pep-0489/)',
  684: '[PEP 684](https://peps.python.org/pep-0684/)',
  703: '[PEP 703](https://peps.python.org/pep-0703/)',
};

/** Names the converted text gives: the exec function and the module definition. */
function names(o: FileOutcome): { exec?: string; def?: string } {
  const text = o.output ?? '';
  return {
    exec: /\{\s*Py_mod_exec\s*,\s*(?:\(\s*void\s*\*\s*\)\s*)?&?(\w+)/.exec(text)?.[1],
    def: /PyModuleDef_Init\s*\(\s*&?\s*(\w+)/.exec(text)?.[1],
  };
}

const code = (s: string) => `\`${s}\``;
/** Free text from the engine (descriptions, reasons) in markdown: `<name>` would vanish as a tag, `*` start emphasis. */
const md = (s: string) => s.replace(/[<>*|\\]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '*': '\\*', '|': '\\|', '\\': '\\\\' })[c]!);
/** `head` names the module when a branch has several; a sentence without it starts with a capital. */
const lead = (head: string, text: string) => (head ? head + text : text.charAt(0).toUpperCase() + text.slice(1));
const where = (m: { file: string; module: string }) => `${code(m.module)} (${code(m.file)})`;

function titleValues(f: BranchFacts): Record<string, string> {
  const list = moduleList(f.modules.map((m) => m.module));
  const inDir = f.dir && f.modules.length > 3 ? ` in ${f.dir === '.' ? 'the top folder' : f.dir}` : '';
  return { modules: list + inDir, count: String(f.modules.length), dir: f.dir ?? '', repo: f.repo, branch: f.branch };
}

export function branchTitle(t: Templates, f: BranchFacts): string {
  return renderLine(t['pr-title.txt'], titleValues(f));
}

// ---------------------------------------------------------------- shared facts

function summaryMd(f: BranchFacts): string {
  const one = (m: ModuleFacts) => {
    const { exec, def } = names(m.outcome);
    const init = code(`PyInit_${m.module}`);
    const returns = def ? `${init} now only returns ${code(`PyModuleDef_Init(&${def})`)}` : `${init} now returns its module definition`;
    const work = m.outcome.declared?.exec === false || !exec
      ? 'it did nothing but create the module, so there is no exec function'
      : m.outcome.replay
        ? `what it did runs in ${code(m.outcome.replay.exec)}, which CPython calls through the ${code('Py_mod_exec')} slot's ${code(exec)} once per process (later modules get its attributes)`
        : `what it did runs in ${code(exec)}, which CPython calls through the ${code('Py_mod_exec')} slot`;
    return `${returns}; ${work}.`;
  };
  if (f.modules.length === 1) {
    const m = f.modules[0];
    return `This converts the extension module ${where(m)} from single-phase initialization to multi-phase initialization (${PEP[489]}). ${one(m)}`;
  }
  return [
    `This converts ${f.modules.length} extension modules from single-phase initialization to multi-phase initialization (${PEP[489]}):`,
    '',
    ...f.modules.map((m) => `- ${where(m)}: ${one(m)}`),
  ].join('\n');
}

function whyMd(f: BranchFacts): string {
  const it = f.modules.length === 1 ? 'the module' : 'each module';
  return [
    `A single-phase module (${code('PyInit_*')} returning ${code('PyModule_Create(...)')}) is created once per process and cannot say what it supports. Multi-phase initialization splits creating the module from running its setup (the exec slot) and lets a module declare, in slots, what it is safe for:`,
    '',
    `- ${code('Py_mod_multiple_interpreters')} (CPython 3.12+): whether it may be imported in subinterpreters, and in ones with their own GIL (${PEP[684]}). A single-phase module can never be imported in an isolated subinterpreter.`,
    `- ${code('Py_mod_gil')} (CPython 3.13+): whether it runs safely without the GIL on free-threaded CPython (${PEP[703]}). Without it, importing the module turns the GIL back on.`,
    '',
    `This is the first step on that path. It changes how ${it} is initialised, and declares what the code supports **today** (below), so CPython keeps it out of places where it would break. Moving global state into module state and heap types, and then declaring more, are follow-ups. Both slots sit behind ${code('#ifdef')}, so the same source still builds on CPython 3.8 and later, and under the limited API.`,
  ].join('\n');
}

function changesMd(f: BranchFacts): string {
  return f.modules
    .map((m) => {
      const stat = fileStat(m.outcome, '/');
      const counts = stat ? ` (+${stat.added} −${stat.removed})` : '';
      const steps = (m.outcome.transforms ?? []).map((t) => `- ${md(t.description)} (${code(t.id)})`);
      return [`**${code(m.file)}**${counts}, module ${code(m.module)}:`, '', ...steps].join('\n');
    })
    .join('\n\n');
}

const ORDER: InterpretersChoice[] = ['not-supported', 'supported', 'per-interpreter-gil'];

function interpretersWhy(o: FileOutcome): string {
  const declared = o.declared!.interpreters;
  const rec = o.audit?.recommendation;
  if (!rec) return `the ${code('--interpreters')} choice (${declared}); no audit was reported for this file`;
  const reasons = md(rec.reasons.join('; '));
  const d = ORDER.indexOf(declared);
  const r = ORDER.indexOf(rec.multiple_interpreters as InterpretersChoice);
  if (d === r) return `what the audit recommends: ${reasons}`;
  if (d < r) {
    return `the conservative choice: the audit would allow ${code(rec.multiple_interpreters)} (${reasons}). Declaring more is a follow-up for the module's maintainers`;
  }
  return `**declared with ${code(`--interpreters ${declared}`)}, above the audit's recommendation ${code(rec.multiple_interpreters)}**: ${reasons}. Please check this claim`;
}

function gilWhy(o: FileOutcome): string {
  const d = o.declared!;
  if (d.gilFromModule) return `kept from the module's own ${code('PyUnstable_Module_SetGIL(m, Py_MOD_GIL_NOT_USED)')} call, which the slot replaces`;
  if (d.gil === 'used') {
    return 'the default: running without the GIL is a thread-safety claim only the maintainers can make; on free-threaded CPython the GIL stays on while this module is imported, as before';
  }
  return `declared with ${code('--gil not-used')}: a claim that the module is thread-safe without the GIL`;
}

function slotsMd(f: BranchFacts): string {
  return f.modules
    .map((m) => {
      const o = m.outcome;
      if (!o.declared) return `${where(m)}: the engine reported no slot values.`;
      const { exec } = names(o);
      const rows = [
        '| slot | value | why |',
        '|---|---|---|',
        ...(o.declared.exec && exec
          ? [`| ${code('Py_mod_exec')} | ${code(exec)} | runs what ${code(`PyInit_${m.module}`)} ran${o.replay ? ' (once per process; later modules get its attributes)' : ''} |`]
          : []),
        `| ${code('Py_mod_multiple_interpreters')} | ${code(INTERPRETERS_MACRO[o.declared.interpreters])} | ${interpretersWhy(o)} |`,
        `| ${code('Py_mod_gil')} | ${code(GIL_MACRO[o.declared.gil])} | ${gilWhy(o)} |`,
      ];
      return (f.modules.length > 1 ? `${where(m)}:\n\n` : '') + rows.join('\n');
    })
    .join('\n\n');
}

function auditMd(f: BranchFacts): string {
  return f.modules
    .map((m) => {
      const audit = m.outcome.audit;
      const head = f.modules.length > 1 ? `${where(m)}: ` : '';
      if (!audit) return lead(head, 'no audit reported for this file.');
      if (audit.state.length === 0) {
        const rest = audit.recommendation.reasons.filter((r) => !/^no process-global state/i.test(r));
        return lead(head, 'no process-global state found in') + ` ${code(m.file)}.${rest.length ? ` ${md(rest.join(' '))}` : ''}`;
      }
      const items = audit.state.map((s) => `- ${code(s.name)} at ${code(`${m.file}:${s.line}`)} (${s.kind}): ${md(s.why)}`);
      const rec = audit.recommendation;
      return [
        lead(head, `process-global state found by ${code('pep489-codemod audit')}:`),
        '',
        ...items,
        '',
        `Recommended: ${code(`Py_mod_multiple_interpreters = ${rec.multiple_interpreters}`)}, a second exec in one process ${rec.second_exec === 'replay' ? "gets the first exec's attributes" : 'runs again'}.`,
      ].join('\n');
    })
    .join('\n\n');
}

function guardMd(f: BranchFacts): string {
  return f.modules
    .map((m) => {
      const g = m.outcome.guard;
      const head = f.modules.length > 1 ? `${where(m)}: ` : '';
      if (!g) return lead(head, 'not reported by the engine.');
      if (!g.added && m.outcome.declared?.exec === false) return lead(head, 'not added: ') + 'there is no exec function to guard (the init only created the module).';
      if (!g.added && m.outcome.replay)
        return (
          lead(head, 'not added; the first exec is replayed instead: ') +
          `${md(m.outcome.replay.reason)} A re-import or a legacy subinterpreter gets the same objects without running exec's body again, as with the single-phase module.`
        );
      if (!g.added)
        return lead(head, 'not added: ') + `exec sets up no process-global state, or the single-phase original ran its init again on every import too, so running exec again (a re-import, a legacy subinterpreter) is what the original did.`;
      return `${head}**added.** ${md(g.reason ?? '')} A second exec in the same process now raises ${code('ImportError: cannot load module more than once per process')} instead of re-initialising that state (numpy does the same). This changes behaviour for code that deletes the module from ${code('sys.modules')} and imports it again.`;
    })
    .join('\n\n');
}

function verificationMd(f: BranchFacts): string {
  if (f.notVerified) return `Not verified: ${f.notVerified}. Run ${code(`pep489-codemod verify ${f.modules.map((m) => m.file).join(' ')}`)} on the branch to verify.`;
  const first = f.modules.find((m) => m.verification)?.verification;
  const intro = first
    ? `Built and imported by ${code('pep489-codemod verify')} under CPython ${first.labels.join(', ')}${first.sandbox ? ', each probe in a bubblewrap sandbox' : ', **without a sandbox**'}: build, import, public surface equal to the single-phase original, multi-phase definition, re-import, subinterpreters (3.12+), every failing C-API call in exec injected one at a time${first.labels.some((l) => /t$/.test(l)) ? `, and ${code('Py_mod_gil')} on the free-threaded build` : ` (no free-threaded CPython was found, so ${code('Py_mod_gil')} was not probed)`}; ${code('-')} is a probe that does not apply.`
    : '';
  const blocks = f.modules.map((m) => (m.verification ? '```\n' + m.verification.matrix.trimEnd() + '\n```' : `${where(m)}: not verified.`));
  return [intro, '', ...blocks].join('\n');
}

function testingMd(f: BranchFacts): string {
  const names = f.modules.map((m) => m.module);
  return [
    '```sh',
    `git fetch ${f.remote} ${f.branch}`,
    `git switch ${f.branch}`,
    'python -m pip install -v .            # or however the project builds its extensions',
    `python -c "import ${names.join(', ')}"         # each module's full name in its package`,
    `python - <<'EOF'                       # a re-import runs exec again (or raises the guard's ImportError)`,
    'import importlib, sys',
    `for name in ${JSON.stringify(names)}:`,
    '    importlib.import_module(name)',
    '    del sys.modules[name]',
    '    try:',
    '        importlib.import_module(name)',
    '    except ImportError as e:',
    '        print(name, e)',
    'EOF',
    `pep489-codemod verify ${f.modules.map((mm) => mm.file).join(' ')}   # with pep489-codemod installed: every probe, under every CPython found`,
    '```',
    '',
    'and run the test suite on a CPython 3.12 or later.',
  ].join('\n');
}

function reviewMd(f: BranchFacts): string {
  const items: string[] = [];
  for (const m of f.modules) {
    const { exec } = names(m.outcome);
    if (exec) {
      items.push(
        `${code(exec)} (${code(m.file)}): it is the old body of ${code(`PyInit_${m.module}`)}. Every failing path returns ${code('-1')}, success returns ${code('0')}, and nothing releases the module any more (exec borrows it; CPython owns it). Other cleanups on the error paths stay.`,
      );
    }
  }
  for (const m of f.modules) {
    const d = m.outcome.declared;
    if (!d) continue;
    const head = f.modules.length > 1 ? `${where(m)}: ` : '';
    const state = m.outcome.audit?.state.length ?? 0;
    if (d.interpreters === 'not-supported')
      items.push(
        lead(head, `the slot values: ${code('NOT_SUPPORTED')} keeps the module out of isolated subinterpreters; `) +
          (state ? 'raising it needs the global state listed above moved into module state.' : `the audit found no global state, so ${code('supported')} may already be earned: worth checking in a follow-up.`),
      );
    else
      items.push(
        lead(head, `the slot values: ${code(INTERPRETERS_MACRO[d.interpreters])} claims the module is safe in `) +
          `${d.interpreters === 'per-interpreter-gil' ? 'subinterpreters with their own GIL' : 'subinterpreters'}: check that nothing in it is shared between interpreters${state ? ' (the audit lists global state above)' : ''}.`,
      );
    if (d.gil === 'not-used' && !d.gilFromModule)
      items.push(lead(head, `${code('Py_MOD_GIL_NOT_USED')} claims the module is thread-safe without the GIL: check every function that touches shared state.`));
  }
  const guarded = f.modules.filter((m) => m.outcome.guard?.added).map((m) => code(m.module));
  if (guarded.length) items.push(`The once-per-process guard (${guarded.join(', ')}): re-importing the module in one process now raises ImportError.`);
  const replayed = f.modules.filter((m) => m.outcome.replay).map((m) => code(m.module));
  if (replayed.length)
    items.push(
      `The replayed first exec (${replayed.join(', ')}): a re-import or a legacy subinterpreter gets the attributes the first exec made, as the single-phase module did; check that exec sets nothing that a later module would need made afresh.`,
    );
  items.push(`${code('m_size')} is now 0 or more (multi-phase modules must not use -1).`);
  items.push(`Code outside this diff that assumes one module object per process: ${code('PyState_FindModule')}, a cached pointer to the module, a C-API capsule of static data.`);
  return items.map((i) => `- ${i}`).join('\n');
}

function leftOutMd(f: BranchFacts): string {
  if (f.leftOut.length === 0) return '';
  return ['## Not in this pull request', '', ...f.leftOut.map((l) => `- ${code(l.file)}${l.module ? ` (${code(l.module)})` : ''}: ${md(l.reason)}`)].join('\n');
}

export function prBody(t: Templates, f: BranchFacts, title: string): string {
  return render(t['pr-body.md'], {
    title,
    summary: summaryMd(f),
    why: whyMd(f),
    changes: changesMd(f),
    slots: slotsMd(f),
    audit: auditMd(f),
    guard: guardMd(f),
    verification: verificationMd(f),
    testing: testingMd(f),
    review: reviewMd(f),
    leftOut: leftOutMd(f),
    repo: f.repo,
    branch: f.branch,
    base: f.base ?? f.baseCommit.slice(0, 12),
    modules: f.modules.map((m) => m.module).join(', '),
    tool: f.tool,
  });
}

// ---------------------------------------------------------------- commit message (plain text, 72 columns)

/** Wraps each line at `width`, continuing list items and indented lines under their text. */
function wrap(text: string, width = 72): string {
  return text
    .split('\n')
    .map((line) => {
      const indent = /^\s*(?:- )?/.exec(line)![0];
      const hang = ' '.repeat(indent.length);
      const out: string[] = [];
      let cur = indent;
      let empty = true;
      for (const w of line.slice(indent.length).split(/ +/).filter(Boolean)) {
        if (!empty && cur.length + 1 + w.length > width) {
          out.push(cur);
          cur = hang + w;
        } else cur += (empty ? '' : ' ') + w;
        empty = false;
      }
      out.push(cur);
      return out.join('\n');
    })
    .join('\n');
}

const plain = (s: string) => s.replace(/`/g, '').replace(/\*\*/g, '').replace(/\[(PEP \d+)\]\([^)]*\)/g, '$1');

export function commitMessage(t: Templates, f: BranchFacts, title: string): string {
  const changes = f.modules.map((m) => [`${m.file}:`, ...(m.outcome.transforms ?? []).map((x) => `- ${x.description}`)].join('\n')).join('\n\n');
  const declares = f.modules
    .filter((m) => m.outcome.declared)
    .map((m) => [
      `Declares (${m.module}):`,
      `  multiple interpreters: ${INTERPRETERS_MACRO[m.outcome.declared!.interpreters]}`,
      `  GIL: ${GIL_MACRO[m.outcome.declared!.gil]}`,
    ].join('\n'))
    .join('\n');
  const guard = f.modules
    .filter((m) => m.outcome.guard)
    .map((m) =>
      m.outcome.guard!.added
        ? `Once-per-process guard added to ${m.module}: ${m.outcome.guard!.reason ?? ''}`
        : m.outcome.replay
          ? `No once-per-process guard in ${m.module}; its first exec is replayed for later modules: ${m.outcome.replay.reason}`
          : `No once-per-process guard in ${m.module}: exec sets up no process-global state, or the original ran its init again on every import too.`,
    )
    .join('\n');
  const why =
    'Why: multi-phase initialization (PEP 489) lets a module declare, in slots, whether it supports subinterpreters with their own GIL (PEP 684) and free-threaded CPython (PEP 703). The values above are what the code supports today.';
  const first = f.modules.find((m) => m.verification)?.verification;
  const verification = f.notVerified
    ? `Not verified: ${f.notVerified}.`
    : first
      ? `Verified by pep489-codemod verify on CPython ${first.labels.join(', ')}${first.sandbox ? ' (bubblewrap sandbox)' : ' (no sandbox)'}: every probe passed.`
      : '';
  const body = render(t['commit-message.txt'], {
    title,
    summary: wrap(plain(summaryMd(f))),
    changes: wrap(changes),
    declares: wrap(declares),
    guard: wrap(guard),
    why: wrap(why),
    verification: wrap(verification + ` Generated by ${f.tool}.`),
    tool: f.tool,
  });
  return body;
}

// ---------------------------------------------------------------- tracking issue

function itemLine(name: string, b: BranchState): string {
  const mods = b.modules.map((m) => `${code(m.module)} (${code(m.file)})`).join(', ');
  let status: string;
  if (b.pr) status = b.pr.url + (b.pr.state === 'CLOSED' ? ' (closed)' : '');
  else if (b.pushed) status = `branch ${code(name)} pushed to ${b.pushed.remote}; no pull request yet`;
  else status = `branch ${code(name)}, not pushed yet`;
  const done = b.pr?.state === 'MERGED' ? 'x' : ' ';
  return `- [${done}] ${mods}: ${status}`;
}

export function trackingIssue(t: Templates, state: BulkState, tool: string): string {
  const repos = Object.values(state.repos).sort((a, b) => (a.folder < b.folder ? -1 : 1));
  const sections: string[] = [];
  let branches = 0;
  let opened = 0;
  let merged = 0;
  const withBranches = repos.filter((r) => Object.keys(r.branches).length > 0);
  for (const r of withBranches) {
    const names = Object.keys(r.branches).sort();
    branches += names.length;
    opened += names.filter((n) => r.branches[n].pr).length;
    merged += names.filter((n) => r.branches[n].pr?.state === 'MERGED').length;
    sections.push([`### ${r.folder}`, '', ...names.map((n) => itemLine(n, r.branches[n]))].join('\n'));
  }
  // Refused by the tool (convert by hand) or failed verification here (which may be this machine's
  // doing, a missing header say): said which, so neither is mistaken for the other.
  const leftOut = repos.flatMap((r) =>
    r.leftOut.map((l) => `- ${r.folder}: ${code(l.file)}${l.module ? ` (${code(l.module)})` : ''}: ${l.kind === 'verification' ? 'failed verification on the machine that made these branches: ' : ''}${md(l.reason)}`),
  );
  // Named by folder, not by the path on this machine: the issue is posted publicly.
  const skipped = repos.filter((r) => r.status !== 'ok').map((r) => `- ${code(r.folder ?? r.path.split(/[\\/]/).filter(Boolean).pop() ?? r.path)}: ${r.status === 'failed' ? 'failed: ' : ''}${md(r.reason ?? r.status)}`);
  const modules = withBranches.reduce((n, r) => n + Object.values(r.branches).reduce((k, b) => k + b.modules.length, 0), 0);
  return render(t['tracking-issue.md'], {
    title: 'Convert extension modules to multi-phase initialization (PEP 489)',
    intro: [
      `This issue tracks moving the C extension modules below from single-phase to multi-phase initialization (${PEP[489]}): the step that lets a module declare support for isolated subinterpreters (${PEP[684]}) and free-threaded CPython (${PEP[703]}).`,
      'Each item is one branch and pull request; its box is ticked when the pull request is merged. Each pull request declares what its module supports today and says why.',
    ].join(' '),
    counts: `${modules} module(s) on ${branches} branch(es) in ${withBranches.length} repositor${withBranches.length === 1 ? 'y' : 'ies'}: ${opened} pull request(s) opened, ${merged} merged, ${branches - opened} not opened yet.${leftOut.length ? ` ${leftOut.length} module(s) left out (below).` : ''}`,
    checklist: sections.length ? ['## Pull requests', '', ...sections].join('\n\n') : '## Pull requests\n\nNone yet.',
    leftOut: leftOut.length ? ['## Left out: refused, or failed verification', '', ...leftOut].join('\n') : '',
    skipped: skipped.length ? ['## Repositories skipped', '', ...skipped].join('\n') : '',
    tool,
  });
}
