import { createPrivateKey, generateKeyPairSync, createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opensslOk, type Scratch, scratch } from '../../../test/support/openssl.js';
import { CryptoError, MalformedInputError } from './errors.js';
import { generateKeyPair, type KeySpec, PrivateKey, PublicKey } from './keys.js';
import { fromPem, toPem } from './pem.js';
import { ecdsaRawToDer } from './signature.js';

let s: Scratch;
/** PEM texts made by OpenSSL, by name. */
const pem: Record<string, string> = {};

async function gen(name: string, args: string[]): Promise<void> {
  const out = await opensslOk(args, { cwd: s.dir });
  pem[name] = out.toString();
}

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

beforeAll(async () => {
  s = await scratch('semper-keys-');
  await opensslOk(
    ['genpkey', '-genparam', '-algorithm', 'DSA', '-pkeyopt', 'dsa_paramgen_bits:1024', '-out', 'dsa.param'],
    {
      cwd: s.dir,
    },
  );
  await Promise.all([
    gen('pkcs8-p256', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']),
    gen('pkcs8-p384', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384']),
    gen('pkcs8-ed25519', ['genpkey', '-algorithm', 'ED25519']),
    gen('pkcs8-rsa2048', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']),
    gen('sec1-p256', ['ecparam', '-name', 'prime256v1', '-genkey']),
    gen('sec1-p384', ['ecparam', '-name', 'secp384r1', '-genkey', '-noout']),
    gen('pkcs1-rsa2048', ['genrsa', '-traditional', '2048']),
    gen('p521', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521']),
    gen('sec1-p521', ['ecparam', '-name', 'secp521r1', '-genkey', '-noout']),
    gen('secp256k1', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:secp256k1']),
    gen('explicit-p256', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-param_enc', 'explicit']),
    gen('dsa', ['genpkey', '-paramfile', 'dsa.param']),
    gen('rsa1024', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024']),
    gen('pkcs1-rsa1024', ['genrsa', '-traditional', '1024']),
    gen('x25519', ['genpkey', '-algorithm', 'X25519']),
    gen('ed448', ['genpkey', '-algorithm', 'ED448']),
  ]);
});

afterAll(async () => {
  await s?.dispose();
});

/** The SPKI of a PEM private key, as `openssl pkey -pubout -outform DER` writes it. */
async function opensslSpki(keyPem: string): Promise<Uint8Array> {
  return new Uint8Array(await opensslOk(['pkey', '-pubout', '-outform', 'DER'], { input: Buffer.from(keyPem) }));
}

describe('PrivateKey.fromPem with keys OpenSSL made', () => {
  const cases: [string, string, Record<string, unknown>][] = [
    ['pkcs8-p256', 'PRIVATE KEY (genpkey EC P-256)', { type: 'ec', curve: 'P-256' }],
    ['pkcs8-p384', 'PRIVATE KEY (genpkey EC P-384)', { type: 'ec', curve: 'P-384' }],
    ['pkcs8-ed25519', 'PRIVATE KEY (genpkey Ed25519)', { type: 'ed25519', curve: undefined }],
    ['pkcs8-rsa2048', 'PRIVATE KEY (genpkey RSA 2048)', { type: 'rsa', modulusLength: 2048 }],
    ['sec1-p256', 'EC PARAMETERS + EC PRIVATE KEY (ecparam -genkey)', { type: 'ec', curve: 'P-256' }],
    ['sec1-p384', 'EC PRIVATE KEY (ecparam -genkey -noout)', { type: 'ec', curve: 'P-384' }],
    ['pkcs1-rsa2048', 'RSA PRIVATE KEY (genrsa -traditional)', { type: 'rsa', modulusLength: 2048 }],
  ];

  it.each(cases)('%s: %s', async (name, _what, fields) => {
    const key = PrivateKey.fromPem(pem[name]);
    expect(key).toMatchObject(fields);
    // The public half is the one OpenSSL derives.
    expect(hex(key.publicKey().toSpki())).toBe(hex(await opensslSpki(pem[name])));
    // toPem writes PKCS#8 that OpenSSL reads back as the same key.
    const again = key.toPem();
    expect(again.startsWith('-----BEGIN PRIVATE KEY-----\n')).toBe(true);
    expect(hex(await opensslSpki(again))).toBe(hex(key.publicKey().toSpki()));
    // And fromPkcs8 reads what toPkcs8 writes.
    const back = PrivateKey.fromPkcs8(key.toPkcs8());
    expect(back.publicKey().equals(key.publicKey())).toBe(true);
    expect(back.type).toBe(key.type);
  });

  it('toPkcs8 returns a copy', () => {
    const key = PrivateKey.fromPem(pem['pkcs8-p256']);
    const a = key.toPkcs8();
    a.fill(0);
    expect(key.toPkcs8().some((b) => b !== 0)).toBe(true);
  });

  it('refuses unsupported types, curves and sizes with ERR_CRYPTO_INVALID_KEY', () => {
    for (const name of ['p521', 'sec1-p521', 'secp256k1', 'dsa', 'rsa1024', 'pkcs1-rsa1024', 'x25519', 'ed448']) {
      const err = thrown(() => PrivateKey.fromPem(pem[name]));
      expect(err, name).toBeInstanceOf(CryptoError);
      expect(err, name).toMatchObject({ code: 'ERR_CRYPTO_INVALID_KEY' });
      // The same through PKCS#8 DER.
      const der = createPrivateKey(pem[name]).export({ type: 'pkcs8', format: 'der' });
      expect(
        thrown(() => PrivateKey.fromPkcs8(new Uint8Array(der))),
        name,
      ).toMatchObject({
        code: 'ERR_CRYPTO_INVALID_KEY',
      });
    }
    expect((thrown(() => PrivateKey.fromPem(pem.p521)) as Error).message).toMatch(/secp521r1/);
    expect((thrown(() => PrivateKey.fromPem(pem.rsa1024)) as Error).message).toMatch(/1024 bits/);
    expect((thrown(() => PrivateKey.fromPem(pem.dsa)) as Error).message).toMatch(/dsa/);
  });

  it('refuses garbage with ERR_CRYPTO_MALFORMED', () => {
    const p256 = pem['pkcs8-p256'];
    const der = fromPem(p256)[0].der;
    const inputs = [
      '',
      'not a key',
      toPem('PRIVATE KEY', Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00)), // well-formed ASN.1, not PKCS#8
      toPem('PRIVATE KEY', new Uint8Array(40).fill(0xff)), // not ASN.1
      toPem('PRIVATE KEY', der.subarray(0, der.length - 3)), // truncated
      toPem('RSA PRIVATE KEY', fromPem(pem['sec1-p384'], 'EC PRIVATE KEY')[0].der), // SEC 1 under the PKCS#1 label
      toPem('CERTIFICATE', der), // no private key block
      p256.replace(/\n[A-Za-z0-9+/]{10}/, '\n!!!!!!!!!!'), // bad base64
    ];
    for (const text of inputs) {
      const err = thrown(() => PrivateKey.fromPem(text));
      expect(err, text.slice(0, 40)).toBeInstanceOf(MalformedInputError);
    }
    for (const bytes of [
      new Uint8Array(0),
      new Uint8Array(50).fill(7),
      der.subarray(0, 20),
      Uint8Array.of(0x30, 0x00),
    ]) {
      expect(thrown(() => PrivateKey.fromPkcs8(bytes))).toBeInstanceOf(MalformedInputError);
    }
    const big = new Uint8Array(70_000);
    big.set([0x30, 0x83, 0x01, 0x11, 0x6c]);
    expect(thrown(() => PrivateKey.fromPkcs8(big))).toMatchObject({ code: 'ERR_CRYPTO_TOO_LARGE' });
  });

  it('refuses a P-256 key with explicit curve parameters (RFC 5480 §2.1.1: a named curve only), private or public', () => {
    expect(thrown(() => PrivateKey.fromPem(pem['explicit-p256']))).toMatchObject({ code: 'ERR_CRYPTO_INVALID_KEY' });
    const spki = new Uint8Array(
      createPublicKey(pem['explicit-p256']).export({ type: 'spki', format: 'der' }) as Buffer,
    );
    expect(thrown(() => PublicKey.fromSpki(spki))).toMatchObject({ code: 'ERR_CRYPTO_INVALID_KEY' });
  });

  it('asks for a passphrase when the only key is encrypted', async () => {
    const encrypted = (
      await opensslOk(['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-passout', 'pass:secret'], {
        input: Buffer.from(pem['pkcs8-p256']),
      })
    ).toString();
    expect(thrown(() => PrivateKey.fromPem(encrypted))).toMatchObject({ code: 'ERR_CRYPTO_BAD_PASSPHRASE' });
    // With an unencrypted key beside it, the unencrypted one is read.
    const both = encrypted + pem['pkcs8-p384'];
    expect(PrivateKey.fromPem(both).curve).toBe('P-384');
  });

  it('refuses public KeyObjects and foreign values in fromKeyObject', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(thrown(() => PrivateKey.fromKeyObject(publicKey))).toMatchObject({ code: 'ERR_CRYPTO_INVALID_KEY' });
    expect(thrown(() => PublicKey.fromKeyObject(privateKey))).toMatchObject({ code: 'ERR_CRYPTO_INVALID_KEY' });
    expect(thrown(() => PrivateKey.fromKeyObject(undefined as never))).toMatchObject({
      code: 'ERR_CRYPTO_INVALID_KEY',
    });
    expect(PrivateKey.fromKeyObject(privateKey).curve).toBe('P-256');
  });
});

describe('PublicKey', () => {
  it('reads the SPKI OpenSSL writes, and writes it back byte for byte', async () => {
    for (const name of ['pkcs8-p256', 'pkcs8-p384', 'pkcs8-ed25519', 'pkcs8-rsa2048']) {
      const spki = await opensslSpki(pem[name]);
      const pub = PublicKey.fromSpki(spki);
      expect(hex(pub.toSpki())).toBe(hex(spki));
      expect(pub.equals(PrivateKey.fromPem(pem[name]).publicKey())).toBe(true);
      const pubPem = (await opensslOk(['pkey', '-pubout'], { input: Buffer.from(pem[name]) })).toString();
      expect(pub.toPem()).toBe(pubPem);
    }
  });

  it('refuses unsupported keys and garbage with typed errors', async () => {
    for (const name of ['p521', 'dsa', 'rsa1024', 'x25519', 'secp256k1']) {
      const spki = await opensslSpki(pem[name]);
      expect(
        thrown(() => PublicKey.fromSpki(spki)),
        name,
      ).toMatchObject({ code: 'ERR_CRYPTO_INVALID_KEY' });
    }
    for (const bytes of [
      new Uint8Array(0),
      Uint8Array.of(0x30, 0x00),
      new Uint8Array(91).fill(0x30),
      Uint8Array.of(0x02, 0x01, 0x01),
    ]) {
      expect(thrown(() => PublicKey.fromSpki(bytes))).toBeInstanceOf(MalformedInputError);
    }
  });

  it('equals compares keys, not objects', () => {
    const a = PrivateKey.fromPem(pem['pkcs8-p256']).publicKey();
    const b = PublicKey.fromSpki(a.toSpki());
    expect(a.equals(b)).toBe(true);
    expect(a.equals(PrivateKey.fromPem(pem['sec1-p256']).publicKey())).toBe(false);
    expect(a.equals({} as PublicKey)).toBe(false);
  });

  it('comparing keys of different types leaves nothing behind that breaks the next key read', () => {
    // Node.js 20: KeyObject.equals of keys of different types returns false but leaves OpenSSL's "different
    // key types" error on the thread's error queue; the next createPrivateKey/createPublicKey then fails with
    // it. PublicKey.equals (keys.ts) calls keyObject.equals without comparing the types first.
    const ec = PrivateKey.fromPem(pem['pkcs8-p256']).publicKey();
    const rsa = PrivateKey.fromPem(pem['pkcs8-rsa2048']).publicKey();
    expect(ec.equals(rsa)).toBe(false);
    const next = thrown(() => PrivateKey.fromPem(pem['pkcs8-p384']));
    expect(next).toBeUndefined();
    expect(rsa.equals(ec)).toBe(false);
    expect(thrown(() => PublicKey.fromSpki(ec.toSpki()))).toBeUndefined();
    // Leave the queue clean for the tests after this one, whatever happened above.
    thrown(() => PrivateKey.fromPem(pem['pkcs8-p384']));
  });
});

describe('generateKeyPair', () => {
  const specs: KeySpec[] = [
    { type: 'ec', curve: 'P-256' },
    { type: 'ec', curve: 'P-384' },
    { type: 'rsa', modulusLength: 2048 },
    { type: 'rsa', modulusLength: 3072 },
    { type: 'rsa', modulusLength: 4096 },
    { type: 'ed25519' },
  ];

  it('generates every KeySpec, usable by OpenSSL and by WebCrypto', async () => {
    const pairs = await Promise.all(specs.map((spec) => generateKeyPair(spec)));
    for (const [i, { privateKey, publicKey }] of pairs.entries()) {
      const spec = specs[i];
      expect(privateKey.type).toBe(spec.type);
      expect(publicKey.type).toBe(spec.type);
      if (spec.type === 'ec') expect([privateKey.curve, publicKey.curve]).toEqual([spec.curve, spec.curve]);
      if (spec.type === 'rsa') {
        expect([privateKey.modulusLength, publicKey.modulusLength]).toEqual([spec.modulusLength, spec.modulusLength]);
        expect(privateKey.keyObject.asymmetricKeyDetails?.publicExponent).toBe(65537n);
      }
      expect(privateKey.publicKey().equals(publicKey)).toBe(true);
      expect(hex(await opensslSpki(privateKey.toPem()))).toBe(hex(publicKey.toSpki()));
      const signing = await privateKey.cryptoKey('sign');
      expect(signing.usages).toEqual(['sign']);
      expect(signing.extractable).toBe(false);
    }
  });

  it('refuses unknown specs with ERR_CRYPTO_INVALID_ARGUMENT', async () => {
    for (const spec of [
      undefined,
      {},
      { type: 'ec', curve: 'P-521' },
      { type: 'ec' },
      { type: 'rsa', modulusLength: 1024 },
      { type: 'rsa', modulusLength: 2047 },
      { type: 'rsa' },
      { type: 'dsa' },
      { type: 'x25519' },
    ]) {
      await expect(generateKeyPair(spec as never), JSON.stringify(spec)).rejects.toMatchObject({
        code: 'ERR_CRYPTO_INVALID_ARGUMENT',
      });
    }
  });
});

describe('cryptoKey purposes', () => {
  let ec: PrivateKey;
  let rsa: PrivateKey;
  let ed: PrivateKey;

  beforeAll(() => {
    ec = PrivateKey.fromPem(pem['pkcs8-p384']);
    rsa = PrivateKey.fromPem(pem['pkcs8-rsa2048']);
    ed = PrivateKey.fromPem(pem['pkcs8-ed25519']);
  });

  it('gives the WebCrypto key each type serves', async () => {
    expect((await ec.cryptoKey('sign')).algorithm).toMatchObject({ name: 'ECDSA', namedCurve: 'P-384' });
    expect((await ec.cryptoKey('derive')).algorithm).toMatchObject({ name: 'ECDH', namedCurve: 'P-384' });
    expect((await ec.cryptoKey('derive')).usages).toEqual(['deriveBits']);
    expect((await rsa.cryptoKey('sign', 'SHA-384')).algorithm).toMatchObject({
      name: 'RSASSA-PKCS1-v1_5',
      hash: { name: 'SHA-384' },
    });
    expect((await rsa.cryptoKey('decrypt', 'SHA-512')).algorithm).toMatchObject({
      name: 'RSA-OAEP',
      hash: { name: 'SHA-512' },
    });
    expect((await ed.cryptoKey('sign')).algorithm).toMatchObject({ name: 'Ed25519' });

    const pub = rsa.publicKey();
    expect((await pub.cryptoKey('verify', 'SHA-512')).algorithm).toMatchObject({ name: 'RSASSA-PKCS1-v1_5' });
    expect((await pub.cryptoKey('verify-pss', 'SHA-256')).algorithm).toMatchObject({ name: 'RSA-PSS' });
    expect((await pub.cryptoKey('encrypt')).usages).toEqual(['encrypt']);
    expect((await ec.publicKey().cryptoKey('derive')).algorithm).toMatchObject({ name: 'ECDH' });
    expect((await ec.publicKey().cryptoKey('verify')).algorithm).toMatchObject({ name: 'ECDSA' });
    expect((await ed.publicKey().cryptoKey('verify')).algorithm).toMatchObject({ name: 'Ed25519' });
  });

  it('caches per purpose and hash', async () => {
    expect(await rsa.cryptoKey('sign', 'SHA-256')).toBe(await rsa.cryptoKey('sign'));
    expect(await rsa.cryptoKey('sign', 'SHA-256')).not.toBe(await rsa.cryptoKey('sign', 'SHA-512'));
    expect(await ec.publicKey().cryptoKey('verify')).toBe(await ec.publicKey().cryptoKey('verify'));
  });

  it('refuses purposes the key type does not serve with ERR_CRYPTO_INVALID_KEY', async () => {
    const cases: [string, () => Promise<unknown>][] = [
      ['rsa derive', () => rsa.cryptoKey('derive')],
      ['ed25519 derive', () => ed.cryptoKey('derive')],
      ['ec decrypt', () => ec.cryptoKey('decrypt')],
      ['ed25519 decrypt', () => ed.cryptoKey('decrypt')],
      ['rsa public derive', () => rsa.publicKey().cryptoKey('derive')],
      ['ec public encrypt', () => ec.publicKey().cryptoKey('encrypt')],
      ['ed25519 public encrypt', () => ed.publicKey().cryptoKey('encrypt')],
      ['ec public verify-pss', () => ec.publicKey().cryptoKey('verify-pss')],
      ['ed25519 public verify-pss', () => ed.publicKey().cryptoKey('verify-pss')],
    ];
    for (const [what, f] of cases) {
      const err = await f().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, what).toBeInstanceOf(CryptoError);
      expect(err, what).toMatchObject({ code: 'ERR_CRYPTO_INVALID_KEY' });
    }
    // A failure is not cached as a success, nor does it poison the cache.
    await expect(rsa.cryptoKey('derive')).rejects.toMatchObject({ code: 'ERR_CRYPTO_INVALID_KEY' });
  });

  it('refuses unknown purposes with ERR_CRYPTO_INVALID_ARGUMENT', async () => {
    await expect(ec.cryptoKey('wrap' as never)).rejects.toMatchObject({ code: 'ERR_CRYPTO_INVALID_ARGUMENT' });
    await expect(ec.publicKey().cryptoKey('wrap' as never)).rejects.toMatchObject({
      code: 'ERR_CRYPTO_INVALID_ARGUMENT',
    });
  });

  it('signs with WebCrypto what OpenSSL verifies', async () => {
    const data = new TextEncoder().encode('signed by semper keys');
    await s.write('data.bin', data);
    for (const [name, key, alg] of [
      ['ec', ec, { name: 'ECDSA', hash: 'SHA-256' }],
      ['rsa', rsa, { name: 'RSASSA-PKCS1-v1_5' }],
    ] as const) {
      const raw = new Uint8Array(await globalThis.crypto.subtle.sign(alg, await key.cryptoKey('sign'), data));
      const sig = name === 'ec' ? ecdsaRawToDer(raw) : raw;
      await s.write(`${name}.sig`, sig);
      await s.write(`${name}.pub`, key.publicKey().toPem());
      const out = await opensslOk(
        ['dgst', '-sha256', '-verify', `${name}.pub`, '-signature', `${name}.sig`, 'data.bin'],
        { cwd: s.dir },
      );
      expect(out.toString()).toMatch(/Verified OK/);
    }
  });
});
