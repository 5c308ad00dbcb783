import { createIdentity, type Identity, TrustStore } from '@semper/crypto';
import { createTestPki, type TestPki } from '@semper/crypto/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { inspectSdc, openSdc, sealSdc } from './container.js';
import { SdcError } from './errors.js';

let pki: TestPki;
let agency: Identity;
let hub: Identity;

beforeAll(async () => {
  pki = await createTestPki();
  agency = await pki.issue('CN=agency-1, O=Example Transfers');
  hub = await pki.issue('CN=hub, O=Example Transfers', { key: { type: 'rsa', modulusLength: 2048 } });
});

async function rejection(p: Promise<unknown>): Promise<SdcError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(SdcError);
  return e as SdcError;
}

describe('sealSdc / openSdc / inspectSdc', () => {
  it('round-trips a header and a body, the header readable without the key', async () => {
    const body = { table: 'transfers', rows: [{ Numero: 1, Status: 2, amount: '1250', currency: 'EUR' }] };
    const bytes = await sealSdc(
      { header: { type: 'export', sequence: 7n, id: 'sdc_test_1' }, body },
      { signer: agency, recipient: hub.certificate },
    );

    const seen = inspectSdc(bytes);
    expect(seen.header).toMatchObject({
      format: 'semper-sdc/1',
      id: 'sdc_test_1',
      type: 'export',
      sender: 'agency-1',
      recipient: 'hub',
      sequence: '7',
    });
    expect(seen.recipients).toBe(1);
    expect(seen.sizes.container).toBe(bytes.length);

    const opened = await openSdc(bytes, { identity: hub, trust: pki.trust });
    expect(opened.header).toEqual(seen.header);
    expect(opened.body).toEqual(body);
    expect(opened.signer.subject).toBe(agency.certificate.subject);
    // signing-time is a UTCTime: whole seconds of createdAt
    expect(opened.signingTime?.getTime()).toBe(Math.floor(Date.parse(opened.header.createdAt) / 1000) * 1000);
  });

  it('refuses an untrusted signer and a container for someone else', async () => {
    const bytes = await sealSdc(
      { header: { type: 'message', sequence: 1 }, body: { text: 'hi' } },
      { signer: agency, recipient: hub.certificate },
    );
    const stranger = await createIdentity({ subject: 'CN=hub' });
    expect(
      (await rejection(openSdc(bytes, { identity: hub, trust: new TrustStore([stranger.certificate]) }))).code,
    ).toBe('ERR_SDC_UNTRUSTED_SIGNER');
    expect((await rejection(openSdc(bytes, { identity: agency, trust: pki.trust }))).code).toBe(
      'ERR_SDC_WRONG_RECIPIENT',
    );
    expect((await rejection(openSdc(bytes, { identity: stranger, trust: pki.trust }))).code).toBe(
      'ERR_SDC_WRONG_RECIPIENT',
    );
  });
});
