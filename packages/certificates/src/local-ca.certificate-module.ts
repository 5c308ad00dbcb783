/**
 * The reference CA module: root and intermediate CAs whose keys live in the party's store, protected at
 * rest by a passphrase from the configuration; issuance under the certificate profiles; revocation; CRLs.
 * Every change is one store transaction.
 *
 * @packageDocumentation
 */
import { type Clock, SystemClock } from '@semper/core';
import {
  Certificate,
  CryptoError,
  generateKeyPair,
  type Identity,
  issueCertificate,
  packIdentity,
  unpackIdentity,
} from '@semper/crypto';
import type { Queryable, Store } from '@semper/store';
import { checkCaId } from './checks.js';
import { CertificatesError } from './errors.js';
import { type CertificatesEventSink, publish } from './events.js';
import { migrateCertificates } from './migrations.js';
import { CERTIFICATE_PROFILE_NAMES, type CertificateProfileName } from './profiles.js';
import { CertificateRevocationList, issueCrl, type RevocationReason } from './crl.js';
import {
  AbstractCertificateModule,
  type CaInfo,
  type CertificateQuery,
  type CertificateRecord,
  type CheckedIssueRequest,
  type CreateIntermediateCaRequest,
  type CreateRootCaRequest,
  type CrlRequest,
  type IssueContext,
  type IssuedCertificate,
  type IssuedCrl,
  type Revocation,
  type RevokeRequest,
} from './spi.js';

const DAY = 86_400_000;
const SKEW = 60_000;

/**
 * Options of {@link LocalCaCertificateModule}.
 *
 * @example
 * ```ts
 * import type { LocalCaModuleOptions } from '@semper/certificates';
 * declare const store: import('@semper/store').Store;
 * const options: LocalCaModuleOptions = { store, passphrase: process.env.CA_PASSPHRASE!, crlPeriodHours: 24 };
 * ```
 */
export interface LocalCaModuleOptions {
  /** The module id (default `certificates-local-ca`); records are kept per id. */
  readonly id?: string;
  /** The party's store: CAs, issued certificates, revocations and CRLs. */
  readonly store: Store;
  /** Protects the CA keys at rest (at least 12 characters); from the configuration, never from a request. */
  readonly passphrase: string;
  /** Default: the system clock. */
  readonly clock?: Clock;
  /** Where events are published, after each commit. */
  readonly events?: CertificatesEventSink;
  /** PBKDF2 iterations for the CA keys (default crypto's 600,000; at least 10,000). */
  readonly pbkdf2Iterations?: number;
  /** Period of a CRL when the request names no nextUpdate, in hours (default 168: a week). */
  readonly crlPeriodHours?: number;
  /** The profiles this module issues (default: all). */
  readonly profiles?: readonly CertificateProfileName[];
  /** Where the module may be used (ISO 3166-1 alpha-2), default anywhere. */
  readonly jurisdictions?: readonly string[];
}

interface CaRow {
  ca_id: string;
  parent_ca_id: string | null;
  certificate: Uint8Array;
  identity_pem: string;
}

interface IssuedRow {
  ca_id: string;
  serial_number: string;
  profile: CertificateProfileName;
  certificate: Uint8Array;
  registration_id: string | null;
  issued_at: Date;
  revoked_at: Date | null;
  revocation_reason: RevocationReason | null;
  invalidity_date: Date | null;
}

interface CrlRow {
  ca_id: string;
  crl_number: bigint;
  this_update: Date;
  next_update: Date;
  crl: Uint8Array;
}

interface LoadedCa {
  readonly info: CaInfo;
  readonly identity: Promise<Identity>;
}

function floorSeconds(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

function randomSerial(): Uint8Array {
  const bytes = new Uint8Array(16); // 128 random bits (RFC 5280 asks for at least 64 and at most 20 octets)
  globalThis.crypto.getRandomValues(bytes);
  if (bytes.every((b) => b === 0)) bytes[15] = 1;
  return bytes;
}

const ISSUED_COLUMNS =
  'ca_id, serial_number, profile, certificate, registration_id, issued_at, revoked_at, revocation_reason, invalidity_date';

/**
 * The reference CA module (`certificates-local-ca`): a hierarchy of CAs (a root, intermediates under it)
 * kept in the party's store. Each CA's private key is stored as crypto's packed identity (an `ENCRYPTED
 * PRIVATE KEY` — PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC — with its certificate), encrypted under the
 * configured passphrase, and unlocked in memory on first use. Issuance applies the profiles with 128-bit
 * random serial numbers, a validity that never ends after the issuer's, and SKI/AKI; revocation keeps
 * RFC 5280 reasons; CRLs are numbered per CA. Every change (a CA, a certificate, a revocation, a CRL) is
 * one store transaction; `issue` joins a caller's transaction when given one (the RA's enrolment).
 *
 * @example
 * ```ts
 * import 'reflect-metadata';
 * import { openStore } from '@semper/store';
 * import { generateKeyPair } from '@semper/crypto';
 * import { createCertificationRequest, LocalCaCertificateModule } from '@semper/certificates';
 *
 * const store = await openStore('pglite:memory');
 * const ca = new LocalCaCertificateModule({ store, passphrase: 'correct horse battery staple' });
 * await ca.createRootCa({ caId: 'root', subject: 'CN=Hub Root CA, O=Hub, C=DE' });
 * await ca.createIntermediateCa({ caId: 'agencies', issuerCaId: 'root', subject: 'CN=Hub Agencies CA, O=Hub, C=DE' });
 * const keys = await generateKeyPair({ type: 'ec', curve: 'P-256' });
 * const request = await createCertificationRequest({ subject: 'CN=Agency 42, O=Hub, C=DE', keys });
 * const issued = await ca.issue({ caId: 'agencies', profile: 'agency', request });
 * console.log(issued.certificate.subject, issued.certificate.extendedKeyUsage);
 * ```
 */
export class LocalCaCertificateModule extends AbstractCertificateModule {
  readonly #store: Store;
  readonly #passphrase: string;
  readonly #clock: Clock;
  readonly #events: CertificatesEventSink | undefined;
  readonly #iterations: number | undefined;
  readonly #crlPeriodMs: number;
  readonly #cas = new Map<string, LoadedCa>();

  constructor(options: LocalCaModuleOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new CertificatesError('ERR_CERTIFICATES_INVALID_ARGUMENT', 'LocalCaCertificateModule needs options');
    }
    const profiles = options.profiles ?? CERTIFICATE_PROFILE_NAMES;
    super({
      id: options.id ?? 'certificates-local-ca',
      version: '1.0.0',
      block: 'certificates',
      capabilities: {
        profiles: [...profiles],
        keyTypes: ['ec', 'rsa', 'ed25519'],
        revocation: true,
        crl: true,
        hierarchy: true,
        transactional: true,
      },
      ...(options.jurisdictions ? { jurisdictions: options.jurisdictions } : {}),
    });
    if (typeof options.store?.transaction !== 'function') {
      throw new CertificatesError('ERR_CERTIFICATES_INVALID_ARGUMENT', 'LocalCaCertificateModule needs a store');
    }
    if (typeof options.passphrase !== 'string' || options.passphrase.length < 12) {
      throw new CertificatesError(
        'ERR_CERTIFICATES_INVALID_ARGUMENT',
        'the CA passphrase must be a string of at least 12 characters',
      );
    }
    const iterations = options.pbkdf2Iterations;
    if (iterations !== undefined && (!Number.isSafeInteger(iterations) || iterations < 10_000)) {
      throw new CertificatesError('ERR_CERTIFICATES_INVALID_ARGUMENT', 'pbkdf2Iterations must be at least 10000');
    }
    const hours = options.crlPeriodHours ?? 168;
    if (typeof hours !== 'number' || !Number.isFinite(hours) || hours <= 0 || hours > 24 * 366) {
      throw new CertificatesError('ERR_CERTIFICATES_INVALID_ARGUMENT', 'crlPeriodHours must be from 0 to 8784');
    }
    this.#store = options.store;
    this.#passphrase = options.passphrase;
    this.#clock = options.clock ?? new SystemClock();
    this.#events = options.events;
    this.#iterations = iterations;
    this.#crlPeriodMs = hours * 3_600_000;
  }

  // ---------------------------------------------------------------------------------------------------
  // CAs
  // ---------------------------------------------------------------------------------------------------

  protected override async onCreateRootCa(request: CreateRootCaRequest): Promise<CaInfo> {
    const keys = await generateKeyPair(request.key ?? { type: 'ec', curve: 'P-384' });
    const now = floorSeconds(this.#clock.now().getTime());
    const certificate = await issueCertificate(
      {
        subject: request.subject,
        publicKey: keys.publicKey,
        serialNumber: randomSerial(),
        notBefore: new Date(now - SKEW),
        notAfter: new Date(now + (request.validityDays ?? 3650) * DAY),
        basicConstraints: { ca: true, ...(request.pathLength !== undefined ? { pathLength: request.pathLength } : {}) },
        keyUsage: ['keyCertSign', 'cRLSign'],
      },
      { privateKey: keys.privateKey },
    );
    const identity: Identity = { privateKey: keys.privateKey, certificate, chain: [certificate] };
    const packed = await this.#pack(identity);
    await this.#transaction(async (db) => {
      await this.#assertNoCa(db, request.caId);
      await db.query(
        `INSERT INTO certificates_cas (module_id, ca_id, parent_ca_id, subject, certificate, identity_pem, created_at)
         VALUES ($1, $2, NULL, $3, $4, $5, $6)`,
        [this.id, request.caId, certificate.subject, certificate.der, packed, new Date(now)],
      );
    });
    const info: CaInfo = { caId: request.caId, certificate, chain: [certificate] };
    this.#cas.set(request.caId, { info, identity: Promise.resolve(identity) });
    publish(this.#events, {
      type: 'certificates.ca-created',
      moduleId: this.id,
      caId: request.caId,
      subject: certificate.subject,
    });
    return info;
  }

  protected override async onCreateIntermediateCa(request: CreateIntermediateCaRequest): Promise<CaInfo> {
    const keys = await generateKeyPair(request.key ?? { type: 'ec', curve: 'P-384' });
    await migrateCertificates(this.#store);
    const issuer = await this.#loadCa(this.#store, request.issuerCaId);
    const now = floorSeconds(this.#clock.now().getTime());
    const issuerCert = issuer.info.certificate;
    this.#checkUsable(issuer.info, now, true);
    await this.#checkNotRevoked(this.#store, issuer.info);
    const pathLength = request.pathLength ?? 0;
    const issuerPath = issuerCert.basicConstraints?.pathLength;
    if (issuerPath !== undefined && pathLength > issuerPath - 1) {
      throw new CertificatesError(
        'ERR_CERTIFICATES_CA_UNUSABLE',
        `CA '${request.issuerCaId}' allows a path length of at most ${issuerPath - 1} below it, not ${pathLength}`,
      );
    }
    const notBefore = Math.max(now - SKEW, issuerCert.notBefore.getTime());
    const wanted = now + (request.validityDays ?? 1825) * DAY;
    const notAfter = Math.min(wanted, issuerCert.notAfter.getTime());
    if (request.validityDays !== undefined && wanted > issuerCert.notAfter.getTime()) {
      throw new CertificatesError(
        'ERR_CERTIFICATES_VALIDITY',
        `${request.validityDays} days would end after the issuer's certificate (${issuerCert.notAfter.toISOString()})`,
      );
    }
    const issuerIdentity = await issuer.identity;
    const certificate = await issueCertificate(
      {
        subject: request.subject,
        publicKey: keys.publicKey,
        serialNumber: randomSerial(),
        notBefore: new Date(notBefore),
        notAfter: new Date(notAfter),
        basicConstraints: { ca: true, pathLength },
        keyUsage: ['keyCertSign', 'cRLSign'],
      },
      { privateKey: issuerIdentity.privateKey, certificate: issuerCert },
    );
    const chain = [certificate, ...issuer.info.chain];
    const identity: Identity = { privateKey: keys.privateKey, certificate, chain };
    const packed = await this.#pack(identity);
    const fingerprint = await certificate.fingerprint();
    await this.#transaction(async (db) => {
      await this.#assertNoCa(db, request.caId);
      await db.query(
        `INSERT INTO certificates_cas (module_id, ca_id, parent_ca_id, subject, certificate, identity_pem, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [this.id, request.caId, request.issuerCaId, certificate.subject, certificate.der, packed, new Date(now)],
      );
      await this.#insertIssued(db, request.issuerCaId, certificate, 'ca', fingerprint, new Date(now), undefined);
    });
    const info: CaInfo = { caId: request.caId, parentCaId: request.issuerCaId, certificate, chain };
    this.#cas.set(request.caId, { info, identity: Promise.resolve(identity) });
    publish(this.#events, {
      type: 'certificates.ca-created',
      moduleId: this.id,
      caId: request.caId,
      subject: certificate.subject,
      parentCaId: request.issuerCaId,
    });
    publish(this.#events, {
      type: 'certificates.issued',
      moduleId: this.id,
      caId: request.issuerCaId,
      serialNumber: certificate.serialNumber,
      subject: certificate.subject,
      profile: 'ca',
    });
    return info;
  }

  protected override async onGetCa(caId: string): Promise<CaInfo> {
    await migrateCertificates(this.#store);
    return (await this.#loadCa(this.#store, caId)).info;
  }

  protected override async onListCas(): Promise<readonly CaInfo[]> {
    await migrateCertificates(this.#store);
    const rows = await this.#store.query<{ ca_id: string }>(
      'SELECT ca_id FROM certificates_cas WHERE module_id = $1 ORDER BY created_at, ca_id',
      [this.id],
    );
    const out: CaInfo[] = [];
    for (const row of rows) out.push((await this.#loadCa(this.#store, row.ca_id)).info);
    // Roots first, then each CA after its parent.
    return out.sort((a, b) => a.chain.length - b.chain.length);
  }

  // ---------------------------------------------------------------------------------------------------
  // Issuance
  // ---------------------------------------------------------------------------------------------------

  protected override async onIssue(request: CheckedIssueRequest, context: IssueContext): Promise<IssuedCertificate> {
    const run = async (db: Queryable): Promise<IssuedCertificate> => {
      const ca = await this.#loadCa(db, request.caId);
      const now = floorSeconds(this.#clock.now().getTime());
      const caCert = ca.info.certificate;
      this.#checkUsable(ca.info, now, request.profile.basicConstraints.ca);
      await this.#checkNotRevoked(db, ca.info);
      const notBefore = Math.max(now - SKEW, caCert.notBefore.getTime());
      let notAfter: number;
      if (request.validityDays !== undefined) {
        notAfter = now + Math.round(request.validityDays * DAY);
        if (notAfter > caCert.notAfter.getTime()) {
          throw new CertificatesError(
            'ERR_CERTIFICATES_VALIDITY',
            `${request.validityDays} days would end after the issuer's certificate (${caCert.notAfter.toISOString()})`,
          );
        }
      } else {
        notAfter = Math.min(now + request.profile.defaultValidityDays * DAY, caCert.notAfter.getTime());
      }
      if (notAfter <= notBefore) {
        throw new CertificatesError('ERR_CERTIFICATES_VALIDITY', 'the issuer has no validity left to give');
      }
      const identity = await ca.identity;
      const certificate = await issueCertificate(
        {
          subject: request.subjectDer,
          publicKey: request.request.publicKey,
          serialNumber: randomSerial(),
          notBefore: new Date(notBefore),
          notAfter: new Date(notAfter),
          basicConstraints: request.profile.basicConstraints,
          keyUsage: request.keyUsage,
          ...(request.profile.extendedKeyUsage ? { extendedKeyUsage: request.profile.extendedKeyUsage } : {}),
          extensions: request.extensions,
        },
        { privateKey: identity.privateKey, certificate: caCert },
      );
      const issuedAt = new Date(now);
      await this.#insertIssued(
        db,
        request.caId,
        certificate,
        request.profile.name,
        await certificate.fingerprint(),
        issuedAt,
        request.registrationId,
      );
      return {
        moduleId: this.id,
        caId: request.caId,
        serialNumber: certificate.serialNumber,
        profile: request.profile.name,
        certificate,
        chain: [certificate, ...ca.info.chain.slice(0, -1)],
        issuedAt,
        ...(request.registrationId !== undefined ? { registrationId: request.registrationId } : {}),
      };
    };
    if (context.tx !== undefined) return run(context.tx);
    const issued = await this.#transaction(run);
    publish(this.#events, {
      type: 'certificates.issued',
      moduleId: this.id,
      caId: issued.caId,
      serialNumber: issued.serialNumber,
      subject: issued.certificate.subject,
      profile: issued.profile,
      ...(issued.registrationId !== undefined ? { registrationId: issued.registrationId } : {}),
    });
    return issued;
  }

  protected override async onGetCertificate(
    caId: string,
    serialNumber: string,
  ): Promise<CertificateRecord | undefined> {
    await migrateCertificates(this.#store);
    const [row] = await this.#store.query<IssuedRow>(
      `SELECT ${ISSUED_COLUMNS} FROM certificates_issued WHERE module_id = $1 AND ca_id = $2 AND serial_number = $3`,
      [this.id, caId, serialNumber],
    );
    return row === undefined ? undefined : this.#record(row);
  }

  protected override async onListCertificates(
    query: CertificateQuery & { readonly limit: number },
  ): Promise<readonly CertificateRecord[]> {
    await migrateCertificates(this.#store);
    const where = ['module_id = $1'];
    const params: unknown[] = [this.id];
    if (query.caId !== undefined) {
      params.push(query.caId);
      where.push(`ca_id = $${params.length}`);
    }
    if (query.profile !== undefined) {
      params.push(query.profile);
      where.push(`profile = $${params.length}`);
    }
    if (query.revoked !== undefined) where.push(query.revoked ? 'revoked_at IS NOT NULL' : 'revoked_at IS NULL');
    params.push(query.limit);
    const rows = await this.#store.query<IssuedRow>(
      `SELECT ${ISSUED_COLUMNS} FROM certificates_issued WHERE ${where.join(' AND ')}
       ORDER BY issued_at DESC, serial_number LIMIT $${params.length}`,
      params,
    );
    const out: CertificateRecord[] = [];
    for (const row of rows) out.push(await this.#record(row));
    return out;
  }

  // ---------------------------------------------------------------------------------------------------
  // Revocation and CRLs
  // ---------------------------------------------------------------------------------------------------

  protected override async onRevoke(
    request: RevokeRequest & { readonly reason: RevocationReason },
  ): Promise<Revocation> {
    const revocation = await this.#transaction(async (db) => {
      const [row] = await db.query<{ revoked_at: Date | null; revocation_reason: RevocationReason | null }>(
        `SELECT revoked_at, revocation_reason FROM certificates_issued
         WHERE module_id = $1 AND ca_id = $2 AND serial_number = $3 FOR UPDATE`,
        [this.id, request.caId, request.serialNumber],
      );
      if (row === undefined) throw this.#notFound(request.caId, request.serialNumber);
      let revokedAt = new Date(floorSeconds(this.#clock.now().getTime()));
      if (row.revoked_at !== null) {
        if (row.revocation_reason !== 'certificateHold' || request.reason === 'certificateHold') {
          throw new CertificatesError(
            'ERR_CERTIFICATES_ALREADY_REVOKED',
            `certificate ${request.serialNumber} of CA '${request.caId}' is already revoked (${row.revocation_reason})`,
          );
        }
        revokedAt = row.revoked_at; // a hold made final keeps the date of the hold
      }
      await db.query(
        `UPDATE certificates_issued SET revoked_at = $4, revocation_reason = $5, invalidity_date = $6
         WHERE module_id = $1 AND ca_id = $2 AND serial_number = $3`,
        [this.id, request.caId, request.serialNumber, revokedAt, request.reason, request.invalidityDate ?? null],
      );
      const result: Revocation = {
        caId: request.caId,
        serialNumber: request.serialNumber,
        revokedAt,
        reason: request.reason,
        ...(request.invalidityDate ? { invalidityDate: request.invalidityDate } : {}),
      };
      return result;
    });
    publish(this.#events, {
      type: 'certificates.revoked',
      moduleId: this.id,
      caId: revocation.caId,
      serialNumber: revocation.serialNumber,
      reason: revocation.reason,
    });
    return revocation;
  }

  protected override async onReleaseHold(caId: string, serialNumber: string): Promise<void> {
    await this.#transaction(async (db) => {
      const [row] = await db.query<{ revocation_reason: RevocationReason | null }>(
        `SELECT revocation_reason FROM certificates_issued
         WHERE module_id = $1 AND ca_id = $2 AND serial_number = $3 FOR UPDATE`,
        [this.id, caId, serialNumber],
      );
      if (row === undefined) throw this.#notFound(caId, serialNumber);
      if (row.revocation_reason === null) {
        throw new CertificatesError('ERR_CERTIFICATES_INVALID_ARGUMENT', `certificate ${serialNumber} is not on hold`);
      }
      if (row.revocation_reason !== 'certificateHold') {
        throw new CertificatesError(
          'ERR_CERTIFICATES_ALREADY_REVOKED',
          `certificate ${serialNumber} is revoked (${row.revocation_reason}), not on hold`,
        );
      }
      await db.query(
        `UPDATE certificates_issued SET revoked_at = NULL, revocation_reason = NULL, invalidity_date = NULL
         WHERE module_id = $1 AND ca_id = $2 AND serial_number = $3`,
        [this.id, caId, serialNumber],
      );
    });
    publish(this.#events, { type: 'certificates.hold-released', moduleId: this.id, caId, serialNumber });
  }

  protected override async onIssueCrl(request: CrlRequest): Promise<IssuedCrl> {
    const crl = await this.#transaction(async (db) => {
      const ca = await this.#loadCa(db, request.caId);
      const now = floorSeconds(this.#clock.now().getTime());
      const thisUpdate = new Date(now);
      const nextUpdate = request.nextUpdate ?? new Date(now + this.#crlPeriodMs);
      if (nextUpdate.getTime() <= now) {
        throw new CertificatesError('ERR_CERTIFICATES_INVALID_ARGUMENT', 'nextUpdate must be after now');
      }
      // Taking the next number locks the CA's row: CRLs of one CA are issued one at a time.
      const [numbered] = await db.query<{ crl_number: bigint }>(
        `UPDATE certificates_cas SET crl_number = crl_number + 1 WHERE module_id = $1 AND ca_id = $2
         RETURNING crl_number`,
        [this.id, request.caId],
      );
      const crlNumber = numbered!.crl_number;
      const revoked = await db.query<{
        serial_number: string;
        revoked_at: Date;
        revocation_reason: RevocationReason;
        invalidity_date: Date | null;
      }>(
        `SELECT serial_number, revoked_at, revocation_reason, invalidity_date FROM certificates_issued
         WHERE module_id = $1 AND ca_id = $2 AND revoked_at IS NOT NULL ORDER BY revoked_at, serial_number`,
        [this.id, request.caId],
      );
      const identity = await ca.identity;
      const issued = await issueCrl({
        issuer: { privateKey: identity.privateKey, certificate: ca.info.certificate },
        entries: revoked.map((r) => ({
          serialNumber: r.serial_number,
          revocationDate: r.revoked_at,
          reason: r.revocation_reason,
          ...(r.invalidity_date ? { invalidityDate: r.invalidity_date } : {}),
        })),
        thisUpdate,
        nextUpdate,
        crlNumber,
      });
      await db.query(
        `INSERT INTO certificates_crls (module_id, ca_id, crl_number, this_update, next_update, crl)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [this.id, request.caId, crlNumber, thisUpdate, nextUpdate, issued.der],
      );
      return crlOf(request.caId, crlNumber, thisUpdate, nextUpdate, issued);
    });
    publish(this.#events, {
      type: 'certificates.crl-issued',
      moduleId: this.id,
      caId: crl.caId,
      crlNumber: crl.crlNumber,
    });
    return crl;
  }

  protected override async onLatestCrl(caId: string): Promise<IssuedCrl | undefined> {
    await migrateCertificates(this.#store);
    const [row] = await this.#store.query<CrlRow>(
      `SELECT ca_id, crl_number, this_update, next_update, crl FROM certificates_crls
       WHERE module_id = $1 AND ca_id = $2 ORDER BY crl_number DESC LIMIT 1`,
      [this.id, caId],
    );
    return row === undefined
      ? undefined
      : crlOf(row.ca_id, row.crl_number, row.this_update, row.next_update, CertificateRevocationList.fromDer(row.crl));
  }

  // ---------------------------------------------------------------------------------------------------
  // Internals
  // ---------------------------------------------------------------------------------------------------

  async #transaction<T>(fn: (db: Queryable) => Promise<T>): Promise<T> {
    await migrateCertificates(this.#store);
    return this.#store.transaction(fn);
  }

  async #pack(identity: Identity): Promise<string> {
    return packIdentity(identity, this.#passphrase, this.#iterations ? { iterations: this.#iterations } : {});
  }

  async #assertNoCa(db: Queryable, caId: string): Promise<void> {
    const [row] = await db.query('SELECT 1 FROM certificates_cas WHERE module_id = $1 AND ca_id = $2', [this.id, caId]);
    if (row !== undefined) {
      throw new CertificatesError('ERR_CERTIFICATES_CA_EXISTS', `module '${this.id}' already has a CA '${caId}'`);
    }
  }

  async #insertIssued(
    db: Queryable,
    caId: string,
    certificate: Certificate,
    profile: CertificateProfileName,
    fingerprint: string,
    issuedAt: Date,
    registrationId: string | undefined,
  ): Promise<void> {
    // A second certificate for one registration violates certificates_issued_registration (23505): the RA's
    // row lock makes that impossible, the index makes it impossible even for a caller that forgets the lock.
    await db.query(
      `INSERT INTO certificates_issued (module_id, ca_id, serial_number, subject, profile, not_before, not_after,
         fingerprint, certificate, registration_id, issued_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        this.id,
        caId,
        certificate.serialNumber,
        certificate.subject,
        profile,
        certificate.notBefore,
        certificate.notAfter,
        fingerprint,
        certificate.der,
        registrationId ?? null,
        issuedAt,
      ],
    );
  }

  /** A CA (and its parents), from the cache or the store; the key is unlocked lazily, once. */
  async #loadCa(db: Queryable, caId: string): Promise<LoadedCa> {
    checkCaId(caId);
    const cached = this.#cas.get(caId);
    if (cached !== undefined) return cached;
    const [row] = await db.query<CaRow>(
      `SELECT ca_id, parent_ca_id, certificate, identity_pem FROM certificates_cas WHERE module_id = $1 AND ca_id = $2`,
      [this.id, caId],
    );
    if (row === undefined) {
      throw new CertificatesError('ERR_CERTIFICATES_UNKNOWN_CA', `module '${this.id}' has no CA '${caId}'`);
    }
    const certificate = Certificate.fromDer(row.certificate);
    const parent = row.parent_ca_id === null ? undefined : await this.#loadCa(db, row.parent_ca_id);
    const info: CaInfo = {
      caId,
      ...(row.parent_ca_id !== null ? { parentCaId: row.parent_ca_id } : {}),
      certificate,
      chain: [certificate, ...(parent?.info.chain ?? [])],
    };
    const passphrase = this.#passphrase;
    let identity: Promise<Identity> | undefined;
    const loaded: LoadedCa = {
      info,
      get identity(): Promise<Identity> {
        identity ??= unlock(row.identity_pem, passphrase, certificate, caId).catch((err: unknown) => {
          identity = undefined;
          throw err;
        });
        return identity;
      },
    };
    this.#cas.set(caId, loaded);
    return loaded;
  }

  #checkUsable(ca: CaInfo, now: number, issuesCa: boolean): void {
    const cert = ca.certificate;
    if (!cert.isValidAt(new Date(now))) {
      throw new CertificatesError(
        'ERR_CERTIFICATES_CA_UNUSABLE',
        `CA '${ca.caId}' is not valid now (valid ${cert.notBefore.toISOString()} to ${cert.notAfter.toISOString()})`,
      );
    }
    if (issuesCa && cert.basicConstraints?.pathLength === 0) {
      throw new CertificatesError(
        'ERR_CERTIFICATES_CA_UNUSABLE',
        `CA '${ca.caId}' has path length 0: it may not certify another CA`,
      );
    }
  }

  /** A CA whose certificate its parent revoked (or put on hold) issues nothing. */
  async #checkNotRevoked(db: Queryable, ca: CaInfo): Promise<void> {
    for (let info: CaInfo | undefined = ca; info?.parentCaId !== undefined; ) {
      const [row] = await db.query<{ revocation_reason: string | null }>(
        `SELECT revocation_reason FROM certificates_issued WHERE module_id = $1 AND ca_id = $2 AND serial_number = $3`,
        [this.id, info.parentCaId, info.certificate.serialNumber],
      );
      if (row?.revocation_reason != null) {
        throw new CertificatesError(
          'ERR_CERTIFICATES_CA_UNUSABLE',
          `the certificate of CA '${info.caId}' is revoked (${row.revocation_reason})${info === ca ? '' : `, so CA '${ca.caId}' below it cannot issue`}`,
        );
      }
      info = this.#cas.get(info.parentCaId)?.info;
    }
  }

  async #record(row: IssuedRow): Promise<CertificateRecord> {
    const ca = await this.#loadCa(this.#store, row.ca_id);
    const certificate = Certificate.fromDer(row.certificate);
    return {
      moduleId: this.id,
      caId: row.ca_id,
      serialNumber: row.serial_number,
      profile: row.profile,
      certificate,
      chain: [certificate, ...ca.info.chain.slice(0, -1)],
      issuedAt: row.issued_at,
      ...(row.registration_id !== null ? { registrationId: row.registration_id } : {}),
      ...(row.revoked_at !== null
        ? {
            revocation: {
              caId: row.ca_id,
              serialNumber: row.serial_number,
              revokedAt: row.revoked_at,
              reason: row.revocation_reason as RevocationReason,
              ...(row.invalidity_date ? { invalidityDate: row.invalidity_date } : {}),
            },
          }
        : {}),
    };
  }

  #notFound(caId: string, serialNumber: string): CertificatesError {
    return new CertificatesError(
      'ERR_CERTIFICATES_NOT_FOUND',
      `CA '${caId}' of module '${this.id}' issued no certificate ${serialNumber}`,
    );
  }
}

async function unlock(packed: string, passphrase: string, certificate: Certificate, caId: string): Promise<Identity> {
  let identity: Identity;
  try {
    identity = await unpackIdentity(packed, passphrase);
  } catch (err) {
    const why =
      err instanceof CryptoError && err.code === 'ERR_CRYPTO_BAD_PASSPHRASE' ? 'wrong passphrase' : 'corrupt record';
    throw new CertificatesError(
      'ERR_CERTIFICATES_CA_KEY_UNAVAILABLE',
      `the key of CA '${caId}' cannot be unlocked (${why})`,
      {
        cause: err,
      },
    );
  }
  if (!identity.certificate.equals(certificate)) {
    throw new CertificatesError(
      'ERR_CERTIFICATES_CA_KEY_UNAVAILABLE',
      `the key record of CA '${caId}' is not its certificate's`,
    );
  }
  return identity;
}

function crlOf(
  caId: string,
  crlNumber: bigint,
  thisUpdate: Date,
  nextUpdate: Date,
  crl: CertificateRevocationList,
): IssuedCrl {
  return { caId, crlNumber, thisUpdate, nextUpdate, der: crl.der, pem: crl.toPem(), crl };
}
