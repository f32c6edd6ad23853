/**
 * The verifier's build and probe options, shared by `verify` and by the convert command's `--verify`:
 * one definition, so both read the same flags and the same pyproject.toml keys.
 */
import type { Argv } from 'yargs';
import type { Config } from '../config';
import type { VerifyOptions } from '../../verify/command';
import { stringList } from './context';

export interface VerifyFlags {
  python?: string | string[];
  includeDir?: string | string[];
  define?: string | string[];
  compileCommands?: string;
  source?: string | string[];
  link?: string | string[];
  pythonpath?: string | string[];
  smoke?: string;
  smokeScript?: string;
  timeout?: number;
  sandbox?: boolean;
  cache?: boolean;
}

export function verifyOptionsBuilder<T>(y: Argv<T>): Argv<T & VerifyFlags> {
  return y
    .option('python', {
      type: 'string',
      requiresArg: true,
      describe:
        'verify with this CPython (repeatable): a path, a name on PATH, a label the matrix prints (3.12, 3.11.7#2, 3.13t), a version, or a cibuildwheel selector (cp312, cp313t, "cp3*", "cp31?-*"); default: every CPython >= 3.8 with headers found',
    })
    .option('include-dir', { alias: 'I', type: 'string', requiresArg: true, describe: 'include directory for building the module (repeatable)' })
    .option('define', { alias: 'D', type: 'string', requiresArg: true, describe: 'preprocessor define for building the module (repeatable)' })
    .option('compile-commands', { type: 'string', describe: 'compile_commands.json to take include dirs and defines from (default: the nearest one)' })
    .option('source', { type: 'string', requiresArg: true, describe: 'extra translation unit the module needs (repeatable)' })
    .option('link', { type: 'string', requiresArg: true, describe: 'library or linker flag the module needs: lzma, --link=-L/opt/lib (repeatable)' })
    .option('pythonpath', { type: 'string', requiresArg: true, describe: 'folder put on sys.path while probing, for the package the module imports (repeatable)' })
    .option('smoke', { type: 'string', describe: 'Python expression or statements run after importing the module (bound to its name); what it prints must match the original' })
    .option('smoke-script', { type: 'string', requiresArg: true, describe: 'Python file run after importing the module (and after --smoke); what it prints must match the original' })
    .option('timeout', { type: 'number', describe: 'seconds allowed per probe step (default 30)' })
    .option('sandbox', { type: 'boolean', describe: 'run imports in bubblewrap (--no-sandbox: run them unconfined, reported loudly)' })
    .option('cache', { type: 'boolean', describe: 'reuse builds and passing results (--no-cache: build and probe again)' }) as Argv<T & VerifyFlags>;
}

/** Command line over pyproject.toml, as the verifier's VerifyOptions. */
export async function verifyOptions(flags: VerifyFlags, config: Config | null, jobs?: number): Promise<VerifyOptions> {
  const { toVerifyOptions } = await import('../config');
  const fromConfig = config ? toVerifyOptions(config.verify) : {};
  const pick = <T>(flag: T | undefined, key: keyof VerifyOptions) => (flag !== undefined ? flag : (fromConfig[key] as T | undefined));
  const opts: VerifyOptions = {
    python: pick(stringList(flags.python), 'python'),
    include: pick(stringList(flags.includeDir), 'include'),
    define: pick(stringList(flags.define), 'define'),
    compileCommands: pick(flags.compileCommands, 'compileCommands'),
    source: pick(stringList(flags.source), 'source'),
    link: pick(stringList(flags.link), 'link'),
    pythonPath: pick(stringList(flags.pythonpath), 'pythonPath'),
    smoke: pick(flags.smoke, 'smoke'),
    smokeScript: pick(flags.smokeScript, 'smokeScript'),
    timeout: pick(flags.timeout, 'timeout'),
    sandbox: pick(flags.sandbox, 'sandbox'),
    cache: pick(flags.cache, 'cache'),
    jobs,
  };
  for (const k of Object.keys(opts) as (keyof VerifyOptions)[]) if (opts[k] === undefined) delete opts[k];
  return opts;
}
