import { beforeAll, describe, expect, it } from 'vitest';
import { decryptData, encryptData } from './enveloped-data.js';
import { signData, verifySignedData } from './signed-data.js';
import { createTestPki, type TestPki } from './testing.js';

const DAY = 86_400_000;
const enc = new TextEncoder();
let pki: TestPki;

beforeAll(async () => {
  pki = await createTestPki();
});

describe('createTestPki', () => {
  it('makes a self-signed root CA and an intermediate CA with pathLength 0 under it', async () => {
    const { root, intermediate } = pki;
    expect(root.certificate.subject).toBe('CN=semper test root');
    expect(root.certificate.isSelfIssued).toBe(true);
    expect(await root.certificate.isIssuedBy(root.certificate)).toBe(true);
    expect(root.certificate.basicConstraints).toEqual({ ca: true, pathLength: undefined });
    expect(root.certificate.keyUsage).toEqual(['keyCertSign', 'cRLSign']);
    expect(root.chain).toEqual([root.certificate]);
    expect(intermediate.certificate.subject).toBe('CN=semper test intermediate');
    expect(intermediate.certificate.issuer).toBe('CN=semper test root');
    expect(await intermediate.certificate.isIssuedBy(root.certificate)).toBe(true);
    expect(intermediate.certificate.basicConstraints).toEqual({ ca: true, pathLength: 0 });
    expect(intermediate.certificate.keyUsage).toEqual(['keyCertSign', 'cRLSign']);
    expect(intermediate.chain.map((c) => c.subject)).toEqual(['CN=semper test intermediate', 'CN=semper test root']);
    for (const id of [root, intermediate]) {
      expect(id.privateKey).toMatchObject({ type: 'ec', curve: 'P-256' });
      expect(id.privateKey.publicKey().equals(id.certificate.publicKey)).toBe(true);
      const { notBefore, notAfter } = id.certificate;
      expect(Math.abs(notBefore.getTime() - (Date.now() - 60_000))).toBeLessThan(10_000);
      expect(notAfter.getTime() - notBefore.getTime()).toBe(365 * DAY);
    }
    expect(pki.trust.anchors).toEqual([root.certificate]);
  });

  it('issues end-entity identities whose chains validate in its trust store', async () => {
    const alice = await pki.issue('CN=Alice, O=Example');
    expect(alice.certificate.subject).toBe('CN=Alice, O=Example');
    expect(alice.certificate.issuer).toBe('CN=semper test intermediate');
    expect(alice.chain.map((c) => c.subject)).toEqual(['CN=Alice, O=Example', 'CN=semper test intermediate']);
    expect(alice.certificate.basicConstraints).toEqual({ ca: false, pathLength: undefined });
    expect(alice.certificate.keyUsage).toEqual(['digitalSignature', 'nonRepudiation', 'keyAgreement']);
    expect(alice.certificate.extendedKeyUsage).toBeUndefined();
    expect(alice.certificate.notAfter.getTime() - alice.certificate.notBefore.getTime()).toBe(30 * DAY);
    const chain = await pki.trust.buildChain(alice.certificate, alice.chain.slice(1));
    expect(chain.map((c) => c.subject)).toEqual([
      'CN=Alice, O=Example',
      'CN=semper test intermediate',
      'CN=semper test root',
    ]);
    // It signs what the trust store verifies, and receives what is encrypted to it.
    const signed = await signData(enc.encode('hello'), { signer: alice });
    expect((await verifySignedData(signed, { trust: pki.trust })).signer.equals(alice.certificate)).toBe(true);
    const sealed = await encryptData(enc.encode('secret'), { recipients: [alice.certificate] });
    expect(new TextDecoder().decode((await decryptData(sealed, { identity: alice })).content)).toBe('secret');
  });

  it('honours key, keyUsage, extendedKeyUsage, notBefore and validityDays', async () => {
    // Tomorrow, whole seconds: inside the intermediate's validity, not yet valid now.
    const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000 + DAY);
    const [rsa, ed, custom] = await Promise.all([
      pki.issue('CN=RSA', { key: { type: 'rsa', modulusLength: 2048 } }),
      pki.issue('CN=Ed', { key: { type: 'ed25519' } }),
      pki.issue('CN=Custom', {
        key: { type: 'ec', curve: 'P-384' },
        keyUsage: ['digitalSignature'],
        extendedKeyUsage: ['1.3.6.1.5.5.7.3.4'],
        notBefore,
        validityDays: 2,
      }),
    ]);
    expect(rsa.privateKey.type).toBe('rsa');
    expect(rsa.certificate.keyUsage).toEqual(['digitalSignature', 'nonRepudiation', 'keyEncipherment']);
    expect(ed.privateKey.type).toBe('ed25519');
    expect(ed.certificate.keyUsage).toEqual(['digitalSignature']);
    expect(custom.privateKey.curve).toBe('P-384');
    expect(custom.certificate.keyUsage).toEqual(['digitalSignature']);
    expect(custom.certificate.extendedKeyUsage).toEqual(['1.3.6.1.5.5.7.3.4']);
    expect(custom.certificate.notBefore.toISOString()).toBe(notBefore.toISOString());
    expect(custom.certificate.notAfter.getTime()).toBe(notBefore.getTime() + 2 * DAY);
    for (const id of [rsa, ed]) {
      const v = await verifySignedData(await signData(enc.encode('x'), { signer: id }), { trust: pki.trust });
      expect(v.chain).toHaveLength(3);
    }
    // Valid only within its own period.
    await expect(pki.trust.buildChain(custom.certificate, custom.chain.slice(1))).rejects.toMatchObject({
      code: 'ERR_CRYPTO_UNTRUSTED_SIGNER',
    });
    expect(
      await pki.trust.buildChain(custom.certificate, custom.chain.slice(1), new Date(notBefore.getTime() + DAY)),
    ).toHaveLength(3);
  });

  it('makes an independent PKI each time, with its own name and key type', async () => {
    const other = await createTestPki({ name: 'other', key: { type: 'ed25519' } });
    expect(other.root.certificate.subject).toBe('CN=other root');
    expect(other.intermediate.certificate.subject).toBe('CN=other intermediate');
    expect(other.root.privateKey.type).toBe('ed25519');
    const bob = await other.issue('CN=Bob');
    expect(await other.trust.buildChain(bob.certificate, bob.chain.slice(1))).toHaveLength(3);
    await expect(pki.trust.buildChain(bob.certificate, bob.chain.slice(1))).rejects.toMatchObject({
      code: 'ERR_CRYPTO_UNTRUSTED_SIGNER',
    });
    // Two PKIs with the same names are still different PKIs.
    const twin = await createTestPki();
    const carol = await twin.issue('CN=Carol');
    await expect(pki.trust.buildChain(carol.certificate, carol.chain.slice(1))).rejects.toMatchObject({
      code: 'ERR_CRYPTO_UNTRUSTED_SIGNER',
    });
  });

  it('refuses a bad subject with ERR_CRYPTO_INVALID_ARGUMENT', async () => {
    await expect(pki.issue('not a name')).rejects.toMatchObject({ code: 'ERR_CRYPTO_INVALID_ARGUMENT' });
    await expect(pki.issue('CN=x', { key: { type: 'rsa', modulusLength: 1024 } as never })).rejects.toMatchObject({
      code: 'ERR_CRYPTO_INVALID_ARGUMENT',
    });
  });
});
