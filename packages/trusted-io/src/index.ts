/**
 * `@semper/trusted-io`: SEMPER's TINGUIN, the trusted path between the user and what is signed or paid
 * in their name. `confirm` shows a typed item with the SHA-256 digest of the exact bytes and returns a
 * confirmation bound to that digest; `signConfirmed` / `confirmThenSign` sign only bytes with that
 * digest. A terminal implementation (any streams; no echo for secrets) and a policy-driven one (rules
 * on Money amounts, payees, limits and preferences); every decision recorded. Nothing is registered
 * at import time.
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
export {
  Confirmation,
  confirmThenSign,
  type ItemToSign,
  type SignOutcome,
  signConfirmed,
} from './confirmation.js';
export {
  register,
  type TrustedIoContainer,
  type TrustedIoRegistrationOptions,
  type TrustedIoResolver,
  type Wired,
} from './container.js';
export { digestsEqual, formatDigest, isSha256Hex, sha256Hex } from './digest.js';
export * from './errors.js';
export {
  type ChoiceOption,
  type ChoiceRequest,
  type ConfirmationItem,
  checkChoice,
  checkItem,
  checkNotice,
  checkPrompt,
  type DisplayField,
  displayText,
  type Notice,
  type SecretPrompt,
} from './item.js';
export {
  type ConfirmationRule,
  DEFAULT_REFUSE_RULE,
  evaluateConfirmationRules,
  PolicyTrustedIo,
  type PolicyTrustedIoOptions,
} from './policy.trusted-io.js';
export type { TerminalInputStream } from './terminal-input.js';
export { renderConfirmation, TerminalTrustedIo, type TerminalTrustedIoOptions } from './terminal.trusted-io.js';
export { TRUSTED_IO } from './tokens.js';
export type {
  ChoiceResult,
  ConfirmationResult,
  DecidedBy,
  RefusalCode,
  SecretResult,
  TrustedIo,
  TrustedIoEvent,
} from './trusted-io.js';
