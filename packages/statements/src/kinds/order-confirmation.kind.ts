import { z } from 'zod';
import {
  idSchema,
  nonNegativeMoneySchema,
  partySchema,
  statementRefSchema,
  textSchema,
  timestampSchema,
} from '../schemas.js';
import { defineStatementKind } from '../statement-kind.js';

/**
 * The body of an `order-confirmation` (v1): the merchant accepts an order; from now on neither side may
 * cancel it unilaterally.
 *
 * - `orderId` and `order` (a reference to the signed order, by digest);
 * - `merchant`, `buyer`;
 * - `total`: the amount confirmed (the order's total);
 * - optionally `expectedDelivery` and a `note`.
 *
 * @example
 * ```ts
 * import { orderConfirmationSchema } from '@semper/statements';
 * orderConfirmationSchema.safeParse(untrustedBody);
 * ```
 */
export const orderConfirmationSchema = z.strictObject({
  orderId: idSchema('order'),
  order: statementRefSchema(['order']),
  merchant: partySchema,
  buyer: partySchema,
  total: nonNegativeMoneySchema,
  expectedDelivery: timestampSchema.optional(),
  note: textSchema({ max: 2000, multiline: true }).optional(),
});

/**
 * A validated `order-confirmation` body (v1); see {@link orderConfirmationSchema}.
 *
 * @example
 * ```ts
 * import type { OrderConfirmationBody } from '@semper/statements';
 * declare const confirmation: OrderConfirmationBody;
 * console.log(confirmation.order.digest, confirmation.total);
 * ```
 */
export type OrderConfirmationBody = z.output<typeof orderConfirmationSchema>;

/**
 * What `signStatement('order-confirmation', …)` takes.
 *
 * @example
 * ```ts
 * import type { OrderConfirmationInput } from '@semper/statements';
 * declare const input: OrderConfirmationInput;
 * ```
 */
export type OrderConfirmationInput = z.input<typeof orderConfirmationSchema>;

/**
 * The `order-confirmation` kind, version 1: the merchant confirms an order; signed by the merchant.
 *
 * @example
 * ```ts
 * import { orderConfirmationKind } from '@semper/statements';
 * await statements.signStatement(orderConfirmationKind, confirmation, merchantIdentity);
 * ```
 */
export const orderConfirmationKind = defineStatementKind({
  kind: 'order-confirmation',
  version: 1,
  description: 'A merchant confirms an order it refers to by digest, for the amount it names; signed by the merchant.',
  schema: orderConfirmationSchema,
  maxBodyBytes: 16 * 1024,
  signers: (body) => [body.merchant],
});
