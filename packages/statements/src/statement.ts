import type { Certificate } from '@semper/crypto';
import type { z } from 'zod';
import type { BodyIssue } from './errors.js';
import type { BuiltinKindName, BuiltinStatementBodies } from './kinds/builtin.js';
import type { StatementRef } from './schemas.js';
import type { StatementKind } from './statement-kind.js';

/**
 * What every signed or verified statement tells: its kind and version, its body, its digest, when and by
 * whom it was signed.
 *
 * @example
 * ```ts
 * import type { Statement } from '@semper/statements';
 * function describe(s: Statement): string {
 *   return `${s.kind} v${s.version} by ${s.signer.subject} at ${s.signingTime.toISOString()} (${s.digest})`;
 * }
 * ```
 */
export interface Statement<K extends string = string, V extends number = number, B = unknown> {
  readonly kind: K;
  readonly version: V;
  /**
   * The body, as its kind's schema output it and as it was signed: JSON data (amounts as `MoneyJSON`, times
   * as ISO 8601 text), frozen all the way down.
   */
  readonly body: B;
  /** SHA-256 of the signed content (the canonical envelope): what other statements refer to it by. */
  readonly digest: `sha-256:${string}`;
  /** The CMS signing-time attribute (whole seconds). */
  readonly signingTime: Date;
  /** The signer's certificate. */
  readonly signer: Certificate;
}

/**
 * What `signStatement` returns: the statement, and its bytes (a DER CMS `ContentInfo` that
 * `openssl cms -verify -binary -inform DER` checks).
 *
 * @example
 * ```ts
 * import type { SignedStatement } from '@semper/statements';
 * declare const signed: SignedStatement;
 * await writeFile('offer.der', signed.bytes);
 * ```
 */
export interface SignedStatement<K extends string = string, V extends number = number, B = unknown>
  extends Statement<K, V, B> {
  readonly bytes: Uint8Array;
}

/**
 * What `verifyStatement` returns: a statement whose signature, signer chain, canonical form, kind and
 * body were all checked.
 *
 * @example
 * ```ts
 * import type { VerifiedStatement } from '@semper/statements';
 * declare const verified: VerifiedStatement;
 * console.log(verified.chain.map((c) => c.subject)); // leaf first, trust anchor last
 * ```
 */
export interface VerifiedStatement<K extends string = string, V extends number = number, B = unknown>
  extends Statement<K, V, B> {
  /** The signer's chain as the validator built it: leaf first, trust anchor last. */
  readonly chain: readonly Certificate[];
}

/**
 * What `showStatement` returns, for tools: what a statement says, **unverified** — nothing here says
 * whom to trust. The signature is intact (it verifies with the certificate in the message), but that
 * certificate was not validated (no trust anchor, validity period or revocation was checked), and the
 * body was not required to match its kind: `valid` and `issues` report what the schema says.
 *
 * @example
 * ```ts
 * import type { ShownStatement } from '@semper/statements';
 * declare const shown: ShownStatement;
 * console.log(`UNVERIFIED ${shown.kind} v${shown.version} signed by ${shown.signerSubject}`);
 * ```
 */
export interface ShownStatement {
  /** Always true: this statement was decoded, not verified. */
  readonly unverified: true;
  readonly format: string;
  readonly kind: string;
  readonly version: number;
  /** The body as it was signed (not parsed by its kind's schema). */
  readonly body: unknown;
  /** Whether the signed content is in its canonical form (`verifyStatement` refuses it otherwise). */
  readonly canonical: boolean;
  /** Whether the kind (at this version) is registered. */
  readonly known: boolean;
  /** Whether the body matches its kind's schema; `undefined` when the kind is not known. */
  readonly valid: boolean | undefined;
  /** What the schema says is wrong (empty when valid or unknown). */
  readonly issues: readonly BodyIssue[];
  /** The certificate the signature verifies with, not validated. */
  readonly signer: Certificate;
  /** Its subject, e.g. `CN=Example Books, O=Example`. */
  readonly signerSubject: string;
  readonly signingTime: Date | undefined;
  readonly digest: `sha-256:${string}`;
}

/**
 * The body type of the statements that a `kinds` entry of `verifyStatement` admits: a kind definition
 * gives its schema's output; a built-in kind's name its built-in body; another name `unknown`.
 *
 * @example
 * ```ts
 * import type { offerKind, StatementOf } from '@semper/statements';
 * type VerifiedOffer = StatementOf<typeof offerKind>; // VerifiedStatement<'offer', 1, OfferBody>
 * ```
 */
export type StatementOf<E> =
  E extends StatementKind<infer K, infer V, infer S extends z.ZodType>
    ? VerifiedStatement<K, V, z.output<S>>
    : E extends BuiltinKindName
      ? VerifiedStatement<E, number, BuiltinStatementBodies[E]>
      : VerifiedStatement;

/**
 * A reference to `statement` for the body of a later one (an order refers to its offer, a confirmation
 * to its order): its kind and digest.
 *
 * @example
 * ```ts
 * import { statementRef } from '@semper/statements';
 * const offer = await statements.verifyStatement(offerBytes, { trust, kinds: ['offer'] });
 * const order = { orderId, offerId: offer.body.offerId, offer: statementRef(offer), … };
 * ```
 */
export function statementRef<K extends string>(statement: Pick<Statement<K>, 'kind' | 'digest'>): StatementRef<K> {
  return { kind: statement.kind, digest: statement.digest };
}
