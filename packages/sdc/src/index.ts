/**
 * `@semper/sdc`: the Secure Data Container (`semper-sdc/1`: signed by the sender, encrypted to the recipient,
 * CMS that `openssl cms` opens), the secure data services on it (record sets, export, import, the
 * exactly-once intake with signed receipts) and the pump that moves containers between a party's
 * outbox/inbox and a `@semper/comms` transport. Nothing is registered or started at import time.
 *
 * @packageDocumentation
 */
// format/ (the container format semper-sdc/1: seal, open, inspect, text forms, limits)
export * from './format/index.js';
// services/ (record sets, export/import/apply/receipts, the exactly-once intake)
export * from './services/index.js';
// pump/ (the mailer between the local outbox/inbox and a @semper/comms transport)
export { SdcPumpError, type SdcPumpErrorCode } from './pump/errors.js';
export type {
  SdcIncoming,
  SdcIntakeResult,
  SdcMailbox,
  SdcOutgoing,
  SdcSendFailure,
} from './pump/mailbox.js';
export { type OutboxMailboxOptions, outboxMailbox, type PumpInbox, type PumpOutbox } from './pump/outbox-mailbox.js';
export {
  DEFAULT_PUMP_INTERVAL_MS,
  formatPumpStatus,
  type RunPumpOnceOptions,
  runPumpOnce,
  SdcPump,
  type SdcPumpOptions,
  type SdcPumpRun,
  type SdcPumpState,
  type SdcPumpStatus,
} from './pump/sdc.pump.js';
export {
  MAX_PUMP_CONFIG_BYTES,
  type OpenPumpTransportOptions,
  openPumpTransport,
  type PumpMailConfig,
  pumpMailConfigSchema,
} from './pump/transport-spec.js';
