import { UnsupportedOperationError } from './errors.js';
import {
  type Capabilities,
  defineDescriptor,
  matchRequirements,
  type ModuleDescriptor,
  type RequirementValue,
  type Requirements,
  type ServiceModule,
} from './module.js';

/**
 * The base of every module, and the module writer's guide. It follows webcrypto-core's pattern: a
 * block's abstract module (e.g. `AbstractPaymentModule`) defines each public operation as **check,
 * then hook**: the base validates the request (`checkPay`), then calls a protected `on*` hook
 * (`onPay`) that the concrete module overrides. A hook the module does not override calls
 * {@link AbstractServiceModule.unsupported}, which throws `UnsupportedOperationError`
 * (`ERR_CORE_UNSUPPORTED_OPERATION`), so an optional operation is simply one that is not overridden.
 *
 * What this base gives every module:
 * - `descriptor`, checked and frozen at construction (`ERR_CORE_INVALID_DESCRIPTOR` if malformed);
 * - `supports(requirements)`: whether the capabilities meet requirements (see `matchRequirements`);
 * - `checkCapability(name, value)`: for `check*` methods, throws `UnsupportedOperationError` when a
 *   request needs something the module does not declare (a currency, two-phase...);
 * - `unsupported(operation)`: for default `on*` hooks.
 *
 * Rules for module writers: return expected outcomes (declined, insufficient funds) as discriminated
 * results; throw faults as `SemperError` subclasses; managers pass your errors through untouched.
 *
 * @example
 * ```ts
 * import { AbstractServiceModule, type ModuleDescriptor } from '@semper/core/spi';
 * import type { Money } from '@semper/core';
 *
 * // In the payments block (@semper/payments/spi):
 * export type PayResult = { outcome: 'paid'; receipt: string } | { outcome: 'declined'; reason: string };
 * export abstract class AbstractPaymentModule extends AbstractServiceModule<ModuleDescriptor<{ currencies: readonly string[]; refunds: boolean }>> {
 *   async pay(amount: Money): Promise<PayResult> {
 *     this.checkPay(amount);
 *     return this.onPay(amount);
 *   }
 *   async refund(receipt: string): Promise<void> {
 *     this.checkCapability('refunds', true);
 *     return this.onRefund(receipt);
 *   }
 *   protected checkPay(amount: Money): void {
 *     this.checkCapability('currencies', amount.currency);
 *   }
 *   protected onPay(_amount: Money): Promise<PayResult> {
 *     return this.unsupported('pay');
 *   }
 *   protected onRefund(_receipt: string): Promise<void> {
 *     return this.unsupported('refund');
 *   }
 * }
 *
 * // In a module package:
 * export class SimPaymentModule extends AbstractPaymentModule {
 *   constructor() {
 *     super({ id: 'payment-sim', version: '1.0.0', block: 'payments', capabilities: { currencies: ['EUR'], refunds: false } });
 *   }
 *   protected override async onPay(): Promise<PayResult> {
 *     return { outcome: 'paid', receipt: 'sim-receipt' };
 *   }
 * }
 * ```
 */
export abstract class AbstractServiceModule<D extends ModuleDescriptor = ModuleDescriptor> implements ServiceModule<D> {
  /** This module's descriptor, checked and frozen. */
  readonly descriptor: D;

  protected constructor(descriptor: D) {
    this.descriptor = defineDescriptor(descriptor);
  }

  /**
   * This module's id (`descriptor.id`).
   *
   * @example
   * ```ts
   * declare const module: import('@semper/core/spi').AbstractServiceModule;
   * module.id; // e.g. 'payment-sim'
   * ```
   */
  get id(): string {
    return this.descriptor.id;
  }

  /**
   * Whether this module's capabilities meet `requirements`.
   *
   * @example
   * ```ts
   * declare const module: import('@semper/core/spi').AbstractServiceModule;
   * module.supports({ currencies: 'EUR' });
   * ```
   */
  supports(requirements: Requirements): boolean {
    return matchRequirements(this.descriptor.capabilities as Capabilities, requirements).ok;
  }

  /**
   * For `check*` methods: throws `UnsupportedOperationError` (naming the capability) unless the declared
   * capability `name` meets `value` (by the rule of `matchRequirements`).
   *
   * @example
   * ```ts
   * // inside a check method of a module
   * // this.checkCapability('currencies', amount.currency);
   * ```
   */
  protected checkCapability(name: string, value: RequirementValue): void {
    const match = matchRequirements(this.descriptor.capabilities as Capabilities, { [name]: value });
    if (!match.ok) throw new UnsupportedOperationError(`${this.descriptor.id}: ${match.reason}`);
  }

  /**
   * For default `on*` hooks: throws `UnsupportedOperationError` for `operation`. Typed `never`, so a
   * hook can `return this.unsupported('pay')` whatever it returns.
   *
   * @example
   * ```ts
   * // protected onRefund(): Promise<void> { return this.unsupported('refund'); }
   * ```
   */
  protected unsupported(operation: string): never {
    throw new UnsupportedOperationError(`${this.descriptor.id}.${operation}`);
  }
}
