/**
 * DI token of the party's `AccessControl` (`semper.access.AccessControl`), registered by `register`.
 *
 * @example
 * ```ts
 * import { ACCESS_CONTROL, type AccessControl, createAgencyPolicy, register } from '@semper/access';
 * import { createPartyContainer } from '@semper/core';
 * const hub = register(createPartyContainer(), { policy: createAgencyPolicy(), repository: 'memory' });
 * const access = hub.resolve<AccessControl>(ACCESS_CONTROL);
 * ```
 */
export const ACCESS_CONTROL: unique symbol = Symbol.for('semper.access.AccessControl');

/**
 * DI token of the party's `AccessPolicy` (`semper.access.AccessPolicy`).
 *
 * @example
 * ```ts
 * import { ACCESS_POLICY, type AccessPolicy, createAgencyPolicy, register } from '@semper/access';
 * import { createPartyContainer } from '@semper/core';
 * const hub = register(createPartyContainer(), { policy: createAgencyPolicy(), repository: 'memory' });
 * const policy = hub.resolve<AccessPolicy>(ACCESS_POLICY);
 * ```
 */
export const ACCESS_POLICY: unique symbol = Symbol.for('semper.access.AccessPolicy');

/**
 * DI token of the party's `AccessRepository` (`semper.access.AccessRepository`).
 *
 * @example
 * ```ts
 * import { ACCESS_REPOSITORY, type AccessRepository, createAgencyPolicy, register } from '@semper/access';
 * import { createPartyContainer } from '@semper/core';
 * const hub = register(createPartyContainer(), { policy: createAgencyPolicy(), repository: 'memory' });
 * const repository = hub.resolve<AccessRepository>(ACCESS_REPOSITORY);
 * ```
 */
export const ACCESS_REPOSITORY: unique symbol = Symbol.for('semper.access.AccessRepository');
