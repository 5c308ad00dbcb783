import { randomBytes } from 'node:crypto';
import { AsnParser, AsnSerializer, OctetString } from '@peculiar/asn1-schema';
import { describe, expect, it } from 'vitest';
import { openssl } from '../../../test/support/openssl.js';
import { GCMParameters, TAG, derEncode, derPrimitive, derTlv } from './cms-structures.js';
import {
  type ContentEncryption,
  contentCipherByName,
  contentCipherByOid,
  decryptContent,
  encryptContent,
  generateContentKey,
  importContentKey,
  parseContentParameters,
} from './content-cipher.js';
import { CryptoError, DecryptionError, MalformedInputError, UnsupportedAlgorithmError } from './errors.js';
import { OID } from './oids.js';

const subtle = globalThis.crypto.subtle;
const modes: ContentEncryption[] = ['AES-128-CBC', 'AES-256-CBC', 'AES-128-GCM', 'AES-256-GCM'];

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe('content ciphers', () => {
  for (const mode of modes) {
    it(`${mode}: round-trips, also from segments, and fails uniformly when tampered`, async () => {
      const cipher = contentCipherByName(mode);
      expect(contentCipherByOid(cipher.oid)).toBe(cipher);
      const { raw, key } = await generateContentKey(cipher);
      for (const size of [0, 1, 15, 16, 17, 1000]) {
        const plaintext = new Uint8Array(randomBytes(size));
        const enc = await encryptContent(cipher, key, plaintext);
        const params = parseContentParameters(cipher, enc.parameters);
        const dk = await importContentKey(cipher, raw);
        const out = await decryptContent(cipher, dk, params, [enc.ciphertext], enc.mac);
        expect(Buffer.from(out).equals(Buffer.from(plaintext))).toBe(true);
        const half = enc.ciphertext.length >> 1;
        const parts = [enc.ciphertext.subarray(0, half), enc.ciphertext.subarray(half)];
        expect(
          Buffer.from(await decryptContent(cipher, dk, params, parts, enc.mac)).equals(Buffer.from(plaintext)),
        ).toBe(true);
      }
      const enc = await encryptContent(cipher, key, new Uint8Array(48));
      const params = parseContentParameters(cipher, enc.parameters);
      const dk = await importContentKey(cipher, raw);
      const tampered = enc.ciphertext.slice();
      tampered[tampered.length - 1] ^= 1; // last block: CBC padding breaks (or GCM tag fails)
      const wrongKey = await importContentKey(cipher, new Uint8Array(cipher.keyBytes));
      const failures: (() => Promise<unknown>)[] = [
        () => decryptContent(cipher, dk, params, [tampered], enc.mac),
        () => decryptContent(cipher, wrongKey, params, [enc.ciphertext], enc.mac),
      ];
      if (cipher.mode === 'AES-GCM') {
        const mac = (enc.mac as Uint8Array).slice();
        mac[0] ^= 1;
        failures.push(() => decryptContent(cipher, dk, params, [enc.ciphertext], mac));
        failures.push(() => decryptContent(cipher, dk, params, [enc.ciphertext], mac.subarray(0, 12)));
        failures.push(() => decryptContent(cipher, dk, params, [enc.ciphertext], undefined));
        failures.push(() => decryptContent(cipher, dk, params, [enc.ciphertext], enc.mac, new Uint8Array(1)));
      }
      for (const f of failures) {
        const err = await rejection(f());
        expect(err).toBeInstanceOf(DecryptionError);
        expect(err).toMatchObject({ code: 'ERR_CRYPTO_DECRYPTION_FAILED', message: 'decryption failed' });
      }
      expect(await rejection(importContentKey(cipher, new Uint8Array(cipher.keyBytes + 1)))).toBeInstanceOf(
        DecryptionError,
      );
    });
  }

  it('writes GCMParameters with the nonce and an explicit ICVlen of 16, as the asn1-schema declaration encodes it', async () => {
    const cipher = contentCipherByName('AES-256-GCM');
    const { key } = await generateContentKey(cipher);
    const enc = await encryptContent(cipher, key, new Uint8Array(5));
    const parsed = AsnParser.parse(enc.parameters, GCMParameters);
    expect(parsed.icvLen).toBe(16);
    expect(parsed.nonce.byteLength).toBe(12);
    expect(Buffer.from(AsnSerializer.serialize(parsed)).equals(Buffer.from(enc.parameters))).toBe(true);
    expect(enc.parameters.length).toBe(2 + 14 + 3);
    expect(enc.mac?.length).toBe(16);
  });

  it('reads GCMParameters without ICVlen as 12-byte tags (the RFC 5084 default)', async () => {
    const cipher = contentCipherByOid(OID.aes192Gcm);
    expect(cipher.name).toBe('AES-192-GCM');
    const raw = new Uint8Array(randomBytes(24));
    const key = await subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt']);
    const nonce = new Uint8Array(randomBytes(12));
    const out = new Uint8Array(
      await subtle.encrypt({ name: 'AES-GCM', iv: nonce, tagLength: 96 }, key, new TextEncoder().encode('hi')),
    );
    const paramsDer = AsnSerializer.serialize(new GCMParameters({ nonce: new OctetString(nonce) }));
    const params = parseContentParameters(cipher, new Uint8Array(paramsDer));
    expect(params).toMatchObject({ mode: 'AES-GCM', tagBytes: 12 });
    const pt = await decryptContent(
      cipher,
      await importContentKey(cipher, raw),
      params,
      [out.subarray(0, 2)],
      out.subarray(2),
    );
    expect(new TextDecoder().decode(pt)).toBe('hi');
  });

  it('decrypts AES-192-CBC and agrees with `openssl enc` for AES-CBC', async () => {
    for (const [oid, name] of [
      [OID.aes192Cbc, 'aes-192-cbc'],
      [OID.aes256Cbc, 'aes-256-cbc'],
    ] as const) {
      const cipher = contentCipherByOid(oid);
      const raw = new Uint8Array(randomBytes(cipher.keyBytes));
      const iv = new Uint8Array(randomBytes(16));
      const plaintext = new Uint8Array(randomBytes(77));
      const r = await openssl(
        ['enc', `-${name}`, '-K', Buffer.from(raw).toString('hex'), '-iv', Buffer.from(iv).toString('hex')],
        {
          input: plaintext,
        },
      );
      expect(r.code).toBe(0);
      const params = parseContentParameters(cipher, derEncode(derPrimitive(TAG.octetString, iv)));
      const out = await decryptContent(cipher, await importContentKey(cipher, raw), params, [new Uint8Array(r.stdout)]);
      expect(Buffer.from(out).equals(Buffer.from(plaintext))).toBe(true);
    }
  });

  it('rejects malformed parameters and unknown algorithms with typed errors', () => {
    const cbc = contentCipherByName('AES-128-CBC');
    const gcm = contentCipherByName('AES-128-GCM');
    const bad: [typeof cbc, Uint8Array | undefined][] = [
      [cbc, undefined],
      [cbc, derEncode(derPrimitive(TAG.octetString, new Uint8Array(8)))],
      [cbc, Uint8Array.of(0x05, 0x00)],
      [cbc, Uint8Array.of(0x04, 0x10)],
      [gcm, undefined],
      [gcm, derEncode(derPrimitive(TAG.octetString, new Uint8Array(12)))],
      [
        gcm,
        derEncode(derTlv(TAG.sequence, derPrimitive(TAG.octetString, new Uint8Array(12)), Uint8Array.of(2, 1, 11))),
      ],
      [
        gcm,
        derEncode(derTlv(TAG.sequence, derPrimitive(TAG.octetString, new Uint8Array(12)), Uint8Array.of(2, 1, 17))),
      ],
      [gcm, derEncode(derTlv(TAG.sequence, derPrimitive(TAG.octetString, new Uint8Array(0)), Uint8Array.of(2, 1, 16)))],
    ];
    for (const [cipher, params] of bad) {
      expect(() => parseContentParameters(cipher, params)).toThrow(MalformedInputError);
    }
    expect(() => contentCipherByOid('1.2.3.4')).toThrow(UnsupportedAlgorithmError);
    expect(() => contentCipherByName('AES-192-GCM' as ContentEncryption)).toThrow(CryptoError);
  });
});
