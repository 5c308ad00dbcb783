import { z } from 'zod';
import { idSchema, partySchema, statementRefSchema, textSchema } from '../schemas.js';
import { defineStatementKind } from '../statement-kind.js';

/** Why a statement is cancelled. */
const REASONS = [
  'buyer-request',
  'merchant-request',
  'out-of-stock',
  'payment-failed',
  'expired',
  'withdrawal',
  'other',
] as const;

/**
 * The body of a `cancellation` (v1): a party cancels an offer, an order (before it is confirmed, or by
 * withdrawal afterwards), a contract or a licence it refers to by digest.
 *
 * - `cancellationId` (`cancel_…`), `cancels` (a reference to an offer, order, order-confirmation, contract
 *   or licence), optionally `orderId`;
 * - `by` (who cancels, and signs), optionally `counterparty`;
 * - `reason`: `buyer-request`, `merchant-request`, `out-of-stock`, `payment-failed`, `expired`,
 *   `withdrawal` or `other` (then `explanation` is required); optionally `explanation`.
 *
 * @example
 * ```ts
 * import { cancellationSchema } from '@semper/statements';
 * cancellationSchema.safeParse(untrustedBody);
 * ```
 */
export const cancellationSchema = z
  .strictObject({
    cancellationId: idSchema('cancel'),
    cancels: statementRefSchema(['offer', 'order', 'order-confirmation', 'contract', 'licence']),
    orderId: idSchema('order').optional(),
    by: partySchema,
    counterparty: partySchema.optional(),
    reason: z.enum(REASONS),
    explanation: textSchema({ max: 1000, multiline: true }).optional(),
  })
  .superRefine((body, ctx) => {
    if (body.reason === 'other' && body.explanation === undefined) {
      ctx.addIssue({ code: 'custom', path: ['explanation'], message: "is required when the reason is 'other'" });
    }
  });

/**
 * A validated `cancellation` body (v1); see {@link cancellationSchema}.
 *
 * @example
 * ```ts
 * import type { CancellationBody } from '@semper/statements';
 * declare const cancellation: CancellationBody;
 * console.log(cancellation.cancels.kind, cancellation.reason);
 * ```
 */
export type CancellationBody = z.output<typeof cancellationSchema>;

/**
 * What `signStatement('cancellation', …)` takes.
 *
 * @example
 * ```ts
 * import type { CancellationInput } from '@semper/statements';
 * declare const input: CancellationInput;
 * ```
 */
export type CancellationInput = z.input<typeof cancellationSchema>;

/**
 * The `cancellation` kind, version 1: a party cancels a statement; signed by that party.
 *
 * @example
 * ```ts
 * import { cancellationKind } from '@semper/statements';
 * await statements.signStatement(cancellationKind, cancellation, buyerIdentity);
 * ```
 */
export const cancellationKind = defineStatementKind({
  kind: 'cancellation',
  version: 1,
  description:
    'A party cancels an offer, order, contract or licence it refers to by digest, with a reason; signed by that party.',
  schema: cancellationSchema,
  maxBodyBytes: 16 * 1024,
  signers: (body) => [body.by],
});
