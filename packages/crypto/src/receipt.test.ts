import { ContentInfo, SignedData } from '@peculiar/asn1-cms';
import { AsnParser } from '@peculiar/asn1-schema';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  berChildren,
  berContent,
  berOid,
  berRead,
  berSmallInteger,
  derEncode,
  derInteger,
  derOid,
  derPrimitive,
  derTlv,
  TAG,
} from './cms-structures.js';
import { CryptoError, SignatureVerificationError } from './errors.js';
import { createIdentity, type Identity } from './identity.js';
import { OID } from './oids.js';
import { createReceipt, verifyReceipt } from './receipt.js';
import { type DigestName, digest } from './signature.js';
import { signData, signWithAttributes, verifySignedData } from './signed-data.js';
import { createTestPki, type TestPki } from './testing.js';
import { TrustStore } from './trust.js';

const enc = new TextEncoder();
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const order = enc.encode('order 42: 1 × widget');

let pki: TestPki;
let buyer: Identity;
let merchant: Identity;
let rsaMerchant: Identity;
let edMerchant: Identity;
let stranger: Identity;
let buyerTrust: TrustStore;

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

beforeAll(async () => {
  pki = await createTestPki();
  [buyer, merchant, rsaMerchant, edMerchant, stranger] = await Promise.all([
    pki.issue('CN=Buyer'),
    pki.issue('CN=Merchant'),
    pki.issue('CN=RSA Merchant', { key: { type: 'rsa', modulusLength: 2048 } }),
    pki.issue('CN=Ed Merchant', { key: { type: 'ed25519' } }),
    createIdentity({ subject: 'CN=Stranger' }),
  ]);
  buyerTrust = pki.trust;
});

/** A signed order with a receipt request. */
function requestingOrder(
  o: { detached?: boolean; from?: 'all' | 'first-tier'; id?: Uint8Array; digest?: DigestName } = {},
) {
  return signData(order, {
    signer: buyer,
    detached: o.detached,
    digest: o.digest,
    receiptRequest: { to: ['buyer@example.org'], from: o.from, contentIdentifier: o.id ?? enc.encode('order-42') },
  });
}

/** The Receipt content and the msgSigDigest of a receipt. */
function receiptParts(receipt: Uint8Array) {
  const ci = AsnParser.parse(receipt, ContentInfo);
  const sd = AsnParser.parse(ci.content, SignedData);
  const content = new Uint8Array(sd.encapContentInfo.eContent?.single?.buffer ?? new ArrayBuffer(0));
  const f = berChildren(berRead(content));
  const msd = sd.signerInfos[0].signedAttrs?.find((a) => a.attrType === OID.msgSigDigest);
  return {
    sd,
    version: berSmallInteger(f[0], 'version'),
    contentType: berOid(f[1], 'contentType'),
    contentIdentifier: berContent(f[2]),
    originatorSignatureValue: berContent(f[3]),
    msgSigDigest: msd ? berContent(berRead(new Uint8Array(msd.attrValues[0]))) : undefined,
  };
}

/** A receipt signed by `signer` with the given Receipt fields and msgSigDigest (for mismatch tests). */
async function forgedReceipt(
  signer: Identity,
  fields: { contentType?: string; id: Uint8Array; signature: Uint8Array; msgSigDigest?: Uint8Array; version?: number },
): Promise<Uint8Array> {
  const receipt = derEncode(
    derTlv(
      TAG.sequence,
      derInteger(fields.version ?? 1),
      derOid(fields.contentType ?? OID.data),
      derPrimitive(TAG.octetString, fields.id),
      derPrimitive(TAG.octetString, fields.signature),
    ),
  );
  const extra =
    fields.msgSigDigest === undefined
      ? []
      : [
          derEncode(
            derTlv(
              TAG.sequence,
              derOid(OID.msgSigDigest),
              derTlv(TAG.set, derPrimitive(TAG.octetString, fields.msgSigDigest)),
            ),
          ),
        ];
  return signWithAttributes(receipt, { signer, contentType: OID.receipt }, extra);
}

/** The same signed attributes as `signed` (same content, request and signing time), signed again. */
async function withSameAttributes(signed: Uint8Array): Promise<Uint8Array> {
  const v = await verifySignedData(signed, { trust: pki.trust });
  const rr = v.receiptRequest;
  return signData(order, {
    signer: buyer,
    signingTime: v.signingTime,
    receiptRequest: rr
      ? { to: rr.to, contentIdentifier: rr.contentIdentifier, from: rr.from === 'first-tier' ? 'first-tier' : 'all' }
      : undefined,
  });
}

describe('createReceipt / verifyReceipt', () => {
  it('acknowledges a signed order: the merchant signs a receipt the buyer verifies', async () => {
    const signed = await requestingOrder();
    const signingTime = new Date('2026-05-06T07:08:09Z');
    const receipt = await createReceipt(signed, { signer: merchant, trust: buyerTrust, signingTime });
    const v = await verifyReceipt(receipt, { original: signed, trust: pki.trust });
    expect(v.signer.equals(merchant.certificate)).toBe(true);
    expect(v.chain.map((c) => c.subject)).toEqual([
      'CN=Merchant',
      'CN=semper test intermediate',
      'CN=semper test root',
    ]);
    expect(new TextDecoder().decode(v.contentIdentifier)).toBe('order-42');
    expect(v.contentType).toBe(OID.data);
    expect(v.signingTime?.toISOString()).toBe(signingTime.toISOString());
  });

  it('writes the RFC 2634 Receipt: version 1, the content type, the identifier, the original signature, msgSigDigest', async () => {
    const signed = await requestingOrder();
    const original = await verifySignedData(signed, { trust: pki.trust });
    const receipt = await createReceipt(signed, { signer: merchant, trust: buyerTrust });
    const r = receiptParts(receipt);
    expect(r.sd.version).toBe(3);
    expect(r.sd.encapContentInfo.eContentType).toBe(OID.receipt);
    expect(r.version).toBe(1);
    expect(r.contentType).toBe(OID.data);
    expect(new TextDecoder().decode(r.contentIdentifier)).toBe('order-42');
    expect(hex(r.originatorSignatureValue)).toBe(hex(original.signatureValue));
    expect(hex(r.msgSigDigest as Uint8Array)).toBe(
      hex(await digest('SHA-256', original.signedAttributesDer as Uint8Array)),
    );
    // The receipt is itself a SignedData that verifies, with content-type id-ct-receipt.
    const asSigned = await verifySignedData(receipt, { trust: pki.trust });
    expect(asSigned.contentType).toBe(OID.receipt);
  });

  it('round-trips receipts signed with SHA-384, RSA SHA-512 and Ed25519', async () => {
    // Which digest msgSigDigest uses is tested against OpenSSL in receipt.openssl.test.ts.
    const signed = await requestingOrder();
    for (const [signer, d] of [
      [merchant, 'SHA-384'],
      [rsaMerchant, 'SHA-512'],
      [edMerchant, 'SHA-256'],
    ] as const) {
      const receipt = await createReceipt(signed, { signer, trust: buyerTrust, digest: d });
      expect(receiptParts(receipt).msgSigDigest?.length).toBeGreaterThanOrEqual(32);
      const v = await verifyReceipt(receipt, { original: signed, trust: pki.trust });
      expect(v.signer.equals(signer.certificate)).toBe(true);
    }
  });

  it('acknowledges detached, first-tier and SHA-512 originals, and originals signed by RSA', async () => {
    const detached = await requestingOrder({ detached: true });
    await expect(createReceipt(detached, { signer: merchant, trust: buyerTrust })).rejects.toMatchObject({
      code: 'ERR_CRYPTO_INVALID_ARGUMENT',
    });
    const r1 = await createReceipt(detached, { signer: merchant, trust: buyerTrust, content: order });
    expect((await verifyReceipt(r1, { original: detached, trust: pki.trust })).signer.subject).toBe('CN=Merchant');
    const firstTier = await requestingOrder({ from: 'first-tier', digest: 'SHA-512' });
    const r2 = await createReceipt(firstTier, { signer: merchant, trust: buyerTrust });
    expect(
      new TextDecoder().decode((await verifyReceipt(r2, { original: firstTier, trust: pki.trust })).contentIdentifier),
    ).toBe('order-42');
    const byRsa = await signData(order, { signer: rsaMerchant, receiptRequest: { to: ['m@example.org'] } });
    const r3 = await createReceipt(byRsa, { signer: buyer, trust: pki.trust });
    expect((await verifyReceipt(r3, { original: byRsa, trust: pki.trust })).contentIdentifier).toHaveLength(32);
  });

  it('refuses to receipt a message without a request with ERR_CRYPTO_NO_RECEIPT_REQUEST', async () => {
    const plain = await signData(order, { signer: buyer });
    const err = await rejection(createReceipt(plain, { signer: merchant, trust: buyerTrust }));
    expect(err).toBeInstanceOf(CryptoError);
    expect(err).toMatchObject({ code: 'ERR_CRYPTO_NO_RECEIPT_REQUEST' });
  });

  it('refuses to receipt an original that does not verify', async () => {
    const signed = await requestingOrder();
    await expect(
      createReceipt(signed, { signer: merchant, trust: new TrustStore([stranger.certificate]) }),
    ).rejects.toMatchObject({
      code: 'ERR_CRYPTO_UNTRUSTED_SIGNER',
    });
    const tampered = signed.slice();
    tampered[Buffer.from(signed).indexOf(Buffer.from(order))] ^= 1;
    await expect(createReceipt(tampered, { signer: merchant, trust: buyerTrust })).rejects.toMatchObject({
      code: 'ERR_CRYPTO_BAD_SIGNATURE',
    });
    await expect(createReceipt(new Uint8Array(10), { signer: merchant, trust: buyerTrust })).rejects.toBeInstanceOf(
      CryptoError,
    );
  });

  it('refuses a receipt for another message with ERR_CRYPTO_RECEIPT_MISMATCH', async () => {
    const a = await requestingOrder();
    const receiptA = await createReceipt(a, { signer: merchant, trust: buyerTrust });
    // Another order: other signed attributes.
    const b = await signData(enc.encode('order 43'), {
      signer: buyer,
      receiptRequest: { to: ['buyer@example.org'], contentIdentifier: enc.encode('order-42') },
    });
    const err = await rejection(verifyReceipt(receiptA, { original: b, trust: pki.trust }));
    expect(err).toBeInstanceOf(SignatureVerificationError);
    expect(err).toMatchObject({ code: 'ERR_CRYPTO_RECEIPT_MISMATCH' });
    expect((err as Error).message).toMatch(/msgSigDigest matches no signer/);
    // The same order signed again in the same second: the same signed attributes, another (ECDSA) signature.
    const again = await withSameAttributes(a);
    await expect(verifyReceipt(receiptA, { original: again, trust: pki.trust })).rejects.toMatchObject({
      code: 'ERR_CRYPTO_RECEIPT_MISMATCH',
      message: 'the receipt quotes another signature than the original',
    });
    const plain = await signData(order, { signer: buyer });
    await expect(verifyReceipt(receiptA, { original: plain, trust: pki.trust })).rejects.toMatchObject({
      code: 'ERR_CRYPTO_RECEIPT_MISMATCH',
    });
  });

  it('refuses a tampered or untrusted receipt', async () => {
    const signed = await requestingOrder();
    const receipt = await createReceipt(signed, { signer: merchant, trust: buyerTrust });
    const sig = berChildren(
      berChildren(berChildren(berChildren(berChildren(berRead(receipt))[1])[0]).at(-1) as never)[0],
    ).at(-1);
    const bad = receipt.slice();
    bad[(sig?.contentEnd ?? 2) - 2] ^= 1;
    await expect(verifyReceipt(bad, { original: signed, trust: pki.trust })).rejects.toMatchObject({
      code: 'ERR_CRYPTO_BAD_SIGNATURE',
    });
    await expect(
      verifyReceipt(receipt, { original: signed, trust: new TrustStore([stranger.certificate]) }),
    ).rejects.toMatchObject({
      code: 'ERR_CRYPTO_UNTRUSTED_SIGNER',
    });
    // A receipt that does not verify at `at`.
    await expect(
      verifyReceipt(receipt, {
        original: signed,
        trust: pki.trust,
        at: new Date(merchant.certificate.notAfter.getTime() + 1000),
      }),
    ).rejects.toMatchObject({ code: 'ERR_CRYPTO_UNTRUSTED_SIGNER' });
  });

  it('refuses receipts whose fields do not acknowledge the original', async () => {
    const signed = await requestingOrder({ id: enc.encode('the id') });
    const original = await verifySignedData(signed, { trust: pki.trust });
    const attrs = original.signedAttributesDer as Uint8Array;
    const msd = await digest('SHA-256', attrs);
    const good = { id: enc.encode('the id'), signature: original.signatureValue, msgSigDigest: msd };
    // The forger's own well-formed receipt verifies (the helper is right).
    expect(
      (await verifyReceipt(await forgedReceipt(merchant, good), { original: signed, trust: pki.trust })).signer.subject,
    ).toBe('CN=Merchant');
    const otherSig = original.signatureValue.slice();
    otherSig[otherSig.length - 1] ^= 1;
    const cases: [string, Parameters<typeof forgedReceipt>[1], RegExp][] = [
      ['another signature', { ...good, signature: otherSig }, /quotes another signature/],
      ['another content identifier', { ...good, id: enc.encode('other id') }, /content identifier is not the one/],
      ['another content type', { ...good, contentType: '1.2.3.4' }, /content type is not the original's/],
      ['no msgSigDigest', { ...good, msgSigDigest: undefined }, /has no msgSigDigest/],
      [
        'a msgSigDigest over other attributes',
        { ...good, msgSigDigest: await digest('SHA-256', enc.encode('x')) },
        /matches no signer/,
      ],
    ];
    for (const [what, fields, why] of cases) {
      const err = await rejection(
        verifyReceipt(await forgedReceipt(merchant, fields), { original: signed, trust: pki.trust }),
      );
      expect(err, what).toBeInstanceOf(SignatureVerificationError);
      expect(err, what).toMatchObject({ code: 'ERR_CRYPTO_RECEIPT_MISMATCH' });
      expect((err as Error).message, what).toMatch(why);
    }
    // msgSigDigest matching an original that requests no receipt.
    const plain = await signData(order, { signer: buyer });
    const p = await verifySignedData(plain, { trust: pki.trust });
    const forPlain = await forgedReceipt(merchant, {
      id: enc.encode('x'),
      signature: p.signatureValue,
      msgSigDigest: await digest('SHA-256', p.signedAttributesDer as Uint8Array),
    });
    await expect(verifyReceipt(forPlain, { original: plain, trust: pki.trust })).rejects.toMatchObject({
      code: 'ERR_CRYPTO_RECEIPT_MISMATCH',
      message: 'the original requests no receipt',
    });
    // Not a receipt at all: a plain signed message.
    await expect(verifyReceipt(plain, { original: signed, trust: pki.trust })).rejects.toMatchObject({
      code: 'ERR_CRYPTO_RECEIPT_MISMATCH',
      message: `not a receipt: the content type is ${OID.data}`,
    });
    // A Receipt of version 2, and content that is no Receipt.
    await expect(
      verifyReceipt(await forgedReceipt(merchant, { ...good, version: 2 }), { original: signed, trust: pki.trust }),
    ).rejects.toMatchObject({ code: 'ERR_CRYPTO_MALFORMED' });
    const junk = await signWithAttributes(
      enc.encode('not a receipt'),
      { signer: merchant, contentType: OID.receipt },
      [],
    );
    await expect(verifyReceipt(junk, { original: signed, trust: pki.trust })).rejects.toMatchObject({
      code: 'ERR_CRYPTO_MALFORMED',
    });
  });

  it('any single changed byte of a receipt makes verifyReceipt fail with a CryptoError (property)', async () => {
    const signed = await requestingOrder();
    const receipt = await createReceipt(signed, {
      signer: merchant,
      trust: buyerTrust,
      signingTime: new Date('2026-01-01T00:00:00Z'),
    });
    const unnoticed: string[] = [];
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: receipt.length - 1 }), fc.integer({ min: 1, max: 255 }), async (pos, mask) => {
        const bad = receipt.slice();
        bad[pos] ^= mask;
        const err = await rejection(verifyReceipt(bad, { original: signed, trust: pki.trust }));
        if (!(err instanceof CryptoError)) unnoticed.push(`${pos}^${mask.toString(16)}: ${String(err)}`);
      }),
      { numRuns: 300, seed: 2634 },
    );
    // The signature-covered parts are the ones that must never change unnoticed; the unsigned digestAlgorithms
    // SET and SignedData version are reported by the SignedData mutation tests.
    const frame = berChildren(berChildren(berChildren(berRead(receipt))[1])[0]);
    const unsignedSpots = [frame[0], frame[1]].map((el) => [el.start, el.end] as const);
    const inSigned = unnoticed.filter((u) => {
      const pos = Number(u.split('^')[0]);
      return !unsignedSpots.some(([a, b]) => pos >= a && pos < b);
    });
    expect(inSigned).toEqual([]);
  });
});
