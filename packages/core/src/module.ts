import { CoreError } from './errors.js';
import { isSemver } from './semver.js';

/**
 * What a module can do, as plain data; each block types it (payments: model, currencies, two-phase,
 * refunds...). Values are compared by {@link matchRequirements}.
 *
 * @example
 * ```ts
 * import type { Capabilities } from '@semper/core/spi';
 * const caps: Capabilities = { model: 'cash-like', currencies: ['EUR', 'CHF'], refunds: false };
 * ```
 */
export type Capabilities = Readonly<Record<string, unknown>>;

/**
 * A module's declaration of itself: which block it serves, its id and version, what it can do, and where
 * it may be used.
 *
 * - `id`: unique within a block, lower case, e.g. `payment-ecash` or `acme.card` (letters, digits,
 *   `-`, with `.` between segments; at most 64 characters).
 * - `version`: a Semantic Versioning 2.0.0 version; two parties can use a module together when their
 *   versions are compatible (see `areVersionsCompatible`).
 * - `block`: the service block, e.g. `payments`, `certificates`.
 * - `capabilities`: typed per block through `C`.
 * - `jurisdictions`: ISO 3166-1 alpha-2 codes (upper case) where the module may be used, or `['*']`
 *   for anywhere; absent means the module declares no restriction (same as `['*']`).
 *
 * @example
 * ```ts
 * import type { ModuleDescriptor } from '@semper/core/spi';
 * interface PaymentCapabilities { readonly model: 'cash-like' | 'cheque-like' | 'account-based'; readonly currencies: readonly string[] }
 * const ecash: ModuleDescriptor<PaymentCapabilities> = {
 *   id: 'payment-ecash',
 *   version: '1.0.0',
 *   block: 'payments',
 *   capabilities: { model: 'cash-like', currencies: ['EUR'] },
 *   jurisdictions: ['FR', 'BE', 'LU'],
 * };
 * ```
 */
export interface ModuleDescriptor<C extends Capabilities = Capabilities> {
  readonly id: string;
  readonly version: string;
  readonly block: string;
  readonly capabilities: C;
  readonly jurisdictions?: readonly string[];
}

/**
 * A module: something a manager routes calls to. Blocks extend it with their operations (a payment
 * module has `pay`, a CA module `issue`...).
 *
 * @example
 * ```ts
 * import type { ModuleDescriptor, ServiceModule } from '@semper/core/spi';
 * const module: ServiceModule = {
 *   descriptor: { id: 'payment-sim', version: '1.0.0', block: 'payments', capabilities: {} },
 * };
 * ```
 */
export interface ServiceModule<D extends ModuleDescriptor = ModuleDescriptor> {
  readonly descriptor: D;
}

/**
 * A value a requirement asks of a capability: a scalar, or a list of scalars all of which are needed.
 *
 * @example
 * ```ts
 * import type { RequirementValue } from '@semper/core/spi';
 * const currency: RequirementValue = 'EUR';
 * const both: RequirementValue = ['EUR', 'CHF'];
 * ```
 */
export type RequirementValue = string | number | boolean | readonly (string | number | boolean)[];

/**
 * Capability requirements, e.g. `{ currencies: 'EUR', twoPhase: true }`: plain data, so that a remote
 * party can send them. See {@link matchRequirements} for the rule.
 *
 * @example
 * ```ts
 * import type { Requirements } from '@semper/core/spi';
 * const needs: Requirements = { currencies: 'EUR', refunds: true };
 * ```
 */
export type Requirements = Readonly<Record<string, RequirementValue>>;

/**
 * The outcome of {@link matchRequirements}.
 *
 * @example
 * ```ts
 * import { matchRequirements, type RequirementMatch } from '@semper/core/spi';
 * const m: RequirementMatch = matchRequirements({ currencies: ['EUR'] }, { currencies: 'USD' });
 * if (!m.ok) console.log(m.capability, m.reason);
 * ```
 */
export type RequirementMatch =
  | { readonly ok: true }
  | { readonly ok: false; readonly capability: string; readonly reason: string };

const ID = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/;

/**
 * Whether `id` is a well-formed module id (see {@link ModuleDescriptor}).
 *
 * @internal
 */
export function isModuleId(id: unknown): id is string {
  return typeof id === 'string' && id.length <= 64 && ID.test(id);
}
const BLOCK = /^[a-z][a-z0-9-]{0,31}$/;
const COUNTRY = /^[A-Z]{2}$/;

function isScalar(value: unknown): value is string | number | boolean {
  return (
    typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))
  );
}

function describe(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

/**
 * Whether `capabilities` meet `requirements`. For each required capability `k` with value `r`:
 * the capability must be present; each needed value (`r` itself, or every element when `r` is a list)
 * must equal the capability (`===`) or, when the capability is a list, be one of its elements. So
 * `{ currencies: 'EUR' }` is met by `{ currencies: ['EUR', 'USD'] }` and by `{ currencies: 'EUR' }`;
 * `{ refunds: true }` only by `{ refunds: true }`. Requirements are checked in key order and the first
 * unmet one is reported. No requirements are always met.
 *
 * @example
 * ```ts
 * import { matchRequirements } from '@semper/core/spi';
 * matchRequirements({ currencies: ['EUR', 'USD'], refunds: true }, { currencies: 'EUR', refunds: true }); // { ok: true }
 * matchRequirements({ currencies: ['EUR'] }, { currencies: ['EUR', 'CHF'] }).ok; // false
 * ```
 */
export function matchRequirements(
  capabilities: Capabilities,
  requirements: Requirements | undefined,
): RequirementMatch {
  if (requirements === undefined) return { ok: true };
  for (const capability of Object.keys(requirements).sort()) {
    const required = requirements[capability];
    const needed: readonly unknown[] = Array.isArray(required) ? required : [required];
    if (!Object.hasOwn(capabilities, capability) || capabilities[capability] === undefined) {
      return { ok: false, capability, reason: `capability '${capability}' is not declared` };
    }
    const offered = capabilities[capability];
    for (const value of needed) {
      const met = Array.isArray(offered) ? offered.includes(value) : offered === value;
      if (!met) {
        return {
          ok: false,
          capability,
          reason: `capability '${capability}' is ${describe(offered)}, which does not meet ${describe(value)}`,
        };
      }
    }
  }
  return { ok: true };
}

/**
 * Checks that `value` is well-formed requirements (an object of scalars or lists of scalars), with at
 * most `limit` keys. Returns the reason it is not, or `undefined`.
 *
 * @internal
 */
export function checkRequirementsShape(value: unknown, limit = 64): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'requirements must be an object';
  const entries = Object.entries(value);
  if (entries.length > limit) return `more than ${limit} requirements`;
  for (const [key, v] of entries) {
    const ok = isScalar(v) || (Array.isArray(v) && v.length <= limit && v.every(isScalar));
    if (!ok) return `requirement '${key.slice(0, 64)}' must be a string, number, boolean or a list of them`;
  }
  return undefined;
}

/**
 * Why `value` is not a well-formed descriptor, or `undefined` if it is.
 *
 * @internal
 */
export function descriptorProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'a descriptor is an object';
  const d = value as Partial<Record<keyof ModuleDescriptor, unknown>>;
  if (!isModuleId(d.id)) {
    return `id must be lower case letters, digits, '-' and '.', at most 64 characters: ${describe(d.id)}`;
  }
  if (!isSemver(d.version)) return `module '${d.id}': version must be a semver version: ${describe(d.version)}`;
  if (typeof d.block !== 'string' || !BLOCK.test(d.block)) {
    return `module '${d.id}': block must be a lower-case name: ${describe(d.block)}`;
  }
  if (typeof d.capabilities !== 'object' || d.capabilities === null || Array.isArray(d.capabilities)) {
    return `module '${d.id}': capabilities must be an object`;
  }
  if (d.jurisdictions !== undefined) {
    const j = d.jurisdictions;
    if (!Array.isArray(j) || j.length === 0) {
      return `module '${d.id}': jurisdictions must be a non-empty list (or absent)`;
    }
    const wildcard = j.length === 1 && j[0] === '*';
    if (!wildcard && !j.every((c) => typeof c === 'string' && COUNTRY.test(c))) {
      return `module '${d.id}': jurisdictions must be ISO 3166-1 alpha-2 codes (upper case), or ['*']`;
    }
    if (new Set(j).size !== j.length) return `module '${d.id}': jurisdictions has duplicates`;
  }
  return undefined;
}

/**
 * Checks a descriptor and returns a frozen copy of it (its `capabilities` and `jurisdictions` frozen
 * too). Throws `ERR_CORE_INVALID_DESCRIPTOR` with the reason when it is malformed.
 *
 * @example
 * ```ts
 * import { defineDescriptor } from '@semper/core/spi';
 * export const descriptor = defineDescriptor({
 *   id: 'payment-sim',
 *   version: '1.0.0',
 *   block: 'payments',
 *   capabilities: { model: 'account-based', currencies: ['EUR', 'USD'] },
 *   jurisdictions: ['*'],
 * });
 * ```
 */
export function defineDescriptor<D extends ModuleDescriptor>(descriptor: D): D {
  const problem = descriptorProblem(descriptor);
  if (problem !== undefined) throw new CoreError('ERR_CORE_INVALID_DESCRIPTOR', problem);
  const copy: ModuleDescriptor = {
    ...descriptor,
    capabilities: Object.freeze({ ...descriptor.capabilities }),
    ...(descriptor.jurisdictions === undefined ? {} : { jurisdictions: Object.freeze([...descriptor.jurisdictions]) }),
  };
  return Object.freeze(copy) as D;
}

/**
 * Whether a module may be used in `jurisdiction` by its own declaration: true when it declares no
 * jurisdictions, declares `['*']`, or lists the code.
 *
 * @example
 * ```ts
 * import { isDeclaredForJurisdiction } from '@semper/core/spi';
 * const d = { id: 'x', version: '1.0.0', block: 'payments', capabilities: {}, jurisdictions: ['FR'] };
 * isDeclaredForJurisdiction(d, 'FR'); // true
 * isDeclaredForJurisdiction(d, 'DE'); // false
 * ```
 */
export function isDeclaredForJurisdiction(descriptor: ModuleDescriptor, jurisdiction: string): boolean {
  const declared = descriptor.jurisdictions;
  return declared === undefined || declared.includes('*') || declared.includes(jurisdiction);
}
