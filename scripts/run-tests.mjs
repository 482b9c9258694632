// Finds every *.test.ts under src/ and test/ and runs them with Node's own test runner.
// Node 20's runner has no glob support for TypeScript files, hence this small launcher.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';

function findTests(dir) {
  let found = [];
  let entries;
  try { entries = readdirSync(dir); } catch { return found; }
  for (const name of entries) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found = found.concat(findTests(path));
    else if (name.endsWith('.test.ts')) found.push(path);
  }
  return found;
}

const filter = process.argv.slice(2);
let files = [...findTests('src'), ...findTests('test')].sort();
if (filter.length > 0) files = files.filter((f) => filter.some((part) => f.includes(part)));
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
// A hung test must fail the run, not stall CI until its limit: each test gets 10 minutes, a file
// whose tests are done exits even if a leaked client would keep it alive, and the whole run gets 40
// (then its process group goes, so no orphan keeps the output open).
const RUN_LIMIT_MS = 40 * 60_000;
const args = ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-timeout=600000', '--test-force-exit', ...files];
const child = spawn(process.execPath, args, { stdio: 'inherit', detached: true });
const killAll = (signal) => {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
};
const limit = setTimeout(() => {
  console.error(`npm test: still running after ${RUN_LIMIT_MS / 60_000} minutes, killed`);
  killAll('SIGKILL');
}, RUN_LIMIT_MS);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => killAll(signal));
child.on('exit', (code) => {
  clearTimeout(limit);
  process.exit(code ?? 1);
});
