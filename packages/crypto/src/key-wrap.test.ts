import type { webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DecryptionError } from './errors.js';
import { KEY_WRAP_ALGORITHMS, keyWrapOidFor, unwrapKey, wrapKey } from './key-wrap.js';

const hex = (s: string) => new Uint8Array(Buffer.from(s.replaceAll(' ', ''), 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const subtle = globalThis.crypto.subtle;

async function aesKey(raw: Uint8Array): Promise<webcrypto.CryptoKey> {
  return subtle.importKey('raw', raw, 'AES-GCM', true, ['encrypt', 'decrypt']);
}

// RFC 3394 §4 test vectors.
const vectors = [
  {
    name: '4.1 128-bit key, 128-bit KEK',
    kek: '000102030405060708090A0B0C0D0E0F',
    key: '00112233445566778899AABBCCDDEEFF',
    wrapped: '1FA68B0A8112B447 AEF34BD8FB5A7B82 9D3E862371D2CFE5',
  },
  {
    name: '4.3 128-bit key, 256-bit KEK',
    kek: '000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F',
    key: '00112233445566778899AABBCCDDEEFF',
    wrapped: '64E8C3F9CE0F5BA2 63E9777905818A2A 93C8191E7D6E8AE7',
  },
  {
    name: '4.6 256-bit key, 256-bit KEK',
    kek: '000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F',
    key: '00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F',
    wrapped: '28C9F404C4B810F4 CBCCB35CFB87F826 3F5786E2D80ED326 CBC7F0E71A99F43B FB988B9B7A02DD21',
  },
];

describe('AES key wrap (RFC 3394)', () => {
  for (const v of vectors) {
    it(`wraps and unwraps the RFC 3394 vector ${v.name}`, async () => {
      const wrapped = await wrapKey(hex(v.kek), await aesKey(hex(v.key)));
      expect(toHex(wrapped)).toBe(toHex(hex(v.wrapped)));
      const key = await unwrapKey(hex(v.kek), wrapped, { name: 'AES-GCM', length: hex(v.key).length * 8 });
      expect(key.algorithm).toMatchObject({ name: 'AES-GCM', length: hex(v.key).length * 8 });
      expect(key.extractable).toBe(false);
    });
  }

  it('fails with the one typed error on a wrong KEK, a flipped bit, or a wrong length', async () => {
    const v = vectors[2];
    const wrapped = hex(v.wrapped);
    const alg = { name: 'AES-GCM', length: 256 };
    const wrongKek = hex(v.kek).map((b, i) => (i === 0 ? b ^ 1 : b));
    const flipped = wrapped.map((b, i) => (i === 17 ? b ^ 0x80 : b));
    for (const attempt of [
      () => unwrapKey(wrongKek, wrapped, alg),
      () => unwrapKey(hex(v.kek), flipped, alg),
      () => unwrapKey(hex(v.kek), wrapped, { name: 'AES-GCM', length: 128 }),
      () => unwrapKey(hex(v.kek), wrapped.subarray(0, 32), alg),
      () => unwrapKey(new Uint8Array(7), wrapped, alg),
    ]) {
      const err = await attempt().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DecryptionError);
      expect(err).toMatchObject({ code: 'ERR_CRYPTO_DECRYPTION_FAILED', message: 'decryption failed' });
    }
  });

  it('maps content-key sizes to wrap algorithms', () => {
    expect(KEY_WRAP_ALGORITHMS.get(keyWrapOidFor(16))?.kekBytes).toBe(16);
    expect(KEY_WRAP_ALGORITHMS.get(keyWrapOidFor(24))?.kekBytes).toBe(24);
    expect(KEY_WRAP_ALGORITHMS.get(keyWrapOidFor(32))?.name).toBe('id-aes256-wrap');
  });
});
