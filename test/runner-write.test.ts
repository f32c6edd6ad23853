/** Writing a conversion: never over an edit someone saved after the file was read. Real files. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readAndConvert, writeOutcome } from '../src/cli/runner';
import { DEFAULT_OPTIONS } from '../src/engine/options';
import { FIXTURES } from './fixture-cases';

test('a file changed on disk after it was read is not written, and says so', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-write-'));
  const file = path.join(dir, 'minimal.c');
  fs.copyFileSync(path.join(FIXTURES, 'minimal', 'input.c'), file);
  const outcome = await readAndConvert(file, DEFAULT_OPTIONS);
  expect(outcome.status).toBe('changed');
  fs.appendFileSync(file, '/* saved by the user meanwhile */\n');
  const edited = fs.readFileSync(file);
  const written = writeOutcome(outcome);
  expect(written).toMatchObject({ status: 'failed', writeError: true, reason: expect.stringContaining('changed on disk after it was read') });
  expect(fs.readFileSync(file)).toEqual(edited);
  // Unchanged since it was read: written.
  const again = await readAndConvert(file, DEFAULT_OPTIONS);
  expect(writeOutcome(again).status).toBe('changed');
  expect(fs.readFileSync(file, 'utf8')).toContain('PyModuleDef_Init');
  fs.rmSync(dir, { recursive: true, force: true });
});
