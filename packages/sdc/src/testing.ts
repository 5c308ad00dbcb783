/**
 * @packageDocumentation
 * @semper/sdc/testing: work in progress.
 */
// pump/
export { MemorySdcMailbox } from './pump/memory-mailbox.js';
