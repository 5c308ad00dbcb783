import { digestsEqual, sha256Hex } from './digest.js';
import { DigestMismatchError, TrustedIoError } from './errors.js';
import type { ConfirmationItem } from './item.js';
import type { DecidedBy, RefusalCode, TrustedIo } from './trusted-io.js';

/** The issuer's hook, called once the confirmation has been used for a signature. */
type OnSigned = (confirmation: Confirmation) => void | Promise<void>;

interface State {
  state: 'unused' | 'signing' | 'used';
  readonly onSigned?: OnSigned;
}

/** Confirmations issued in this process: only these can be used to sign. */
const issued = new WeakMap<Confirmation, State>();
const ISSUER_KEY: unique symbol = Symbol('semper.trustedio.issuer');

/**
 * The proof that an item was shown and approved: bound to the SHA-256 digest that was shown, and to
 * the item exactly as it was shown (a frozen snapshot). It cannot be made by hand (only a trusted-io
 * implementation, through `AbstractTrustedIo`, issues one), and it can be used for one signature
 * (`signConfirmed`), over bytes with that digest only.
 *
 * @example
 * ```ts
 * import { type Confirmation, type TrustedIo, sha256Hex } from '@semper/trusted-io';
 * declare const io: TrustedIo;
 * const bytes = new TextEncoder().encode('receipt for order_17');
 * const result = await io.confirm({ kind: 'statement', title: 'Sign the receipt', digest: sha256Hex(bytes) });
 * if (result.approved) {
 *   const c: Confirmation = result.confirmation;
 *   console.log(c.digest === sha256Hex(bytes), c.item.title, c.by); // true 'Sign the receipt' 'user'
 * }
 * ```
 */
export class Confirmation {
  /** The SHA-256 (hex) that was shown. */
  readonly digest: string;
  /** The item as it was shown (frozen). */
  readonly item: ConfirmationItem;
  /** The decision's id in the issuer's log and events. */
  readonly decisionId: string;
  /** Who approved. */
  readonly by: DecidedBy;
  /** The policy rule that approved, when a policy did. */
  readonly rule?: string;
  /** When it was approved. */
  readonly at: Date;

  /** Not for use: confirmations are issued by trusted-io implementations only (any other call throws). */
  constructor(
    key: symbol,
    item: ConfirmationItem,
    decision: { readonly decisionId: string; readonly by: DecidedBy; readonly rule?: string; readonly at: Date },
  ) {
    if (key !== ISSUER_KEY) {
      throw new TrustedIoError(
        'ERR_TRUSTEDIO_INVALID_CONFIRMATION',
        'confirmations are issued by trusted-io implementations only',
      );
    }
    this.digest = item.digest;
    this.item = item;
    this.decisionId = decision.decisionId;
    this.by = decision.by;
    if (decision.rule !== undefined) this.rule = decision.rule;
    this.at = new Date(decision.at.getTime());
    Object.freeze(this);
  }

  /**
   * Whether `value` is a confirmation issued in this process (a look-alike object is not).
   *
   * @example
   * ```ts
   * import { Confirmation } from '@semper/trusted-io';
   * Confirmation.isConfirmation({ digest: '00'.repeat(32) }); // false
   * ```
   */
  static isConfirmation(value: unknown): value is Confirmation {
    return typeof value === 'object' && value !== null && issued.has(value as Confirmation);
  }

  /**
   * Whether it has been used for a signature.
   *
   * @example
   * ```ts
   * import type { Confirmation } from '@semper/trusted-io';
   * declare const c: Confirmation;
   * if (c.isUsed()) console.log('ask again: one confirmation, one signature');
   * ```
   */
  isUsed(): boolean {
    return issued.get(this)?.state === 'used';
  }
}

/**
 * Issues a confirmation for the item that was shown (internal to the package: `AbstractTrustedIo`
 * calls it with its checked, frozen snapshot).
 */
export function issueConfirmation(
  item: ConfirmationItem,
  decision: { readonly decisionId: string; readonly by: DecidedBy; readonly rule?: string; readonly at: Date },
  onSigned?: OnSigned,
): Confirmation {
  const confirmation = new Confirmation(ISSUER_KEY, item, decision);
  issued.set(confirmation, { state: 'unused', onSigned });
  return confirmation;
}

/**
 * Signs `bytes` with `sign` if, and only if, they are the bytes whose digest the user confirmed: the
 * SHA-256 of a private copy of `bytes` is recomputed and compared (in constant time) with the
 * confirmed digest, then `sign` gets that very copy (so changing the caller's buffer meanwhile changes
 * nothing). Throws, without calling `sign`:
 * - `ERR_TRUSTEDIO_INVALID_CONFIRMATION` for anything not issued by a trusted-io implementation;
 * - `ERR_TRUSTEDIO_CONFIRMATION_USED` when the confirmation already served a signature (or one is
 *   being made with it);
 * - {@link DigestMismatchError} (`ERR_TRUSTEDIO_DIGEST_MISMATCH`) when the digests differ.
 *
 * If `sign` throws, the confirmation stays unused (the same bytes may be signed again with it).
 *
 * @example
 * ```ts
 * import { signConfirmed, type TrustedIo, sha256Hex } from '@semper/trusted-io';
 * declare const io: TrustedIo;
 * declare function sign(bytes: Uint8Array): Promise<Uint8Array>;
 * const order = new TextEncoder().encode('order 17: 3 books, 42.50 EUR');
 * const result = await io.confirm({ kind: 'order', title: 'Place order 17', digest: sha256Hex(order) });
 * if (result.approved) {
 *   const signature = await signConfirmed(result.confirmation, order, sign);
 *   // signConfirmed(result.confirmation, otherBytes, sign) would throw ERR_TRUSTEDIO_DIGEST_MISMATCH
 * }
 * ```
 */
export async function signConfirmed<S>(
  confirmation: Confirmation,
  bytes: Uint8Array,
  sign: (bytes: Uint8Array) => S | Promise<S>,
): Promise<S> {
  const state = typeof confirmation === 'object' && confirmation !== null ? issued.get(confirmation) : undefined;
  if (state === undefined) {
    throw new TrustedIoError('ERR_TRUSTEDIO_INVALID_CONFIRMATION', 'not a confirmation issued by trusted-io');
  }
  if (!(bytes instanceof Uint8Array)) {
    throw new TrustedIoError('ERR_TRUSTEDIO_INVALID_ARGUMENT', 'the bytes to sign must be a Uint8Array');
  }
  if (typeof sign !== 'function') throw new TrustedIoError('ERR_TRUSTEDIO_INVALID_ARGUMENT', 'sign is a function');
  if (state.state !== 'unused') {
    throw new TrustedIoError(
      'ERR_TRUSTEDIO_CONFIRMATION_USED',
      'this confirmation was already used for a signature: ask for a new one',
    );
  }
  const copy = bytes.slice();
  const actual = sha256Hex(copy);
  if (!digestsEqual(actual, confirmation.digest)) throw new DigestMismatchError(confirmation.digest, actual);
  state.state = 'signing';
  let signature: S;
  try {
    signature = await sign(copy);
  } catch (err) {
    state.state = 'unused';
    throw err;
  }
  state.state = 'used';
  await state.onSigned?.(confirmation);
  return signature;
}

/**
 * What {@link confirmThenSign} takes: a confirmation item whose digest may be left out (it is
 * computed from the bytes; when given, it must be theirs).
 *
 * @example
 * ```ts
 * import type { ItemToSign } from '@semper/trusted-io';
 * const item: ItemToSign = { kind: 'statement', title: 'Sign the delivery receipt' };
 * ```
 */
export type ItemToSign = Omit<ConfirmationItem, 'digest'> & { readonly digest?: string };

/**
 * The outcome of {@link confirmThenSign}: signed (with the confirmation that allowed it), or not,
 * because the confirmation was refused (the refusal's code, reason and rule). Faults are thrown.
 *
 * @example
 * ```ts
 * import type { SignOutcome } from '@semper/trusted-io';
 * function report(o: SignOutcome<Uint8Array>): string {
 *   return o.signed ? `signed ${o.confirmation.digest}` : `not signed: ${o.reason}`;
 * }
 * ```
 */
export type SignOutcome<S> =
  | { readonly signed: true; readonly signature: S; readonly confirmation: Confirmation }
  | {
      readonly signed: false;
      readonly code: RefusalCode;
      readonly reason: string;
      readonly rule?: string;
      readonly decisionId: string;
    };

/**
 * Shows `item` with the digest of `bytes`, and signs `bytes` with `sign` only if it is approved and
 * only over the digest that was shown (through {@link signConfirmed}). A refusal is returned
 * (`signed: false`) and `sign` is not called. An item that carries a digest other than that of
 * `bytes` throws {@link DigestMismatchError} before anything is shown.
 *
 * @example
 * ```ts
 * import { Money } from '@semper/core';
 * import { confirmThenSign, type TrustedIo } from '@semper/trusted-io';
 * declare const io: TrustedIo;
 * declare function sign(bytes: Uint8Array): Promise<Uint8Array>;
 * const payment = new TextEncoder().encode('{"pay":{"amount":"4250","currency":"EUR"},"to":"acme-books"}');
 * const outcome = await confirmThenSign(
 *   io,
 *   { kind: 'payment', title: 'Pay Acme Books', amount: Money.parse('42.50', 'EUR'), payee: 'acme-books' },
 *   payment,
 *   sign,
 * );
 * if (!outcome.signed) console.log(outcome.code, outcome.reason);
 * ```
 */
export async function confirmThenSign<S>(
  io: TrustedIo,
  item: ItemToSign,
  bytes: Uint8Array,
  sign: (bytes: Uint8Array) => S | Promise<S>,
): Promise<SignOutcome<S>> {
  if (typeof io !== 'object' || io === null || typeof io.confirm !== 'function') {
    throw new TrustedIoError('ERR_TRUSTEDIO_INVALID_ARGUMENT', 'confirmThenSign needs a TrustedIo');
  }
  if (typeof item !== 'object' || item === null) {
    throw new TrustedIoError('ERR_TRUSTEDIO_INVALID_ARGUMENT', 'an item is an object');
  }
  const copy = bytes instanceof Uint8Array ? bytes.slice() : bytes;
  const digest = sha256Hex(copy);
  if (item.digest !== undefined && !digestsEqual(item.digest, digest)) {
    throw new DigestMismatchError(String(item.digest), digest);
  }
  const result = await io.confirm({ ...item, digest });
  if (!result.approved) {
    const { code, reason, rule, decisionId } = result;
    return rule === undefined
      ? { signed: false, code, reason, decisionId }
      : { signed: false, code, reason, rule, decisionId };
  }
  const signature = await signConfirmed(result.confirmation, copy, sign);
  return { signed: true, signature, confirmation: result.confirmation };
}
