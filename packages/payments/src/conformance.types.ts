import type { Clock, Money } from '@semper/core';
import type { Store } from '@semper/store';
import type { AbstractPaymentModule } from './abstract-payment-module.js';
import type { PaymentRole, Purse } from './types.js';

/**
 * What the conformance kit gives a fixture to build one side (payer or payee) of a payment.
 *
 * - `store`: the store the party's `PaymentManager` keeps its records in (an in-memory PGlite), the
 *   same one again after a simulated crash, so the module finds its persistent state (wallet, ledger)
 *   there again. It is SHARED: the payer, the payee and every test of the suite use one database (a
 *   PGlite takes seconds to start), so key your module's tables by `party` (use your own migrations);
 * - `party`: the party id (`payer` or `payee`, suffixed per test) the purse must be owned by;
 * - `generation`: 0, then 1 after a simulated crash and restart.
 *
 * @example
 * ```ts
 * import type { ConformanceEnvironment } from '@semper/payments/testing';
 * const describeEnv = (env: ConformanceEnvironment) => `${env.role} ${env.party} gen ${env.generation}`;
 * ```
 */
export interface ConformanceEnvironment {
  readonly role: PaymentRole;
  readonly party: string;
  readonly store: Store;
  readonly clock: Clock;
  readonly generation: number;
}

/**
 * One side as the fixture builds it: the module instance and the party's purse.
 *
 * @example
 * ```ts
 * import type { ConformanceParty } from '@semper/payments/testing';
 * declare const side: ConformanceParty;
 * console.log(side.module.id, side.purse.owner);
 * ```
 */
export interface ConformanceParty {
  // biome-ignore lint/suspicious/noExplicitAny: a module of any purse type
  readonly module: AbstractPaymentModule<any>;
  readonly purse: Purse;
  /** Called when the kit stops this side (after each test, and at a simulated crash). */
  close?(): Promise<void>;
}

/**
 * Fault injection the module offers the kit. Every member is optional; a test that needs a missing one
 * is skipped with the reason.
 *
 * - `declineNext()`: the next payment is declined by the payment system (returned, not thrown);
 * - `failNext(role, step)`: the next time `role`'s module reaches `step`, it throws its own error (a
 *   fault the manager must pass on as the `cause`);
 * - `crashSteps` + `crashAt(role, step)`: the named steps at which a crash can be simulated: at that
 *   step the module throws, the kit then drops both sides and builds them again on the same stores
 *   (`generation` 1), starts new managers, and checks that recovery left no transaction pending and
 *   that the payer's and the payee's records agree on whether value moved;
 *   Steps with an `operation` are steps of a payee's capture, void or refund: the kit authorizes (or
 *   pays, for a refund), arms the crash, runs the operation, restarts, and checks the record says
 *   whether it happened and that it can be finished;
 * - `clear()`: removes every armed fault.
 *
 * @example
 * ```ts
 * import type { ConformanceFaults } from '@semper/payments/testing';
 * let declining = false;
 * const faults: ConformanceFaults = {
 *   declineNext: () => { declining = true; },
 *   crashSteps: [{ role: 'payer', step: 'transfer' }],
 *   crashAt: (role, step) => console.log('arm', role, step),
 * };
 * ```
 */
export interface ConformanceFaults {
  declineNext?(): void | Promise<void>;
  failNext?(role: PaymentRole, step: string): void | Promise<void>;
  readonly crashSteps?: readonly {
    readonly role: PaymentRole;
    readonly step: string;
    /** A step of this payee operation instead of the payment (the kit authorizes or pays first). */
    readonly operation?: 'capture' | 'void' | 'refund';
  }[];
  crashAt?(role: PaymentRole, step: string): void | Promise<void>;
  clear?(): void | Promise<void>;
}

/**
 * What a module's conformance factory returns, once per test.
 *
 * - `amount`: an amount the payer's purse can pay (the kit also pays parts of it); at least 3 minor
 *   units, so that partial captures and refunds can be made;
 * - `party(env)`: builds one side on `env.store`; called for the payer and the payee, and again for
 *   each after a simulated crash;
 * - `faults`: see {@link ConformanceFaults};
 * - `close()`: stops whatever the fixture started (a mint, a gateway, a bank).
 *
 * @example
 * ```ts
 * import { Money } from '@semper/core';
 * import type { ConformanceFixture } from '@semper/payments/testing';
 * declare function makeSide(env: import('@semper/payments/testing').ConformanceEnvironment): Promise<import('@semper/payments/testing').ConformanceParty>;
 * const fixture: ConformanceFixture = { amount: Money.parse('12.00', 'EUR'), party: makeSide };
 * ```
 */
export interface ConformanceFixture {
  readonly amount: Money;
  party(env: ConformanceEnvironment): Promise<ConformanceParty>;
  readonly faults?: ConformanceFaults;
  close?(): Promise<void>;
}

/**
 * Builds a fresh {@link ConformanceFixture} for one test.
 *
 * @example
 * ```ts
 * import type { ConformanceFactory } from '@semper/payments/testing';
 * declare const factory: ConformanceFactory;
 * declare const suite: import('@semper/payments/testing').ConformanceSuiteEnvironment;
 * const fixture = await factory(suite);
 * ```
 */
export type ConformanceFactory = (suite: ConformanceSuiteEnvironment) => Promise<ConformanceFixture>;

/**
 * Options of `describePaymentModuleConformance`.
 *
 * - `stepTimeoutMs`: how long a side waits for the other's message (default 5 000);
 * - `testTimeoutMs`: per test (default 60 000);
 * - `openStore`: opens the suite's store (default an in-memory PGlite); e.g. a PostgreSQL database in a
 *   `*.services.test.ts`. The kit closes it after the suite.
 *
 * @example
 * ```ts
 * import type { ConformanceOptions } from '@semper/payments/testing';
 * const options: ConformanceOptions = { stepTimeoutMs: 2_000 };
 * ```
 */
export interface ConformanceOptions {
  readonly stepTimeoutMs?: number;
  readonly testTimeoutMs?: number;
  readonly openStore?: () => Promise<Store>;
}

/**
 * What the kit gives a factory: the suite's shared store (see {@link ConformanceEnvironment}), for
 * servers the fixture runs (a bank, a mint) to keep their tables in too.
 *
 * @example
 * ```ts
 * import type { ConformanceSuiteEnvironment } from '@semper/payments/testing';
 * const f = async (suite: ConformanceSuiteEnvironment) => suite.store.query('select 1');
 * ```
 */
export interface ConformanceSuiteEnvironment {
  readonly store: Store;
}
