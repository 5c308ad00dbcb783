/**
 * @packageDocumentation
 * @semper/sdc/testing: work in progress.
 */
export {};
