// Removes the test run's temporary folder (global-setup.js), after saying what tests left in it.
const fs = require('node:fs');

module.exports = async () => {
  const tmp = process.env.PEP489_TEST_TMPDIR;
  if (!tmp) return;
  const left = fs.readdirSync(tmp);
  if (left.length) process.stderr.write(`\ntests left ${left.length} temporary entries behind (removed now): ${left.slice(0, 10).join(', ')}${left.length > 10 ? ', ...' : ''}\n`);
  fs.rmSync(tmp, { recursive: true, force: true });
};
