/**
 * @packageDocumentation
 * @semper/payments/testing: work in progress.
 */
export {};
