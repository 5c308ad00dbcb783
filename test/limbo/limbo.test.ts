// The x509-limbo vectors through the harness of `npm run limbo`: semper's PathValidator must pass at least
// 90% of the applicable cases, and more than pkijs' CertificateChainValidationEngine in the same run.
// Skipped (with the reason) only when the vectors file is absent: it is not part of the repository.
import { describe, expect, it } from 'vitest';
import { formatReport, limboPath, loadLimbo, notApplicable, runLimbo, summarize } from './harness.js';

describe('x509-limbo', () => {
  it('semper passes >= 90% of the applicable cases, and more than pkijs', async (ctx) => {
    const file = loadLimbo();
    if (file === undefined) {
      ctx.skip(`x509-limbo vectors not found at ${limboPath()} (set SEMPER_LIMBO to the path of limbo.json)`);
      return;
    }
    // A shorter limit for pkijs than `npm run limbo` (5 s): the cases it does not finish take it in full.
    const outcomes = await runLimbo(file, { pkijsTimeoutMs: 3000 });
    const s = summarize(outcomes);
    const report = formatReport(outcomes);
    expect(JSON.parse(report[report.length - 1])).toEqual({
      semper: s.semper,
      pkijs: s.pkijs,
      notApplicable: s.notApplicable.map((x) => x.id),
    });
    expect(s.semper.applicable + s.notApplicable.length).toBe(file.testcases.length);
    expect(s.semper.applicable).toBeGreaterThan(file.testcases.length / 2);
    expect(s.semper.passed / s.semper.applicable, report.join('\n')).toBeGreaterThanOrEqual(0.9);
    expect(s.semper.passed).toBeGreaterThan(s.pkijs.passed);
    // Every not-applicable case has its reason.
    for (const tc of file.testcases) {
      if (s.notApplicable.some((x) => x.id === tc.id)) expect(notApplicable(tc)?.length).toBeGreaterThan(40);
    }
  }, 240_000);
});
