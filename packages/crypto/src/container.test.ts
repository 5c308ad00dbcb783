import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { openContainer, sealContainer } from './container.js';
import { CryptoError } from './errors.js';
import { createIdentity, type Identity } from './identity.js';
import { TrustStore } from './trust.js';

const enc = new TextEncoder();

describe('sealContainer / openContainer', () => {
  let ecSigner: Identity;
  let rsaSigner: Identity;
  let ecRecipient: Identity;
  let rsaRecipient: Identity;
  let stranger: Identity;

  beforeAll(async () => {
    [ecSigner, rsaSigner, ecRecipient, rsaRecipient, stranger] = await Promise.all([
      createIdentity({ subject: 'CN=EC Signer', key: { type: 'ec', curve: 'P-256' } }),
      createIdentity({ subject: 'CN=RSA Signer', key: { type: 'rsa', modulusLength: 2048 } }),
      createIdentity({ subject: 'CN=EC Recipient', key: { type: 'ec', curve: 'P-256' } }),
      createIdentity({ subject: 'CN=RSA Recipient', key: { type: 'rsa', modulusLength: 2048 } }),
      createIdentity({ subject: 'CN=Stranger', key: { type: 'ec', curve: 'P-256' } }),
    ]);
  });

  const modes = ['AES-256-GCM', 'AES-128-GCM', 'AES-256-CBC', 'AES-128-CBC'] as const;
  for (const mode of modes) {
    it(`round-trips with ${mode} for every signer × recipient`, async () => {
      for (const signer of [ecSigner, rsaSigner]) {
        for (const recipient of [ecRecipient, rsaRecipient]) {
          const content = enc.encode(`order 42 via ${mode}`);
          const signingTime = new Date(Math.floor(Date.now() / 1000) * 1000);
          const sealed = await sealContainer(content, {
            signer,
            recipients: [recipient.certificate],
            contentEncryption: mode,
            signingTime,
          });
          const opened = await openContainer(sealed, {
            identity: recipient,
            trust: new TrustStore([signer.certificate]),
          });
          expect(Buffer.from(opened.content).equals(Buffer.from(content))).toBe(true);
          expect(opened.signer.serialNumber).toBe(signer.certificate.serialNumber);
          expect(opened.signingTime?.getTime()).toBe(signingTime.getTime());
          expect(opened.contentType).toBe('1.2.840.113549.1.7.1');
        }
      }
    });
  }

  it('opens for each of several recipients', async () => {
    const sealed = await sealContainer(enc.encode('to both'), {
      signer: ecSigner,
      recipients: [rsaRecipient.certificate, ecRecipient.certificate],
    });
    for (const r of [rsaRecipient, ecRecipient]) {
      const opened = await openContainer(sealed, { identity: r, trust: new TrustStore([ecSigner.certificate]) });
      expect(new TextDecoder().decode(opened.content)).toBe('to both');
    }
  });

  it('refuses a recipient that is not addressed', async () => {
    const sealed = await sealContainer(enc.encode('x'), { signer: ecSigner, recipients: [ecRecipient.certificate] });
    await expect(
      openContainer(sealed, { identity: stranger, trust: new TrustStore([ecSigner.certificate]) }),
    ).rejects.toMatchObject({ code: 'ERR_CRYPTO_NO_RECIPIENT' });
  });

  it('refuses a signer that is not trusted', async () => {
    const sealed = await sealContainer(enc.encode('x'), { signer: ecSigner, recipients: [ecRecipient.certificate] });
    await expect(
      openContainer(sealed, { identity: ecRecipient, trust: new TrustStore([stranger.certificate]) }),
    ).rejects.toMatchObject({ code: 'ERR_CRYPTO_UNTRUSTED_SIGNER' });
  });

  it('refuses oversized input before parsing it', async () => {
    const sealed = await sealContainer(enc.encode('x'), { signer: ecSigner, recipients: [ecRecipient.certificate] });
    await expect(
      openContainer(sealed, {
        identity: ecRecipient,
        trust: new TrustStore([ecSigner.certificate]),
        limits: { maxBytes: 100 },
      }),
    ).rejects.toMatchObject({ code: 'ERR_CRYPTO_TOO_LARGE' });
  });

  it('refuses random bytes and hostile nesting with typed errors', async () => {
    const trust = new TrustStore([ecSigner.certificate]);
    const deep = new Uint8Array(4000);
    for (let i = 0; i < 2000; i++) deep.set([0x30, 0x80], 2 * i);
    for (const input of [new Uint8Array(0), new Uint8Array([0x30]), deep, new Uint8Array(300).fill(0xff)]) {
      const err = await openContainer(input, { identity: ecRecipient, trust }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CryptoError);
    }
  });

  // The property: changing any single byte of a sealed container makes opening fail with a typed error.
  for (const mode of ['AES-256-GCM', 'AES-256-CBC'] as const) {
    for (const recipientKind of ['EC', 'RSA'] as const) {
      it(`any single changed byte fails with a typed error (${mode}, ${recipientKind} recipient, every position)`, async () => {
        const recipient = recipientKind === 'EC' ? ecRecipient : rsaRecipient;
        const trust = new TrustStore([ecSigner.certificate]);
        const sealed = await sealContainer(enc.encode('pay 10.00 EUR to merchant 7'), {
          signer: ecSigner,
          recipients: [recipient.certificate],
          contentEncryption: mode,
        });
        const failures: string[] = [];
        // Exhaustive over positions with one mask, then fast-check over (position, mask) pairs.
        const check = async (pos: number, mask: number) => {
          const bad = new Uint8Array(sealed);
          bad[pos] ^= mask;
          const err = await openContainer(bad, { identity: recipient, trust }).then(
            () => undefined,
            (e: unknown) => e,
          );
          if (!(err instanceof CryptoError))
            failures.push(`pos ${pos} mask ${mask}: ${err === undefined ? 'opened' : String(err)}`);
        };
        for (let pos = 0; pos < sealed.length; pos++) await check(pos, 0x01);
        await fc.assert(
          fc.asyncProperty(fc.nat({ max: sealed.length - 1 }), fc.integer({ min: 1, max: 255 }), async (pos, mask) => {
            await check(pos, mask);
            return true;
          }),
          { numRuns: 300 },
        );
        expect(failures).toEqual([]);
      });
    }
  }
});
