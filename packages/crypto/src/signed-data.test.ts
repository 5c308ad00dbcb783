import { ContentInfo, SignedData } from '@peculiar/asn1-cms';
import { AsnConvert, AsnParser } from '@peculiar/asn1-schema';
import * as asn1js from 'asn1js';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { Certificate } from './certificate.js';
import {
  type BerElement,
  berBytes,
  berChildren,
  berContent,
  berRead,
  derEncode,
  derOid,
  derPrimitive,
  derTlv,
  TAG,
} from './cms-structures.js';
import { CryptoError, SignatureVerificationError } from './errors.js';
import { createIdentity, type Identity } from './identity.js';
import { OID } from './oids.js';
import { type DigestName, digest, signBytes } from './signature.js';
import { inspectSignedData, signData, signWithAttributes, verifySignedData } from './signed-data.js';
import { createTestPki, type TestPki } from './testing.js';
import { TrustStore } from './trust.js';

const enc = new TextEncoder();
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const content = enc.encode('order 42: 3 × widget, 12.00 EUR');
const digests: DigestName[] = ['SHA-256', 'SHA-384', 'SHA-512'];

let pki: TestPki;
const ids = {} as Record<'ec' | 'p384' | 'rsa' | 'ed', Identity>;
let alice: Identity;
let aliceTrust: TrustStore;

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

beforeAll(async () => {
  pki = await createTestPki();
  [ids.ec, ids.p384, ids.rsa, ids.ed, alice] = await Promise.all([
    pki.issue('CN=EC Signer, O=semper'),
    pki.issue('CN=P-384 Signer', { key: { type: 'ec', curve: 'P-384' } }),
    pki.issue('CN=RSA Signer', { key: { type: 'rsa', modulusLength: 2048 } }),
    pki.issue('CN=Ed25519 Signer', { key: { type: 'ed25519' } }),
    createIdentity({ subject: 'CN=Alice' }),
  ]);
  aliceTrust = new TrustStore([alice.certificate]);
});

/** The structure of a SignedData, through @peculiar/asn1-cms. */
function structure(bytes: Uint8Array): SignedData {
  const ci = AsnParser.parse(bytes, ContentInfo);
  expect(ci.contentType).toBe(OID.signedData);
  return AsnParser.parse(ci.content, SignedData);
}

/** The frame of a DER SignedData: the ContentInfo, the SignedData fields, the first SignerInfo's fields. */
function frame(bytes: Uint8Array) {
  const ci = berRead(bytes);
  const sd = berChildren(berChildren(ci)[1])[0];
  const fields = berChildren(sd);
  const signerInfos = fields[fields.length - 1];
  const si = berChildren(signerInfos)[0];
  return { fields, signerInfos, si, siFields: berChildren(si) };
}

/**
 * Rebuilds a SignedData with its first SignerInfo's signed attributes changed by `change` (the DER Attribute
 * encodings, in order), re-signed with `resign` when given (so that the signature covers the new bytes).
 */
async function withAttributes(
  bytes: Uint8Array,
  change: (attrs: Uint8Array[]) => Uint8Array[],
  resign?: Identity,
  digestName: DigestName = 'SHA-256',
): Promise<Uint8Array> {
  const { fields, siFields } = frame(bytes);
  const attrsEl = siFields[3];
  const attrs = change(berChildren(attrsEl).map((a) => new Uint8Array(berBytes(a))));
  const setOf = derEncode(derTlv(TAG.set, ...attrs));
  let signature = berBytes(siFields[5]);
  if (resign)
    signature = derEncode(derPrimitive(TAG.octetString, await signBytes(resign.privateKey, digestName, setOf)));
  const implicit = setOf.slice();
  implicit[0] = TAG.context0c;
  const si = derTlv(TAG.sequence, ...siFields.slice(0, 3).map(berBytes), implicit, berBytes(siFields[4]), signature);
  const sd = derTlv(TAG.sequence, ...fields.slice(0, -1).map(berBytes), derTlv(TAG.set, si));
  return derEncode(derTlv(TAG.sequence, derOid(OID.signedData), derTlv(TAG.context0c, sd)));
}

function attribute(oid: string, value: Uint8Array | ReturnType<typeof derTlv>): Uint8Array {
  return derEncode(derTlv(TAG.sequence, derOid(oid), derTlv(TAG.set, value)));
}

function attrOid(a: Uint8Array): string {
  const oidEl = berChildren(berRead(a))[0];
  return asn1js.fromBER(berBytes(oidEl)).result.valueBlock.toString();
}

describe('signData / verifySignedData', () => {
  it('signs attached content and verifies it: content, signer, chain, signing time, digest', async () => {
    const signingTime = new Date('2026-03-04T05:06:07Z');
    const signed = await signData(content, { signer: ids.ec, signingTime });
    const v = await verifySignedData(signed, { trust: pki.trust });
    expect(hex(v.content)).toBe(hex(content));
    expect(v.contentType).toBe(OID.data);
    expect(v.signer.equals(ids.ec.certificate)).toBe(true);
    expect(v.chain.map((c) => c.subject)).toEqual([
      'CN=EC Signer, O=semper',
      'CN=semper test intermediate',
      'CN=semper test root',
    ]);
    expect(v.chain[2]).toBe(pki.trust.anchors[0]);
    expect(v.signingTime?.toISOString()).toBe(signingTime.toISOString());
    expect(v.digestAlgorithm).toBe('SHA-256');
    expect(v.receiptRequest).toBeUndefined();
    expect(v.signers).toHaveLength(1);
    expect(hex(v.signatureValue)).toBe(hex(berContent(frame(signed).siFields[5])));
    // The structure: version 1, one digest algorithm, the content, the chain, one SignerInfo by issuer and serial.
    const sd = structure(signed);
    expect(sd.version).toBe(1);
    expect(sd.digestAlgorithms.map((a) => a.algorithm)).toEqual([OID.sha256]);
    expect(sd.encapContentInfo.eContentType).toBe(OID.data);
    expect(hex(new Uint8Array(sd.encapContentInfo.eContent?.single?.buffer ?? new ArrayBuffer(0)))).toBe(hex(content));
    expect(sd.certificates).toHaveLength(2);
    expect(sd.signerInfos).toHaveLength(1);
    const si = sd.signerInfos[0];
    expect(si.version).toBe(1);
    expect(si.sid.issuerAndSerialNumber?.serialNumber).toBeDefined();
    expect(hex(new Uint8Array(si.sid.issuerAndSerialNumber?.serialNumber ?? new ArrayBuffer(0)))).toBe(
      hex(ids.ec.certificate.serialDer),
    );
    expect(si.signatureAlgorithm.algorithm).toBe(OID.ecdsaWithSHA256);
    // The output is DER: asn1js re-encodes it to the same bytes.
    const parsed = asn1js.fromBER(signed);
    expect(parsed.offset).toBe(signed.length);
    expect(hex(new Uint8Array(parsed.result.toBER()))).toBe(hex(signed));
  });

  it('defaults the signing time to now (UTCTime, whole seconds)', async () => {
    const before = Math.floor(Date.now() / 1000) * 1000;
    const v = await verifySignedData(await signData(content, { signer: alice }), { trust: aliceTrust });
    expect(v.signingTime?.getTime()).toBeGreaterThanOrEqual(before);
    expect(v.signingTime?.getTime()).toBeLessThanOrEqual(Date.now());
    expect((v.signingTime?.getTime() ?? 1) % 1000).toBe(0);
  });

  it('signs detached content, verified only with the content passed', async () => {
    const signed = await signData(content, { signer: ids.ec, detached: true });
    expect(structure(signed).encapContentInfo.eContent).toBeUndefined();
    expect(Buffer.from(signed).includes(Buffer.from(content))).toBe(false);
    const v = await verifySignedData(signed, { trust: pki.trust, content });
    expect(hex(v.content)).toBe(hex(content));
    const missing = await rejection(verifySignedData(signed, { trust: pki.trust }));
    expect(missing).toMatchObject({
      code: 'ERR_CRYPTO_INVALID_ARGUMENT',
      message: 'the signature is detached: its content must be passed',
    });
    const other = await rejection(verifySignedData(signed, { trust: pki.trust, content: enc.encode('order 43') }));
    expect(other).toBeInstanceOf(SignatureVerificationError);
    expect(other).toMatchObject({ code: 'ERR_CRYPTO_BAD_SIGNATURE' });
    // Attached content and a content option: refused.
    const attached = await signData(content, { signer: ids.ec });
    await expect(verifySignedData(attached, { trust: pki.trust, content })).rejects.toMatchObject({
      code: 'ERR_CRYPTO_INVALID_ARGUMENT',
    });
  });

  it('signs empty and large content', async () => {
    for (const c of [new Uint8Array(0), new Uint8Array(300_000).fill(0x5a)]) {
      for (const detached of [false, true]) {
        const signed = await signData(c, { signer: alice, detached });
        const v = await verifySignedData(signed, { trust: aliceTrust, content: detached ? c : undefined });
        expect(v.content).toHaveLength(c.length);
      }
    }
  });

  it('signs with SHA-256, SHA-384 and SHA-512 with EC P-256, P-384 and RSA-2048 signers', async () => {
    const sigAlgs: Record<string, Record<DigestName, string>> = {
      ec: { 'SHA-256': OID.ecdsaWithSHA256, 'SHA-384': OID.ecdsaWithSHA384, 'SHA-512': OID.ecdsaWithSHA512 },
      p384: { 'SHA-256': OID.ecdsaWithSHA256, 'SHA-384': OID.ecdsaWithSHA384, 'SHA-512': OID.ecdsaWithSHA512 },
      rsa: { 'SHA-256': OID.rsaEncryption, 'SHA-384': OID.rsaEncryption, 'SHA-512': OID.rsaEncryption },
    };
    const digestOids: Record<DigestName, string> = {
      'SHA-256': OID.sha256,
      'SHA-384': OID.sha384,
      'SHA-512': OID.sha512,
    };
    for (const who of ['ec', 'p384', 'rsa'] as const) {
      for (const d of digests) {
        const signed = await signData(content, { signer: ids[who], digest: d });
        const v = await verifySignedData(signed, { trust: pki.trust });
        expect(v.digestAlgorithm, `${who} ${d}`).toBe(d);
        const sd = structure(signed);
        expect(sd.digestAlgorithms.map((a) => a.algorithm)).toEqual([digestOids[d]]);
        expect(sd.signerInfos[0].digestAlgorithm.algorithm).toBe(digestOids[d]);
        expect(sd.signerInfos[0].signatureAlgorithm.algorithm, `${who} ${d}`).toBe(sigAlgs[who][d]);
        // The message-digest attribute is the digest of the content.
        const md = sd.signerInfos[0].signedAttrs?.find((a) => a.attrType === OID.messageDigest);
        const mdValue = berContent(berRead(new Uint8Array(md?.attrValues[0] ?? new ArrayBuffer(0))));
        expect(hex(mdValue)).toBe(hex(await digest(d, content)));
      }
    }
  });

  it('signs with Ed25519 always over SHA-512 (RFC 8419)', async () => {
    for (const d of digests) {
      const signed = await signData(content, { signer: ids.ed, digest: d });
      const v = await verifySignedData(signed, { trust: pki.trust });
      expect(v.digestAlgorithm).toBe('SHA-512');
      const si = structure(signed).signerInfos[0];
      expect(si.signatureAlgorithm.algorithm).toBe(OID.ed25519);
      expect(si.signatureAlgorithm.parameters).toBeUndefined();
      expect(si.digestAlgorithm.algorithm).toBe(OID.sha512);
    }
  });

  it('writes the signed attributes as a sorted DER SET OF: content-type, signing-time, message-digest', async () => {
    for (const [who, receipt] of [
      ['ec', false],
      ['rsa', true],
      ['ed', false],
    ] as const) {
      const signed = await signData(content, {
        signer: ids[who],
        receiptRequest: receipt ? { to: ['receipts@example.org'] } : undefined,
      });
      const v = await verifySignedData(signed, { trust: pki.trust });
      const attrsEl = frame(signed).siFields[3];
      expect(attrsEl.tag).toBe(TAG.context0c);
      const attrs = berChildren(attrsEl).map((a) => new Uint8Array(berBytes(a)));
      const oids = attrs.map(attrOid);
      expect([...oids].sort()).toEqual(
        [OID.contentType, OID.signingTime, OID.messageDigest, ...(receipt ? [OID.receiptRequest] : [])].sort(),
      );
      // Ascending by encoding (X.690 §11.6).
      const sorted = [...attrs].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      expect(attrs.map(hex)).toEqual(sorted.map(hex));
      // signedAttributesDer is the SET OF (tag 31) that was signed, and it is DER.
      const der = v.signedAttributesDer as Uint8Array;
      expect(der[0]).toBe(TAG.set);
      expect(hex(der.subarray(1))).toBe(hex(berBytes(attrsEl).subarray(1)));
      expect(hex(new Uint8Array(asn1js.fromBER(der).result.toBER()))).toBe(hex(der));
      // UTCTime before 2050.
      const st = attrs.find((a) => attrOid(a) === OID.signingTime) as Uint8Array;
      expect(berChildren(berChildren(berRead(st))[1])[0].tag).toBe(0x17);
    }
  });

  it('writes the signing time as GeneralizedTime from 2050 on', async () => {
    const signingTime = new Date('2051-02-03T04:05:06Z');
    const signed = await signData(content, { signer: alice, signingTime });
    const attrs = berChildren(frame(signed).siFields[3]).map((a) => new Uint8Array(berBytes(a)));
    const st = attrs.find((a) => attrOid(a) === OID.signingTime) as Uint8Array;
    const time = berChildren(berChildren(berRead(st))[1])[0];
    expect(time.tag).toBe(0x18);
    expect(new TextDecoder().decode(berContent(time))).toBe('20510203040506Z');
    const v = await verifySignedData(signed, { trust: aliceTrust });
    expect(v.signingTime?.toISOString()).toBe(signingTime.toISOString());
  });

  it('gives a contentType other than id-data version 3, and verifies it', async () => {
    const ct = '1.2.840.113549.1.9.16.1.4'; // id-ct-TSTInfo, any OID will do
    const signed = await signData(content, { signer: ids.ec, contentType: ct });
    const sd = structure(signed);
    expect(sd.version).toBe(3);
    expect(sd.encapContentInfo.eContentType).toBe(ct);
    const attrs = berChildren(frame(signed).siFields[3]).map((a) => new Uint8Array(berBytes(a)));
    const cta = attrs.find((a) => attrOid(a) === OID.contentType) as Uint8Array;
    expect(hex(berBytes(berChildren(berChildren(berRead(cta))[1])[0]))).toBe(hex(derOid(ct)));
    const v = await verifySignedData(signed, { trust: pki.trust });
    expect(v.contentType).toBe(ct);
    expect(structure(await signData(content, { signer: ids.ec, contentType: OID.data })).version).toBe(1);
  });

  it('puts the chain in certificates, sorted, unless includeChain is false', async () => {
    const withChain = structure(await signData(content, { signer: ids.ec }));
    const ders = (withChain.certificates ?? []).map((c) => new Uint8Array(AsnConvert.serialize(c.certificate)));
    expect(ders.map(hex)).toEqual([ids.ec.certificate.der, pki.intermediate.certificate.der].map(hex).sort());
    const bare = await signData(content, { signer: ids.ec, includeChain: false });
    expect(structure(bare).certificates).toHaveLength(1);
    const err = await rejection(verifySignedData(bare, { trust: pki.trust }));
    expect(err).toMatchObject({ code: 'ERR_CRYPTO_UNTRUSTED_SIGNER' });
    expect((err as Error).message).toMatch(
      /no trusted or supplied certificate is the issuer CN=semper test intermediate/,
    );
    // Trusting the intermediate is enough then.
    const v = await verifySignedData(bare, { trust: new TrustStore([pki.intermediate.certificate]) });
    expect(v.chain).toHaveLength(2);
  });

  it('reads a receipt request it wrote', async () => {
    const id = Uint8Array.of(1, 2, 3, 4);
    const signed = await signData(content, {
      signer: ids.ec,
      receiptRequest: { to: ['a@example.org', 'b@example.org'], from: 'first-tier', contentIdentifier: id },
    });
    const v = await verifySignedData(signed, { trust: pki.trust });
    expect(v.receiptRequest).toEqual({
      contentIdentifier: id,
      from: 'first-tier',
      to: ['a@example.org', 'b@example.org'],
    });
  });

  it('verifies every signer of a message with several SignerInfos', async () => {
    const a = await signData(content, { signer: ids.ec });
    const b = await signData(content, { signer: ids.rsa, digest: 'SHA-384' });
    const merge = (x: Uint8Array, y: Uint8Array) => {
      const fx = frame(x);
      const fy = frame(y);
      const certs = [...berChildren(fx.fields[3]), ...berChildren(fy.fields[3])].map((c) => hex(berBytes(c)));
      const unique = [...new Set(certs)].sort().map((h) => Buffer.from(h, 'hex'));
      const sd = derTlv(
        TAG.sequence,
        berBytes(fx.fields[0]),
        // digestAlgorithms lists each signer digest once (verifySignedData refuses duplicates).
        derTlv(
          TAG.set,
          ...[
            ...new Set([...berChildren(fx.fields[1]), ...berChildren(fy.fields[1])].map((d) => hex(berBytes(d)))),
          ].map((h) => new Uint8Array(Buffer.from(h, 'hex'))),
        ),
        berBytes(fx.fields[2]),
        derTlv(TAG.context0c, ...unique.map((u) => new Uint8Array(u))),
        derTlv(TAG.set, berBytes(fx.si), berBytes(fy.si)),
      );
      return derEncode(derTlv(TAG.sequence, derOid(OID.signedData), derTlv(TAG.context0c, sd)));
    };
    const both = merge(a, b);
    const v = await verifySignedData(both, { trust: pki.trust });
    expect(v.signers.map((s) => s.signer.subject)).toEqual(['CN=EC Signer, O=semper', 'CN=RSA Signer']);
    expect(v.signers.map((s) => s.digestAlgorithm)).toEqual(['SHA-256', 'SHA-384']);
    expect(v.signer.subject).toBe('CN=EC Signer, O=semper');
    // One untrusted signer is enough to refuse the message.
    const c = await signData(content, { signer: alice });
    await expect(verifySignedData(merge(a, c), { trust: pki.trust })).rejects.toMatchObject({
      code: 'ERR_CRYPTO_UNTRUSTED_SIGNER',
    });
  });
});

describe('verifySignedData refuses', () => {
  it('tampered content with ERR_CRYPTO_BAD_SIGNATURE', async () => {
    const signed = await signData(content, { signer: ids.ec });
    const at = Buffer.from(signed).indexOf(Buffer.from(content));
    expect(at).toBeGreaterThan(0);
    for (const offset of [0, 7, content.length - 1]) {
      const bad = signed.slice();
      bad[at + offset] ^= 0x20;
      const err = await rejection(verifySignedData(bad, { trust: pki.trust }));
      expect(err).toBeInstanceOf(SignatureVerificationError);
      expect(err).toMatchObject({
        code: 'ERR_CRYPTO_BAD_SIGNATURE',
        message: 'message digest mismatch: the content was changed',
      });
    }
  });

  it('a tampered signature or signed attribute with ERR_CRYPTO_BAD_SIGNATURE', async () => {
    for (const who of ['ec', 'rsa', 'ed'] as const) {
      const signed = await signData(content, { signer: ids[who] });
      const { siFields } = frame(signed);
      const sig = siFields[5];
      const bad = signed.slice();
      bad[sig.contentEnd - 2] ^= 0x01;
      await expect(verifySignedData(bad, { trust: pki.trust }), who).rejects.toMatchObject({
        code: 'ERR_CRYPTO_BAD_SIGNATURE',
      });
      // The signing time, inside the signed attributes.
      const attrs = siFields[3];
      const text = Buffer.from(signed).indexOf(Buffer.from('Z'), attrs.contentStart);
      const bad2 = signed.slice();
      bad2[text - 1] = bad2[text - 1] === 0x30 ? 0x31 : 0x30;
      await expect(verifySignedData(bad2, { trust: pki.trust }), who).rejects.toMatchObject({
        code: 'ERR_CRYPTO_BAD_SIGNATURE',
      });
    }
  });

  it('a signer the trust store does not reach with ERR_CRYPTO_UNTRUSTED_SIGNER', async () => {
    const signed = await signData(content, { signer: ids.ec });
    const other = await createTestPki({ name: 'other' });
    for (const trust of [other.trust, aliceTrust, new TrustStore()]) {
      const err = await rejection(verifySignedData(signed, { trust }));
      expect(err).toBeInstanceOf(SignatureVerificationError);
      expect(err).toMatchObject({ code: 'ERR_CRYPTO_UNTRUSTED_SIGNER' });
    }
    // A look-alike root with the same name and another key.
    const { root } = await createTestPki();
    await expect(verifySignedData(signed, { trust: new TrustStore([root.certificate]) })).rejects.toMatchObject({
      code: 'ERR_CRYPTO_UNTRUSTED_SIGNER',
    });
  });

  it('a signer that is not valid at `at`', async () => {
    const signed = await signData(content, { signer: ids.ec });
    const late = new Date(ids.ec.certificate.notAfter.getTime() + 1000);
    const err = await rejection(verifySignedData(signed, { trust: pki.trust, at: late }));
    expect(err).toMatchObject({ code: 'ERR_CRYPTO_UNTRUSTED_SIGNER' });
    expect((err as Error).message).toMatch(/CN=EC Signer, O=semper is not valid at/);
    const v = await verifySignedData(signed, { trust: pki.trust, at: ids.ec.certificate.notAfter });
    expect(v.chain).toHaveLength(3);
  });

  it('a signer whose keyUsage allows neither digitalSignature nor nonRepudiation', async () => {
    const noSign = await pki.issue('CN=No Sign', { keyUsage: ['keyAgreement'] });
    const err = await rejection(verifySignedData(await signData(content, { signer: noSign }), { trust: pki.trust }));
    expect(err).toBeInstanceOf(SignatureVerificationError);
    expect(err).toMatchObject({
      code: 'ERR_CRYPTO_UNTRUSTED_SIGNER',
      message: 'the certificate of CN=No Sign may not sign (keyUsage)',
    });
    // RFC 8550 §4.4.2: digitalSignature or nonRepudiation.
    for (const keyUsage of [['digitalSignature'], ['nonRepudiation']] as const) {
      const ok = await pki.issue(`CN=${keyUsage[0]}`, { keyUsage });
      const v = await verifySignedData(await signData(content, { signer: ok }), { trust: pki.trust });
      expect(v.signer.subject).toBe(`CN=${keyUsage[0]}`);
    }
  });

  it('signed attributes whose content-type differs from the eContentType, and missing attributes', async () => {
    const signed = await signData(content, { signer: ids.ec });
    const wrongType = await withAttributes(
      signed,
      (attrs) =>
        attrs.map((a) => (attrOid(a) === OID.contentType ? attribute(OID.contentType, derOid(OID.receipt)) : a)),
      ids.ec,
    );
    await expect(verifySignedData(wrongType, { trust: pki.trust })).rejects.toMatchObject({
      code: 'ERR_CRYPTO_BAD_SIGNATURE',
      message: 'the content-type attribute differs from the eContentType',
    });
    for (const drop of [OID.contentType, OID.messageDigest]) {
      const missing = await withAttributes(signed, (attrs) => attrs.filter((a) => attrOid(a) !== drop), ids.ec);
      await expect(verifySignedData(missing, { trust: pki.trust }), drop).rejects.toMatchObject({
        code: 'ERR_CRYPTO_MALFORMED',
      });
    }
    const twice = await withAttributes(signed, (attrs) => [...attrs, attrs[0]], ids.ec);
    await expect(verifySignedData(twice, { trust: pki.trust })).rejects.toMatchObject({ code: 'ERR_CRYPTO_MALFORMED' });
    // Without signing-time: accepted, no signingTime.
    const noTime = await withAttributes(signed, (attrs) => attrs.filter((a) => attrOid(a) !== OID.signingTime), ids.ec);
    expect((await verifySignedData(noTime, { trust: pki.trust })).signingTime).toBeUndefined();
  });

  it('verifies signed attributes as sent, even unsorted (as OpenSSL 3.0 does), and only as sent', async () => {
    // RFC 5652 §5.4 signs the DER encoding; OpenSSL verifies the received order (see the OpenSSL test). Whatever
    // is accepted, the signature must cover exactly the bytes that were received.
    const signed = await signData(content, { signer: ids.ec });
    const unsorted = await withAttributes(signed, (attrs) => [...attrs].reverse(), ids.ec);
    const v = await verifySignedData(unsorted, { trust: pki.trust });
    expect(v.signedAttributesDer?.[0]).toBe(TAG.set);
    const notResigned = await withAttributes(signed, (attrs) => [...attrs].reverse());
    await expect(verifySignedData(notResigned, { trust: pki.trust })).rejects.toMatchObject({
      code: 'ERR_CRYPTO_BAD_SIGNATURE',
    });
  });

  it('bad options and non-bytes with ERR_CRYPTO_INVALID_ARGUMENT', async () => {
    const signed = await signData(content, { signer: alice });
    for (const o of [undefined, {}, { trust: {} }, { trust: [alice.certificate] }]) {
      await expect(verifySignedData(signed, o as never)).rejects.toMatchObject({ code: 'ERR_CRYPTO_INVALID_ARGUMENT' });
    }
    await expect(verifySignedData('MIAG' as never, { trust: aliceTrust })).rejects.toMatchObject({
      code: 'ERR_CRYPTO_INVALID_ARGUMENT',
    });
    await expect(verifySignedData(signed, { trust: aliceTrust, limits: { maxBytes: 100 } })).rejects.toMatchObject({
      code: 'ERR_CRYPTO_TOO_LARGE',
    });
    await expect(verifySignedData(signed, { trust: aliceTrust, limits: { maxDepth: 3 } })).rejects.toMatchObject({
      code: 'ERR_CRYPTO_TOO_DEEP',
    });
  });

  it('malformed input with typed errors: garbage, truncations, nesting, other content types', async () => {
    const signed = await signData(content, { signer: alice });
    const deep = new Uint8Array(4002);
    for (let i = 0; i < 2000; i++) deep.set([0x30, 0x80], 2 * i);
    const envelopedType = signed.slice();
    envelopedType[Buffer.from(signed).indexOf(Buffer.from(derOid(OID.signedData))) + 10] = 0x03;
    const inputs = [
      new Uint8Array(0),
      Uint8Array.of(0x30),
      Uint8Array.of(0x30, 0x00),
      new Uint8Array(300).fill(0xff),
      deep,
      envelopedType,
    ];
    for (const input of inputs) {
      const err = await rejection(verifySignedData(input, { trust: aliceTrust }));
      expect(err).toBeInstanceOf(CryptoError);
    }
    for (let len = 0; len < signed.length; len += 7) {
      const err = await rejection(verifySignedData(signed.subarray(0, len), { trust: aliceTrust }));
      expect(err, `length ${len}`).toBeInstanceOf(CryptoError);
      expect(err).toMatchObject({ code: 'ERR_CRYPTO_MALFORMED' });
    }
  });

  it('a huge signing-time or receipt-request name with a typed error, not a RangeError', async () => {
    // parseTime and readGeneralNames decode with String.fromCharCode(...bytes): with ~125,000 or more bytes
    // the spread overflows the stack. Both run before the signature is checked, on untrusted input.
    const signed = await signData(content, { signer: alice });
    const hugeTime = await withAttributes(signed, (attrs) =>
      attrs.map((a) =>
        attrOid(a) === OID.signingTime
          ? attribute(OID.signingTime, derPrimitive(0x18, new Uint8Array(200_000).fill(0x30)))
          : a,
      ),
    );
    const e1 = await rejection(verifySignedData(hugeTime, { trust: aliceTrust }));
    expect(e1).toBeInstanceOf(CryptoError);
    const rr = derEncode(
      derTlv(
        TAG.sequence,
        derPrimitive(TAG.octetString, Uint8Array.of(1)),
        derPrimitive(0x80, Uint8Array.of(0)),
        derTlv(TAG.sequence, derTlv(TAG.sequence, derPrimitive(0x81, new Uint8Array(200_000).fill(0x61)))),
      ),
    );
    const hugeName = await signWithAttributes(content, { signer: alice }, [attribute(OID.receiptRequest, rr)]);
    const e2 = await rejection(verifySignedData(hugeName, { trust: aliceTrust }));
    expect(e2).toBeInstanceOf(CryptoError);
  });
});

describe('signData refuses', () => {
  it('bad options with ERR_CRYPTO_INVALID_ARGUMENT, and a key that is not the certificate’s with ERR_CRYPTO_INVALID_KEY', async () => {
    const cases: [string, () => Promise<unknown>, string][] = [
      ['no options', () => signData(content, undefined as never), 'ERR_CRYPTO_INVALID_ARGUMENT'],
      ['no signer', () => signData(content, {} as never), 'ERR_CRYPTO_INVALID_ARGUMENT'],
      [
        'a signer without certificate',
        () => signData(content, { signer: { ...alice, certificate: undefined } as never }),
        'ERR_CRYPTO_INVALID_ARGUMENT',
      ],
      ['a string as content', () => signData('text' as never, { signer: alice }), 'ERR_CRYPTO_INVALID_ARGUMENT'],
      ['SHA-1', () => signData(content, { signer: alice, digest: 'SHA-1' as never }), 'ERR_CRYPTO_INVALID_ARGUMENT'],
      [
        'a bad contentType',
        () => signData(content, { signer: alice, contentType: 'data' }),
        'ERR_CRYPTO_INVALID_ARGUMENT',
      ],
      [
        'an invalid signingTime',
        () => signData(content, { signer: alice, signingTime: new Date(Number.NaN) }),
        'ERR_CRYPTO_INVALID_ARGUMENT',
      ],
      [
        'a signingTime that is no Date',
        () => signData(content, { signer: alice, signingTime: '2026' as never }),
        'ERR_CRYPTO_INVALID_ARGUMENT',
      ],
      [
        'a signingTime after 9999',
        () => signData(content, { signer: alice, signingTime: new Date('+010000-01-01T00:00:00Z') }),
        'ERR_CRYPTO_INVALID_ARGUMENT',
      ],
      [
        'a bad receipt request',
        () => signData(content, { signer: alice, receiptRequest: { to: [] } }),
        'ERR_CRYPTO_INVALID_ARGUMENT',
      ],
      [
        'another P-256 key',
        () => signData(content, { signer: { ...alice, certificate: ids.ec.certificate } }),
        'ERR_CRYPTO_INVALID_KEY',
      ],
    ];
    const failures: string[] = [];
    for (const [what, f, code] of cases) {
      const err = await rejection(f());
      if (!(err instanceof CryptoError) || err.code !== code) failures.push(`${what}: ${String(err)}`);
    }
    expect(failures).toEqual([]);
  });
});

/** Names the field of a SignedData that byte `pos` lies in (for the mutation report). */
function fieldAt(bytes: Uint8Array, pos: number): string {
  const names = ['version', 'digestAlgorithms', 'encapContentInfo', 'certificates', 'signerInfos'];
  const siNames = ['version', 'sid', 'digestAlgorithm', 'signedAttrs', 'signatureAlgorithm', 'signature'];
  const { fields, si, siFields } = frame(bytes);
  if (pos < fields[0].start) return 'ContentInfo/SignedData header';
  const inside = (el: BerElement) => pos >= el.start && pos < el.end;
  const sdIndex = fields.findIndex(inside);
  if (sdIndex < 0) return 'after SignedData';
  let name = names[sdIndex === fields.length - 1 ? 4 : sdIndex === 3 && fields[3].tag !== TAG.context0c ? 4 : sdIndex];
  if (inside(si)) {
    const i = siFields.findIndex(inside);
    name += `/SignerInfo.${i < 0 ? 'header' : siNames[i]}`;
  }
  return name;
}

describe('any single changed byte makes verification fail with a CryptoError', () => {
  /** Flips every byte with `mask` and a fast-check sample of (position, mask); returns what went unnoticed. */
  async function unnoticed(signed: Uint8Array, trust: TrustStore, runs: number): Promise<string[]> {
    const found = new Map<string, string[]>();
    const check = async (pos: number, mask: number) => {
      const bad = signed.slice();
      bad[pos] ^= mask;
      const err = await rejection(verifySignedData(bad, { trust }));
      if (!(err instanceof CryptoError)) {
        const where = fieldAt(signed, pos);
        const list = found.get(where) ?? [];
        list.push(`${pos}^${mask.toString(16)}${err === undefined ? '' : ` (${String(err)})`}`);
        found.set(where, list);
      }
    };
    for (let pos = 0; pos < signed.length; pos++) await check(pos, 0x01);
    // The SignedData version (not signed): 1 → 3, 4, 5 (RFC 5652 §5.1 fixes it by the content).
    const version = frame(signed).fields[0].contentStart;
    for (const mask of [0x02, 0x05, 0x04]) await check(version, mask);
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: signed.length - 1 }), fc.integer({ min: 1, max: 255 }), async (pos, mask) => {
        await check(pos, mask);
      }),
      { numRuns: runs, seed: 4242 },
    );
    return [...found].map(
      ([where, list]) => `${where}: ${list.slice(0, 6).join(', ')}${list.length > 6 ? ` … (${list.length})` : ''}`,
    );
  }

  it('EC signer under the test PKI (every position, and 100 random masks)', async () => {
    const signed = await signData(content, { signer: ids.ec, signingTime: new Date('2026-01-01T00:00:00Z') });
    expect(await unnoticed(signed, pki.trust, 100)).toEqual([]);
  });

  it('self-signed signer trusted directly (every position, and 100 random masks)', async () => {
    // The certificates field is not signed (RFC 5652 §5.1): with the signer itself a trust anchor, the message's
    // copy of its certificate is only a hint, and the anchor is used when the copy no longer matches. So a
    // change there may verify — but only there, and only with the same signer, content and signing time.
    const signed = await signData(content, { signer: alice, signingTime: new Date('2026-01-01T00:00:00Z') });
    const outside = (await unnoticed(signed, aliceTrust, 100)).filter((where) => !where.startsWith('certificates:'));
    expect(outside).toEqual([]);
    const certs = frame(signed).fields[3];
    for (let pos = certs.contentStart; pos < certs.end; pos++) {
      const bad = signed.slice();
      bad[pos] ^= 0x01;
      const v = await verifySignedData(bad, { trust: aliceTrust }).catch((e: unknown) => e);
      if (v instanceof CryptoError) continue;
      const ok = v as Awaited<ReturnType<typeof verifySignedData>>;
      expect(ok.signer).toBe(aliceTrust.anchors[0]);
      expect(Buffer.from(ok.content).equals(Buffer.from(content))).toBe(true);
      expect(ok.signingTime?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    }
  });

  it('RSA signer, detached content (every position outside the certificates, and the signature algorithm)', async () => {
    const signed = await signData(content, { signer: ids.rsa, detached: true, includeChain: false });
    const trust = new TrustStore([pki.intermediate.certificate]);
    const found = new Map<string, string[]>();
    const certs = frame(signed).fields[3]; // covered by the EC tests above
    for (let pos = 0; pos < signed.length; pos++) {
      if (pos >= certs.start && pos < certs.end) continue;
      const bad = signed.slice();
      bad[pos] ^= 0x01;
      const err = await rejection(verifySignedData(bad, { trust, content }));
      if (!(err instanceof CryptoError)) {
        const where = fieldAt(signed, pos);
        found.set(where, [...(found.get(where) ?? []), String(pos)]);
      }
    }
    // The RSA-specific spots in the unsigned signatureAlgorithm. Its NULL parameters (05 00) under another tag
    // must be refused. rsaEncryption (…01 01 01) → sha256WithRSAEncryption (…01 01 0b) names the same algorithm
    // for a SHA-256 signer (RFC 5754 §3.2 allows both; OpenSSL writes the first, pkijs the second), so it is
    // the one change accepted — with the same verdict.
    const sigAlg = frame(signed).siFields[4];
    const nullTag = signed.slice();
    nullTag[sigAlg.contentEnd - 2] = 0x04;
    if (!((await rejection(verifySignedData(nullTag, { trust, content }))) instanceof CryptoError)) {
      found.set('signatureAlgorithm NULL parameters → 04 00', ['unnoticed']);
    }
    expect([...found].map(([k, v]) => `${k}: ${v.slice(0, 6).join(', ')}`)).toEqual([]);
    const sha256WithRsa = signed.slice();
    sha256WithRsa[sigAlg.contentEnd - 3] = 0x0b;
    const same = await verifySignedData(sha256WithRsa, { trust, content });
    expect(same.signer.equals(ids.rsa.certificate)).toBe(true);
    // With a digest that the OID contradicts (sha384WithRSAEncryption for a SHA-256 signer), it is refused.
    const contradicting = signed.slice();
    contradicting[sigAlg.contentEnd - 3] = 0x0c;
    expect(await rejection(verifySignedData(contradicting, { trust, content }))).toBeInstanceOf(CryptoError);
  });
});

describe('certificates in a message', () => {
  it('a message certificate with the same DER as an anchor is the anchor object', async () => {
    const signed = await signData(content, { signer: alice });
    const v = await verifySignedData(signed, { trust: aliceTrust });
    expect(v.signer).toBe(aliceTrust.anchors[0]);
    expect(v.chain).toEqual([aliceTrust.anchors[0]]);
    expect(Certificate.fromDer(v.signer.der).equals(alice.certificate)).toBe(true);
  });
});

describe('inspectSignedData', () => {
  it('shows content, signer and signing time without verifying — also of a message whose signature is broken', async () => {
    const at = new Date('2026-03-01T12:00:00Z');
    const signed = await signData(content, {
      signer: ids.ec,
      signingTime: at,
      receiptRequest: { to: ['x@example.org'] },
    });
    const broken = signed.slice();
    broken[broken.length - 5] ^= 0x01; // inside the signature value
    await expect(verifySignedData(broken, { trust: pki.trust })).rejects.toBeInstanceOf(CryptoError);
    const shown = inspectSignedData(broken);
    expect(shown.unverified).toBe(true);
    expect(shown.contentType).toBe(OID.data);
    expect(Buffer.from(shown.content as Uint8Array).equals(Buffer.from(content))).toBe(true);
    expect(shown.signers).toHaveLength(1);
    expect(shown.signers[0].certificate?.equals(ids.ec.certificate)).toBe(true);
    expect(shown.signers[0].signingTime?.toISOString()).toBe(at.toISOString());
    expect(shown.signers[0].receiptRequest?.to).toEqual(['x@example.org']);
    expect(shown.certificates.length).toBe(ids.ec.chain.length);
  });

  it('refuses malformed input with a typed error', () => {
    expect(() => inspectSignedData(new Uint8Array([0x30, 0x03, 0x02, 0x01]))).toThrow(CryptoError);
  });
});
