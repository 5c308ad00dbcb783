/**
 * @packageDocumentation
 * @semper/payment-sim: work in progress.
 */
export {};
