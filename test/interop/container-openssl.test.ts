// The interoperability matrix, both ways, with `openssl cms` as the oracle:
// {EC P-256 signer, RSA-2048 signer} × {RSA-2048 recipient, EC P-256 recipient} ×
// {EnvelopedData AES-256-CBC, AuthEnvelopedData AES-GCM}.
//   semper → OpenSSL: sealContainer, then `openssl cms -decrypt` and `openssl cms -verify` against the CA.
//   OpenSSL → semper: `openssl cms -sign` then `openssl cms -encrypt` with default options, and with
//   OAEP / SHA-256 KDF options; openContainer opens it.
import { Certificate, type Identity, openContainer, PrivateKey, sealContainer, TrustStore } from '@semper/crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openssl, opensslOk, type Scratch, scratch } from '../support/openssl.js';

type KeyKind = 'ec' | 'rsa';
const modes = [
  { name: 'EnvelopedData AES-256-CBC', semper: 'AES-256-CBC', openssl: '-aes-256-cbc' },
  { name: 'AuthEnvelopedData AES-256-GCM', semper: 'AES-256-GCM', openssl: '-aes-256-gcm' },
  { name: 'AuthEnvelopedData AES-128-GCM', semper: 'AES-128-GCM', openssl: '-aes-128-gcm' },
] as const;

let s: Scratch;
const ids: Record<string, Identity> = {};
let trust: TrustStore;

async function makeLeaf(name: string, kind: KeyKind): Promise<void> {
  const newkey = kind === 'ec' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-newkey', 'rsa:2048'];
  await opensslOk(
    ['req', '-new', ...newkey, '-nodes', '-keyout', `${name}.key`, '-subj', `/CN=${name}`, '-out', `${name}.csr`],
    {
      cwd: s.dir,
    },
  );
  const usage = kind === 'ec' ? 'digitalSignature,keyAgreement' : 'digitalSignature,keyEncipherment';
  await s.write(
    `${name}.ext`,
    `basicConstraints=CA:FALSE\nkeyUsage=critical,${usage}\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n`,
  );
  await opensslOk(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '30',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.pem`,
    ],
    { cwd: s.dir },
  );
  const [certificate] = Certificate.fromPem((await s.read(`${name}.pem`)).toString());
  const privateKey = PrivateKey.fromPem((await s.read(`${name}.key`)).toString());
  ids[name] = { privateKey, certificate, chain: [certificate] };
}

beforeAll(async () => {
  s = await scratch('semper-interop-');
  await opensslOk(
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-subj',
      '/CN=semper interop CA',
      '-days',
      '30',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    { cwd: s.dir },
  );
  await Promise.all([
    makeLeaf('ec-signer', 'ec'),
    makeLeaf('rsa-signer', 'rsa'),
    makeLeaf('ec-recipient', 'ec'),
    makeLeaf('rsa-recipient', 'rsa'),
  ]);
  trust = new TrustStore(Certificate.fromPem((await s.read('ca.pem')).toString()));
});

afterAll(async () => {
  await s?.dispose();
});

describe.each(['ec', 'rsa'] as const)('%s signer', (signerKind) => {
  describe.each(['rsa', 'ec'] as const)('%s recipient', (recipientKind) => {
    const signer = `${signerKind}-signer`;
    const recipient = `${recipientKind}-recipient`;

    it.each(modes)('semper seals, OpenSSL decrypts and verifies ($name)', async (mode) => {
      const content = new TextEncoder().encode(`semper → openssl ${signer} ${recipient} ${mode.name}`);
      const tag = `${signer}-${recipient}-${mode.semper}`;
      const sealed = await sealContainer(content, {
        signer: ids[signer],
        recipients: [ids[recipient].certificate],
        contentEncryption: mode.semper,
      });
      await s.write(`${tag}.sealed.der`, sealed);
      await opensslOk(
        [
          'cms',
          '-decrypt',
          '-binary',
          '-inform',
          'DER',
          '-in',
          `${tag}.sealed.der`,
          '-recip',
          `${recipient}.pem`,
          '-inkey',
          `${recipient}.key`,
          '-out',
          `${tag}.signed.der`,
        ],
        { cwd: s.dir },
      );
      const out = await opensslOk(
        ['cms', '-verify', '-binary', '-inform', 'DER', '-in', `${tag}.signed.der`, '-CAfile', 'ca.pem'],
        { cwd: s.dir },
      );
      expect(out.equals(Buffer.from(content))).toBe(true);
    });

    const variants = [
      { name: 'default options', keyopts: [] as string[] },
      recipientKind === 'rsa'
        ? {
            name: 'RSA-OAEP with SHA-256',
            keyopts: ['-keyopt', 'rsa_padding_mode:oaep', '-keyopt', 'rsa_oaep_md:sha256'],
          }
        : { name: 'ECDH with the SHA-256 KDF', keyopts: ['-keyopt', 'ecdh_kdf_md:sha256'] },
    ];
    for (const variant of variants) {
      it.each(modes)(`OpenSSL signs and encrypts (${variant.name}), semper opens ($name)`, async (mode) => {
        const content = `openssl → semper ${signer} ${recipient} ${mode.name} ${variant.name}`;
        const tag = `o-${signer}-${recipient}-${mode.semper}-${variant.keyopts.length}`;
        await s.write(`${tag}.txt`, content);
        await opensslOk(
          [
            'cms',
            '-sign',
            '-binary',
            '-nodetach',
            '-outform',
            'DER',
            '-in',
            `${tag}.txt`,
            '-signer',
            `${signer}.pem`,
            '-inkey',
            `${signer}.key`,
            '-out',
            `${tag}.signed.der`,
          ],
          { cwd: s.dir },
        );
        await opensslOk(
          [
            'cms',
            '-encrypt',
            '-binary',
            '-outform',
            'DER',
            '-in',
            `${tag}.signed.der`,
            mode.openssl,
            '-recip',
            `${recipient}.pem`,
            ...variant.keyopts,
            '-out',
            `${tag}.sealed.der`,
          ],
          { cwd: s.dir },
        );
        const opened = await openContainer(await s.read(`${tag}.sealed.der`), { identity: ids[recipient], trust });
        expect(new TextDecoder().decode(opened.content)).toBe(content);
        expect(opened.signer.subject).toBe(ids[signer].certificate.subject);
        expect(opened.chain.length).toBe(2);
      });
    }
  });
});

it('OpenSSL rejects a container semper sealed for someone else, and semper rejects a tampered OpenSSL container', async () => {
  const sealed = await sealContainer(new TextEncoder().encode('for ec only'), {
    signer: ids['ec-signer'],
    recipients: [ids['ec-recipient'].certificate],
  });
  await s.write('other.der', sealed);
  const r = await openssl(
    [
      'cms',
      '-decrypt',
      '-binary',
      '-inform',
      'DER',
      '-in',
      'other.der',
      '-recip',
      'rsa-recipient.pem',
      '-inkey',
      'rsa-recipient.key',
    ],
    { cwd: s.dir },
  );
  expect(r.code).not.toBe(0);

  await s.write('t.txt', 'tamper me');
  await opensslOk(
    [
      'cms',
      '-sign',
      '-binary',
      '-nodetach',
      '-outform',
      'DER',
      '-in',
      't.txt',
      '-signer',
      'rsa-signer.pem',
      '-inkey',
      'rsa-signer.key',
      '-out',
      't.signed.der',
    ],
    { cwd: s.dir },
  );
  await opensslOk(
    [
      'cms',
      '-encrypt',
      '-binary',
      '-outform',
      'DER',
      '-in',
      't.signed.der',
      '-aes-256-gcm',
      '-recip',
      'ec-recipient.pem',
      '-out',
      't.der',
    ],
    { cwd: s.dir },
  );
  const bytes = new Uint8Array(await s.read('t.der'));
  bytes[bytes.length - 30] ^= 0x40;
  await expect(openContainer(bytes, { identity: ids['ec-recipient'], trust })).rejects.toMatchObject({
    name: expect.stringMatching(/Error$/),
    code: expect.stringMatching(/^ERR_CRYPTO_/),
  });
});
