import { z } from 'zod';
import {
  documentSchema,
  idSchema,
  nonNegativeMoneySchema,
  partySchema,
  statementRefSchema,
  textSchema,
  timestampSchema,
} from '../schemas.js';
import { defineStatementKind } from '../statement-kind.js';

/**
 * The body of a `receipt` (v1): the party that received something acknowledges it — goods (by order
 * line), a payment, digital content (by digest, as in certified delivery), or signed statements. It is
 * the evidence the sender keeps (the merchant holds the buyer's receipt iff the buyer holds the goods).
 *
 * - `receiptId` (`rcpt_…`), optionally `orderId`;
 * - `issuer` (who received, and signs), `from` (who delivered);
 * - at least one of: `acknowledges` (references to statements received), `goods` (`{ line, quantity }` per
 *   order line, unique lines), `payment` (an amount received), `content` (documents received, by digest);
 * - `receivedAt`, optionally a `note` (e.g. "parcel damaged").
 *
 * @example
 * ```ts
 * import { receiptSchema } from '@semper/statements';
 * receiptSchema.safeParse(untrustedBody);
 * ```
 */
export const receiptSchema = z
  .strictObject({
    receiptId: idSchema('rcpt'),
    orderId: idSchema('order').optional(),
    issuer: partySchema,
    from: partySchema,
    acknowledges: z.array(statementRefSchema()).min(1).max(16).optional(),
    goods: z
      .array(z.strictObject({ line: z.int().min(1).max(99_999), quantity: z.int().min(1).max(1_000_000) }))
      .min(1)
      .max(500)
      .optional(),
    payment: nonNegativeMoneySchema.optional(),
    content: z.array(documentSchema).min(1).max(64).optional(),
    receivedAt: timestampSchema,
    note: textSchema({ max: 2000, multiline: true }).optional(),
  })
  .superRefine((body, ctx) => {
    if (!body.acknowledges && !body.goods && !body.payment && !body.content) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: 'must acknowledge something: statements, goods, a payment or content',
      });
    }
    const lines = body.goods?.map((g) => g.line) ?? [];
    if (new Set(lines).size !== lines.length) {
      ctx.addIssue({ code: 'custom', path: ['goods'], message: 'line numbers must be unique' });
    }
  });

/**
 * A validated `receipt` body (v1); see {@link receiptSchema}.
 *
 * @example
 * ```ts
 * import type { ReceiptBody } from '@semper/statements';
 * declare const receipt: ReceiptBody;
 * console.log(receipt.issuer.name, receipt.receivedAt);
 * ```
 */
export type ReceiptBody = z.output<typeof receiptSchema>;

/**
 * What `signStatement('receipt', …)` takes.
 *
 * @example
 * ```ts
 * import type { ReceiptInput } from '@semper/statements';
 * declare const input: ReceiptInput;
 * ```
 */
export type ReceiptInput = z.input<typeof receiptSchema>;

/**
 * The `receipt` kind, version 1: an acknowledgement of receipt; signed by the party that received.
 *
 * @example
 * ```ts
 * import { receiptKind } from '@semper/statements';
 * await statements.signStatement(receiptKind, receipt, buyerIdentity);
 * ```
 */
export const receiptKind = defineStatementKind({
  kind: 'receipt',
  version: 1,
  description:
    'A party acknowledges what it received: goods, a payment, content by digest or statements; signed by that party.',
  schema: receiptSchema,
  maxBodyBytes: 64 * 1024,
  signers: (body) => [body.issuer],
});
