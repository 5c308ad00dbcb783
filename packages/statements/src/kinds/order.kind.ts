import { z } from 'zod';
import {
  addressSchema,
  checkPricing,
  idSchema,
  lineItemsSchema,
  moduleIdSchema,
  partySchema,
  statementRefSchema,
  textSchema,
  totalsSchema,
} from '../schemas.js';
import { defineStatementKind } from '../statement-kind.js';

/**
 * The body of an `order` (v1): the buyer's signed order, accepting an offer.
 *
 * - `orderId` (`order_…`), `offerId` and `offer` (a reference to the signed offer, by digest);
 * - `buyer`, `merchant`;
 * - `items` (1–500 lines: the offer's lines, possibly fewer or in other quantities) and `totals`;
 * - `paymentMethod`: the payment module chosen (one the offer accepts);
 * - optionally `shippingAddress`, `billingAddress`, and a `note`.
 *
 * @example
 * ```ts
 * import { orderSchema } from '@semper/statements';
 * const result = orderSchema.safeParse(untrustedBody);
 * ```
 */
export const orderSchema = z
  .strictObject({
    orderId: idSchema('order'),
    offerId: idSchema('offer'),
    offer: statementRefSchema(['offer']),
    buyer: partySchema,
    merchant: partySchema,
    items: lineItemsSchema,
    totals: totalsSchema,
    paymentMethod: moduleIdSchema,
    shippingAddress: addressSchema.optional(),
    billingAddress: addressSchema.optional(),
    note: textSchema({ max: 2000, multiline: true }).optional(),
  })
  .superRefine(checkPricing);

/**
 * A validated `order` body (v1); see {@link orderSchema}.
 *
 * @example
 * ```ts
 * import type { OrderBody } from '@semper/statements';
 * declare const order: OrderBody;
 * console.log(order.orderId, order.offer.digest, order.paymentMethod);
 * ```
 */
export type OrderBody = z.output<typeof orderSchema>;

/**
 * What `signStatement('order', …)` takes.
 *
 * @example
 * ```ts
 * import type { OrderInput } from '@semper/statements';
 * declare const input: OrderInput;
 * ```
 */
export type OrderInput = z.input<typeof orderSchema>;

/**
 * The `order` kind, version 1: the buyer's order of an offer; signed by the buyer.
 *
 * @example
 * ```ts
 * import { orderKind } from '@semper/statements';
 * const verified = await statements.verifyStatement(bytes, { trust, kinds: [orderKind] });
 * verified.body.offer.digest;
 * ```
 */
export const orderKind = defineStatementKind({
  kind: 'order',
  version: 1,
  description:
    'A buyer orders line items of an offer it refers to by digest, and names the payment method; signed by the buyer.',
  schema: orderSchema,
  maxBodyBytes: 256 * 1024,
  signers: (body) => [body.buyer],
});
