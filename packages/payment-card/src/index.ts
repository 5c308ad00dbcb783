/**
 * `@semper/payment-card`: cheque-like card payments in the line of SET and iKP. A cardholder, a merchant
 * and a payment gateway, each with a certificate of its role; the purchase request carries a dual
 * signature binding the order information (which the merchant reads) and the payment information (card
 * data, encrypted to the gateway in CMS AuthEnvelopedData, which the merchant cannot read); the gateway
 * checks the dual signature and authorises against an issuer simulator; then capture, void and refund.
 *
 * @packageDocumentation
 */
export {
  CARD_ROLE_BITS,
  type CardPki,
  type CardRole,
  cardRolesOf,
  checkCardRole,
  createCardPki,
  SET_CERT_TYPE_OID,
} from './card-pki.js';
export {
  type CardDetails,
  Cardholder,
  type CardholderOptions,
  type PendingPurchase,
  type PurchaseAnswer,
} from './cardholder.js';
export { CardError, type CardErrorCode } from './errors.js';
export type { CardEvent, CardLogEntry, CardLogger } from './events.js';
export {
  CARD_CONTENT_TYPE,
  DEFAULT_AUTHORIZATION_TTL_MS,
  type MerchantRegistration,
  PaymentGateway,
  type PaymentGatewayOptions,
} from './gateway.server.js';
export {
  type CardBalance,
  type IssueCardOptions,
  type IssuedCard,
  type IssuerAuthorizationRequest,
  type IssuerDecision,
  IssuerSimulator,
  isLuhnValid,
} from './issuer.js';
export {
  type CardEvidenceSink,
  CardMerchant,
  type CardMerchantOptions,
  type PurchaseOutcome,
  type SettlementOptions,
  type SettlementOutcome,
} from './merchant.js';
export {
  type DeclineReason,
  declineReasonSchema,
  type GatewayRequest,
  type GatewayResponse,
  type GatewayResult,
  gatewayRequestSchema,
  gatewayResponseSchema,
  gatewayResultSchema,
  MAX_INFO_BYTES,
  MAX_MESSAGE_BYTES,
  moneySchema,
  type OrderInformation,
  orderInformationSchema,
  type PaymentInformation,
  type PurchaseInit,
  type PurchaseRequest,
  type PurchaseResponse,
  paymentInformationSchema,
  purchaseInitSchema,
  purchaseRequestSchema,
  purchaseResponseSchema,
} from './messages.js';
export { CARD_GATEWAY_MIGRATIONS, CARD_ISSUER_MIGRATIONS, CARD_MERCHANT_MIGRATIONS } from './migrations.js';
export { type CardTrust, createDualSignature, dualSignatureDigests, verifyDualSignature } from './signed.js';
export {
  CARD_MODULE_ID,
  CARD_STEPS,
  CardPaymentModule,
  type CardPaymentModuleOptions,
  type CardPurse,
  type CardPurseConfig,
} from './card.payment-module.js';
export { type CardRegistrationOptions, register } from './container.js';
export { CARD_MERCHANT, CARD_PAYMENT_MODULE } from './tokens.js';
