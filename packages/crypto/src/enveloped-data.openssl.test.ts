// EnvelopedData / AuthEnvelopedData interoperability with `openssl cms` (OpenSSL 3.0), both ways.
//   semper → OpenSSL: encryptData, then `openssl cms -decrypt -inform DER -recip cert.pem -inkey key.pem -binary`.
//   OpenSSL → semper: `openssl cms -encrypt -binary -outform DER <cipher> [options] cert.pem`, then decryptData —
//   with default options (RSAES-PKCS1-v1_5; ECDH with the SHA-1 KDF, no UKM), RSA-OAEP (SHA-1 and SHA-256),
//   each ECDH KDF hash, `-keyid`, `-stream`, several recipients; and tampered messages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opensslOk, type Scratch, scratch } from '../../../test/support/openssl.js';
import { Certificate } from './certificate.js';
import { type ContentEncryption, decryptData, encryptData } from './enveloped-data.js';
import {
  type BerElement,
  TAG,
  berBytes,
  berChildren,
  berContent,
  berRead,
  derEncode,
  derInteger,
  derOid,
  derPrimitive,
  derTlv,
} from './cms-structures.js';
import { DecryptionError } from './errors.js';
import type { Identity } from './identity.js';
import { encryptTransportedKey } from './key-transport.js';
import { PrivateKey } from './keys.js';
import { OID } from './oids.js';

type Kind = 'rsa' | 'ec';
let s: Scratch;
const ids = {} as Record<Kind | 'ec384', Identity>;
let counter = 0;

async function makeRecipient(name: Kind | 'ec384'): Promise<void> {
  const newkey =
    name === 'rsa'
      ? ['-newkey', 'rsa:2048']
      : ['-newkey', 'ec', '-pkeyopt', `ec_paramgen_curve:${name === 'ec' ? 'P-256' : 'P-384'}`];
  const usage = name === 'rsa' ? 'keyEncipherment' : 'keyAgreement';
  await opensslOk(
    [
      'req',
      '-x509',
      ...newkey,
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.pem`,
      '-subj',
      `/O=semper/CN=${name} recipient`,
      '-days',
      '30',
      '-addext',
      `keyUsage=critical,${usage}`,
      '-addext',
      'subjectKeyIdentifier=hash',
    ],
    { cwd: s.dir },
  );
  const [certificate] = Certificate.fromPem((await s.read(`${name}.pem`)).toString());
  const privateKey = PrivateKey.fromPem((await s.read(`${name}.key`)).toString());
  ids[name] = { privateKey, certificate, chain: [certificate] };
}

/** `openssl cms -encrypt` of `content` to the given certificate files, with extra arguments. */
async function opensslEncrypt(content: Uint8Array, certs: string[], args: string[]): Promise<Uint8Array> {
  const n = ++counter;
  await s.write(`in-${n}.bin`, content);
  // `-keyopt` applies to the preceding `-recip`: one recipient is given with `-recip`, several as operands.
  const who = certs.length === 1 ? ['-recip', certs[0], ...args] : [...args, ...certs];
  await opensslOk(
    ['cms', '-encrypt', '-binary', '-outform', 'DER', '-in', `in-${n}.bin`, '-out', `out-${n}.der`, ...who],
    {
      cwd: s.dir,
    },
  );
  return new Uint8Array(await s.read(`out-${n}.der`));
}

/** `openssl cms -decrypt` of a DER message with a recipient's certificate and key. */
async function opensslDecrypt(message: Uint8Array, who: Kind | 'ec384'): Promise<Buffer> {
  const n = ++counter;
  await s.write(`msg-${n}.der`, message);
  return opensslOk(
    [
      'cms',
      '-decrypt',
      '-binary',
      '-inform',
      'DER',
      '-in',
      `msg-${n}.der`,
      '-recip',
      `${who}.pem`,
      '-inkey',
      `${who}.key`,
    ],
    {
      cwd: s.dir,
    },
  );
}

function text(label: string): Uint8Array {
  // More than two AES blocks, so that CBC tampering tests can target the padding deterministically.
  return new TextEncoder().encode(`${label} — transfer #${counter} of 1,250.00 EUR to agency 4711, status 2 → 3`);
}

beforeAll(async () => {
  s = await scratch('semper-enveloped-openssl-');
  await Promise.all([makeRecipient('rsa'), makeRecipient('ec'), makeRecipient('ec384')]);
});

afterAll(async () => {
  await s?.dispose();
});

const semperModes: ContentEncryption[] = ['AES-256-CBC', 'AES-128-CBC', 'AES-256-GCM', 'AES-128-GCM'];

describe.each(['rsa', 'ec'] as const)('%s recipient', (kind) => {
  describe('semper encrypts, OpenSSL decrypts', () => {
    it.each(semperModes)('%s', async (mode) => {
      const content = text(`semper → openssl ${kind} ${mode}`);
      const sealed = await encryptData(content, { recipients: [ids[kind].certificate], contentEncryption: mode });
      expect((await opensslDecrypt(sealed, kind)).equals(Buffer.from(content))).toBe(true);
    });

    it(
      kind === 'rsa' ? 'with RSA-OAEP SHA-384 and SHA-512' : 'with the SHA-384 / SHA-512 KDF and with a UKM',
      async () => {
        const variants =
          kind === 'rsa'
            ? [{ rsaOaepHash: 'SHA-384' as const }, { rsaOaepHash: 'SHA-512' as const }]
            : [
                { ecdhKdfHash: 'SHA-384' as const },
                { ecdhKdfHash: 'SHA-512' as const, ukm: true },
                { ukm: true },
                { ukm: new Uint8Array(7).fill(9) },
              ];
        for (const v of variants) {
          for (const mode of ['AES-256-GCM', 'AES-256-CBC'] as const) {
            const content = text(`variant ${JSON.stringify(v)} ${mode}`);
            const sealed = await encryptData(content, {
              recipients: [ids[kind].certificate],
              contentEncryption: mode,
              ...v,
            });
            expect((await opensslDecrypt(sealed, kind)).equals(Buffer.from(content)), JSON.stringify(v)).toBe(true);
          }
        }
      },
    );
  });

  describe('OpenSSL encrypts, semper decrypts', () => {
    const ciphers = [
      { flag: '-aes-256-cbc', name: 'AES-256-CBC' },
      { flag: '-aes-256-gcm', name: 'AES-256-GCM' },
      { flag: '-aes-128-gcm', name: 'AES-128-GCM' },
    ];
    const variants =
      kind === 'rsa'
        ? [
            { name: 'default options (RSAES-PKCS1-v1_5)', args: [] as string[] },
            { name: 'RSA-OAEP SHA-256', args: ['-keyopt', 'rsa_padding_mode:oaep', '-keyopt', 'rsa_oaep_md:sha256'] },
            { name: 'RSA-OAEP default (SHA-1)', args: ['-keyopt', 'rsa_padding_mode:oaep'] },
            { name: '-keyid', args: ['-keyid'] },
            { name: '-stream', args: ['-stream'] },
          ]
        : [
            { name: 'default options (SHA-1 KDF, no UKM)', args: [] as string[] },
            { name: 'SHA-256 KDF', args: ['-keyopt', 'ecdh_kdf_md:sha256'] },
            { name: 'SHA-224 KDF', args: ['-keyopt', 'ecdh_kdf_md:sha224'] },
            { name: 'SHA-384 KDF', args: ['-keyopt', 'ecdh_kdf_md:sha384'] },
            { name: 'SHA-512 KDF', args: ['-keyopt', 'ecdh_kdf_md:sha512'] },
            { name: '-keyid', args: ['-keyid'] },
            { name: '-stream', args: ['-stream'] },
          ];
    for (const v of variants) {
      it.each(ciphers)(`${v.name}, $name`, async ({ flag, name }) => {
        const content = text(`openssl → semper ${kind} ${v.name} ${name}`);
        const message = await opensslEncrypt(content, [`${kind}.pem`], [flag, ...v.args]);
        if (v.name === '-stream') expect(message[1]).toBe(0x80); // indefinite length: BER
        const out = await decryptData(message, { identity: ids[kind] });
        expect(Buffer.from(out.content).equals(Buffer.from(content))).toBe(true);
        expect(out.contentEncryption).toBe(name);
        expect(out.contentType).toBe('1.2.840.113549.1.7.1');
      });
    }

    it('AES-192-CBC and AES-192-GCM', async () => {
      for (const [flag, name] of [
        ['-aes-192-cbc', 'AES-192-CBC'],
        ['-aes-192-gcm', 'AES-192-GCM'],
      ]) {
        const content = text(`openssl → semper ${kind} ${name}`);
        const out = await decryptData(await opensslEncrypt(content, [`${kind}.pem`], [flag]), { identity: ids[kind] });
        expect(Buffer.from(out.content).equals(Buffer.from(content))).toBe(true);
        expect(out.contentEncryption).toBe(name);
      }
    });

    it('a one-byte-flipped ciphertext, tag or encrypted key fails with ERR_CRYPTO_DECRYPTION_FAILED', async () => {
      const cases: { args: string[]; at: (m: Uint8Array) => number }[] = [
        // GCM ciphertext (just before the 16-byte mac and its 2-byte header) and the mac itself.
        { args: ['-aes-256-gcm'], at: (m) => m.length - 20 },
        { args: ['-aes-256-gcm'], at: (m) => m.length - 1 },
        // CBC: the last byte of the second-to-last block XORs into the padding length byte: always invalid.
        { args: ['-aes-256-cbc'], at: (m) => m.length - 17 },
        // The encrypted/wrapped key (default options: PKCS#1 v1.5 for RSA, implicit rejection → GCM tag fails;
        // AES key wrap integrity check for EC).
        { args: ['-aes-256-gcm'], at: encryptedKeyOffset },
      ];
      for (const c of cases) {
        const message = await opensslEncrypt(text('tamper'), [`${kind}.pem`], c.args);
        message[c.at(message)] ^= 0x01;
        const err = await decryptData(message, { identity: ids[kind] }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(DecryptionError);
        expect(err).toMatchObject({ code: 'ERR_CRYPTO_DECRYPTION_FAILED', message: 'decryption failed' });
      }
    });
  });
});

/** Offset of a byte in the middle of the encrypted (KTRI) or wrapped (KARI) key of the first recipient info. */
function encryptedKeyOffset(message: Uint8Array): number {
  const body = berChildren(berChildren(berRead(message))[1])[0];
  const ri = berChildren(berChildren(body).find((f) => f.tag === TAG.set) as BerElement)[0];
  const fields = berChildren(ri);
  const key =
    ri.tag === TAG.sequence
      ? fields[3] // KeyTransRecipientInfo.encryptedKey
      : berChildren(berChildren(fields[fields.length - 1])[0])[1]; // first RecipientEncryptedKey.encryptedKey
  return (key.contentStart + key.contentEnd) >> 1;
}

describe('several recipients', () => {
  it('OpenSSL encrypts to an RSA and an EC certificate; each opens with semper', async () => {
    for (const flag of ['-aes-256-gcm', '-aes-256-cbc']) {
      const content = text(`multi ${flag}`);
      const message = await opensslEncrypt(content, ['rsa.pem', 'ec.pem', 'ec384.pem'], [flag]);
      for (const who of ['rsa', 'ec', 'ec384'] as const) {
        const out = await decryptData(message, { identity: ids[who] });
        expect(Buffer.from(out.content).equals(Buffer.from(content)), `${flag} ${who}`).toBe(true);
      }
    }
  });

  it('semper encrypts to an RSA and an EC certificate; each opens with OpenSSL', async () => {
    for (const mode of ['AES-256-GCM', 'AES-256-CBC'] as const) {
      const content = text(`multi ${mode}`);
      const sealed = await encryptData(content, {
        recipients: [ids.rsa.certificate, ids.ec.certificate, ids.ec384.certificate],
        contentEncryption: mode,
      });
      for (const who of ['rsa', 'ec', 'ec384'] as const) {
        expect((await opensslDecrypt(sealed, who)).equals(Buffer.from(content)), `${mode} ${who}`).toBe(true);
      }
    }
  });

  it('a recipient who is not among them gets ERR_CRYPTO_NO_RECIPIENT', async () => {
    const message = await opensslEncrypt(text('not for ec384'), ['rsa.pem', 'ec.pem'], ['-aes-256-gcm']);
    await expect(decryptData(message, { identity: ids.ec384 })).rejects.toMatchObject({
      code: 'ERR_CRYPTO_NO_RECIPIENT',
    });
    const keyid = await opensslEncrypt(text('not for ec384'), ['rsa.pem', 'ec.pem'], ['-aes-256-gcm', '-keyid']);
    await expect(decryptData(keyid, { identity: ids.ec384 })).rejects.toMatchObject({
      code: 'ERR_CRYPTO_NO_RECIPIENT',
    });
  });
});

describe('GCMParameters ICVlen (tag length) handling', () => {
  /** An AuthEnvelopedData to the RSA recipient built by hand, with the given ICVlen field and tag length. */
  async function handMade(icvLen: number | undefined, tagBytes: number, plaintext: Uint8Array): Promise<Uint8Array> {
    const subtle = globalThis.crypto.subtle;
    const cek = globalThis.crypto.getRandomValues(new Uint8Array(32));
    const nonce = globalThis.crypto.getRandomValues(new Uint8Array(12));
    const key = await subtle.importKey('raw', cek, 'AES-GCM', false, ['encrypt']);
    const out = new Uint8Array(
      await subtle.encrypt({ name: 'AES-GCM', iv: nonce, tagLength: tagBytes * 8 }, key, plaintext),
    );
    const cert = ids.rsa.certificate;
    const { algorithm, encryptedKey } = await encryptTransportedKey(
      await cert.publicKey.cryptoKey('encrypt', 'SHA-256'),
      'SHA-256',
      cek,
    );
    const tbs = berChildren(berChildren(berRead(cert.der))[0]);
    const v = tbs[0].tag === TAG.context0c ? 1 : 0;
    const rid = derTlv(TAG.sequence, berBytes(tbs[v + 2]), derPrimitive(TAG.integer, berContent(tbs[v])));
    const ktri = derTlv(TAG.sequence, derInteger(0), rid, algorithm, derPrimitive(TAG.octetString, encryptedKey));
    const params = derTlv(
      TAG.sequence,
      derPrimitive(TAG.octetString, nonce),
      icvLen === undefined ? undefined : derInteger(icvLen),
    );
    const eci = derTlv(
      TAG.sequence,
      derOid(OID.data),
      derTlv(TAG.sequence, derOid(OID.aes256Gcm), params),
      derPrimitive(TAG.context0, out.subarray(0, plaintext.length)),
    );
    const body = derTlv(
      TAG.sequence,
      derInteger(0),
      derTlv(TAG.set, ktri),
      eci,
      derPrimitive(TAG.octetString, out.subarray(plaintext.length)),
    );
    return derEncode(derTlv(TAG.sequence, derOid(OID.authEnvelopedData), derTlv(TAG.context0c, body)));
  }

  it('OpenSSL 3.0 requires the ICVlen field (semper always writes it); semper reads an absent one as 12 (RFC 5084 DEFAULT)', async () => {
    const plaintext = text('icv');
    // What semper writes: ICVlen 16 with a 16-byte mac — both accept.
    const sixteen = await handMade(16, 16, plaintext);
    expect((await opensslDecrypt(sixteen, 'rsa')).equals(Buffer.from(plaintext))).toBe(true);
    expect(
      Buffer.from((await decryptData(sixteen, { identity: ids.rsa })).content).equals(Buffer.from(plaintext)),
    ).toBe(true);
    // An explicit ICVlen of 12 with a 12-byte mac — both accept.
    const twelve = await handMade(12, 12, plaintext);
    expect((await opensslDecrypt(twelve, 'rsa')).equals(Buffer.from(plaintext))).toBe(true);
    expect(Buffer.from((await decryptData(twelve, { identity: ids.rsa })).content).equals(Buffer.from(plaintext))).toBe(
      true,
    );
    // ICVlen omitted (strict DER for the DEFAULT 12) with a 12-byte mac: OpenSSL 3.0 fails to decode it, semper reads it.
    const omitted = await handMade(undefined, 12, plaintext);
    await expect(opensslDecrypt(omitted, 'rsa')).rejects.toThrow(/field missing|decode error/);
    expect(
      Buffer.from((await decryptData(omitted, { identity: ids.rsa })).content).equals(Buffer.from(plaintext)),
    ).toBe(true);
    // ICVlen omitted (so 12) but a 16-byte mac: the lengths disagree — a decryption failure, not a crash.
    await expect(decryptData(await handMade(undefined, 16, plaintext), { identity: ids.rsa })).rejects.toMatchObject({
      code: 'ERR_CRYPTO_DECRYPTION_FAILED',
    });
  });
});
