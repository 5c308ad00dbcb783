/**
 * @packageDocumentation
 * @semper/payment-card: work in progress.
 */
export {};
