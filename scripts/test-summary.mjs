#!/usr/bin/env node
// `npm test`: runs vitest (every project, or what the arguments select), then prints what did not run
// and why, and the closing line "tests: N passed, N failed, N skipped"; exits with vitest's exit code.
// Used by `npm test`, `npm run test:services` and so by .ci/run.
//
//   node scripts/test-summary.mjs [vitest run arguments…]
//
// The counts and the reasons come from scripts/test-summary.reporter.mjs, which writes them to
// .vitest-report.json (git-ignored). A skipped test says why it was skipped with `ctx.skip(reason)` or,
// for a whole suite that cannot run here (no PostgreSQL server), with a placeholder test named
// `not run: <reason>`; a skip without either is listed as "no reason given".
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const report = resolve(root, '.vitest-report.json');
rmSync(report, { force: true });
const args = [
  'vitest',
  'run',
  '--reporter=default',
  `--reporter=${resolve(root, 'scripts/test-summary.reporter.mjs')}`,
  ...process.argv.slice(2),
];
const run = spawnSync('npx', args, {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, SEMPER_TEST_SUMMARY: report },
});

const MAX_NAMES = 5;
const lines = [];
if (!existsSync(report)) {
  lines.push('tests: no report was written (vitest failed before the tests ran: see the error above)');
} else {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  // Group the skipped tests by file and reason: a suite that could not run is one entry.
  const groups = new Map();
  for (const t of r.notRun) {
    const reason = t.reason ?? 'no reason given (it.skip, .only or a -t filter)';
    const key = `${t.project}\0${t.path}\0${reason}`;
    if (!groups.has(key)) groups.set(key, { project: t.project, path: t.path, reason, names: [] });
    groups.get(key).names.push(t.name);
  }
  if (groups.size > 0) {
    lines.push(`not run (${r.skipped} test(s)):`);
    for (const g of groups.values()) {
      lines.push(`  [${g.project}] ${g.path}: ${g.names.length} test(s), because ${g.reason}`);
      // A `not run: <reason>` placeholder's name is its reason: no need to print it twice.
      const names = g.names.filter((name) => !name.includes('not run: '));
      for (const name of names.slice(0, MAX_NAMES)) lines.push(`      ${name}`);
      if (names.length > MAX_NAMES) lines.push(`      … and ${names.length - MAX_NAMES} more`);
    }
  }
  for (const f of r.brokenFiles) lines.push(`failed to load: [${f.project}] ${f.path}`);
  let line = `tests: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`;
  if (r.brokenFiles.length > 0) line += `, ${r.brokenFiles.length} file(s) failed to load`;
  if (r.unhandledErrors > 0) line += `, ${r.unhandledErrors} unhandled error(s)`;
  if (r.passed + r.failed + r.skipped === 0) {
    line += run.status === 0 ? ' (no test ran)' : ' (no test ran: vitest failed before the tests, see the error above)';
  }
  if (r.reason === 'interrupted') line += ' (interrupted)';
  lines.push(line);
}
console.log(`\n${lines.join('\n')}`);
process.exit(run.status ?? 1);
