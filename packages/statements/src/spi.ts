/**
 * `@semper/statements/spi`: for writers of new statement kinds and of tools that produce statements by
 * other means (an HSM, `openssl cms -sign`). It has the schema building blocks the built-in kinds are
 * made of (text that displays as signed, amounts as `MoneyJSON`, ids, timestamps, digests, references,
 * parties, addresses, line items, totals), `defineStatementKind`, and the envelope format: its content
 * type, `encodeStatementContent` and `decodeStatementContent`.
 *
 * A kind of your own: define it with `defineStatementKind` (namespaced name, integer version, a strict
 * zod schema made of these blocks, `signers` naming who must sign), register it
 * (`register(container, { kinds: [yourKind] })`), and run `describeStatementKind` from
 * `@semper/statements/testing` on it with valid and invalid examples.
 *
 * Two rules for schemas: use `z.strictObject` everywhere (a verifier must never accept signed members it
 * does not show), and write `superRefine`s defensively — zod runs an object's refinements even when a
 * member failed a format check (a regex, a length), so a member may not have the form its type says
 * (the toolkit's `checkPricing` skips amounts that are not canonical integers rather than calling
 * `BigInt` on them). A schema that throws makes the body invalid (`schema_exception`), never a crash.
 *
 * @packageDocumentation
 */
export {
  type CanonicalizeOptions,
  canonicalBytes,
  canonicalize,
  DEFAULT_MAX_JSON_DEPTH,
  isCanonical,
  type JsonValue,
  type ParseCanonicalOptions,
  parseCanonical,
} from './canonical-json.js';
export {
  certificateFingerprint,
  DEFAULT_ENVELOPE_DEPTH,
  decodeStatementContent,
  type EnvelopeLimits,
  encodeStatementContent,
  STATEMENT_CONTENT_TYPE,
  STATEMENT_FORMAT,
  type StatementEnvelope,
  statementDigest,
} from './envelope.js';
export { type BodyIssue, InvalidBodyError, StatementsError, type StatementsErrorCode } from './errors.js';
export {
  type Address,
  addressSchema,
  checkOrder,
  checkPricing,
  countrySchema,
  type DocumentRef,
  digestSchema,
  documentSchema,
  httpsUrlSchema,
  idSchema,
  KIND_NAME,
  kindNameSchema,
  type LineItem,
  lineItemSchema,
  lineItemsSchema,
  moduleIdSchema,
  moneySchema,
  nonNegativeMoneySchema,
  type Party,
  partySchema,
  percentSchema,
  positiveMoneySchema,
  type StatementRef,
  statementRefSchema,
  type TextOptions,
  type Totals,
  textSchema,
  timestampSchema,
  totalsSchema,
} from './schemas.js';
export {
  DEFAULT_MAX_BODY_BYTES,
  defineStatementKind,
  isKindName,
  isKindVersion,
  type SignerParty,
  type StatementKind,
  type StatementKindDefinition,
} from './statement-kind.js';
