/**
 * Semantics-preserving variants of every fixture input (scripts/variants-lib.js: CRLF, a byte order
 * mark, a static helper renamed, trailing comments, tab indentation) convert exactly as the
 * original does, mapped through the variant. The same harness runs by hand: node scripts/variants-lib.js.
 */
import { convertBytes } from '../src/cli/runner';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { runVariants } = require('../scripts/variants-lib.js');

test('every variant of every fixture converts as its original', async () => {
  const { count, found } = await runVariants(convertBytes);
  expect(count).toBeGreaterThan(500);
  expect(found).toEqual([]);
});
