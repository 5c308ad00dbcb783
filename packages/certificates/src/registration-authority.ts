/**
 * The registration authority (RA) and its enrolment protocol: an operator registers a subject (its
 * distinguished name and profile) and hands the one-time enrolment secret to the subject out of band; the
 * subject presents the registration id, the secret and its certification request, and receives its
 * certificate.
 *
 * @packageDocumentation
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { type Clock, newId, type PolicyContext, SystemClock, UnsupportedOperationError } from '@semper/core';
import { type Queryable, type Store, StoreQueryError } from '@semper/store';
import { CertificationRequest } from './certification-request.js';
import { checkCaId, subjectNameDer } from './checks.js';
import { CertificatesError, EnrolmentError, type EnrolmentErrorCode } from './errors.js';
import { type CertificatesEventSink, publish } from './events.js';
import { migrateCertificates } from './migrations.js';
import { type CertificateProfileName, getCertificateProfile } from './profiles.js';
import type { CertificateModule, IssuedCertificate } from './spi.js';
import { checkSubjectAltNames, type SubjectAltNames } from './subject-alt-names.js';
import { formatName, namesMatch } from './validation/names.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Crockford's base 32. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** 160 random bits: 32 characters of base 32. */
const SECRET_BYTES = 20;
const SECRET_CHARS = 32;

/**
 * Where the RA finds CA modules: the `CertificateManager` (which applies the module policy), or any
 * object with the same `get`.
 *
 * @example
 * ```ts
 * import type { CertificateModuleSource } from '@semper/certificates';
 * declare const manager: import('@semper/certificates').CertificateManager;
 * const source: CertificateModuleSource = manager;
 * ```
 */
export interface CertificateModuleSource {
  get(moduleId: string, context?: PolicyContext): CertificateModule;
}

/**
 * Options of {@link RegistrationAuthority}.
 *
 * @example
 * ```ts
 * import type { RegistrationAuthorityOptions } from '@semper/certificates';
 * declare const manager: import('@semper/certificates').CertificateManager;
 * declare const store: import('@semper/store').Store;
 * const options: RegistrationAuthorityOptions = { modules: manager, store, defaultModuleId: 'certificates-local-ca', maxAttempts: 3 };
 * ```
 */
export interface RegistrationAuthorityOptions {
  /** Where CA modules are found (the party's `CertificateManager`). */
  readonly modules: CertificateModuleSource;
  /** The party's store: the same store as the CA modules', so that enrolment is one transaction. */
  readonly store: Store;
  readonly clock?: Clock;
  readonly events?: CertificatesEventSink;
  /** The module a registration uses when it names none. */
  readonly defaultModuleId?: string;
  /** How long an enrolment secret is valid, by default (default 7 days; at most 90 days). */
  readonly secretLifetimeMs?: number;
  /** Wrong secrets allowed before the registration locks, by default (default 5; 1 to 100). */
  readonly maxAttempts?: number;
}

/**
 * What an operator registers.
 *
 * @example
 * ```ts
 * import type { RegisterRequest } from '@semper/certificates';
 * const r: RegisterRequest = {
 *   subject: 'CN=Agency 42, O=Hub, C=DE', profile: 'agency', caId: 'agencies', registeredBy: 'operator:maria',
 *   subjectAltNames: { email: ['agency42@hub.example'] },
 * };
 * ```
 */
export interface RegisterRequest {
  /** The distinguished name the certificate will carry (RFC 4514); the request's subject must match it. */
  readonly subject: string;
  readonly profile: CertificateProfileName;
  /** The issuing CA. */
  readonly caId: string;
  /** The CA module (default: the RA's `defaultModuleId`). */
  readonly moduleId?: string;
  /** Who registers (an operator id): recorded with the registration. */
  readonly registeredBy: string;
  readonly subjectAltNames?: SubjectAltNames;
  /** The certificate's validity (default: the profile's). */
  readonly validityDays?: number;
  /** How long the secret is valid (default: the RA's). */
  readonly secretLifetimeMs?: number;
  /** Wrong secrets allowed before the lockout (default: the RA's). */
  readonly maxAttempts?: number;
}

/**
 * The state of a registration.
 *
 * @example
 * ```ts
 * import type { RegistrationStatus } from '@semper/certificates';
 * const done: RegistrationStatus = 'used';
 * ```
 */
export type RegistrationStatus = 'pending' | 'used' | 'locked' | 'cancelled';

/**
 * A registration, as the RA keeps it (the secret's hash is never returned).
 *
 * @example
 * ```ts
 * import type { Registration } from '@semper/certificates';
 * const line = (r: Registration) => `${r.registrationId} ${r.subject} ${r.status} ${r.attempts}/${r.maxAttempts}`;
 * ```
 */
export interface Registration {
  readonly registrationId: string;
  readonly moduleId: string;
  readonly caId: string;
  /** As printed from the registered Name. */
  readonly subject: string;
  readonly profile: CertificateProfileName;
  readonly status: RegistrationStatus;
  readonly expiresAt: Date;
  /** Wrong secrets so far. */
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly registeredBy: string;
  readonly registeredAt: Date;
  readonly validityDays?: number;
  readonly subjectAltNames?: SubjectAltNames;
  readonly usedAt?: Date;
  /** The certificate issued for it. */
  readonly serialNumber?: string;
}

/**
 * What the operator gets from {@link RegistrationAuthority.register}: the registration and its enrolment
 * secret. The secret is shown this once: the RA keeps only its hash.
 *
 * @example
 * ```ts
 * declare const ra: import('@semper/certificates').RegistrationAuthority;
 * const ticket = await ra.register({ subject: 'CN=Agency 42', profile: 'agency', caId: 'agencies', registeredBy: 'op:1' });
 * printLetter(ticket.registrationId, ticket.secret, ticket.expiresAt); // e.g. 'K3QZ-8W1M-…'
 * ```
 */
export interface RegistrationTicket {
  readonly registrationId: string;
  /** 160 random bits in Crockford base 32, in groups of four (`XXXX-XXXX-…`); case and dashes do not matter. */
  readonly secret: string;
  readonly expiresAt: Date;
  readonly registration: Registration;
}

/**
 * What a subject presents to enrol.
 *
 * @example
 * ```ts
 * import type { EnrolRequest } from '@semper/certificates';
 * const r: EnrolRequest = { registrationId: 'reg_01J…', secret: 'K3QZ-8W1M-…', request: csrPem };
 * ```
 */
export interface EnrolRequest {
  readonly registrationId: string;
  readonly secret: string;
  /** The PKCS#10 request (parsed, DER or PEM); its subject must match the registration's. */
  readonly request: CertificationRequest | Uint8Array | string;
}

interface RegistrationRow {
  registration_id: string;
  module_id: string;
  ca_id: string;
  subject: string;
  subject_der: Uint8Array;
  profile: CertificateProfileName;
  validity_days: number | null;
  subject_alt_names: SubjectAltNames | null;
  secret_hash: Uint8Array;
  expires_at: Date;
  attempts: number;
  max_attempts: number;
  status: RegistrationStatus;
  registered_by: string;
  registered_at: Date;
  used_at: Date | null;
  serial_number: string | null;
}

const COLUMNS =
  'registration_id, module_id, ca_id, subject, subject_der, profile, validity_days, subject_alt_names, secret_hash, ' +
  'expires_at, attempts, max_attempts, status, registered_by, registered_at, used_at, serial_number';

function invalid(message: string): never {
  throw new CertificatesError('ERR_CERTIFICATES_INVALID_ARGUMENT', message);
}

function newSecret(): string {
  const bytes = randomBytes(SECRET_BYTES);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return out.match(/.{4}/g)!.join('-');
}

/** The secret as hashed: upper case, without separators, with the look-alikes of Crockford base 32 mapped. */
function normalizeSecret(secret: string): string | undefined {
  const s = secret.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  return s.length === SECRET_CHARS && [...s].every((c) => ALPHABET.includes(c)) ? s : undefined;
}

/** SHA-256 of the secret, bound to the registration (the secret has 160 random bits: no slow KDF needed). */
function hashSecret(registrationId: string, normalized: string): Uint8Array {
  return new Uint8Array(
    createHash('sha256').update(`semper.certificates.enrolment\0${registrationId}\0${normalized}`, 'utf8').digest(),
  );
}

function secretMatches(row: RegistrationRow, secret: string): boolean {
  const normalized = normalizeSecret(secret);
  // Hash something either way, so that a malformed secret takes as long as a wrong one.
  const candidate = hashSecret(row.registration_id, normalized ?? '');
  const stored = row.secret_hash;
  const equal = stored.length === candidate.length && timingSafeEqual(stored, candidate);
  return normalized !== undefined && equal;
}

function toRegistration(row: RegistrationRow): Registration {
  return {
    registrationId: row.registration_id,
    moduleId: row.module_id,
    caId: row.ca_id,
    subject: row.subject,
    profile: row.profile,
    status: row.status,
    expiresAt: row.expires_at,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    registeredBy: row.registered_by,
    registeredAt: row.registered_at,
    ...(row.validity_days !== null ? { validityDays: row.validity_days } : {}),
    ...(row.subject_alt_names !== null ? { subjectAltNames: row.subject_alt_names } : {}),
    ...(row.used_at !== null ? { usedAt: row.used_at } : {}),
    ...(row.serial_number !== null ? { serialNumber: row.serial_number } : {}),
  };
}

function checkLifetime(ms: unknown, what: string): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0 || ms > 90 * DAY) {
    invalid(`${what} must be a positive number of milliseconds, at most 90 days`);
  }
  return ms;
}

function checkAttempts(n: unknown, what: string): number {
  if (!Number.isSafeInteger(n) || (n as number) < 1 || (n as number) > 100) invalid(`${what} must be from 1 to 100`);
  return n as number;
}

function checkOperator(who: unknown, what: string): string {
  if (typeof who !== 'string' || who.trim() === '' || who.length > 128)
    invalid(`${what} names the operator (1 to 128 characters)`);
  return who;
}

function checkRegistrationId(id: unknown): string {
  if (typeof id !== 'string' || id.length === 0 || id.length > 64)
    invalid('registrationId must be a string of 1 to 64 characters');
  return id;
}

type Outcome =
  | { readonly issued: IssuedCertificate }
  | { readonly refused: EnrolmentErrorCode; readonly message: string; readonly attemptsRemaining?: number };

/**
 * The registration authority. `register` records a subject (its DN, profile, CA) and returns a one-time
 * enrolment secret: 160 random bits, shown once, stored only as a SHA-256 hash bound to the
 * registration, valid until it expires (default 7 days), usable once, with a limited number of wrong
 * attempts (default 5) after which the registration locks until an operator renews it.
 *
 * `enrol` checks, in one store transaction that also issues the certificate and marks the registration
 * used (the registration row is locked `FOR UPDATE` first, so concurrent enrolments with one secret issue
 * at most one certificate):
 * 1. the registration exists and is not cancelled — `ERR_CERTIFICATES_REGISTRATION_NOT_FOUND`;
 * 2. it is not locked — `ERR_CERTIFICATES_ENROLMENT_LOCKED`;
 * 3. the secret is right — `ERR_CERTIFICATES_ENROLMENT_BAD_SECRET` (the attempt is counted and committed;
 *    the last allowed one locks the registration);
 * 4. it was not used — `ERR_CERTIFICATES_ENROLMENT_USED`;
 * 5. it has not expired — `ERR_CERTIFICATES_ENROLMENT_EXPIRED`;
 * 6. the request's subject is the registered one (RFC 5280 name matching) — `ERR_CERTIFICATES_SUBJECT_MISMATCH`;
 * then the CA module's own checks (a malformed request or one without proof of possession is refused before
 * the transaction). Every refusal is an {@link EnrolmentError} and issues nothing.
 *
 * @example
 * ```ts
 * import { RegistrationAuthority } from '@semper/certificates';
 * declare const manager: import('@semper/certificates').CertificateManager;
 * declare const store: import('@semper/store').Store;
 * const ra = new RegistrationAuthority({ modules: manager, store, defaultModuleId: 'certificates-local-ca' });
 * const ticket = await ra.register({ subject: 'CN=Agency 42, O=Hub, C=DE', profile: 'agency', caId: 'agencies', registeredBy: 'op:maria' });
 * // … the operator sends ticket.registrationId and ticket.secret to the agency; the agency makes its key and request:
 * const issued = await ra.enrol({ registrationId: ticket.registrationId, secret: ticket.secret, request: csrPem });
 * ```
 */
export class RegistrationAuthority {
  readonly #modules: CertificateModuleSource;
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #events: CertificatesEventSink | undefined;
  readonly #defaultModuleId: string | undefined;
  readonly #lifetime: number;
  readonly #maxAttempts: number;

  constructor(options: RegistrationAuthorityOptions) {
    if (typeof options !== 'object' || options === null) invalid('RegistrationAuthority needs options');
    if (typeof options.modules?.get !== 'function')
      invalid('RegistrationAuthority needs modules (a CertificateManager)');
    if (typeof options.store?.transaction !== 'function') invalid('RegistrationAuthority needs a store');
    this.#modules = options.modules;
    this.#store = options.store;
    this.#clock = options.clock ?? new SystemClock();
    this.#events = options.events;
    this.#defaultModuleId = options.defaultModuleId;
    this.#lifetime = checkLifetime(options.secretLifetimeMs ?? 7 * DAY, 'secretLifetimeMs');
    this.#maxAttempts = checkAttempts(options.maxAttempts ?? 5, 'maxAttempts');
  }

  /**
   * Registers a subject and returns its one-time enrolment secret (shown this once). The module must
   * issue the profile and have the CA, and must be able to join the enrolment transaction.
   *
   * @throws {@link CertificatesError} `ERR_CERTIFICATES_INVALID_ARGUMENT` (a bad DN, operator, lifetime…),
   * `ERR_CERTIFICATES_UNKNOWN_PROFILE`, `ERR_CERTIFICATES_UNKNOWN_CA`; `ERR_CORE_MODULE_NOT_FOUND` /
   * `ERR_CORE_MODULE_FORBIDDEN`; `ERR_CORE_UNSUPPORTED_OPERATION` for a module that is not transactional.
   *
   * @example
   * ```ts
   * const { registrationId, secret, expiresAt } = await ra.register({
   *   subject: 'CN=Agency 42, O=Hub, C=DE', profile: 'agency', caId: 'agencies', registeredBy: 'op:maria',
   * });
   * ```
   */
  async register(request: RegisterRequest): Promise<RegistrationTicket> {
    if (typeof request !== 'object' || request === null) invalid('register needs a request object');
    const registeredBy = checkOperator(request.registeredBy, 'registeredBy');
    const profile = getCertificateProfile(request.profile);
    const caId = checkCaId(request.caId);
    const moduleId = request.moduleId ?? this.#defaultModuleId;
    if (moduleId === undefined) invalid('register needs a moduleId (the RA has no default)');
    const module = this.#module(moduleId);
    if (!module.descriptor.capabilities.profiles.includes(profile.name)) {
      throw new CertificatesError(
        'ERR_CERTIFICATES_UNKNOWN_PROFILE',
        `module '${moduleId}' does not issue the ${profile.name} profile`,
      );
    }
    if (typeof request.subject !== 'string') invalid('subject must be a distinguished name');
    const subjectDer = subjectNameDer(request.subject, 'subject');
    const subject = formatName(subjectDer);
    const subjectAltNames = checkSubjectAltNames(request.subjectAltNames);
    const validityDays = request.validityDays;
    if (
      validityDays !== undefined &&
      (!Number.isSafeInteger(validityDays) || validityDays < 1 || validityDays > profile.maxValidityDays)
    ) {
      throw new CertificatesError(
        'ERR_CERTIFICATES_VALIDITY',
        `validityDays must be a whole number from 1 to ${profile.maxValidityDays} for the ${profile.name} profile`,
      );
    }
    const lifetime = checkLifetime(request.secretLifetimeMs ?? this.#lifetime, 'secretLifetimeMs');
    const maxAttempts = checkAttempts(request.maxAttempts ?? this.#maxAttempts, 'maxAttempts');
    await module.getCa(caId); // ERR_CERTIFICATES_UNKNOWN_CA now rather than at enrolment

    const registrationId = newId('reg');
    const secret = newSecret();
    const now = this.#clock.now();
    const expiresAt = new Date(now.getTime() + lifetime);
    await migrateCertificates(this.#store);
    const row = await this.#store.transaction(async (tx) => {
      const [inserted] = await tx.query<RegistrationRow>(
        `INSERT INTO certificates_registrations (registration_id, module_id, ca_id, subject, subject_der, profile,
           validity_days, subject_alt_names, secret_hash, expires_at, max_attempts, status, registered_by, registered_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'pending', $12, $13) RETURNING ${COLUMNS}`,
        [
          registrationId,
          moduleId,
          caId,
          subject,
          subjectDer,
          profile.name,
          validityDays ?? null,
          subjectAltNames ?? null,
          hashSecret(registrationId, normalizeSecret(secret)!),
          expiresAt,
          maxAttempts,
          registeredBy,
          now,
        ],
      );
      return inserted!;
    });
    publish(this.#events, {
      type: 'certificates.registered',
      registrationId,
      subject,
      profile: profile.name,
      registeredBy,
    });
    return { registrationId, secret, expiresAt, registration: toRegistration(row) };
  }

  /**
   * Enrols: checks the registration and the secret, issues the certificate and marks the registration
   * used, in one transaction (see the class documentation for the order of the checks).
   *
   * @throws {@link EnrolmentError} for a refusal (nothing issued); {@link CertificatesError}
   * `ERR_CERTIFICATES_MALFORMED` / `…_POP_FAILED` / `…_UNSUPPORTED_ALGORITHM` / `…_UNSUPPORTED_KEY` for a
   * bad request (nothing recorded); what the CA module throws (the transaction rolls back).
   *
   * @example
   * ```ts
   * try {
   *   const issued = await ra.enrol({ registrationId, secret, request: csrPem });
   *   writeFileSync('agency.pem', issued.chain.map((c) => c.toPem()).join(''));
   * } catch (err) {
   *   if (err instanceof EnrolmentError) console.error(err.code, err.attemptsRemaining);
   * }
   * ```
   */
  async enrol(input: EnrolRequest): Promise<IssuedCertificate> {
    if (typeof input !== 'object' || input === null) invalid('enrol needs a request object');
    const registrationId = checkRegistrationId(input.registrationId);
    if (typeof input.secret !== 'string' || input.secret.length > 256) invalid('secret must be a string');
    if (input.request === undefined || input.request === null) invalid('enrol needs the certification request');
    // A bad request is refused before anything is looked at or counted.
    const request = CertificationRequest.from(input.request);
    if (!(await request.verify())) {
      throw new CertificatesError(
        'ERR_CERTIFICATES_POP_FAILED',
        `the certification request of ${request.subject} is not signed with its own key (no proof of possession)`,
      );
    }
    await migrateCertificates(this.#store);
    const [found] = await this.#store.query<{ module_id: string }>(
      'SELECT module_id FROM certificates_registrations WHERE registration_id = $1',
      [registrationId],
    );
    const module = found === undefined ? undefined : this.#module(found.module_id);

    let outcome: Outcome;
    try {
      outcome = await this.#store.transaction((tx) => this.#enrolIn(tx, registrationId, input.secret, request, module));
    } catch (err) {
      // The unique index on certificates_issued.registration_id: a second certificate for one registration.
      if (
        err instanceof StoreQueryError &&
        err.sqlState === '23505' &&
        err.constraint === 'certificates_issued_registration'
      ) {
        outcome = {
          refused: 'ERR_CERTIFICATES_ENROLMENT_USED',
          message: `registration ${registrationId} was already used`,
        };
      } else throw err;
    }
    if ('refused' in outcome) {
      publish(this.#events, { type: 'certificates.enrolment-refused', registrationId, code: outcome.refused });
      throw new EnrolmentError(outcome.refused, outcome.message, {
        registrationId,
        ...(outcome.attemptsRemaining !== undefined ? { attemptsRemaining: outcome.attemptsRemaining } : {}),
      });
    }
    const { issued } = outcome;
    publish(this.#events, {
      type: 'certificates.issued',
      moduleId: issued.moduleId,
      caId: issued.caId,
      serialNumber: issued.serialNumber,
      subject: issued.certificate.subject,
      profile: issued.profile,
      registrationId,
    });
    publish(this.#events, {
      type: 'certificates.enrolled',
      registrationId,
      moduleId: issued.moduleId,
      caId: issued.caId,
      serialNumber: issued.serialNumber,
    });
    return issued;
  }

  async #enrolIn(
    tx: Queryable,
    registrationId: string,
    secret: string,
    request: CertificationRequest,
    module: CertificateModule | undefined,
  ): Promise<Outcome> {
    const [row] = await tx.query<RegistrationRow>(
      `SELECT ${COLUMNS} FROM certificates_registrations WHERE registration_id = $1 FOR UPDATE`,
      [registrationId],
    );
    if (
      row === undefined ||
      row.status === 'cancelled' ||
      module === undefined ||
      module.descriptor.id !== row.module_id
    ) {
      return {
        refused: 'ERR_CERTIFICATES_REGISTRATION_NOT_FOUND',
        message: `no pending registration ${registrationId}`,
      };
    }
    if (row.status === 'locked') {
      return {
        refused: 'ERR_CERTIFICATES_ENROLMENT_LOCKED',
        message: `registration ${registrationId} is locked after ${row.attempts} wrong secrets; an operator must renew it`,
      };
    }
    if (!secretMatches(row, secret)) {
      const attempts = row.attempts + 1;
      // Only a pending registration locks: a used one stays used (and issues nothing either way).
      const locked = row.status === 'pending' && attempts >= row.max_attempts;
      await tx.query('UPDATE certificates_registrations SET attempts = $2, status = $3 WHERE registration_id = $1', [
        registrationId,
        attempts,
        locked ? 'locked' : row.status,
      ]);
      const attemptsRemaining = Math.max(0, row.max_attempts - attempts);
      return {
        refused: 'ERR_CERTIFICATES_ENROLMENT_BAD_SECRET',
        message: `wrong enrolment secret for registration ${registrationId}${locked ? '; the registration is now locked' : ''}`,
        attemptsRemaining,
      };
    }
    if (row.status === 'used') {
      return {
        refused: 'ERR_CERTIFICATES_ENROLMENT_USED',
        message: `registration ${registrationId} was already used (certificate ${row.serial_number ?? '?'})`,
      };
    }
    const now = this.#clock.now();
    if (now.getTime() > row.expires_at.getTime()) {
      return {
        refused: 'ERR_CERTIFICATES_ENROLMENT_EXPIRED',
        message: `the enrolment secret of registration ${registrationId} expired at ${row.expires_at.toISOString()}`,
      };
    }
    if (!namesMatch(request.subjectDer, row.subject_der)) {
      return {
        refused: 'ERR_CERTIFICATES_SUBJECT_MISMATCH',
        message: `the request is for '${request.subject}', the registration for '${row.subject}'`,
      };
    }
    const issued = await module.issue(
      {
        caId: row.ca_id,
        profile: row.profile,
        request,
        subject: row.subject_der,
        ...(row.subject_alt_names !== null ? { subjectAltNames: row.subject_alt_names } : {}),
        ...(row.validity_days !== null ? { validityDays: row.validity_days } : {}),
        registrationId,
      },
      { tx },
    );
    await tx.query(
      `UPDATE certificates_registrations SET status = 'used', used_at = $2, serial_number = $3 WHERE registration_id = $1`,
      [registrationId, now, issued.serialNumber],
    );
    return { issued };
  }

  /**
   * A registration, or undefined.
   *
   * @example
   * ```ts
   * const r = await ra.getRegistration(registrationId);
   * console.log(r?.status, r?.attempts);
   * ```
   */
  async getRegistration(registrationId: string): Promise<Registration | undefined> {
    checkRegistrationId(registrationId);
    await migrateCertificates(this.#store);
    const [row] = await this.#store.query<RegistrationRow>(
      `SELECT ${COLUMNS} FROM certificates_registrations WHERE registration_id = $1`,
      [registrationId],
    );
    return row === undefined ? undefined : toRegistration(row);
  }

  /**
   * Gives a registration that was not used a new secret (the old one stops working), a new expiry and
   * no wrong attempts: how an operator lifts a lockout or replaces an expired or lost secret.
   *
   * @throws {@link EnrolmentError} `ERR_CERTIFICATES_REGISTRATION_NOT_FOUND`, `ERR_CERTIFICATES_ENROLMENT_USED`.
   *
   * @example
   * ```ts
   * const ticket = await ra.renewSecret(registrationId, { renewedBy: 'op:maria' });
   * ```
   */
  async renewSecret(
    registrationId: string,
    options: { readonly renewedBy: string; readonly secretLifetimeMs?: number },
  ): Promise<RegistrationTicket> {
    checkRegistrationId(registrationId);
    checkOperator(options?.renewedBy, 'renewedBy');
    const lifetime = checkLifetime(options.secretLifetimeMs ?? this.#lifetime, 'secretLifetimeMs');
    const secret = newSecret();
    const expiresAt = new Date(this.#clock.now().getTime() + lifetime);
    await migrateCertificates(this.#store);
    const row = await this.#store.transaction(async (tx) => {
      const [current] = await tx.query<RegistrationRow>(
        `SELECT ${COLUMNS} FROM certificates_registrations WHERE registration_id = $1 FOR UPDATE`,
        [registrationId],
      );
      this.#assertChangeable(registrationId, current);
      const [updated] = await tx.query<RegistrationRow>(
        `UPDATE certificates_registrations SET secret_hash = $2, expires_at = $3, attempts = 0, status = 'pending'
         WHERE registration_id = $1 RETURNING ${COLUMNS}`,
        [registrationId, hashSecret(registrationId, normalizeSecret(secret)!), expiresAt],
      );
      return updated!;
    });
    return { registrationId, secret, expiresAt, registration: toRegistration(row) };
  }

  /**
   * Cancels a registration that was not used: its secret stops working.
   *
   * @throws {@link EnrolmentError} `ERR_CERTIFICATES_REGISTRATION_NOT_FOUND`, `ERR_CERTIFICATES_ENROLMENT_USED`.
   *
   * @example
   * ```ts
   * await ra.cancel(registrationId, { cancelledBy: 'op:maria' });
   * ```
   */
  async cancel(registrationId: string, options: { readonly cancelledBy: string }): Promise<void> {
    checkRegistrationId(registrationId);
    checkOperator(options?.cancelledBy, 'cancelledBy');
    await migrateCertificates(this.#store);
    await this.#store.transaction(async (tx) => {
      const [current] = await tx.query<RegistrationRow>(
        `SELECT ${COLUMNS} FROM certificates_registrations WHERE registration_id = $1 FOR UPDATE`,
        [registrationId],
      );
      this.#assertChangeable(registrationId, current);
      await tx.query(`UPDATE certificates_registrations SET status = 'cancelled' WHERE registration_id = $1`, [
        registrationId,
      ]);
    });
  }

  #assertChangeable(registrationId: string, row: RegistrationRow | undefined): asserts row is RegistrationRow {
    if (row === undefined || row.status === 'cancelled') {
      throw new EnrolmentError('ERR_CERTIFICATES_REGISTRATION_NOT_FOUND', `no registration ${registrationId}`, {
        registrationId,
      });
    }
    if (row.status === 'used') {
      throw new EnrolmentError('ERR_CERTIFICATES_ENROLMENT_USED', `registration ${registrationId} was already used`, {
        registrationId,
      });
    }
  }

  #module(moduleId: string): CertificateModule {
    const module = this.#modules.get(moduleId);
    if (module.descriptor.capabilities.transactional !== true) {
      throw new UnsupportedOperationError(`${moduleId}: enrolment (the module cannot join the enrolment transaction)`);
    }
    return module;
  }
}
