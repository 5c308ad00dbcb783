/**
 * @packageDocumentation
 * @semper/payments/spi: work in progress.
 */
export {};
