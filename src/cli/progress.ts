/**
 * A progress line on stderr while a run goes through many files: files done / total, the file, the
 * time so far. Only on a terminal (and never with --json or --interactive, which the caller decides);
 * redrawn at most ten times a second, and erased before anything else is printed.
 */

/** Runs over fewer files finish before a progress line would be any use. */
export const PROGRESS_MIN_FILES = 20;
const REDRAW_MS = 100;

export interface Progress {
  update(done: number, total: number, file: string): void;
  /** Erases the line. */
  done(): void;
}

export const NO_PROGRESS: Progress = { update: () => {}, done: () => {} };

function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** The line for a terminal `columns` wide: the file name loses its start when it does not fit. */
export function progressLine(done: number, total: number, file: string, elapsedMs: number, columns: number): string {
  const width = String(total).length;
  const head = `[${String(done).padStart(width)}/${total}] ${clock(elapsedMs)} `;
  const room = Math.max(0, columns - head.length - 1);
  const name = file.length > room ? (room > 1 ? '…' + file.slice(file.length - room + 1) : '') : file;
  return head + name;
}

export function createProgress(opts: {
  write: (s: string) => void;
  columns: number;
  display: (file: string) => string;
  now?: () => number;
}): Progress {
  const now = opts.now ?? Date.now;
  const started = now();
  let last = -Infinity;
  let shown = false;
  return {
    update(done, total, file) {
      const t = now();
      if (t - last < REDRAW_MS && done < total) return;
      last = t;
      shown = true;
      opts.write(`\r${progressLine(done, total, opts.display(file), t - started, opts.columns)}\x1b[K`);
    },
    done() {
      if (shown) opts.write('\r\x1b[K');
      shown = false;
    },
  };
}
