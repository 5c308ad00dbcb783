/**
 * The secure data services on Secure Data Containers: record tables (`Numero`, `Status`), record sets,
 * the structured query language of import requests and its compiler, the local outbox and inbox, the
 * exactly-once intake with its log, and deliveries.
 *
 * @packageDocumentation
 */
export {
  type DecodedRecordSet,
  decodeRecordSet,
  encodeRecordSet,
  parseBody,
  RECORD_SET_LIMITS,
  type RecordSet,
  SDC_BODY_SCHEMAS,
  type SdcBodies,
} from './bodies.js';
export { register, type SdcContainer, type SdcRegistrationOptions } from './container.js';
export { SdcServiceError, type SdcServiceErrorCode } from './errors.js';
export { type InboxEntry, type OutboxEntry, SdcInbox, SdcOutbox } from './mailbox.js';
export { SDC_MIGRATIONS } from './migrations.js';
export {
  type CompiledQuery,
  compileQuery,
  parseQuery,
  QUERY_LIMITS,
  type SdcAllowList,
  type SdcCondition,
  type SdcImportGrant,
  type SdcQuery,
  type SdcScalar,
  sdcQuerySchema,
} from './query.js';
export {
  DEFAULT_REPLAY_WINDOW,
  type Delivery,
  type ExportOutcome,
  type IntakeLogEntry,
  type IntakeOutcome,
  type SdcAccessCheck,
  type SdcPeer,
  type SdcStep,
  SecureDataService,
  type SecureDataServiceOptions,
} from './secure-data.service.js';
export {
  DEFAULT_TEXT_MAX_LENGTH,
  decodeColumnValue,
  defineTable,
  encodeColumnValue,
  isSdcName,
  NUMERO,
  quoteIdentifier,
  RECORD_STATUS,
  type RecordStatus,
  recordTableDdl,
  SDC_COLUMN_TYPES,
  type SdcColumn,
  type SdcColumnType,
  type SdcTable,
  SQL_TYPES,
  STATUS,
  type SqlValue,
} from './table.js';
export { SECURE_DATA_SERVICE } from './tokens.js';
