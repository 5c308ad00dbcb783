import { z } from 'zod';
import {
  checkOrder,
  countrySchema,
  documentSchema,
  idSchema,
  moneySchema,
  partySchema,
  statementRefSchema,
  textSchema,
  timestampSchema,
} from '../schemas.js';
import { defineStatementKind } from '../statement-kind.js';

/**
 * The body of a `contract` (v1): the text of an agreement between two or more parties. Each party signs
 * the same body (one statement per signer, with equal digests of the body's envelope); exchanging the
 * signatures fairly is the contract-signing protocol's business.
 *
 * - `contractId` (`contract_…`), `title`;
 * - `parties`: 2–16 parties, each with a `role` (`seller`, `buyer`, `licensor`...);
 * - `clauses`: 1–500 `{ id, heading?, text }` with unique ids (`1`, `4.2`, `warranty`);
 * - optionally `consideration` (the price), `documents` (annexes, by digest), `references` (related
 *   statements, by digest), `governingLaw` (a country);
 * - `effectiveFrom`, optionally `effectiveUntil` (later).
 *
 * @example
 * ```ts
 * import { contractSchema } from '@semper/statements';
 * contractSchema.safeParse(untrustedBody);
 * ```
 */
export const contractSchema = z
  .strictObject({
    contractId: idSchema('contract'),
    title: textSchema({ max: 200 }),
    parties: z
      .array(partySchema.extend({ role: textSchema({ max: 64 }) }))
      .min(2)
      .max(16),
    clauses: z
      .array(
        z.strictObject({
          id: z.string().regex(/^[a-z0-9](?:[a-z0-9.-]{0,30}[a-z0-9])?$/, { message: 'must be a clause id' }),
          heading: textSchema({ max: 200 }).optional(),
          text: textSchema({ max: 20_000, multiline: true }),
        }),
      )
      .min(1)
      .max(500),
    consideration: moneySchema.optional(),
    documents: z.array(documentSchema).min(1).max(32).optional(),
    references: z.array(statementRefSchema()).min(1).max(16).optional(),
    governingLaw: countrySchema.optional(),
    effectiveFrom: timestampSchema,
    effectiveUntil: timestampSchema.optional(),
  })
  .superRefine((body, ctx) => {
    const ids = body.clauses.map((c) => c.id);
    if (new Set(ids).size !== ids.length) {
      ctx.addIssue({ code: 'custom', path: ['clauses'], message: 'clause ids must be unique' });
    }
    checkOrder(body.effectiveFrom, body.effectiveUntil, ['effectiveUntil'], ctx, 'must be later than effectiveFrom');
  });

/**
 * A validated `contract` body (v1); see {@link contractSchema}.
 *
 * @example
 * ```ts
 * import type { ContractBody } from '@semper/statements';
 * declare const contract: ContractBody;
 * console.log(contract.title, contract.parties.map((p) => p.role));
 * ```
 */
export type ContractBody = z.output<typeof contractSchema>;

/**
 * What `signStatement('contract', …)` takes.
 *
 * @example
 * ```ts
 * import type { ContractInput } from '@semper/statements';
 * declare const input: ContractInput;
 * ```
 */
export type ContractInput = z.input<typeof contractSchema>;

/**
 * The `contract` kind, version 1: an agreement; signed by one of its parties (each signs its own copy).
 *
 * @example
 * ```ts
 * import { contractKind } from '@semper/statements';
 * const mine = await statements.signStatement(contractKind, contract, sellerIdentity);
 * ```
 */
export const contractKind = defineStatementKind({
  kind: 'contract',
  version: 1,
  description:
    'The text of an agreement between two or more parties with roles; signed by one of the parties, each signing the same body.',
  schema: contractSchema,
  maxBodyBytes: 512 * 1024,
  signers: (body) => body.parties,
});
