// A vitest reporter for scripts/test-summary.mjs: at the end of the run it writes, to the file named by
// $SEMPER_TEST_SUMMARY, the counts (passed, failed, skipped, files that failed to load) and every skipped
// test with the reason it was not run — the note of `ctx.skip(note)`, or the `not run: <reason>` in the
// name of a placeholder test (how a services suite reports a server that could not be started).
import { writeFileSync } from 'node:fs';

/** The reason a skipped test gives, if any. */
function reasonOf(testCase, result) {
  if (result.note) return result.note;
  const match = /(?:^|\s)not run: (.+)$/.exec(testCase.name);
  if (match) return match[1];
  // Tests of a suite whose beforeAll hook (or whose file) failed are reported as skipped.
  for (let suite = testCase.parent; suite; suite = suite.type === 'module' ? undefined : suite.parent) {
    if (suite.state() === 'failed') return 'their suite or file failed before they ran (see the errors above)';
  }
  return undefined;
}

export default class TestSummaryReporter {
  onTestRunEnd(testModules, unhandledErrors, reason) {
    const file = process.env.SEMPER_TEST_SUMMARY;
    if (!file) return;
    const summary = { reason, passed: 0, failed: 0, skipped: 0, brokenFiles: [], unhandledErrors: 0, notRun: [] };
    summary.unhandledErrors = unhandledErrors.length;
    for (const module of testModules) {
      const project = module.project.name;
      const path = module.relativeModuleId;
      if (module.state() === 'failed' && module.errors().length > 0) summary.brokenFiles.push({ project, path });
      for (const testCase of module.children.allTests()) {
        const result = testCase.result();
        if (result.state === 'passed') summary.passed++;
        else if (result.state === 'failed') summary.failed++;
        else if (result.state === 'skipped') {
          summary.skipped++;
          summary.notRun.push({ project, path, name: testCase.fullName, reason: reasonOf(testCase, result) });
        }
      }
    }
    writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);
  }
}
