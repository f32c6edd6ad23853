/**
 * Running untrusted module code: every import and probe runs in its own process under bubblewrap,
 * with no network, a read-only view of the host, a private writable /tmp, a wall-clock limit (the
 * whole process group is killed) and resource limits. `sandbox: false` is the explicit opt-out
 * (--no-sandbox): same limits and timeout, no isolation.
 */

import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const INSTALL_HINT =
  'install bubblewrap (Debian/Ubuntu: sudo apt-get install bubblewrap; Fedora: sudo dnf install bubblewrap; Arch: sudo pacman -S bubblewrap), or pass --no-sandbox to run module code unconfined';

/** Where things live inside the sandbox. Everything we mount lands on the private /tmp tmpfs. */
const INSIDE = { root: '/tmp/pep489', home: '/tmp/pep489/home', work: '/tmp/pep489/work' };

export interface SandboxOptions {
  /** false runs the command unconfined (--no-sandbox). */
  sandbox: boolean;
  timeoutMs: number;
  /** Address-space limit for the sandboxed process tree. */
  memoryBytes?: number;
  /** Host folders the command reads, by name; see Locations.mount. */
  mounts?: Record<string, string>;
  /** Host paths that must stay visible at their own path even if they sit under /tmp (an interpreter in a temp venv). */
  keepVisible?: string[];
}

/** Where the command finds things: inside paths under the sandbox, host paths without it. */
export interface Locations {
  mount(name: string): string;
  /** A writable, initially empty folder (the current directory). */
  work: string;
}

export interface Command {
  argv: string[];
  env?: Record<string, string>;
}

/**
 * The folders an interpreter runs from, to show inside the sandbox at their own paths: the prefix of
 * the executable as invoked (a venv's, with its pyvenv.cfg) and of the real one behind it.
 */
export function interpreterPrefixes(py: { exe: string; realExe: string }): string[] {
  return [...new Set([py.exe, py.realExe].map((e) => path.dirname(path.dirname(path.resolve(e)))))];
}

export interface SandboxResult {
  exitCode: number | null;
  /** Signal name when the top process died of one (SIGSEGV), from the kernel or decoded from bwrap's 128+n. */
  signal: string | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  ms: number;
}

const DEFAULT_MEMORY = 4 * 1024 ** 3;
const TMP_SIZE = 512 * 1024 ** 2;

let prlimitPath: string | null | undefined;
const bwrapChecks = new Map<string, Promise<{ ok: true } | { ok: false; reason: string }>>();

/**
 * Whether bubblewrap can actually create a sandbox here (installed is not enough: user namespaces
 * may be off). Checked once per bwrap found on PATH.
 */
export function sandboxAvailable(): Promise<{ ok: true } | { ok: false; reason: string }> {
  const bwrap = which('bwrap');
  if (!bwrap) return Promise.resolve({ ok: false, reason: `bubblewrap (bwrap) is not installed: ${INSTALL_HINT}` });
  let check = bwrapChecks.get(bwrap);
  if (!check) {
    check = new Promise((resolve) => {
      execFile(bwrap, [...baseArgs(), '--', '/bin/sh', '-c', 'exit 0'], { timeout: 10000 }, (err, _out, stderr) => {
        if (err) resolve({ ok: false, reason: `bwrap cannot create a sandbox here (${(stderr || err.message).trim()}): ${INSTALL_HINT}` });
        else resolve({ ok: true });
      });
    });
    bwrapChecks.set(bwrap, check);
  }
  return check;
}

/**
 * Runs a command under the sandbox (or unconfined) and collects its output; never rejects for the
 * child's sake. The command is built from the locations it will see, which differ between the modes.
 */
export async function runSandboxed(build: (at: Locations) => Command, opts: SandboxOptions): Promise<SandboxResult> {
  const limits = limitArgs(opts.memoryBytes ?? DEFAULT_MEMORY, opts.timeoutMs);
  const mounts = opts.mounts ?? {};
  let command: string[];
  let spawnEnv: Record<string, string>;
  let scratch: string | undefined;
  if (opts.sandbox) {
    const { argv, env } = build({ mount: (name) => `${INSIDE.root}/in/${name}`, work: INSIDE.work });
    const inside = { LANG: 'C.UTF-8', PATH: '/usr/local/bin:/usr/bin:/bin', HOME: INSIDE.home, ...env };
    command = [...limits, which('bwrap') ?? 'bwrap', ...bwrapArgs(opts, mounts, inside), '--', ...argv];
    spawnEnv = { PATH: process.env.PATH ?? '' };
  } else {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'pep489-unconfined-'));
    const { argv, env } = build({ mount: (name) => mounts[name], work: scratch });
    command = [...limits, ...argv];
    spawnEnv = { ...unconfinedEnv(), ...env };
  }
  try {
    return await spawnCollect(command, spawnEnv, opts, scratch);
  } finally {
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  }
}

function spawnCollect(command: string[], env: Record<string, string>, opts: SandboxOptions, cwd: string | undefined): Promise<SandboxResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    // detached: the child leads its own process group, so a timeout kills everything it started.
    const child = spawn(command[0], command.slice(1), { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env, cwd });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, opts.timeoutMs);
    let exit: { code: number | null; signal: NodeJS.Signals | null } = { code: null, signal: null };
    // On exit, whatever the command left running in its group goes too; otherwise a daemonised
    // grandchild holding our pipes would keep 'close' from ever coming.
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      killGroup(child.pid);
    });
    child.on('error', (e) => {
      err.push(Buffer.from(String(e)));
      exit = { code: 127, signal: null };
    });
    child.on('close', () => {
      clearTimeout(timer);
      const { code, signal } = exit;
      resolve({
        exitCode: code,
        // bwrap reports its child's death by signal n as exit status 128+n.
        signal: signal ?? (opts.sandbox && code !== null && code > 128 && code < 160 ? signalName(code - 128) : null),
        timedOut,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        ms: Date.now() - started,
      });
    });
  });
}

function bwrapArgs(opts: SandboxOptions, mounts: Record<string, string>, env: Record<string, string>): string[] {
  const args = baseArgs();
  for (const p of opts.keepVisible ?? []) {
    if (fs.existsSync(p)) args.push('--ro-bind', p, p);
  }
  args.push('--dir', INSIDE.home, '--dir', INSIDE.work);
  for (const [name, host] of Object.entries(mounts)) args.push('--ro-bind', host, `${INSIDE.root}/in/${name}`);
  args.push('--chdir', INSIDE.work, '--clearenv');
  for (const [k, v] of Object.entries(env)) args.push('--setenv', k, v);
  return args;
}

/**
 * What a module sees of the host, read-only: the system's programs, libraries and configuration
 * (/usr, /bin, /lib*, /etc without its credentials, /sys). Not the home folders, the projects, /var,
 * /opt, /srv, /mnt or /run: the callers add the interpreter's own prefix (keepVisible) and the
 * folders the module needs (mounts). A read of a hidden path fails as if it did not exist, and the
 * trace shim names it.
 */
// /var holds system data libraries read (aspell's dictionaries are links into /var/lib/aspell,
// dpkg's alternatives): shown, but not its mail, spools, logs and backups.
const SYSTEM_PATHS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/etc', '/sys', '/var'];
const CREDENTIAL_FILES = ['/etc/shadow', '/etc/shadow-', '/etc/gshadow', '/etc/gshadow-', '/etc/sudoers', '/etc/security/opasswd'];
const CREDENTIAL_DIRS = [
  '/etc/ssh', '/etc/sudoers.d', '/etc/ssl/private', '/etc/NetworkManager/system-connections',
  '/var/mail', '/var/spool', '/var/log', '/var/backups', '/var/lib/sudo', '/var/lib/private', '/var/tmp',
];

/** The paths hidden from the module's reads, for the trace shim to name (`PEP489_HIDDEN`). */
export const HIDDEN_PREFIXES = ['/root', '/home', '/srv', '/mnt', '/media', '/run', '/opt', '/boot', '/work', ...CREDENTIAL_FILES, ...CREDENTIAL_DIRS];

function systemView(): string[] {
  const args: string[] = [];
  for (const p of SYSTEM_PATHS) {
    const st = fs.lstatSync(p, { throwIfNoEntry: false });
    if (!st) continue;
    // Merged /usr: /bin is a link to usr/bin, and stays one.
    if (st.isSymbolicLink()) args.push('--symlink', fs.readlinkSync(p), p);
    else args.push('--ro-bind', p, p);
  }
  for (const f of CREDENTIAL_FILES) if (fs.existsSync(f)) args.push('--ro-bind', '/dev/null', f);
  for (const d of CREDENTIAL_DIRS) if (fs.existsSync(d)) args.push('--tmpfs', d);
  return args;
}

/** The system view, private /dev, /proc and /tmp, no network (loopback only), no capabilities, dies with us. */
function baseArgs(): string[] {
  return [
    ...systemView(),
    '--dev', '/dev',
    '--proc', '/proc',
    '--size', String(TMP_SIZE), '--tmpfs', '/tmp',
    '--unshare-all',
    '--die-with-parent',
    '--new-session',
    '--cap-drop', 'ALL',
  ];
}

/** prlimit caps what one run can take; without it the probe sets the same limits on itself. */
function limitArgs(memoryBytes: number, timeoutMs: number): string[] {
  prlimitPath ??= which('prlimit');
  if (!prlimitPath) return [];
  const cpu = Math.ceil(timeoutMs / 1000) + 5;
  return [prlimitPath, `--as=${memoryBytes}`, '--core=0', `--fsize=${256 * 1024 ** 2}`, `--cpu=${cpu}`, '--'];
}

/** The unconfined mode keeps the user's environment minus what changes how Python imports. */
function unconfinedEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('PYTHON')) env[k] = v;
  }
  return env;
}

function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

export function signalName(n: number): string {
  const entry = Object.entries(os.constants.signals).find(([, v]) => v === n);
  return entry ? entry[0] : `signal ${n}`;
}

function which(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // keep looking
    }
  }
  return null;
}
