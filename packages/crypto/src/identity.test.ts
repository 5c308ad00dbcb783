import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { Certificate } from './certificate.js';
import {
  berChildren,
  berContent,
  berOid,
  berRead,
  berSmallInteger,
  derEncode,
  derPrimitive,
  derTlv,
  TAG,
} from './cms-structures.js';
import { CryptoError } from './errors.js';
import {
  createIdentity,
  DEFAULT_PBKDF2_ITERATIONS,
  decryptPrivateKey,
  encryptPrivateKey,
  type Identity,
  packIdentity,
  unpackIdentity,
} from './identity.js';
import { PrivateKey } from './keys.js';
import { OID } from './oids.js';
import { fromPem, toPem } from './pem.js';
import { signData, verifySignedData } from './signed-data.js';
import { createTestPki, type TestPki } from './testing.js';
import { TrustStore } from './trust.js';

const FAST = { iterations: 10_000 };
const PASS = 'correct horse battery staple';
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

let ec: Identity;
let rsa: Identity;
let ed: Identity;
let p384: Identity;
let pki: TestPki;
let leaf: Identity;

beforeAll(async () => {
  [ec, rsa, ed, p384, pki] = await Promise.all([
    createIdentity({ subject: 'CN=Alice, O=Example' }),
    createIdentity({ subject: 'CN=RSA', key: { type: 'rsa', modulusLength: 2048 } }),
    createIdentity({ subject: 'CN=Ed', key: { type: 'ed25519' } }),
    createIdentity({ subject: 'CN=P384', key: { type: 'ec', curve: 'P-384' }, validityDays: 2 }),
    createTestPki(),
  ]);
  leaf = await pki.issue('CN=PKI Leaf');
});

function sameIdentity(a: Identity, b: Identity): void {
  expect(hex(a.privateKey.toPkcs8())).toBe(hex(b.privateKey.toPkcs8()));
  expect(a.certificate.equals(b.certificate)).toBe(true);
  expect(a.chain.map((c) => hex(c.der))).toEqual(b.chain.map((c) => hex(c.der)));
}

describe('createIdentity', () => {
  it('makes an EC P-256 key and a self-signed end-entity certificate by default', async () => {
    const before = Date.now();
    const id = await createIdentity({ subject: 'CN=Default' });
    expect(id.privateKey).toMatchObject({ type: 'ec', curve: 'P-256' });
    expect(id.certificate.subject).toBe('CN=Default');
    expect(id.certificate.isSelfIssued).toBe(true);
    expect(await id.certificate.isIssuedBy(id.certificate)).toBe(true);
    expect(id.chain).toEqual([id.certificate]);
    expect(id.privateKey.publicKey().equals(id.certificate.publicKey)).toBe(true);
    expect(id.certificate.basicConstraints).toEqual({ ca: false, pathLength: undefined });
    expect(id.certificate.keyUsage).toEqual(['digitalSignature', 'nonRepudiation', 'keyAgreement']);
    // Valid from a minute ago (whole seconds) for 365 days.
    expect(id.certificate.notBefore.getTime() % 1000).toBe(0);
    expect(Math.abs(id.certificate.notBefore.getTime() - (before - 60_000))).toBeLessThan(2_000);
    expect(id.certificate.notAfter.getTime() - id.certificate.notBefore.getTime()).toBe(365 * 86_400_000);
  });

  it('honours key, validityDays and notBefore', async () => {
    expect(rsa.privateKey).toMatchObject({ type: 'rsa', modulusLength: 2048 });
    expect(rsa.certificate.keyUsage).toContain('keyEncipherment');
    expect(ed.privateKey.type).toBe('ed25519');
    expect(p384.privateKey.curve).toBe('P-384');
    expect(p384.certificate.notAfter.getTime() - p384.certificate.notBefore.getTime()).toBe(2 * 86_400_000);
    const notBefore = new Date('2030-01-01T00:00:00Z');
    const later = await createIdentity({ subject: 'CN=Later', notBefore, validityDays: 0.5 });
    expect(later.certificate.notBefore.toISOString()).toBe(notBefore.toISOString());
    expect(later.certificate.notAfter.toISOString()).toBe('2030-01-01T12:00:00.000Z');
  });

  it('refuses bad options with ERR_CRYPTO_INVALID_ARGUMENT', async () => {
    const bad: unknown[] = [
      undefined,
      {},
      { subject: '' },
      { subject: '   ' },
      { subject: 42 },
      { subject: 'not a name' },
      { subject: 'CN=x', validityDays: 0 },
      { subject: 'CN=x', validityDays: -1 },
      { subject: 'CN=x', validityDays: 36_501 },
      { subject: 'CN=x', validityDays: Number.NaN },
      { subject: 'CN=x', validityDays: Number.POSITIVE_INFINITY },
      { subject: 'CN=x', key: { type: 'rsa', modulusLength: 1024 } },
      { subject: 'CN=x', key: { type: 'ec', curve: 'P-521' } },
      { subject: 'CN=x', notBefore: new Date(Number.NaN) },
    ];
    const failures: string[] = [];
    for (const o of bad) {
      const err = await rejection(createIdentity(o as never));
      if (!(err instanceof CryptoError) || err.code !== 'ERR_CRYPTO_INVALID_ARGUMENT') {
        failures.push(`${JSON.stringify(o)}: ${String(err)}`);
      }
    }
    expect(failures).toEqual([]);
  });
});

describe('packIdentity / unpackIdentity', () => {
  it('round-trips every key type, and a CA-issued identity with its chain', async () => {
    for (const id of [ec, rsa, ed, p384, leaf]) {
      const text = await packIdentity(id, PASS, FAST);
      const back = await unpackIdentity(text, PASS);
      sameIdentity(back, id);
      // From bytes as well.
      sameIdentity(await unpackIdentity(new TextEncoder().encode(text), PASS), id);
    }
    expect((await unpackIdentity(await packIdentity(leaf, PASS, FAST), PASS)).chain.map((c) => c.subject)).toEqual([
      'CN=PKI Leaf',
      'CN=semper test intermediate',
    ]);
  });

  it('writes one ENCRYPTED PRIVATE KEY (PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC) and the chain, own certificate first', async () => {
    const text = await packIdentity({ ...leaf, chain: [pki.intermediate.certificate, leaf.certificate] }, PASS, FAST);
    const blocks = fromPem(text);
    expect(blocks.map((b) => b.label)).toEqual(['ENCRYPTED PRIVATE KEY', 'CERTIFICATE', 'CERTIFICATE']);
    expect(Certificate.fromDer(blocks[1].der).equals(leaf.certificate)).toBe(true);
    expect(Certificate.fromDer(blocks[2].der).equals(pki.intermediate.certificate)).toBe(true);
    const [alg, data] = berChildren(berRead(blocks[0].der));
    const [scheme, params] = berChildren(alg);
    expect(berOid(scheme, 'scheme')).toBe(OID.pbes2);
    const [kdf, cipher] = berChildren(params);
    const [kdfOid, kdfParams] = berChildren(kdf);
    expect(berOid(kdfOid, 'kdf')).toBe(OID.pbkdf2);
    const [salt, count, prf] = berChildren(kdfParams);
    expect(berContent(salt)).toHaveLength(16);
    expect(berSmallInteger(count, 'count')).toBe(10_000);
    expect(berOid(berChildren(prf)[0], 'prf')).toBe(OID.hmacWithSHA256);
    const [cipherOid, iv] = berChildren(cipher);
    expect(berOid(cipherOid, 'cipher')).toBe(OID.aes256Cbc);
    expect(berContent(iv)).toHaveLength(16);
    expect(berContent(data).length % 16).toBe(0);
    // Fresh salt and IV every time.
    const again = fromPem(await packIdentity(leaf, PASS, FAST))[0].der;
    expect(hex(again)).not.toBe(hex(blocks[0].der));
  });

  it('uses 600,000 iterations by default', async () => {
    expect(DEFAULT_PBKDF2_ITERATIONS).toBe(600_000);
    const text = await packIdentity(ec, PASS);
    const [alg] = berChildren(berRead(fromPem(text)[0].der));
    const kdfParams = berChildren(berChildren(berChildren(berChildren(alg)[1])[0])[1]);
    expect(berSmallInteger(kdfParams[1], 'count')).toBe(600_000);
    sameIdentity(await unpackIdentity(text, PASS), ec);
  });

  it('refuses a wrong passphrase with ERR_CRYPTO_BAD_PASSPHRASE', async () => {
    const text = await packIdentity(ec, PASS, FAST);
    for (const wrong of ['hunter2', `${PASS} `, PASS.toUpperCase()]) {
      const err = await rejection(unpackIdentity(text, wrong));
      expect(err, wrong).toBeInstanceOf(CryptoError);
      expect(err, wrong).toMatchObject({ code: 'ERR_CRYPTO_BAD_PASSPHRASE' });
      expect((err as Error).message).not.toContain(wrong);
    }
    await expect(unpackIdentity(text, '')).rejects.toMatchObject({ code: 'ERR_CRYPTO_INVALID_ARGUMENT' });
  });

  it('handles passphrases as UTF-8', async () => {
    const text = await packIdentity(ec, 'pässwörd €', FAST);
    sameIdentity(await unpackIdentity(text, 'pässwörd €'), ec);
    await expect(unpackIdentity(text, 'passwort €')).rejects.toMatchObject({ code: 'ERR_CRYPTO_BAD_PASSPHRASE' });
  });

  it('reads the blocks in any order and finds the certificate that belongs to the key', async () => {
    const [key, own, int] = fromPem(await packIdentity(leaf, PASS, FAST));
    const text = [int, own, key].map((b) => toPem(b.label, b.der)).join('junk between\n');
    const back = await unpackIdentity(text, PASS);
    expect(back.certificate.equals(leaf.certificate)).toBe(true);
    expect(back.chain.map((c) => c.subject)).toEqual(['CN=PKI Leaf', 'CN=semper test intermediate']);
  });

  it('refuses incomplete or inconsistent files with typed errors', async () => {
    const [key, cert] = fromPem(await packIdentity(ec, PASS, FAST));
    // Another P-256 key: comparing keys of different types trips a Node.js bug (see keys.test.ts).
    const otherKey = fromPem(await packIdentity(leaf, PASS, FAST))[0];
    const pem = (...b: { label: string; der: Uint8Array }[]) => b.map((x) => toPem(x.label, x.der)).join('');
    const cases: [string, string, string][] = [
      ['no PEM at all', 'hello', 'ERR_CRYPTO_MALFORMED'],
      ['no key', pem(cert), 'ERR_CRYPTO_MALFORMED'],
      ['no certificate', pem(key), 'ERR_CRYPTO_MALFORMED'],
      ['two keys', pem(key, otherKey, cert), 'ERR_CRYPTO_MALFORMED'],
      [
        'an unencrypted key instead',
        pem({ label: 'PRIVATE KEY', der: ec.privateKey.toPkcs8() }, cert),
        'ERR_CRYPTO_MALFORMED',
      ],
      [
        'a certificate that is not DER',
        pem(key, { label: 'CERTIFICATE', der: Uint8Array.of(0x30, 0x03, 1, 1, 1) }),
        'ERR_CRYPTO_MALFORMED',
      ],
      [
        'a key that is not an EncryptedPrivateKeyInfo',
        pem({ label: 'ENCRYPTED PRIVATE KEY', der: Uint8Array.of(0x30, 0x00) }, cert),
        'ERR_CRYPTO_MALFORMED',
      ],
      ['the key of another certificate', pem(otherKey, cert), 'ERR_CRYPTO_INVALID_KEY'],
    ];
    for (const [what, text, code] of cases) {
      const err = await rejection(unpackIdentity(text, PASS));
      expect(err, what).toBeInstanceOf(CryptoError);
      expect(err, what).toMatchObject({ code });
    }
  });

  it('refuses to pack a key with the wrong certificate, or no identity', async () => {
    await expect(packIdentity({ ...ec, certificate: leaf.certificate }, PASS, FAST)).rejects.toMatchObject({
      code: 'ERR_CRYPTO_INVALID_KEY',
    });
    for (const bad of [undefined, {}, { privateKey: ec.privateKey }, { certificate: ec.certificate }]) {
      await expect(packIdentity(bad as never, PASS, FAST)).rejects.toMatchObject({
        code: 'ERR_CRYPTO_INVALID_ARGUMENT',
      });
    }
    for (const passphrase of ['', undefined, 42]) {
      await expect(packIdentity(ec, passphrase as never, FAST)).rejects.toMatchObject({
        code: 'ERR_CRYPTO_INVALID_ARGUMENT',
      });
    }
    for (const iterations of [9_999, 0, -1, 10_000.5, 100_000_001, Number.NaN]) {
      await expect(packIdentity(ec, PASS, { iterations }), String(iterations)).rejects.toMatchObject({
        code: 'ERR_CRYPTO_INVALID_ARGUMENT',
      });
    }
  });

  /** The encrypted key's ciphertext (the content of encryptedData) as an offset into the EPKI DER. */
  function ciphertextOffset(epki: Uint8Array): { start: number; end: number } {
    const [, data] = berChildren(berRead(epki));
    return { start: data.contentStart, end: data.contentEnd };
  }

  it('detects a changed ciphertext byte: the file is refused, never read as another key', async () => {
    // AES-256-CBC: changing ciphertext block i garbles plaintext block i and flips one bit of block i + 1. In an
    // EC P-256 PKCS#8 (138 bytes) block 3 (bytes 48–63) lies inside the private scalar and the first four bytes
    // of block 4 too, so changing byte 48 of the ciphertext yields a PKCS#8 that still parses, with another
    // private scalar but the same embedded public key — which is the one unpackIdentity compares with the
    // certificate.
    const text = await packIdentity(ec, PASS, FAST);
    const [key, cert] = fromPem(text);
    const { start } = ciphertextOffset(key.der);
    const failures: string[] = [];
    for (const offset of [48, 49, 50, 51]) {
      const der = key.der.slice();
      der[start + offset] ^= 0x01;
      const err = await rejection(
        unpackIdentity(toPem('ENCRYPTED PRIVATE KEY', der) + toPem('CERTIFICATE', cert.der), PASS),
      );
      if (!(err instanceof CryptoError)) failures.push(`ciphertext byte ${offset}: unpacked without error`);
    }
    expect(failures).toEqual([]);
  });

  it('a corrupted file gives a typed error or the same key, never a raw error or another key (property)', async () => {
    const text = await packIdentity(leaf, PASS, FAST);
    const keyEnd = text.indexOf('-----END ENCRYPTED PRIVATE KEY-----');
    const b64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    // Every character of the base64 bodies (not of the BEGIN/END lines).
    const positions: number[] = [];
    let offset = 0;
    for (const line of text.split('\n')) {
      if (!line.startsWith('-----')) for (let i = 0; i < line.length; i++) positions.push(offset + i);
      offset += line.length + 1;
    }
    const outcomes = { typed: 0, same: 0 };
    const failures: string[] = [];
    const issuers = [pki.intermediate.certificate, pki.root.certificate];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...positions),
        fc.nat({ max: 62 }),
        fc.constantFrom('delete', 'replace', 'replace', 'replace', '!'),
        async (pos, k, how) => {
          const replacement = how === 'delete' ? '' : how === '!' ? '!' : b64[(b64.indexOf(text[pos]) + 1 + k) % 64];
          const bad = text.slice(0, pos) + replacement + text.slice(pos + 1);
          let out: Identity;
          try {
            out = await unpackIdentity(bad, PASS);
          } catch (e) {
            // A changed key block is a malformed file or a wrong passphrase (or, when the scheme OID itself
            // changed, an unsupported scheme); a changed certificate may also leave no certificate for the key.
            const allowed =
              pos < keyEnd
                ? ['ERR_CRYPTO_MALFORMED', 'ERR_CRYPTO_BAD_PASSPHRASE', 'ERR_CRYPTO_UNSUPPORTED_ALGORITHM']
                : ['ERR_CRYPTO_MALFORMED', 'ERR_CRYPTO_INVALID_KEY', 'ERR_CRYPTO_UNSUPPORTED_ALGORITHM'];
            if (!(e instanceof CryptoError)) failures.push(`char ${pos} (${how}): ${String(e)}`);
            else if (!allowed.includes(e.code)) failures.push(`char ${pos} (${how}): ${e.code}`);
            else outcomes.typed++;
            return;
          }
          if (hex(out.privateKey.toPkcs8()) !== hex(leaf.privateKey.toPkcs8())) {
            failures.push(`char ${pos} (${how}): read as another private key`);
            return;
          }
          // A changed certificate that still parses must not pass as issued by its issuer.
          for (const [i, c] of out.chain.entries()) {
            if (!c.equals(leaf.chain[i]) && (await c.isIssuedBy(issuers[i]))) {
              failures.push(`char ${pos} (${how}): a changed certificate still verifies`);
            }
          }
          outcomes.same++;
        },
      ),
      { numRuns: 300, seed: 20260 },
    );
    expect(failures).toEqual([]);
    expect(outcomes.typed).toBeGreaterThan(100);
  });

  it('an identity read back signs what its certificate verifies', async () => {
    const back = await unpackIdentity(await packIdentity(leaf, PASS, FAST), PASS);
    const signed = await signData(new TextEncoder().encode('still me'), { signer: back });
    const v = await verifySignedData(signed, { trust: pki.trust });
    expect(v.signer.equals(leaf.certificate)).toBe(true);
    expect(new TrustStore([ec.certificate]).anchors).toHaveLength(1);
  });
});

describe('encryptPrivateKey / decryptPrivateKey', () => {
  it('round-trips DER and PEM', async () => {
    const der = await encryptPrivateKey(rsa.privateKey, PASS, FAST);
    expect(hex((await decryptPrivateKey(der, PASS)).toPkcs8())).toBe(hex(rsa.privateKey.toPkcs8()));
    const pem = toPem('ENCRYPTED PRIVATE KEY', der);
    expect((await decryptPrivateKey(pem, PASS)).publicKey().equals(rsa.privateKey.publicKey())).toBe(true);
  });

  it('refuses what is not an EncryptedPrivateKeyInfo, and schemes that are not password-based', async () => {
    const der = await encryptPrivateKey(ec.privateKey, PASS, FAST);
    const [, data] = berChildren(berRead(der));
    const notPbe = derEncode(
      derTlv(
        TAG.sequence,
        derTlv(TAG.sequence, Uint8Array.of(0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2a)),
        derPrimitive(TAG.octetString, berContent(data)),
      ),
    );
    await expect(decryptPrivateKey(notPbe, PASS)).rejects.toMatchObject({ code: 'ERR_CRYPTO_UNSUPPORTED_ALGORITHM' });
    for (const bad of [
      Uint8Array.of(0x30, 0x00),
      Uint8Array.of(0x04, 0x00),
      ec.privateKey.toPkcs8(),
      new Uint8Array(0),
    ]) {
      await expect(decryptPrivateKey(bad, PASS)).rejects.toMatchObject({ code: 'ERR_CRYPTO_MALFORMED' });
    }
    await expect(decryptPrivateKey(ec.privateKey.toPem(), PASS)).rejects.toMatchObject({
      code: 'ERR_CRYPTO_MALFORMED',
    });
    await expect(decryptPrivateKey(der, 'wrong')).rejects.toMatchObject({ code: 'ERR_CRYPTO_BAD_PASSPHRASE' });
    // The unencrypted reader points to the passphrase.
    expect(() => PrivateKey.fromPem(toPem('ENCRYPTED PRIVATE KEY', der))).toThrow(
      expect.objectContaining({ code: 'ERR_CRYPTO_BAD_PASSPHRASE' }),
    );
  });
});
