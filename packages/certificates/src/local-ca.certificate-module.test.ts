// The reference CA module against OpenSSL, the interoperability oracle:
//   - requests made by `openssl req` (EC, RSA, Ed25519) are certified under every profile, and every
//     certificate verifies with `openssl verify -CAfile root.pem -untrusted intermediate.pem leaf.pem`, for the
//     purpose the profile is for (smimesign, smimeencrypt, sslserver, sslclient);
//   - a subordinate CA certified from an OpenSSL request signs, with OpenSSL, a leaf that OpenSSL verifies;
//   - CRLs: `openssl verify -crl_check` fails for the revoked certificate and passes for the others;
//     `openssl crl` reads the number and the reason;
//   - CA keys at rest: the store holds only an ENCRYPTED PRIVATE KEY that `openssl pkey` opens with the
//     passphrase; a module with the wrong passphrase cannot issue;
//   - serial numbers, validity windows (never beyond the issuer), path length, expiry, atomicity;
//   - the conformance suite of @semper/certificates/testing (on the same store, as module `conformance`:
//     one PGlite per file keeps the package's tests fast).
import { ManualClock, recordEvents } from '@semper/core/testing';
import { type Certificate, generateKeyPair } from '@semper/crypto';
import { EventBus } from '@semper/core';
import { openStore, type Store } from '@semper/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openssl, opensslOk, type Scratch, scratch } from '../../../test/support/openssl.js';
import { createCertificationRequest } from './certification-request.js';
import { CertificateRevocationList } from './crl.js';
import { CertificatesError } from './errors.js';
import type { CertificatesEvent } from './events.js';
import { LocalCaCertificateModule } from './local-ca.certificate-module.js';
import { CERTIFICATE_PROFILES, type CertificateProfileName, EXTENDED_KEY_USAGE } from './profiles.js';
import type { CaInfo } from './spi.js';
import { describeCertificateModuleSuite } from './testing.js';
import { PartyTrustStore } from './party-trust-store.js';

const PASS = 'a test passphrase, long enough';
const FAST = 10_000;
let s: Scratch;
let store: Store;
let storeReady: (s: Store) => void;
const storeOpened = new Promise<Store>((resolve) => {
  storeReady = resolve;
});
let ca: LocalCaCertificateModule;
let root: CaInfo;
let issuing: CaInfo;
let n = 0;
let orphan: Certificate;
const events = new EventBus<CertificatesEvent>(new ManualClock());
const recorded = recordEvents(events.events$);
const requests: Record<'ec' | 'rsa' | 'ed25519', string> = { ec: '', rsa: '', ed25519: '' };

async function rejection(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

async function issuedCount(): Promise<number> {
  const [row] = await store.query<{ n: bigint }>('SELECT count(*) AS n FROM certificates_issued');
  return Number(row!.n);
}

/** `openssl verify` of `leaf` against the test hierarchy; resolves to the exit code and output. */
async function verify(leaf: Certificate, extra: string[] = [], chain: readonly Certificate[] = [issuing.certificate]) {
  const id = ++n;
  await s.write(`leaf${id}.pem`, leaf.toPem());
  await s.write(`untrusted${id}.pem`, chain.map((c) => c.toPem()).join(''));
  const r = await openssl(
    ['verify', '-CAfile', 'root.pem', '-untrusted', `untrusted${id}.pem`, ...extra, `leaf${id}.pem`],
    { cwd: s.dir },
  );
  return { code: r.code, out: r.stdout.toString('utf8') + r.stderr };
}

beforeAll(async () => {
  s = await scratch('semper-ca-');
  store = await openStore('pglite:memory');
  storeReady(store);
  ca = new LocalCaCertificateModule({ store, passphrase: PASS, pbkdf2Iterations: FAST, events });
  root = await ca.createRootCa({ caId: 'root', subject: 'CN=semper Test Root CA, O=semper, C=DE' });
  issuing = await ca.createIntermediateCa({
    caId: 'issuing',
    issuerCaId: 'root',
    subject: 'CN=semper Test Issuing CA, O=semper, C=DE',
    key: { type: 'ec', curve: 'P-256' },
    pathLength: 1,
  });
  await s.write('root.pem', root.certificate.toPem());
  await s.write('intermediate.pem', issuing.certificate.toPem());
  await Promise.all(
    (
      [
        ['ec', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']],
        ['rsa', ['-newkey', 'rsa:2048']],
        ['ed25519', ['-newkey', 'ed25519']],
      ] as const
    ).map(([type, newkey]) =>
      opensslOk(
        [
          'req',
          '-new',
          ...newkey,
          '-nodes',
          '-keyout',
          `${type}.key`,
          '-subj',
          `/CN=OpenSSL ${type}/O=Example/C=DE`,
          '-out',
          `${type}.csr`,
        ],
        { cwd: s.dir },
      ),
    ),
  );
  for (const type of ['ec', 'rsa', 'ed25519'] as const) requests[type] = (await s.read(`${type}.csr`)).toString('utf8');
});

afterAll(async () => {
  recorded.stop();
  await store?.close();
  await s?.dispose();
});

describe('the CA hierarchy', () => {
  it('a root (self-signed, keyCertSign + cRLSign, CA) and an intermediate that OpenSSL verifies', async () => {
    expect(root.certificate.isSelfIssued).toBe(true);
    expect(root.certificate.basicConstraints).toMatchObject({ ca: true });
    expect(root.certificate.keyUsage).toEqual(['keyCertSign', 'cRLSign']);
    expect(root.certificate.publicKey.curve).toBe('P-384');
    expect(issuing.certificate.basicConstraints).toEqual({ ca: true, pathLength: 1 });
    expect(issuing.chain.map((c) => c.subject)).toEqual([issuing.certificate.subject, root.certificate.subject]);
    expect(issuing.parentCaId).toBe('root');
    const r = await opensslOk(['verify', '-CAfile', 'root.pem', 'intermediate.pem'], { cwd: s.dir });
    expect(r.toString()).toContain('intermediate.pem: OK');
    expect((await ca.listCas()).map((c) => c.caId)).toEqual(['root', 'issuing']);
    // The intermediate is a certificate the root issued (so the root can revoke it).
    expect((await ca.getCertificate('root', issuing.certificate.serialNumber))?.profile).toBe('ca');
  });

  it('refuses a CA id in use, an unknown issuer, a path length the issuer does not allow, a validity beyond it', async () => {
    expect(await rejection(() => ca.createRootCa({ caId: 'root', subject: 'CN=Again' }))).toMatchObject({
      code: 'ERR_CERTIFICATES_CA_EXISTS',
    });
    expect(
      await rejection(() => ca.createIntermediateCa({ caId: 'x', issuerCaId: 'nope', subject: 'CN=X' })),
    ).toMatchObject({ code: 'ERR_CERTIFICATES_UNKNOWN_CA' });
    expect(
      await rejection(() =>
        ca.createIntermediateCa({ caId: 'x', issuerCaId: 'issuing', subject: 'CN=X', pathLength: 1 }),
      ),
    ).toMatchObject({ code: 'ERR_CERTIFICATES_CA_UNUSABLE' });
    expect(
      await rejection(() =>
        ca.createIntermediateCa({ caId: 'x', issuerCaId: 'root', subject: 'CN=X', validityDays: 3651 }),
      ),
    ).toMatchObject({ code: 'ERR_CERTIFICATES_VALIDITY' });
    expect(await rejection(() => ca.createRootCa({ caId: 'Bad Id', subject: 'CN=X' }))).toMatchObject({
      code: 'ERR_CERTIFICATES_INVALID_ARGUMENT',
    });
    expect((await ca.listCas()).length).toBe(2);
  });
});

describe('issuance from requests made by openssl req, verified by openssl verify', () => {
  const purposes: Record<CertificateProfileName, (type: string) => string | undefined> = {
    signing: () => 'smimesign',
    // OpenSSL's smimeencrypt purpose asks for keyEncipherment, which RFC 5480 §3 does not allow for EC keys.
    encryption: (type) => (type === 'rsa' ? 'smimeencrypt' : undefined),
    ttp: () => 'smimesign',
    ca: () => undefined,
    hub: () => 'sslserver',
    agency: () => 'sslclient',
  };
  const cases: [CertificateProfileName, 'ec' | 'rsa' | 'ed25519'][] = [];
  for (const profile of Object.keys(CERTIFICATE_PROFILES) as CertificateProfileName[]) {
    for (const type of ['ec', 'rsa', 'ed25519'] as const) {
      if (CERTIFICATE_PROFILES[profile].keyUsage[type] !== undefined) cases.push([profile, type]);
    }
  }

  it.each(cases)('%s with a %s key', async (profile, type) => {
    const issued = await ca.issue({ caId: 'issuing', profile, request: requests[type] });
    const cert = issued.certificate;
    expect(cert.subject).toBe(`CN=OpenSSL ${type}, O=Example, C=DE`);
    expect(cert.keyUsage).toEqual(CERTIFICATE_PROFILES[profile].keyUsage[type]);
    expect(cert.extendedKeyUsage).toEqual(CERTIFICATE_PROFILES[profile].extendedKeyUsage);
    const ok = await verify(cert);
    expect(ok.code, ok.out).toBe(0);
    // x509_strict checks the RFC 5280 profile rules OpenSSL knows (key identifiers, critical flags...), and
    // the purpose the profile is for.
    const purpose = purposes[profile](type);
    const strict = await verify(cert, ['-x509_strict', ...(purpose ? ['-purpose', purpose] : [])]);
    expect(strict.code, strict.out).toBe(0);
  });

  it('the profiles keep certificates to their purpose: a signing certificate is not a TLS server', async () => {
    const signing = await ca.issue({ caId: 'issuing', profile: 'signing', request: requests.ec });
    expect((await verify(signing.certificate, ['-purpose', 'sslserver'])).code).not.toBe(0);
    const agency = await ca.issue({ caId: 'issuing', profile: 'agency', request: requests.ec });
    expect((await verify(agency.certificate, ['-purpose', 'sslserver'])).code).not.toBe(0);
    expect(agency.certificate.extendedKeyUsage).toContain(EXTENDED_KEY_USAGE.clientAuth);
  });

  it('a subordinate CA certified from an OpenSSL request signs a leaf (with OpenSSL) that OpenSSL verifies', async () => {
    const sub = await ca.issue({ caId: 'issuing', profile: 'ca', request: requests.ec });
    expect(sub.certificate.basicConstraints).toEqual({ ca: true, pathLength: 0 });
    await s.write('sub.pem', sub.certificate.toPem());
    await opensslOk(
      [
        'req',
        '-new',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        'subleaf.key',
        '-subj',
        '/CN=Sub Leaf',
        '-out',
        'subleaf.csr',
      ],
      { cwd: s.dir },
    );
    await opensslOk(
      [
        'x509',
        '-req',
        '-in',
        'subleaf.csr',
        '-CA',
        'sub.pem',
        '-CAkey',
        'ec.key',
        '-CAcreateserial',
        '-days',
        '30',
        '-out',
        'subleaf.pem',
      ],
      { cwd: s.dir },
    );
    await s.write('sub-chain.pem', sub.certificate.toPem() + issuing.certificate.toPem());
    const r = await openssl(['verify', '-CAfile', 'root.pem', '-untrusted', 'sub-chain.pem', 'subleaf.pem'], {
      cwd: s.dir,
    });
    expect(r.code, r.stderr).toBe(0);
  });

  it('writes the subject and alternative names the caller gives, not the request’s', async () => {
    const issued = await ca.issue({
      caId: 'issuing',
      profile: 'signing',
      request: requests.ec,
      subject: 'CN=Registered Name, O=Hub, C=DE',
      subjectAltNames: { email: ['registered@hub.example'], dns: ['agency.hub.example'] },
    });
    expect(issued.certificate.subject).toBe('CN=Registered Name, O=Hub, C=DE');
    const text = (
      await opensslOk(['x509', '-noout', '-ext', 'subjectAltName'], { input: Buffer.from(issued.certificate.toPem()) })
    ).toString();
    expect(text).toContain('email:registered@hub.example');
    expect(text).toContain('DNS:agency.hub.example');
    expect((await verify(issued.certificate, ['-purpose', 'smimesign'])).code).toBe(0);
  });
});

describe('serial numbers and validity', () => {
  it('random 128-bit serial numbers, positive, unique', async () => {
    const keys = await generateKeyPair({ type: 'ec', curve: 'P-256' });
    const request = await createCertificationRequest({ subject: 'CN=Serials', keys });
    const serials = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const issued = await ca.issue({ caId: 'issuing', profile: 'signing', request });
      const octets = issued.certificate.serialDer;
      expect(octets[0]! & 0x80).toBe(0); // positive
      expect(octets.length).toBeLessThanOrEqual(17); // 16 random octets, plus 00 when the top bit is set
      expect(octets.length).toBeGreaterThanOrEqual(12); // leading zero octets are rare
      serials.add(issued.serialNumber);
    }
    expect(serials.size).toBe(12);
  });

  it('the profile’s default validity, cut at the issuer’s notAfter; an explicit one beyond it is refused', async () => {
    const clock = new ManualClock(new Date());
    const shortLived = new LocalCaCertificateModule({
      store,
      passphrase: PASS,
      pbkdf2Iterations: FAST,
      clock,
      id: 'short',
    });
    const r = await shortLived.createRootCa({ caId: 'r', subject: 'CN=Short Root', validityDays: 400 });
    const i = await shortLived.createIntermediateCa({
      caId: 'i',
      issuerCaId: 'r',
      subject: 'CN=Short Issuing',
      validityDays: 30,
    });
    expect(i.certificate.notAfter.getTime()).toBeLessThanOrEqual(r.certificate.notAfter.getTime());
    const issued = await shortLived.issue({ caId: 'i', profile: 'signing', request: requests.ec });
    expect(issued.certificate.notAfter.getTime()).toBe(i.certificate.notAfter.getTime());
    const ten = await shortLived.issue({ caId: 'i', profile: 'signing', request: requests.ec, validityDays: 10 });
    expect(ten.certificate.notAfter.getTime() - Math.floor(clock.now().getTime() / 1000) * 1000).toBe(10 * 86_400_000);
    expect(ten.certificate.notBefore.getTime()).toBeLessThanOrEqual(clock.now().getTime());
    const before = await issuedCount();
    expect(
      await rejection(() =>
        shortLived.issue({ caId: 'i', profile: 'signing', request: requests.ec, validityDays: 31 }),
      ),
    ).toMatchObject({ code: 'ERR_CERTIFICATES_VALIDITY' });
    // 'i' has pathLen 0: it may not certify a CA.
    expect(await rejection(() => shortLived.issue({ caId: 'i', profile: 'ca', request: requests.ec }))).toMatchObject({
      code: 'ERR_CERTIFICATES_CA_UNUSABLE',
    });
    // After the intermediate expires, nothing more is issued.
    clock.advance(31 * 86_400_000);
    expect(
      await rejection(() => shortLived.issue({ caId: 'i', profile: 'signing', request: requests.ec })),
    ).toMatchObject({
      code: 'ERR_CERTIFICATES_CA_UNUSABLE',
    });
    expect(await issuedCount()).toBe(before);
    // Modules are kept apart by id in one store.
    expect((await shortLived.listCas()).map((c) => c.caId)).toEqual(['r', 'i']);
  });
});

describe('revocation and CRLs, checked by openssl verify -crl_check', () => {
  it('a revoked certificate fails, the others pass; openssl crl reads the number and the reason', async () => {
    const good = await ca.issue({ caId: 'issuing', profile: 'signing', request: requests.rsa });
    const bad = await ca.issue({ caId: 'issuing', profile: 'signing', request: requests.ec });
    const held = await ca.issue({ caId: 'issuing', profile: 'signing', request: requests.ed25519 });
    const invalidityDate = new Date(Date.now() - 3_600_000);
    await ca.revoke({ caId: 'issuing', serialNumber: bad.serialNumber, reason: 'keyCompromise', invalidityDate });
    await ca.revoke({ caId: 'issuing', serialNumber: held.serialNumber, reason: 'certificateHold' });
    const crl = await ca.issueCrl({ caId: 'issuing' });
    const rootCrl = await ca.issueCrl({ caId: 'root' });
    await s.write('issuing.crl.pem', crl.pem);
    await s.write('crls.pem', crl.pem + rootCrl.pem);
    const withCrl = ['-crl_check', '-CRLfile', 'issuing.crl.pem'];
    const goodResult = await verify(good.certificate, withCrl);
    expect(goodResult.code, goodResult.out).toBe(0);
    const badResult = await verify(bad.certificate, withCrl);
    expect(badResult.code).not.toBe(0);
    expect(badResult.out).toContain('certificate revoked');
    expect((await verify(held.certificate, withCrl)).out).toContain('certificate revoked');
    const all = await verify(good.certificate, ['-crl_check_all', '-CRLfile', 'crls.pem']);
    expect(all.code, all.out).toBe(0);
    const text = (
      await opensslOk(['crl', '-in', 'issuing.crl.pem', '-noout', '-text', '-CAfile', 'intermediate.pem'], {
        cwd: s.dir,
      })
    ).toString();
    expect(text).toContain(`X509v3 CRL Number: \n                ${crl.crlNumber}`);
    expect(text).toContain('Key Compromise');
    expect(text).toContain('Certificate Hold');
    expect(text).toContain('Invalidity Date');
    expect(text.toUpperCase()).toContain(bad.serialNumber.toUpperCase());

    // Released from hold, the certificate leaves the next CRL; CRL numbers grow; the latest is kept.
    await ca.releaseHold('issuing', held.serialNumber);
    const next = await ca.issueCrl({ caId: 'issuing' });
    expect(next.crlNumber).toBe(crl.crlNumber + 1n);
    expect(next.crl.isRevoked(held.serialNumber)).toBe(false);
    expect(next.crl.isRevoked(bad.serialNumber)).toBe(true);
    await s.write('next.crl.pem', next.pem);
    expect((await verify(held.certificate, ['-crl_check', '-CRLfile', 'next.crl.pem'])).code).toBe(0);
    const latest = await ca.latestCrl('issuing');
    expect(latest?.crlNumber).toBe(next.crlNumber);
    expect(CertificateRevocationList.fromDer(latest!.der).crlNumber).toBe(next.crlNumber);
    expect((await ca.listCertificates({ caId: 'issuing', revoked: true })).map((r) => r.serialNumber)).toEqual([
      bad.serialNumber,
    ]);
  });

  it('revoking an intermediate puts it on the root’s CRL, and it issues nothing more', async () => {
    const other = await ca.createIntermediateCa({ caId: 'retired', issuerCaId: 'root', subject: 'CN=Retired CA' });
    orphan = (await ca.issue({ caId: 'retired', profile: 'signing', request: requests.ec })).certificate;
    await ca.issueCrl({ caId: 'retired' });
    await ca.revoke({ caId: 'root', serialNumber: other.certificate.serialNumber, reason: 'cessationOfOperation' });
    const crl = await ca.issueCrl({ caId: 'root' });
    expect(crl.crl.entry(other.certificate.serialNumber)?.reason).toBe('cessationOfOperation');
    const before = await issuedCount();
    expect(
      await rejection(() => ca.issue({ caId: 'retired', profile: 'signing', request: requests.ec })),
    ).toMatchObject({
      code: 'ERR_CERTIFICATES_CA_UNUSABLE',
    });
    expect(await issuedCount()).toBe(before);
  });

  it('a party trusts its own CA through a PartyTrustStore: anchors, intermediates and latest CRLs', async () => {
    const trust = new PartyTrustStore({ defaults: { revocation: 'chain' } });
    await trust.addCertificateModule(ca);
    expect(trust.anchors.map((c) => c.subject)).toEqual([root.certificate.subject]);
    expect(trust.intermediates.length).toBeGreaterThanOrEqual(1);
    const fresh = await ca.issue({ caId: 'issuing', profile: 'signing', request: requests.ec });
    const ok = await trust.validate(fresh.certificate, { purpose: 'sign' });
    expect(ok.valid, ok.valid ? '' : `${ok.code} ${ok.reason}`).toBe(true);
    const [revokedRecord] = await ca.listCertificates({ caId: 'issuing', revoked: true });
    expect(await trust.validate(revokedRecord!.certificate)).toMatchObject({ valid: false, code: 'REVOKED' });
    // The retired intermediate is on the root's CRL: what it issued no longer validates.
    const verdict = await trust.validate(orphan);
    expect(verdict).toMatchObject({ valid: false, code: 'REVOKED' });
    expect(verdict.valid ? undefined : verdict.certificate?.subject).toBe('CN=Retired CA');
  });

  it('a failed CRL issuance takes no CRL number', async () => {
    const before = (await ca.latestCrl('issuing'))!.crlNumber;
    expect(await rejection(() => ca.issueCrl({ caId: 'issuing', nextUpdate: new Date(0) }))).toMatchObject({
      code: 'ERR_CERTIFICATES_INVALID_ARGUMENT',
    });
    expect((await ca.issueCrl({ caId: 'issuing' })).crlNumber).toBe(before + 1n);
  });
});

describe('CA keys at rest', () => {
  it('are stored only encrypted under the passphrase, in a form openssl pkey opens', async () => {
    const rows = await store.query<{ ca_id: string; identity_pem: string }>(
      "SELECT ca_id, identity_pem FROM certificates_cas WHERE module_id = 'certificates-local-ca'",
    );
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const row of rows) {
      expect(row.identity_pem).toContain('-----BEGIN ENCRYPTED PRIVATE KEY-----');
      expect(row.identity_pem).not.toContain('-----BEGIN PRIVATE KEY-----');
    }
    const f = await s.write('issuing.id.pem', rows.find((r) => r.ca_id === 'issuing')!.identity_pem);
    expect((await openssl(['pkey', '-in', f, '-passin', `pass:${PASS}`, '-noout'])).code).toBe(0);
    expect((await openssl(['pkey', '-in', f, '-passin', 'pass:wrong passphrase', '-noout'])).code).not.toBe(0);
  });

  it('survive a restart with the right passphrase; with a wrong one nothing is issued', async () => {
    const reopened = new LocalCaCertificateModule({ store, passphrase: PASS, pbkdf2Iterations: FAST });
    const issued = await reopened.issue({ caId: 'issuing', profile: 'signing', request: requests.ec });
    expect(await issued.certificate.isIssuedBy(issuing.certificate)).toBe(true);
    const before = await issuedCount();
    const wrong = new LocalCaCertificateModule({ store, passphrase: 'not the passphrase at all' });
    const err = await rejection(() => wrong.issue({ caId: 'issuing', profile: 'signing', request: requests.ec }));
    expect(err).toBeInstanceOf(CertificatesError);
    expect(err).toMatchObject({ code: 'ERR_CERTIFICATES_CA_KEY_UNAVAILABLE' });
    expect(String((err as Error).message)).not.toContain('not the passphrase');
    expect(await issuedCount()).toBe(before);
  });

  it('refuses a weak configuration', () => {
    expect(() => new LocalCaCertificateModule({ store, passphrase: 'short' })).toThrow(CertificatesError);
    expect(() => new LocalCaCertificateModule({ store, passphrase: PASS, pbkdf2Iterations: 1000 })).toThrow(
      CertificatesError,
    );
  });
});

describe('events', () => {
  it('publishes what was committed, without secrets', () => {
    const types = new Set(recorded.values.map((e) => e.type));
    for (const t of [
      'certificates.ca-created',
      'certificates.issued',
      'certificates.revoked',
      'certificates.crl-issued',
    ]) {
      expect(types).toContain(t);
    }
    expect(JSON.stringify(recorded.values, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).not.toContain(PASS);
  });
});

describeCertificateModuleSuite('certificates-local-ca', async () => {
  const shared = await storeOpened;
  const module = new LocalCaCertificateModule({
    id: 'conformance',
    store: shared,
    passphrase: 'conformance passphrase',
    pbkdf2Iterations: FAST,
  });
  const anchor = await module.createRootCa({
    caId: 'root',
    subject: 'CN=Conformance Root CA, O=semper',
    pathLength: 2,
  });
  await module.createIntermediateCa({
    caId: 'issuing',
    issuerCaId: 'root',
    subject: 'CN=Conformance Issuing CA, O=semper',
    pathLength: 1,
  });
  return { module, caId: 'issuing', anchors: [anchor.certificate] };
});
