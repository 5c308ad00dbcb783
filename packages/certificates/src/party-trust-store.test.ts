// The per-party trust store: anchors, known intermediates and the newest CRL per issuer, validated by the
// block's PathValidator, and usable as crypto's ChainValidator (verifySignedData's trust).
import { signData, verifySignedData } from '@semper/crypto';
import { createTestPki, type TestPki } from '@semper/crypto/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { issueCrl } from './crl.js';
import { CertificatesError } from './errors.js';
import { PartyTrustStore } from './party-trust-store.js';

let pki: TestPki;
let other: TestPki;

beforeAll(async () => {
  [pki, other] = await Promise.all([createTestPki({ name: 'Trust' }), createTestPki({ name: 'Other' })]);
});

describe('PartyTrustStore', () => {
  it('validates with the known intermediates, and serves as crypto’s trust', async () => {
    const alice = await pki.issue('CN=Alice');
    const trust = new PartyTrustStore({
      anchors: [pki.root.certificate],
      intermediates: [pki.intermediate.certificate],
    });
    const verdict = await trust.validate(alice.certificate, { purpose: 'sign' });
    expect(verdict.valid).toBe(true);
    const chain = await trust.buildChain(alice.certificate);
    expect(chain.map((c) => c.subject)).toEqual(['CN=Alice', 'CN=Trust intermediate', 'CN=Trust root']);
    const signed = await signData(new TextEncoder().encode('order 42'), {
      signer: { ...alice, chain: [alice.certificate] },
    });
    const verified = await verifySignedData(signed, { trust });
    expect(verified.signer.subject).toBe('CN=Alice');
    expect(verified.chain.map((c) => c.subject)).toEqual(['CN=Alice', 'CN=Trust intermediate', 'CN=Trust root']);
    const stranger = await other.issue('CN=Mallory');
    expect(
      (await trust.validate(stranger.certificate, { intermediates: [other.intermediate.certificate] })).valid,
    ).toBe(false);
  });

  it('keeps the newest CRL of each issuer, and revocation takes effect', async () => {
    const bob = await pki.issue('CN=Bob');
    const trust = new PartyTrustStore({
      anchors: [pki.root.certificate],
      intermediates: [pki.intermediate.certificate],
      defaults: { revocation: 'leaf' },
    });
    const nextUpdate = new Date(Date.now() + 86_400_000);
    const first = await issueCrl({ issuer: pki.intermediate, nextUpdate, crlNumber: 1n });
    const second = await issueCrl({
      issuer: pki.intermediate,
      entries: [{ serialNumber: bob.certificate.serialNumber, revocationDate: new Date(), reason: 'superseded' }],
      nextUpdate,
      crlNumber: 2n,
    });
    const otherCrl = await issueCrl({ issuer: other.intermediate, nextUpdate, crlNumber: 7n });
    expect(trust.addCrl(first)).toBe(true);
    expect((await trust.validate(bob.certificate)).valid).toBe(true);
    expect(trust.addCrl(second)).toBe(true);
    expect(trust.addCrl(first)).toBe(false);
    expect(trust.addCrl(otherCrl)).toBe(true);
    expect(trust.crls.map((c) => c.crlNumber)).toEqual([2n, 7n]);
    const verdict = await trust.validate(bob.certificate);
    expect(verdict).toMatchObject({ valid: false, code: 'REVOKED' });
    await expect(trust.buildChain(bob.certificate)).rejects.toMatchObject({ code: 'ERR_CRYPTO_UNTRUSTED_SIGNER' });
  });

  it('refuses what is not a certificate or a CRL, and bad defaults', () => {
    const trust = new PartyTrustStore();
    expect(() => trust.addAnchor({} as never)).toThrow(CertificatesError);
    expect(() => trust.addIntermediate(null as never)).toThrow(CertificatesError);
    expect(() => trust.addCrl({} as never)).toThrow(CertificatesError);
    expect(() => new PartyTrustStore({ defaults: { revocation: 'sometimes' as never } })).toThrow(CertificatesError);
    trust.addAnchor(pki.root.certificate);
    trust.addAnchor(pki.root.certificate);
    expect(trust.anchors).toHaveLength(1);
  });
});
