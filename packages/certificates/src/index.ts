/**
 * `@semper/certificates`: the certificates block.
 *
 * @packageDocumentation
 */
export * from './errors.js';
export { CertificateManager } from './certificate.manager.js';
export {
  CertificationRequest,
  type CreateRequestOptions,
  createCertificationRequest,
  type RequestAttribute,
  type RequestSignatureAlgorithm,
  verifyCertificationRequest,
} from './certification-request.js';
export { type CertificatesRegistrationOptions, register } from './container.js';
export type { CertificatesEvent, CertificatesEventSink } from './events.js';
export {
  type ExternalCertificate,
  ExternalCertificateRegistry,
  type ExternalCertificateRegistryOptions,
  type ImportCertificateRequest,
} from './external-certificates.js';
export { LocalCaCertificateModule, type LocalCaModuleOptions } from './local-ca.certificate-module.js';
export { CERTIFICATES_MIGRATIONS, migrateCertificates } from './migrations.js';
export { PartyTrustStore, type PartyTrustStoreOptions } from './party-trust-store.js';
export {
  CERTIFICATE_PROFILE_NAMES,
  CERTIFICATE_PROFILES,
  type CertificateProfile,
  type CertificateProfileName,
  EXTENDED_KEY_USAGE,
  getCertificateProfile,
  isCertificateProfileName,
  profileKeyUsage,
} from './profiles.js';
export {
  type CertificateModuleSource,
  type EnrolRequest,
  type RegisterRequest,
  type Registration,
  RegistrationAuthority,
  type RegistrationAuthorityOptions,
  type RegistrationStatus,
  type RegistrationTicket,
} from './registration-authority.js';
export { isRevocationReason, REVOCATION_REASON_CODES } from './revocation.js';
export type {
  CaInfo,
  CertificateModule,
  CertificateModuleCapabilities,
  CertificateModuleDescriptor,
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
export type { SubjectAltNames } from './subject-alt-names.js';
export {
  CERTIFICATE_MANAGER,
  CERTIFICATE_MODULE,
  EXTERNAL_CERTIFICATES,
  PARTY_TRUST_STORE,
  REGISTRATION_AUTHORITY,
} from './tokens.js';
export {
  CertificateRevocationList,
  type CrlEntryTemplate,
  type CrlExtension,
  type CrlTemplate,
  type IssuingDistributionPoint,
  issueCrl,
  type RevocationReason,
  type RevokedCertificate,
} from './crl.js';
export {
  type KeyPurpose,
  PATH_LIMITS,
  type PathValidationOptions,
  PathValidator,
  type PathValidatorDefaults,
  type RevocationMode,
} from './validation/path-validator.js';
export type {
  PathValidationFailure,
  PathValidationFailureCode,
  PathValidationResult,
  PathValidationSuccess,
} from './validation/result.js';
