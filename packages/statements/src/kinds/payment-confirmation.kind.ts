import { z } from 'zod';
import {
  idSchema,
  moduleIdSchema,
  partySchema,
  positiveMoneySchema,
  statementRefSchema,
  textSchema,
  timestampSchema,
} from '../schemas.js';
import { defineStatementKind } from '../statement-kind.js';

/**
 * The body of a `payment-confirmation` (v1): the payee (or the payment service acting for it) confirms
 * that a payment for an order was received.
 *
 * - `paymentId` (`pay_…`), `orderId`, optionally `order` (a reference to the signed order);
 * - `payer`, `payee`, optionally `confirmedBy` (a payment service provider; when absent the payee confirms);
 * - `amount` (more than zero), `method` (the payment module), optionally `transaction` (the module's own
 *   reference for the transfer);
 * - `paidAt`.
 *
 * @example
 * ```ts
 * import { paymentConfirmationSchema } from '@semper/statements';
 * paymentConfirmationSchema.safeParse(untrustedBody);
 * ```
 */
export const paymentConfirmationSchema = z.strictObject({
  paymentId: idSchema('pay'),
  orderId: idSchema('order'),
  order: statementRefSchema(['order']).optional(),
  payer: partySchema,
  payee: partySchema,
  confirmedBy: partySchema.optional(),
  amount: positiveMoneySchema,
  method: moduleIdSchema,
  transaction: textSchema({ max: 128 }).optional(),
  paidAt: timestampSchema,
});

/**
 * A validated `payment-confirmation` body (v1); see {@link paymentConfirmationSchema}.
 *
 * @example
 * ```ts
 * import type { PaymentConfirmationBody } from '@semper/statements';
 * declare const confirmation: PaymentConfirmationBody;
 * console.log(confirmation.paymentId, confirmation.amount, confirmation.method);
 * ```
 */
export type PaymentConfirmationBody = z.output<typeof paymentConfirmationSchema>;

/**
 * What `signStatement('payment-confirmation', …)` takes.
 *
 * @example
 * ```ts
 * import type { PaymentConfirmationInput } from '@semper/statements';
 * declare const input: PaymentConfirmationInput;
 * ```
 */
export type PaymentConfirmationInput = z.input<typeof paymentConfirmationSchema>;

/**
 * The `payment-confirmation` kind, version 1: a payment was received; signed by the payee or by
 * `confirmedBy`.
 *
 * @example
 * ```ts
 * import { paymentConfirmationKind } from '@semper/statements';
 * await statements.signStatement(paymentConfirmationKind, confirmation, merchantIdentity);
 * ```
 */
export const paymentConfirmationKind = defineStatementKind({
  kind: 'payment-confirmation',
  version: 1,
  description:
    'The payee, or a payment service for it, confirms that a payment for an order was received; signed by that party.',
  schema: paymentConfirmationSchema,
  maxBodyBytes: 16 * 1024,
  signers: (body) => [body.confirmedBy ?? body.payee],
});
