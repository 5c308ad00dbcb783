import { type Certificate, SignatureVerificationError, signData, verifySignedData } from '@semper/crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CertificateRevocationList, issueCrl } from '../crl.js';
import { CertificatesError, PathValidationError } from '../errors.js';
import { PATH_LIMITS, type PathValidationOptions, PathValidator } from './path-validator.js';
import type { PathValidationResult } from './result.js';
import {
  DAY,
  ext,
  gn,
  type Keys,
  makeCa,
  makeCertificate,
  makeLeaf,
  NOW,
  newKeys,
  type TestCa,
} from './test-pki.test-util.js';

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const EMAIL = '1.3.6.1.5.5.7.3.4';
const ANY_EKU = '2.5.29.37.0';

let root: TestCa;
let inter: TestCa;
let leaf: Certificate;
let leafKeys: Keys;

async function check(
  anchors: readonly Certificate[],
  target: Certificate,
  o: PathValidationOptions = {},
): Promise<PathValidationResult> {
  return new PathValidator(anchors).validate(target, { at: NOW, ...o });
}

function codeOf(r: PathValidationResult): string {
  return r.valid ? 'VALID' : r.code;
}

beforeAll(async () => {
  root = await makeCa('CN=Root, O=semper');
  inter = await makeCa('CN=Intermediate, O=semper', { issuer: root, pathLength: 0 });
  leafKeys = await newKeys();
  leaf = await makeLeaf(inter, 'CN=Alice, O=semper', {
    keys: leafKeys,
    extra: [ext.subjectAltName([gn.email('alice@semper.example')])],
  });
});

describe('PathValidator: chains', () => {
  it('validates leaf <- intermediate <- root and returns the chain, leaf first', async () => {
    const r = await check([root.certificate], leaf, { intermediates: [inter.certificate] });
    expect(r.valid).toBe(true);
    if (!r.valid) return;
    expect(r.chain.map((c) => c.subject)).toEqual([
      'CN=Alice, O=semper',
      'CN=Intermediate, O=semper',
      'CN=Root, O=semper',
    ]);
    expect(r.chain[2]).toBe(root.certificate);
    expect(r.policies).toEqual([]); // no certificatePolicies: the valid_policy_tree is NULL, which is fine
  });

  it('fails without the intermediate (NO_ISSUER), and with an untrusted root (UNTRUSTED)', async () => {
    const r = await check([root.certificate], leaf);
    expect(codeOf(r)).toBe('NO_ISSUER');
    expect(r.valid ? undefined : r.certificate).toBe(leaf);
    const other = await makeCa('CN=Other root');
    const u = await check([other.certificate], leaf, { intermediates: [inter.certificate, root.certificate] });
    expect(codeOf(u)).toBe('UNTRUSTED');
    expect(u.valid ? '' : u.reason).toContain('CN=Root, O=semper is self-signed');
  });

  it('builds from intermediates in any order, ignoring unrelated and duplicate ones', async () => {
    const mid = await makeCa('CN=Mid', { issuer: root });
    const low = await makeCa('CN=Low', { issuer: mid });
    const l = await makeLeaf(low, 'CN=Bob');
    const junk = await makeCa('CN=Junk', { issuer: root });
    const r = await check([root.certificate], l, {
      intermediates: [junk.certificate, mid.certificate, low.certificate, mid.certificate, root.certificate],
    });
    expect(r.valid).toBe(true);
    if (r.valid) expect(r.chain.map((c) => c.subject)).toEqual(['CN=Bob', 'CN=Low', 'CN=Mid', 'CN=Root, O=semper']);
  });

  it('backtracks across several candidate issuers with the same name', async () => {
    // Two intermediates named "CN=Twin": the first is signed by an untrusted root, the second by the trusted
    // one; both have the same key, so both verify the leaf; only the second leads to the anchor.
    const twinKeys = await newKeys();
    const stranger = await makeCa('CN=Stranger');
    const badTwin = await makeCa('CN=Twin', { issuer: stranger, keys: twinKeys });
    const goodTwin = await makeCa('CN=Twin', { issuer: root, keys: twinKeys });
    const l = await makeLeaf(goodTwin, 'CN=Carol');
    const r = await check([root.certificate], l, {
      intermediates: [badTwin.certificate, stranger.certificate, goodTwin.certificate],
    });
    expect(r.valid).toBe(true);
    if (r.valid) expect(r.chain[1]).toBe(goodTwin.certificate);
  });

  it('backtracks when a complete path fails (an expired cross-certificate, another path valid)', async () => {
    // "chain of pain": leaf <- A; A is trusted, and also cross-signed (expired) by a second trusted root.
    const a = await makeCa('CN=A');
    const b = await makeCa('CN=B');
    const cross = await makeCa('CN=A', { issuer: b, keys: a.keys, notAfter: new Date('2025-01-01T00:00:00Z') });
    const l = await makeLeaf(a, 'CN=Dave');
    const r = await new PathValidator([b.certificate, a.certificate]).validate(l, {
      at: NOW,
      intermediates: [cross.certificate],
    });
    expect(r.valid).toBe(true);
    const only = await new PathValidator([b.certificate]).validate(l, { at: NOW, intermediates: [cross.certificate] });
    expect(codeOf(only)).toBe('EXPIRED');
    expect(only.valid ? undefined : only.certificate).toBe(cross.certificate);
  });

  it('chooses by authority key identifier among CAs of the same name', async () => {
    const oldCa = await makeCa('CN=Rollover', { issuer: root });
    const newCa = await makeCa('CN=Rollover', { issuer: root });
    const l = await makeLeaf(newCa, 'CN=Erin');
    const r = await check([root.certificate], l, { intermediates: [oldCa.certificate, newCa.certificate] });
    expect(r.valid).toBe(true);
    if (r.valid) expect(r.chain[1]).toBe(newCa.certificate);
    const wrong = await check([root.certificate], l, { intermediates: [oldCa.certificate] });
    expect(codeOf(wrong)).toBe('NO_ISSUER');
    expect(wrong.valid ? '' : wrong.reason).toContain('authorityKeyIdentifier');
  });

  it('ends cycles between intermediates and reports the dead end', async () => {
    const k1 = await newKeys();
    const k2 = await newKeys();
    const x0 = await makeCa('CN=X', { keys: k1 });
    const y = await makeCa('CN=Y', { keys: k2, issuer: x0 });
    const x = await makeCa('CN=X', { keys: k1, issuer: y }); // X signed by Y, Y signed by X
    const l = await makeLeaf(x, 'CN=Frank');
    const r = await check([root.certificate], l, { intermediates: [x.certificate, y.certificate] });
    expect(r.valid).toBe(false);
  });

  it('accepts a leaf that is itself a trust anchor', async () => {
    const self = await makeCertificate({ subject: 'CN=Partner', keys: await newKeys() });
    const r = await check([self], self, { purpose: 'sign' });
    expect(r.valid).toBe(true);
    if (r.valid) expect(r.chain).toEqual([self]);
  });

  it('refuses a signature made by another key (BAD_SIGNATURE)', async () => {
    const forged = await makeCertificate({
      subject: 'CN=Mallory',
      keys: await newKeys(),
      issuer: inter,
      signWith: await newKeys(),
    });
    const r = await check([root.certificate], forged, { intermediates: [inter.certificate] });
    expect(codeOf(r)).toBe('BAD_SIGNATURE');
  });

  it('limits the depth (maxDepth, self-issued intermediates not counted)', async () => {
    let ca = root;
    const chain: TestCa[] = [];
    for (let i = 0; i < 3; i++) {
      ca = await makeCa(`CN=Level ${i}`, { issuer: ca });
      chain.push(ca);
    }
    const l = await makeLeaf(ca, 'CN=Deep');
    const intermediates = chain.map((c) => c.certificate);
    expect(codeOf(await check([root.certificate], l, { intermediates }))).toBe('VALID');
    expect(codeOf(await check([root.certificate], l, { intermediates, maxDepth: 3 }))).toBe('VALID');
    expect(codeOf(await check([root.certificate], l, { intermediates, maxDepth: 2 }))).toBe('CHAIN_TOO_LONG');
    // A self-issued certificate (key rollover: new key certified under the old one) is not counted.
    const rolled = await makeCa('CN=Level 2', { issuer: chain[2] });
    const l2 = await makeLeaf(rolled, 'CN=Rolled');
    expect(
      codeOf(
        await check([root.certificate], l2, { intermediates: [...intermediates, rolled.certificate], maxDepth: 3 }),
      ),
    ).toBe('VALID');
  });

  it('gives up on hostile input within its budgets', async () => {
    // 40 intermediates of one name and key: every one verifies every other.
    const keys = await newKeys();
    const top = await makeCa('CN=Loop', { keys });
    const many = [top];
    for (let i = 0; i < 40; i++) many.push(await makeCa('CN=Loop', { keys, issuer: top, omit: ['aki'] }));
    const l = await makeLeaf(top, 'CN=Victim');
    const started = performance.now();
    const r = await check([root.certificate], l, { intermediates: many.map((c) => c.certificate) });
    expect(r.valid).toBe(false);
    expect(performance.now() - started).toBeLessThan(5000);
    // A lattice: 6 levels of 4 keys, every key of a level certified by every key of the level above, no key
    // identifiers, an untrusted top: 4^6 paths, each edge its own signature check, until the budget is spent.
    const levels: Keys[][] = [];
    for (let i = 0; i < 6; i++) levels.push(await Promise.all([0, 1, 2, 3].map(() => newKeys())));
    const lattice: Certificate[] = [];
    for (let i = 0; i < 6; i++) {
      for (const k of levels[i]) {
        for (const signer of i === 5 ? [k] : levels[i + 1]) {
          const issuerName = i === 5 ? `CN=Level ${i}` : `CN=Level ${i + 1}`;
          const issuer: TestCa = {
            name: issuerName,
            keys: signer,
            certificate: await makeCertificate({ subject: issuerName, keys: signer, ca: true }),
          };
          lattice.push(
            await makeCertificate({ subject: `CN=Level ${i}`, keys: k, issuer, ca: true, omit: ['aki', 'ski'] }),
          );
        }
      }
    }
    const bottom: TestCa = { name: 'CN=Level 0', keys: levels[0][0], certificate: lattice[0] };
    const l2 = await makeLeaf(bottom, 'CN=Lattice leaf', { omit: ['aki'] });
    const budget = await new PathValidator([root.certificate]).validate(l2, {
      at: NOW,
      strict: false,
      intermediates: lattice,
    });
    expect(codeOf(budget)).toBe('PATH_BUILDING_LIMIT');
    expect(PATH_LIMITS.maxSignatureChecks).toBeGreaterThan(0);
  });
});

describe('PathValidator: validity', () => {
  it('checks every certificate at `at`, inclusive bounds at whole seconds', async () => {
    const nb = new Date('2030-01-01T00:00:00Z');
    const na = new Date('2030-12-31T00:00:00Z');
    const l = await makeLeaf(inter, 'CN=Timed', { notBefore: nb, notAfter: na });
    const o = { intermediates: [inter.certificate] };
    expect(codeOf(await check([root.certificate], l, { ...o, at: nb }))).toBe('VALID');
    expect(codeOf(await check([root.certificate], l, { ...o, at: na }))).toBe('VALID');
    expect(codeOf(await check([root.certificate], l, { ...o, at: new Date(na.getTime() + 999) }))).toBe('VALID');
    expect(codeOf(await check([root.certificate], l, { ...o, at: new Date(nb.getTime() - 1) }))).toBe('NOT_YET_VALID');
    expect(codeOf(await check([root.certificate], l, { ...o, at: new Date(na.getTime() + 1000) }))).toBe('EXPIRED');
  });

  it('checks intermediates and the anchor too', async () => {
    const oldRoot = await makeCa('CN=Old root', { notAfter: new Date('2029-01-01T00:00:00Z') });
    const l = await makeLeaf(oldRoot, 'CN=Late');
    const r = await check([oldRoot.certificate], l);
    expect(codeOf(r)).toBe('EXPIRED');
    expect(r.valid ? undefined : r.certificate).toBe(oldRoot.certificate);
  });
});

describe('PathValidator: basic constraints, path length, key usage', () => {
  it('refuses an issuer that is not a CA (NOT_A_CA)', async () => {
    const k = await newKeys();
    const eeAsCa = await makeCertificate({ subject: 'CN=EE', keys: k, issuer: root, keyUsage: ['digitalSignature'] });
    const l = await makeLeaf({ name: 'CN=EE', keys: k, certificate: eeAsCa }, 'CN=Under EE');
    expect(codeOf(await check([root.certificate], l, { intermediates: [eeAsCa] }))).toBe('NOT_A_CA');
    const noBc = await makeCertificate({
      subject: 'CN=No BC',
      keys: k,
      issuer: root,
      omit: ['bc'],
      keyUsage: ['digitalSignature'],
    });
    const l2 = await makeLeaf({ name: 'CN=No BC', keys: k, certificate: noBc }, 'CN=Under no BC');
    expect(codeOf(await check([root.certificate], l2, { intermediates: [noBc] }))).toBe('NOT_A_CA');
  });

  it('enforces pathLenConstraint, not counting self-issued intermediates', async () => {
    // inter has pathLength 0: no CA below it.
    const below = await makeCa('CN=Below', { issuer: inter });
    const l = await makeLeaf(below, 'CN=Too deep');
    const r = await check([root.certificate], l, { intermediates: [inter.certificate, below.certificate] });
    expect(codeOf(r)).toBe('PATH_LENGTH_EXCEEDED');
    expect(r.valid ? undefined : r.certificate).toBe(below.certificate);
    // A self-issued certificate below inter (the same name, a new key) does not count.
    const rolled = await makeCa('CN=Intermediate, O=semper', { issuer: inter });
    const l2 = await makeLeaf(rolled, 'CN=Fine');
    expect(
      codeOf(await check([root.certificate], l2, { intermediates: [inter.certificate, rolled.certificate] })),
    ).toBe('VALID');
    // The anchor's own constraint applies (as OpenSSL does).
    const tight = await makeCa('CN=Tight root', { pathLength: 0 });
    const mid = await makeCa('CN=Mid of tight', { issuer: tight });
    const l3 = await makeLeaf(mid, 'CN=Under tight');
    expect(codeOf(await check([tight.certificate], l3, { intermediates: [mid.certificate] }))).toBe(
      'PATH_LENGTH_EXCEEDED',
    );
  });

  it('requires keyCertSign of every issuer with a keyUsage', async () => {
    const k = await newKeys();
    const crlOnly = await makeCertificate({
      subject: 'CN=CRL signer',
      keys: k,
      issuer: root,
      ca: true,
      keyUsage: ['cRLSign'],
      extra: [],
    });
    const l = await makeLeaf({ name: 'CN=CRL signer', keys: k, certificate: crlOnly }, 'CN=Under CRL signer');
    const r = await new PathValidator([root.certificate]).validate(l, {
      at: NOW,
      intermediates: [crlOnly],
      strict: false,
    });
    expect(codeOf(r)).toBe('KEY_USAGE');
    expect(r.valid ? '' : r.reason).toContain('keyCertSign');
  });

  it('checks the leaf for the purpose and the key usages asked', async () => {
    const o = { intermediates: [inter.certificate] };
    const encOnly = await makeLeaf(inter, 'CN=Enc', { keyUsage: ['keyEncipherment'] });
    const signOnly = await makeLeaf(inter, 'CN=Sign', { keyUsage: ['nonRepudiation'] });
    const noKu = await makeLeaf(inter, 'CN=Any', { omit: ['ku'] });
    expect(codeOf(await check([root.certificate], encOnly, { ...o, purpose: 'sign' }))).toBe('KEY_USAGE');
    expect(codeOf(await check([root.certificate], encOnly, { ...o, purpose: 'encrypt' }))).toBe('VALID');
    expect(codeOf(await check([root.certificate], signOnly, { ...o, purpose: 'sign' }))).toBe('VALID');
    expect(codeOf(await check([root.certificate], signOnly, { ...o, purpose: 'encrypt' }))).toBe('KEY_USAGE');
    expect(codeOf(await check([root.certificate], leaf, { ...o, purpose: 'encrypt' }))).toBe('VALID'); // keyAgreement
    expect(
      codeOf(await check([root.certificate], noKu, { ...o, purpose: 'sign', keyUsage: ['dataEncipherment'] })),
    ).toBe('VALID');
    expect(
      codeOf(await check([root.certificate], leaf, { ...o, keyUsage: ['digitalSignature', 'keyAgreement'] })),
    ).toBe('VALID');
    const r = await check([root.certificate], leaf, { ...o, keyUsage: ['digitalSignature', 'nonRepudiation'] });
    expect(codeOf(r)).toBe('KEY_USAGE');
    expect(r.valid ? '' : r.reason).toContain('nonRepudiation');
  });
});

describe('PathValidator: extended key usage', () => {
  it('requires the purpose (or anyExtendedKeyUsage) in the leaf, when it has an extKeyUsage', async () => {
    const o = { intermediates: [inter.certificate] };
    const client = await makeLeaf(inter, 'CN=Client', { eku: [CLIENT_AUTH] });
    const any = await makeLeaf(inter, 'CN=Any EKU', { eku: [ANY_EKU] });
    expect(codeOf(await check([root.certificate], client, { ...o, extendedKeyUsage: ['clientAuth'] }))).toBe('VALID');
    expect(codeOf(await check([root.certificate], client, { ...o, extendedKeyUsage: [SERVER_AUTH] }))).toBe(
      'EXTENDED_KEY_USAGE',
    );
    expect(codeOf(await check([root.certificate], any, { ...o, extendedKeyUsage: ['serverAuth'] }))).toBe('VALID');
    expect(codeOf(await check([root.certificate], leaf, { ...o, extendedKeyUsage: ['emailProtection'] }))).toBe(
      'VALID',
    );
  });

  it('constrains through the extKeyUsage of CA certificates, anchors included (as OpenSSL does)', async () => {
    const emailCa = await makeCa('CN=Mail CA', { issuer: root, eku: [EMAIL] });
    const l = await makeLeaf(emailCa, 'CN=Mailer', { eku: [EMAIL, SERVER_AUTH] });
    const o = { intermediates: [emailCa.certificate] };
    expect(codeOf(await check([root.certificate], l, { ...o, extendedKeyUsage: ['emailProtection'] }))).toBe('VALID');
    const r = await check([root.certificate], l, { ...o, extendedKeyUsage: ['serverAuth'] });
    expect(codeOf(r)).toBe('EXTENDED_KEY_USAGE');
    expect(r.valid ? undefined : r.certificate).toBe(emailCa.certificate);
    expect(codeOf(await check([root.certificate], l, o))).toBe('VALID'); // nothing asked: nothing checked
    const anyRoot = await makeCa('CN=Any root', { eku: [ANY_EKU] });
    const l2 = await makeLeaf(anyRoot, 'CN=Under any');
    expect(codeOf(await check([anyRoot.certificate], l2, { extendedKeyUsage: ['serverAuth'] }))).toBe('VALID');
    const mailRoot = await makeCa('CN=Mail root', { eku: [EMAIL] });
    const l3 = await makeLeaf(mailRoot, 'CN=Under mail root');
    expect(codeOf(await check([mailRoot.certificate], l3, { extendedKeyUsage: ['serverAuth'] }))).toBe(
      'EXTENDED_KEY_USAGE',
    );
  });
});

describe('PathValidator: name constraints', () => {
  let nc: TestCa;
  beforeAll(async () => {
    nc = await makeCa('CN=Constrained, O=semper', {
      issuer: root,
      extra: [
        ext.nameConstraints(
          [
            gn.dns('semper.example'),
            gn.email('.semper.example'),
            gn.email('semper.example'),
            gn.ip(10, 0, 0, 0, 255, 0, 0, 0),
            gn.dn('O=semper'),
            gn.uri('.semper.example'),
          ],
          [gn.dns('secret.semper.example'), gn.email('boss@semper.example')],
        ),
      ],
    });
  });
  const under = async (name: string, names: Uint8Array[]) =>
    check([root.certificate], await makeLeaf(nc, name, { extra: names.length ? [ext.subjectAltName(names)] : [] }), {
      intermediates: [nc.certificate],
    });

  it('permits names inside the permitted subtrees', async () => {
    const r = await under('O=semper, CN=Ok', [
      gn.dns('www.semper.example'),
      gn.email('alice@semper.example'),
      gn.email('bob@mail.semper.example'),
      gn.ip(10, 1, 2, 3),
      gn.uri('https://api.semper.example/x'),
      gn.dn('O=semper, CN=Directory'),
    ]);
    expect(codeOf(r)).toBe('VALID');
  });

  it('refuses names outside a permitted subtree, or inside an excluded one', async () => {
    expect(codeOf(await under('O=semper, CN=Bad', [gn.dns('evil.example')]))).toBe('NAME_CONSTRAINTS');
    expect(codeOf(await under('O=semper, CN=Bad', [gn.dns('secret.semper.example')]))).toBe('NAME_CONSTRAINTS');
    expect(codeOf(await under('O=semper, CN=Bad', [gn.dns('a.secret.semper.example')]))).toBe('NAME_CONSTRAINTS');
    expect(codeOf(await under('O=semper, CN=Bad', [gn.email('boss@semper.example')]))).toBe('NAME_CONSTRAINTS');
    expect(codeOf(await under('O=semper, CN=Bad', [gn.email('x@evil.example')]))).toBe('NAME_CONSTRAINTS');
    expect(codeOf(await under('O=semper, CN=Bad', [gn.ip(192, 168, 0, 1)]))).toBe('NAME_CONSTRAINTS');
    expect(codeOf(await under('O=semper, CN=Bad', [gn.uri('https://semper.example.evil.example/')]))).toBe(
      'NAME_CONSTRAINTS',
    );
    expect(codeOf(await under('O=semper, CN=Bad', [gn.uri('urn:semper:thing')]))).toBe('NAME_CONSTRAINTS');
    // The subject DN is a directoryName; its emailAddress attributes are rfc822Names.
    expect(codeOf(await under('O=other, CN=Bad', []))).toBe('NAME_CONSTRAINTS');
    expect(codeOf(await under('O=semper, CN=Bad, E=x@evil.example', []))).toBe('NAME_CONSTRAINTS');
    expect(codeOf(await under('O=semper, CN=Good, E=x@semper.example', []))).toBe('VALID');
  });

  it('treats a wildcard SAN as every name it matches', async () => {
    expect(codeOf(await under('O=semper, CN=W', [gn.dns('*.semper.example')]))).toBe('NAME_CONSTRAINTS'); // may be secret.
    expect(codeOf(await under('O=semper, CN=W', [gn.dns('*.shop.semper.example')]))).toBe('VALID');
  });

  it('refuses names of a constrained form it does not process', async () => {
    const other = await makeCa('CN=Other-name CA', {
      issuer: root,
      extra: [ext.nameConstraints([], [gn.otherName('1.3.6.1.5.5.7.8.9', Uint8Array.of(0x0c, 1, 0x61))])],
    });
    const withOn = await makeLeaf(other, 'CN=ON', {
      extra: [ext.subjectAltName([gn.otherName('1.3.6.1.5.5.7.8.9', Uint8Array.of(0x0c, 1, 0x62))])],
    });
    const without = await makeLeaf(other, 'CN=No ON', { extra: [ext.subjectAltName([gn.dns('x.example')])] });
    expect(codeOf(await check([root.certificate], withOn, { intermediates: [other.certificate] }))).toBe(
      'NAME_CONSTRAINTS',
    );
    expect(codeOf(await check([root.certificate], without, { intermediates: [other.certificate] }))).toBe('VALID');
  });

  it('intersects the constraints of several CAs, the anchor included', async () => {
    const ncRoot = await makeCa('CN=NC root', {
      extra: [ext.nameConstraints([gn.dns('a.example'), gn.dns('b.example')])],
    });
    const narrower = await makeCa('CN=Narrower', {
      issuer: ncRoot,
      extra: [ext.nameConstraints([gn.dns('b.example')])],
    });
    const la = await makeLeaf(narrower, 'CN=A', { extra: [ext.subjectAltName([gn.dns('x.a.example')])] });
    const lb = await makeLeaf(narrower, 'CN=B', { extra: [ext.subjectAltName([gn.dns('x.b.example')])] });
    expect(codeOf(await check([ncRoot.certificate], la, { intermediates: [narrower.certificate] }))).toBe(
      'NAME_CONSTRAINTS',
    );
    expect(codeOf(await check([ncRoot.certificate], lb, { intermediates: [narrower.certificate] }))).toBe('VALID');
  });

  it('does not apply constraints to self-issued intermediates, but does to the leaf', async () => {
    const ncRoot = await makeCa('CN=NC root 2', { extra: [ext.nameConstraints([gn.dns('ok.example')])] });
    const rolled = await makeCa('CN=NC root 2', {
      issuer: ncRoot,
      extra: [ext.subjectAltName([gn.dns('other.example')])],
    });
    const good = await makeLeaf(rolled, 'CN=Good', { extra: [ext.subjectAltName([gn.dns('ok.example')])] });
    expect(codeOf(await check([ncRoot.certificate], good, { intermediates: [rolled.certificate] }))).toBe('VALID');
  });

  it('refuses malformed constraints and names', async () => {
    const bad = await makeCa('CN=Bad NC', { issuer: root, extra: [ext.nameConstraints([gn.dns('.leading.example')])] });
    const l = await makeLeaf(bad, 'CN=X');
    expect(codeOf(await check([root.certificate], l, { intermediates: [bad.certificate] }))).toBe('MALFORMED');
    const mask = await makeCa('CN=Bad mask', {
      issuer: root,
      extra: [ext.nameConstraints([gn.ip(10, 0, 0, 0, 255, 0, 255, 0)])],
    });
    expect(
      codeOf(await check([root.certificate], await makeLeaf(mask, 'CN=Y'), { intermediates: [mask.certificate] })),
    ).toBe('MALFORMED');
    const l2 = await makeLeaf(nc, 'O=semper, CN=Z', {
      extra: [ext.subjectAltName([gn.dns('under_score.semper.example')])],
    });
    expect(codeOf(await check([root.certificate], l2, { intermediates: [nc.certificate] }))).toBe('PROFILE_VIOLATION');
    expect(codeOf(await check([root.certificate], l2, { intermediates: [nc.certificate], strict: false }))).toBe(
      'NAME_CONSTRAINTS',
    );
  });
});

describe('PathValidator: extensions and the RFC 5280 profile', () => {
  it('refuses unknown critical extensions anywhere on the path, ignores non-critical ones', async () => {
    const l = await makeLeaf(inter, 'CN=Crit', { extra: [ext.unknown(true)] });
    const r = await check([root.certificate], l, { intermediates: [inter.certificate] });
    expect(codeOf(r)).toBe('UNKNOWN_CRITICAL_EXTENSION');
    expect(r.valid ? '' : r.reason).toContain('1.3.6.1.4.1.55738.666.1');
    const nonCrit = await makeLeaf(inter, 'CN=Non-crit', { extra: [ext.unknown(false)] });
    expect(codeOf(await check([root.certificate], nonCrit, { intermediates: [inter.certificate] }))).toBe('VALID');
    const critCa = await makeCa('CN=Crit CA', { issuer: root, extra: [ext.unknown(true)] });
    const l2 = await makeLeaf(critCa, 'CN=Under crit');
    expect(codeOf(await check([root.certificate], l2, { intermediates: [critCa.certificate] }))).toBe(
      'UNKNOWN_CRITICAL_EXTENSION',
    );
  });

  it('enforces the profile in strict mode only', async () => {
    const noAki = await makeLeaf(inter, 'CN=No AKI', { omit: ['aki'] });
    const o = { intermediates: [inter.certificate] };
    expect(codeOf(await check([root.certificate], noAki, o))).toBe('PROFILE_VIOLATION');
    expect(codeOf(await check([root.certificate], noAki, { ...o, strict: false }))).toBe('VALID');
    const k = await newKeys();
    const softBc = await makeCertificate({
      subject: 'CN=Soft BC',
      keys: k,
      issuer: root,
      omit: ['bc'],
      ca: true,
      extra: [ext.basicConstraints(true, undefined, false)],
    });
    const l = await makeLeaf({ name: 'CN=Soft BC', keys: k, certificate: softBc }, 'CN=Under soft');
    expect(codeOf(await check([root.certificate], l, { intermediates: [softBc] }))).toBe('PROFILE_VIOLATION');
    expect(codeOf(await check([root.certificate], l, { intermediates: [softBc], strict: false }))).toBe('VALID');
    const eeKcs = await makeLeaf(inter, 'CN=EE keyCertSign', { keyUsage: ['digitalSignature', 'keyCertSign'] });
    expect(codeOf(await check([root.certificate], eeKcs, o))).toBe('PROFILE_VIOLATION');
  });

  it('accepts a self-signed root without an authority key identifier, and a v1 trust anchor', async () => {
    const bare = await makeCa('CN=Bare root', { omit: ['aki'] });
    expect(codeOf(await check([bare.certificate], await makeLeaf(bare, 'CN=Under bare')))).toBe('VALID');
    const v1Keys = await newKeys();
    const v1 = await makeCertificate({ subject: 'CN=V1 root', keys: v1Keys, version: 1 });
    const l = await makeLeaf({ name: 'CN=V1 root', keys: v1Keys, certificate: v1 }, 'CN=Under v1', { omit: ['aki'] });
    expect(codeOf(await check([v1], l, { strict: false }))).toBe('VALID');
    // …but a version 1 intermediate is not a CA.
    const v1Mid = await makeCertificate({ subject: 'CN=V1 mid', keys: v1Keys, issuer: root, version: 1 });
    const l2 = await makeLeaf({ name: 'CN=V1 mid', keys: v1Keys, certificate: v1Mid }, 'CN=Under v1 mid');
    expect(codeOf(await check([root.certificate], l2, { intermediates: [v1Mid], strict: false }))).toBe('NOT_A_CA');
  });
});

describe('PathValidator: certificate policies', () => {
  const P1 = '1.3.6.1.4.1.99999.1';
  const P2 = '1.3.6.1.4.1.99999.2';
  it('requires a valid policy when policyConstraints requireExplicitPolicy says so', async () => {
    const strictCa = await makeCa('CN=Policy CA', {
      issuer: root,
      extra: [ext.certificatePolicies([P1]), ext.policyConstraints(0)],
    });
    const good = await makeLeaf(strictCa, 'CN=P1 leaf', { extra: [ext.certificatePolicies([P1])] });
    const other = await makeLeaf(strictCa, 'CN=P2 leaf', { extra: [ext.certificatePolicies([P2])] });
    const none = await makeLeaf(strictCa, 'CN=No policy leaf');
    const o = { intermediates: [strictCa.certificate] };
    const r = await check([root.certificate], good, o);
    expect(codeOf(r)).toBe('VALID');
    if (r.valid) expect(r.policies).toEqual([P1]);
    expect(codeOf(await check([root.certificate], other, o))).toBe('POLICY');
    expect(codeOf(await check([root.certificate], none, o))).toBe('POLICY');
  });

  it('is satisfied by any policy when none is required', async () => {
    const ca = await makeCa('CN=Loose policy CA', { issuer: root, extra: [ext.certificatePolicies([P1])] });
    const l = await makeLeaf(ca, 'CN=Loose', { extra: [ext.certificatePolicies([P2])] });
    const r = await check([root.certificate], l, { intermediates: [ca.certificate] });
    expect(r.valid).toBe(true);
    if (r.valid) expect(r.policies).toEqual([]);
  });
});

describe('PathValidator: revocation', () => {
  let crlRoot: CertificateRevocationList;
  let crlInter: CertificateRevocationList;
  let revokedLeaf: Certificate;
  const thisUpdate = new Date('2030-05-01T00:00:00Z');
  const nextUpdate = new Date('2030-07-01T00:00:00Z');
  beforeAll(async () => {
    revokedLeaf = await makeLeaf(inter, 'CN=Revoked');
    crlRoot = await issueCrl({
      issuer: { privateKey: root.keys.privateKey, certificate: root.certificate },
      thisUpdate,
      nextUpdate,
      crlNumber: 1,
    });
    crlInter = await issueCrl({
      issuer: { privateKey: inter.keys.privateKey, certificate: inter.certificate },
      entries: [{ serialNumber: revokedLeaf.serialNumber, revocationDate: thisUpdate, reason: 'keyCompromise' }],
      thisUpdate,
      nextUpdate,
      crlNumber: 7n,
    });
  });
  const o = (x: PathValidationOptions = {}): PathValidationOptions => ({ intermediates: [inter.certificate], ...x });

  it('detects a revoked leaf, accepts one that is not listed', async () => {
    const r = await check([root.certificate], revokedLeaf, o({ crls: [crlInter], revocation: 'leaf' }));
    expect(codeOf(r)).toBe('REVOKED');
    expect(r.valid ? '' : r.reason).toContain('keyCompromise');
    expect(codeOf(await check([root.certificate], leaf, o({ crls: [crlInter], revocation: 'leaf' })))).toBe('VALID');
    expect(codeOf(await check([root.certificate], revokedLeaf, o({ crls: [crlInter] })))).toBe('VALID'); // none
  });

  it("with 'chain' needs a CRL for every certificate but the anchor", async () => {
    expect(codeOf(await check([root.certificate], leaf, o({ crls: [crlInter], revocation: 'chain' })))).toBe(
      'CRL_UNAVAILABLE',
    );
    expect(codeOf(await check([root.certificate], leaf, o({ crls: [crlInter, crlRoot], revocation: 'chain' })))).toBe(
      'VALID',
    );
    const revokingRoot = await issueCrl({
      issuer: { privateKey: root.keys.privateKey, certificate: root.certificate },
      entries: [{ serialNumber: inter.certificate.serialDer, revocationDate: thisUpdate, reason: 'cACompromise' }],
      thisUpdate,
      nextUpdate,
      crlNumber: 2,
    });
    const r = await check([root.certificate], leaf, o({ crls: [crlInter, revokingRoot], revocation: 'chain' }));
    expect(codeOf(r)).toBe('REVOKED');
    expect(r.valid ? undefined : r.certificate).toBe(inter.certificate);
  });

  it('reports stale and early CRLs, and uses the newest one', async () => {
    const at = (d: string) => o({ crls: [crlInter], revocation: 'leaf', at: new Date(d) });
    expect(codeOf(await check([root.certificate], leaf, at('2030-08-01T00:00:00Z')))).toBe('CRL_EXPIRED');
    expect(codeOf(await check([root.certificate], leaf, at('2030-04-01T00:00:00Z')))).toBe('CRL_NOT_YET_VALID');
    // A newer CRL that no longer lists the certificate (a hold released) wins over the older one.
    const newer = await issueCrl({
      issuer: { privateKey: inter.keys.privateKey, certificate: inter.certificate },
      thisUpdate: new Date('2030-05-15T00:00:00Z'),
      nextUpdate,
      crlNumber: 8n,
    });
    expect(
      codeOf(await check([root.certificate], revokedLeaf, o({ crls: [crlInter, newer], revocation: 'leaf' }))),
    ).toBe('VALID');
  });

  it('refuses a CRL that is forged or signed by a CA without cRLSign', async () => {
    const imposterKeys = await newKeys();
    const imposter = await makeCa('CN=Intermediate, O=semper', { keys: imposterKeys });
    const forged = await issueCrl({
      issuer: { privateKey: imposterKeys.privateKey, certificate: imposter.certificate },
      thisUpdate,
      nextUpdate,
      crlNumber: 9,
    });
    const r = await check([root.certificate], leaf, o({ crls: [forged], revocation: 'leaf' }));
    expect(codeOf(r)).toBe('CRL_UNAVAILABLE');
    const k = await newKeys();
    const noCrlSign = await makeCertificate({
      subject: 'CN=No cRLSign',
      keys: k,
      issuer: root,
      ca: true,
      keyUsage: ['keyCertSign'],
    });
    const l = await makeLeaf({ name: 'CN=No cRLSign', keys: k, certificate: noCrlSign }, 'CN=Under no cRLSign');
    // issueCrl refuses to sign for a CA without cRLSign; a CA with cRLSign but the same name and key stands in.
    const signer = await makeCertificate({ subject: 'CN=No cRLSign', keys: k, issuer: root, ca: true });
    const crl = await issueCrl({
      issuer: { privateKey: k.privateKey, certificate: signer },
      thisUpdate,
      nextUpdate,
      crlNumber: 1,
    });
    const r2 = await check([root.certificate], l, { intermediates: [noCrlSign], crls: [crl], revocation: 'leaf' });
    expect(codeOf(r2)).toBe('CRL_UNAVAILABLE');
    expect(r2.valid ? '' : r2.reason).toContain('cRLSign');
  });
});

describe('PathValidator: as the trust of the crypto engine', () => {
  it('buildChain returns the chain or throws ERR_CRYPTO_UNTRUSTED_SIGNER with the failure as cause', async () => {
    const v = new PathValidator([root.certificate]);
    const chain = await v.buildChain(leaf, [inter.certificate], NOW);
    expect(chain.map((c) => c.subject)).toEqual([
      'CN=Alice, O=semper',
      'CN=Intermediate, O=semper',
      'CN=Root, O=semper',
    ]);
    const err = await v.buildChain(leaf, [], NOW).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SignatureVerificationError);
    expect((err as SignatureVerificationError).code).toBe('ERR_CRYPTO_UNTRUSTED_SIGNER');
    expect((err as Error).message).toContain('NO_ISSUER');
    const cause = (err as Error).cause;
    expect(cause).toBeInstanceOf(PathValidationError);
    expect((cause as PathValidationError).failure.code).toBe('NO_ISSUER');
    expect((cause as PathValidationError).code).toBe('ERR_CERTIFICATES_PATH_INVALID');
  });

  it('verifySignedData accepts it as trust, with its defaults (purpose, revocation)', async () => {
    const signed = await signData(new TextEncoder().encode('order 42'), {
      signer: { privateKey: leafKeys.privateKey, certificate: leaf, chain: [leaf, inter.certificate] },
    });
    const v = new PathValidator([root.certificate], { purpose: 'sign' });
    const verified = await verifySignedData(signed, { trust: v, at: NOW });
    expect(new TextDecoder().decode(verified.content)).toBe('order 42');
    expect(verified.chain.map((c) => c.subject)[2]).toBe('CN=Root, O=semper');
    const crl = await issueCrl({
      issuer: { privateKey: inter.keys.privateKey, certificate: inter.certificate },
      entries: [{ serialNumber: leaf.serialNumber, revocationDate: new Date('2030-05-01T00:00:00Z') }],
      thisUpdate: new Date('2030-05-01T00:00:00Z'),
      nextUpdate: new Date('2030-07-01T00:00:00Z'),
      crlNumber: 3,
    });
    const strictV = new PathValidator([root.certificate], { crls: [crl], revocation: 'leaf' });
    const err = await verifySignedData(signed, { trust: strictV, at: NOW }).catch((e: unknown) => e);
    expect((err as SignatureVerificationError).code).toBe('ERR_CRYPTO_UNTRUSTED_SIGNER');
    expect(((err as Error).cause as PathValidationError).failure.code).toBe('REVOKED');
  });

  it('exposes its anchors and finds them by DER', async () => {
    const v = new PathValidator([root.certificate, root.certificate]);
    expect(v.anchors).toEqual([root.certificate]);
    expect(v.find(root.certificate)).toBe(root.certificate);
    expect(v.find(leaf)).toBeUndefined();
  });
});

describe('PathValidator: arguments', () => {
  it('throws ERR_CERTIFICATES_INVALID_ARGUMENT for bad options, never for bad certificates', async () => {
    const v = new PathValidator([root.certificate]);
    const bad = [
      { at: new Date(Number.NaN) },
      { revocation: 'sometimes' },
      { purpose: 'fly' },
      { keyUsage: ['everything'] },
      { extendedKeyUsage: ['not an oid'] },
      { maxDepth: -1 },
      { crls: ['x'] },
      { intermediates: [{}] },
      { strict: 'yes' },
    ];
    for (const o of bad) {
      const err = await v.validate(leaf, o as unknown as PathValidationOptions).catch((e: unknown) => e);
      expect(err, JSON.stringify(o)).toBeInstanceOf(CertificatesError);
      expect((err as CertificatesError).code).toBe('ERR_CERTIFICATES_INVALID_ARGUMENT');
    }
    expect(() => new PathValidator([{} as Certificate])).toThrow(CertificatesError);
    expect(() => new PathValidator(root.certificate as unknown as Certificate[])).toThrow(CertificatesError);
    expect(() => new PathValidator([root.certificate], { revocation: 'x' as 'none' })).toThrow(CertificatesError);
    await expect(v.validate({} as Certificate)).rejects.toThrow(CertificatesError);
  });

  it('defaults: now, no revocation, strict', async () => {
    const now = await makeLeaf(inter, 'CN=Now', {
      notBefore: new Date(Date.now() - DAY),
      notAfter: new Date(Date.now() + DAY),
    });
    const nowInter = await makeCa('CN=Intermediate, O=semper', {
      issuer: root,
      keys: inter.keys,
      notBefore: new Date(Date.now() - DAY),
      notAfter: new Date(Date.now() + DAY),
    });
    const r = await new PathValidator([root.certificate]).validate(now, { intermediates: [nowInter.certificate] });
    expect(r.valid).toBe(true);
  });
});
