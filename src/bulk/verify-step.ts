/**
 * The verification step, kept apart so it can be replaced: before a module is committed it is built
 * and probed under every CPython found (src/verify/), in its worktree so its own headers are found,
 * against its single-phase original. `--verify` insists, `--no-verify` skips it, and by default it
 * runs when the verifier finds a CPython and its sandbox.
 */
import { removeScratch, trackScratch } from '../cli/scratch';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Expectation } from '../verify/types';
import type { VerifyVerdict } from './pr-body';

export interface VerifyRequest {
  /** The module's path in the worktree: the converted bytes are written there for the build. */
  file: string;
  /** The worktree's top: the matrix names the file relative to it. */
  root: string;
  module: string;
  original: Buffer;
  converted: Buffer;
  expect?: Expectation;
}

export interface Verifier {
  verify(req: VerifyRequest): Promise<VerifyVerdict>;
}

export interface VerifySettings {
  /** true: must verify; false: never; undefined: when possible. */
  verify?: boolean;
  python?: string[];
  /** Absolute or relative to each repository's top. */
  includeDirs?: string[];
  defines?: string[];
  timeout?: number;
  sandbox?: boolean;
  cache?: boolean;
}

export type VerifierChoice = { verifier: Verifier; describe: string } | { off: string } | { error: string };

export async function chooseVerifier(s: VerifySettings): Promise<VerifierChoice> {
  if (s.verify === false) return { off: 'verification turned off (--no-verify)' };
  const unavailable = (why: string): VerifierChoice => (s.verify ? { error: `--verify: cannot verify here: ${why}` } : { off: why });
  const { discoverPythons } = await import('../verify/pythons');
  const discovery = await discoverPythons({ explicit: s.python, cache: s.cache });
  const bad = discovery.skipped.filter((k) => !k.reason.startsWith('same interpreter'));
  if (s.python?.length && bad.length > 0) return { error: `cannot verify with ${bad.map((k) => `${k.exe} (${k.reason})`).join(', ')}` };
  if (discovery.found.length === 0) return unavailable('no CPython >= 3.8 with headers found');
  const sandbox = s.sandbox !== false;
  if (sandbox) {
    const { sandboxAvailable } = await import('../verify/sandbox');
    const available = await sandboxAvailable();
    if (!available.ok) return unavailable(available.reason);
  }
  const pythons = discovery.found;
  const labels = pythons.map((p) => p.label);
  // Each repository's own build (setup.py, compile_commands.json) says what its modules are made of.
  const { ProjectBuilds } = await import('../project/discover');
  const { projectInputs } = await import('../project/verify-inputs');
  const builds = new ProjectBuilds({ pythons, sandbox, cache: s.cache !== false });
  return {
    describe: `verifying on CPython ${labels.join(', ')}${sandbox ? ' in the bubblewrap sandbox' : ' WITHOUT a sandbox (--no-sandbox)'}`,
    verifier: {
      async verify(req) {
        const { verifyModule } = await import('../verify/verify');
        const { moduleMatrix, failureReason } = await import('../verify/report');
        const scratch = trackScratch(fs.mkdtempSync(path.join(os.tmpdir(), 'pep489-bulk-verify-')));
        // Reasons and matrices go into PR bodies and the tracking issue: no temporary worktree paths.
        const rel = (t: string) => t.split(req.root + path.sep).join('');
        try {
          const original = path.join(scratch, path.basename(req.file));
          fs.writeFileSync(original, req.original);
          fs.writeFileSync(req.file, req.converted);
          const project = await projectInputs(builds, req.file, req.module, req.root);
          // The repository does not build it on this platform: it stays out, unverified, saying why.
          if (project.notBuilt && !s.includeDirs?.length && !s.defines?.length) {
            const reason = `not verified here: ${project.notBuilt}`;
            return { ok: false, reason, matrix: reason, labels, sandbox };
          }
          const v = await verifyModule({
            ...project,
            sourcePath: req.file,
            moduleName: req.module,
            pythons,
            expect: req.expect,
            // Named after the worktree file, so its folder is searched for quoted includes.
            original: { sourcePath: original, displayPath: `${req.file} (original)` },
            includeDirs: [...(s.includeDirs ?? []).map((d) => path.resolve(req.root, d)), ...(project.includeDirs ?? [])],
            defines: [...(s.defines ?? []), ...(project.defines ?? [])],
            timeoutS: s.timeout,
            sandbox,
            cache: s.cache,
          });
          return { ok: v.ok, reason: v.ok ? undefined : rel(failureReason(v)), matrix: rel(moduleMatrix(v, req.root)), labels, sandbox };
        } catch (e) {
          const reason = rel(`verification failed: ${(e as Error).message}`);
          return { ok: false, reason, matrix: reason, labels, sandbox };
        } finally {
          fs.writeFileSync(req.file, req.original);
          removeScratch(scratch);
        }
      },
    },
  };
}
