/** Reading the fixture cases in fixtures/<case>/ (see the README section on fixtures). */
import fs from 'node:fs';
import path from 'node:path';
import type { Status } from '../src/engine/engine';
import type { ConvertOptions } from '../src/engine/options';
import { DEFAULT_OPTIONS } from '../src/engine/options';

export const FIXTURES = path.join(__dirname, '..', 'fixtures');

export interface FixtureMeta {
  description: string;
  status: Status;
  module?: string;
  smoke?: string;
  reason?: string;
  options?: Partial<ConvertOptions>;
  expect?: { interpreters?: ConvertOptions['interpreters']; gil?: ConvertOptions['gil'] };
}

export interface FixtureCase {
  name: string;
  dir: string;
  meta: FixtureMeta;
  inputPath: string;
  input: Buffer;
  /** Expected output, for `changed` cases. */
  outputPath?: string;
  output?: Buffer;
  options: ConvertOptions;
  /** Why the engine does not handle it yet, if it is a known failure. */
  knownFailure?: string;
}

export function loadFixtures(): FixtureCase[] {
  const known = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'known-failures.json'), 'utf8')) as Record<string, string>;
  return fs
    .readdirSync(FIXTURES, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const dir = path.join(FIXTURES, name);
      const meta = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8')) as FixtureMeta;
      const inputName = fs.readdirSync(dir).find((f) => f.startsWith('input.'));
      if (!inputName) throw new Error(`fixtures/${name} has no input file`);
      const outputName = inputName.replace(/^input/, 'output');
      const outputPath = path.join(dir, outputName);
      const hasOutput = fs.existsSync(outputPath);
      return {
        name,
        dir,
        meta,
        inputPath: path.join(dir, inputName),
        input: fs.readFileSync(path.join(dir, inputName)),
        ...(hasOutput && { outputPath, output: fs.readFileSync(outputPath) }),
        options: { ...DEFAULT_OPTIONS, ...meta.options },
        knownFailure: known[name],
      };
    });
}

/** The same bytes with the other line ending: LF files get CRLF, CRLF files get LF. */
export function flipLineEndings(bytes: Buffer): Buffer {
  const text = bytes.toString('latin1');
  const isCrlf = /\r\n/.test(text);
  return Buffer.from(isCrlf ? text.replace(/\r\n/g, '\n') : text.replace(/\n/g, '\r\n'), 'latin1');
}
