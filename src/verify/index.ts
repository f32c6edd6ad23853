/** The verifier's public API, for the CLI, the runner's --verify and the fixture runner. */
export { discoverPythons } from './pythons';
export { buildModule, type BuildInput, type BuildResult } from './build';
export { runSandboxed, sandboxAvailable, INSTALL_HINT } from './sandbox';
export { verifyModule, VerifyEnvironmentError, type VerifyInput } from './verify';
export {
  runVerifyCommand,
  verifyConverted,
  EXIT as VERIFY_EXIT,
  type VerifyCommandArgs,
  type VerifyOptions,
  type ConvertedFile,
  type ConvertedVerdict,
  type CommandIo,
} from './command';
export { benchVerify, formatRow as formatBenchRow, type BenchCase, type BenchResult } from './bench';
export type * from './types';
