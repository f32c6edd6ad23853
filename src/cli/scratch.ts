/**
 * Temporary folders that must not outlive the process: a run stopped with Ctrl-C exits through
 * process.exit, which skips `finally` blocks but not 'exit' listeners, so each folder is also
 * removed there. Callers still remove their folder when done (and then forget it here).
 */
import * as fs from 'node:fs';

const live = new Set<string>();
let listening = false;

export function trackScratch(dir: string): string {
  live.add(dir);
  if (!listening) {
    listening = true;
    process.on('exit', () => {
      for (const d of live) fs.rmSync(d, { recursive: true, force: true });
    });
  }
  return dir;
}

export function removeScratch(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  live.delete(dir);
}
