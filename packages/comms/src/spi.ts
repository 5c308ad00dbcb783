/**
 * `@semper/comms/spi`: the transport contract, for transport writers (the mail transport, a third
 * party's). Extend {@link AbstractTransport}: it validates, runs the receive pipeline (size limits,
 * decoding, `verify`, the handler with bounded concurrency, acknowledgement) and reports status; you write
 * the `on*` hooks that move bytes. Then run `describeTransportConformance` from `@semper/comms/testing`
 * against your transport.
 *
 * @packageDocumentation
 */
export {
  AbstractTransport,
  type AbstractTransportOptions,
  type IncomingMessage,
  type InboundSink,
  type PollingLoop,
  type PollingOptions,
  type Settlement,
} from './abstract-transport.js';
export { isAddress, MAX_ADDRESS_LENGTH, type ParsedAddress, parseAddress, schemeOf } from './address.js';
export { decodeEnvelope, ENVELOPE_CONTENT_TYPE, encodeEnvelope } from './envelope.js';
export * from './errors.js';
export {
  type CheckMessageOptions,
  checkMaxMessageBytes,
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
export { backoffDelay, DEFAULT_RETRY_POLICY, type RetryPolicy, resolveRetryPolicy, sleep } from './retry.js';
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
