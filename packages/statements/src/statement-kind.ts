import type { z } from 'zod';
import { StatementsError } from './errors.js';
import { KIND_NAME } from './schemas.js';

/**
 * The limit of a body's canonical JSON, in bytes, for a kind that gives no `maxBodyBytes` (64 KiB).
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_BODY_BYTES } from '@semper/statements';
 * DEFAULT_MAX_BODY_BYTES; // 65536
 * ```
 */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
const MAX_MAX_BODY_BYTES = 16 * 1024 * 1024;

/**
 * A party a kind names as a possible signer of its statements: only its pinned certificate matters.
 *
 * @example
 * ```ts
 * import type { SignerParty } from '@semper/statements/spi';
 * const merchant: SignerParty = { certificate: `sha-256:${'0'.repeat(64)}` };
 * ```
 */
export interface SignerParty {
  /** The SHA-256 fingerprint of the party's certificate, `sha-256:<hex of the DER>`, if the body pins it. */
  readonly certificate?: string | undefined;
}

/**
 * A statement kind: its name, its version, the zod schema of its body, and how it is checked. Made with
 * {@link defineStatementKind}; the built-in kinds are `offerKind`, `orderKind`...
 *
 * - `kind`: lower-case words joined by `-`; kinds of your own are namespaced with a `.`
 *   (`acme.warranty-claim`), unqualified names are the toolkit's.
 * - `version`: a positive integer. A new version is a new schema; readers keep the old versions
 *   registered for as long as they must read old statements.
 * - `schema`: parses untrusted bodies. Its output is what is signed, so it must be JSON data, and a
 *   fixed point: parsing the output again gives it back unchanged (the conformance kit checks both).
 * - `maxBodyBytes`: the largest canonical JSON of a body, checked before the schema runs.
 * - `signers(body)`: the parties one of whom must sign. When every one of them pins a certificate
 *   fingerprint, the signer's certificate must be one of those (`ERR_STATEMENTS_SIGNER_MISMATCH`).
 *
 * @example
 * ```ts
 * import { offerKind, type StatementKind } from '@semper/statements';
 * const kind: StatementKind = offerKind;
 * console.log(kind.kind, kind.version, kind.maxBodyBytes); // offer 1 262144
 * ```
 */
export interface StatementKind<K extends string = string, V extends number = number, S extends z.ZodType = z.ZodType> {
  readonly kind: K;
  readonly version: V;
  readonly schema: S;
  /** One sentence: what a statement of this kind says, and who signs it. */
  readonly description: string;
  readonly maxBodyBytes: number;
  /** The parties one of whom must sign (see above); absent: anyone may sign. */
  signers?(body: z.output<S>): readonly SignerParty[];
}

/**
 * What {@link defineStatementKind} takes.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import type { StatementKindDefinition } from '@semper/statements/spi';
 * const def: StatementKindDefinition<'acme.note', 1, z.ZodString> = { kind: 'acme.note', version: 1, schema: z.string() };
 * ```
 */
export interface StatementKindDefinition<K extends string, V extends number, S extends z.ZodType> {
  readonly kind: K;
  readonly version: V;
  readonly schema: S;
  readonly description?: string;
  /** Default 64 KiB. */
  readonly maxBodyBytes?: number;
  signers?(body: z.output<S>): readonly SignerParty[];
}

function invalid(message: string): StatementsError {
  return new StatementsError('ERR_STATEMENTS_INVALID_ARGUMENT', message);
}

/**
 * Whether `name` is a well-formed kind name (`offer`, `order-confirmation`, `acme.warranty-claim`).
 *
 * @example
 * ```ts
 * import { isKindName } from '@semper/statements/spi';
 * isKindName('acme.warranty-claim'); // true
 * isKindName('Order'); // false
 * ```
 */
export function isKindName(name: unknown): name is string {
  return typeof name === 'string' && name.length <= 64 && KIND_NAME.test(name);
}

/**
 * Whether `version` is a well-formed kind version (an integer from 1 to 2³¹ − 1).
 *
 * @example
 * ```ts
 * import { isKindVersion } from '@semper/statements/spi';
 * isKindVersion(1); // true
 * isKindVersion(1.5); // false
 * ```
 */
export function isKindVersion(version: unknown): version is number {
  return typeof version === 'number' && Number.isSafeInteger(version) && version >= 1 && version <= 2 ** 31 - 1;
}

/**
 * Defines a statement kind: checks the definition and returns it frozen, typed by its name, version and
 * schema (so that `signStatement(kind, body, …)` checks `body` against the schema's input type and
 * `verifyStatement(bytes, { kinds: [kind] })` returns the schema's output type).
 *
 * @throws {@link StatementsError} `ERR_STATEMENTS_INVALID_ARGUMENT` for a malformed name, version, schema
 * or limit.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { defineStatementKind } from '@semper/statements';
 * import { idSchema, partySchema, textSchema, timestampSchema } from '@semper/statements/spi';
 *
 * export const warrantyClaimKind = defineStatementKind({
 *   kind: 'acme.warranty-claim',
 *   version: 1,
 *   description: 'A buyer claims warranty for an article it bought; signed by the buyer.',
 *   schema: z.strictObject({
 *     claimId: idSchema('claim'),
 *     orderId: idSchema('order'),
 *     claimant: partySchema,
 *     sku: textSchema({ max: 64 }),
 *     defect: textSchema({ max: 2000, multiline: true }),
 *     noticedAt: timestampSchema,
 *   }),
 *   signers: (body) => [body.claimant],
 * });
 * ```
 */
export function defineStatementKind<const K extends string, const V extends number, S extends z.ZodType>(
  definition: StatementKindDefinition<K, V, S>,
): StatementKind<K, V, S> {
  if (typeof definition !== 'object' || definition === null) throw invalid('a statement kind needs a definition');
  const { kind, version, schema, description, maxBodyBytes, signers } = definition;
  if (!isKindName(kind)) {
    throw invalid(
      `kind must be lower-case words joined by '-', namespaced by '.', at most 64 characters: '${String(kind).slice(0, 64)}'`,
    );
  }
  if (!isKindVersion(version)) throw invalid(`version of ${kind} must be an integer from 1 to 2^31 - 1`);
  if (typeof (schema as { safeParse?: unknown } | null)?.safeParse !== 'function') {
    throw invalid(`schema of ${kind} must be a zod schema`);
  }
  if (description !== undefined && (typeof description !== 'string' || description.length > 1000)) {
    throw invalid(`description of ${kind} must be a string of at most 1000 characters`);
  }
  const limit = maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isSafeInteger(limit) || limit < 2 || limit > MAX_MAX_BODY_BYTES) {
    throw invalid(`maxBodyBytes of ${kind} must be an integer from 2 to ${MAX_MAX_BODY_BYTES}`);
  }
  if (signers !== undefined && typeof signers !== 'function') throw invalid(`signers of ${kind} must be a function`);
  const defined: StatementKind<K, V, S> = {
    kind,
    version,
    schema,
    description: description ?? '',
    maxBodyBytes: limit,
    ...(signers === undefined ? {} : { signers }),
  };
  return Object.freeze(defined);
}

function isStatementKind(value: unknown): value is StatementKind {
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

/**
 * The statement kinds a party reads and writes: a registry, immutable, keyed by kind and version.
 * Several versions of one kind live side by side (a reader keeps old versions to read old statements);
 * signing by name uses the latest. Two different definitions of one kind and version are a conflict.
 *
 * @example
 * ```ts
 * import { builtinStatementKinds, StatementKinds } from '@semper/statements';
 * import { warrantyClaimKind } from './warranty-claim.kind.js';
 *
 * const kinds: StatementKinds = builtinStatementKinds.with(warrantyClaimKind);
 * kinds.get('offer')?.version; // 1
 * kinds.get('acme.warranty-claim', 1) === warrantyClaimKind; // true
 * kinds.names(); // ['acme.warranty-claim', 'cancellation', 'contract', …]
 * ```
 */
export class StatementKinds implements Iterable<StatementKind> {
  readonly #byKind: ReadonlyMap<string, ReadonlyMap<number, StatementKind>>;

  /**
   * A registry of `kinds`.
   *
   * @throws {@link StatementsError} `ERR_STATEMENTS_INVALID_ARGUMENT` for something that is not a kind
   * (see {@link defineStatementKind}), `ERR_STATEMENTS_KIND_CONFLICT` for two definitions of one kind and
   * version.
   *
   * @example
   * ```ts
   * import { offerKind, orderKind, StatementKinds } from '@semper/statements';
   * const onlyOffersAndOrders = new StatementKinds([offerKind, orderKind]);
   * ```
   */
  constructor(kinds: Iterable<StatementKind> = []) {
    const byKind = new Map<string, Map<number, StatementKind>>();
    for (const k of kinds) {
      if (!isStatementKind(k)) throw invalid('not a statement kind (make it with defineStatementKind)');
      let versions = byKind.get(k.kind);
      if (versions === undefined) {
        versions = new Map();
        byKind.set(k.kind, versions);
      }
      const existing = versions.get(k.version);
      if (existing !== undefined && existing !== k) {
        throw new StatementsError(
          'ERR_STATEMENTS_KIND_CONFLICT',
          `two different definitions of statement kind ${k.kind} v${k.version}`,
        );
      }
      versions.set(k.version, k);
    }
    this.#byKind = byKind;
  }

  /**
   * A new registry with these kinds added (the same definition twice is fine; a different one for a
   * kind and version already held throws `ERR_STATEMENTS_KIND_CONFLICT`).
   *
   * @example
   * ```ts
   * import { builtinStatementKinds } from '@semper/statements';
   * declare const warrantyClaimKind: import('@semper/statements').StatementKind;
   * const kinds = builtinStatementKinds.with(warrantyClaimKind);
   * ```
   */
  with(...kinds: readonly StatementKind[]): StatementKinds {
    return new StatementKinds([...this, ...kinds]);
  }

  /**
   * The kind with this name, at `version` or, without one, at its latest version; `undefined` if not held.
   *
   * @example
   * ```ts
   * import { builtinStatementKinds } from '@semper/statements';
   * builtinStatementKinds.get('order', 1)?.description;
   * ```
   */
  get(kind: string, version?: number): StatementKind | undefined {
    const versions = this.#byKind.get(kind);
    if (versions === undefined) return undefined;
    if (version !== undefined) return versions.get(version);
    let latest: StatementKind | undefined;
    for (const k of versions.values()) if (latest === undefined || k.version > latest.version) latest = k;
    return latest;
  }

  /**
   * Whether the kind (at `version`, or at any version) is held.
   *
   * @example
   * ```ts
   * import { builtinStatementKinds } from '@semper/statements';
   * builtinStatementKinds.has('licence'); // true
   * builtinStatementKinds.has('licence', 2); // false
   * ```
   */
  has(kind: string, version?: number): boolean {
    return this.get(kind, version) !== undefined;
  }

  /**
   * The versions held of `kind`, ascending.
   *
   * @example
   * ```ts
   * import { builtinStatementKinds } from '@semper/statements';
   * builtinStatementKinds.versions('offer'); // [1]
   * ```
   */
  versions(kind: string): readonly number[] {
    return [...(this.#byKind.get(kind)?.keys() ?? [])].sort((a, b) => a - b);
  }

  /**
   * The kind names held, sorted.
   *
   * @example
   * ```ts
   * import { builtinStatementKinds } from '@semper/statements';
   * builtinStatementKinds.names().length; // 9
   * ```
   */
  names(): readonly string[] {
    return [...this.#byKind.keys()].sort();
  }

  /**
   * Every kind held, by name then version.
   *
   * @example
   * ```ts
   * import { builtinStatementKinds } from '@semper/statements';
   * for (const k of builtinStatementKinds.list()) console.log(`${k.kind} v${k.version}: ${k.description}`);
   * ```
   */
  list(): readonly StatementKind[] {
    return this.names().flatMap((name) => this.versions(name).map((v) => this.get(name, v) as StatementKind));
  }

  /**
   * The number of kind versions held.
   *
   * @example
   * ```ts
   * import { builtinStatementKinds } from '@semper/statements';
   * builtinStatementKinds.size; // 9
   * ```
   */
  get size(): number {
    let n = 0;
    for (const versions of this.#byKind.values()) n += versions.size;
    return n;
  }

  /**
   * Iterates {@link StatementKinds.list}.
   *
   * @example
   * ```ts
   * import { builtinStatementKinds } from '@semper/statements';
   * const all = [...builtinStatementKinds];
   * ```
   */
  [Symbol.iterator](): Iterator<StatementKind> {
    return this.list()[Symbol.iterator]();
  }
}
