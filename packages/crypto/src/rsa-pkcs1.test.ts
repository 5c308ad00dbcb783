import { constants, generateKeyPairSync, type KeyObject, publicEncrypt, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { decryptRsaPkcs1v15, unpadPkcs1v15 } from './rsa-pkcs1.js';

/** The textbook (branching) EME-PKCS1-v1_5 decoding, as the reference. */
function reference(em: Uint8Array, expectedLength: number): Uint8Array | undefined {
  if (em[0] !== 0 || em[1] !== 2) return undefined;
  const sep = em.indexOf(0, 2);
  if (sep < 0 || sep - 2 < 8) return undefined;
  const m = em.subarray(sep + 1);
  return m.length === expectedLength ? m : undefined;
}

function validEm(k: number, message: Uint8Array): Uint8Array {
  const em = new Uint8Array(k);
  em[1] = 2;
  const ps = k - 3 - message.length;
  for (let i = 0; i < ps; i++) em[2 + i] = 1 + (randomBytes(1)[0] % 255);
  em.set(message, k - message.length);
  return em;
}

describe('unpadPkcs1v15 (constant-time EME-PKCS1-v1_5 decoding with implicit rejection)', () => {
  const fallback = new Uint8Array(32).fill(0xee);

  it('returns the message of a valid encoding', () => {
    const m = new Uint8Array(randomBytes(32));
    expect(Buffer.from(unpadPkcs1v15(validEm(256, m), 32, fallback)).equals(Buffer.from(m))).toBe(true);
  });

  it('returns the fallback for each kind of padding error', () => {
    const m = new Uint8Array(randomBytes(32));
    const cases: [string, (em: Uint8Array) => void][] = [
      ['first byte not 0', (em) => (em[0] = 1)],
      ['block type 1', (em) => (em[1] = 1)],
      ['no separator', (em) => em.fill(7, 2)],
      ['separator inside the 8 bytes of PS', (em) => (em[9] = 0)],
      ['message too long (early separator)', (em) => (em[100] = 0)],
      ['separator overwritten', (em) => em.set([5], 256 - 33)],
    ];
    for (const [name, mutate] of cases) {
      const em = validEm(256, m);
      mutate(em);
      expect(Buffer.from(unpadPkcs1v15(em, 32, fallback)).equals(Buffer.from(fallback)), name).toBe(true);
    }
    // The expected length is part of validity: a valid 16-byte message is rejected when 32 are expected.
    expect(
      Buffer.from(unpadPkcs1v15(validEm(256, m.subarray(0, 16)), 32, fallback)).equals(Buffer.from(fallback)),
    ).toBe(true);
    // Minimal PS (8 bytes) is valid.
    const tight = validEm(32 + 11, m);
    expect(Buffer.from(unpadPkcs1v15(tight, 32, fallback)).equals(Buffer.from(m))).toBe(true);
  });

  it('agrees with the textbook decoder on random and mutated encodings (property)', () => {
    const arbEm = fc.oneof(
      fc.uint8Array({ minLength: 27, maxLength: 80 }),
      fc
        .record({
          k: fc.integer({ min: 27, max: 80 }),
          len: fc.constantFrom(16, 24, 32),
          edits: fc.array(fc.tuple(fc.nat(), fc.constantFrom(0, 1, 2, 0xff)), { maxLength: 3 }),
        })
        .filter(({ k, len }) => k >= len + 11)
        .map(({ k, len, edits }) => {
          const em = validEm(k, new Uint8Array(randomBytes(len)));
          for (const [at, v] of edits) em[at % k] = v;
          return em;
        }),
    );
    fc.assert(
      fc.property(arbEm, fc.constantFrom(16, 24, 32), (em, len) => {
        const fb = new Uint8Array(randomBytes(len));
        const expected = reference(em, len) ?? fb;
        expect(Buffer.from(unpadPkcs1v15(em, len, fb)).equals(Buffer.from(expected))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('decryptRsaPkcs1v15', () => {
  let privateKey: KeyObject;
  let publicKey: KeyObject;
  beforeAll(() => {
    ({ privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 }));
  });

  it('decrypts what RSAES-PKCS1-v1_5 encrypted', async () => {
    for (const len of [16, 24, 32]) {
      const cek = new Uint8Array(randomBytes(len));
      const c = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, cek);
      expect(Buffer.from(await decryptRsaPkcs1v15(privateKey, c, len)).equals(Buffer.from(cek))).toBe(true);
    }
  });

  it('returns a deterministic pseudo-random key, not an error, for a forged ciphertext, a wrong length or c >= n', async () => {
    const cek = new Uint8Array(randomBytes(32));
    const c = new Uint8Array(publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, cek));
    const forged = c.slice();
    forged[100] ^= 1;
    const a = await decryptRsaPkcs1v15(privateKey, forged, 32);
    const b = await decryptRsaPkcs1v15(privateKey, forged, 32);
    expect(a.length).toBe(32);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(cek))).toBe(false);
    // Another forged ciphertext gives another key.
    const forged2 = c.slice();
    forged2[101] ^= 1;
    expect(Buffer.from(await decryptRsaPkcs1v15(privateKey, forged2, 32)).equals(Buffer.from(a))).toBe(false);
    // A valid 32-byte encryption is rejected when 16 bytes are expected (wrong CEK size).
    const short = await decryptRsaPkcs1v15(privateKey, c, 16);
    expect(short.length).toBe(16);
    expect(Buffer.from(short).equals(Buffer.from(cek.subarray(16)))).toBe(false);
    // Public errors: wrong ciphertext length, c >= n.
    expect((await decryptRsaPkcs1v15(privateKey, c.subarray(1), 32)).length).toBe(32);
    expect((await decryptRsaPkcs1v15(privateKey, new Uint8Array(256).fill(0xff), 32)).length).toBe(32);
  });

  it('derives the synthetic key from the private key (another key gives another result)', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const c = new Uint8Array(randomBytes(256));
    c[0] = 0; // below any 2048-bit modulus
    const a = await decryptRsaPkcs1v15(privateKey, c, 32);
    const b = await decryptRsaPkcs1v15(other, c, 32);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });
});
