/**
 * Writing a converted file: to a temporary file beside it, with the original's mode, then renamed
 * over it, so an interrupted run never leaves a half-written source. A symlink is written through:
 * its target changes, the link stays. Read-only files and folders are
 * refused by their mode bits (root could write them anyway, and must not).
 */
import fs from 'node:fs';
import path from 'node:path';

export class NotWritableError extends Error {}

export function checkWritable(file: string): void {
  const st = fs.statSync(file);
  if ((st.mode & 0o222) === 0) throw new NotWritableError(`the file is read-only; make it writable (chmod u+w) to convert it`);
  const dir = path.dirname(file);
  if ((fs.statSync(dir).mode & 0o222) === 0)
    throw new NotWritableError(`its folder ${dir} is read-only; make it writable to convert the file in place`);
}

const pending = new Set<string>();

/** Removes temporary files of writes cut short (called on SIGINT/exit). */
export function cleanUpPendingWrites(): void {
  for (const tmp of pending) fs.rmSync(tmp, { force: true });
  pending.clear();
}

export function writeAtomically(link: string, bytes: Uint8Array): void {
  // Through a symlink: the file it points to is converted, and the link stays a link.
  const file = fs.realpathSync(link);
  checkWritable(file);
  const { mode } = fs.statSync(file);
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.pep489-${process.pid}.tmp`);
  pending.add(tmp);
  try {
    fs.writeFileSync(tmp, bytes, { mode: mode & 0o7777 });
    fs.chmodSync(tmp, mode & 0o7777);
    fs.renameSync(tmp, file);
  } finally {
    fs.rmSync(tmp, { force: true });
    pending.delete(tmp);
  }
}
