/**
 * `@semper/comms`: SEMPER's communication service. Transports carry signed and encrypted business items
 * as opaque bytes, with explicit acknowledgement (at-least-once delivery), size limits on both ends and bad
 * messages moved aside; channels add request/response correlation, timeouts and retries. Nothing is
 * registered or started at import time: see `register`.
 *
 * Transport writers: `@semper/comms/spi`. Conformance suite: `@semper/comms/testing`.
 *
 * @packageDocumentation
 */
export { isAddress, MAX_ADDRESS_LENGTH, type ParsedAddress, parseAddress, schemeOf } from './address.js';
export {
  Channel,
  type ChannelHandlers,
  type ChannelOptions,
  type ChannelStats,
  IN_REPLY_TO_HEADER,
  type OutgoingMessage,
  REPLY_TO_HEADER,
  REQUEST_ID_HEADER,
  type RequestHandler,
  type RequestOptions,
  type ResponseInit,
} from './channel.js';
export { type CommsContainer, type CommsRegistrationOptions, register } from './container.js';
export {
  type DedupeOptions,
  type DedupStore,
  dedupe,
  FileDedupStore,
  MemoryDedupStore,
  openFileDedupStore,
} from './dedup.js';
export * from './errors.js';
export {
  FOLDER_LAYOUT,
  FolderTransport,
  type FolderTransportOptions,
  openFolderTransport,
} from './folder/folder.transport.js';
export {
  HTTP_FROM_HEADER,
  HTTP_HEADER_PREFIX,
  HTTP_MESSAGE_ID_HEADER,
  HTTP_TO_HEADER,
  type HttpClientTlsOptions,
  type HttpServerTlsOptions,
  HttpTransport,
  type HttpTransportOptions,
  openHttpTransport,
} from './http/http.transport.js';
export {
  base64MailBytes,
  type ComposeMailOptions,
  composeMail,
  createMailTransport,
  DEFAULT_MAIL_MAX_MESSAGE_BYTES,
  type ImapOptions,
  type MailServerOptions,
  MailTransport,
  type MailTransportOptions,
  mailboxOf,
  maxMailBytes,
  type ParseMailOptions,
  type Pop3Options,
  parseMail,
  type SmtpOptions,
} from './mail/index.js';
export {
  createMemoryTransport,
  type DeadLetter,
  MemoryBroker,
  MemoryTransport,
  type MemoryTransportOptions,
} from './memory/memory.transport.js';
export {
  type CheckMessageOptions,
  checkMessage,
  DEFAULT_MAX_MESSAGE_BYTES,
  MAX_CONTENT_TYPE_LENGTH,
  MAX_ENVELOPE_BYTES,
  MAX_HEADER_BYTES,
  MAX_HEADER_VALUE_LENGTH,
  MAX_HEADERS,
  MAX_ID_LENGTH,
  type Message,
} from './message.js';
export {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  type RetryOptions,
  type RetryPolicy,
  resolveRetryPolicy,
  retry,
  sleep,
} from './retry.js';
export type {
  HandlerContext,
  HandlerResult,
  MessageHandler,
  ReceivedMessage,
  Receiver,
  ReceiveOptions,
  RedeliveryPolicy,
  RejectionReason,
  RejectionReport,
  SendReceipt,
  Transport,
  TransportCapabilities,
  TransportState,
  TransportStatus,
  VerifyHook,
} from './transport.js';
export { TransportRouter } from './transport-router.js';
export { CHANNEL, DEDUP_STORE, TRANSPORT, TRANSPORT_ROUTER } from './tokens.js';
