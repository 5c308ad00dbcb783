import { randomBytes } from 'node:crypto';
import { AsnParser, AsnSerializer } from '@peculiar/asn1-schema';
import { ContentInfo, EnvelopedData } from '@peculiar/asn1-cms';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AuthEnvelopedData,
  type BerElement,
  GCMParameters,
  TAG,
  berBytes,
  berChildren,
  berContent,
  berRead,
  concatBytes,
  derEncode,
  derInteger,
  derOid,
  derPrimitive,
  derTlv,
} from './cms-structures.js';
import { type ContentEncryption, decryptData, encryptData } from './enveloped-data.js';
import { CryptoError, DecryptionError, MalformedInputError, UnsupportedAlgorithmError } from './errors.js';
import { createIdentity, type Identity } from './identity.js';
import { encryptTransportedKey } from './key-transport.js';
import { OID } from './oids.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const modes: ContentEncryption[] = ['AES-256-GCM', 'AES-128-GCM', 'AES-256-CBC', 'AES-128-CBC'];

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

/** The frame of a message: ContentInfo → body → its fields, and the EncryptedContentInfo fields. */
function frame(bytes: Uint8Array) {
  const ci = berRead(bytes);
  const body = berChildren(berChildren(ci)[1])[0];
  const fields = berChildren(body);
  const eciIndex = fields.findIndex((f, i) => i > 0 && f.tag === TAG.sequence);
  const eci = berChildren(fields[eciIndex]);
  const alg = berChildren(eci[1]);
  return { fields, eci, alg, recipientInfos: berChildren(fields.find((f) => f.tag === TAG.set) as BerElement) };
}

/**
 * Re-encodes a DER message the way `openssl cms -stream` writes it: indefinite lengths for the outer
 * layers and the encrypted content as a constructed OCTET STRING of small segments (nested once).
 */
function toStreamingBer(bytes: Uint8Array, chunk = 5): Uint8Array {
  const out: Uint8Array[] = [];
  const walk = (el: BerElement, depth: number) => {
    if (el.tag === TAG.context0 && depth === 4) {
      const c = berContent(el);
      out.push(Uint8Array.of(0xa0, 0x80));
      for (let i = 0; i < c.length; i += chunk) {
        const part = c.subarray(i, i + chunk);
        if ((i / chunk) % 3 === 1) out.push(Uint8Array.of(0x24, 0x80, 0x04, part.length), part, Uint8Array.of(0, 0));
        else out.push(Uint8Array.of(0x04, part.length), part);
      }
      out.push(Uint8Array.of(0, 0));
    } else if (el.constructed && depth <= 3) {
      out.push(Uint8Array.of(el.tag, 0x80));
      for (const c of berChildren(el)) walk(c, depth + 1);
      out.push(Uint8Array.of(0, 0));
    } else {
      out.push(berBytes(el));
    }
  };
  walk(berRead(bytes), 0);
  return concatBytes(out);
}

describe('encryptData / decryptData', () => {
  let rsa: Identity;
  let ec: Identity;
  let ec384: Identity;
  let stranger: Identity;

  beforeAll(async () => {
    [rsa, ec, ec384, stranger] = await Promise.all([
      createIdentity({ subject: 'CN=RSA Recipient', key: { type: 'rsa', modulusLength: 2048 } }),
      createIdentity({ subject: 'CN=EC Recipient', key: { type: 'ec', curve: 'P-256' } }),
      createIdentity({ subject: 'CN=EC384 Recipient', key: { type: 'ec', curve: 'P-384' } }),
      createIdentity({ subject: 'CN=Stranger', key: { type: 'ec', curve: 'P-256' } }),
    ]);
  });

  for (const mode of modes) {
    it(`round-trips ${mode} for RSA, P-256 and P-384 recipients`, async () => {
      for (const id of [rsa, ec, ec384]) {
        const content = enc.encode(`pay 100.00 EUR via ${mode}`);
        const sealed = await encryptData(content, { recipients: [id.certificate], contentEncryption: mode });
        const out = await decryptData(sealed, { identity: id });
        expect(dec.decode(out.content)).toBe(`pay 100.00 EUR via ${mode}`);
        expect(out.contentType).toBe(OID.data);
        expect(out.contentEncryption).toBe(mode);
        // Outer content type follows the mode.
        const ci = AsnParser.parse(sealed, ContentInfo);
        expect(ci.contentType).toBe(mode.endsWith('GCM') ? OID.authEnvelopedData : OID.envelopedData);
      }
    });
  }

  it('writes DER that the asn1-schema declarations decode and re-encode byte for byte', async () => {
    const content = new Uint8Array(randomBytes(300));
    for (const mode of modes) {
      const sealed = await encryptData(content, {
        recipients: [rsa.certificate, ec.certificate],
        contentEncryption: mode,
      });
      const ci = AsnParser.parse(sealed, ContentInfo);
      if (mode.endsWith('GCM')) {
        const aed = AsnParser.parse(ci.content, AuthEnvelopedData);
        expect(aed.version).toBe(0);
        expect(aed.mac.byteLength).toBe(16);
        expect(aed.authAttrs).toBeUndefined();
        const gcm = AsnParser.parse(
          aed.authEncryptedContentInfo.contentEncryptionAlgorithm.parameters as ArrayBuffer,
          GCMParameters,
        );
        expect(gcm.icvLen).toBe(16);
        expect(gcm.nonce.byteLength).toBe(12);
        expect(Buffer.from(AsnSerializer.serialize(aed)).equals(Buffer.from(new Uint8Array(ci.content)))).toBe(true);
      } else {
        const ed = AsnParser.parse(ci.content, EnvelopedData);
        expect(ed.version).toBe(2); // a KeyAgreeRecipientInfo (version 3) is present
        expect(ed.recipientInfos.length).toBe(2);
        expect(
          ed.recipientInfos.some((r) => r.ktri !== undefined) && ed.recipientInfos.some((r) => r.kari !== undefined),
        ).toBe(true);
        expect(Buffer.from(AsnSerializer.serialize(ed)).equals(Buffer.from(new Uint8Array(ci.content)))).toBe(true);
      }
      // DER SET OF: recipient infos in ascending order of their encodings.
      const ris = frame(sealed).recipientInfos.map((r) => Buffer.from(berBytes(r)));
      expect([...ris].sort(Buffer.compare)).toEqual(ris);
    }
    const rsaOnly = await encryptData(content, { recipients: [rsa.certificate], contentEncryption: 'AES-256-CBC' });
    expect(AsnParser.parse(AsnParser.parse(rsaOnly, ContentInfo).content, EnvelopedData).version).toBe(0);
  });

  it('encrypts to several recipients (RSA + EC), each of whom can open', async () => {
    const sealed = await encryptData(enc.encode('to both'), {
      recipients: [rsa.certificate, ec.certificate, ec384.certificate],
    });
    for (const id of [rsa, ec, ec384])
      expect(dec.decode((await decryptData(sealed, { identity: id })).content)).toBe('to both');
    const err = await rejection(decryptData(sealed, { identity: stranger }));
    expect(err).toBeInstanceOf(DecryptionError);
    expect(err).toMatchObject({ code: 'ERR_CRYPTO_NO_RECIPIENT' });
  });

  it('honours the options: OAEP and KDF hashes, UKM, content type; empty and large contents', async () => {
    for (const hash of ['SHA-384', 'SHA-512'] as const) {
      const sealed = await encryptData(enc.encode(hash), {
        recipients: [rsa.certificate, ec.certificate],
        rsaOaepHash: hash,
        ecdhKdfHash: hash,
      });
      for (const id of [rsa, ec]) expect(dec.decode((await decryptData(sealed, { identity: id })).content)).toBe(hash);
    }
    for (const ukm of [true, new Uint8Array(randomBytes(16)), new Uint8Array(0)]) {
      const sealed = await encryptData(enc.encode('ukm'), { recipients: [ec.certificate], ukm });
      const kari = AsnParser.parse(AsnParser.parse(sealed, ContentInfo).content, AuthEnvelopedData).recipientInfos[0]
        .kari;
      expect(kari?.ukm?.byteLength).toBe(ukm === true ? 32 : (ukm as Uint8Array).length);
      expect(dec.decode((await decryptData(sealed, { identity: ec })).content)).toBe('ukm');
    }
    const typed = await encryptData(enc.encode('{}'), { recipients: [ec.certificate], contentType: OID.signedData });
    expect((await decryptData(typed, { identity: ec })).contentType).toBe(OID.signedData);
    const empty = await encryptData(new Uint8Array(0), {
      recipients: [rsa.certificate],
      contentEncryption: 'AES-128-CBC',
    });
    expect((await decryptData(empty, { identity: rsa })).content.length).toBe(0);
    const emptyGcm = await encryptData(new Uint8Array(0), { recipients: [ec.certificate] });
    expect((await decryptData(emptyGcm, { identity: ec })).content.length).toBe(0);
    const big = new Uint8Array(randomBytes(3 * 1024 * 1024));
    const bigSealed = await encryptData(big, { recipients: [ec.certificate] });
    expect(Buffer.from((await decryptData(bigSealed, { identity: ec })).content).equals(Buffer.from(big))).toBe(true);
  });

  it('reads BER with indefinite lengths and constructed OCTET STRINGs (as `-stream` writes)', async () => {
    for (const mode of ['AES-256-GCM', 'AES-256-CBC'] as const) {
      const content = new Uint8Array(randomBytes(100));
      const sealed = await encryptData(content, {
        recipients: [ec.certificate, rsa.certificate],
        contentEncryption: mode,
      });
      const ber = toStreamingBer(sealed);
      expect(ber[1]).toBe(0x80);
      for (const id of [ec, rsa]) {
        expect(Buffer.from((await decryptData(ber, { identity: id })).content).equals(Buffer.from(content))).toBe(true);
      }
    }
  });

  it('fails with ERR_CRYPTO_DECRYPTION_FAILED for a flipped ciphertext, tag, IV or wrapped key, and for a wrong private key', async () => {
    const failures: Uint8Array[] = [];
    const flipAt = (bytes: Uint8Array, at: number) => {
      const b = bytes.slice();
      b[at] ^= 0x01;
      return b;
    };
    const gcm = await encryptData(enc.encode('x'.repeat(64)), { recipients: [ec.certificate] });
    const f = frame(gcm);
    failures.push(flipAt(gcm, f.eci[2].contentStart + 3)); // ciphertext
    failures.push(flipAt(gcm, gcm.length - 1)); // mac
    failures.push(flipAt(gcm, berChildren(f.alg[1])[0].contentStart)); // nonce
    const kari = berChildren(f.recipientInfos[0]);
    const rek = berChildren(berChildren(kari[kari.length - 1])[0]);
    failures.push(flipAt(gcm, rek[1].contentStart + 5)); // wrapped key
    const cbc = await encryptData(enc.encode('y'.repeat(64)), {
      recipients: [rsa.certificate],
      contentEncryption: 'AES-256-CBC',
    });
    const g = frame(cbc);
    failures.push(flipAt(cbc, g.eci[2].end - 1)); // last ciphertext block: padding breaks
    const ktri = berChildren(g.recipientInfos[0]);
    failures.push(flipAt(cbc, ktri[3].contentStart + 100)); // OAEP-encrypted key
    for (const [i, bytes] of failures.entries()) {
      const err = await rejection(decryptData(bytes, { identity: i < 4 ? ec : rsa }));
      expect(err, `case ${i}`).toBeInstanceOf(DecryptionError);
      expect(err).toMatchObject({ code: 'ERR_CRYPTO_DECRYPTION_FAILED', message: 'decryption failed' });
      expect((err as Error).cause).toBeUndefined();
    }
    // The right certificate with the wrong private key.
    for (const [sealed, id, wrong] of [
      [gcm, ec, stranger],
      [cbc, rsa, stranger],
    ] as const) {
      const err = await rejection(
        decryptData(sealed, { identity: { privateKey: wrong.privateKey, certificate: id.certificate } }),
      );
      expect(err).toBeInstanceOf(CryptoError);
    }
    const rsa2 = await encryptData(enc.encode('z'), { recipients: [rsa.certificate] });
    const rsaKeyOtherCert = await createIdentity({
      subject: 'CN=Other RSA',
      key: { type: 'rsa', modulusLength: 2048 },
    });
    const err = await rejection(
      decryptData(rsa2, { identity: { privateKey: rsaKeyOtherCert.privateKey, certificate: rsa.certificate } }),
    );
    expect(err).toMatchObject({ code: 'ERR_CRYPTO_DECRYPTION_FAILED', message: 'decryption failed' });
  });

  it('authenticates AuthEnvelopedData authAttrs: their DER SET OF is the GCM additional data (RFC 5083 §2.2)', async () => {
    const subtle = globalThis.crypto.subtle;
    const plaintext = enc.encode('with authenticated attributes');
    const cek = new Uint8Array(randomBytes(16));
    const nonce = new Uint8Array(randomBytes(12));
    // authAttrs [1] IMPLICIT SET OF { Attribute { contentType, SET { id-data } } }; the AAD carries the SET tag.
    const attrs = derTlv(TAG.sequence, derOid(OID.contentType), derTlv(TAG.set, derOid(OID.data)));
    const authAttrs = derEncode(derTlv(TAG.context1c, attrs));
    const aad = derEncode(derTlv(TAG.set, attrs));
    const key = await subtle.importKey('raw', cek, 'AES-GCM', false, ['encrypt']);
    const out = new Uint8Array(
      await subtle.encrypt({ name: 'AES-GCM', iv: nonce, additionalData: aad }, key, plaintext),
    );
    const { algorithm, encryptedKey } = await encryptTransportedKey(
      await rsa.certificate.publicKey.cryptoKey('encrypt', 'SHA-256'),
      'SHA-256',
      cek,
    );
    const tbs = berChildren(berChildren(berRead(rsa.certificate.der))[0]);
    const v = tbs[0].tag === TAG.context0c ? 1 : 0;
    const rid = derTlv(TAG.sequence, berBytes(tbs[v + 2]), derPrimitive(TAG.integer, berContent(tbs[v])));
    const build = (attributes: Uint8Array) =>
      derEncode(
        derTlv(
          TAG.sequence,
          derOid(OID.authEnvelopedData),
          derTlv(
            TAG.context0c,
            derTlv(
              TAG.sequence,
              derInteger(0),
              derTlv(
                TAG.set,
                derTlv(TAG.sequence, derInteger(0), rid, algorithm, derPrimitive(TAG.octetString, encryptedKey)),
              ),
              derTlv(
                TAG.sequence,
                derOid(OID.data),
                derTlv(
                  TAG.sequence,
                  derOid(OID.aes128Gcm),
                  derTlv(TAG.sequence, derPrimitive(TAG.octetString, nonce), derInteger(16)),
                ),
                derPrimitive(TAG.context0, out.subarray(0, plaintext.length)),
              ),
              attributes,
              derPrimitive(TAG.octetString, out.subarray(plaintext.length)),
            ),
          ),
        ),
      );
    const message = build(authAttrs);
    expect(AsnParser.parse(AsnParser.parse(message, ContentInfo).content, AuthEnvelopedData).authAttrs?.length).toBe(1);
    expect(dec.decode((await decryptData(message, { identity: rsa })).content)).toBe('with authenticated attributes');
    const tampered = authAttrs.slice();
    tampered[tampered.length - 1] ^= 0x01; // id-data -> another OID
    await expect(decryptData(build(tampered), { identity: rsa })).rejects.toMatchObject({
      code: 'ERR_CRYPTO_DECRYPTION_FAILED',
    });
  });

  it('rejects malformed, oversized and unsupported input with typed errors', async () => {
    const sealed = await encryptData(enc.encode('hello'), { recipients: [ec.certificate] });
    const cases: [Uint8Array, new (...a: never[]) => CryptoError, string?][] = [
      [sealed.subarray(0, sealed.length - 1), MalformedInputError],
      [Uint8Array.of(0x30, 0x00), MalformedInputError],
      [Uint8Array.of(0x05, 0x00), MalformedInputError],
      [new Uint8Array(0), MalformedInputError],
      [concatBytes([sealed, Uint8Array.of(0)]), MalformedInputError],
    ];
    // Another content type (id-data) in the ContentInfo.
    const other = sealed.slice();
    other[other.indexOf(0x17, 4)] = 0x01; // ...9.16.1.23 -> ...9.16.1.1 (receipt)
    cases.push([other, MalformedInputError]);
    // An unknown content-encryption algorithm (aes-256-gcm -> aes-256-ccm, 2.16.840.1.101.3.4.1.47).
    const f = frame(sealed);
    const unknownAlg = sealed.slice();
    unknownAlg[f.alg[0].contentEnd - 1] = 0x2f;
    cases.push([unknownAlg, UnsupportedAlgorithmError]);
    for (const [bytes, type] of cases) {
      const err = await rejection(decryptData(bytes, { identity: ec }));
      expect(err).toBeInstanceOf(type);
    }
    const tooLarge = await rejection(decryptData(sealed, { identity: ec, limits: { maxBytes: 100 } }));
    expect(tooLarge).toMatchObject({ code: 'ERR_CRYPTO_TOO_LARGE' });
    const tooDeep = await rejection(decryptData(sealed, { identity: ec, limits: { maxDepth: 3 } }));
    expect(tooDeep).toMatchObject({ code: 'ERR_CRYPTO_TOO_DEEP' });
  });

  it('refuses bad arguments with ERR_CRYPTO_INVALID_ARGUMENT / ERR_CRYPTO_INVALID_KEY', async () => {
    const ed = await createIdentity({ subject: 'CN=Ed', key: { type: 'ed25519' } });
    const bad: [Promise<unknown>, string][] = [
      [encryptData(enc.encode('x'), { recipients: [] }), 'ERR_CRYPTO_INVALID_ARGUMENT'],
      [
        encryptData(enc.encode('x'), {
          recipients: [ec.certificate],
          contentEncryption: 'AES-192-GCM' as ContentEncryption,
        }),
        'ERR_CRYPTO_INVALID_ARGUMENT',
      ],
      [
        encryptData(enc.encode('x'), { recipients: [ec.certificate], contentType: 'not.an.oid' }),
        'ERR_CRYPTO_INVALID_ARGUMENT',
      ],
      [
        encryptData(enc.encode('x'), { recipients: [rsa.certificate], rsaOaepHash: 'SHA-1' as 'SHA-256' }),
        'ERR_CRYPTO_INVALID_ARGUMENT',
      ],
      [encryptData(enc.encode('x'), { recipients: [ed.certificate] }), 'ERR_CRYPTO_INVALID_KEY'],
    ];
    for (const [p, code] of bad) expect(await rejection(p)).toMatchObject({ code });
  });

  describe('random mutations and truncations give the original plaintext or a CryptoError (property)', () => {
    const run = async (
      sealed: Uint8Array,
      identity: Identity,
      original: Uint8Array,
      malleable: [number, number] | undefined,
    ) => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.record({
              kind: fc.constant('flip' as const),
              at: fc.nat({ max: sealed.length - 1 }),
              xor: fc.integer({ min: 1, max: 255 }),
            }),
            fc.record({
              kind: fc.constant('truncate' as const),
              at: fc.nat({ max: sealed.length - 1 }),
              xor: fc.constant(0),
            }),
            fc.record({
              kind: fc.constant('set' as const),
              at: fc.nat({ max: sealed.length - 1 }),
              xor: fc.constantFrom(0x00, 0x80, 0xff),
            }),
          ),
          async ({ kind, at, xor }) => {
            let bytes: Uint8Array;
            if (kind === 'truncate') bytes = sealed.slice(0, at);
            else {
              bytes = sealed.slice();
              if (kind === 'flip') bytes[at] ^= xor;
              else bytes[at] = xor;
            }
            try {
              const out = await decryptData(bytes, { identity });
              const same = Buffer.from(out.content).equals(Buffer.from(original));
              // AES-CBC (EnvelopedData) is malleable: a change inside IV/ciphertext may decrypt to other bytes.
              const inMalleable = malleable !== undefined && at >= malleable[0] && at < malleable[1];
              if (!same && !inMalleable) throw new Error(`mutation ${kind}@${at} gave other plaintext`);
            } catch (err) {
              if (!(err instanceof CryptoError)) throw err;
            }
          },
        ),
        { numRuns: 250 },
      );
    };

    it('AuthEnvelopedData (AES-256-GCM), EC and RSA recipients', async () => {
      const original = new Uint8Array(randomBytes(70));
      for (const id of [ec, rsa]) {
        await run(await encryptData(original, { recipients: [id.certificate], ukm: true }), id, original, undefined);
      }
    });

    it('EnvelopedData (AES-256-CBC), EC and RSA recipients', async () => {
      const original = new Uint8Array(randomBytes(70));
      for (const id of [ec, rsa]) {
        const sealed = await encryptData(original, { recipients: [id.certificate], contentEncryption: 'AES-256-CBC' });
        const f = frame(sealed);
        await run(sealed, id, original, [f.alg[1].start, f.eci[2].end]);
      }
    });
  });
});
