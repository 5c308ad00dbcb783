import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openssl, opensslOk, type Scratch, scratch } from '../../../test/support/openssl.js';
import { Certificate, type CertificateTemplate, issueCertificate } from './certificate.js';
import { SignatureVerificationError } from './errors.js';
import { createIdentity, type Identity } from './identity.js';
import { generateKeyPair } from './keys.js';
import { createTestPki, type TestPki } from './testing.js';
import { TrustStore } from './trust.js';

const DAY = 86_400_000;
let pki: TestPki;
let leaf: Identity;

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

/** A CA or leaf issued by `issuer` (self-signed when absent), with a fresh EC key. */
async function issue(
  subject: string,
  issuer: Identity | undefined,
  t: Partial<CertificateTemplate> = {},
): Promise<Identity> {
  const keys = await generateKeyPair({ type: 'ec', curve: 'P-256' });
  const certificate = await issueCertificate(
    { subject, publicKey: keys.publicKey, ...t },
    issuer ? { privateKey: issuer.privateKey, certificate: issuer.certificate } : { privateKey: keys.privateKey },
  );
  return { privateKey: keys.privateKey, certificate, chain: [certificate] };
}

const ca = { basicConstraints: { ca: true }, keyUsage: ['keyCertSign', 'cRLSign'] } as const;

async function untrustedReason(
  trust: TrustStore,
  cert: Certificate,
  intermediates: Certificate[] = [],
  at?: Date,
): Promise<string> {
  const err = await rejection(trust.buildChain(cert, intermediates, at));
  expect(err).toBeInstanceOf(SignatureVerificationError);
  expect(err).toMatchObject({ code: 'ERR_CRYPTO_UNTRUSTED_SIGNER' });
  const message = (err as Error).message;
  expect(message.startsWith(`the certificate of ${cert.subject} is not trusted: `)).toBe(true);
  return message;
}

beforeAll(async () => {
  pki = await createTestPki();
  leaf = await pki.issue('CN=Leaf');
});

describe('TrustStore', () => {
  it('holds anchors once each, in the order added', async () => {
    const other = await createIdentity({ subject: 'CN=Other' });
    const trust = new TrustStore([pki.root.certificate, pki.root.certificate]);
    trust.add(other.certificate);
    trust.add(Certificate.fromDer(pki.root.certificate.der)); // the same DER, another object
    expect(trust.anchors.map((a) => a.subject)).toEqual(['CN=semper test root', 'CN=Other']);
    expect(trust.find(Certificate.fromDer(other.certificate.der))).toBe(other.certificate);
    expect(trust.find(leaf.certificate)).toBeUndefined();
    // anchors is a copy.
    (trust.anchors as Certificate[]).pop();
    expect(trust.anchors).toHaveLength(2);
    expect(() => trust.add({} as Certificate)).toThrow(
      expect.objectContaining({ code: 'ERR_CRYPTO_INVALID_ARGUMENT' }),
    );
    expect(new TrustStore().anchors).toEqual([]);
  });

  it('builds leaf → intermediate → root, with the anchor object last', async () => {
    const chain = await pki.trust.buildChain(leaf.certificate, [pki.intermediate.certificate]);
    expect(chain.map((c) => c.subject)).toEqual(['CN=Leaf', 'CN=semper test intermediate', 'CN=semper test root']);
    expect(chain[2]).toBe(pki.trust.anchors[0]);
    // The intermediates may come in any order, with strangers among them, and the root among them too.
    const stranger = await createIdentity({ subject: 'CN=Stranger' });
    const again = await pki.trust.buildChain(leaf.certificate, [
      stranger.certificate,
      pki.root.certificate,
      pki.intermediate.certificate,
      leaf.certificate,
    ]);
    expect(again.map((c) => c.subject)).toEqual(chain.map((c) => c.subject));
  });

  it('needs the intermediate', async () => {
    const message = await untrustedReason(pki.trust, leaf.certificate);
    expect(message).toMatch(/no trusted or supplied certificate is the issuer CN=semper test intermediate/);
  });

  it('accepts a leaf or an intermediate that is itself an anchor', async () => {
    expect(await new TrustStore([leaf.certificate]).buildChain(leaf.certificate)).toEqual([leaf.certificate]);
    const viaInt = await new TrustStore([pki.intermediate.certificate]).buildChain(leaf.certificate);
    expect(viaInt.map((c) => c.subject)).toEqual(['CN=Leaf', 'CN=semper test intermediate']);
  });

  it("accepts a self-signed identity as its own anchor, and nobody else's", async () => {
    const alice = await createIdentity({ subject: 'CN=Alice' });
    const trust = new TrustStore([alice.certificate]);
    expect(await trust.buildChain(alice.certificate)).toEqual([alice.certificate]);
    const bob = await createIdentity({ subject: 'CN=Bob' });
    expect(await untrustedReason(trust, bob.certificate)).toMatch(
      /no trusted or supplied certificate is the issuer CN=Bob/,
    );
    // Alice's certificate is no CA: what she "issues" is not trusted.
    const byAlice = await issue('CN=By Alice', alice);
    expect(await untrustedReason(trust, byAlice.certificate)).toMatch(/CN=Alice is not a CA \(basicConstraints\)/);
  });

  it('checks validity at `at`: expired and not yet valid leaf, intermediate and root', async () => {
    const { notBefore, notAfter } = leaf.certificate;
    const ints = [pki.intermediate.certificate];
    expect(await pki.trust.buildChain(leaf.certificate, ints, notBefore)).toHaveLength(3);
    expect(await pki.trust.buildChain(leaf.certificate, ints, notAfter)).toHaveLength(3);
    const early = await untrustedReason(pki.trust, leaf.certificate, ints, new Date(notBefore.getTime() - 1000));
    expect(early).toMatch(/CN=Leaf is not valid at .* \(valid .* to .*\)/);
    const late = await untrustedReason(pki.trust, leaf.certificate, ints, new Date(notAfter.getTime() + 1000));
    expect(late).toMatch(/CN=Leaf is not valid at/);
    // A leaf valid now under an intermediate that expired yesterday.
    const oldInt = await issue('CN=Old Intermediate', pki.root, {
      ...ca,
      notBefore: new Date(Date.now() - 10 * DAY),
      notAfter: new Date(Date.now() - DAY),
    });
    const young = await issue('CN=Young', oldInt);
    expect(await untrustedReason(pki.trust, young.certificate, [oldInt.certificate])).toMatch(
      /CN=Old Intermediate is not valid at/,
    );
    // An anchor that is not yet valid.
    const future = await issue('CN=Future Root', undefined, { ...ca, notBefore: new Date(Date.now() + DAY) });
    const child = await issue('CN=Child', future);
    expect(await untrustedReason(new TrustStore([future.certificate]), child.certificate)).toMatch(
      /CN=Future Root is not valid at/,
    );
    await expect(pki.trust.buildChain(leaf.certificate, ints, new Date(Number.NaN))).rejects.toMatchObject({
      code: 'ERR_CRYPTO_INVALID_ARGUMENT',
    });
    await expect(pki.trust.buildChain(leaf.certificate, ints, '2026-01-01' as never)).rejects.toMatchObject({
      code: 'ERR_CRYPTO_INVALID_ARGUMENT',
    });
  });

  it('refuses an issuer that is no CA: basicConstraints CA:FALSE, or none', async () => {
    const notCa = await issue('CN=Not A CA', pki.intermediate, { basicConstraints: { ca: false } });
    const below = await issue('CN=Below Not A CA', notCa);
    expect(
      await untrustedReason(pki.trust, below.certificate, [notCa.certificate, pki.intermediate.certificate]),
    ).toMatch(/CN=Not A CA is not a CA \(basicConstraints\)/);
    const noBc = await issue('CN=No BC', pki.root, { keyUsage: ['keyCertSign'] });
    const belowNoBc = await issue('CN=Below No BC', noBc);
    expect(await untrustedReason(pki.trust, belowNoBc.certificate, [noBc.certificate])).toMatch(/CN=No BC is not a CA/);
  });

  it('refuses a CA whose keyUsage lacks keyCertSign', async () => {
    const noSign = await issue('CN=No Cert Sign', pki.root, {
      basicConstraints: { ca: true },
      keyUsage: ['digitalSignature', 'cRLSign'],
    });
    const below = await issue('CN=Below No Cert Sign', noSign);
    expect(await untrustedReason(pki.trust, below.certificate, [noSign.certificate])).toMatch(
      /CN=No Cert Sign may not sign certificates \(keyUsage lacks keyCertSign\)/,
    );
    // Without a keyUsage extension any usage is allowed.
    const noKu = await issue('CN=No KU', pki.root, { basicConstraints: { ca: true } });
    const belowNoKu = await issue('CN=Below No KU', noKu);
    expect(await pki.trust.buildChain(belowNoKu.certificate, [noKu.certificate])).toHaveLength(3);
  });

  it('enforces the path length constraint', async () => {
    // The test intermediate has pathLength 0: no CA may sit below it.
    const sub = await issue('CN=Sub CA', pki.intermediate, ca);
    const deep = await issue('CN=Deep Leaf', sub);
    const message = await untrustedReason(pki.trust, deep.certificate, [sub.certificate, pki.intermediate.certificate]);
    expect(message).toMatch(/CN=semper test intermediate allows 0 intermediate CA certificates below it, not 1/);
    // pathLength 1 allows one, not two.
    const one = await issue('CN=One', pki.root, { ...ca, basicConstraints: { ca: true, pathLength: 1 } });
    const a = await issue('CN=A', one, ca);
    const b = await issue('CN=B', a, ca);
    const underA = await issue('CN=Under A', a);
    const underB = await issue('CN=Under B', b);
    expect(await pki.trust.buildChain(underA.certificate, [a.certificate, one.certificate])).toHaveLength(4);
    expect(
      await untrustedReason(pki.trust, underB.certificate, [b.certificate, a.certificate, one.certificate]),
    ).toMatch(/CN=One allows 1 intermediate CA certificates below it, not 2/);
  });

  it('refuses an issuer whose key does not verify the signature, and finds the right one among several', async () => {
    const impostor = await issue('CN=semper test intermediate', pki.root, {
      basicConstraints: { ca: true, pathLength: 0 },
      keyUsage: ['keyCertSign'],
    });
    expect(await untrustedReason(pki.trust, leaf.certificate, [impostor.certificate])).toMatch(
      /the signature of CN=Leaf does not verify with the key of CN=semper test intermediate/,
    );
    const chain = await pki.trust.buildChain(leaf.certificate, [impostor.certificate, pki.intermediate.certificate]);
    expect(chain[1].equals(pki.intermediate.certificate)).toBe(true);
    // A self-signed look-alike of the root, not the anchor itself.
    const fakeRoot = await issue('CN=semper test root', undefined, ca);
    const underFake = await issue('CN=semper test intermediate', fakeRoot, ca);
    expect(await untrustedReason(pki.trust, underFake.certificate)).toMatch(
      /does not verify with the key of CN=semper test root/,
    );
  });

  it('stops at 10 certificates, the anchor included, and never loops', async () => {
    let top = await issue('CN=Long Root', undefined, ca);
    const trust = new TrustStore([top.certificate]);
    const cas: Certificate[] = [];
    for (let i = 1; i <= 8; i++) {
      top = await issue(`CN=Long ${i}`, top, ca);
      cas.push(top.certificate);
    }
    const under8 = await issue('CN=Leaf under 8', top);
    expect(await trust.buildChain(under8.certificate, cas)).toHaveLength(10);
    top = await issue('CN=Long 9', top, ca);
    const under9 = await issue('CN=Leaf under 9', top);
    expect(await untrustedReason(trust, under9.certificate, [...cas, top.certificate])).toMatch(
      /the chain is longer than 10 certificates/,
    );
    // Two CAs that issued each other, neither trusted.
    const x = await issue('CN=X', undefined, ca);
    const y = await issue('CN=Y', x, ca);
    const xByY = await issue('CN=X', y, ca);
    const z = await issue('CN=Z', xByY);
    expect(await untrustedReason(pki.trust, z.certificate, [xByY.certificate, y.certificate, x.certificate])).toMatch(
      /not trusted/,
    );
  });
});

describe('TrustStore and version 1 certificates', () => {
  let s: Scratch;
  beforeAll(async () => {
    s = await scratch('semper-trust-');
  });
  afterAll(async () => {
    await s?.dispose();
  });

  it('refuses a version 1 intermediate that is not an anchor (it has no basicConstraints), as OpenSSL does', async () => {
    const o = { cwd: s.dir };
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    await opensslOk(
      [
        'req',
        '-x509',
        ...ec,
        '-keyout',
        'root.key',
        '-out',
        'root.pem',
        '-subj',
        '/CN=v1 test root',
        '-days',
        '2',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign',
      ],
      o,
    );
    await opensslOk(['req', '-new', ...ec, '-keyout', 'int.key', '-subj', '/CN=v1 intermediate', '-out', 'int.csr'], o);
    // No -extfile: OpenSSL 3.0 writes a version 1 certificate.
    await opensslOk(
      [
        'x509',
        '-req',
        '-in',
        'int.csr',
        '-CA',
        'root.pem',
        '-CAkey',
        'root.key',
        '-set_serial',
        '2',
        '-days',
        '2',
        '-out',
        'int.pem',
      ],
      o,
    );
    await opensslOk(['req', '-new', ...ec, '-keyout', 'leaf.key', '-subj', '/CN=v1 leaf', '-out', 'leaf.csr'], o);
    await opensslOk(
      [
        'x509',
        '-req',
        '-in',
        'leaf.csr',
        '-CA',
        'int.pem',
        '-CAkey',
        'int.key',
        '-set_serial',
        '3',
        '-days',
        '2',
        '-out',
        'leaf.pem',
      ],
      o,
    );
    const [root] = Certificate.fromPem((await s.read('root.pem')).toString());
    const [int] = Certificate.fromPem((await s.read('int.pem')).toString());
    const [v1leaf] = Certificate.fromPem((await s.read('leaf.pem')).toString());
    expect(int.version).toBe(1);
    expect(await v1leaf.isIssuedBy(int)).toBe(true);
    const verdict = await openssl(['verify', '-CAfile', 'root.pem', '-untrusted', 'int.pem', 'leaf.pem'], o);
    expect(verdict.code).not.toBe(0);
    expect(verdict.stdout.toString() + verdict.stderr).toMatch(/invalid CA certificate/);
    // RFC 5280 §6.1.4 (k): a v1/v2 intermediate needs out-of-band proof that it is a CA, or is rejected;
    // trust.ts documents "every issuer below the anchor is a CA (basicConstraints cA)".
    const err = await rejection(new TrustStore([root]).buildChain(v1leaf, [int]));
    expect(err).toMatchObject({ code: 'ERR_CRYPTO_UNTRUSTED_SIGNER' });
    // As an anchor, a v1 certificate is fine.
    expect(await new TrustStore([int]).buildChain(v1leaf)).toHaveLength(2);
  });
});
