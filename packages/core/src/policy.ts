import { CoreError } from './errors.js';
import { type Capabilities, isDeclaredForJurisdiction, type ModuleDescriptor } from './module.js';

/**
 * Where and for whom a module would be used: the ISO 3166-1 alpha-2 country (upper case) and the user.
 * Both are optional; rules about a jurisdiction or a user do not match a context that lacks it.
 *
 * @example
 * ```ts
 * import type { PolicyContext } from '@semper/core';
 * const context: PolicyContext = { jurisdiction: 'DE', user: 'alice' };
 * ```
 */
export interface PolicyContext {
  readonly jurisdiction?: string;
  readonly user?: string;
}

/**
 * The outcome of {@link ModulePolicy.evaluate}: allowed, or forbidden with the name of the rule that
 * decided and the reason in words.
 *
 * @example
 * ```ts
 * import type { PolicyDecision } from '@semper/core';
 * function explain(d: PolicyDecision): string {
 *   return d.allowed ? 'allowed' : `${d.rule}: ${d.reason}`;
 * }
 * ```
 */
export type PolicyDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly rule: string; readonly reason: string };

/**
 * One rule of a {@link ModulePolicy}. A rule matches a module in a context when every condition it
 * has holds (a rule without conditions matches everything):
 * - `modules`: the module's id is listed;
 * - `blocks`: the module's block is listed;
 * - `jurisdictions`: the context has a jurisdiction and it is listed;
 * - `users`: the context has a user and they are listed;
 * - `capability`: the predicate returns true for the module's capabilities.
 *
 * `name` identifies the rule in decisions and errors; it must be unique within a policy and must not be
 * one of the built-in names (`declared-jurisdictions`, `installed-for-user`, `default-forbid`).
 *
 * @example
 * ```ts
 * import type { PolicyRule } from '@semper/core';
 * const noEcashInGermany: PolicyRule = {
 *   name: 'no-ecash-in-de',
 *   effect: 'forbid',
 *   modules: ['payment-ecash'],
 *   jurisdictions: ['DE'],
 *   description: 'anonymous e-cash is not licensed in Germany',
 * };
 * ```
 */
export interface PolicyRule {
  readonly name: string;
  readonly effect: 'allow' | 'forbid';
  readonly modules?: readonly string[];
  readonly blocks?: readonly string[];
  readonly jurisdictions?: readonly string[];
  readonly users?: readonly string[];
  readonly capability?: (capabilities: Capabilities, descriptor: ModuleDescriptor) => boolean;
  /** Why the rule exists, in words; added to the reason of a decision it makes. */
  readonly description?: string;
}

/**
 * Options of {@link ModulePolicy}.
 *
 * @example
 * ```ts
 * import { ModulePolicy, type ModulePolicyOptions } from '@semper/core';
 * const options: ModulePolicyOptions = {
 *   defaultEffect: 'forbid',
 *   rules: [{ name: 'payments-ok', effect: 'allow', blocks: ['payments'] }],
 *   installed: { alice: ['payment-sim'] },
 * };
 * new ModulePolicy(options);
 * ```
 */
export interface ModulePolicyOptions {
  /** The rules, in order (order only decides which forbid rule is named when several match). */
  readonly rules?: readonly PolicyRule[];
  /**
   * The module ids installed for each user. When given, a context with a `user` may use only the
   * modules installed for that user (a user not listed has none). When absent, installation is not checked.
   */
  readonly installed?: Readonly<Record<string, readonly string[]>>;
  /** What happens when no allow rule matches (default `'allow'`). */
  readonly defaultEffect?: 'allow' | 'forbid';
}

const BUILT_IN = new Set(['declared-jurisdictions', 'installed-for-user', 'default-forbid']);
const COUNTRY = /^[A-Z]{2}$/;

function bad(message: string): CoreError {
  return new CoreError('ERR_CORE_INVALID_ARGUMENT', message);
}

function checkStrings(value: unknown, what: string, pattern?: RegExp): void {
  if (value === undefined) return;
  if (
    !Array.isArray(value) ||
    !value.every((v) => typeof v === 'string' && (pattern === undefined || pattern.test(v)))
  ) {
    throw bad(`${what} must be a list of ${pattern === COUNTRY ? 'ISO 3166-1 alpha-2 codes' : 'strings'}`);
  }
}

function checkRule(rule: PolicyRule, index: number): PolicyRule {
  if (typeof rule !== 'object' || rule === null) throw bad(`rule ${index} is not an object`);
  if (typeof rule.name !== 'string' || rule.name.length === 0 || rule.name.length > 128) {
    throw bad(`rule ${index} needs a name`);
  }
  if (BUILT_IN.has(rule.name)) throw bad(`rule name '${rule.name}' is reserved`);
  if (rule.effect !== 'allow' && rule.effect !== 'forbid') throw bad(`rule '${rule.name}': effect is allow or forbid`);
  checkStrings(rule.modules, `rule '${rule.name}': modules`);
  checkStrings(rule.blocks, `rule '${rule.name}': blocks`);
  checkStrings(rule.users, `rule '${rule.name}': users`);
  checkStrings(rule.jurisdictions, `rule '${rule.name}': jurisdictions`, COUNTRY);
  if (rule.capability !== undefined && typeof rule.capability !== 'function') {
    throw bad(`rule '${rule.name}': capability must be a predicate`);
  }
  return Object.freeze({ ...rule });
}

/**
 * Throws `ERR_CORE_INVALID_ARGUMENT` unless `context` is a well-formed policy context.
 *
 * @internal
 */
export function checkPolicyContext(context: PolicyContext): void {
  if (typeof context !== 'object' || context === null) throw bad('a policy context is an object');
  if (
    context.jurisdiction !== undefined &&
    (typeof context.jurisdiction !== 'string' || !COUNTRY.test(context.jurisdiction))
  ) {
    throw bad('context jurisdiction must be an ISO 3166-1 alpha-2 code (upper case)');
  }
  if (context.user !== undefined && (typeof context.user !== 'string' || context.user.length === 0)) {
    throw bad('context user must be a non-empty string');
  }
}

function matches(rule: PolicyRule, d: ModuleDescriptor, context: PolicyContext): boolean {
  if (rule.modules !== undefined && !rule.modules.includes(d.id)) return false;
  if (rule.blocks !== undefined && !rule.blocks.includes(d.block)) return false;
  if (rule.jurisdictions !== undefined) {
    if (context.jurisdiction === undefined || !rule.jurisdictions.includes(context.jurisdiction)) return false;
  }
  if (rule.users !== undefined) {
    if (context.user === undefined || !rule.users.includes(context.user)) return false;
  }
  if (rule.capability !== undefined && !rule.capability(d.capabilities, d)) return false;
  return true;
}

/**
 * Decides whether a module may be used in a context. The decision is deterministic and **forbid beats
 * allow**; the checks run in this order and the first that forbids is reported (its rule's name in
 * `rule`, and in words in `reason`):
 *
 * 1. the policy's **forbid rules**, in their order (the first matching one is named);
 * 2. `declared-jurisdictions`: the context's jurisdiction is not one the module declares;
 * 3. `installed-for-user`: the policy lists installations, the context names a user, and the module is
 *    not installed for that user;
 * 4. `default-forbid`: the policy forbids by default and no allow rule matches.
 *
 * Otherwise the module is allowed. Allow rules matter only with `defaultEffect: 'forbid'`; they never
 * override a forbid. A policy is immutable: `withRules` and `withInstalled` return new policies.
 *
 * @example
 * ```ts
 * import { ModulePolicy } from '@semper/core';
 * const policy = new ModulePolicy({
 *   rules: [{ name: 'no-ecash-in-de', effect: 'forbid', modules: ['payment-ecash'], jurisdictions: ['DE'] }],
 * });
 * const ecash = { id: 'payment-ecash', version: '1.0.0', block: 'payments', capabilities: {} };
 * policy.evaluate(ecash, { jurisdiction: 'FR' }); // { allowed: true }
 * policy.evaluate(ecash, { jurisdiction: 'DE' });
 * // { allowed: false, rule: 'no-ecash-in-de', reason: "forbidden by rule 'no-ecash-in-de'" }
 * ```
 */
export class ModulePolicy {
  /** The rules, in order. */
  readonly rules: readonly PolicyRule[];
  /** What happens when no allow rule matches. */
  readonly defaultEffect: 'allow' | 'forbid';
  private readonly installed: ReadonlyMap<string, ReadonlySet<string>> | undefined;

  constructor(options: ModulePolicyOptions = {}) {
    const rules = (options.rules ?? []).map(checkRule);
    const names = new Set<string>();
    for (const rule of rules) {
      if (names.has(rule.name)) throw bad(`two rules are named '${rule.name}'`);
      names.add(rule.name);
    }
    const defaultEffect = options.defaultEffect ?? 'allow';
    if (defaultEffect !== 'allow' && defaultEffect !== 'forbid') throw bad('defaultEffect is allow or forbid');
    let installed: Map<string, ReadonlySet<string>> | undefined;
    if (options.installed !== undefined) {
      if (typeof options.installed !== 'object' || options.installed === null) throw bad('installed must be an object');
      installed = new Map();
      for (const [user, ids] of Object.entries(options.installed)) {
        checkStrings(ids, `installed['${user}']`);
        installed.set(user, new Set(ids));
      }
    }
    this.rules = Object.freeze(rules);
    this.defaultEffect = defaultEffect;
    this.installed = installed;
  }

  /**
   * A policy that allows every module everywhere (still subject to the modules' own declared
   * jurisdictions).
   *
   * @example
   * ```ts
   * import { ModulePolicy } from '@semper/core';
   * const policy = ModulePolicy.allowAll();
   * ```
   */
  static allowAll(): ModulePolicy {
    return new ModulePolicy();
  }

  /**
   * Decides for `descriptor` in `context` (see the class description for the order of checks).
   * Throws `ERR_CORE_INVALID_ARGUMENT` for a malformed context (e.g. a lower-case jurisdiction).
   *
   * @example
   * ```ts
   * import { ModulePolicy } from '@semper/core';
   * const policy = new ModulePolicy({ installed: { alice: ['payment-sim'] } });
   * const ecash = { id: 'payment-ecash', version: '1.0.0', block: 'payments', capabilities: {} };
   * policy.evaluate(ecash, { user: 'alice' }).allowed; // false (rule 'installed-for-user')
   * ```
   */
  evaluate(descriptor: ModuleDescriptor, context: PolicyContext = {}): PolicyDecision {
    checkPolicyContext(context);
    for (const rule of this.rules) {
      if (rule.effect === 'forbid' && matches(rule, descriptor, context)) {
        const why = rule.description === undefined ? '' : `: ${rule.description}`;
        return { allowed: false, rule: rule.name, reason: `forbidden by rule '${rule.name}'${why}` };
      }
    }
    const { jurisdiction, user } = context;
    if (jurisdiction !== undefined && !isDeclaredForJurisdiction(descriptor, jurisdiction)) {
      return {
        allowed: false,
        rule: 'declared-jurisdictions',
        reason: `module '${descriptor.id}' is declared for ${descriptor.jurisdictions?.join(', ')}, not ${jurisdiction}`,
      };
    }
    if (this.installed !== undefined && user !== undefined && !this.isInstalled(user, descriptor.id)) {
      return {
        allowed: false,
        rule: 'installed-for-user',
        reason: `module '${descriptor.id}' is not installed for user '${user}'`,
      };
    }
    if (this.defaultEffect === 'forbid') {
      const allowed = this.rules.some((rule) => rule.effect === 'allow' && matches(rule, descriptor, context));
      if (!allowed) {
        return {
          allowed: false,
          rule: 'default-forbid',
          reason: `no rule allows module '${descriptor.id}' and the policy forbids by default`,
        };
      }
    }
    return { allowed: true };
  }

  /**
   * `evaluate(...).allowed`.
   *
   * @example
   * ```ts
   * import { ModulePolicy } from '@semper/core';
   * ModulePolicy.allowAll().isAllowed({ id: 'x', version: '1.0.0', block: 'payments', capabilities: {} }); // true
   * ```
   */
  isAllowed(descriptor: ModuleDescriptor, context: PolicyContext = {}): boolean {
    return this.evaluate(descriptor, context).allowed;
  }

  /**
   * Whether `moduleId` is installed for `user`. A policy that does not list installations treats every
   * module as installed for everyone.
   *
   * @example
   * ```ts
   * import { ModulePolicy } from '@semper/core';
   * new ModulePolicy({ installed: { bob: ['payment-card'] } }).isInstalled('bob', 'payment-card'); // true
   * ```
   */
  isInstalled(user: string, moduleId: string): boolean {
    if (this.installed === undefined) return true;
    return this.installed.get(user)?.has(moduleId) ?? false;
  }

  /**
   * A new policy with `rules` appended.
   *
   * @example
   * ```ts
   * import { ModulePolicy } from '@semper/core';
   * const strict = ModulePolicy.allowAll().withRules({ name: 'no-sim', effect: 'forbid', modules: ['payment-sim'] });
   * ```
   */
  withRules(...rules: readonly PolicyRule[]): ModulePolicy {
    return new ModulePolicy({ ...this.options(), rules: [...this.rules, ...rules] });
  }

  /**
   * A new policy in which exactly `moduleIds` are installed for `user` (other users unchanged). The
   * first call turns installation checking on.
   *
   * @example
   * ```ts
   * import { ModulePolicy } from '@semper/core';
   * const policy = ModulePolicy.allowAll().withInstalled('alice', ['payment-sim', 'payment-ecash']);
   * ```
   */
  withInstalled(user: string, moduleIds: readonly string[]): ModulePolicy {
    const installed = { ...this.options().installed, [user]: [...moduleIds] };
    return new ModulePolicy({ ...this.options(), installed });
  }

  private options(): ModulePolicyOptions {
    const installed =
      this.installed === undefined
        ? undefined
        : Object.fromEntries([...this.installed].map(([user, ids]) => [user, [...ids]] as const));
    return { rules: this.rules, defaultEffect: this.defaultEffect, ...(installed ? { installed } : {}) };
  }
}
