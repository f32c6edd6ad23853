// CLI tests run the real bin, which loads dist/: build it once per test run. The run's temporary
// files go to a folder of its own (TMPDIR, inherited by the test workers and every process they
// start), which global-teardown.js removes, naming whatever a test left behind.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

module.exports = async () => {
  execFileSync(process.execPath, [path.join(__dirname, '..', 'scripts', 'build.js')], { stdio: 'inherit' });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pep489-tests-'));
  process.env.PEP489_TEST_TMPDIR = tmp;
  process.env.TMPDIR = tmp;
};
