/**
 * The statement envelope, format `semper-statement/1`: what a statement's CMS SignedData carries.
 *
 * The signed content (eContent) is the RFC 8785 canonical JSON, in UTF-8, of exactly
 *
 * ```json
 * {"body":<the body>,"format":"semper-statement/1","kind":"<kind>","version":<kind version>}
 * ```
 *
 * under the eContentType {@link STATEMENT_CONTENT_TYPE}. The digest of a statement, by which other
 * statements refer to it, is the SHA-256 of that content: `sha-256:<64 hex digits>`.
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import type { Certificate } from '@semper/crypto';
import { canonicalBytes, type JsonValue, parseCanonical } from './canonical-json.js';
import { StatementsError } from './errors.js';
import { isKindName, isKindVersion } from './statement-kind.js';

/**
 * The envelope format this version writes and reads.
 *
 * @example
 * ```ts
 * import { STATEMENT_FORMAT } from '@semper/statements';
 * STATEMENT_FORMAT; // 'semper-statement/1'
 * ```
 */
export const STATEMENT_FORMAT = 'semper-statement/1';

/**
 * The CMS eContentType of a semper statement, `id-ct-semperStatement`: the UUID-derived OID
 * (ITU-T X.667, arc `2.25`) of UUID 3693a12a-7cf1-49e2-9936-5aa53f289648. Being signed (in the
 * content-type attribute), it keeps a statement signature from being taken for a signature on anything
 * else the same key signs.
 *
 * @example
 * ```ts
 * import { STATEMENT_CONTENT_TYPE } from '@semper/statements';
 * // openssl cms -sign -binary -nodetach -md sha256 -econtent_type <STATEMENT_CONTENT_TYPE> ...
 * console.log(STATEMENT_CONTENT_TYPE); // 2.25.72544848244786931569371434149594306120
 * ```
 */
export const STATEMENT_CONTENT_TYPE = '2.25.72544848244786931569371434149594306120';

const FORMAT_FAMILY = /^semper-statement\/[1-9][0-9]{0,5}$/;
const ENVELOPE_KEYS = ['body', 'format', 'kind', 'version'];

/**
 * A decoded envelope: the statement before its body is checked against its kind.
 *
 * @example
 * ```ts
 * import type { StatementEnvelope } from '@semper/statements/spi';
 * const e: StatementEnvelope = { format: 'semper-statement/1', kind: 'acme.note', version: 1, body: 'hello' };
 * ```
 */
export interface StatementEnvelope {
  readonly format: typeof STATEMENT_FORMAT;
  readonly kind: string;
  readonly version: number;
  readonly body: JsonValue;
}

/**
 * Limits of {@link decodeStatementContent}.
 *
 * @example
 * ```ts
 * import type { EnvelopeLimits } from '@semper/statements/spi';
 * const limits: EnvelopeLimits = { maxBytes: 1 << 20, maxDepth: 32 };
 * ```
 */
export interface EnvelopeLimits {
  /** Largest content in bytes; default 1 MiB. */
  readonly maxBytes?: number;
  /** Deepest JSON nesting, the envelope itself counted; default 32. */
  readonly maxDepth?: number;
}

/**
 * The nesting limit of a statement's content (the envelope counted) when none is given.
 *
 * @example
 * ```ts
 * import { DEFAULT_ENVELOPE_DEPTH } from '@semper/statements/spi';
 * DEFAULT_ENVELOPE_DEPTH; // 32
 * ```
 */
export const DEFAULT_ENVELOPE_DEPTH = 32;

function malformed(message: string): StatementsError {
  return new StatementsError('ERR_STATEMENTS_MALFORMED', message);
}

/**
 * The signed content of a statement: the canonical envelope of `body` (which must already be JSON data,
 * e.g. a kind schema's output). For format writers and for signing with other tools; the manager's
 * `signStatement` validates the body first and is what applications use.
 *
 * @throws {@link StatementsError} `ERR_STATEMENTS_INVALID_ARGUMENT` for a malformed kind name or version,
 * `ERR_STATEMENTS_NOT_JSON` when `body` is not JSON data.
 *
 * @example
 * ```ts
 * import { encodeStatementContent } from '@semper/statements/spi';
 * const content = encodeStatementContent({ kind: 'acme.note', version: 1, body: { text: 'hello' } });
 * new TextDecoder().decode(content); // '{"body":{"text":"hello"},"format":"semper-statement/1","kind":"acme.note","version":1}'
 * ```
 */
export function encodeStatementContent(statement: {
  readonly kind: string;
  readonly version: number;
  readonly body: unknown;
}): Uint8Array {
  if (!isKindName(statement?.kind)) throw new StatementsError('ERR_STATEMENTS_INVALID_ARGUMENT', 'not a kind name');
  if (!isKindVersion(statement.version)) {
    throw new StatementsError('ERR_STATEMENTS_INVALID_ARGUMENT', 'not a kind version');
  }
  return canonicalBytes(
    { body: statement.body, format: STATEMENT_FORMAT, kind: statement.kind, version: statement.version },
    { maxDepth: DEFAULT_ENVELOPE_DEPTH * 4 },
  );
}

/**
 * Checks the shape of a parsed envelope (any JSON value) and returns it typed.
 *
 * @internal
 */
export function checkEnvelope(value: unknown): StatementEnvelope {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw malformed('the content is not a statement envelope (a JSON object)');
  }
  const record = value as Record<string, unknown>;
  const format = record.format;
  if (typeof format !== 'string') throw malformed("the envelope has no 'format'");
  if (format !== STATEMENT_FORMAT) {
    if (FORMAT_FAMILY.test(format)) {
      throw new StatementsError(
        'ERR_STATEMENTS_UNSUPPORTED_FORMAT',
        `statement format '${format}' is not supported (this version reads ${STATEMENT_FORMAT})`,
      );
    }
    throw malformed('the envelope format is not a semper statement format');
  }
  const keys = Object.keys(record).sort();
  if (keys.length !== ENVELOPE_KEYS.length || keys.some((k, i) => k !== ENVELOPE_KEYS[i])) {
    throw malformed(`a ${STATEMENT_FORMAT} envelope has exactly the members body, format, kind and version`);
  }
  if (!isKindName(record.kind)) throw malformed('the envelope kind is not a kind name');
  if (!isKindVersion(record.version)) throw malformed('the envelope version is not a kind version');
  return { format: STATEMENT_FORMAT, kind: record.kind, version: record.version, body: record.body as JsonValue };
}

/**
 * Reads the signed content of a statement: canonical JSON (strictly, see `parseCanonical`) of a
 * `semper-statement/1` envelope. Does not check the body against its kind.
 *
 * @throws {@link StatementsError} `ERR_STATEMENTS_TOO_LARGE`, `ERR_STATEMENTS_MALFORMED`,
 * `ERR_STATEMENTS_NOT_CANONICAL`, `ERR_STATEMENTS_UNSUPPORTED_FORMAT`.
 *
 * @example
 * ```ts
 * import { decodeStatementContent, encodeStatementContent } from '@semper/statements/spi';
 * const envelope = decodeStatementContent(encodeStatementContent({ kind: 'acme.note', version: 1, body: 'hi' }));
 * envelope.kind; // 'acme.note'
 * ```
 */
export function decodeStatementContent(content: Uint8Array, limits: EnvelopeLimits = {}): StatementEnvelope {
  const value = parseCanonical(content, {
    maxBytes: limits.maxBytes ?? 1024 * 1024,
    maxDepth: limits.maxDepth ?? DEFAULT_ENVELOPE_DEPTH,
  });
  return checkEnvelope(value);
}

/**
 * The digest of a statement's signed content (its canonical envelope), `sha-256:<64 hex digits>`: what
 * other statements refer to it by. Equal to `openssl cms -verify … -out content.json` followed by
 * `openssl dgst -sha256 content.json`.
 *
 * @example
 * ```ts
 * import { statementDigest } from '@semper/statements';
 * statementDigest(new TextEncoder().encode('{}')); // 'sha-256:44136fa3…'
 * ```
 */
export function statementDigest(content: Uint8Array): `sha-256:${string}` {
  if (!(content instanceof Uint8Array)) {
    throw new StatementsError('ERR_STATEMENTS_INVALID_ARGUMENT', 'statementDigest takes the content bytes');
  }
  return `sha-256:${createHash('sha256').update(content).digest('hex')}`;
}

/**
 * The SHA-256 fingerprint of a certificate, `sha-256:<hex of the DER>`: how a party's `certificate`
 * field pins the certificate that must sign for it.
 *
 * @example
 * ```ts
 * import { certificateFingerprint } from '@semper/statements';
 * const merchant = { name: 'Example Books', certificate: certificateFingerprint(merchantIdentity.certificate) };
 * ```
 */
export function certificateFingerprint(certificate: Certificate): `sha-256:${string}` {
  const der = (certificate as { der?: unknown } | null)?.der;
  if (!(der instanceof Uint8Array)) {
    throw new StatementsError('ERR_STATEMENTS_INVALID_ARGUMENT', 'certificateFingerprint takes a Certificate');
  }
  return `sha-256:${createHash('sha256').update(der).digest('hex')}`;
}
