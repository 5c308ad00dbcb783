/**
 * @packageDocumentation
 * @semper/payments: work in progress.
 */
export {};
