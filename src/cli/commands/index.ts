/**
 * The commands, in the order `--help` lists them. To add one (`verify`, `audit`, `bulk-pr`, ...):
 * write `src/commands/<name>.ts` exporting a CommandSpec (its yargs builder and a `run(args, ctx)`
 * that returns the exit code; import heavy modules inside `run` so `--help` stays fast), and add it
 * here. src/cli.ts registers it, and loads and checks pyproject.toml before its `run`: `ctx.config`
 * holds the settings (`ctx.config.verify` for the verifier's), and `setting(flag, config, default)`
 * picks the command line's value over the file's. A new config key is one line in src/config.ts.
 */
import type { CommandSpec } from './context';
import { auditCommand } from './audit';
import { convertCommand } from './convert';
import { verifyCommand } from './verify';
import { bulkPrCommand } from '../../bulk/spec';

export const COMMANDS: readonly CommandSpec<any>[] = [convertCommand, verifyCommand, auditCommand, bulkPrCommand]; // eslint-disable-line @typescript-eslint/no-explicit-any
