// Enrolment on a real PostgreSQL server (started by test/setup/services.global.ts): there each transaction
// has its own connection, so concurrent enrolments really race. The registration row lock (FOR UPDATE)
// must let exactly one of them issue, and concurrent wrong secrets must count exactly up to the lockout.
import { generateKeyPair } from '@semper/crypto';
import { openStore, type Store } from '@semper/store';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeOnPostgres } from '../../../test/support/postgres-database.js';
import { CertificateManager } from './certificate.manager.js';
import { createCertificationRequest } from './certification-request.js';
import type { EnrolmentError } from './errors.js';
import { LocalCaCertificateModule } from './local-ca.certificate-module.js';
import { RegistrationAuthority } from './registration-authority.js';
import { ModulePolicy, Preferences } from '@semper/core';

describeOnPostgres('enrolment on PostgreSQL', 'certificates_ra', ({ url }) => {
  let store: Store;
  let ra: RegistrationAuthority;
  const SUBJECT = 'CN=Agency 7, O=Hub, C=DE';
  let request: Uint8Array;

  beforeAll(async () => {
    store = await openStore(url, { maxConnections: 12 });
    const module = new LocalCaCertificateModule({
      store,
      passphrase: 'services test passphrase',
      pbkdf2Iterations: 10_000,
    });
    const manager = new CertificateManager([module], ModulePolicy.allowAll(), Preferences.defaults(), {});
    ra = new RegistrationAuthority({
      modules: manager,
      store,
      defaultModuleId: module.descriptor.id,
      maxAttempts: 4,
    });
    await module.createRootCa({ caId: 'root', subject: 'CN=Services Root' });
    await module.createIntermediateCa({ caId: 'agencies', issuerCaId: 'root', subject: 'CN=Services Agencies CA' });
    const keys = await generateKeyPair({ type: 'ec', curve: 'P-256' });
    request = (await createCertificationRequest({ subject: SUBJECT, keys })).der;
  });
  afterAll(async () => {
    await store?.close();
  });

  it('ten parallel enrolments with one secret issue exactly one certificate', async () => {
    const ticket = await ra.register({ subject: SUBJECT, profile: 'agency', caId: 'agencies', registeredBy: 'op:1' });
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () =>
        ra.enrol({ registrationId: ticket.registrationId, secret: ticket.secret, request }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const codes = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as EnrolmentError).code] : []));
    expect(codes).toEqual(Array(9).fill('ERR_CERTIFICATES_ENROLMENT_USED'));
    const [row] = await store.query<{ n: bigint }>(
      'SELECT count(*) AS n FROM certificates_issued WHERE registration_id = $1',
      [ticket.registrationId],
    );
    expect(row?.n).toBe(1n);
    expect(await ra.getRegistration(ticket.registrationId)).toMatchObject({ status: 'used' });
  });

  it('parallel wrong secrets count exactly up to the lockout', async () => {
    const ticket = await ra.register({ subject: SUBJECT, profile: 'agency', caId: 'agencies', registeredBy: 'op:1' });
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        ra.enrol({ registrationId: ticket.registrationId, secret: `no ${i}`, request }),
      ),
    );
    const codes = results.map((r) => (r.status === 'rejected' ? (r.reason as EnrolmentError).code : 'issued')).sort();
    expect(codes).toEqual([
      ...Array(4).fill('ERR_CERTIFICATES_ENROLMENT_BAD_SECRET'),
      ...Array(6).fill('ERR_CERTIFICATES_ENROLMENT_LOCKED'),
    ]);
    expect(await ra.getRegistration(ticket.registrationId)).toMatchObject({ status: 'locked', attempts: 4 });
  });

  it('a right secret racing wrong ones issues at most once, and never after the lockout', async () => {
    const ticket = await ra.register({ subject: SUBJECT, profile: 'agency', caId: 'agencies', registeredBy: 'op:1' });
    const calls = Array.from({ length: 9 }, (_, i) =>
      ra.enrol({ registrationId: ticket.registrationId, secret: i === 4 ? ticket.secret : `no ${i}`, request }),
    );
    const results = await Promise.allSettled(calls);
    const issued = results.filter((r) => r.status === 'fulfilled').length;
    const [row] = await store.query<{ n: bigint }>(
      'SELECT count(*) AS n FROM certificates_issued WHERE registration_id = $1',
      [ticket.registrationId],
    );
    expect(BigInt(issued)).toBe(row?.n);
    expect(issued).toBeLessThanOrEqual(1);
    const registration = await ra.getRegistration(ticket.registrationId);
    expect(registration?.status === 'used').toBe(issued === 1);
  });
});
