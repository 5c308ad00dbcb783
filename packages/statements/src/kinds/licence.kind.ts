import { z } from 'zod';
import {
  checkOrder,
  countrySchema,
  digestSchema,
  documentSchema,
  idSchema,
  partySchema,
  statementRefSchema,
  textSchema,
  timestampSchema,
} from '../schemas.js';
import { defineStatementKind } from '../statement-kind.js';

/**
 * The body of a `licence` (v1): a licensor grants a licensee the right to use a product (intangible
 * goods: software, content).
 *
 * - `licenceId` (`lic_…`), `licensor` (signs), `licensee`, optionally `order` (the order it fulfils);
 * - `product`: `sku`, `name`, optionally `version`;
 * - `grant`: `scope` (`personal`, `commercial`, `evaluation` or `education`), optionally `seats` and
 *   `devices`, optionally `territories` (absent: worldwide), `transferable`, `sublicensable`;
 * - `validFrom`, optionally `validUntil` (later; absent: perpetual);
 * - optionally `keyDigest` (the licence key by digest — never the key itself, which is a secret) and
 *   `terms` (the licence terms, by digest).
 *
 * @example
 * ```ts
 * import { licenceSchema } from '@semper/statements';
 * licenceSchema.safeParse(untrustedBody);
 * ```
 */
export const licenceSchema = z
  .strictObject({
    licenceId: idSchema('lic'),
    licensor: partySchema,
    licensee: partySchema,
    order: statementRefSchema(['order']).optional(),
    product: z.strictObject({
      sku: textSchema({ max: 64 }),
      name: textSchema({ max: 200 }),
      version: textSchema({ max: 64 }).optional(),
    }),
    grant: z.strictObject({
      scope: z.enum(['personal', 'commercial', 'evaluation', 'education']),
      seats: z.int().min(1).max(1_000_000).optional(),
      devices: z.int().min(1).max(1_000_000).optional(),
      territories: z.array(countrySchema).min(1).max(250).optional(),
      transferable: z.boolean(),
      sublicensable: z.boolean(),
    }),
    validFrom: timestampSchema,
    validUntil: timestampSchema.optional(),
    keyDigest: digestSchema.optional(),
    terms: documentSchema.optional(),
  })
  .superRefine((body, ctx) => {
    checkOrder(body.validFrom, body.validUntil, ['validUntil'], ctx, 'must be later than validFrom');
  });

/**
 * A validated `licence` body (v1); see {@link licenceSchema}.
 *
 * @example
 * ```ts
 * import type { LicenceBody } from '@semper/statements';
 * declare const licence: LicenceBody;
 * console.log(licence.product.name, licence.grant.scope, licence.validUntil ?? 'perpetual');
 * ```
 */
export type LicenceBody = z.output<typeof licenceSchema>;

/**
 * What `signStatement('licence', …)` takes.
 *
 * @example
 * ```ts
 * import type { LicenceInput } from '@semper/statements';
 * declare const input: LicenceInput;
 * ```
 */
export type LicenceInput = z.input<typeof licenceSchema>;

/**
 * The `licence` kind, version 1: a licence to use a product; signed by the licensor.
 *
 * @example
 * ```ts
 * import { licenceKind } from '@semper/statements';
 * await statements.signStatement(licenceKind, licence, publisherIdentity);
 * ```
 */
export const licenceKind = defineStatementKind({
  kind: 'licence',
  version: 1,
  description: 'A licensor grants a licensee the use of a product, in a scope, for a time; signed by the licensor.',
  schema: licenceSchema,
  maxBodyBytes: 32 * 1024,
  signers: (body) => [body.licensor],
});
