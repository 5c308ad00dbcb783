/**
 * The certificates block's manager: one generic interface over the party's CA modules.
 *
 * @packageDocumentation
 */
import 'reflect-metadata';
import {
  MODULE_POLICY,
  type ModulePolicy,
  POLICY_CONTEXT,
  type PolicyContext,
  PREFERENCES,
  type Preferences,
  ServiceManager,
} from '@semper/core';
import { inject, injectable, injectAll } from 'tsyringe';
import type {
  CaInfo,
  CertificateModule,
  CertificateQuery,
  CertificateRecord,
  CreateIntermediateCaRequest,
  CreateRootCaRequest,
  CrlRequest,
  IssueContext,
  IssuedCertificate,
  IssuedCrl,
  IssueRequest,
  Revocation,
  RevokeRequest,
} from './spi.js';
import { CERTIFICATE_MODULE } from './tokens.js';

/**
 * The certificates block's manager (SEMPER's service manager for certificates): callers name a CA
 * module by id and the manager routes the call to it, after the party's module policy allowed the
 * module in the context (`ERR_CORE_MODULE_NOT_FOUND`, `ERR_CORE_MODULE_FORBIDDEN` otherwise). What a
 * module throws reaches the caller unchanged. Modules come from the container under
 * {@link CERTIFICATE_MODULE}; the manager is registered under `CERTIFICATE_MANAGER` by `register`.
 *
 * @example
 * ```ts
 * import { CERTIFICATE_MANAGER, type CertificateManager } from '@semper/certificates';
 * declare const party: import('tsyringe').DependencyContainer;
 * const certificates = party.resolve<CertificateManager>(CERTIFICATE_MANAGER);
 * const issued = await certificates.issue('certificates-local-ca', { caId: 'agencies', profile: 'agency', request: csrPem });
 * await certificates.revoke('certificates-local-ca', { caId: 'agencies', serialNumber: issued.serialNumber, reason: 'superseded' });
 * const crl = await certificates.issueCrl('certificates-local-ca', { caId: 'agencies' });
 * ```
 */
@injectable()
export class CertificateManager extends ServiceManager<CertificateModule> {
  constructor(
    @injectAll(CERTIFICATE_MODULE, { isOptional: true }) modules: CertificateModule[],
    @inject(MODULE_POLICY) policy: ModulePolicy,
    @inject(PREFERENCES) preferences: Preferences,
    @inject(POLICY_CONTEXT) context: PolicyContext,
  ) {
    super(modules ?? [], { block: 'certificates', policy, preferences, context });
  }

  /**
   * Creates a root CA in module `moduleId`.
   *
   * @example
   * ```ts
   * await certificates.createRootCa('certificates-local-ca', { caId: 'root', subject: 'CN=Hub Root CA' });
   * ```
   */
  async createRootCa(moduleId: string, request: CreateRootCaRequest, context?: PolicyContext): Promise<CaInfo> {
    return this.route(moduleId, (m) => m.createRootCa(request), context);
  }

  /**
   * Creates an intermediate CA in module `moduleId`.
   *
   * @example
   * ```ts
   * await certificates.createIntermediateCa('certificates-local-ca', { caId: 'agencies', issuerCaId: 'root', subject: 'CN=Agencies CA' });
   * ```
   */
  async createIntermediateCa(
    moduleId: string,
    request: CreateIntermediateCaRequest,
    context?: PolicyContext,
  ): Promise<CaInfo> {
    return this.route(moduleId, (m) => m.createIntermediateCa(request), context);
  }

  /**
   * A CA of module `moduleId`.
   *
   * @example
   * ```ts
   * const { chain } = await certificates.getCa('certificates-local-ca', 'agencies');
   * ```
   */
  async getCa(moduleId: string, caId: string, context?: PolicyContext): Promise<CaInfo> {
    return this.route(moduleId, (m) => m.getCa(caId), context);
  }

  /**
   * The CAs of module `moduleId`, roots first.
   *
   * @example
   * ```ts
   * const cas = await certificates.listCas('certificates-local-ca');
   * ```
   */
  async listCas(moduleId: string, context?: PolicyContext): Promise<readonly CaInfo[]> {
    return this.route(moduleId, (m) => m.listCas(), context);
  }

  /**
   * Issues a certificate through module `moduleId`.
   *
   * @example
   * ```ts
   * const issued = await certificates.issue('certificates-local-ca', { caId: 'agencies', profile: 'signing', request: csrPem });
   * ```
   */
  async issue(
    moduleId: string,
    request: IssueRequest,
    options: IssueContext & { readonly context?: PolicyContext } = {},
  ): Promise<IssuedCertificate> {
    const { context, ...issueContext } = options;
    return this.route(moduleId, (m) => m.issue(request, issueContext), context);
  }

  /**
   * A certificate module `moduleId` issued, or undefined.
   *
   * @example
   * ```ts
   * const record = await certificates.getCertificate('certificates-local-ca', 'agencies', serial);
   * ```
   */
  async getCertificate(
    moduleId: string,
    caId: string,
    serialNumber: string,
    context?: PolicyContext,
  ): Promise<CertificateRecord | undefined> {
    return this.route(moduleId, (m) => m.getCertificate(caId, serialNumber), context);
  }

  /**
   * The certificates module `moduleId` issued, newest first.
   *
   * @example
   * ```ts
   * const revoked = await certificates.listCertificates('certificates-local-ca', { revoked: true });
   * ```
   */
  async listCertificates(
    moduleId: string,
    query?: CertificateQuery,
    context?: PolicyContext,
  ): Promise<readonly CertificateRecord[]> {
    return this.route(moduleId, (m) => m.listCertificates(query), context);
  }

  /**
   * Revokes a certificate through module `moduleId`.
   *
   * @example
   * ```ts
   * await certificates.revoke('certificates-local-ca', { caId: 'agencies', serialNumber: serial, reason: 'keyCompromise' });
   * ```
   */
  async revoke(moduleId: string, request: RevokeRequest, context?: PolicyContext): Promise<Revocation> {
    return this.route(moduleId, (m) => m.revoke(request), context);
  }

  /**
   * Takes a certificate off hold through module `moduleId`.
   *
   * @example
   * ```ts
   * await certificates.releaseHold('certificates-local-ca', 'agencies', serial);
   * ```
   */
  async releaseHold(moduleId: string, caId: string, serialNumber: string, context?: PolicyContext): Promise<void> {
    return this.route(moduleId, (m) => m.releaseHold(caId, serialNumber), context);
  }

  /**
   * Issues a CRL through module `moduleId`.
   *
   * @example
   * ```ts
   * const crl = await certificates.issueCrl('certificates-local-ca', { caId: 'agencies' });
   * ```
   */
  async issueCrl(moduleId: string, request: CrlRequest, context?: PolicyContext): Promise<IssuedCrl> {
    return this.route(moduleId, (m) => m.issueCrl(request), context);
  }

  /**
   * The latest CRL of a CA of module `moduleId`, or undefined.
   *
   * @example
   * ```ts
   * const crl = await certificates.latestCrl('certificates-local-ca', 'agencies');
   * ```
   */
  async latestCrl(moduleId: string, caId: string, context?: PolicyContext): Promise<IssuedCrl | undefined> {
    return this.route(moduleId, (m) => m.latestCrl(caId), context);
  }
}
