/**
 * @packageDocumentation
 * @semper/sdc: work in progress.
 */
// format/ (the container format semper-sdc/1: seal, open, inspect, text forms, limits)
export * from './format/index.js';
// pump/ (the mailer between the local outbox/inbox and a @semper/comms transport)
export { SdcPumpError, type SdcPumpErrorCode } from './pump/errors.js';
export {
  SDC_CONTENT_TYPE,
  type SdcIncoming,
  type SdcIntakeResult,
  type SdcMailbox,
  type SdcOutgoing,
  type SdcSendFailure,
} from './pump/mailbox.js';
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
