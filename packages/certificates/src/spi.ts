/**
 * `@semper/certificates/spi`: what a CA module writer needs. A CA module extends
 * {@link AbstractCertificateModule}, which checks every request (the profile, the proof of possession,
 * the key, the validity, the names) before it calls the module's `on*` hook, so that every module, the
 * reference one and third-party ones alike, refuses the same bad requests with the same typed errors.
 * `@semper/certificates/testing` is the conformance suite a module runs in its own tests.
 *
 * @packageDocumentation
 */
import { UnsupportedOperationError } from '@semper/core';
import { AbstractServiceModule, type ModuleDescriptor, type ServiceModule } from '@semper/core/spi';
import type { Certificate, CertificateExtension, KeySpec, KeyType, KeyUsageName } from '@semper/crypto';
import type { Queryable } from '@semper/store';
import { CertificationRequest } from './certification-request.js';
import { checkCaId, normalizeSerial, subjectNameDer } from './checks.js';
import { CertificatesError } from './errors.js';
import {
  CERTIFICATE_PROFILE_NAMES,
  type CertificateProfile,
  type CertificateProfileName,
  getCertificateProfile,
  profileKeyUsage,
} from './profiles.js';
import type { CertificateRevocationList, RevocationReason } from './crl.js';
import { isRevocationReason } from './revocation.js';
import { checkSubjectAltNames, type SubjectAltNames, subjectAltNameExtension } from './subject-alt-names.js';

/**
 * The block every CA module serves.
 *
 * @example
 * ```ts
 * import { CERTIFICATES_BLOCK } from '@semper/certificates/spi';
 * CERTIFICATES_BLOCK; // 'certificates'
 * ```
 */
export const CERTIFICATES_BLOCK = 'certificates';

/**
 * What a CA module declares it can do.
 *
 * @example
 * ```ts
 * import type { CertificateModuleCapabilities } from '@semper/certificates/spi';
 * const caps: CertificateModuleCapabilities = {
 *   profiles: ['signing', 'encryption'], keyTypes: ['ec', 'rsa'],
 *   revocation: true, crl: true, hierarchy: false, transactional: false,
 * };
 * ```
 */
export interface CertificateModuleCapabilities {
  readonly [capability: string]: unknown;
  /** The profiles it issues. */
  readonly profiles: readonly CertificateProfileName[];
  /** The key types it certifies. */
  readonly keyTypes: readonly KeyType[];
  /** Whether it revokes. */
  readonly revocation: boolean;
  /** Whether it issues CRLs. */
  readonly crl: boolean;
  /** Whether it creates root and intermediate CAs itself. */
  readonly hierarchy: boolean;
  /**
   * Whether `issue` can join a caller's transaction on the party's store ({@link IssueContext.tx}); the
   * RA's enrolment needs it (check the secret, issue, mark it used: one transaction).
   */
  readonly transactional: boolean;
}

/**
 * A CA module's descriptor (block `certificates`).
 *
 * @example
 * ```ts
 * import type { CertificateModuleDescriptor } from '@semper/certificates/spi';
 * const d: CertificateModuleDescriptor = {
 *   id: 'certificates-acme', version: '1.0.0', block: 'certificates',
 *   capabilities: { profiles: ['signing'], keyTypes: ['ec'], revocation: true, crl: false, hierarchy: false, transactional: false },
 * };
 * ```
 */
export type CertificateModuleDescriptor = ModuleDescriptor<CertificateModuleCapabilities>;

/**
 * A CA of a module: its id, its certificate and the chain up to its root.
 *
 * @example
 * ```ts
 * import type { CaInfo } from '@semper/certificates/spi';
 * const show = (ca: CaInfo) => `${ca.caId}: ${ca.certificate.subject} (${ca.parentCaId ?? 'root'})`;
 * ```
 */
export interface CaInfo {
  readonly caId: string;
  /** The CA that issued this CA's certificate; undefined for a root. */
  readonly parentCaId?: string;
  readonly certificate: Certificate;
  /** This CA's certificate first, its root last. */
  readonly chain: readonly Certificate[];
}

/**
 * A request to create a root CA.
 *
 * @example
 * ```ts
 * import type { CreateRootCaRequest } from '@semper/certificates/spi';
 * const r: CreateRootCaRequest = { caId: 'root', subject: 'CN=Hub Root CA, O=Hub, C=DE', key: { type: 'ec', curve: 'P-384' } };
 * ```
 */
export interface CreateRootCaRequest {
  /** Lower-case letters, digits, `.`, `_` and `-`, at most 64 characters. */
  readonly caId: string;
  readonly subject: string;
  /** Default EC P-384. */
  readonly key?: KeySpec;
  /** Default 3650. */
  readonly validityDays?: number;
  /** basicConstraints pathLenConstraint; absent: unlimited. */
  readonly pathLength?: number;
}

/**
 * A request to create an intermediate CA under a CA of the same module.
 *
 * @example
 * ```ts
 * import type { CreateIntermediateCaRequest } from '@semper/certificates/spi';
 * const r: CreateIntermediateCaRequest = { caId: 'agencies', issuerCaId: 'root', subject: 'CN=Hub Agencies CA, O=Hub, C=DE' };
 * ```
 */
export interface CreateIntermediateCaRequest extends CreateRootCaRequest {
  readonly issuerCaId: string;
  /** Default 1825, cut at the issuer's notAfter. */
  readonly validityDays?: number;
  /** Default 0: it issues end-entity certificates only. */
  readonly pathLength?: number;
}

/**
 * A request to issue a certificate from a certification request.
 *
 * @example
 * ```ts
 * import type { IssueRequest } from '@semper/certificates/spi';
 * const r: IssueRequest = { caId: 'agencies', profile: 'agency', request: csrPem, subject: 'CN=Agency 42, O=Hub, C=DE' };
 * ```
 */
export interface IssueRequest {
  /** The issuing CA. */
  readonly caId: string;
  readonly profile: CertificateProfileName;
  /** The PKCS#10 request: parsed, DER or PEM. Its proof of possession is checked. */
  readonly request: CertificationRequest | Uint8Array | string;
  /**
   * The subject to certify (an RFC 4514 string or the DER of a Name); default: the request's subject as
   * encoded. The RA passes the registered subject.
   */
  readonly subject?: string | Uint8Array;
  /** Subject alternative names to certify (never taken from the request). */
  readonly subjectAltNames?: SubjectAltNames;
  /**
   * Validity in days (at most the profile's maximum). It must end by the issuer's notAfter; without it
   * the profile's default applies, cut at the issuer's notAfter.
   */
  readonly validityDays?: number;
  /** The RA registration this issuance fulfils (recorded with the certificate). */
  readonly registrationId?: string;
}

/**
 * Where an issuance runs.
 *
 * @example
 * ```ts
 * import type { IssueContext } from '@semper/certificates/spi';
 * await store.transaction(async (tx) => {
 *   const context: IssueContext = { tx };
 *   await module.issue(request, context);
 * });
 * ```
 */
export interface IssueContext {
  /**
   * A transaction on the party's store (the store the module was given): the module writes everything
   * about the issuance through it, so it commits or rolls back with the caller's work, and publishes no
   * event (the caller does, after its commit). Only for modules with `capabilities.transactional`.
   */
  readonly tx?: Queryable;
}

/**
 * A request after {@link AbstractCertificateModule.checkIssue}: what an `onIssue` hook gets.
 *
 * @example
 * ```ts
 * import type { CheckedIssueRequest } from '@semper/certificates/spi';
 * const describe = (r: CheckedIssueRequest) => `${r.profile.name} for ${r.request.subject}`;
 * ```
 */
export interface CheckedIssueRequest {
  readonly caId: string;
  readonly profile: CertificateProfile;
  /** Parsed, and its proof of possession verified. */
  readonly request: CertificationRequest;
  /** The DER of the subject to write. */
  readonly subjectDer: Uint8Array;
  /** The keyUsage the profile gives the request's key. */
  readonly keyUsage: readonly KeyUsageName[];
  /** Further extensions to write (the subjectAltName, when names were given). */
  readonly extensions: readonly CertificateExtension[];
  readonly subjectAltNames?: SubjectAltNames;
  /** As requested (checked against the profile's maximum); undefined: the profile's default. */
  readonly validityDays?: number;
  readonly registrationId?: string;
}

/**
 * A certificate a CA module issued.
 *
 * @example
 * ```ts
 * import type { IssuedCertificate } from '@semper/certificates/spi';
 * const save = (issued: IssuedCertificate) => [issued.certificate, ...issued.chain.slice(1)].map((c) => c.toPem()).join('');
 * ```
 */
export interface IssuedCertificate {
  readonly moduleId: string;
  readonly caId: string;
  /** Lower-case hex, as `Certificate.serialNumber`. */
  readonly serialNumber: string;
  readonly profile: CertificateProfileName;
  readonly certificate: Certificate;
  /** The certificate first, then the issuing CA and its intermediates (the root is left out). */
  readonly chain: readonly Certificate[];
  readonly issuedAt: Date;
  readonly registrationId?: string;
}

/**
 * A revocation (RFC 5280 §5.3).
 *
 * @example
 * ```ts
 * import type { Revocation } from '@semper/certificates/spi';
 * const line = (r: Revocation) => `${r.serialNumber} ${r.reason} ${r.revokedAt.toISOString()}`;
 * ```
 */
export interface Revocation {
  readonly caId: string;
  readonly serialNumber: string;
  readonly revokedAt: Date;
  readonly reason: RevocationReason;
  /** When the key is known or suspected to have been compromised (RFC 5280 §5.3.2). */
  readonly invalidityDate?: Date;
}

/**
 * What a module knows of a certificate it issued.
 *
 * @example
 * ```ts
 * import type { CertificateRecord } from '@semper/certificates/spi';
 * const isRevoked = (r: CertificateRecord) => r.revocation !== undefined;
 * ```
 */
export interface CertificateRecord extends IssuedCertificate {
  /** Present when the certificate is revoked (or on hold). */
  readonly revocation?: Revocation;
}

/**
 * A request to revoke.
 *
 * @example
 * ```ts
 * import type { RevokeRequest } from '@semper/certificates/spi';
 * const r: RevokeRequest = { caId: 'agencies', serialNumber: '5f3a…', reason: 'keyCompromise' };
 * ```
 */
export interface RevokeRequest {
  readonly caId: string;
  readonly serialNumber: string;
  /** Default `unspecified`; `removeFromCRL` is refused (see `releaseHold`). */
  readonly reason?: RevocationReason;
  readonly invalidityDate?: Date;
}

/**
 * A request for a CRL.
 *
 * @example
 * ```ts
 * import type { CrlRequest } from '@semper/certificates/spi';
 * const r: CrlRequest = { caId: 'agencies', nextUpdate: new Date(Date.now() + 86_400_000) };
 * ```
 */
export interface CrlRequest {
  readonly caId: string;
  /** When the next CRL is due; default: the module's CRL period after now. */
  readonly nextUpdate?: Date;
}

/**
 * A CRL a CA issued.
 *
 * @example
 * ```ts
 * import type { IssuedCrl } from '@semper/certificates/spi';
 * const file = (crl: IssuedCrl) => `${crl.caId}-${crl.crlNumber}.crl`;
 * ```
 */
export interface IssuedCrl {
  readonly caId: string;
  readonly crlNumber: bigint;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  /** The DER of the CertificateList. */
  readonly der: Uint8Array;
  /** The PEM form (`X509 CRL`), as `openssl crl` reads it. */
  readonly pem: string;
  /** The CRL, parsed. */
  readonly crl: CertificateRevocationList;
}

/**
 * A query of issued certificates.
 *
 * @example
 * ```ts
 * import type { CertificateQuery } from '@semper/certificates/spi';
 * const q: CertificateQuery = { caId: 'agencies', revoked: true, limit: 100 };
 * ```
 */
export interface CertificateQuery {
  readonly caId?: string;
  /** true: revoked (or on hold) only; false: not revoked only. */
  readonly revoked?: boolean;
  readonly profile?: CertificateProfileName;
  /** Default 1000, at most 10,000. */
  readonly limit?: number;
}

/**
 * A CA module: what the {@link CertificateModuleDescriptor} declares, behind the operations the
 * `CertificateManager` routes to. Modules extend {@link AbstractCertificateModule} rather than
 * implement this by hand.
 *
 * @example
 * ```ts
 * import type { CertificateModule } from '@semper/certificates/spi';
 * declare const module: CertificateModule;
 * const issued = await module.issue({ caId: 'agencies', profile: 'signing', request: csrPem });
 * ```
 */
export interface CertificateModule extends ServiceModule<CertificateModuleDescriptor> {
  createRootCa(request: CreateRootCaRequest): Promise<CaInfo>;
  createIntermediateCa(request: CreateIntermediateCaRequest): Promise<CaInfo>;
  getCa(caId: string): Promise<CaInfo>;
  listCas(): Promise<readonly CaInfo[]>;
  issue(request: IssueRequest, context?: IssueContext): Promise<IssuedCertificate>;
  getCertificate(caId: string, serialNumber: string): Promise<CertificateRecord | undefined>;
  listCertificates(query?: CertificateQuery): Promise<readonly CertificateRecord[]>;
  revoke(request: RevokeRequest): Promise<Revocation>;
  releaseHold(caId: string, serialNumber: string): Promise<void>;
  issueCrl(request: CrlRequest): Promise<IssuedCrl>;
  latestCrl(caId: string): Promise<IssuedCrl | undefined>;
}

const KEY_TYPES: readonly KeyType[] = ['ec', 'rsa', 'ed25519'];

function invalid(message: string): never {
  throw new CertificatesError('ERR_CERTIFICATES_INVALID_ARGUMENT', message);
}

function checkDays(days: unknown, what: string, max: number): number | undefined {
  if (days === undefined) return undefined;
  if (typeof days !== 'number' || !Number.isFinite(days) || days <= 0) {
    throw new CertificatesError('ERR_CERTIFICATES_VALIDITY', `${what} must be a positive number of days`);
  }
  if (days > max) {
    throw new CertificatesError('ERR_CERTIFICATES_VALIDITY', `${what} of ${days} days exceeds the maximum of ${max}`);
  }
  return days;
}

function checkDate(d: unknown, what: string): Date | undefined {
  if (d === undefined) return undefined;
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) invalid(`${what} must be a valid Date`);
  return d;
}

function checkCaRequest(request: CreateRootCaRequest, what: string): void {
  if (typeof request !== 'object' || request === null) invalid(`${what} needs a request object`);
  checkCaId(request.caId);
  if (typeof request.subject !== 'string' || request.subject.trim() === '') invalid(`${what}: subject is required`);
  subjectNameDer(request.subject, 'subject');
  checkDays(request.validityDays, 'validityDays', 36_500);
  if (request.pathLength !== undefined && (!Number.isSafeInteger(request.pathLength) || request.pathLength < 0)) {
    invalid(`${what}: pathLength must be a non-negative integer`);
  }
}

/**
 * The base of every CA module, and the CA module writer's guide. Each public operation **checks, then
 * calls a hook**: the base validates the request and the module's declared capabilities, then calls the
 * protected `on*` hook the concrete module overrides. A hook that is not overridden throws
 * `UnsupportedOperationError` (`ERR_CORE_UNSUPPORTED_OPERATION`).
 *
 * What the base guarantees before `onIssue` runs (so a module never sees, and never issues for):
 * - a profile that is not one of {@link CERTIFICATE_PROFILE_NAMES} or that the module does not declare
 *   (`ERR_CERTIFICATES_UNKNOWN_PROFILE`);
 * - a malformed request (`ERR_CERTIFICATES_MALFORMED`), a refused signature algorithm
 *   (`ERR_CERTIFICATES_UNSUPPORTED_ALGORITHM`), a request not signed with its own key
 *   (`ERR_CERTIFICATES_POP_FAILED`);
 * - a key type the module or the profile does not certify (`ERR_CERTIFICATES_UNSUPPORTED_KEY`);
 * - a validity beyond the profile's maximum (`ERR_CERTIFICATES_VALIDITY`), a bad subject or
 *   alternative name (`ERR_CERTIFICATES_INVALID_ARGUMENT`);
 * - a caller transaction given to a module that cannot join one (`UnsupportedOperationError`).
 *
 * What `onIssue` must do: apply the profile (`request.keyUsage`, `profile.extendedKeyUsage`,
 * `profile.basicConstraints`, `request.extensions`), a random serial number of at least 64 bits (the
 * reference module uses 128), a validity that does not end after the issuer's certificate, the subject
 * and authority key identifiers; record the certificate; and, with `context.tx`, write only through it.
 *
 * @example
 * ```ts
 * import { AbstractCertificateModule, type CheckedIssueRequest, type IssuedCertificate } from '@semper/certificates/spi';
 * import { issueCertificate, type Identity } from '@semper/crypto';
 *
 * // A minimal module over one in-memory CA identity: issues, but neither revokes nor keeps records.
 * class MemoryCertificateModule extends AbstractCertificateModule {
 *   constructor(private readonly ca: Identity) {
 *     super({
 *       id: 'certificates-memory', version: '1.0.0', block: 'certificates',
 *       capabilities: { profiles: ['signing'], keyTypes: ['ec'], revocation: false, crl: false, hierarchy: false, transactional: false },
 *     });
 *   }
 *   protected override async onIssue(r: CheckedIssueRequest): Promise<IssuedCertificate> {
 *     const certificate = await issueCertificate(
 *       {
 *         subject: r.subjectDer, publicKey: r.request.publicKey, keyUsage: r.keyUsage,
 *         extendedKeyUsage: r.profile.extendedKeyUsage, basicConstraints: r.profile.basicConstraints,
 *         notAfter: new Date(Math.min(Date.now() + 86_400_000 * 365, this.ca.certificate.notAfter.getTime())),
 *       },
 *       { privateKey: this.ca.privateKey, certificate: this.ca.certificate },
 *     );
 *     return {
 *       moduleId: this.id, caId: r.caId, serialNumber: certificate.serialNumber, profile: r.profile.name,
 *       certificate, chain: [certificate, this.ca.certificate], issuedAt: new Date(),
 *     };
 *   }
 * }
 * ```
 */
export abstract class AbstractCertificateModule
  extends AbstractServiceModule<CertificateModuleDescriptor>
  implements CertificateModule
{
  protected constructor(descriptor: CertificateModuleDescriptor) {
    if (descriptor?.block !== CERTIFICATES_BLOCK) {
      throw new CertificatesError(
        'ERR_CERTIFICATES_INVALID_ARGUMENT',
        `a CA module serves block '${CERTIFICATES_BLOCK}', not '${String(descriptor?.block)}'`,
      );
    }
    const c = descriptor.capabilities as Partial<CertificateModuleCapabilities> | undefined;
    if (
      !Array.isArray(c?.profiles) ||
      c.profiles.some((p) => !CERTIFICATE_PROFILE_NAMES.includes(p)) ||
      !Array.isArray(c.keyTypes) ||
      c.keyTypes.some((k) => !KEY_TYPES.includes(k)) ||
      typeof c.revocation !== 'boolean' ||
      typeof c.crl !== 'boolean' ||
      typeof c.hierarchy !== 'boolean' ||
      typeof c.transactional !== 'boolean'
    ) {
      throw new CertificatesError(
        'ERR_CERTIFICATES_INVALID_ARGUMENT',
        `module '${String(descriptor.id)}': capabilities need profiles, keyTypes, revocation, crl, hierarchy and transactional`,
      );
    }
    super(descriptor);
  }

  /**
   * Creates a root CA (self-signed; keyCertSign and cRLSign; CA:TRUE). Needs `capabilities.hierarchy`.
   *
   * @throws {@link CertificatesError} `ERR_CERTIFICATES_CA_EXISTS` for a CA id in use.
   *
   * @example
   * ```ts
   * const root = await module.createRootCa({ caId: 'root', subject: 'CN=Hub Root CA, O=Hub, C=DE' });
   * ```
   */
  async createRootCa(request: CreateRootCaRequest): Promise<CaInfo> {
    this.checkCreateRootCa(request);
    return this.onCreateRootCa(request);
  }

  /**
   * Creates an intermediate CA certified by CA `issuerCaId` of this module. Needs `capabilities.hierarchy`.
   *
   * @throws {@link CertificatesError} `ERR_CERTIFICATES_UNKNOWN_CA`, `ERR_CERTIFICATES_CA_EXISTS`,
   * `ERR_CERTIFICATES_CA_UNUSABLE` (the issuer's path length allows no further CA, or it is not valid now).
   *
   * @example
   * ```ts
   * const agencies = await module.createIntermediateCa({ caId: 'agencies', issuerCaId: 'root', subject: 'CN=Hub Agencies CA' });
   * ```
   */
  async createIntermediateCa(request: CreateIntermediateCaRequest): Promise<CaInfo> {
    this.checkCreateIntermediateCa(request);
    return this.onCreateIntermediateCa(request);
  }

  /**
   * The CA with this id.
   *
   * @throws {@link CertificatesError} `ERR_CERTIFICATES_UNKNOWN_CA`.
   *
   * @example
   * ```ts
   * const { certificate, chain } = await module.getCa('agencies');
   * ```
   */
  async getCa(caId: string): Promise<CaInfo> {
    checkCaId(caId);
    return this.onGetCa(caId);
  }

  /**
   * Every CA of the module, roots first.
   *
   * @example
   * ```ts
   * for (const ca of await module.listCas()) console.log(ca.caId, ca.certificate.subject);
   * ```
   */
  async listCas(): Promise<readonly CaInfo[]> {
    return this.onListCas();
  }

  /**
   * Issues a certificate from a certification request under a profile: checks the request (see the class
   * documentation), then calls `onIssue`.
   *
   * @example
   * ```ts
   * const issued = await module.issue({ caId: 'agencies', profile: 'agency', request: csrPem });
   * console.log(issued.certificate.serialNumber, issued.certificate.keyUsage);
   * ```
   */
  async issue(request: IssueRequest, context: IssueContext = {}): Promise<IssuedCertificate> {
    const checked = await this.checkIssue(request, context);
    return this.onIssue(checked, context);
  }

  /**
   * The record of a certificate this module issued, or undefined.
   *
   * @example
   * ```ts
   * const record = await module.getCertificate('agencies', issued.serialNumber);
   * if (record?.revocation) console.log('revoked:', record.revocation.reason);
   * ```
   */
  async getCertificate(caId: string, serialNumber: string): Promise<CertificateRecord | undefined> {
    return this.onGetCertificate(checkCaId(caId), normalizeSerial(serialNumber));
  }

  /**
   * The certificates this module issued, newest first.
   *
   * @example
   * ```ts
   * const revoked = await module.listCertificates({ caId: 'agencies', revoked: true });
   * ```
   */
  async listCertificates(query: CertificateQuery = {}): Promise<readonly CertificateRecord[]> {
    if (typeof query !== 'object' || query === null) invalid('listCertificates takes a query object');
    if (query.caId !== undefined) checkCaId(query.caId);
    if (query.profile !== undefined) getCertificateProfile(query.profile);
    const limit = query.limit ?? 1000;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 10_000)
      invalid('limit must be an integer from 1 to 10000');
    return this.onListCertificates({ ...query, limit });
  }

  /**
   * Revokes a certificate this module issued (RFC 5280 reasons). A certificate on hold may be revoked
   * again with a final reason. Needs `capabilities.revocation`.
   *
   * @throws {@link CertificatesError} `ERR_CERTIFICATES_NOT_FOUND`, `ERR_CERTIFICATES_ALREADY_REVOKED`.
   *
   * @example
   * ```ts
   * await module.revoke({ caId: 'agencies', serialNumber: issued.serialNumber, reason: 'keyCompromise' });
   * ```
   */
  async revoke(request: RevokeRequest): Promise<Revocation> {
    const checked = this.checkRevoke(request);
    return this.onRevoke(checked);
  }

  /**
   * Takes a certificate off hold (revoked with `certificateHold`): it is valid again and leaves the next
   * CRL. Needs `capabilities.revocation`.
   *
   * @throws {@link CertificatesError} `ERR_CERTIFICATES_NOT_FOUND`; `ERR_CERTIFICATES_ALREADY_REVOKED` when it
   * is revoked for a final reason; `ERR_CERTIFICATES_INVALID_ARGUMENT` when it is not on hold.
   *
   * @example
   * ```ts
   * await module.releaseHold('agencies', issued.serialNumber);
   * ```
   */
  async releaseHold(caId: string, serialNumber: string): Promise<void> {
    if (this.descriptor.capabilities.revocation !== true) this.unsupported('releaseHold');
    return this.onReleaseHold(checkCaId(caId), normalizeSerial(serialNumber));
  }

  /**
   * Issues a CRL of the CA (with the next CRL number). Needs `capabilities.crl`.
   *
   * @example
   * ```ts
   * const crl = await module.issueCrl({ caId: 'agencies' });
   * writeFileSync('agencies.crl', crl.pem);
   * ```
   */
  async issueCrl(request: CrlRequest): Promise<IssuedCrl> {
    if (typeof request !== 'object' || request === null) invalid('issueCrl needs a request object');
    checkCaId(request.caId);
    checkDate(request.nextUpdate, 'nextUpdate');
    if (this.descriptor.capabilities.crl !== true) this.unsupported('issueCrl');
    return this.onIssueCrl(request);
  }

  /**
   * The CA's latest CRL, or undefined when it has issued none. Needs `capabilities.crl`.
   *
   * @example
   * ```ts
   * const crl = await module.latestCrl('agencies');
   * ```
   */
  async latestCrl(caId: string): Promise<IssuedCrl | undefined> {
    checkCaId(caId);
    if (this.descriptor.capabilities.crl !== true) this.unsupported('latestCrl');
    return this.onLatestCrl(caId);
  }

  // ---------------------------------------------------------------------------------------------------
  // Checks
  // ---------------------------------------------------------------------------------------------------

  /**
   * Checks a root CA request and `capabilities.hierarchy`.
   *
   * @example
   * ```ts
   * // protected override checkCreateRootCa(r: CreateRootCaRequest) { super.checkCreateRootCa(r); if (r.key?.type === 'rsa') throw … }
   * ```
   */
  protected checkCreateRootCa(request: CreateRootCaRequest): void {
    if (this.descriptor.capabilities.hierarchy !== true) this.unsupported('createRootCa');
    checkCaRequest(request, 'createRootCa');
  }

  /**
   * Checks an intermediate CA request and `capabilities.hierarchy`.
   *
   * @example
   * ```ts
   * // protected override checkCreateIntermediateCa(r: CreateIntermediateCaRequest) { super.checkCreateIntermediateCa(r); … }
   * ```
   */
  protected checkCreateIntermediateCa(request: CreateIntermediateCaRequest): void {
    if (this.descriptor.capabilities.hierarchy !== true) this.unsupported('createIntermediateCa');
    checkCaRequest(request, 'createIntermediateCa');
    checkCaId(request.issuerCaId, 'issuerCaId');
  }

  /**
   * Checks an issue request (see the class documentation) and returns what `onIssue` gets.
   *
   * @example
   * ```ts
   * // protected override async checkIssue(r: IssueRequest, c: IssueContext) {
   * //   const checked = await super.checkIssue(r, c);
   * //   if (checked.request.publicKey.modulusLength === 2048) throw new CertificatesError('ERR_CERTIFICATES_UNSUPPORTED_KEY', '3072 bits at least');
   * //   return checked;
   * // }
   * ```
   */
  protected async checkIssue(request: IssueRequest, context: IssueContext): Promise<CheckedIssueRequest> {
    if (typeof request !== 'object' || request === null) invalid('issue needs a request object');
    if (typeof context !== 'object' || context === null) invalid('the issue context must be an object');
    const caps = this.descriptor.capabilities;
    if (context.tx !== undefined && caps.transactional !== true) {
      throw new UnsupportedOperationError(`${this.id}: issuing inside a caller's transaction`);
    }
    const caId = checkCaId(request.caId);
    const profile = getCertificateProfile(request.profile);
    if (!caps.profiles.includes(profile.name)) {
      throw new CertificatesError(
        'ERR_CERTIFICATES_UNKNOWN_PROFILE',
        `module '${this.id}' does not issue the ${profile.name} profile (${caps.profiles.join(', ')})`,
      );
    }
    if (request.request === undefined || request.request === null) invalid('issue needs the certification request');
    const csr = CertificationRequest.from(request.request);
    if (!(await csr.verify())) {
      throw new CertificatesError(
        'ERR_CERTIFICATES_POP_FAILED',
        `the certification request of ${csr.subject} is not signed with its own key (no proof of possession)`,
      );
    }
    if (!caps.keyTypes.includes(csr.publicKey.type)) {
      throw new CertificatesError(
        'ERR_CERTIFICATES_UNSUPPORTED_KEY',
        `module '${this.id}' does not certify ${csr.publicKey.type} keys (${caps.keyTypes.join(', ')})`,
      );
    }
    const keyUsage = profileKeyUsage(profile, csr.publicKey);
    const subjectDer = request.subject === undefined ? csr.subjectDer : subjectNameDer(request.subject, 'subject');
    const subjectAltNames = checkSubjectAltNames(request.subjectAltNames);
    const validityDays = checkDays(request.validityDays, 'validityDays', profile.maxValidityDays);
    if (
      request.registrationId !== undefined &&
      (typeof request.registrationId !== 'string' || request.registrationId.length > 64)
    ) {
      invalid('registrationId must be a string of at most 64 characters');
    }
    return {
      caId,
      profile,
      request: csr,
      subjectDer,
      keyUsage,
      extensions: subjectAltNames ? [subjectAltNameExtension(subjectAltNames)] : [],
      ...(subjectAltNames ? { subjectAltNames } : {}),
      ...(validityDays !== undefined ? { validityDays } : {}),
      ...(request.registrationId !== undefined ? { registrationId: request.registrationId } : {}),
    };
  }

  /**
   * Checks a revocation request and `capabilities.revocation`; returns it with the serial number
   * normalized and the reason defaulted.
   *
   * @example
   * ```ts
   * // protected override checkRevoke(r: RevokeRequest) { const c = super.checkRevoke(r); … return c; }
   * ```
   */
  protected checkRevoke(request: RevokeRequest): RevokeRequest & { readonly reason: RevocationReason } {
    if (this.descriptor.capabilities.revocation !== true) this.unsupported('revoke');
    if (typeof request !== 'object' || request === null) invalid('revoke needs a request object');
    const caId = checkCaId(request.caId);
    const serialNumber = normalizeSerial(request.serialNumber);
    const reason = request.reason ?? 'unspecified';
    if (!isRevocationReason(reason)) invalid(`not a revocation reason: ${JSON.stringify(String(reason).slice(0, 32))}`);
    if (reason === 'removeFromCRL') invalid('removeFromCRL is not a reason to revoke: use releaseHold');
    const invalidityDate = checkDate(request.invalidityDate, 'invalidityDate');
    return { caId, serialNumber, reason, ...(invalidityDate ? { invalidityDate } : {}) };
  }

  // ---------------------------------------------------------------------------------------------------
  // Hooks
  // ---------------------------------------------------------------------------------------------------

  /**
   * Creates a root CA; the request is checked.
   *
   * @example
   * ```ts
   * // protected override async onCreateRootCa(r: CreateRootCaRequest): Promise<CaInfo> { … }
   * ```
   */
  protected onCreateRootCa(_request: CreateRootCaRequest): Promise<CaInfo> {
    return this.unsupported('createRootCa');
  }

  /**
   * Creates an intermediate CA; the request is checked.
   *
   * @example
   * ```ts
   * // protected override async onCreateIntermediateCa(r: CreateIntermediateCaRequest): Promise<CaInfo> { … }
   * ```
   */
  protected onCreateIntermediateCa(_request: CreateIntermediateCaRequest): Promise<CaInfo> {
    return this.unsupported('createIntermediateCa');
  }

  /**
   * The CA with this (well-formed) id; throws `ERR_CERTIFICATES_UNKNOWN_CA` when there is none.
   *
   * @example
   * ```ts
   * // protected override async onGetCa(caId: string): Promise<CaInfo> { … }
   * ```
   */
  protected onGetCa(_caId: string): Promise<CaInfo> {
    return this.unsupported('getCa');
  }

  /**
   * Every CA, roots first.
   *
   * @example
   * ```ts
   * // protected override async onListCas(): Promise<readonly CaInfo[]> { … }
   * ```
   */
  protected onListCas(): Promise<readonly CaInfo[]> {
    return this.unsupported('listCas');
  }

  /**
   * Issues for a checked request (see the class documentation for what it must do).
   *
   * @example
   * ```ts
   * // protected override async onIssue(r: CheckedIssueRequest, c: IssueContext): Promise<IssuedCertificate> { … }
   * ```
   */
  protected onIssue(_request: CheckedIssueRequest, _context: IssueContext): Promise<IssuedCertificate> {
    return this.unsupported('issue');
  }

  /**
   * The record of an issued certificate (serial normalized), or undefined.
   *
   * @example
   * ```ts
   * // protected override async onGetCertificate(caId: string, serial: string) { … }
   * ```
   */
  protected onGetCertificate(_caId: string, _serialNumber: string): Promise<CertificateRecord | undefined> {
    return this.unsupported('getCertificate');
  }

  /**
   * The issued certificates matching a checked query (limit set), newest first.
   *
   * @example
   * ```ts
   * // protected override async onListCertificates(q: CertificateQuery & { limit: number }) { … }
   * ```
   */
  protected onListCertificates(
    _query: CertificateQuery & { readonly limit: number },
  ): Promise<readonly CertificateRecord[]> {
    return this.unsupported('listCertificates');
  }

  /**
   * Revokes (checked request: serial normalized, reason set and not `removeFromCRL`).
   *
   * @example
   * ```ts
   * // protected override async onRevoke(r: RevokeRequest & { reason: RevocationReason }): Promise<Revocation> { … }
   * ```
   */
  protected onRevoke(_request: RevokeRequest & { readonly reason: RevocationReason }): Promise<Revocation> {
    return this.unsupported('revoke');
  }

  /**
   * Takes a certificate off hold.
   *
   * @example
   * ```ts
   * // protected override async onReleaseHold(caId: string, serial: string): Promise<void> { … }
   * ```
   */
  protected onReleaseHold(_caId: string, _serialNumber: string): Promise<void> {
    return this.unsupported('releaseHold');
  }

  /**
   * Issues a CRL (checked request).
   *
   * @example
   * ```ts
   * // protected override async onIssueCrl(r: CrlRequest): Promise<IssuedCrl> { … }
   * ```
   */
  protected onIssueCrl(_request: CrlRequest): Promise<IssuedCrl> {
    return this.unsupported('issueCrl');
  }

  /**
   * The latest CRL of a CA, or undefined.
   *
   * @example
   * ```ts
   * // protected override async onLatestCrl(caId: string): Promise<IssuedCrl | undefined> { … }
   * ```
   */
  protected onLatestCrl(_caId: string): Promise<IssuedCrl | undefined> {
    return this.unsupported('latestCrl');
  }
}

export { CertificationRequest } from './certification-request.js';
export { CertificatesError, type CertificatesErrorCode } from './errors.js';
export {
  CERTIFICATE_PROFILE_NAMES,
  CERTIFICATE_PROFILES,
  type CertificateProfile,
  type CertificateProfileName,
  EXTENDED_KEY_USAGE,
  getCertificateProfile,
  profileKeyUsage,
} from './profiles.js';
export type { RevocationReason } from './crl.js';
export { isRevocationReason, REVOCATION_REASON_CODES } from './revocation.js';
export type { SubjectAltNames } from './subject-alt-names.js';
export { UnsupportedOperationError } from '@semper/core/spi';
