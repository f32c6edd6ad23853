/**
 * Hostile modules (test/hostile/), each verified end to end on every CPython found, in the real
 * sandbox: each is contained, named for what it did, and leaves no trace on the host. And the
 * control, a correct module, passes every probe.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { discoverPythons } from '../src/verify/pythons';
import type { Interpreter, ModuleVerification, ProbeName } from '../src/verify/types';
import { verifyModule } from '../src/verify/verify';

const HOSTILE = path.join(__dirname, 'hostile');
let pythons: Interpreter[];
let scratch: string;

beforeAll(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-hostile-'));
  process.env.PEP489_CODEMOD_CACHE = path.join(scratch, 'cache');
  pythons = (await discoverPythons()).found;
});

afterAll(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
  delete process.env.PEP489_CODEMOD_CACHE;
});

function verify(name: string, extra: Partial<Parameters<typeof verifyModule>[0]> = {}): Promise<ModuleVerification> {
  return verifyModule({ sourcePath: path.join(HOSTILE, `${name}.c`), moduleName: name, pythons, timeoutS: 10, ...extra });
}

function column(v: ModuleVerification, probe: ProbeName): { label: string; ok: boolean | 'skipped'; detail?: string }[] {
  return v.interpreters.map((i) => ({ label: i.python.label, ...i.probes[probe] }));
}

test('a segfault in exec is contained and named SIGSEGV on every interpreter', async () => {
  const v = await verify('segfault_exec');
  expect(v.ok).toBe(false);
  for (const c of column(v, 'import')) {
    expect(c.ok).toBe(false);
    expect(c.detail).toMatch(/^crashed with SIGSEGV/);
  }
  // Calling PyInit does not run exec: the multi-phase proof still stands on its own.
  for (const c of column(v, 'multiphase')) expect(c.ok).toBe(true);
});

test('an endless loop is killed and reported within 90 seconds with the default timeout', async () => {
  const started = Date.now();
  const v = await verify('endless_loop', { timeoutS: undefined });
  const seconds = (Date.now() - started) / 1000;
  expect(seconds).toBeLessThan(90);
  for (const c of column(v, 'import')) expect(c).toMatchObject({ ok: false, detail: 'timed out after 30s' });
  // Probing stops after a hang: nothing else was run on a module that never finished importing.
  for (const c of column(v, 'reimport')) expect(c.ok).toBe('skipped');
});

test('a fork bomb is named as one, and every process it started goes with its step', async () => {
  const v = await verify('fork_bomb', { timeoutS: 3 });
  for (const c of column(v, 'import')) expect(c.detail).toMatch(/^timed out after 3s with \d+ processes running: a fork bomb/);
});

test('a Py_DECREF(m) on an error path only fault injection reaches is caught', async () => {
  const v = await verify('decref_error_path');
  expect(v.ok).toBe(false);
  for (const i of v.interpreters) {
    // A normal import works; only the failure paths are wrong.
    expect(i.probes.import.ok).toBe(true);
    expect(i.probes.faults.ok).toBe(false);
    expect(i.probes.faults.detail).toContain('call 1 (PyErr_NewException) failing: the module lost 1 reference(s)');
    expect(i.probes.faults.detail).toContain('call 2 (PyModule_AddObject) failing: the module lost 1 reference(s)');
  }
});

test('an unguarded Py_mod_gil slot fails to compile before 3.13, naming file:line and the interpreter', async () => {
  const v = await verify('unguarded_gil');
  for (const i of v.interpreters) {
    const before313 = i.python.version.startsWith('3.') && Number(i.python.version.split('.')[1]) < 13;
    if (before313) {
      expect(i.probes.build.ok).toBe(false);
      expect(i.probes.build.detail).toContain(`unguarded_gil.c:8:6: error: 'Py_mod_gil' undeclared`);
      expect(i.probes.build.detail).toContain(`[CPython ${i.python.version}, ${i.python.exe}]`);
      expect(i.probes.import).toMatchObject({ ok: 'skipped', detail: 'the module does not build' });
    } else {
      expect(i.ok).toBe(true);
    }
  }
});

test('writes into /tmp and $HOME are contained, named, and leave nothing on the host', async () => {
  const tag = `${process.pid}-${Date.now()}`;
  const tmpFile = `/tmp/pep489-hostile-${tag}`;
  const homeFile = path.join(os.homedir(), `.pep489-hostile-${tag}`);
  const v = await verify('writes_files', { defines: [`HOSTILE_TMP_FILE="${tmpFile}"`, `HOSTILE_HOME_FILE="${homeFile}"`] });
  expect(fs.existsSync(tmpFile)).toBe(false);
  expect(fs.existsSync(homeFile)).toBe(false);
  for (const i of v.interpreters) {
    expect(i.probes.import.ok).toBe(false);
    expect(i.sideEffects).toEqual(expect.arrayContaining([`write ${tmpFile} (contained by the sandbox)`, `write ${homeFile} (contained by the sandbox)`]));
  }
});

test('reads of /etc/shadow and the home folder see nothing, and are named', async () => {
  const homeFile = path.join(os.homedir(), `.pep489-secret-${process.pid}-${Date.now()}`);
  fs.writeFileSync(homeFile, 'a secret the module must not see\n');
  try {
    const v = await verify('reads_secrets', { defines: [`HOSTILE_HOME_FILE="${homeFile}"`], smoke: 'reads_secrets.seen == 0' });
    for (const i of v.interpreters) {
      expect(i.probes.import.ok).toBe(false);
      expect(i.sideEffects).toEqual(
        expect.arrayContaining([`read /etc/shadow, which the sandbox hides (contained by the sandbox)`, `read ${homeFile}, which the sandbox hides (contained by the sandbox)`]),
      );
      // Named, and it saw nothing: the smoke (seen == 0) held, so what failed is the reads alone.
      expect(i.probes.import.detail).toMatch(/^imported, but it tried to read \/etc\/shadow, which the sandbox hides/);
    }
  } finally {
    fs.rmSync(homeFile, { force: true });
  }
});

test('a connection to a local TCP port is blocked, named, and never reaches the port', async () => {
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  try {
    const v = await verify('connects_port', { defines: [`HOSTILE_PORT=${port}`] });
    for (const i of v.interpreters) {
      expect(i.probes.import.ok).toBe(false);
      expect(i.probes.import.detail).toContain(`connect to 127.0.0.1:${port} (contained by the sandbox)`);
    }
    // Give a connection that got out every chance to arrive before counting.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(connections).toBe(0);
  } finally {
    server.close();
  }
});

test('the control: a correct module passes every probe on every interpreter', async () => {
  const v = await verify('well_behaved', {
    smoke: 'well_behaved.add(2, 3) == 5 and well_behaved.limits == (0, 100)',
    original: { sourcePath: path.join(HOSTILE, 'well_behaved_single.c') },
  });
  const failed = v.interpreters.flatMap((i) => Object.entries(i.probes).filter(([, r]) => r.ok === false).map(([p, r]) => `${i.python.label} ${p}: ${r.detail}`));
  expect(failed).toEqual([]);
  for (const i of v.interpreters) {
    expect(i.probes.surface).toEqual({ ok: true, detail: '5 public names, same types' });
    expect(i.probes.faults.detail).toMatch(/^6 call\(s\) failed in turn/);
    // Skips are only for what an interpreter cannot do, never for a probe that did not run.
    for (const [probe, r] of Object.entries(i.probes)) {
      if (r.ok === 'skipped') expect(`${probe}: ${r.detail}`).toMatch(/^(subinterpreters: per-interpreter isolation checks need 3\.12\+|gil: (no Py_mod_gil before 3\.13|not a free-threaded build.*))$/);
    }
  }
});
