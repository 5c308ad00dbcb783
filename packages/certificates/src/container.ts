/**
 * `register(container, options)`: what the certificates block wires into a party's container.
 *
 * @packageDocumentation
 */
import 'reflect-metadata';
import { CLOCK, type Clock, EVENT_BUS, type EventBus } from '@semper/core';
import { STORE, type Store } from '@semper/store';
import { type DependencyContainer, instanceCachingFactory, Lifecycle } from 'tsyringe';
import { CertificateManager } from './certificate.manager.js';
import { CertificatesError } from './errors.js';
import { ExternalCertificateRegistry } from './external-certificates.js';
import { LocalCaCertificateModule, type LocalCaModuleOptions } from './local-ca.certificate-module.js';
import { PartyTrustStore, type PartyTrustStoreOptions } from './party-trust-store.js';
import { RegistrationAuthority, type RegistrationAuthorityOptions } from './registration-authority.js';
import type { CertificateModule } from './spi.js';
import {
  CERTIFICATE_MANAGER,
  CERTIFICATE_MODULE,
  EXTERNAL_CERTIFICATES,
  PARTY_TRUST_STORE,
  REGISTRATION_AUTHORITY,
} from './tokens.js';

/**
 * Options of {@link register}.
 *
 * @example
 * ```ts
 * import type { CertificatesRegistrationOptions } from '@semper/certificates';
 * const options: CertificatesRegistrationOptions = {
 *   localCa: { passphrase: process.env.CA_PASSPHRASE! },
 *   registrationAuthority: { maxAttempts: 3 },
 * };
 * ```
 */
export interface CertificatesRegistrationOptions {
  /**
   * The reference CA module, on the party's `STORE`, `CLOCK` and `EVENT_BUS` (each may be given instead).
   * Omit it to register only `modules`.
   */
  readonly localCa?: Omit<LocalCaModuleOptions, 'store' | 'clock' | 'events'> & Partial<LocalCaModuleOptions>;
  /** Further CA modules: instances, or factories given the container. */
  readonly modules?: readonly (CertificateModule | ((container: DependencyContainer) => CertificateModule))[];
  /**
   * The registration authority (on the `CERTIFICATE_MANAGER`, `STORE`, `CLOCK`, `EVENT_BUS`); its default
   * module is the local CA's unless given. `false`: no RA.
   */
  readonly registrationAuthority?: Partial<RegistrationAuthorityOptions> | false;
  /** Whether to register the `ExternalCertificateRegistry` (default true). */
  readonly externalCertificates?: boolean;
  /** The party's `PartyTrustStore` (default: an empty one); `false`: none. */
  readonly trust?: PartyTrustStoreOptions | false;
}

function optional<T>(container: DependencyContainer, token: symbol): T | undefined {
  return container.isRegistered(token, true) ? container.resolve<T>(token) : undefined;
}

/**
 * Registers the certificates block in a party's container (nothing is registered at import time):
 * the CA modules under {@link CERTIFICATE_MODULE}, the {@link CertificateManager} under
 * `CERTIFICATE_MANAGER` (one per container, built by tsyringe from its `@inject` tokens), the
 * {@link RegistrationAuthority} under `REGISTRATION_AUTHORITY`, the {@link ExternalCertificateRegistry}
 * under `EXTERNAL_CERTIFICATES` (each built on first use) and the party's {@link PartyTrustStore} under
 * `PARTY_TRUST_STORE`. Core's `register` (clock, event bus,
 * policy, preferences, context) and the store's `register` must have run on the container. Returns it.
 *
 * @example
 * ```ts
 * import 'reflect-metadata';
 * import { createPartyContainer, register as registerCore } from '@semper/core';
 * import { register as registerStore } from '@semper/store';
 * import { CERTIFICATE_MANAGER, type CertificateManager, register } from '@semper/certificates';
 *
 * const hub = createPartyContainer();
 * registerCore(hub, { context: { jurisdiction: 'DE' } });
 * registerStore(hub, { url: 'pglite:./hub-data' });
 * register(hub, { localCa: { passphrase: process.env.CA_PASSPHRASE! } });
 * const certificates = hub.resolve<CertificateManager>(CERTIFICATE_MANAGER);
 * ```
 */
export function register(
  container: DependencyContainer,
  options: CertificatesRegistrationOptions = {},
): DependencyContainer {
  if (typeof container?.register !== 'function' || typeof container.resolve !== 'function') {
    throw new CertificatesError('ERR_CERTIFICATES_INVALID_ARGUMENT', 'register needs a tsyringe container');
  }
  if (typeof options !== 'object' || options === null) {
    throw new CertificatesError('ERR_CERTIFICATES_INVALID_ARGUMENT', 'register takes an options object');
  }
  const local = options.localCa;
  if (local !== undefined) {
    container.register<CertificateModule>(CERTIFICATE_MODULE, {
      useFactory: instanceCachingFactory(
        (c) =>
          new LocalCaCertificateModule({
            ...local,
            store: local.store ?? c.resolve<Store>(STORE),
            clock: local.clock ?? optional<Clock>(c, CLOCK),
            events: local.events ?? optional<EventBus>(c, EVENT_BUS),
          }),
      ),
    });
  }
  for (const module of options.modules ?? []) {
    if (typeof module === 'function') {
      container.register<CertificateModule>(CERTIFICATE_MODULE, { useFactory: instanceCachingFactory(module) });
    } else if (typeof module === 'object' && module !== null && typeof module.descriptor === 'object') {
      container.register<CertificateModule>(CERTIFICATE_MODULE, { useValue: module });
    } else {
      throw new CertificatesError('ERR_CERTIFICATES_INVALID_ARGUMENT', 'modules holds CA modules or factories of them');
    }
  }
  container.register<CertificateManager>(
    CERTIFICATE_MANAGER,
    { useClass: CertificateManager },
    { lifecycle: Lifecycle.ContainerScoped },
  );
  const ra = options.registrationAuthority;
  if (ra !== false) {
    container.register<RegistrationAuthority>(REGISTRATION_AUTHORITY, {
      useFactory: instanceCachingFactory(
        (c) =>
          new RegistrationAuthority({
            ...ra,
            modules: ra?.modules ?? c.resolve<CertificateManager>(CERTIFICATE_MANAGER),
            store: ra?.store ?? c.resolve<Store>(STORE),
            clock: ra?.clock ?? optional<Clock>(c, CLOCK),
            events: ra?.events ?? optional<EventBus>(c, EVENT_BUS),
            defaultModuleId:
              ra?.defaultModuleId ?? (local !== undefined ? (local.id ?? 'certificates-local-ca') : undefined),
          }),
      ),
    });
  }
  if (options.externalCertificates !== false) {
    container.register<ExternalCertificateRegistry>(EXTERNAL_CERTIFICATES, {
      useFactory: instanceCachingFactory(
        (c) =>
          new ExternalCertificateRegistry({
            store: c.resolve<Store>(STORE),
            clock: optional<Clock>(c, CLOCK),
            events: optional<EventBus>(c, EVENT_BUS),
          }),
      ),
    });
  }
  const trust = options.trust;
  if (trust !== false) {
    const store = new PartyTrustStore(trust ?? {}); // bad options fail here, not at first use
    container.register<PartyTrustStore>(PARTY_TRUST_STORE, { useValue: store });
  }
  return container;
}
