/**
 * `@semper/certificates`: the certificates block.
 *
 * @packageDocumentation
 */
export * from './errors.js';
