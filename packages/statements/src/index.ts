/**
 * `@semper/statements`: signed statements — every business item that crosses a boundary (offer, order,
 * confirmation, cancellation, payment confirmation, shipping note, receipt, contract, licence) as a CMS
 * SignedData over the RFC 8785 canonical JSON of a typed, schema-checked body, that anyone can check with
 * `openssl cms -verify`. Nothing here registers anything at import time.
 *
 * Import `reflect-metadata` once before this package (crypto's ASN.1 layer and tsyringe need it).
 *
 * @packageDocumentation
 */
export {
  type CanonicalizeOptions,
  canonicalBytes,
  canonicalize,
  isCanonical,
  type JsonValue,
  type ParseCanonicalOptions,
  parseCanonical,
} from './canonical-json.js';
export { register, type StatementsRegistrationOptions } from './container.js';
export {
  certificateFingerprint,
  STATEMENT_CONTENT_TYPE,
  STATEMENT_FORMAT,
  statementDigest,
} from './envelope.js';
export * from './errors.js';
export {
  BUILTIN_STATEMENT_KINDS,
  type BuiltinKindName,
  type BuiltinStatementBodies,
  type BuiltinStatementInputs,
  builtinStatementKinds,
} from './kinds/builtin.js';
export {
  type CancellationBody,
  type CancellationInput,
  cancellationKind,
  cancellationSchema,
} from './kinds/cancellation.kind.js';
export { type ContractBody, type ContractInput, contractKind, contractSchema } from './kinds/contract.kind.js';
export { type LicenceBody, type LicenceInput, licenceKind, licenceSchema } from './kinds/licence.kind.js';
export { type OfferBody, type OfferInput, offerKind, offerSchema } from './kinds/offer.kind.js';
export { type OrderBody, type OrderInput, orderKind, orderSchema } from './kinds/order.kind.js';
export {
  type OrderConfirmationBody,
  type OrderConfirmationInput,
  orderConfirmationKind,
  orderConfirmationSchema,
} from './kinds/order-confirmation.kind.js';
export {
  type PaymentConfirmationBody,
  type PaymentConfirmationInput,
  paymentConfirmationKind,
  paymentConfirmationSchema,
} from './kinds/payment-confirmation.kind.js';
export { type ReceiptBody, type ReceiptInput, receiptKind, receiptSchema } from './kinds/receipt.kind.js';
export {
  type ShippingNoteBody,
  type ShippingNoteInput,
  shippingNoteKind,
  shippingNoteSchema,
} from './kinds/shipping-note.kind.js';
export type { Address, DocumentRef, LineItem, Party, StatementRef, Totals } from './schemas.js';
export {
  type ShownStatement,
  type SignedStatement,
  type Statement,
  type StatementOf,
  statementRef,
  type VerifiedStatement,
} from './statement.js';
export {
  DEFAULT_STATEMENT_LIMITS,
  type KindEntry,
  type SignStatementOptions,
  type StatementLimits,
  StatementManager,
  type StatementManagerOptions,
  type VerifyStatementOptions,
} from './statement.manager.js';
export {
  DEFAULT_MAX_BODY_BYTES,
  defineStatementKind,
  type SignerParty,
  type StatementKind,
  type StatementKindDefinition,
  StatementKinds,
} from './statement-kind.js';
export { STATEMENT_KINDS, STATEMENT_MANAGER, STATEMENT_MANAGER_OPTIONS } from './tokens.js';
