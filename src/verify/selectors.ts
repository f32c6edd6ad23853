/**
 * What `--python` may name: a path, a bare name on PATH, a label the matrix prints (`3.12`,
 * `3.11.7`, `3.11.7#2`, `3.13t`, `3.12d`), a version (`3.11`, `3.11.7`), or a cibuildwheel build
 * selector (`cp312`, `cp313t`, `cp3*`, `cp31?`, `cp312-*`, `cp312-manylinux_x86_64`,
 * `"cp311-* cp312-*"`, `cp3{11,12}`). The last three kinds are matched against the interpreters
 * discovery found, so a label always means the row of the matrix that printed it.
 */

/** The parts of an interpreter a selector looks at. */
export interface Selectable {
  label: string;
  version: string;
  major: number;
  minor: number;
  freeThreaded: boolean;
  debug: boolean;
}

export type Selector =
  /** Contains a slash: that executable. */
  | { kind: 'path'; text: string }
  /** A bare name (`python3`, `python3.12`): the first such executable on PATH. */
  | { kind: 'name'; text: string }
  /** Starts with a digit: a matrix label first, else a version (`3.11` is every GIL-enabled non-debug 3.11). */
  | { kind: 'version'; text: string; spec?: VersionSpec }
  /** cibuildwheel's build selector: fnmatch patterns over identifiers like `cp312-manylinux_x86_64`. */
  | { kind: 'cibuildwheel'; text: string; patterns: string[] };

interface VersionSpec {
  major: number;
  minor: number;
  /** The rest of the version after `major.minor` (`.7`, `.0rc1`), when given. */
  rest?: string;
  freeThreaded: boolean;
  debug: boolean;
}

export function parseSelector(text: string): Selector {
  if (text.includes('/')) return { kind: 'path', text };
  if (/^\d/.test(text)) return { kind: 'version', text, spec: versionSpec(text) };
  if (/[*?[{\s]/.test(text) || /^(cp|pp|gp)\d/.test(text)) {
    return { kind: 'cibuildwheel', text, patterns: text.split(/\s+/).filter((p) => p).flatMap(expandBraces) };
  }
  return { kind: 'name', text };
}

/** `3.11`, `3.11.7`, `3.13t`, `3.13.0rc1t`, `3.12d`; `3.11.7#2` is a label only (no spec). */
function versionSpec(text: string): VersionSpec | undefined {
  const m = /^(\d+)\.(\d+)((?:\.\d+)?(?:(?:a|b|rc)\d+)?\+?)(t?)(d?)$/.exec(text);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), rest: m[3] || undefined, freeThreaded: m[4] === 't', debug: m[5] === 'd' };
}

/**
 * The interpreters a (non-path, non-name) selector picks. A matrix label picks exactly its row;
 * otherwise a version picks every interpreter of that version and build (free-threaded, debug),
 * and a cibuildwheel selector every non-debug CPython whose identifier it matches.
 */
export function matchSelector<T extends Selectable>(sel: Selector, found: readonly T[], tails: readonly string[] = platformTails()): T[] {
  if (sel.kind === 'version') {
    const exact = found.filter((i) => i.label === sel.text);
    if (exact.length > 0) return exact;
    const spec = sel.spec;
    if (!spec) return [];
    return found.filter(
      (i) =>
        i.major === spec.major &&
        i.minor === spec.minor &&
        i.freeThreaded === spec.freeThreaded &&
        i.debug === spec.debug &&
        (spec.rest === undefined || i.version === `${spec.major}.${spec.minor}${spec.rest}`),
    );
  }
  if (sel.kind === 'cibuildwheel') {
    const matchers = sel.patterns.map((p) => ({ re: fnmatchRegExp(p), whole: p.includes('-') }));
    return found.filter((i) => {
      const id = identifier(i);
      if (!id) return false;
      return matchers.some(({ re, whole }) => (whole ? tails.some((t) => re.test(`${id}-${t}`)) : re.test(id)));
    });
  }
  return [];
}

/** cibuildwheel's Python part of a build identifier: `cp312`, `cp313t`; debug builds have none. */
export function identifier(i: Selectable): string | undefined {
  if (i.debug) return undefined;
  return `cp${i.major}${i.minor}${i.freeThreaded ? 't' : ''}`;
}

/** The platform parts of cibuildwheel identifiers that describe this machine (`manylinux_x86_64`). */
export function platformTails(platform: NodeJS.Platform = process.platform, arch: string = process.arch): string[] {
  if (platform === 'linux') {
    const a = ({ x64: 'x86_64', ia32: 'i686', arm64: 'aarch64', ppc64: 'ppc64le', s390x: 's390x', arm: 'armv7l', riscv64: 'riscv64' } as Record<string, string>)[arch] ?? arch;
    return [`${isMusl() ? 'musllinux' : 'manylinux'}_${a}`];
  }
  if (platform === 'darwin') return [`macosx_${arch === 'x64' ? 'x86_64' : arch}`, 'macosx_universal2'];
  if (platform === 'win32') return [({ x64: 'win_amd64', ia32: 'win32', arm64: 'win_arm64' } as Record<string, string>)[arch] ?? `win_${arch}`];
  return [`${platform}_${arch}`];
}

let musl: boolean | undefined;
function isMusl(): boolean {
  if (musl === undefined) {
    const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
    musl = !header?.glibcVersionRuntime;
  }
  return musl;
}

/** Python's fnmatch: `*` anything (dashes too), `?` one character, `[seq]`, `[!seq]`; the whole string. */
export function fnmatchRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      let j = i + 1;
      if (pattern[j] === '!') j++;
      if (pattern[j] === ']') j++;
      const close = pattern.indexOf(']', j);
      if (close < 0) {
        re += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, close);
      const negate = body.startsWith('!');
      if (negate) body = body.slice(1);
      re += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = close;
    } else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

/** `cp3{11,12}-*` is `cp311-*` and `cp312-*` (cibuildwheel expands braces before matching). */
export function expandBraces(pattern: string): string[] {
  let depth = 0;
  let open = -1;
  const commas: number[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '{') {
      if (depth === 0) {
        open = i;
        commas.length = 0;
      }
      depth++;
    } else if (c === ',' && depth === 1) commas.push(i);
    else if (c === '}' && depth > 0) {
      depth--;
      if (depth === 0 && commas.length > 0) {
        const head = pattern.slice(0, open);
        const tail = pattern.slice(i + 1);
        const cuts = [open, ...commas, i];
        const alternatives = cuts.slice(0, -1).map((at, k) => pattern.slice(at + 1, cuts[k + 1]));
        return alternatives.flatMap((alt) => expandBraces(head + alt + tail));
      }
    }
  }
  return [pattern];
}
