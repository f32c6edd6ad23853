/**
 * Running the real command on a pseudo-terminal (python3's `pty` module; no native Node addon), to
 * test what only happens on a terminal: --interactive, colour by default, the progress line. Both
 * stdout and stderr are the terminal, so their bytes arrive interleaved in `output`.
 */
import { spawnSync } from 'node:child_process';
import { BIN } from './cli-helpers';

const DRIVER = String.raw`
import fcntl, json, os, pty, select, signal, struct, sys, termios, time
spec = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.chdir(spec["cwd"])
    os.execve(spec["argv"][0], spec["argv"], spec["env"])
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
out = b""
answers = list(spec["answers"])
prompt = spec["prompt"].encode()
asked = 0
deadline = time.time() + spec["timeout"]
timed_out = False
while True:
    left = deadline - time.time()
    if left <= 0:
        timed_out = True
        os.kill(pid, signal.SIGKILL)
        break
    ready, _, _ = select.select([fd], [], [], left)
    if not ready:
        continue
    try:
        data = os.read(fd, 65536)
    except OSError:
        break
    if not data:
        break
    out += data
    while answers and out.count(prompt) > asked:
        os.write(fd, (answers.pop(0) + ("" if spec["singleKeys"] else "\n")).encode())
        asked += 1
_, status = os.waitpid(pid, 0)
code = os.waitstatus_to_exitcode(status)
sys.stdout.buffer.write(out)
sys.stderr.write(json.dumps({"code": code, "timedOut": timed_out}))
`;

export interface PtyRun {
  code: number;
  timedOut: boolean;
  /** Everything the terminal showed, with the terminal's \r\n turned back into \n. */
  output: string;
}

export function runCliOnPty(
  args: string[],
  cwd: string,
  opts: { env?: NodeJS.ProcessEnv; answers?: string[]; prompt?: string; timeoutSeconds?: number; singleKeys?: boolean } = {},
): PtyRun {
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
  for (const k of ['NO_COLOR', 'FORCE_COLOR']) if (!(opts.env && k in opts.env)) delete env[k];
  const spec = {
    argv: [process.execPath, BIN, ...args],
    cwd,
    env: Object.fromEntries(Object.entries({ TERM: 'xterm-256color', ...env }).filter(([, v]) => v !== undefined)),
    answers: opts.answers ?? [],
    // Each answer sent as typed, without Enter (a single key), instead of as a line.
    singleKeys: opts.singleKeys ?? false,
    prompt: opts.prompt ?? '[y,n,a,q,?]',
    timeout: opts.timeoutSeconds ?? 60,
  };
  const r = spawnSync('python3', ['-c', DRIVER, JSON.stringify(spec)], { maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`pty driver failed: ${r.stderr}`);
  const meta = JSON.parse(r.stderr.toString('utf8')) as { code: number; timedOut: boolean };
  return { ...meta, output: r.stdout.toString('utf8').replace(/\r\n/g, '\n') };
}
