import { CoreError, ModuleConflictError, ModuleForbiddenError, ModuleNotFoundError } from './errors.js';
import { descriptorProblem, type Requirements, type ServiceModule } from './module.js';
import { negotiate, type NegotiationResult, type Offer } from './negotiation.js';
import { ModulePolicy, type PolicyContext, type PolicyDecision } from './policy.js';
import type { Preferences } from './preferences.js';

/**
 * What a manager is built with, besides its modules.
 *
 * @example
 * ```ts
 * import { ModulePolicy, Preferences, type ServiceManagerOptions } from '@semper/core';
 * const options: ServiceManagerOptions = {
 *   block: 'payments',
 *   policy: ModulePolicy.allowAll(),
 *   preferences: Preferences.defaults(),
 *   context: { jurisdiction: 'FR' },
 * };
 * ```
 */
export interface ServiceManagerOptions {
  /** The block this manager serves; every module must declare it. */
  readonly block: string;
  /** Decides which modules may be used where (default: allow all). */
  readonly policy?: ModulePolicy;
  /** The user's preferences; `preferredModules(block)` orders negotiation candidates. */
  readonly preferences?: Preferences;
  /** The party's default context, used when a call gives none. */
  readonly context?: PolicyContext;
}

/**
 * Options of {@link ServiceManager.negotiate}.
 *
 * @example
 * ```ts
 * import type { ManagerNegotiationOptions } from '@semper/core';
 * const options: ManagerNegotiationOptions = { requirements: { currencies: 'EUR' }, context: { user: 'alice' } };
 * ```
 */
export interface ManagerNegotiationOptions {
  /** Where and for whom (default: the manager's context). */
  readonly context?: PolicyContext;
  /** The local party's requirements for this exchange (e.g. the currency of the price). */
  readonly requirements?: Requirements;
  /** See `NegotiationOptions.undecided`. */
  readonly undecided?: 'choice' | 'first';
}

/**
 * The base of every block's manager (SEMPER's service manager): callers use the manager's generic
 * interface, and it routes each call to the module that provides the service.
 *
 * The base holds the modules, which a subclass receives through tsyringe's `@injectAll(<block module
 * token>)`, and guarantees:
 * - modules are checked at construction: a malformed descriptor, or one of another block, throws
 *   `ERR_CORE_INVALID_DESCRIPTOR`; two modules with one id throw `ERR_CORE_MODULE_CONFLICT`;
 * - `get(id)` returns the module, throws `ERR_CORE_MODULE_NOT_FOUND` for an unknown id and
 *   `ERR_CORE_MODULE_FORBIDDEN` (with the policy's rule and reason) when policy forbids it in the context;
 * - `available(context)` lists the descriptors policy allows there; `negotiate(remote)` runs the
 *   negotiation rule with the manager's modules, policy and the user's preferences;
 * - `route(id, call)` never masks a module's error: what the module throws (or rejects with) reaches the
 *   caller as is.
 *
 * @example
 * ```ts
 * import 'reflect-metadata';
 * import { inject, injectable, injectAll } from 'tsyringe';
 * import {
 *   MODULE_POLICY, ModulePolicy, POLICY_CONTEXT, PREFERENCES, ServiceManager,
 *   type PolicyContext, type Preferences,
 * } from '@semper/core';
 * import type { ServiceModule } from '@semper/core/spi';
 *
 * export const PAYMENT_MODULE = Symbol.for('semper.payments.PaymentModule');
 * export interface PaymentModule extends ServiceModule {
 *   pay(amountMinor: bigint): Promise<{ outcome: 'paid' } | { outcome: 'declined'; reason: string }>;
 * }
 *
 * @injectable()
 * export class PaymentManager extends ServiceManager<PaymentModule> {
 *   constructor(
 *     @injectAll(PAYMENT_MODULE, { isOptional: true }) modules: PaymentModule[],
 *     @inject(MODULE_POLICY) policy: ModulePolicy,
 *     @inject(PREFERENCES) preferences: Preferences,
 *     @inject(POLICY_CONTEXT) context: PolicyContext,
 *   ) {
 *     super(modules, { block: 'payments', policy, preferences, context });
 *   }
 *   async pay(moduleId: string, amountMinor: bigint) {
 *     return this.route(moduleId, (module) => module.pay(amountMinor));
 *   }
 * }
 * ```
 */
export abstract class ServiceManager<M extends ServiceModule = ServiceModule> {
  /** The block this manager serves. */
  readonly block: string;
  /** The policy consulted on every lookup. */
  protected readonly policy: ModulePolicy;
  /** The user's preferences, if given. */
  protected readonly preferences: Preferences | undefined;
  /** The default context of lookups. */
  protected readonly context: PolicyContext;
  private readonly modules: ReadonlyMap<string, M>;

  protected constructor(modules: readonly M[], options: ServiceManagerOptions) {
    if (typeof options !== 'object' || options === null || typeof options.block !== 'string' || options.block === '') {
      throw new CoreError('ERR_CORE_INVALID_ARGUMENT', 'a manager needs the name of its block');
    }
    if (!Array.isArray(modules)) throw new CoreError('ERR_CORE_INVALID_ARGUMENT', 'modules must be a list');
    const block = options.block;
    const held = new Map<string, M>();
    for (const module of modules) {
      const descriptor = (module as Partial<ServiceModule> | null)?.descriptor;
      const problem = descriptorProblem(descriptor);
      if (problem !== undefined) throw new CoreError('ERR_CORE_INVALID_DESCRIPTOR', problem);
      const { id } = module.descriptor;
      if (module.descriptor.block !== block) {
        throw new CoreError(
          'ERR_CORE_INVALID_DESCRIPTOR',
          `module '${id}' serves block '${module.descriptor.block}', not '${block}'`,
        );
      }
      if (held.has(id)) throw new ModuleConflictError(id, block);
      held.set(id, module);
    }
    this.block = block;
    this.modules = held;
    this.policy = options.policy ?? ModulePolicy.allowAll();
    this.preferences = options.preferences;
    this.context = options.context ?? {};
  }

  /**
   * The ids of the modules held, in the order they were given.
   *
   * @example
   * ```ts
   * declare const manager: import('@semper/core').ServiceManager;
   * manager.ids; // e.g. ['payment-sim', 'payment-ecash']
   * ```
   */
  get ids(): readonly string[] {
    return [...this.modules.keys()];
  }

  /**
   * Whether a module with this id is held (whatever the policy says).
   *
   * @example
   * ```ts
   * declare const manager: import('@semper/core').ServiceManager;
   * manager.has('payment-sim');
   * ```
   */
  has(id: string): boolean {
    return this.modules.has(id);
  }

  /**
   * The descriptors of all modules held, in order.
   *
   * @example
   * ```ts
   * declare const manager: import('@semper/core').ServiceManager;
   * manager.descriptors().map((d) => `${d.id}@${d.version}`);
   * ```
   */
  descriptors(): readonly M['descriptor'][] {
    return [...this.modules.values()].map((m) => m.descriptor);
  }

  /**
   * The descriptors of the modules policy allows in `context` (default: the manager's context).
   *
   * @example
   * ```ts
   * declare const manager: import('@semper/core').ServiceManager;
   * manager.available({ jurisdiction: 'DE', user: 'alice' });
   * ```
   */
  available(context: PolicyContext = this.context): readonly M['descriptor'][] {
    return this.descriptors().filter((d) => this.policy.evaluate(d, context).allowed);
  }

  /**
   * The policy's decision for module `id` in `context`. Throws `ERR_CORE_MODULE_NOT_FOUND` for an
   * unknown id.
   *
   * @example
   * ```ts
   * declare const manager: import('@semper/core').ServiceManager;
   * const decision = manager.evaluate('payment-ecash', { jurisdiction: 'DE' });
   * if (!decision.allowed) console.log(decision.reason);
   * ```
   */
  evaluate(id: string, context: PolicyContext = this.context): PolicyDecision {
    return this.policy.evaluate(this.lookup(id).descriptor, context);
  }

  /**
   * The module with this id, if policy allows it in `context` (default: the manager's context).
   * Throws `ModuleNotFoundError` (`ERR_CORE_MODULE_NOT_FOUND`) or `ModuleForbiddenError`
   * (`ERR_CORE_MODULE_FORBIDDEN`, with the rule and reason).
   *
   * @example
   * ```ts
   * declare const manager: import('@semper/core').ServiceManager;
   * const module = manager.get('payment-sim', { jurisdiction: 'FR' });
   * ```
   */
  get(id: string, context: PolicyContext = this.context): M {
    const module = this.lookup(id);
    const decision = this.policy.evaluate(module.descriptor, context);
    if (!decision.allowed) throw new ModuleForbiddenError(id, decision.rule, decision.reason);
    return module;
  }

  /**
   * Negotiates with a remote party's offer (see `negotiate`): the local offer is every module held,
   * filtered by the manager's policy in the context and ordered by the user's preferences for this
   * block. A malformed remote offer throws `ERR_CORE_NEGOTIATION_FAILED`.
   *
   * @example
   * ```ts
   * declare const manager: import('@semper/core').ServiceManager;
   * const result = manager.negotiate(
   *   { modules: [{ id: 'payment-ecash', version: '1.0.0' }] },
   *   { requirements: { currencies: 'EUR' } },
   * );
   * if (result.outcome === 'selected') console.log(result.module.id);
   * ```
   */
  negotiate(remote: Offer, options: ManagerNegotiationOptions = {}): NegotiationResult<M['descriptor']> {
    return negotiate<M['descriptor']>(
      { modules: this.descriptors(), ...(options.requirements ? { requirements: options.requirements } : {}) },
      remote,
      {
        policy: this.policy,
        context: options.context ?? this.context,
        preferences: this.preferences?.preferredModules(this.block) ?? [],
        ...(options.undecided ? { undecided: options.undecided } : {}),
      },
    );
  }

  /**
   * For subclasses: gets module `id` (as {@link ServiceManager.get}) and makes `call` on it. Whatever
   * the module throws, or the promise it returns rejects with, reaches the caller unchanged. The lookup
   * throws synchronously; call `route` from an `async` method so that a refusal becomes a rejection.
   *
   * @example
   * ```ts
   * // in a PaymentManager:
   * // async pay(id: string, amount: Money) { return this.route(id, (m) => m.pay(amount)); }
   * ```
   */
  protected route<R>(id: string, call: (module: M) => R, context: PolicyContext = this.context): R {
    return call(this.get(id, context));
  }

  private lookup(id: string): M {
    const module = typeof id === 'string' ? this.modules.get(id) : undefined;
    if (module === undefined) throw new ModuleNotFoundError(String(id).slice(0, 64), this.block);
    return module;
  }
}
