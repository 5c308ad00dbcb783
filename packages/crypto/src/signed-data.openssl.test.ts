// SignedData interoperability with `openssl cms` (OpenSSL 3.0), both ways.
//   semper → OpenSSL: signData (attached / detached; SHA-256/384/512; EC P-256, P-384, RSA-2048, Ed25519), then
//   `openssl cms -verify -binary -inform DER -CAfile root.pem [-content F]`.
//   OpenSSL → semper: `openssl cms -sign -binary` with -nodetach, detached, -md sha384/sha512/sha1, -stream (BER,
//   DER and PEM output), -keyid, -nocerts, -noattr, RSA-PSS, several signers; then verifySignedData.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openssl, opensslOk, type Scratch, scratch } from '../../../test/support/openssl.js';
import { berBytes, berChildren, berRead, derEncode, derOid, derPrimitive, derTlv, TAG } from './cms-structures.js';
import { CryptoError, SignatureVerificationError } from './errors.js';
import type { Identity } from './identity.js';
import { OID } from './oids.js';
import { fromPem } from './pem.js';
import { type DigestName, signBytes } from './signature.js';
import { signData, verifySignedData } from './signed-data.js';
import { createTestPki, type TestPki } from './testing.js';
import { TrustStore } from './trust.js';

type Who = 'ec' | 'p384' | 'rsa' | 'ed';
let s: Scratch;
let pki: TestPki;
const ids = {} as Record<Who, Identity>;
let n = 0;
const enc = new TextEncoder();

function text(label: string): Uint8Array {
  return enc.encode(`${label} — order #${++n}: 2 × widget à 12,00 €\r\nline two\n\0binary\xff`);
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

beforeAll(async () => {
  s = await scratch('semper-signed-openssl-');
  pki = await createTestPki();
  [ids.ec, ids.p384, ids.rsa, ids.ed] = await Promise.all([
    pki.issue('CN=EC Signer, O=semper'),
    pki.issue('CN=P-384 Signer', { key: { type: 'ec', curve: 'P-384' } }),
    pki.issue('CN=RSA Signer', { key: { type: 'rsa', modulusLength: 2048 } }),
    pki.issue('CN=Ed25519 Signer', { key: { type: 'ed25519' } }),
  ]);
  await s.write('root.pem', pki.root.certificate.toPem());
  await s.write('int.pem', pki.intermediate.certificate.toPem());
  for (const who of Object.keys(ids) as Who[]) {
    await s.write(`${who}.pem`, ids[who].certificate.toPem());
    await s.write(`${who}.key`, ids[who].privateKey.toPem());
  }
});

afterAll(async () => {
  await s?.dispose();
});

/** `openssl cms -verify` of a DER message; returns the content OpenSSL outputs. */
async function opensslVerify(message: Uint8Array, detachedContent?: Uint8Array): Promise<Buffer> {
  const k = ++n;
  await s.write(`v${k}.der`, message);
  const args = [
    'cms',
    '-verify',
    '-binary',
    '-inform',
    'DER',
    '-in',
    `v${k}.der`,
    '-CAfile',
    'root.pem',
    '-out',
    `v${k}.out`,
  ];
  if (detachedContent) {
    await s.write(`v${k}.content`, detachedContent);
    args.push('-content', `v${k}.content`);
  }
  await opensslOk(args, { cwd: s.dir });
  return s.read(`v${k}.out`);
}

/** `openssl cms -sign -binary` of `content` by `who` with extra arguments; returns the output file's bytes. */
async function opensslSign(content: Uint8Array, who: Who | Who[], args: string[], outform = 'DER'): Promise<Buffer> {
  const k = ++n;
  await s.write(`s${k}.in`, content);
  const signers = (Array.isArray(who) ? who : [who]).flatMap((w) => ['-signer', `${w}.pem`, '-inkey', `${w}.key`]);
  await opensslOk(
    [
      'cms',
      '-sign',
      '-binary',
      '-in',
      `s${k}.in`,
      ...signers,
      '-certfile',
      'int.pem',
      '-outform',
      outform,
      '-out',
      `s${k}.out`,
      ...args,
    ],
    { cwd: s.dir },
  );
  return s.read(`s${k}.out`);
}

const asBytes = (b: Buffer) => new Uint8Array(b);

describe('semper signs, OpenSSL verifies', () => {
  const cases: [Who, DigestName][] = [
    ['ec', 'SHA-256'],
    ['ec', 'SHA-384'],
    ['ec', 'SHA-512'],
    ['p384', 'SHA-256'],
    ['p384', 'SHA-384'],
    ['p384', 'SHA-512'],
    ['rsa', 'SHA-256'],
    ['rsa', 'SHA-384'],
    ['rsa', 'SHA-512'],
  ];
  it.each(cases)('%s signer, %s, attached and detached', async (who, digest) => {
    const content = text(`semper → openssl ${who} ${digest}`);
    const attached = await signData(content, { signer: ids[who], digest });
    expect((await opensslVerify(attached)).equals(Buffer.from(content))).toBe(true);
    const detached = await signData(content, { signer: ids[who], digest, detached: true });
    expect((await opensslVerify(detached, content)).equals(Buffer.from(content))).toBe(true);
    // OpenSSL refuses the detached signature over other content.
    await expect(opensslVerify(detached, text('other'))).rejects.toThrow(/digest failure|verification failure/);
  });

  it('Ed25519: OpenSSL 3.0 CMS has no Ed25519 (RFC 8419); `openssl pkeyutl -rawin` checks the signature itself', async () => {
    const content = text('ed25519');
    const signed = await signData(content, { signer: ids.ed });
    // OpenSSL 3.0's EdDSA provider refuses the SHA-512 digest CMS passes it: no CMS verification possible.
    await expect(opensslVerify(signed)).rejects.toThrow(/invalid digest|Verification failure/);
    const v = await verifySignedData(signed, { trust: pki.trust });
    await s.write('ed.attrs', v.signedAttributesDer as Uint8Array);
    await s.write('ed.sig', v.signatureValue);
    await s.write('ed.pub', ids.ed.certificate.publicKey.toPem());
    const out = await opensslOk(
      ['pkeyutl', '-verify', '-pubin', '-inkey', 'ed.pub', '-rawin', '-in', 'ed.attrs', '-sigfile', 'ed.sig'],
      { cwd: s.dir },
    );
    expect(out.toString()).toMatch(/Signature Verified Successfully/);
    const bad = new Uint8Array(v.signatureValue);
    bad[5] ^= 1;
    await s.write('ed.badsig', bad);
    const r = await openssl(
      ['pkeyutl', '-verify', '-pubin', '-inkey', 'ed.pub', '-rawin', '-in', 'ed.attrs', '-sigfile', 'ed.badsig'],
      {
        cwd: s.dir,
      },
    );
    expect(r.code).not.toBe(0);
  });

  it('another content type, a signing time after 2050, empty content, and a receipt request', async () => {
    const content = text('variants');
    const variants = [
      { contentType: '1.2.840.113549.1.9.16.1.4' },
      { signingTime: new Date('2051-01-01T00:00:00Z') },
      { receiptRequest: { to: ['r@example.org'] } },
    ];
    for (const v of variants) {
      const signed = await signData(content, { signer: ids.ec, ...v });
      expect((await opensslVerify(signed)).equals(Buffer.from(content)), JSON.stringify(v)).toBe(true);
    }
    expect((await opensslVerify(await signData(new Uint8Array(0), { signer: ids.rsa }))).length).toBe(0);
  });

  it('the signed attributes as `openssl cms -cmsout -print` shows them', async () => {
    const signed = await signData(text('print'), { signer: ids.ec, signingTime: new Date('2026-02-03T04:05:06Z') });
    await s.write('print.der', signed);
    const out = (
      await opensslOk(['cms', '-cmsout', '-print', '-inform', 'DER', '-in', 'print.der'], { cwd: s.dir })
    ).toString();
    expect(out).toMatch(
      /object: contentType \(1\.2\.840\.113549\.1\.9\.3\)[\s\S]*object: signingTime[\s\S]*UTCTIME:Feb\s+3 04:05:06 2026 GMT[\s\S]*object: messageDigest/,
    );
    expect(out).toMatch(/version: 1/);
    expect(out).toMatch(/d\.issuerAndSerialNumber:/);
  });

  it('signed attributes that are not DER (an unsorted SET OF): OpenSSL and semper both verify the bytes as sent', async () => {
    const content = text('unsorted');
    const signed = await signData(content, { signer: ids.ec });
    // Re-encode the signed attributes in reverse order and sign those bytes.
    const ci = berRead(signed);
    const sd = berChildren(berChildren(ci)[1])[0];
    const fields = berChildren(sd);
    const siFields = berChildren(berChildren(fields[fields.length - 1])[0]);
    const attrs = berChildren(siFields[3])
      .map((a) => berBytes(a))
      .reverse();
    const setOf = derEncode(derTlv(TAG.set, ...attrs));
    const sig = derEncode(derPrimitive(TAG.octetString, await signBytes(ids.ec.privateKey, 'SHA-256', setOf)));
    const implicit = setOf.slice();
    implicit[0] = TAG.context0c;
    const si = derTlv(TAG.sequence, ...siFields.slice(0, 3).map(berBytes), implicit, berBytes(siFields[4]), sig);
    const rebuilt = derEncode(
      derTlv(
        TAG.sequence,
        derOid(OID.signedData),
        derTlv(TAG.context0c, derTlv(TAG.sequence, ...fields.slice(0, -1).map(berBytes), derTlv(TAG.set, si))),
      ),
    );
    // OpenSSL 3.0 keeps the received order (CMS_Attributes_Verify is SET_ORDER) and accepts it; so does semper.
    expect((await opensslVerify(rebuilt)).equals(Buffer.from(content))).toBe(true);
    const v = await verifySignedData(rebuilt, { trust: pki.trust });
    expect(Buffer.from(v.content).equals(Buffer.from(content))).toBe(true);
  });
});

describe('OpenSSL signs, semper verifies', () => {
  // Ed25519 is left out: OpenSSL 3.0 cannot sign CMS with it ("no default digest"; with -md sha512 "invalid digest").
  it.each(['ec', 'p384', 'rsa'] as const)('%s signer, -nodetach and detached (the default)', async (who) => {
    const content = text(`openssl → semper ${who}`);
    const attached = asBytes(await opensslSign(content, who, ['-nodetach']));
    const v = await verifySignedData(attached, { trust: pki.trust });
    expect(Buffer.from(v.content).equals(Buffer.from(content))).toBe(true);
    expect(v.signer.equals(ids[who].certificate)).toBe(true);
    expect(v.chain).toHaveLength(3);
    expect(v.signingTime).toBeInstanceOf(Date);
    expect(Math.abs((v.signingTime?.getTime() ?? 0) - Date.now())).toBeLessThan(120_000);
    const detached = asBytes(await opensslSign(content, who, []));
    const d = await verifySignedData(detached, { trust: pki.trust, content });
    expect(d.signer.equals(ids[who].certificate)).toBe(true);
    await expect(verifySignedData(detached, { trust: pki.trust })).rejects.toMatchObject({
      code: 'ERR_CRYPTO_INVALID_ARGUMENT',
    });
    await expect(verifySignedData(detached, { trust: pki.trust, content: text('other') })).rejects.toMatchObject({
      code: 'ERR_CRYPTO_BAD_SIGNATURE',
    });
  });

  it.each([
    ['sha384', 'SHA-384'],
    ['sha512', 'SHA-512'],
    ['sha256', 'SHA-256'],
  ] as const)('-md %s', async (md, name) => {
    for (const who of ['ec', 'rsa'] as const) {
      const content = text(`md ${md}`);
      const v = await verifySignedData(asBytes(await opensslSign(content, who, ['-nodetach', '-md', md])), {
        trust: pki.trust,
      });
      expect(v.digestAlgorithm, who).toBe(name);
    }
  });

  it('-md sha1: refused unless allowSha1', async () => {
    const content = text('sha1');
    for (const who of ['ec', 'rsa'] as const) {
      const message = asBytes(await opensslSign(content, who, ['-nodetach', '-md', 'sha1']));
      const err = await rejection(verifySignedData(message, { trust: pki.trust }));
      expect(err).toBeInstanceOf(CryptoError);
      expect(err).toMatchObject({ code: 'ERR_CRYPTO_UNSUPPORTED_ALGORITHM' });
      const v = await verifySignedData(message, { trust: pki.trust, allowSha1: true });
      expect(v.digestAlgorithm).toBe('SHA-1');
      expect(Buffer.from(v.content).equals(Buffer.from(content))).toBe(true);
    }
  });

  it('-stream: BER with indefinite lengths, as DER output and as PEM', async () => {
    // Larger than OpenSSL's streaming chunk, so that the content is a constructed OCTET STRING of several parts.
    const content = new Uint8Array(20_000).map((_, i) => (i * 31) & 0xff);
    for (const who of ['ec', 'rsa'] as const) {
      const ber = asBytes(await opensslSign(content, who, ['-nodetach', '-stream']));
      expect(ber[1]).toBe(0x80);
      const v = await verifySignedData(ber, { trust: pki.trust });
      expect(Buffer.from(v.content).equals(Buffer.from(content))).toBe(true);
      const pem = (await opensslSign(content, who, ['-nodetach', '-stream'], 'PEM')).toString();
      const [block] = fromPem(pem, 'CMS');
      expect(block.der[1]).toBe(0x80);
      const p = await verifySignedData(block.der, { trust: pki.trust });
      expect(Buffer.from(p.content).equals(Buffer.from(content))).toBe(true);
      // Without -nodetach, OpenSSL still attaches the content when it streams to DER.
      const streamed = asBytes(await opensslSign(content, who, ['-stream']));
      expect(streamed[1]).toBe(0x80);
      expect(
        Buffer.from((await verifySignedData(streamed, { trust: pki.trust })).content).equals(Buffer.from(content)),
      ).toBe(true);
    }
  });

  it('-keyid: the signer named by its subjectKeyIdentifier', async () => {
    const content = text('keyid');
    const message = asBytes(await opensslSign(content, 'ec', ['-nodetach', '-keyid']));
    await s.write('keyid.der', message);
    const printed = (
      await opensslOk(['cms', '-cmsout', '-print', '-inform', 'DER', '-in', 'keyid.der'], { cwd: s.dir })
    ).toString();
    expect(printed).toMatch(/d\.subjectKeyIdentifier:/);
    const v = await verifySignedData(message, { trust: pki.trust });
    expect(v.signer.equals(ids.ec.certificate)).toBe(true);
  });

  it('-nocerts: the signer certificate from the trust store', async () => {
    const content = text('nocerts');
    const k = ++n;
    await s.write(`nc${k}.in`, content);
    await opensslOk(
      [
        'cms',
        '-sign',
        '-binary',
        '-nodetach',
        '-nocerts',
        '-in',
        `nc${k}.in`,
        '-signer',
        'ec.pem',
        '-inkey',
        'ec.key',
        '-outform',
        'DER',
        '-out',
        `nc${k}.der`,
      ],
      { cwd: s.dir },
    );
    const message = asBytes(await s.read(`nc${k}.der`));
    const err = await rejection(verifySignedData(message, { trust: pki.trust }));
    expect(err).toBeInstanceOf(SignatureVerificationError);
    expect(err).toMatchObject({ code: 'ERR_CRYPTO_UNTRUSTED_SIGNER' });
    const v = await verifySignedData(message, { trust: new TrustStore([ids.ec.certificate]) });
    expect(v.chain).toEqual([v.signer]);
    expect(Buffer.from(v.content).equals(Buffer.from(content))).toBe(true);
  });

  it('-noattr: no signed attributes, the signature over the content', async () => {
    const content = text('noattr');
    for (const who of ['ec', 'rsa'] as const) {
      const v = await verifySignedData(asBytes(await opensslSign(content, who, ['-nodetach', '-noattr'])), {
        trust: pki.trust,
      });
      expect(v.signedAttributesDer).toBeUndefined();
      expect(v.signingTime).toBeUndefined();
      expect(Buffer.from(v.content).equals(Buffer.from(content))).toBe(true);
    }
    // Tampered content is then a bad signature, not a digest mismatch.
    const message = asBytes(await opensslSign(content, 'ec', ['-nodetach', '-noattr']));
    const at = Buffer.from(message).indexOf(Buffer.from(content));
    message[at] ^= 1;
    await expect(verifySignedData(message, { trust: pki.trust })).rejects.toMatchObject({
      code: 'ERR_CRYPTO_BAD_SIGNATURE',
    });
  });

  it('RSA-PSS (-keyopt rsa_padding_mode:pss), with the default and with other salt lengths and digests', async () => {
    const content = text('pss');
    for (const extra of [[], ['-keyopt', 'rsa_pss_saltlen:20'], ['-md', 'sha512', '-keyopt', 'rsa_pss_saltlen:max']]) {
      const message = asBytes(
        await opensslSign(content, 'rsa', ['-nodetach', '-keyopt', 'rsa_padding_mode:pss', ...extra]),
      );
      await s.write('pss.der', message);
      const printed = (
        await opensslOk(['cms', '-cmsout', '-print', '-inform', 'DER', '-in', 'pss.der'], { cwd: s.dir })
      ).toString();
      expect(printed).toMatch(/rsassaPss/);
      const v = await verifySignedData(message, { trust: pki.trust });
      expect(Buffer.from(v.content).equals(Buffer.from(content)), extra.join(' ')).toBe(true);
      const bad = message.slice();
      const at = Buffer.from(bad).indexOf(Buffer.from(content));
      bad[at] ^= 1;
      await expect(verifySignedData(bad, { trust: pki.trust })).rejects.toMatchObject({
        code: 'ERR_CRYPTO_BAD_SIGNATURE',
      });
    }
  });

  it('several signers (EC P-256, P-384, RSA) in one message', async () => {
    const content = text('three signers');
    const message = asBytes(await opensslSign(content, ['ec', 'p384', 'rsa'], ['-nodetach']));
    const v = await verifySignedData(message, { trust: pki.trust });
    expect(v.signers.map((x) => x.signer.subject).sort()).toEqual([
      'CN=EC Signer, O=semper',
      'CN=P-384 Signer',
      'CN=RSA Signer',
    ]);
    // Trusting only a directly anchored EC signer is not enough for the others.
    await expect(verifySignedData(message, { trust: new TrustStore([ids.ec.certificate]) })).rejects.toMatchObject({
      code: 'ERR_CRYPTO_UNTRUSTED_SIGNER',
    });
  });

  it('refuses a message signed by a certificate the trust store does not reach', async () => {
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
        'stranger.key',
        '-out',
        'stranger.pem',
        '-subj',
        '/CN=Stranger',
        '-days',
        '2',
      ],
      { cwd: s.dir },
    );
    const k = ++n;
    const content = text('stranger');
    await s.write(`st${k}.in`, content);
    await opensslOk(
      [
        'cms',
        '-sign',
        '-binary',
        '-nodetach',
        '-in',
        `st${k}.in`,
        '-signer',
        'stranger.pem',
        '-inkey',
        'stranger.key',
        '-outform',
        'DER',
        '-out',
        `st${k}.der`,
      ],
      { cwd: s.dir },
    );
    const message = asBytes(await s.read(`st${k}.der`));
    await expect(verifySignedData(message, { trust: pki.trust })).rejects.toMatchObject({
      code: 'ERR_CRYPTO_UNTRUSTED_SIGNER',
    });
    const stranger = (await s.read('stranger.pem')).toString();
    const { Certificate } = await import('./certificate.js');
    const v = await verifySignedData(message, { trust: new TrustStore(Certificate.fromPem(stranger)) });
    expect(v.signer.subject).toBe('CN=Stranger');
    // And OpenSSL itself refuses it against our root.
    const r = await openssl(
      ['cms', '-verify', '-binary', '-inform', 'DER', '-in', `st${k}.der`, '-CAfile', 'root.pem'],
      { cwd: s.dir },
    );
    expect(r.code).not.toBe(0);
  });
});
