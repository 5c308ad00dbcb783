/**
 * @packageDocumentation
 * @semper/sdc: work in progress.
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
