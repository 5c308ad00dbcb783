// `semper archive verify` on evidence bundles made with the archive API: valid (0), tampered or untrusted
// (1), garbage or unreadable (2).
import { openArchive, SIGNED_DATA_CONTENT_TYPE } from '@semper/archive';
import { createIdentity, signData } from '@semper/crypto';
import { openStore } from '@semper/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Scratch, scratch } from '../../../test/support/openssl.js';
import { tamper } from './pki.test-util.js';
import { errorLine, type RunResult, run, words } from './run.test-util.js';

let s: Scratch;
const semper = (line: string): Promise<RunResult> => run(words(line), { cwd: s.dir });
const PAYMENT = 'payment received: 29.90 EUR, reference 4711';

beforeAll(async () => {
  s = await scratch('semper-cli-archive-');
  const [merchant, other] = await Promise.all([
    createIdentity({ subject: 'CN=Merchant,O=Shop' }),
    createIdentity({ subject: 'CN=Someone Else' }),
  ]);
  await s.write('merchant.pem', merchant.certificate.toPem());
  await s.write('other.pem', other.certificate.toPem());
  const store = await openStore('pglite:memory');
  try {
    const archive = await openArchive({ store, name: 'merchant', identity: merchant });
    const offer = await signData(new TextEncoder().encode('{"offer":"3 books","price":"EUR 42.00"}'), {
      signer: merchant,
    });
    await archive.append({
      dealId: 'deal_42',
      step: 'offer',
      direction: 'sent',
      peer: 'CN=Buyer',
      content: offer,
      contentType: SIGNED_DATA_CONTENT_TYPE,
    });
    await archive.append({ dealId: 'deal_42', step: 'payment', direction: 'received', content: Buffer.from(PAYMENT) });
    const bundle = await archive.exportBundle('deal_42');
    await s.write('deal_42.tar', bundle);
    await s.write('tampered.tar', tamper(bundle, PAYMENT));
    await s.write('garbage.tar', 'this is not a tar file, nor a bundle'.repeat(20));
  } finally {
    await store.close();
  }
}, 120_000);
afterAll(async () => {
  await s?.dispose();
});

describe('semper archive verify', () => {
  it('a valid bundle: exit 0, the report on stdout', async () => {
    const r = await semper('archive verify deal_42.tar --CAfile merchant.pem');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^semper evidence bundle: VALID\n/);
    expect(r.stdout).toMatch(/records: +2 of the deal, all covered by a valid signed checkpoint/);
    expect(r.stdout).toMatch(/statements: +1 CMS signed, all verified/);
    const j = await semper('archive verify deal_42.tar --CAfile merchant.pem --signer merchant.pem --json');
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout)).toMatchObject({
      verdict: 'valid',
      archive: 'merchant',
      dealId: 'deal_42',
      issues: [],
    });
  });

  it('a tampered bundle: exit 1, the problem in the report and on stderr', async () => {
    const r = await semper('archive verify tampered.tar --CAfile merchant.pem');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^semper evidence bundle: INVALID \(1 problem\)\n/);
    expect(r.stdout).toContain('CONTENT ALTERED');
    expect(errorLine(r.stderr)).toMatchObject({
      code: 'ERR_CLI_BUNDLE_INVALID',
      message: expect.stringMatching(/^tampered\.tar: 1 problem; first: record 2: record 2 was altered/),
    });
    const j = await semper('archive verify tampered.tar --CAfile merchant.pem --json');
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout)).toMatchObject({
      verdict: 'invalid',
      issues: [{ kind: 'altered', seq: 2, part: 'content' }],
    });
  });

  it("checkpoints signed by someone the CAfile does not trust, or not the --signer's: exit 1", async () => {
    let r = await semper('archive verify deal_42.tar --CAfile other.pem');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^semper evidence bundle: INVALID/);
    expect(errorLine(r.stderr).code).toBe('ERR_CLI_BUNDLE_INVALID');
    r = await semper('archive verify deal_42.tar --CAfile merchant.pem --signer other.pem');
    expect(r.code).toBe(1);
  });

  it('garbage: exit 2 (malformed), with the report; a missing file or CAfile: exit 2', async () => {
    const r = await semper('archive verify garbage.tar --CAfile merchant.pem --json');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ verdict: 'malformed', issues: [{ kind: 'malformed' }] });
    expect(errorLine(r.stderr).code).toMatch(/^ERR_ARCHIVE_BUNDLE_(MALFORMED|UNSUPPORTED)$/);
    const missing = await semper('archive verify missing.tar --CAfile merchant.pem');
    expect(missing.code).toBe(2);
    expect(missing.stdout).toBe('');
    expect(errorLine(missing.stderr).code).toBe('ERR_ARCHIVE_BUNDLE_IO');
    const noCa = await semper('archive verify deal_42.tar --CAfile missing.pem');
    expect(noCa.code).toBe(2);
    expect(errorLine(noCa.stderr).code).toBe('ERR_CLI_READ');
  });
});
