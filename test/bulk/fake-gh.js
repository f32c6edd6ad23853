#!/usr/bin/env node
// A stand-in for the GitHub CLI: logs every call (args, cwd, the body file's text) to
// $FAKE_GH_DIR/log.jsonl and keeps pull requests in $FAKE_GH_DIR/prs.json.
// FAKE_GH_AUTH_FAIL=1 fails `gh auth status`; FAKE_GH_FAIL_HEAD=<branch> fails `gh pr create` for it.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const dir = process.env.FAKE_GH_DIR;
const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const entry = { args, cwd: process.cwd() };
if (opt('--body-file')) entry.body = fs.readFileSync(opt('--body-file'), 'utf8');
fs.appendFileSync(path.join(dir, 'log.jsonl'), JSON.stringify(entry) + '\n');
const prsFile = path.join(dir, 'prs.json');
const prs = fs.existsSync(prsFile) ? JSON.parse(fs.readFileSync(prsFile, 'utf8')) : [];

if (args[0] === '--version') {
  console.log('gh version 2.99.0 (fake)');
} else if (args[0] === 'auth' && args[1] === 'status') {
  if (process.env.FAKE_GH_AUTH_FAIL) {
    console.error('You are not logged into any GitHub hosts. To log in, run: gh auth login');
    process.exit(1);
  }
  console.log('github.com\n  ✓ Logged in to github.com account porter');
} else if (args[0] === 'pr' && args[1] === 'list') {
  const mine = prs.filter((p) => p.head === opt('--head') && p.repo === process.cwd());
  console.log(JSON.stringify(mine.map((p) => ({ number: p.number, url: p.url, state: p.state }))));
} else if (args[0] === 'pr' && args[1] === 'create') {
  const head = opt('--head');
  if (process.env.FAKE_GH_FAIL_HEAD === head) {
    console.error('pull request create failed: GraphQL: was submitted too quickly (createPullRequest)');
    process.exit(1);
  }
  const number = prs.length + 1;
  const url = `https://github.com/example/${path.basename(process.cwd())}/pull/${number}`;
  prs.push({ head, number, url, state: 'OPEN', repo: process.cwd(), title: opt('--title'), draft: args.includes('--draft') });
  fs.writeFileSync(prsFile, JSON.stringify(prs, null, 1));
  console.log(url);
} else {
  console.error(`fake gh: unexpected call: ${args.join(' ')}`);
  process.exit(2);
}
