import { SemperError } from '@semper/core';

/**
 * Codes thrown by `@semper/statements`. Crypto's own codes (`ERR_CRYPTO_BAD_SIGNATURE`,
 * `ERR_CRYPTO_UNTRUSTED_SIGNER`, `ERR_CRYPTO_MALFORMED`...) and those of the chain validator (e.g. a
 * revoked signer) are never replaced by one of these: they reach the caller as thrown.
 *
 * @example
 * ```ts
 * import { StatementsError, type StatementsErrorCode } from '@semper/statements';
 * const rejectedByPolicy: StatementsErrorCode[] = ['ERR_STATEMENTS_KIND_NOT_ALLOWED', 'ERR_STATEMENTS_UNKNOWN_KIND'];
 * function isPolicyRejection(err: unknown): boolean {
 *   return err instanceof StatementsError && rejectedByPolicy.includes(err.code);
 * }
 * ```
 */
export type StatementsErrorCode =
  /** A caller's argument is invalid (a programming or configuration error, not untrusted input). */
  | 'ERR_STATEMENTS_INVALID_ARGUMENT'
  /** A value given to `canonicalize` is not JSON data (NaN, a bigint, a cycle, a lone surrogate, a Date...). */
  | 'ERR_STATEMENTS_NOT_JSON'
  /** Signed content is JSON, but not in its RFC 8785 canonical form: a statement has exactly one encoding. */
  | 'ERR_STATEMENTS_NOT_CANONICAL'
  /** A statement is not one: wrong content type, not UTF-8 JSON, not an envelope, several signers, no signing time. */
  | 'ERR_STATEMENTS_MALFORMED'
  /** The envelope names a statement format this version does not read (e.g. `semper-statement/2`). */
  | 'ERR_STATEMENTS_UNSUPPORTED_FORMAT'
  /** A statement, its JSON nesting or its body exceeds a size limit (checked before parsing). */
  | 'ERR_STATEMENTS_TOO_LARGE'
  /** The statement's kind (or that version of it) is not registered. */
  | 'ERR_STATEMENTS_UNKNOWN_KIND'
  /** The statement's kind is not among the kinds the caller accepts here. */
  | 'ERR_STATEMENTS_KIND_NOT_ALLOWED'
  /** Two different definitions of one kind and version were given to one registry. */
  | 'ERR_STATEMENTS_KIND_CONFLICT'
  /** The body does not match its kind's schema; the message lists the paths, never the values. */
  | 'ERR_STATEMENTS_INVALID_BODY'
  /** The signer's certificate is not that of the party the body says must sign. */
  | 'ERR_STATEMENTS_SIGNER_MISMATCH'
  /** A check of the `@semper/statements/testing` conformance kit failed. */
  | 'ERR_STATEMENTS_CONFORMANCE_FAILED';

/**
 * The root of the statements block's errors.
 *
 * @example
 * ```ts
 * import { StatementsError } from '@semper/statements';
 * try {
 *   await statements.verifyStatement(bytes, { trust });
 * } catch (err) {
 *   if (err instanceof StatementsError) console.error(err.code, err.message);
 * }
 * ```
 */
export class StatementsError extends SemperError<StatementsErrorCode> {}

/**
 * Why a value is not JSON data, as {@link CanonicalJsonError.reason} says.
 *
 * @example
 * ```ts
 * import type { NotJsonReason } from '@semper/statements';
 * const reason: NotJsonReason = 'bigint';
 * ```
 */
export type NotJsonReason =
  | 'undefined'
  | 'function'
  | 'symbol'
  | 'bigint'
  | 'non-finite-number'
  | 'lone-surrogate'
  | 'cycle'
  | 'sparse-array'
  | 'symbol-key'
  | 'not-plain-object'
  | 'too-deep';

/**
 * `canonicalize` was given something that is not JSON data (`ERR_STATEMENTS_NOT_JSON`). `path` is the
 * JSON Pointer (RFC 6901) of the offending value, `reason` says what it is.
 *
 * @example
 * ```ts
 * import { CanonicalJsonError, canonicalize } from '@semper/statements';
 * try {
 *   canonicalize({ amount: 12n });
 * } catch (err) {
 *   if (err instanceof CanonicalJsonError) console.log(err.reason, err.path); // bigint /amount
 * }
 * ```
 */
export class CanonicalJsonError extends StatementsError {
  /** What the offending value is. */
  readonly reason: NotJsonReason;
  /** Its JSON Pointer, `''` for the root. */
  readonly path: string;

  constructor(reason: NotJsonReason, path: string, message: string, options?: { cause?: unknown }) {
    super('ERR_STATEMENTS_NOT_JSON', message, options);
    this.reason = reason;
    this.path = path;
  }
}

/**
 * One problem with a body, as {@link InvalidBodyError.issues} lists them: where (a dotted path such as
 * `items[0].quantity`, `''` for the body itself), the schema's issue code (`too_small`,
 * `invalid_format`, `custom`...) and the schema's message, which names what was expected, never the
 * value that was found.
 *
 * @example
 * ```ts
 * import type { BodyIssue } from '@semper/statements';
 * const issue: BodyIssue = { path: 'items[0].quantity', code: 'too_small', message: 'Too small: expected number to be >=1' };
 * ```
 */
export interface BodyIssue {
  readonly path: string;
  readonly code: string;
  readonly message: string;
}

/**
 * A body that does not match its kind's schema (`ERR_STATEMENTS_INVALID_BODY`), when signing or
 * verifying. The message lists the paths and issue codes only; `issues` has the details. No value from
 * the body is ever copied into the error.
 *
 * @example
 * ```ts
 * import { InvalidBodyError } from '@semper/statements';
 * try {
 *   await statements.signStatement('order', body, buyer);
 * } catch (err) {
 *   if (err instanceof InvalidBodyError) for (const i of err.issues) console.log(i.path, i.code);
 * }
 * ```
 */
export class InvalidBodyError extends StatementsError {
  /** The kind whose schema refused the body. */
  readonly kind: string;
  /** The version of that kind. */
  readonly version: number;
  /** What is wrong, where. */
  readonly issues: readonly BodyIssue[];

  constructor(kind: string, version: number, issues: readonly BodyIssue[], options?: { cause?: unknown }) {
    const shown = issues.slice(0, 10).map((i) => `${i.path === '' ? '(body)' : i.path} (${i.code})`);
    const more = issues.length > 10 ? `, and ${issues.length - 10} more` : '';
    super('ERR_STATEMENTS_INVALID_BODY', `invalid ${kind} v${version} body at ${shown.join(', ')}${more}`, options);
    this.kind = kind;
    this.version = version;
    this.issues = Object.freeze(issues.map((i) => Object.freeze({ ...i })));
  }
}
