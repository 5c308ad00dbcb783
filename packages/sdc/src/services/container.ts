import { ACCESS_CONTROL, type AccessControl } from '@semper/access';
import { CLOCK, type Clock } from '@semper/core';
import { STORE, type Store } from '@semper/store';
import { SdcServiceError } from './errors.js';
import { type SdcAccessCheck, SecureDataService, type SecureDataServiceOptions } from './secure-data.service.js';
import { SECURE_DATA_SERVICE } from './tokens.js';

/**
 * What {@link register} needs of a DI container (tsyringe's `DependencyContainer` fits).
 *
 * @example
 * ```ts
 * import { container } from 'tsyringe';
 * import type { SdcContainer } from '@semper/sdc';
 * const c: SdcContainer = container.createChildContainer();
 * ```
 */
export interface SdcContainer {
  resolve<T>(token: symbol): T;
  isRegistered(token: symbol, recursive?: boolean): boolean;
  register<T>(token: symbol, provider: { useFactory: (container: SdcContainer) => T }): unknown;
}

/**
 * Options of {@link register}: those of the services, but the store (the container's `STORE`), the clock
 * (its `CLOCK`, if any) and the access check (`'container'`: its `ACCESS_CONTROL`).
 *
 * @example
 * ```ts
 * import type { SdcRegistrationOptions } from '@semper/sdc';
 * const o: SdcRegistrationOptions = { identity: hub, trust, peers, tables, allow, access: 'container' };
 * ```
 */
export interface SdcRegistrationOptions extends Omit<SecureDataServiceOptions, 'store' | 'access' | 'clock'> {
  /** An access check, or `'container'` for the container's `ACCESS_CONTROL` (`@semper/access`); default none. */
  readonly access?: SdcAccessCheck | 'container';
}

/**
 * Registers the party's {@link SecureDataService} under {@link SECURE_DATA_SERVICE} (one instance per
 * container, made on first resolve, on the container's `STORE`). Nothing is opened or migrated here: call
 * `await service.migrate()` once resolved.
 *
 * @throws SdcServiceError `ERR_SDC_INVALID_ARGUMENT` without an identity, a trust or tables.
 * @example
 * ```ts
 * import { createPartyContainer, register as registerCore } from '@semper/core';
 * import { register as registerStore } from '@semper/store';
 * import { register as registerSdc, SECURE_DATA_SERVICE, type SecureDataService } from '@semper/sdc';
 * const agency = registerCore(createPartyContainer());
 * registerStore(agency, { url: 'pglite:./agency-data' });
 * registerSdc(agency, { identity, trust, peers: [{ id: 'hub', certificate: hubCertificate }], tables });
 * const sdc = agency.resolve<SecureDataService>(SECURE_DATA_SERVICE);
 * await sdc.migrate();
 * ```
 */
export function register<C extends SdcContainer>(container: C, options: SdcRegistrationOptions): C {
  if (typeof container?.register !== 'function') {
    throw new SdcServiceError('ERR_SDC_INVALID_ARGUMENT', 'register needs a DI container');
  }
  if (options?.identity === undefined || options.trust === undefined || !Array.isArray(options.tables)) {
    throw new SdcServiceError('ERR_SDC_INVALID_ARGUMENT', 'register needs { identity, trust, peers, tables }');
  }
  let service: SecureDataService | undefined;
  container.register<SecureDataService>(SECURE_DATA_SERVICE, {
    useFactory: (c) => {
      if (service !== undefined) return service;
      if (!c.isRegistered(STORE, true)) {
        throw new SdcServiceError(
          'ERR_SDC_INVALID_ARGUMENT',
          'the secure data services need a STORE: register @semper/store first',
        );
      }
      const access = options.access === 'container' ? c.resolve<AccessControl>(ACCESS_CONTROL) : options.access;
      const { access: _, ...rest } = options;
      service = new SecureDataService({
        ...rest,
        store: c.resolve<Store>(STORE),
        ...(access === undefined ? {} : { access }),
        ...(c.isRegistered(CLOCK, true) ? { clock: c.resolve<Clock>(CLOCK) } : {}),
      });
      return service;
    },
  });
  return container;
}
