// RFC 2634 signed receipts with `openssl cms` (OpenSSL 3.0), both ways.
//   semper asks: signData with receiptRequest → `openssl cms -sign_receipt` → verifyReceipt.
//   OpenSSL asks: `openssl cms -sign -receipt_request_to … -receipt_request_all|-receipt_request_first|
//   -receipt_request_from` → createReceipt → `openssl cms -verify_receipt`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openssl, opensslOk, type Scratch, scratch } from '../../../test/support/openssl.js';
import { SignatureVerificationError } from './errors.js';
import type { Identity } from './identity.js';
import { OID } from './oids.js';
import { createReceipt, verifyReceipt } from './receipt.js';
import { signData, verifySignedData } from './signed-data.js';
import { createTestPki, type TestPki } from './testing.js';

type Who = 'buyer' | 'merchant' | 'rsa';
let s: Scratch;
let pki: TestPki;
const ids = {} as Record<Who, Identity>;
let n = 0;
const enc = new TextEncoder();

beforeAll(async () => {
  s = await scratch('semper-receipt-openssl-');
  pki = await createTestPki();
  [ids.buyer, ids.merchant, ids.rsa] = await Promise.all([
    pki.issue('CN=Buyer'),
    pki.issue('CN=Merchant'),
    pki.issue('CN=RSA Merchant', { key: { type: 'rsa', modulusLength: 2048 } }),
  ]);
  await s.write('root.pem', pki.root.certificate.toPem());
  await s.write('int.pem', pki.intermediate.certificate.toPem());
  // A CA file that also holds the intermediate, for OpenSSL operations that get no untrusted certificates.
  await s.write('chain.pem', pki.root.certificate.toPem() + pki.intermediate.certificate.toPem());
  for (const who of Object.keys(ids) as Who[]) {
    await s.write(`${who}.pem`, ids[who].certificate.toPem());
    await s.write(`${who}.key`, ids[who].privateKey.toPem());
  }
});

afterAll(async () => {
  await s?.dispose();
});

const o = () => ({ cwd: s.dir });

/** `openssl cms -sign_receipt` of a DER original by `who`; returns the DER receipt. */
async function opensslSignReceipt(original: Uint8Array, who: Who): Promise<Uint8Array> {
  const k = ++n;
  await s.write(`orig${k}.der`, original);
  await opensslOk(
    [
      'cms',
      '-sign_receipt',
      '-in',
      `orig${k}.der`,
      '-inform',
      'DER',
      '-signer',
      `${who}.pem`,
      '-inkey',
      `${who}.key`,
      '-certfile',
      'int.pem',
      '-CAfile',
      'root.pem',
      '-outform',
      'DER',
      '-out',
      `rct${k}.der`,
    ],
    o(),
  );
  return new Uint8Array(await s.read(`rct${k}.der`));
}

/** `openssl cms -verify_receipt`; resolves with OpenSSL's result. */
async function opensslVerifyReceipt(receipt: Uint8Array, original: Uint8Array) {
  const k = ++n;
  await s.write(`vr${k}.der`, receipt);
  await s.write(`vo${k}.der`, original);
  return openssl(
    [
      'cms',
      '-verify_receipt',
      `vr${k}.der`,
      '-rctform',
      'DER',
      '-in',
      `vo${k}.der`,
      '-inform',
      'DER',
      '-CAfile',
      'chain.pem',
    ],
    o(),
  );
}

/** `openssl cms -sign` with receipt request options; returns the DER message. */
async function opensslSignWithRequest(content: Uint8Array, who: Who, args: string[]): Promise<Uint8Array> {
  const k = ++n;
  await s.write(`m${k}.in`, content);
  await opensslOk(
    [
      'cms',
      '-sign',
      '-binary',
      '-nodetach',
      '-in',
      `m${k}.in`,
      '-signer',
      `${who}.pem`,
      '-inkey',
      `${who}.key`,
      '-certfile',
      'int.pem',
      '-outform',
      'DER',
      '-out',
      `m${k}.der`,
      ...args,
    ],
    o(),
  );
  return new Uint8Array(await s.read(`m${k}.der`));
}

describe('semper asks, OpenSSL receipts', () => {
  it.each(['merchant', 'rsa'] as const)(
    'verifyReceipt accepts what `openssl cms -sign_receipt` signs (%s)',
    async (who) => {
      const content = enc.encode(`order for ${who}`);
      const id = enc.encode(`id-${who}`);
      const original = await signData(content, {
        signer: ids.buyer,
        receiptRequest: { to: ['buyer@example.org'], contentIdentifier: id },
      });
      // OpenSSL prints the request semper wrote.
      await s.write(`print-${who}.der`, original);
      const r = await openssl(
        [
          'cms',
          '-verify',
          '-binary',
          '-in',
          `print-${who}.der`,
          '-inform',
          'DER',
          '-CAfile',
          'root.pem',
          '-receipt_request_print',
          '-out',
          `print-${who}.out`,
        ],
        o(),
      );
      expect(r.code).toBe(0);
      const printed = r.stdout.toString() + r.stderr;
      expect(printed).toMatch(/Receipts From: All/);
      expect(printed).toMatch(/email:buyer@example.org/);
      expect(printed).toMatch(/0000 - 69 64 2d/); // the identifier starts with id-

      const receipt = await opensslSignReceipt(original, who);
      const v = await verifyReceipt(receipt, { original, trust: pki.trust });
      expect(v.signer.equals(ids[who].certificate)).toBe(true);
      expect(new TextDecoder().decode(v.contentIdentifier)).toBe(`id-${who}`);
      expect(v.contentType).toBe(OID.data);
      expect(v.signingTime).toBeInstanceOf(Date);
      // OpenSSL agrees with itself, and with semper, about this receipt.
      expect((await opensslVerifyReceipt(receipt, original)).code).toBe(0);
    },
  );

  it('a first-tier request for two addresses', async () => {
    const firstTier = await signData(enc.encode('first tier'), {
      signer: ids.buyer,
      receiptRequest: { to: ['a@example.org', 'b@example.org'], from: 'first-tier' },
    });
    const r = await opensslSignReceipt(firstTier, 'merchant');
    expect((await verifyReceipt(r, { original: firstTier, trust: pki.trust })).contentIdentifier).toHaveLength(32);
  });

  it('a SHA-384 original: OpenSSL digests its signed attributes for msgSigDigest with SHA-384', async () => {
    // OpenSSL (cms_ess.c, cms_msgSigDigest) digests the original's signedAttrs with the ORIGINAL SignerInfo's
    // digest algorithm, creating and verifying alike; receipt.ts uses the receipt SignerInfo's digest (SHA-256
    // here). With SHA-256 on both sides the two agree; otherwise they do not interoperate.
    const original = await signData(enc.encode('sha-384 order'), {
      signer: ids.buyer,
      digest: 'SHA-384',
      receiptRequest: { to: ['a@example.org'] },
    });
    const receipt = await opensslSignReceipt(original, 'merchant');
    expect((await opensslVerifyReceipt(receipt, original)).code).toBe(0);
    const v = await verifyReceipt(receipt, { original, trust: pki.trust });
    expect(v.signer.equals(ids.merchant.certificate)).toBe(true);
  });

  it('refuses an OpenSSL receipt for another message, and a tampered one', async () => {
    const a = await signData(enc.encode('order A'), { signer: ids.buyer, receiptRequest: { to: ['b@example.org'] } });
    const b = await signData(enc.encode('order B'), { signer: ids.buyer, receiptRequest: { to: ['b@example.org'] } });
    const receiptA = await opensslSignReceipt(a, 'merchant');
    const err = await verifyReceipt(receiptA, { original: b, trust: pki.trust }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SignatureVerificationError);
    expect(err).toMatchObject({ code: 'ERR_CRYPTO_RECEIPT_MISMATCH' });
    expect((await opensslVerifyReceipt(receiptA, b)).code).not.toBe(0);
    const tampered = receiptA.slice();
    tampered[tampered.length - 3] ^= 0x01; // inside the receipt's signature
    await expect(verifyReceipt(tampered, { original: a, trust: pki.trust })).rejects.toMatchObject({
      code: 'ERR_CRYPTO_BAD_SIGNATURE',
    });
  });
});

describe('OpenSSL asks, semper receipts', () => {
  it.each([
    ['-receipt_request_all', 'all'],
    ['-receipt_request_first', 'first-tier'],
  ] as const)('%s: createReceipt, then `openssl cms -verify_receipt`', async (flag, from) => {
    const content = enc.encode(`openssl asks ${flag}`);
    const original = await opensslSignWithRequest(content, 'buyer', ['-receipt_request_to', 'buyer@example.org', flag]);
    const asked = await verifySignedData(original, { trust: pki.trust });
    expect(asked.receiptRequest).toMatchObject({ from, to: ['buyer@example.org'] });
    expect(asked.receiptRequest?.contentIdentifier.length).toBeGreaterThan(0);
    for (const who of ['merchant', 'rsa'] as const) {
      const receipt = await createReceipt(original, { signer: ids[who], trust: pki.trust });
      const r = await opensslVerifyReceipt(receipt, original);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr + r.stdout.toString()).toMatch(/Verification successful/);
      // And semper reads its own receipt back.
      expect((await verifyReceipt(receipt, { original, trust: pki.trust })).signer.equals(ids[who].certificate)).toBe(
        true,
      );
    }
  });

  it('-receipt_request_from: a receipt list; a SHA-512 receipt for a SHA-256 original', async () => {
    const original = await opensslSignWithRequest(enc.encode('from list'), 'buyer', [
      '-receipt_request_to',
      'buyer@example.org',
      '-receipt_request_from',
      'merchant@example.org',
    ]);
    const asked = await verifySignedData(original, { trust: pki.trust });
    expect(asked.receiptRequest).toMatchObject({
      from: 'list',
      fromList: ['merchant@example.org'],
      to: ['buyer@example.org'],
    });
    const receipt = await createReceipt(original, { signer: ids.merchant, trust: pki.trust });
    expect((await opensslVerifyReceipt(receipt, original)).code).toBe(0);
    // The receipt signed with SHA-512: semper's msgSigDigest is then SHA-512 of the original's signed
    // attributes, OpenSSL expects SHA-256 (the original's digest): see the SHA-384 test above.
    const sha512 = await createReceipt(original, { signer: ids.merchant, trust: pki.trust, digest: 'SHA-512' });
    const r = await opensslVerifyReceipt(sha512, original);
    expect(r.code, r.stderr).toBe(0);
  });

  it('OpenSSL refuses semper’s receipt against another original; createReceipt refuses a message without request', async () => {
    const a = await opensslSignWithRequest(enc.encode('A'), 'buyer', [
      '-receipt_request_to',
      'x@example.org',
      '-receipt_request_all',
    ]);
    const b = await opensslSignWithRequest(enc.encode('B'), 'buyer', [
      '-receipt_request_to',
      'x@example.org',
      '-receipt_request_all',
    ]);
    const receiptA = await createReceipt(a, { signer: ids.merchant, trust: pki.trust });
    expect((await opensslVerifyReceipt(receiptA, a)).code).toBe(0);
    expect((await opensslVerifyReceipt(receiptA, b)).code).not.toBe(0);
    await expect(verifyReceipt(receiptA, { original: b, trust: pki.trust })).rejects.toMatchObject({
      code: 'ERR_CRYPTO_RECEIPT_MISMATCH',
    });
    const plain = await opensslSignWithRequest(enc.encode('no request'), 'buyer', []);
    await expect(createReceipt(plain, { signer: ids.merchant, trust: pki.trust })).rejects.toMatchObject({
      code: 'ERR_CRYPTO_NO_RECEIPT_REQUEST',
    });
  });
});
