/**
 * @packageDocumentation
 * @semper/sdc/testing: work in progress.
 */
// pump/
export { MemorySdcMailbox } from './pump/memory-mailbox.js';
// services/ (helper E1): a test network of agencies and a hub, and a digest of a store's contents
export {
  createSdcTestNetwork,
  digestStore,
  SDC_TEST_ALLOW_LIST,
  SDC_TEST_TABLES,
  type SdcTestNetwork,
  type SdcTestNetworkOptions,
  type SdcTestParty,
} from './testing/network.js';
