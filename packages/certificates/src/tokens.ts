/**
 * DI tokens of the certificates block (`Symbol.for('semper.certificates.<Name>')`). Nothing is registered
 * at import time: `register(container, options)` of `@semper/certificates` does it.
 *
 * @packageDocumentation
 */

/**
 * DI token of the CA modules (`semper.certificates.CertificateModule`): several modules under one token,
 * collected by the {@link CERTIFICATE_MANAGER} with `@injectAll` and routed to by id.
 *
 * @example
 * ```ts
 * import { CERTIFICATE_MODULE } from '@semper/certificates';
 * declare const container: import('tsyringe').DependencyContainer;
 * declare const myModule: import('@semper/certificates/spi').CertificateModule;
 * container.register(CERTIFICATE_MODULE, { useValue: myModule });
 * ```
 */
export const CERTIFICATE_MODULE: unique symbol = Symbol.for('semper.certificates.CertificateModule');

/**
 * DI token of the party's `CertificateManager` (`semper.certificates.CertificateManager`).
 *
 * @example
 * ```ts
 * import { CERTIFICATE_MANAGER, type CertificateManager } from '@semper/certificates';
 * declare const party: import('tsyringe').DependencyContainer;
 * const certificates = party.resolve<CertificateManager>(CERTIFICATE_MANAGER);
 * ```
 */
export const CERTIFICATE_MANAGER: unique symbol = Symbol.for('semper.certificates.CertificateManager');

/**
 * DI token of the party's `RegistrationAuthority` (`semper.certificates.RegistrationAuthority`).
 *
 * @example
 * ```ts
 * import { REGISTRATION_AUTHORITY, type RegistrationAuthority } from '@semper/certificates';
 * declare const party: import('tsyringe').DependencyContainer;
 * const ra = party.resolve<RegistrationAuthority>(REGISTRATION_AUTHORITY);
 * ```
 */
export const REGISTRATION_AUTHORITY: unique symbol = Symbol.for('semper.certificates.RegistrationAuthority');

/**
 * DI token of the party's `ExternalCertificateRegistry` (`semper.certificates.ExternalCertificateRegistry`).
 *
 * @example
 * ```ts
 * import { EXTERNAL_CERTIFICATES, type ExternalCertificateRegistry } from '@semper/certificates';
 * declare const party: import('tsyringe').DependencyContainer;
 * const external = party.resolve<ExternalCertificateRegistry>(EXTERNAL_CERTIFICATES);
 * ```
 */
export const EXTERNAL_CERTIFICATES: unique symbol = Symbol.for('semper.certificates.ExternalCertificateRegistry');

/**
 * DI token of the party's `PartyTrustStore` (`semper.certificates.PartyTrustStore`): its anchors, known
 * intermediates and CRLs.
 *
 * @example
 * ```ts
 * import { PARTY_TRUST_STORE, type PartyTrustStore } from '@semper/certificates';
 * declare const party: import('tsyringe').DependencyContainer;
 * party.resolve<PartyTrustStore>(PARTY_TRUST_STORE).addAnchor(partnerRoot);
 * ```
 */
export const PARTY_TRUST_STORE: unique symbol = Symbol.for('semper.certificates.PartyTrustStore');
