// Identity files and OpenSSL, both ways.
//   semper → OpenSSL: packIdentity, then `openssl pkey -in F -passin pass:…` reads the key, `openssl x509 -in F`
//   the certificate, `openssl verify -untrusted F` the chain, `openssl asn1parse` the PBES2 parameters.
//   OpenSSL → semper: `openssl pkcs8 -topk8` (PBES2 with AES-256-CBC / AES-128-CBC + HMAC-SHA512, scrypt,
//   PKCS#12 PBE-SHA1-3DES) and `openssl genpkey -aes256` keys with certificates appended, read by unpackIdentity.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openssl, opensslOk, type Scratch, scratch } from '../../../test/support/openssl.js';
import { Certificate } from './certificate.js';
import { CryptoError } from './errors.js';
import { createIdentity, type Identity, packIdentity, unpackIdentity } from './identity.js';
import { PrivateKey } from './keys.js';
import { createTestPki, type TestPki } from './testing.js';

const PASS = 'open sesame';
const FAST = { iterations: 10_000 };
let s: Scratch;
let n = 0;
let pki: TestPki;
const ids: Record<string, Identity> = {};
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

beforeAll(async () => {
  s = await scratch('semper-identity-openssl-');
  pki = await createTestPki();
  [ids.ec, ids.rsa, ids.ed, ids.leaf] = await Promise.all([
    createIdentity({ subject: 'CN=Packed EC, O=semper' }),
    createIdentity({ subject: 'CN=Packed RSA', key: { type: 'rsa', modulusLength: 2048 } }),
    createIdentity({ subject: 'CN=Packed Ed25519', key: { type: 'ed25519' } }),
    pki.issue('CN=Packed Leaf'),
  ]);
});

afterAll(async () => {
  await s?.dispose();
});

describe('semper packs, OpenSSL reads', () => {
  it.each(['ec', 'rsa', 'ed', 'leaf'])('%s identity', async (name) => {
    const id = ids[name];
    const f = `${name}-${++n}.id.pem`;
    await s.write(f, await packIdentity(id, PASS, FAST));
    const o = { cwd: s.dir };
    // openssl pkey reads the encrypted key with the passphrase, and it is our key.
    const spki = await opensslOk(['pkey', '-in', f, '-passin', `pass:${PASS}`, '-pubout', '-outform', 'DER'], o);
    expect(hex(spki)).toBe(hex(id.privateKey.publicKey().toSpki()));
    const pkcs8 = await opensslOk(['pkey', '-in', f, '-passin', `pass:${PASS}`], o);
    expect(pkcs8.toString()).toBe(id.privateKey.toPem());
    // openssl x509 reads the first certificate: the identity's own.
    const der = await opensslOk(['x509', '-in', f, '-outform', 'DER'], o);
    expect(hex(der)).toBe(hex(id.certificate.der));
    // And, for the CA-issued one, the chain verifies with the file as the untrusted intermediates.
    if (name === 'leaf') {
      await s.write('root.pem', pki.root.certificate.toPem());
      const out = await opensslOk(['verify', '-CAfile', 'root.pem', '-untrusted', f, f], o);
      expect(out.toString()).toMatch(/: OK/);
    }
    // A wrong passphrase is refused by OpenSSL too.
    const wrong = await openssl(['pkey', '-in', f, '-passin', 'pass:wrong', '-noout'], o);
    expect(wrong.code).not.toBe(0);
  });

  it('writes PBES2 with PBKDF2, HMAC-SHA256 and AES-256-CBC, as `openssl asn1parse` shows', async () => {
    const f = `asn1-${++n}.pem`;
    await s.write(f, await packIdentity(ids.ec, PASS, { iterations: 12_345 }));
    const out = (await opensslOk(['asn1parse', '-in', f], { cwd: s.dir })).toString();
    expect(out).toMatch(/OBJECT\s+:PBES2/);
    expect(out).toMatch(/OBJECT\s+:PBKDF2/);
    expect(out).toMatch(/OCTET STRING\s+\[HEX DUMP\]:[0-9A-F]{32}\n/); // 16-byte salt
    expect(out).toMatch(/INTEGER\s+:3039\n/); // 12345 iterations
    expect(out).toMatch(/OBJECT\s+:hmacWithSHA256/);
    expect(out).toMatch(/OBJECT\s+:aes-256-cbc/);
  });
});

describe('OpenSSL writes, semper unpacks', () => {
  const schemes: [string, string[]][] = [
    ['PBES2 AES-256-CBC (the default PRF, HMAC-SHA256)', ['-v2', 'aes-256-cbc']],
    ['PBES2 AES-128-CBC with HMAC-SHA512', ['-v2', 'aes-128-cbc', '-v2prf', 'hmacWithSHA512']],
    ['PBES2 AES-256-CBC with scrypt', ['-v2', 'aes-256-cbc', '-scrypt']],
    ['PKCS#12 PBE-SHA1-3DES', ['-v1', 'PBE-SHA1-3DES']],
  ];
  const keys: [string, string[]][] = [
    ['EC P-256', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']],
    ['RSA 2048', ['-newkey', 'rsa:2048']],
    ['Ed25519', ['-newkey', 'ed25519']],
  ];
  const made: Record<string, { key: string; cert: string }> = {};

  beforeAll(async () => {
    await Promise.all(
      keys.map(async ([name, newkey], i) => {
        await opensslOk(
          [
            'req',
            '-x509',
            ...newkey,
            '-nodes',
            '-keyout',
            `o${i}.key`,
            '-out',
            `o${i}.pem`,
            '-subj',
            `/CN=OpenSSL ${name}`,
            '-days',
            '2',
          ],
          { cwd: s.dir },
        );
        made[name] = { key: `o${i}.key`, cert: `o${i}.pem` };
      }),
    );
  });

  for (const [keyName] of keys) {
    it.each(schemes)(`${keyName}, %s, with the certificate and a stranger appended`, async (_scheme, args) => {
      const { key, cert } = made[keyName];
      const out = await opensslOk(['pkcs8', '-topk8', ...args, '-in', key, '-passout', `pass:${PASS}`], { cwd: s.dir });
      const stranger = ids.ec.certificate.toPem();
      // The own certificate first: a stranger of another key type before it trips the Node.js error-queue bug
      // that its own test below shows.
      const text = out.toString() + (await s.read(cert)).toString() + stranger;
      const id = await unpackIdentity(text, PASS);
      const plain = PrivateKey.fromPem((await s.read(key)).toString());
      expect(hex(id.privateKey.toPkcs8())).toBe(hex(plain.toPkcs8()));
      expect(id.certificate.subject).toBe(`CN=OpenSSL ${keyName}`);
      // The certificate that belongs to the key is the identity's; the stranger is left in the chain.
      expect(id.chain.map((c) => c.subject)).toEqual([`CN=OpenSSL ${keyName}`, 'CN=Packed EC, O=semper']);
      await expect(unpackIdentity(text, 'not it')).rejects.toMatchObject({ code: 'ERR_CRYPTO_BAD_PASSPHRASE' });
    });
  }

  it('reads `openssl genpkey -aes256` output with a certificate chain appended', async () => {
    await opensslOk(
      [
        'genpkey',
        '-algorithm',
        'EC',
        '-pkeyopt',
        'ec_paramgen_curve:P-384',
        '-aes256',
        '-pass',
        `pass:${PASS}`,
        '-out',
        'g.key',
      ],
      { cwd: s.dir },
    );
    await opensslOk(
      ['req', '-new', '-key', 'g.key', '-passin', `pass:${PASS}`, '-subj', '/CN=genpkey', '-out', 'g.csr'],
      {
        cwd: s.dir,
      },
    );
    await s.write('int.pem', pki.intermediate.certificate.toPem());
    await s.write('int.key', pki.intermediate.privateKey.toPem());
    await s.write(
      'g.ext',
      'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nauthorityKeyIdentifier=keyid\n',
    );
    await opensslOk(
      [
        'x509',
        '-req',
        '-in',
        'g.csr',
        '-CA',
        'int.pem',
        '-CAkey',
        'int.key',
        '-set_serial',
        '77',
        '-days',
        '2',
        '-extfile',
        'g.ext',
        '-out',
        'g.pem',
      ],
      { cwd: s.dir },
    );
    const text = [
      (await s.read('int.pem')).toString(),
      (await s.read('g.key')).toString(),
      (await s.read('g.pem')).toString(),
    ].join('');
    const id = await unpackIdentity(text, PASS);
    expect(id.privateKey.curve).toBe('P-384');
    expect(id.certificate.subject).toBe('CN=genpkey');
    expect(id.chain.map((c) => c.subject)).toEqual(['CN=genpkey', 'CN=semper test intermediate']);
    const chain = await pki.trust.buildChain(id.certificate, id.chain.slice(1));
    expect(chain.map((c) => c.subject)).toEqual(['CN=genpkey', 'CN=semper test intermediate', 'CN=semper test root']);
  });

  it('a stranger of another key type before the own certificate does not break the next key read', async () => {
    // unpackIdentity compares the key with every certificate (PublicKey.equals → KeyObject.equals). In Node.js
    // 20, KeyObject.equals of an RSA and an EC key returns false but leaves "different key types" on OpenSSL's
    // error queue, and the next createPrivateKey / createPublicKey call in the thread fails with it.
    const out = await opensslOk(
      ['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-in', made['RSA 2048'].key, '-passout', `pass:${PASS}`],
      {
        cwd: s.dir,
      },
    );
    const text = out.toString() + ids.ec.certificate.toPem() + (await s.read(made['RSA 2048'].cert)).toString();
    const id = await unpackIdentity(text, PASS);
    expect(id.certificate.subject).toBe('CN=OpenSSL RSA 2048');
    const plain = PrivateKey.fromPem((await s.read(made['RSA 2048'].key)).toString());
    expect(plain.publicKey().equals(id.privateKey.publicKey())).toBe(true);
  });

  it('refuses an OpenSSL key with a certificate that is not its own with ERR_CRYPTO_INVALID_KEY', async () => {
    const out = await opensslOk(
      ['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-in', made['EC P-256'].key, '-passout', `pass:${PASS}`],
      {
        cwd: s.dir,
      },
    );
    const text = out.toString() + ids.ec.certificate.toPem(); // another P-256 key
    const err = await unpackIdentity(text, PASS).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CryptoError);
    expect(err).toMatchObject({ code: 'ERR_CRYPTO_INVALID_KEY' });
    expect(Certificate.fromPem(text)).toHaveLength(1);
  });

  it('refuses a legacy encrypted PEM key (RFC 1421 headers) with ERR_CRYPTO_MALFORMED', async () => {
    const legacy = await opensslOk(['ec', '-in', made['EC P-256'].key, '-aes256', '-passout', `pass:${PASS}`], {
      cwd: s.dir,
    });
    expect(legacy.toString()).toMatch(/Proc-Type: 4,ENCRYPTED/);
    const text = legacy.toString() + (await s.read(made['EC P-256'].cert)).toString();
    await expect(unpackIdentity(text, PASS)).rejects.toMatchObject({ code: 'ERR_CRYPTO_MALFORMED' });
  });
});
