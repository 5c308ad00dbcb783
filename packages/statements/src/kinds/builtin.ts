import { StatementKinds } from '../statement-kind.js';
import { type CancellationBody, type CancellationInput, cancellationKind } from './cancellation.kind.js';
import { type ContractBody, type ContractInput, contractKind } from './contract.kind.js';
import { type LicenceBody, type LicenceInput, licenceKind } from './licence.kind.js';
import { type OfferBody, type OfferInput, offerKind } from './offer.kind.js';
import { type OrderBody, type OrderInput, orderKind } from './order.kind.js';
import {
  type OrderConfirmationBody,
  type OrderConfirmationInput,
  orderConfirmationKind,
} from './order-confirmation.kind.js';
import {
  type PaymentConfirmationBody,
  type PaymentConfirmationInput,
  paymentConfirmationKind,
} from './payment-confirmation.kind.js';
import { type ReceiptBody, type ReceiptInput, receiptKind } from './receipt.kind.js';
import { type ShippingNoteBody, type ShippingNoteInput, shippingNoteKind } from './shipping-note.kind.js';

/**
 * The body type of each built-in kind (version 1), by kind name.
 *
 * @example
 * ```ts
 * import type { BuiltinStatementBodies } from '@semper/statements';
 * type Order = BuiltinStatementBodies['order'];
 * ```
 */
export interface BuiltinStatementBodies {
  offer: OfferBody;
  order: OrderBody;
  'order-confirmation': OrderConfirmationBody;
  cancellation: CancellationBody;
  'payment-confirmation': PaymentConfirmationBody;
  receipt: ReceiptBody;
  'shipping-note': ShippingNoteBody;
  contract: ContractBody;
  licence: LicenceBody;
}

/**
 * What signing each built-in kind takes (amounts may be `Money`, timestamps `Date`), by kind name.
 *
 * @example
 * ```ts
 * import type { BuiltinStatementInputs } from '@semper/statements';
 * type OfferInput = BuiltinStatementInputs['offer'];
 * ```
 */
export interface BuiltinStatementInputs {
  offer: OfferInput;
  order: OrderInput;
  'order-confirmation': OrderConfirmationInput;
  cancellation: CancellationInput;
  'payment-confirmation': PaymentConfirmationInput;
  receipt: ReceiptInput;
  'shipping-note': ShippingNoteInput;
  contract: ContractInput;
  licence: LicenceInput;
}

/**
 * The name of a built-in kind.
 *
 * @example
 * ```ts
 * import type { BuiltinKindName } from '@semper/statements';
 * const kind: BuiltinKindName = 'shipping-note';
 * ```
 */
export type BuiltinKindName = keyof BuiltinStatementBodies;

/**
 * The built-in kinds, in the order of a purchase: offer, order, order-confirmation, cancellation,
 * payment-confirmation, shipping-note, receipt, contract, licence (each version 1).
 *
 * @example
 * ```ts
 * import { BUILTIN_STATEMENT_KINDS } from '@semper/statements';
 * BUILTIN_STATEMENT_KINDS.map((k) => k.kind);
 * ```
 */
export const BUILTIN_STATEMENT_KINDS = Object.freeze([
  offerKind,
  orderKind,
  orderConfirmationKind,
  cancellationKind,
  paymentConfirmationKind,
  shippingNoteKind,
  receiptKind,
  contractKind,
  licenceKind,
] as const);

/**
 * A registry holding the built-in kinds; add your own with `.with(...)`.
 *
 * @example
 * ```ts
 * import { builtinStatementKinds } from '@semper/statements';
 * builtinStatementKinds.names(); // ['cancellation', 'contract', 'licence', 'offer', 'order', …]
 * ```
 */
export const builtinStatementKinds: StatementKinds = new StatementKinds(BUILTIN_STATEMENT_KINDS);
