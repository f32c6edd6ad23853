/** The tool's own version, from its package.json, and the shape every --json report shares. */

export function packageVersion(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      return (require(rel) as { version: string }).version;
    } catch {
      /* try the next layout: src/cli in a checkout, dist/src/cli when built */
    }
  }
  return 'unknown';
}

/**
 * Every JSON report (convert, verify, audit, a usage error) starts the same way: which tool and
 * version wrote it, and which command. Files are `path` in all of them.
 */
export function jsonDocument(command: 'convert' | 'verify' | 'audit' | 'bulk-pr', body: Record<string, unknown>): string {
  return JSON.stringify({ tool: 'pep489-codemod', version: packageVersion(), command, ...body }, null, 2) + '\n';
}
