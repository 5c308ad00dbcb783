import { CoreError } from './errors.js';
import {
  type Capabilities,
  checkRequirementsShape,
  descriptorProblem,
  isModuleId,
  matchRequirements,
  type ModuleDescriptor,
  type Requirements,
} from './module.js';
import type { ModulePolicy, PolicyContext } from './policy.js';
import { areVersionsCompatible, isSemver } from './semver.js';

/**
 * A module as a party offers it: id and version, and optionally its capabilities.
 *
 * @example
 * ```ts
 * import type { OfferedModule } from '@semper/core';
 * const m: OfferedModule = { id: 'payment-ecash', version: '1.2.0', capabilities: { currencies: ['EUR'] } };
 * ```
 */
export interface OfferedModule {
  readonly id: string;
  readonly version: string;
  readonly capabilities?: Capabilities;
}

/**
 * What one party supports for a block, in its own order of preference, and what it requires of any
 * module used (e.g. `{ currencies: 'EUR' }`). The local party offers its modules' descriptors; the remote
 * party's offer comes off the wire and is checked strictly by {@link negotiate}.
 *
 * @example
 * ```ts
 * import type { Offer } from '@semper/core';
 * const remote: Offer = {
 *   modules: [{ id: 'payment-card', version: '2.0.1' }, { id: 'payment-ecash', version: '1.0.0' }],
 *   requirements: { currencies: 'EUR' },
 * };
 * ```
 */
export interface Offer<M extends OfferedModule = OfferedModule> {
  readonly modules: readonly M[];
  readonly requirements?: Requirements;
}

/**
 * Options of {@link negotiate}.
 *
 * @example
 * ```ts
 * import { ModulePolicy, type NegotiationOptions } from '@semper/core';
 * const options: NegotiationOptions = {
 *   preferences: ['payment-ecash', 'payment-card'],
 *   policy: ModulePolicy.allowAll(),
 *   context: { jurisdiction: 'FR', user: 'alice' },
 * };
 * ```
 */
export interface NegotiationOptions {
  /** The local user's preferred module ids, most preferred first (e.g. `Preferences.preferredModules(block)`). */
  readonly preferences?: readonly string[];
  /** Filters the candidates (each local descriptor is evaluated in `context`). */
  readonly policy?: ModulePolicy;
  /** Where and for whom the module would be used. */
  readonly context?: PolicyContext;
  /**
   * When several candidates remain and the preferences do not decide: `'choice'` (default) returns them
   * for the user to pick; `'first'` selects the one the remote party listed first (for unattended parties).
   */
  readonly undecided?: 'choice' | 'first';
}

/**
 * Why a module was not a candidate.
 *
 * @example
 * ```ts
 * import type { NegotiationRejection } from '@semper/core';
 * const r: NegotiationRejection = { module: 'payment-card', reason: 'not offered by the remote party' };
 * ```
 */
export interface NegotiationRejection {
  readonly module: string;
  readonly reason: string;
}

/**
 * The outcome of a negotiation (an expected outcome, so returned, never thrown):
 * - `selected`: one module; `decidedBy` says why (`'only-candidate'`, `'preference'`, or `'remote-order'`
 *   with `undecided: 'first'`);
 * - `choice`: several candidates that the preferences do not decide between, in the remote party's order;
 *   the caller asks the user (through trusted-io) and uses the one picked;
 * - `none`: no module is usable; `reasons` says why for each module considered.
 *
 * @example
 * ```ts
 * import type { ModuleDescriptor, NegotiationResult } from '@semper/core';
 * function describe(result: NegotiationResult<ModuleDescriptor>): string {
 *   switch (result.outcome) {
 *     case 'selected': return `use ${result.module.id}`;
 *     case 'choice': return `ask the user: ${result.candidates.map((c) => c.id).join(' or ')}`;
 *     case 'none': return result.reasons.map((r) => `${r.module}: ${r.reason}`).join('; ');
 *   }
 * }
 * ```
 */
export type NegotiationResult<D extends ModuleDescriptor = ModuleDescriptor> =
  | {
      readonly outcome: 'selected';
      readonly module: D;
      readonly decidedBy: 'only-candidate' | 'preference' | 'remote-order';
    }
  | { readonly outcome: 'choice'; readonly candidates: readonly D[] }
  | { readonly outcome: 'none'; readonly reasons: readonly NegotiationRejection[] };

/** Size limits on a remote offer, checked before anything else looks at it. */
const MAX_MODULES = 256;

function malformed(message: string): CoreError {
  return new CoreError('ERR_CORE_NEGOTIATION_FAILED', `malformed remote offer: ${message}`);
}

function checkRemote(remote: unknown): Offer {
  if (typeof remote !== 'object' || remote === null) throw malformed('not an object');
  const { modules, requirements } = remote as Record<string, unknown>;
  if (!Array.isArray(modules)) throw malformed('modules must be a list');
  if (modules.length > MAX_MODULES) throw malformed(`more than ${MAX_MODULES} modules`);
  modules.forEach((m: unknown, i) => {
    if (typeof m !== 'object' || m === null) throw malformed(`module ${i} is not an object`);
    const { id, version, capabilities } = m as Record<string, unknown>;
    if (!isModuleId(id)) throw malformed(`module ${i} has no valid id`);
    if (!isSemver(version)) throw malformed(`module '${id}' has no valid semver version`);
    if (
      capabilities !== undefined &&
      (typeof capabilities !== 'object' || capabilities === null || Array.isArray(capabilities))
    ) {
      throw malformed(`module '${id}': capabilities must be an object`);
    }
  });
  const problem = checkRequirementsShape(requirements);
  if (problem !== undefined) throw malformed(problem);
  return remote as Offer;
}

function checkLocal(local: Offer<ModuleDescriptor>, options: NegotiationOptions): void {
  const bad = (message: string) => new CoreError('ERR_CORE_INVALID_ARGUMENT', message);
  if (typeof local !== 'object' || local === null || !Array.isArray(local.modules)) {
    throw bad('the local offer needs a list of module descriptors');
  }
  const ids = new Set<string>();
  for (const d of local.modules) {
    const problem = descriptorProblem(d);
    if (problem !== undefined) throw new CoreError('ERR_CORE_INVALID_DESCRIPTOR', problem);
    if (ids.has(d.id)) throw bad(`the local offer lists module '${d.id}' twice`);
    ids.add(d.id);
  }
  const problem = checkRequirementsShape(local.requirements);
  if (problem !== undefined) throw bad(`local ${problem}`);
  if (options.preferences !== undefined) {
    if (!Array.isArray(options.preferences) || !options.preferences.every((p) => typeof p === 'string')) {
      throw bad('preferences must be a list of module ids');
    }
  }
  if (options.undecided !== undefined && options.undecided !== 'choice' && options.undecided !== 'first') {
    throw bad("undecided is 'choice' or 'first'");
  }
}

/**
 * Picks the module two parties will use for one block. The rule, applied to the local offer's modules:
 *
 * 1. **Intersection**: a local module is a candidate only if the remote offer lists the same id with a
 *    compatible version (same major; same major and minor before 1.0.0; see `areVersionsCompatible`).
 *    The remote may list one id several times (several versions); the first compatible entry counts.
 * 2. **Requirements**: the local module's capabilities, and the remote entry's capabilities when it
 *    gives them, must meet both parties' requirements (see `matchRequirements`).
 * 3. **Policy**: the local policy must allow the local descriptor in `context`.
 * 4. **Order**: candidates listed in `preferences` come first, in preference order; the others follow in
 *    the order of the remote offer. (The local offer's own order plays no part: preferences are the
 *    local voice.)
 * 5. **Decision**: no candidate → `none` with a reason for every module either party offered (sorted by
 *    module id); one candidate → `selected`; several, and the first is in `preferences` → `selected` (the user's
 *    preference decides); several, none preferred → `choice` (all candidates, in order) so that the
 *    user is asked, or with `undecided: 'first'` the first is `selected`.
 *
 * The result depends only on the inputs. A malformed remote offer throws `ERR_CORE_NEGOTIATION_FAILED`
 * (a protocol fault); a malformed local offer throws `ERR_CORE_INVALID_ARGUMENT` or
 * `ERR_CORE_INVALID_DESCRIPTOR`.
 *
 * @example
 * ```ts
 * import { negotiate, ModulePolicy } from '@semper/core';
 * const d = (id: string, currencies: string[]) => ({ id, version: '1.0.0', block: 'payments', capabilities: { currencies } });
 * const result = negotiate(
 *   { modules: [d('payment-card', ['EUR', 'USD']), d('payment-ecash', ['EUR'])] },
 *   { modules: [{ id: 'payment-ecash', version: '1.3.0' }, { id: 'payment-card', version: '1.0.2' }], requirements: { currencies: 'EUR' } },
 *   { preferences: ['payment-ecash'], policy: ModulePolicy.allowAll(), context: { jurisdiction: 'FR' } },
 * );
 * // { outcome: 'selected', module: <payment-ecash descriptor>, decidedBy: 'preference' }
 * ```
 */
export function negotiate<D extends ModuleDescriptor>(
  localOffer: Offer<D>,
  remoteOffer: Offer,
  options: NegotiationOptions = {},
): NegotiationResult<D> {
  checkLocal(localOffer, options);
  const remote = checkRemote(remoteOffer);
  const preferences = options.preferences ?? [];
  const reasons: NegotiationRejection[] = [];
  const candidates: { descriptor: D; rank: number; remoteIndex: number }[] = [];
  const reject = (module: string, reason: string) => reasons.push({ module, reason });

  for (const d of localOffer.modules) {
    const offered = remote.modules.map((m, index) => ({ m, index })).filter(({ m }) => m.id === d.id);
    if (offered.length === 0) {
      reject(d.id, 'not offered by the remote party');
      continue;
    }
    const compatible = offered.find(({ m }) => areVersionsCompatible(d.version, m.version));
    if (compatible === undefined) {
      const versions = offered.map(({ m }) => m.version).join(', ');
      reject(d.id, `local version ${d.version} is not compatible with remote version(s) ${versions}`);
      continue;
    }
    const unmet = requirementProblem(d, compatible.m, localOffer.requirements, remote.requirements);
    if (unmet !== undefined) {
      reject(d.id, unmet);
      continue;
    }
    if (options.policy !== undefined) {
      const decision = options.policy.evaluate(d, options.context);
      if (!decision.allowed) {
        reject(d.id, `policy: ${decision.reason}`);
        continue;
      }
    }
    const rank = preferences.indexOf(d.id);
    candidates.push({ descriptor: d, rank: rank < 0 ? Number.POSITIVE_INFINITY : rank, remoteIndex: compatible.index });
  }

  if (candidates.length === 0) {
    const local = new Set(localOffer.modules.map((d) => d.id));
    for (const m of remote.modules) {
      if (!local.has(m.id) && !reasons.some((r) => r.module === m.id)) reject(m.id, 'not available locally');
    }
    if (reasons.length === 0) reject('*', 'neither party offers any module');
    reasons.sort((a, b) => (a.module < b.module ? -1 : a.module > b.module ? 1 : 0));
    return { outcome: 'none', reasons };
  }

  candidates.sort((a, b) => (a.rank === b.rank ? a.remoteIndex - b.remoteIndex : a.rank - b.rank));
  const first = candidates[0]!;
  if (candidates.length === 1) return { outcome: 'selected', module: first.descriptor, decidedBy: 'only-candidate' };
  if (Number.isFinite(first.rank)) return { outcome: 'selected', module: first.descriptor, decidedBy: 'preference' };
  if (options.undecided === 'first')
    return { outcome: 'selected', module: first.descriptor, decidedBy: 'remote-order' };
  return { outcome: 'choice', candidates: candidates.map((c) => c.descriptor) };
}

function requirementProblem(
  local: ModuleDescriptor,
  remote: OfferedModule,
  localRequirements: Requirements | undefined,
  remoteRequirements: Requirements | undefined,
): string | undefined {
  for (const [whose, requirements] of [
    ['local', localRequirements],
    ['remote', remoteRequirements],
  ] as const) {
    const here = matchRequirements(local.capabilities, requirements);
    if (!here.ok) return `local module does not meet the ${whose} requirements: ${here.reason}`;
    if (remote.capabilities !== undefined) {
      const there = matchRequirements(remote.capabilities, requirements);
      if (!there.ok) return `remote module does not meet the ${whose} requirements: ${there.reason}`;
    }
  }
  return undefined;
}
