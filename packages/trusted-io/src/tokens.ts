/**
 * DI token of the party's `TrustedIo` (`semper.trustedio.TrustedIo`), registered by `register`.
 *
 * @example
 * ```ts
 * import { createPartyContainer } from '@semper/core';
 * import { register, TRUSTED_IO, type TrustedIo } from '@semper/trusted-io';
 * const buyer = register(createPartyContainer(), { terminal: { input: process.stdin, output: process.stdout } });
 * const io = buyer.resolve<TrustedIo>(TRUSTED_IO);
 * ```
 */
export const TRUSTED_IO: unique symbol = Symbol.for('semper.trustedio.TrustedIo');
