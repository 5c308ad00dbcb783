// tsyringe needs the Reflect metadata polyfill before it loads.
import 'reflect-metadata';
import { CLOCK, type Clock, SystemClock } from '@semper/core';
import {
  type Certificate,
  type ChainValidator,
  type Identity,
  signData,
  type VerifiedSignedData,
  verifySignedData,
} from '@semper/crypto';
import { inject, injectable } from 'tsyringe';
import type { z } from 'zod';
import { canonicalBytes, canonicalize, readJson } from './canonical-json.js';
import {
  certificateFingerprint,
  checkEnvelope,
  DEFAULT_ENVELOPE_DEPTH,
  decodeStatementContent,
  encodeStatementContent,
  STATEMENT_CONTENT_TYPE,
  type StatementEnvelope,
  statementDigest,
} from './envelope.js';
import { type BodyIssue, InvalidBodyError, StatementsError } from './errors.js';
import {
  type BuiltinKindName,
  type BuiltinStatementBodies,
  type BuiltinStatementInputs,
  builtinStatementKinds,
} from './kinds/builtin.js';
import type { ShownStatement, SignedStatement, StatementOf, VerifiedStatement } from './statement.js';
import { isKindName, isKindVersion, type StatementKind, StatementKinds } from './statement-kind.js';
import { STATEMENT_KINDS, STATEMENT_MANAGER_OPTIONS } from './tokens.js';

/**
 * Size limits of a {@link StatementManager}, checked before anything is parsed. Each kind adds its own
 * limit on the body (`maxBodyBytes`).
 *
 * @example
 * ```ts
 * import type { StatementLimits } from '@semper/statements';
 * const limits: StatementLimits = { maxStatementBytes: 256 * 1024, maxDepth: 16 };
 * ```
 */
export interface StatementLimits {
  /** Largest statement (the whole CMS message, certificates included), in bytes; default 1 MiB. */
  readonly maxStatementBytes?: number;
  /** Deepest JSON nesting of the signed content, the envelope counted; default 32. */
  readonly maxDepth?: number;
}

/**
 * The defaults of {@link StatementLimits}: statements up to 1 MiB, JSON nested up to 32 levels.
 *
 * @example
 * ```ts
 * import { DEFAULT_STATEMENT_LIMITS } from '@semper/statements';
 * DEFAULT_STATEMENT_LIMITS.maxStatementBytes; // 1048576
 * ```
 */
export const DEFAULT_STATEMENT_LIMITS: Required<StatementLimits> = Object.freeze({
  maxStatementBytes: 1024 * 1024,
  maxDepth: DEFAULT_ENVELOPE_DEPTH,
});

/**
 * What a {@link StatementManager} is built with besides its kinds and clock.
 *
 * @example
 * ```ts
 * import { TrustStore } from '@semper/crypto';
 * import type { StatementManagerOptions } from '@semper/statements';
 * declare const roots: import('@semper/crypto').Certificate[];
 * const options: StatementManagerOptions = { trust: new TrustStore(roots), limits: { maxStatementBytes: 512 * 1024 } };
 * ```
 */
export interface StatementManagerOptions {
  readonly limits?: StatementLimits;
  /**
   * The chain validator `verifyStatement` uses when a call gives none: crypto's `TrustStore`, or the
   * RFC 5280 validator (with revocation) of `@semper/certificates`.
   */
  readonly trust?: ChainValidator;
}

/**
 * Options of {@link StatementManager.signStatement}.
 *
 * @example
 * ```ts
 * import type { SignStatementOptions } from '@semper/statements';
 * const options: SignStatementOptions = { signingTime: new Date('2030-01-01T10:00:00Z') };
 * ```
 */
export interface SignStatementOptions {
  /** The CMS signing-time attribute (truncated to whole seconds); default the manager's clock. */
  readonly signingTime?: Date;
  /** For a kind given by name: which registered version; default the latest. */
  readonly version?: number;
}

/**
 * An entry of `VerifyStatementOptions.kinds`: a kind name (any registered version of it) or a kind
 * definition (exactly that version, parsed with that definition).
 *
 * @example
 * ```ts
 * import { orderKind, type KindEntry } from '@semper/statements';
 * const accepted: KindEntry[] = ['offer', orderKind];
 * ```
 */
export type KindEntry = StatementKind | string;

/**
 * Options of {@link StatementManager.verifyStatement}.
 *
 * @example
 * ```ts
 * import type { VerifyStatementOptions } from '@semper/statements';
 * declare const trust: import('@semper/crypto').ChainValidator;
 * const options: VerifyStatementOptions<'order'> = { trust, at: new Date('2030-01-01T10:05:00Z'), kinds: ['order'] };
 * ```
 */
export interface VerifyStatementOptions<E extends KindEntry = KindEntry> {
  /**
   * Who is trusted: a chain validator (crypto's `TrustStore`; `@semper/certificates` supplies an RFC 5280
   * one with revocation). Default: the manager's. Its errors (e.g. a revoked signer) reach the caller
   * unchanged.
   */
  readonly trust?: ChainValidator;
  /** The time at which the signer's chain must be valid; default the manager's clock. */
  readonly at?: Date;
  /**
   * The kinds accepted here; any other is `ERR_STATEMENTS_KIND_NOT_ALLOWED`. Default: every registered kind.
   * Giving definitions (e.g. `[offerKind]`) types the result's body.
   */
  readonly kinds?: readonly E[];
}

/** A chain validator that accepts any signer, for `showStatement` (which verifies nothing about trust). */
const ANY_SIGNER: ChainValidator = {
  async buildChain(leaf: Certificate): Promise<Certificate[]> {
    return [leaf];
  },
};

function invalidArgument(message: string): StatementsError {
  return new StatementsError('ERR_STATEMENTS_INVALID_ARGUMENT', message);
}

function isKind(value: unknown): value is StatementKind {
  const k = value as Partial<StatementKind> | null;
  return (
    typeof k === 'object' &&
    k !== null &&
    isKindName(k.kind) &&
    isKindVersion(k.version) &&
    typeof (k.schema as { safeParse?: unknown } | undefined)?.safeParse === 'function' &&
    typeof k.maxBodyBytes === 'number'
  );
}

function checkLimit(value: number | undefined, fallback: number, what: string, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw invalidArgument(`${what} must be an integer from 1 to ${max}`);
  }
  return value;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A path as `items[0].quantity`, with keys that came from the input shortened and made printable. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'symbol') out += '[symbol]';
    else if (IDENTIFIER.test(segment) && segment.length <= 64) out += out === '' ? segment : `.${segment}`;
    else {
      const shown = segment.length > 32 ? `${segment.slice(0, 32)}…` : segment;
      out += `[${JSON.stringify(shown.replace(/\p{Cs}|[\u0000-\u001f\u007f-\u009f]/gu, '\ufffd'))}]`;
    }
  }
  return out;
}

/** The issues of a zod error as paths and codes; an unrecognized key becomes an issue at its own path. */
function toIssues(error: z.ZodError): BodyIssue[] {
  const issues: BodyIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        issues.push({ path: formatPath([...issue.path, key]), code: 'unrecognized_key', message: 'Unrecognized key' });
      }
    } else {
      const message = issue.message.length > 200 ? `${issue.message.slice(0, 200)}…` : issue.message;
      issues.push({ path: formatPath(issue.path), code: issue.code, message });
    }
  }
  return issues;
}

/** Runs a kind's schema; whatever the schema throws becomes an invalid body (without the thrown value). */
async function parseBody(definition: StatementKind, body: unknown): Promise<unknown> {
  let result: z.ZodSafeParseResult<unknown>;
  try {
    result = await definition.schema.safeParseAsync(body);
  } catch (err) {
    const name = err instanceof Error ? err.name : typeof err;
    throw new InvalidBodyError(definition.kind, definition.version, [
      { path: '', code: 'schema_exception', message: `the kind's schema threw (${name.slice(0, 32)})` },
    ]);
  }
  if (!result.success) throw new InvalidBodyError(definition.kind, definition.version, toIssues(result.error));
  return result.data;
}

function bodyTooLarge(definition: StatementKind, size: number): StatementsError {
  return new StatementsError(
    'ERR_STATEMENTS_TOO_LARGE',
    `the ${definition.kind} v${definition.version} body is ${size} bytes, more than its ${definition.maxBodyBytes}`,
  );
}

/** The signer must be one of the parties the kind names, when all of them pin a certificate. */
function checkSigner(definition: StatementKind, body: unknown, signer: Certificate): void {
  const parties = definition.signers?.(body);
  if (parties === undefined || parties.length === 0) return;
  if (parties.some((p) => p.certificate === undefined)) return;
  const fingerprint = certificateFingerprint(signer);
  if (!parties.some((p) => p.certificate === fingerprint)) {
    throw new StatementsError(
      'ERR_STATEMENTS_SIGNER_MISMATCH',
      `a ${definition.kind} must be signed with the certificate ${parties.length === 1 ? 'its signing party pins' : 'one of its signing parties pins'}; ${signer.subject} signed it`,
    );
  }
}

/** Freezes JSON data all the way down: a statement's body is evidence, it does not change once read. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

const encoder = new TextEncoder();

function signingTimeOf(time: Date): Date {
  return new Date(Math.floor(time.getTime() / 1000) * 1000);
}

interface AllowList {
  readonly names: ReadonlySet<string>;
  readonly definitions: ReadonlyMap<string, StatementKind>;
}

/**
 * The statements block's manager: signs statements of a registered kind and verifies them.
 *
 * A statement is a CMS SignedData (RFC 5652; attached content, SHA-256, signing-time and the signer's
 * chain, as crypto's `signData` writes it, which `openssl cms -verify` checks) over the RFC 8785
 * canonical JSON of the envelope `{ body, format: 'semper-statement/1', kind, version }`, with the
 * eContentType {@link STATEMENT_CONTENT_TYPE}. Bodies are parsed by their kind's zod schema on the way
 * out and on the way in.
 *
 * The statements block has no modules: there is one statement format, which the architecture fixes so
 * that a statement has exactly one encoding; what varies is the kinds, which are values in a
 * {@link StatementKinds} registry (so the manager does not extend core's `ServiceManager`).
 *
 * Faults are thrown: `StatementsError`s of this block, and crypto's errors (bad signature, untrusted
 * signer, malformed CMS) or the chain validator's (a revoked signer) unchanged.
 *
 * @example
 * ```ts
 * import 'reflect-metadata';
 * import { ManualClock } from '@semper/core';
 * import { builtinStatementKinds, StatementManager } from '@semper/statements';
 * const statements = new StatementManager(builtinStatementKinds, new ManualClock('2030-01-01T10:00:00Z'));
 * // or, in a composition root: register(container) and container.resolve(STATEMENT_MANAGER)
 * ```
 */
export class StatementManager {
  /** The kinds this manager signs and reads. */
  readonly kinds: StatementKinds;
  /** The limits in force. */
  readonly limits: Required<StatementLimits>;
  readonly #clock: Clock;
  readonly #trust: ChainValidator | undefined;

  /**
   * A manager of `kinds` (default: the built-in kinds) on `clock` (default: the system clock).
   *
   * @throws {@link StatementsError} `ERR_STATEMENTS_INVALID_ARGUMENT` for a bad registry, clock or option.
   *
   * @example
   * ```ts
   * import { SystemClock } from '@semper/core';
   * import { builtinStatementKinds, StatementManager } from '@semper/statements';
   * const statements = new StatementManager(builtinStatementKinds, new SystemClock(), { limits: { maxDepth: 16 } });
   * ```
   */
  constructor(
    kinds: StatementKinds = builtinStatementKinds,
    clock: Clock = new SystemClock(),
    options: StatementManagerOptions = {},
  ) {
    if (!(kinds instanceof StatementKinds)) throw invalidArgument('kinds must be a StatementKinds registry');
    if (typeof clock?.now !== 'function') throw invalidArgument('clock must be a Clock');
    if (options.trust !== undefined && typeof options.trust?.buildChain !== 'function') {
      throw invalidArgument('trust must be a ChainValidator');
    }
    const limits = options.limits ?? {};
    this.kinds = kinds;
    this.limits = Object.freeze({
      maxStatementBytes: checkLimit(
        limits.maxStatementBytes,
        DEFAULT_STATEMENT_LIMITS.maxStatementBytes,
        'maxStatementBytes',
        64 * 1024 * 1024,
      ),
      maxDepth: checkLimit(limits.maxDepth, DEFAULT_STATEMENT_LIMITS.maxDepth, 'maxDepth', 1000),
    });
    this.#clock = clock;
    this.#trust = options.trust;
  }

  /**
   * Signs a statement: parses `body` with the kind's schema (`ERR_STATEMENTS_INVALID_BODY` listing the
   * paths), checks its size (`ERR_STATEMENTS_TOO_LARGE`) and, when the body pins the signing party's
   * certificate, that it is `identity`'s (`ERR_STATEMENTS_SIGNER_MISMATCH`); then signs the canonical
   * envelope with crypto's `signData` (CMS SignedData, attached, SHA-256 — SHA-512 for Ed25519 —, the
   * signer's chain included, signing time from `options` or the clock). The kind is a registered name
   * (its latest version, or `options.version`) or a definition.
   *
   * @throws {@link StatementsError} `ERR_STATEMENTS_UNKNOWN_KIND`, `ERR_STATEMENTS_KIND_CONFLICT` (a
   * definition other than the registered one), `ERR_STATEMENTS_INVALID_BODY`, `ERR_STATEMENTS_TOO_LARGE`,
   * `ERR_STATEMENTS_SIGNER_MISMATCH`, `ERR_STATEMENTS_INVALID_ARGUMENT`; crypto's errors for a key that
   * does not fit its certificate.
   *
   * @example
   * ```ts
   * import { Money, newId } from '@semper/core';
   * const signed = await statements.signStatement('order-confirmation', {
   *   orderId, order: statementRef(order), merchant, buyer, total: Money.parse('29.90', 'EUR'),
   * }, merchantIdentity);
   * await send(signed.bytes);
   * ```
   */
  signStatement<const D extends StatementKind>(
    kind: D,
    body: z.input<D['schema']>,
    identity: Identity,
    options?: SignStatementOptions,
  ): Promise<SignedStatement<D['kind'], D['version'], z.output<D['schema']>>>;
  signStatement<K extends BuiltinKindName>(
    kind: K,
    body: BuiltinStatementInputs[K],
    identity: Identity,
    options?: SignStatementOptions,
  ): Promise<SignedStatement<K, number, BuiltinStatementBodies[K]>>;
  signStatement(
    kind: string,
    body: unknown,
    identity: Identity,
    options?: SignStatementOptions,
  ): Promise<SignedStatement>;
  async signStatement(
    kind: StatementKind | string,
    body: unknown,
    identity: Identity,
    options: SignStatementOptions = {},
  ): Promise<SignedStatement> {
    const definition = this.#definitionForSigning(kind, options?.version);
    if (typeof identity !== 'object' || identity === null || typeof identity.certificate?.der !== 'object') {
      throw invalidArgument('signStatement needs the signer identity (private key and certificate)');
    }
    const time = options.signingTime ?? this.#clock.now();
    if (!(time instanceof Date) || Number.isNaN(time.getTime()))
      throw invalidArgument('signingTime must be a valid Date');
    const signingTime = signingTimeOf(time);

    const parsed = await parseBody(definition, body);
    const text = canonicalize(parsed, { maxDepth: this.limits.maxDepth });
    const size = encoder.encode(text).length;
    if (size > definition.maxBodyBytes) throw bodyTooLarge(definition, size);
    // What is returned is what is signed: a frozen copy, not the schema's output (which may share the input).
    const signedBody = deepFreeze(JSON.parse(text) as unknown);
    checkSigner(definition, signedBody, identity.certificate);

    const content = encodeStatementContent({ kind: definition.kind, version: definition.version, body: signedBody });
    const bytes = await signData(content, {
      signer: identity,
      contentType: STATEMENT_CONTENT_TYPE,
      digest: 'SHA-256',
      signingTime,
      includeChain: true,
    });
    if (bytes.length > this.limits.maxStatementBytes) {
      throw new StatementsError(
        'ERR_STATEMENTS_TOO_LARGE',
        `the signed statement is ${bytes.length} bytes, more than the limit of ${this.limits.maxStatementBytes}`,
      );
    }
    return Object.freeze({
      kind: definition.kind,
      version: definition.version,
      body: signedBody,
      digest: statementDigest(content),
      signingTime,
      signer: identity.certificate,
      bytes,
    });
  }

  /**
   * Verifies a statement, in this order: its size (`ERR_STATEMENTS_TOO_LARGE`, before anything is
   * parsed); the CMS signature and the signer's chain at `at` through `trust` (crypto's errors and the
   * validator's, unchanged: `ERR_CRYPTO_BAD_SIGNATURE` for any changed byte of the content,
   * `ERR_CRYPTO_UNTRUSTED_SIGNER`, `ERR_CRYPTO_MALFORMED`, a revocation...); exactly one signer, the
   * statement content type and a signing time (`ERR_STATEMENTS_MALFORMED`); the content is canonical
   * JSON (`ERR_STATEMENTS_NOT_CANONICAL`) of a `semper-statement/1` envelope (`ERR_STATEMENTS_MALFORMED`,
   * `ERR_STATEMENTS_UNSUPPORTED_FORMAT`); its kind is accepted here (`ERR_STATEMENTS_KIND_NOT_ALLOWED`) and
   * registered (`ERR_STATEMENTS_UNKNOWN_KIND`); the body's size (`ERR_STATEMENTS_TOO_LARGE`) and schema
   * (`ERR_STATEMENTS_INVALID_BODY`); the signer is the party the body pins, if it does
   * (`ERR_STATEMENTS_SIGNER_MISMATCH`).
   *
   * It does not judge the business: an expired offer verifies (the commerce layer returns that as an
   * outcome).
   *
   * @example
   * ```ts
   * import { offerKind } from '@semper/statements';
   * const offer = await statements.verifyStatement(bytes, { trust, kinds: [offerKind] });
   * console.log(offer.body.totals.total, offer.signer.subject, offer.digest);
   * ```
   */
  async verifyStatement<const E extends KindEntry = KindEntry>(
    bytes: Uint8Array,
    options: VerifyStatementOptions<E> = {},
  ): Promise<StatementOf<E>> {
    if (!(bytes instanceof Uint8Array)) throw invalidArgument('verifyStatement reads a Uint8Array');
    const trust = options.trust ?? this.#trust;
    if (typeof trust?.buildChain !== 'function') {
      throw invalidArgument('verifyStatement needs a chain validator (options.trust, or one given to the manager)');
    }
    const at = options.at ?? this.#clock.now();
    if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw invalidArgument('at must be a valid Date');
    const allowed = this.#allowList(options.kinds);
    this.#checkSize(bytes);

    const verified = await verifySignedData(bytes, {
      trust,
      at,
      limits: { maxBytes: this.limits.maxStatementBytes },
    });
    const signingTime = this.#checkFrame(verified);
    const envelope = decodeStatementContent(verified.content, {
      maxBytes: this.limits.maxStatementBytes,
      maxDepth: this.limits.maxDepth,
    });
    const definition = this.#definitionForReading(envelope, allowed);
    const size = canonicalBytes(envelope.body, { maxDepth: this.limits.maxDepth }).length;
    if (size > definition.maxBodyBytes) throw bodyTooLarge(definition, size);
    const body = deepFreeze(await parseBody(definition, envelope.body));
    checkSigner(definition, body, verified.signer);
    const statement: VerifiedStatement = {
      kind: definition.kind,
      version: definition.version,
      body,
      digest: statementDigest(verified.content),
      signingTime,
      signer: verified.signer,
      chain: Object.freeze([...verified.chain]),
    };
    return Object.freeze(statement) as StatementOf<E>;
  }

  /**
   * Decodes a statement for tools (a viewer, `semper statement show`) **without verifying it**: kind,
   * version, body as signed, signer certificate and subject, signing time, digest, whether the content is
   * canonical and whether the body matches its kind. The result is marked `unverified: true`; never act
   * on it — use `verifyStatement`. The signature must be intact (it is checked against the certificate
   * in the message, so a corrupted message throws crypto's error), but the signer is not validated:
   * no trust anchor, no validity period, no revocation.
   *
   * @throws crypto's errors for a message that is not an intact SignedData; {@link StatementsError}
   * `ERR_STATEMENTS_TOO_LARGE`, `ERR_STATEMENTS_MALFORMED`, `ERR_STATEMENTS_UNSUPPORTED_FORMAT` for content
   * that is not a statement envelope.
   *
   * @example
   * ```ts
   * const shown = await statements.showStatement(bytes);
   * console.log(`UNVERIFIED ${shown.kind} v${shown.version} from ${shown.signerSubject}`, shown.body);
   * ```
   */
  async showStatement(bytes: Uint8Array): Promise<ShownStatement> {
    if (!(bytes instanceof Uint8Array)) throw invalidArgument('showStatement reads a Uint8Array');
    this.#checkSize(bytes);
    const read = await verifySignedData(bytes, {
      trust: ANY_SIGNER,
      limits: { maxBytes: this.limits.maxStatementBytes },
    });
    if (read.contentType !== STATEMENT_CONTENT_TYPE) throw this.#notAStatement(read.contentType);
    const limits = { maxBytes: this.limits.maxStatementBytes, maxDepth: this.limits.maxDepth };
    let envelope: StatementEnvelope;
    let canonical = true;
    try {
      envelope = decodeStatementContent(read.content, limits);
    } catch (err) {
      if (!(err instanceof StatementsError) || err.code !== 'ERR_STATEMENTS_NOT_CANONICAL') throw err;
      canonical = false;
      envelope = checkEnvelope(readJson(read.content, limits).value);
    }
    const definition = this.kinds.get(envelope.kind, envelope.version);
    let issues: readonly BodyIssue[] = [];
    let valid: boolean | undefined;
    if (definition !== undefined) {
      try {
        const size = canonicalBytes(envelope.body, { maxDepth: this.limits.maxDepth }).length;
        if (size > definition.maxBodyBytes) throw bodyTooLarge(definition, size);
        await parseBody(definition, envelope.body);
        valid = true;
      } catch (err) {
        if (err instanceof InvalidBodyError) issues = err.issues;
        else if (err instanceof StatementsError) issues = [{ path: '', code: err.code, message: err.message }];
        else throw err;
        valid = false;
      }
    }
    return Object.freeze({
      unverified: true,
      format: envelope.format,
      kind: envelope.kind,
      version: envelope.version,
      body: deepFreeze(envelope.body),
      canonical,
      known: definition !== undefined,
      valid,
      issues,
      signer: read.signer,
      signerSubject: read.signer.subject,
      signingTime: read.signingTime,
      digest: statementDigest(read.content),
    });
  }

  #checkSize(bytes: Uint8Array): void {
    if (bytes.length > this.limits.maxStatementBytes) {
      throw new StatementsError(
        'ERR_STATEMENTS_TOO_LARGE',
        `a statement of ${bytes.length} bytes exceeds the limit of ${this.limits.maxStatementBytes}`,
      );
    }
  }

  #notAStatement(contentType: string): StatementsError {
    return new StatementsError(
      'ERR_STATEMENTS_MALFORMED',
      `not a semper statement: the content type is ${contentType.slice(0, 80)}, not ${STATEMENT_CONTENT_TYPE}`,
    );
  }

  /** One signer, the statement content type, a signing time; returns the signing time. */
  #checkFrame(verified: VerifiedSignedData): Date {
    if (verified.signers.length !== 1) {
      throw new StatementsError(
        'ERR_STATEMENTS_MALFORMED',
        `a statement has exactly one signer, this one has ${verified.signers.length}`,
      );
    }
    if (verified.contentType !== STATEMENT_CONTENT_TYPE) throw this.#notAStatement(verified.contentType);
    if (verified.signingTime === undefined) {
      throw new StatementsError('ERR_STATEMENTS_MALFORMED', 'a statement must have the signing-time attribute');
    }
    return verified.signingTime;
  }

  #definitionForSigning(kind: StatementKind | string, version: number | undefined): StatementKind {
    if (version !== undefined && !isKindVersion(version)) throw invalidArgument('version must be a kind version');
    if (typeof kind === 'string') {
      if (!isKindName(kind)) throw invalidArgument(`not a statement kind name: '${String(kind).slice(0, 64)}'`);
      const definition = this.kinds.get(kind, version);
      if (definition === undefined) throw this.#unknown(kind, version);
      return definition;
    }
    if (!isKind(kind)) throw invalidArgument('kind must be a kind name or a statement kind definition');
    if (version !== undefined && version !== kind.version) {
      throw invalidArgument(`options.version ${version} contradicts the definition of ${kind.kind} v${kind.version}`);
    }
    const registered = this.kinds.get(kind.kind, kind.version);
    if (registered !== undefined && registered !== kind) {
      throw new StatementsError(
        'ERR_STATEMENTS_KIND_CONFLICT',
        `the definition of ${kind.kind} v${kind.version} given is not the one registered`,
      );
    }
    return kind;
  }

  #allowList(kinds: readonly KindEntry[] | undefined): AllowList | undefined {
    if (kinds === undefined) return undefined;
    if (!Array.isArray(kinds)) throw invalidArgument('kinds must be a list of kind names or definitions');
    const names = new Set<string>();
    const definitions = new Map<string, StatementKind>();
    for (const entry of kinds) {
      if (typeof entry === 'string') {
        if (!isKindName(entry)) throw invalidArgument(`not a statement kind name: '${String(entry).slice(0, 64)}'`);
        names.add(entry);
      } else if (isKind(entry)) {
        definitions.set(`${entry.kind}@${entry.version}`, entry);
      } else {
        throw invalidArgument('kinds must be a list of kind names or definitions');
      }
    }
    return { names, definitions };
  }

  #definitionForReading(envelope: StatementEnvelope, allowed: AllowList | undefined): StatementKind {
    const { kind, version } = envelope;
    if (allowed !== undefined) {
      const given = allowed.definitions.get(`${kind}@${version}`);
      if (given !== undefined) return given;
      if (!allowed.names.has(kind)) {
        throw new StatementsError(
          'ERR_STATEMENTS_KIND_NOT_ALLOWED',
          `a ${kind} v${version} statement is not accepted here`,
        );
      }
    }
    const definition = this.kinds.get(kind, version);
    if (definition === undefined) throw this.#unknown(kind, version);
    return definition;
  }

  #unknown(kind: string, version: number | undefined): StatementsError {
    const held = this.kinds.versions(kind);
    const detail =
      held.length === 0 ? 'is not registered' : `v${version} is not registered (versions held: ${held.join(', ')})`;
    return new StatementsError('ERR_STATEMENTS_UNKNOWN_KIND', `statement kind ${kind} ${detail}`);
  }
}

// The constructor's injection tokens, as `@inject(STATEMENT_KINDS) kinds, @inject(CLOCK) clock,
// @inject(STATEMENT_MANAGER_OPTIONS, { isOptional: true }) options` and `@injectable()` would declare them.
// Applied as calls rather than decorator syntax so that the source also runs under tools that do not enable
// TypeScript's experimental decorators (tsx and esbuild without this package's tsconfig). This records
// metadata on the class; it registers nothing in any container.
inject(STATEMENT_KINDS)(StatementManager, undefined, 0);
inject(CLOCK)(StatementManager, undefined, 1);
inject(STATEMENT_MANAGER_OPTIONS, { isOptional: true })(StatementManager, undefined, 2);
injectable()(StatementManager);
