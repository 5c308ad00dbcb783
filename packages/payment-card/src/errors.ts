import { SemperError } from '@semper/core';

/**
 * Codes thrown by `@semper/payment-card`. Declines (limit, funds, expired or unknown card) are not errors:
 * they are returned as outcomes.
 *
 * @example
 * ```ts
 * import { CardError, type CardErrorCode } from '@semper/payment-card';
 * const isForgery = (err: unknown) =>
 *   err instanceof CardError && (['ERR_CARD_BAD_DUAL_SIGNATURE'] as CardErrorCode[]).includes(err.code);
 * ```
 */
export type CardErrorCode =
  /** A caller's argument or the configuration is invalid (a programming error, not untrusted input). */
  | 'ERR_CARD_INVALID_ARGUMENT'
  /** A message is too large, not the expected structure, or fails its schema. */
  | 'ERR_CARD_MALFORMED'
  /** The dual signature does not bind this order information and this payment information. */
  | 'ERR_CARD_BAD_DUAL_SIGNATURE'
  /** A signature (merchant's, gateway's) does not verify, or its signer is not trusted. */
  | 'ERR_CARD_BAD_SIGNATURE'
  /** The payment information could not be decrypted by the gateway. */
  | 'ERR_CARD_DECRYPTION_FAILED'
  /** Order information, payment information and the merchant's request disagree (amount, transaction, merchant). */
  | 'ERR_CARD_MISMATCH'
  /** The merchant is not registered with the gateway, or signs with another certificate. */
  | 'ERR_CARD_UNKNOWN_MERCHANT'
  /** No authorization with this id (for this merchant). */
  | 'ERR_CARD_UNKNOWN_AUTHORIZATION'
  /** The operation does not fit the authorization's state (capture after void, void after capture, …). */
  | 'ERR_CARD_INVALID_STATE'
  /** A capture over the authorized amount (cumulated). */
  | 'ERR_CARD_AMOUNT_EXCEEDS_AUTHORIZED'
  /** A refund over the captured amount (cumulated). */
  | 'ERR_CARD_REFUND_EXCEEDS_CAPTURED'
  /** The same operation id was used again with a different request. */
  | 'ERR_CARD_IDEMPOTENCY_CONFLICT'
  /** A message does not answer the request it claims to (transaction, operation or nonce differ). */
  | 'ERR_CARD_PROTOCOL'
  /** The gateway could not be reached or did not answer in time. */
  | 'ERR_CARD_GATEWAY_UNAVAILABLE';

/**
 * A fault raised by `@semper/payment-card`. Messages never contain card data (PAN, expiry, CVV).
 *
 * @example
 * ```ts
 * import { CardError } from '@semper/payment-card';
 * throw new CardError('ERR_CARD_MALFORMED', 'purchase request: not JSON');
 * ```
 */
export class CardError extends SemperError<CardErrorCode> {}

/** @internal */
export function malformed(what: string, cause?: unknown): CardError {
  return new CardError('ERR_CARD_MALFORMED', `malformed ${what}`, { cause });
}
