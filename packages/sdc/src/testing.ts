/**
 * `@semper/sdc/testing`: a test network of a hub and agencies (identities from one test PKI, access
 * statuses, CRLs), a digest of a store's contents, and an in-memory mailbox for the pump.
 *
 * @packageDocumentation
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
