/**
 * @packageDocumentation
 * @semper/payment-ecash: work in progress.
 */
export {};
