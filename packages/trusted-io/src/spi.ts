/**
 * `@semper/trusted-io/spi`: for writers of trusted-io implementations (a GUI, a hardware display, a
 * phone app): the base class that validates, binds confirmations to the digest shown and records every
 * decision, its hooks' answer types, and the display helpers. An implementation passes
 * `describeTrustedIoSuite` of `@semper/trusted-io/testing`.
 *
 * @packageDocumentation
 */
export {
  AbstractTrustedIo,
  type ChooseDecision,
  type ConfirmContext,
  type ConfirmDecision,
  type SecretDecision,
  type TrustedIoOptions,
} from './abstract-trusted-io.js';
export { formatDigest, sha256Hex } from './digest.js';
export { TrustedIoError, type TrustedIoErrorCode } from './errors.js';
export {
  type ChoiceOption,
  type ChoiceRequest,
  type ConfirmationItem,
  type DisplayField,
  displayText,
  type Notice,
  type SecretPrompt,
} from './item.js';
export { renderConfirmation } from './terminal.trusted-io.js';
export type {
  ChoiceResult,
  ConfirmationResult,
  DecidedBy,
  RefusalCode,
  SecretResult,
  TrustedIo,
  TrustedIoEvent,
} from './trusted-io.js';
