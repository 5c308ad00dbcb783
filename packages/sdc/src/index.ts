/**
 * @packageDocumentation
 * @semper/sdc: work in progress.
 */
export {};
