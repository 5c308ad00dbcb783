/**
 * The DI token of the party's {@link SecureDataService}: `Symbol.for('semper.sdc.SecureDataService')`.
 *
 * @example
 * ```ts
 * import { SECURE_DATA_SERVICE, type SecureDataService } from '@semper/sdc';
 * const sdc = container.resolve<SecureDataService>(SECURE_DATA_SERVICE);
 * await sdc.migrate();
 * ```
 */
export const SECURE_DATA_SERVICE: unique symbol = Symbol.for('semper.sdc.SecureDataService');
