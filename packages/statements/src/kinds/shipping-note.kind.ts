import { z } from 'zod';
import {
  addressSchema,
  checkOrder,
  httpsUrlSchema,
  idSchema,
  partySchema,
  statementRefSchema,
  textSchema,
  timestampSchema,
} from '../schemas.js';
import { defineStatementKind } from '../statement-kind.js';

/**
 * The body of a `shipping-note` (v1): the shipper states that goods of an order were handed to a carrier.
 *
 * - `shipmentId` (`ship_…`), `orderId`, `order` (a reference to the signed order);
 * - `shipper` (signs), `consignee`, `deliveryAddress`;
 * - optionally `carrier` (`name`, `service`, `trackingNumber`, `trackingUrl`);
 * - `items`: `{ line, quantity }` per order line shipped, optionally with the `sku` (unique lines);
 * - `packages` (1–1000), optionally `weightGrams`;
 * - `shippedAt`, optionally `estimatedDelivery` (later).
 *
 * @example
 * ```ts
 * import { shippingNoteSchema } from '@semper/statements';
 * shippingNoteSchema.safeParse(untrustedBody);
 * ```
 */
export const shippingNoteSchema = z
  .strictObject({
    shipmentId: idSchema('ship'),
    orderId: idSchema('order'),
    order: statementRefSchema(['order']),
    shipper: partySchema,
    consignee: partySchema,
    deliveryAddress: addressSchema,
    carrier: z
      .strictObject({
        name: textSchema({ max: 100 }),
        service: textSchema({ max: 100 }).optional(),
        trackingNumber: textSchema({ max: 64 }).optional(),
        trackingUrl: httpsUrlSchema.optional(),
      })
      .optional(),
    items: z
      .array(
        z.strictObject({
          line: z.int().min(1).max(99_999),
          sku: textSchema({ max: 64 }).optional(),
          quantity: z.int().min(1).max(1_000_000),
        }),
      )
      .min(1)
      .max(500),
    packages: z.int().min(1).max(1000),
    weightGrams: z.int().min(1).max(100_000_000).optional(),
    shippedAt: timestampSchema,
    estimatedDelivery: timestampSchema.optional(),
  })
  .superRefine((body, ctx) => {
    const lines = body.items.map((i) => i.line);
    if (new Set(lines).size !== lines.length) {
      ctx.addIssue({ code: 'custom', path: ['items'], message: 'line numbers must be unique' });
    }
    checkOrder(body.shippedAt, body.estimatedDelivery, ['estimatedDelivery'], ctx, 'must be later than shippedAt');
  });

/**
 * A validated `shipping-note` body (v1); see {@link shippingNoteSchema}.
 *
 * @example
 * ```ts
 * import type { ShippingNoteBody } from '@semper/statements';
 * declare const note: ShippingNoteBody;
 * console.log(note.carrier?.trackingNumber, note.shippedAt);
 * ```
 */
export type ShippingNoteBody = z.output<typeof shippingNoteSchema>;

/**
 * What `signStatement('shipping-note', …)` takes.
 *
 * @example
 * ```ts
 * import type { ShippingNoteInput } from '@semper/statements';
 * declare const input: ShippingNoteInput;
 * ```
 */
export type ShippingNoteInput = z.input<typeof shippingNoteSchema>;

/**
 * The `shipping-note` kind, version 1: goods of an order were shipped; signed by the shipper.
 *
 * @example
 * ```ts
 * import { shippingNoteKind } from '@semper/statements';
 * await statements.signStatement(shippingNoteKind, note, merchantIdentity);
 * ```
 */
export const shippingNoteKind = defineStatementKind({
  kind: 'shipping-note',
  version: 1,
  description:
    'A shipper states which lines of an order it handed to a carrier, when, and to which address; signed by the shipper.',
  schema: shippingNoteSchema,
  maxBodyBytes: 128 * 1024,
  signers: (body) => [body.shipper],
});
