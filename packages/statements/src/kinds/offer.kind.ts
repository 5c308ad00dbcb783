import { z } from 'zod';
import {
  checkOrder,
  checkPricing,
  countrySchema,
  documentSchema,
  idSchema,
  lineItemsSchema,
  moduleIdSchema,
  partySchema,
  textSchema,
  timestampSchema,
  totalsSchema,
} from '../schemas.js';
import { defineStatementKind } from '../statement-kind.js';

/** The Incoterms® 2020 rules, for physical delivery across borders. */
const INCOTERMS = ['EXW', 'FCA', 'CPT', 'CIP', 'DAP', 'DPU', 'DDP', 'FAS', 'FOB', 'CFR', 'CIF'] as const;

/**
 * The body of an `offer` (v1): a merchant's signed offer of line items at a price, valid until a time,
 * to one buyer or (without `buyer`) to anyone.
 *
 * - `offerId` (`offer_…`), `merchant`, optional `buyer`;
 * - `items` (1–500 lines) and `totals` (subtotal = Σ line totals; total = subtotal + shipping − discount + tax);
 * - `validFrom` (optional) and `validUntil`, which must be later;
 * - `payment.methods`: the payment modules the merchant accepts, in its order of preference (module ids such as
 *   `payment-ecash`), and optionally `dueWithinDays`;
 * - `delivery`: `method` (`physical`, `digital` or `service`), optionally `shipsWithinDays`, the `regions` it
 *   ships to (ISO 3166-1 alpha-2) and an Incoterms 2020 rule;
 * - `cancellation`: whether either side may cancel until the order is confirmed, and the right of withdrawal
 *   in days (e.g. 14 in the EU), if any;
 * - optionally `terms` (the general terms, by digest) and a `note`.
 *
 * @example
 * ```ts
 * import { offerSchema } from '@semper/statements';
 * const result = offerSchema.safeParse(untrustedBody);
 * ```
 */
export const offerSchema = z
  .strictObject({
    offerId: idSchema('offer'),
    merchant: partySchema,
    buyer: partySchema.optional(),
    items: lineItemsSchema,
    totals: totalsSchema,
    validFrom: timestampSchema.optional(),
    validUntil: timestampSchema,
    payment: z.strictObject({
      methods: z.array(moduleIdSchema).min(1).max(16),
      dueWithinDays: z.int().min(0).max(365).optional(),
    }),
    delivery: z.strictObject({
      method: z.enum(['physical', 'digital', 'service']),
      shipsWithinDays: z.int().min(0).max(365).optional(),
      regions: z.array(countrySchema).min(1).max(250).optional(),
      incoterm: z.enum(INCOTERMS).optional(),
    }),
    cancellation: z.strictObject({
      untilConfirmed: z.boolean(),
      withdrawalDays: z.int().min(0).max(365).optional(),
    }),
    terms: documentSchema.optional(),
    note: textSchema({ max: 2000, multiline: true }).optional(),
  })
  .superRefine((body, ctx) => {
    checkPricing(body, ctx);
    checkOrder(body.validFrom, body.validUntil, ['validUntil'], ctx, 'must be later than validFrom');
    if (new Set(body.payment.methods).size !== body.payment.methods.length) {
      ctx.addIssue({ code: 'custom', path: ['payment', 'methods'], message: 'must not repeat a method' });
    }
  });

/**
 * A validated `offer` body (v1); see {@link offerSchema}.
 *
 * @example
 * ```ts
 * import type { OfferBody } from '@semper/statements';
 * declare const offer: OfferBody;
 * console.log(offer.offerId, offer.totals.total, offer.validUntil);
 * ```
 */
export type OfferBody = z.output<typeof offerSchema>;

/**
 * What `signStatement('offer', …)` takes (amounts may be `Money`, timestamps `Date`).
 *
 * @example
 * ```ts
 * import type { OfferInput } from '@semper/statements';
 * declare const input: OfferInput;
 * ```
 */
export type OfferInput = z.input<typeof offerSchema>;

/**
 * The `offer` kind, version 1: a merchant's offer; signed by the merchant.
 *
 * @example
 * ```ts
 * import { offerKind } from '@semper/statements';
 * const signed = await statements.signStatement(offerKind, offer, merchantIdentity);
 * ```
 */
export const offerKind = defineStatementKind({
  kind: 'offer',
  version: 1,
  description: 'A merchant offers line items at a price until a time, to a buyer or to anyone; signed by the merchant.',
  schema: offerSchema,
  maxBodyBytes: 256 * 1024,
  signers: (body) => [body.merchant],
});
