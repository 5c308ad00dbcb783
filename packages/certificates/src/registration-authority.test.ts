// What operators register, on one party's store (one PGlite per file keeps the package's tests fast):
// 1. The RA and its enrolment protocol, wired as a composition root does (core, store and certificates
//    `register` on one party container). Every misuse is refused with its own typed error and issues NOTHING:
//    no row in certificates_issued, the registration's counters as expected. Concurrent enrolments with one
//    secret issue at most one certificate (PGlite here; a real PostgreSQL server in the services project).
// 2. The import of certificates from an external CA of the party's choice: validated by the caller's trust
//    (crypto's TrustStore, the block's PathValidator with CRLs), registered with who and when, refused with
//    typed errors and nothing stored otherwise.
import { createPartyContainer, register as registerCore } from '@semper/core';
import { ManualClock, recordEvents } from '@semper/core/testing';
import { generateKeyPair, type Identity, TrustStore } from '@semper/crypto';
import { createTestPki, type TestPki } from '@semper/crypto/testing';
import { EVENT_BUS, type EventBus, type SemperEvent } from '@semper/core';
import { openStore, register as registerStore, type Store } from '@semper/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openssl, opensslOk, type Scratch, scratch } from '../../../test/support/openssl.js';
import type { CertificateManager } from './certificate.manager.js';
import { createCertificationRequest } from './certification-request.js';
import { register } from './container.js';
import { issueCrl } from './crl.js';
import { CertificatesError, EnrolmentError } from './errors.js';
import type { ExternalCertificateRegistry } from './external-certificates.js';
import type { RegistrationAuthority } from './registration-authority.js';
import type { CaInfo } from './spi.js';
import { CERTIFICATE_MANAGER, EXTERNAL_CERTIFICATES, REGISTRATION_AUTHORITY } from './tokens.js';
import { PathValidator } from './validation/path-validator.js';

const MODULE = 'certificates-local-ca';
const SUBJECT = 'CN=Agency 42, O=Hub, C=DE';
let s: Scratch;
let store: Store;
let clock: ManualClock;
let manager: CertificateManager;
let ra: RegistrationAuthority;
let root: CaInfo;
let events: { readonly values: readonly SemperEvent[]; stop(): void };
let registry: ExternalCertificateRegistry;
let pki: TestPki;
let stranger: TestPki;
let agency: Identity;
let revoked: Identity;
const csr: Record<string, string> = {};

async function rejection(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

async function issuedFor(registrationId: string): Promise<number> {
  const [row] = await store.query<{ n: bigint }>(
    'SELECT count(*) AS n FROM certificates_issued WHERE registration_id = $1',
    [registrationId],
  );
  return Number(row!.n);
}

async function issuedTotal(): Promise<number> {
  const [row] = await store.query<{ n: bigint }>('SELECT count(*) AS n FROM certificates_issued');
  return Number(row!.n);
}

/** Expects `fn` to be refused with `code`, nothing issued at all, and returns the error. */
async function refused(code: string, fn: () => unknown): Promise<EnrolmentError> {
  const before = await issuedTotal();
  const err = await rejection(fn);
  expect(err).toBeInstanceOf(EnrolmentError);
  expect(err).toMatchObject({ code, name: 'EnrolmentError' });
  expect(await issuedTotal()).toBe(before);
  return err as EnrolmentError;
}

function register42(overrides: Partial<Parameters<RegistrationAuthority['register']>[0]> = {}) {
  return ra.register({ subject: SUBJECT, profile: 'agency', caId: 'agencies', registeredBy: 'op:maria', ...overrides });
}

beforeAll(async () => {
  s = await scratch('semper-ra-');
  store = await openStore('pglite:memory');
  clock = new ManualClock(new Date());
  const party = createPartyContainer();
  registerCore(party, { clock, context: { jurisdiction: 'DE', user: 'hub' } });
  registerStore(party, { store });
  register(party, {
    localCa: { passphrase: 'the hub CA passphrase', pbkdf2Iterations: 10_000 },
    registrationAuthority: { maxAttempts: 3 },
  });
  events = recordEvents(party.resolve<EventBus>(EVENT_BUS).events$);
  manager = party.resolve<CertificateManager>(CERTIFICATE_MANAGER);
  ra = party.resolve<RegistrationAuthority>(REGISTRATION_AUTHORITY);
  registry = party.resolve<ExternalCertificateRegistry>(EXTERNAL_CERTIFICATES);
  [pki, stranger] = await Promise.all([createTestPki({ name: 'Partner CA' }), createTestPki({ name: 'Stranger CA' })]);
  [agency, revoked] = await Promise.all([
    pki.issue('CN=Agency 9, O=Partner', { extendedKeyUsage: ['1.3.6.1.5.5.7.3.4'] }),
    pki.issue('CN=Agency 10, O=Partner'),
  ]);
  root = await manager.createRootCa(MODULE, { caId: 'root', subject: 'CN=Hub Root CA, O=Hub, C=DE', pathLength: 1 });
  await manager.createIntermediateCa(MODULE, {
    caId: 'agencies',
    issuerCaId: 'root',
    subject: 'CN=Hub Agencies CA, O=Hub, C=DE',
  });
  await s.write('root.pem', root.certificate.toPem());
  const subjects: [string, string, string[]][] = [
    ['agency', '/CN=Agency 42/O=Hub/C=DE', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']],
    ['loose', '/CN=AGENCY   42 /O=hub/C=DE', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']],
    ['other', '/CN=Agency 43/O=Hub/C=DE', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']],
    ['ed25519', '/CN=Agency 42/O=Hub/C=DE', ['-newkey', 'ed25519']],
  ];
  await Promise.all(
    subjects.map(([name, subj, newkey]) =>
      opensslOk(['req', '-new', ...newkey, '-nodes', '-keyout', `${name}.key`, '-subj', subj, '-out', `${name}.csr`], {
        cwd: s.dir,
      }),
    ),
  );
  for (const [name] of subjects) csr[name] = (await s.read(`${name}.csr`)).toString('utf8');
});

afterAll(async () => {
  events?.stop();
  await store?.close();
  await s?.dispose();
});

describe('registration', () => {
  it('returns a one-time secret (160 bits, shown once) and keeps only its hash', async () => {
    const ticket = await register42({ subjectAltNames: { email: ['agency42@hub.example'] } });
    expect(ticket.registrationId).toMatch(/^reg_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(ticket.secret).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){7}$/);
    expect(ticket.expiresAt.getTime() - clock.now().getTime()).toBe(7 * 86_400_000);
    expect(ticket.registration).toMatchObject({
      subject: SUBJECT,
      profile: 'agency',
      status: 'pending',
      attempts: 0,
      maxAttempts: 3,
      registeredBy: 'op:maria',
      moduleId: MODULE,
    });
    const [row] = await store.query<Record<string, unknown>>(
      'SELECT * FROM certificates_registrations WHERE registration_id = $1',
      [ticket.registrationId],
    );
    expect((row!.secret_hash as Uint8Array).length).toBe(32);
    const dump = JSON.stringify(row, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v));
    expect(dump).not.toContain(ticket.secret);
    expect(dump).not.toContain(ticket.secret.replace(/-/g, ''));
    expect(JSON.stringify(await ra.getRegistration(ticket.registrationId))).not.toContain('secret');
    const other = await register42();
    expect(other.secret).not.toBe(ticket.secret);
  });

  it('refuses what could never be issued, before anything is recorded', async () => {
    const [{ n: before }] = (await store.query<{ n: bigint }>(
      'SELECT count(*) AS n FROM certificates_registrations',
    )) as [{ n: bigint }];
    expect(await rejection(() => register42({ profile: 'root' as 'agency' }))).toMatchObject({
      code: 'ERR_CERTIFICATES_UNKNOWN_PROFILE',
    });
    expect(await rejection(() => register42({ caId: 'nope' }))).toMatchObject({ code: 'ERR_CERTIFICATES_UNKNOWN_CA' });
    expect(await rejection(() => register42({ subject: 'Agency 42' }))).toMatchObject({
      code: 'ERR_CERTIFICATES_INVALID_ARGUMENT',
    });
    expect(await rejection(() => register42({ registeredBy: '' }))).toMatchObject({
      code: 'ERR_CERTIFICATES_INVALID_ARGUMENT',
    });
    expect(await rejection(() => register42({ validityDays: 5000 }))).toMatchObject({
      code: 'ERR_CERTIFICATES_VALIDITY',
    });
    expect(await rejection(() => register42({ maxAttempts: 0 }))).toMatchObject({
      code: 'ERR_CERTIFICATES_INVALID_ARGUMENT',
    });
    expect(await rejection(() => register42({ moduleId: 'certificates-none' }))).toMatchObject({
      code: 'ERR_CORE_MODULE_NOT_FOUND',
    });
    expect(await rejection(() => register42({ subjectAltNames: { email: ['not an address'] } }))).toMatchObject({
      code: 'ERR_CERTIFICATES_INVALID_ARGUMENT',
    });
    const [{ n: after }] = (await store.query<{ n: bigint }>(
      'SELECT count(*) AS n FROM certificates_registrations',
    )) as [{ n: bigint }];
    expect(after).toBe(before);
  });
});

describe('enrolment', () => {
  it('issues the registered subject’s certificate, marks the registration used, verifies with openssl', async () => {
    const ticket = await register42({ subjectAltNames: { email: ['agency42@hub.example'] }, validityDays: 365 });
    const issued = await ra.enrol({
      registrationId: ticket.registrationId,
      secret: ticket.secret.toLowerCase().replace(/-/g, ' '),
      request: csr.agency!,
    });
    expect(issued.certificate.subject).toBe(SUBJECT);
    expect(issued.profile).toBe('agency');
    expect(issued.registrationId).toBe(ticket.registrationId);
    expect(issued.certificate.notAfter.getTime() - issued.certificate.notBefore.getTime()).toBeLessThanOrEqual(
      365 * 86_400_000 + 60_000,
    );
    const registration = await ra.getRegistration(ticket.registrationId);
    expect(registration).toMatchObject({ status: 'used', serialNumber: issued.serialNumber, attempts: 0 });
    expect(registration?.usedAt).toBeInstanceOf(Date);
    expect(await issuedFor(ticket.registrationId)).toBe(1);
    await s.write('enrolled.pem', issued.certificate.toPem());
    await s.write(
      'enrolled-chain.pem',
      issued.chain
        .slice(1)
        .map((c) => c.toPem())
        .join(''),
    );
    const r = await openssl(
      ['verify', '-CAfile', 'root.pem', '-untrusted', 'enrolled-chain.pem', '-purpose', 'sslclient', 'enrolled.pem'],
      { cwd: s.dir },
    );
    expect(r.code, r.stderr).toBe(0);
    const text = (
      await opensslOk(['x509', '-in', 'enrolled.pem', '-noout', '-ext', 'subjectAltName'], { cwd: s.dir })
    ).toString();
    expect(text).toContain('email:agency42@hub.example');
    const types = events.values.map((e) => e.type);
    expect(types).toContain('certificates.registered');
    expect(types).toContain('certificates.enrolled');
  });

  it('matches subjects as RFC 5280 does (case, spaces), and certifies the registered form', async () => {
    const ticket = await register42();
    const issued = await ra.enrol({
      registrationId: ticket.registrationId,
      secret: ticket.secret,
      request: csr.loose!,
    });
    expect(issued.certificate.subject).toBe(SUBJECT);
  });

  it('reuse: ERR_CERTIFICATES_ENROLMENT_USED, nothing issued', async () => {
    const ticket = await register42();
    await ra.enrol({ registrationId: ticket.registrationId, secret: ticket.secret, request: csr.agency! });
    await refused('ERR_CERTIFICATES_ENROLMENT_USED', () =>
      ra.enrol({ registrationId: ticket.registrationId, secret: ticket.secret, request: csr.agency! }),
    );
    expect(await issuedFor(ticket.registrationId)).toBe(1);
    // Guessing at a used registration never turns it into a locked (renewable) one.
    for (let i = 0; i < 4; i++) {
      await rejection(() =>
        ra.enrol({ registrationId: ticket.registrationId, secret: `guess ${i}`, request: csr.agency! }),
      );
    }
    expect((await ra.getRegistration(ticket.registrationId))?.status).toBe('used');
    expect(await rejection(() => ra.renewSecret(ticket.registrationId, { renewedBy: 'op:maria' }))).toMatchObject({
      code: 'ERR_CERTIFICATES_ENROLMENT_USED',
    });
  });

  it('a wrong secret is counted; the last allowed attempt locks; then even the right secret is refused', async () => {
    const ticket = await register42();
    const id = ticket.registrationId;
    const wrong = `${ticket.secret.slice(0, -1)}${ticket.secret.endsWith('0') ? '1' : '0'}`;
    const first = await refused('ERR_CERTIFICATES_ENROLMENT_BAD_SECRET', () =>
      ra.enrol({ registrationId: id, secret: wrong, request: csr.agency! }),
    );
    expect(first.attemptsRemaining).toBe(2);
    expect(first.message).not.toContain(wrong);
    expect(first.message).not.toContain(ticket.secret);
    expect((await ra.getRegistration(id))?.attempts).toBe(1);
    // Garbage is a wrong secret too.
    expect(
      (
        await refused('ERR_CERTIFICATES_ENROLMENT_BAD_SECRET', () =>
          ra.enrol({ registrationId: id, secret: '', request: csr.agency! }),
        )
      ).attemptsRemaining,
    ).toBe(1);
    const last = await refused('ERR_CERTIFICATES_ENROLMENT_BAD_SECRET', () =>
      ra.enrol({ registrationId: id, secret: 'x'.repeat(40), request: csr.agency! }),
    );
    expect(last.attemptsRemaining).toBe(0);
    expect(await ra.getRegistration(id)).toMatchObject({ status: 'locked', attempts: 3 });
    await refused('ERR_CERTIFICATES_ENROLMENT_LOCKED', () =>
      ra.enrol({ registrationId: id, secret: ticket.secret, request: csr.agency! }),
    );
    expect(await ra.getRegistration(id)).toMatchObject({ status: 'locked', attempts: 3 });
    expect(await issuedFor(id)).toBe(0);

    // An operator renews it: a new secret, no attempts; the old secret no longer works.
    const renewed = await ra.renewSecret(id, { renewedBy: 'op:maria' });
    expect(renewed.registration).toMatchObject({ status: 'pending', attempts: 0 });
    await refused('ERR_CERTIFICATES_ENROLMENT_BAD_SECRET', () =>
      ra.enrol({ registrationId: id, secret: ticket.secret, request: csr.agency! }),
    );
    await ra.enrol({ registrationId: id, secret: renewed.secret, request: csr.agency! });
    expect(await issuedFor(id)).toBe(1);
  });

  it('expiry: ERR_CERTIFICATES_ENROLMENT_EXPIRED, nothing issued, nothing counted', async () => {
    const ticket = await register42({ secretLifetimeMs: 3_600_000 });
    clock.advance(3_600_001);
    try {
      await refused('ERR_CERTIFICATES_ENROLMENT_EXPIRED', () =>
        ra.enrol({ registrationId: ticket.registrationId, secret: ticket.secret, request: csr.agency! }),
      );
    } finally {
      clock.set(clock.now().getTime() - 3_600_001);
    }
    expect(await ra.getRegistration(ticket.registrationId)).toMatchObject({ status: 'pending', attempts: 0 });
    expect(await issuedFor(ticket.registrationId)).toBe(0);
  });

  it('a request for another subject: ERR_CERTIFICATES_SUBJECT_MISMATCH; the registration stays usable', async () => {
    const ticket = await register42();
    const err = await refused('ERR_CERTIFICATES_SUBJECT_MISMATCH', () =>
      ra.enrol({ registrationId: ticket.registrationId, secret: ticket.secret, request: csr.other! }),
    );
    expect(err.message).toContain('Agency 43');
    expect(await ra.getRegistration(ticket.registrationId)).toMatchObject({ status: 'pending', attempts: 0 });
    await ra.enrol({ registrationId: ticket.registrationId, secret: ticket.secret, request: csr.agency! });
    expect(await issuedFor(ticket.registrationId)).toBe(1);
  });

  it('unknown and cancelled registrations: ERR_CERTIFICATES_REGISTRATION_NOT_FOUND', async () => {
    await refused('ERR_CERTIFICATES_REGISTRATION_NOT_FOUND', () =>
      ra.enrol({ registrationId: 'reg_01J00000000000000000000000', secret: 'AAAA', request: csr.agency! }),
    );
    const ticket = await register42();
    await ra.cancel(ticket.registrationId, { cancelledBy: 'op:maria' });
    await refused('ERR_CERTIFICATES_REGISTRATION_NOT_FOUND', () =>
      ra.enrol({ registrationId: ticket.registrationId, secret: ticket.secret, request: csr.agency! }),
    );
  });

  it('a bad request is refused before the secret is even looked at (nothing counted)', async () => {
    const ticket = await register42();
    const before = await issuedTotal();
    expect(
      await rejection(() =>
        ra.enrol({ registrationId: ticket.registrationId, secret: 'wrong', request: 'not a request' }),
      ),
    ).toMatchObject({ code: 'ERR_CERTIFICATES_MALFORMED' });
    const keys = await generateKeyPair({ type: 'ec', curve: 'P-256' });
    const good = await createCertificationRequest({ subject: SUBJECT, keys });
    const tampered = new Uint8Array(good.der);
    tampered[Buffer.from(tampered).indexOf('Agency')] = 'a'.charCodeAt(0);
    expect(
      await rejection(() =>
        ra.enrol({ registrationId: ticket.registrationId, secret: ticket.secret, request: tampered }),
      ),
    ).toMatchObject({ code: 'ERR_CERTIFICATES_POP_FAILED' });
    expect(await ra.getRegistration(ticket.registrationId)).toMatchObject({ status: 'pending', attempts: 0 });
    expect(await issuedTotal()).toBe(before);
  });

  it('when issuance fails inside the transaction, the registration is not used up (one transaction)', async () => {
    // The profile refuses Ed25519 keys: the module throws after the secret was checked.
    const ticket = await register42();
    const before = await issuedTotal();
    expect(
      await rejection(() =>
        ra.enrol({ registrationId: ticket.registrationId, secret: ticket.secret, request: csr.ed25519! }),
      ),
    ).toMatchObject({ code: 'ERR_CERTIFICATES_UNSUPPORTED_KEY' });
    // A 'ca' registration under a CA with pathLen 0: the module refuses at issuance.
    const caTicket = await ra.register({
      subject: 'CN=Sub CA, O=Hub',
      profile: 'ca',
      caId: 'agencies',
      registeredBy: 'op:maria',
    });
    const keys = await generateKeyPair({ type: 'ec', curve: 'P-256' });
    const request = await createCertificationRequest({ subject: 'CN=Sub CA, O=Hub', keys });
    expect(
      await rejection(() => ra.enrol({ registrationId: caTicket.registrationId, secret: caTicket.secret, request })),
    ).toMatchObject({
      code: 'ERR_CERTIFICATES_CA_UNUSABLE',
    });
    expect(await issuedTotal()).toBe(before);
    expect(await ra.getRegistration(ticket.registrationId)).toMatchObject({ status: 'pending', attempts: 0 });
    expect(await ra.getRegistration(caTicket.registrationId)).toMatchObject({ status: 'pending', attempts: 0 });
    await ra.enrol({ registrationId: ticket.registrationId, secret: ticket.secret, request: csr.agency! });
  });
});

describe('concurrency (PGlite)', () => {
  it('eight parallel enrolments with one secret issue exactly one certificate', async () => {
    const ticket = await register42();
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () =>
        ra.enrol({ registrationId: ticket.registrationId, secret: ticket.secret, request: csr.agency! }),
      ),
    );
    const fulfilled = results.filter((r) => r.status === 'fulfilled');
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(fulfilled).toHaveLength(1);
    expect(rejected.map((r) => (r.reason as EnrolmentError).code)).toEqual(
      Array(7).fill('ERR_CERTIFICATES_ENROLMENT_USED'),
    );
    expect(await issuedFor(ticket.registrationId)).toBe(1);
  });

  it('parallel wrong secrets count exactly up to the lockout', async () => {
    const ticket = await register42();
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) =>
        ra.enrol({ registrationId: ticket.registrationId, secret: `wrong ${i}`, request: csr.agency! }),
      ),
    );
    const codes = results.map((r) => (r.status === 'rejected' ? (r.reason as EnrolmentError).code : 'issued')).sort();
    expect(codes).toEqual([
      ...Array(3).fill('ERR_CERTIFICATES_ENROLMENT_BAD_SECRET'),
      ...Array(3).fill('ERR_CERTIFICATES_ENROLMENT_LOCKED'),
    ]);
    expect(await ra.getRegistration(ticket.registrationId)).toMatchObject({ status: 'locked', attempts: 3 });
  });

  it('no event or error carries a secret', () => {
    const text = JSON.stringify(events.values);
    expect(text).not.toMatch(/[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}/);
    expect(events.values.some((e) => e.type === 'certificates.enrolment-refused')).toBe(true);
  });
});

async function stored(): Promise<number> {
  const [row] = await store.query<{ n: bigint }>('SELECT count(*) AS n FROM certificates_external');
  return Number(row!.n);
}

describe('ExternalCertificateRegistry', () => {
  beforeAll(() => {
    clock.set(Date.now()); // the partner PKI was made after the clock was set
  });

  it('registers a certificate the caller’s trust validates, with who registered it and when', async () => {
    const entry = await registry.register({
      party: 'agency-9',
      certificate: agency.certificate,
      chain: [pki.intermediate.certificate],
      trust: new TrustStore([pki.root.certificate]),
      registeredBy: 'op:maria',
      note: 'ticket 4711',
    });
    expect(entry).toMatchObject({
      party: 'agency-9',
      subject: 'CN=Agency 9, O=Partner',
      issuer: 'CN=Partner CA intermediate',
      registeredBy: 'op:maria',
      note: 'ticket 4711',
      serialNumber: agency.certificate.serialNumber,
    });
    expect(entry.id).toMatch(/^ext_/);
    expect(entry.registeredAt.getTime()).toBe(clock.now().getTime());
    expect(entry.chain.map((c) => c.subject)).toEqual(['CN=Partner CA intermediate', 'CN=Partner CA root']);
    expect(entry.fingerprint).toBe(await agency.certificate.fingerprint());
    const again = await registry.get(entry.id);
    expect(again?.certificate.equals(agency.certificate)).toBe(true);
    expect(again?.chain.map((c) => c.subject)).toEqual(entry.chain.map((c) => c.subject));
    expect(again?.registeredBy).toBe('op:maria');
    expect((await registry.list({ party: 'agency-9' })).map((e) => e.id)).toEqual([entry.id]);
    expect(events.values.find((e) => e.type === 'certificates.external-registered')).toMatchObject({
      party: 'agency-9',
    });
  });

  it('takes PEM (leaf first, then the chain) and the block’s PathValidator as trust', async () => {
    const pem = agency.certificate.toPem() + pki.intermediate.certificate.toPem();
    const entry = await registry.register({
      party: 'agency-9-hub-view',
      certificate: pem,
      trust: new PathValidator([pki.root.certificate], { extendedKeyUsage: ['emailProtection'] }),
      registeredBy: 'op:jan',
    });
    expect(entry.chain).toHaveLength(2);
  });

  it('refuses what the trust does not validate (another root, revoked, expired): nothing stored', async () => {
    const before = await stored();
    const untrusted = await rejection(() =>
      registry.register({
        party: 'agency-9',
        certificate: agency.certificate,
        chain: [pki.intermediate.certificate],
        trust: new TrustStore([stranger.root.certificate]),
        registeredBy: 'op:maria',
      }),
    );
    expect(untrusted).toBeInstanceOf(CertificatesError);
    expect(untrusted).toMatchObject({ code: 'ERR_CERTIFICATES_UNTRUSTED' });
    const crl = await issueCrl({
      issuer: pki.intermediate,
      entries: [
        { serialNumber: revoked.certificate.serialNumber, revocationDate: new Date(), reason: 'keyCompromise' },
      ],
      nextUpdate: new Date(Date.now() + 86_400_000),
      crlNumber: 1n,
    });
    const withCrl = new PathValidator([pki.root.certificate], { crls: [crl], revocation: 'leaf' });
    const saved = clock.now();
    clock.set(Date.now() + 1000);
    const err = await rejection(() =>
      registry.register({
        party: 'agency-10',
        certificate: revoked.certificate,
        chain: [pki.intermediate.certificate],
        trust: withCrl,
        registeredBy: 'op:maria',
      }),
    );
    clock.set(saved);
    expect(err).toMatchObject({ code: 'ERR_CERTIFICATES_UNTRUSTED' });
    expect((err as Error).message).toContain('REVOKED');
    expect(
      await rejection(() =>
        registry.register({
          party: 'agency-9',
          certificate: agency.certificate,
          chain: [pki.intermediate.certificate],
          trust: new TrustStore([pki.root.certificate]),
          registeredBy: 'op:maria',
          at: new Date(Date.now() + 400 * 86_400_000),
        }),
      ),
    ).toMatchObject({ code: 'ERR_CERTIFICATES_UNTRUSTED' });
    expect(await stored()).toBe(before);
  });

  it('refuses a second registration for the same party, malformed input and bad arguments', async () => {
    const trust = new TrustStore([pki.root.certificate]);
    const base = {
      certificate: agency.certificate,
      chain: [pki.intermediate.certificate],
      trust,
      registeredBy: 'op:maria',
    };
    const before = await stored();
    expect(await rejection(() => registry.register({ ...base, party: 'agency-9' }))).toMatchObject({
      code: 'ERR_CERTIFICATES_ALREADY_IMPORTED',
    });
    expect(
      await rejection(() =>
        registry.register({ ...base, party: 'agency-9', certificate: new Uint8Array([0x30, 0x00]) }),
      ),
    ).toMatchObject({
      code: 'ERR_CERTIFICATES_MALFORMED',
    });
    expect(
      await rejection(() => registry.register({ ...base, party: 'agency-9', certificate: 'no pem here' })),
    ).toMatchObject({
      code: 'ERR_CERTIFICATES_MALFORMED',
    });
    expect(await rejection(() => registry.register({ ...base, party: '' }))).toMatchObject({
      code: 'ERR_CERTIFICATES_INVALID_ARGUMENT',
    });
    expect(await rejection(() => registry.register({ ...base, party: 'x', registeredBy: '' }))).toMatchObject({
      code: 'ERR_CERTIFICATES_INVALID_ARGUMENT',
    });
    expect(await rejection(() => registry.register({ ...base, party: 'x', trust: {} as TrustStore }))).toMatchObject({
      code: 'ERR_CERTIFICATES_INVALID_ARGUMENT',
    });
    expect(await stored()).toBe(before);
  });

  it('lists and removes registrations', async () => {
    const all = await registry.list();
    expect(all.length).toBeGreaterThanOrEqual(2);
    const [first] = all;
    expect(await registry.remove(first!.id)).toBe(true);
    expect(await registry.get(first!.id)).toBeUndefined();
    expect(await registry.remove(first!.id)).toBe(false);
  });
});
