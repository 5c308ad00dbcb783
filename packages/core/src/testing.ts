import type { Observable, Subscription } from 'rxjs';
import { CoreError, SemperError, UnsupportedOperationError } from './errors.js';
import { defineDescriptor, type ModuleDescriptor, type ServiceModule } from './module.js';
import { ModulePolicy, type PolicyContext } from './policy.js';
import type { ServiceManager } from './service-manager.js';

export { ManualClock } from './clock.js';

/**
 * A descriptor for tests: `{ id: 'fake', version: '1.0.0', block: 'test', capabilities: {} }` with
 * `overrides` applied, checked and frozen.
 *
 * @example
 * ```ts
 * import { fakeDescriptor } from '@semper/core/testing';
 * const d = fakeDescriptor({ id: 'payment-fake', block: 'payments', capabilities: { currencies: ['EUR'] } });
 * ```
 */
export function fakeDescriptor(overrides: Partial<ModuleDescriptor> = {}): ModuleDescriptor {
  return defineDescriptor({ id: 'fake', version: '1.0.0', block: 'test', capabilities: {}, ...overrides });
}

/**
 * A call recorded by a {@link FakeModule}.
 *
 * @example
 * ```ts
 * import type { FakeCall } from '@semper/core/testing';
 * const call: FakeCall = { operation: 'pay', args: [100n] };
 * ```
 */
export interface FakeCall {
  readonly operation: string;
  readonly args: readonly unknown[];
}

/**
 * A module for tests, made by {@link createFakeModule}: `call(operation, ...args)` records the call
 * and runs the operation given for it, or throws `UnsupportedOperationError` when there is none.
 *
 * @example
 * ```ts
 * import { createFakeModule, type FakeModule } from '@semper/core/testing';
 * const m: FakeModule = createFakeModule({ id: 'payment-fake' }, { pay: () => ({ outcome: 'paid' }) });
 * m.call('pay', 100n);
 * m.calls; // [{ operation: 'pay', args: [100n] }]
 * ```
 */
export interface FakeModule extends ServiceModule {
  readonly calls: readonly FakeCall[];
  call(operation: string, ...args: unknown[]): unknown;
}

/**
 * Makes a {@link FakeModule} with the descriptor `fakeDescriptor(descriptor)` and the given operations.
 *
 * @example
 * ```ts
 * import { createFakeModule } from '@semper/core/testing';
 * const failing = createFakeModule({ id: 'broken' }, { pay: () => { throw new Error('boom'); } });
 * ```
 */
export function createFakeModule(
  descriptor: Partial<ModuleDescriptor> = {},
  operations: Readonly<Record<string, (...args: unknown[]) => unknown>> = {},
): FakeModule {
  const d = fakeDescriptor(descriptor);
  const calls: FakeCall[] = [];
  return {
    descriptor: d,
    calls,
    call(operation: string, ...args: unknown[]): unknown {
      calls.push({ operation, args });
      const op = Object.hasOwn(operations, operation) ? operations[operation] : undefined;
      if (op === undefined) throw new UnsupportedOperationError(`${d.id}.${operation}`);
      return op(...args);
    },
  };
}

/**
 * Collects what an observable emits, for assertions: `values` grows as values arrive; `stop()`
 * unsubscribes.
 *
 * @example
 * ```ts
 * import { EventBus } from '@semper/core';
 * import { ManualClock, recordEvents } from '@semper/core/testing';
 * const bus = new EventBus<{ type: 'ping'; at: Date }>(new ManualClock());
 * const recorded = recordEvents(bus.events$);
 * bus.emit({ type: 'ping' });
 * recorded.values.length; // 1
 * recorded.stop();
 * ```
 */
export function recordEvents<T>(source: Observable<T>): {
  readonly values: readonly T[];
  readonly completed: () => boolean;
  stop(): void;
} {
  const values: T[] = [];
  let done = false;
  const subscription: Subscription = source.subscribe({
    next: (value) => values.push(value),
    complete: () => {
      done = true;
    },
  });
  return { values, completed: () => done, stop: () => subscription.unsubscribe() };
}

/**
 * How {@link serviceManagerConformanceChecks} builds what it checks: a block's managers and modules.
 *
 * @example
 * ```ts
 * import type { ServiceManagerHarness } from '@semper/core/testing';
 * declare const harness: ServiceManagerHarness<import('@semper/core/spi').ServiceModule>;
 * ```
 */
export interface ServiceManagerHarness<M extends ServiceModule> {
  /** The block the manager serves. */
  readonly block: string;
  /** Builds the manager under test (directly or through its DI container) with these modules and policy. */
  createManager(modules: readonly M[], options: { readonly policy: ModulePolicy }): ServiceManager<M>;
  /**
   * Makes a module of the block with this descriptor. When `failWith` is given, the operation that
   * `call` invokes must throw it (or return a promise rejected with it).
   */
  createModule(descriptor: ModuleDescriptor, behaviour: { readonly failWith?: unknown }): M;
  /**
   * Makes one routed call through the manager's own API to module `id` in `context` (e.g.
   * `manager.pay(id, ...)`). Optional: without it the routing checks are skipped.
   */
  call?(manager: ServiceManager<M>, id: string, context: PolicyContext): unknown;
}

/**
 * One named conformance check; `run` resolves when it passes and rejects (with
 * `ERR_CORE_CONFORMANCE_FAILED`) when it does not.
 *
 * @example
 * ```ts
 * import type { ConformanceCheck } from '@semper/core/testing';
 * const check: ConformanceCheck = { name: 'always passes', run: async () => {} };
 * ```
 */
export interface ConformanceCheck {
  readonly name: string;
  run(): Promise<void>;
}

function fail(message: string, cause?: unknown): never {
  throw new CoreError('ERR_CORE_CONFORMANCE_FAILED', message, cause === undefined ? undefined : { cause });
}

async function expectError(what: string, action: () => unknown, check: (err: unknown) => string | undefined) {
  let result: unknown;
  try {
    result = await action();
  } catch (err) {
    const problem = check(err);
    if (problem !== undefined) fail(`${what}: ${problem}`, err);
    return;
  }
  fail(`${what}: expected an error, got ${String(result)}`);
}

function hasCode(code: string): (err: unknown) => string | undefined {
  return (err) => {
    if (!(err instanceof SemperError)) return `expected a SemperError with ${code}, got ${String(err)}`;
    return err.code === code ? undefined : `expected ${code}, got ${err.code}`;
  };
}

/**
 * The conformance checks every block's manager must pass (like webcrypto-test's suites): routing by id,
 * `ERR_CORE_MODULE_NOT_FOUND`, `ERR_CORE_MODULE_CONFLICT`, `ERR_CORE_MODULE_FORBIDDEN` naming the
 * rule, `available` following policy, modules of other blocks refused, and, with `harness.call`,
 * routed calls refused when forbidden and module errors passed through unchanged. Framework-neutral:
 * run each check in your test runner.
 *
 * @example
 * ```ts
 * import { describe, it } from 'vitest';
 * import { serviceManagerConformanceChecks } from '@semper/core/testing';
 * declare const harness: import('@semper/core/testing').ServiceManagerHarness<import('@semper/core/spi').ServiceModule>;
 * describe('PaymentManager conformance', () => {
 *   for (const check of serviceManagerConformanceChecks(harness)) it(check.name, () => check.run());
 * });
 * ```
 */
export function serviceManagerConformanceChecks<M extends ServiceModule>(
  harness: ServiceManagerHarness<M>,
): readonly ConformanceCheck[] {
  const { block } = harness;
  const descriptor = (id: string, extra: Partial<ModuleDescriptor> = {}) =>
    fakeDescriptor({ id, block, version: '1.0.0', ...extra });
  const module = (id: string, failWith?: unknown) =>
    harness.createModule(descriptor(id), failWith === undefined ? {} : { failWith });
  const allowAll = ModulePolicy.allowAll();
  const forbidB = new ModulePolicy({
    rules: [{ name: 'conformance-forbid-b', effect: 'forbid', modules: ['conformance-b'], jurisdictions: ['DE'] }],
  });

  const checks: ConformanceCheck[] = [
    {
      name: 'get(id) returns the module with that id',
      async run() {
        const a = module('conformance-a');
        const b = module('conformance-b');
        const manager = harness.createManager([a, b], { policy: allowAll });
        if (manager.get('conformance-b') !== b) fail("get('conformance-b') did not return that module");
        if (manager.get('conformance-a') !== a) fail("get('conformance-a') did not return that module");
        const ids = [...manager.ids].sort().join(',');
        if (ids !== 'conformance-a,conformance-b') fail(`ids are ${ids}`);
      },
    },
    {
      name: 'get of an unknown id throws ERR_CORE_MODULE_NOT_FOUND',
      async run() {
        const manager = harness.createManager([module('conformance-a')], { policy: allowAll });
        await expectError(
          "get('conformance-missing')",
          () => manager.get('conformance-missing'),
          hasCode('ERR_CORE_MODULE_NOT_FOUND'),
        );
      },
    },
    {
      name: 'two modules with one id throw ERR_CORE_MODULE_CONFLICT',
      async run() {
        await expectError(
          'a manager built with a duplicated id',
          () => harness.createManager([module('conformance-a'), module('conformance-a')], { policy: allowAll }),
          hasCode('ERR_CORE_MODULE_CONFLICT'),
        );
      },
    },
    {
      name: 'a module of another block is refused with ERR_CORE_INVALID_DESCRIPTOR',
      async run() {
        const other = block === 'conformance-other' ? 'conformance-else' : 'conformance-other';
        const stranger = harness.createModule(descriptor('conformance-x', { block: other }), {});
        await expectError(
          'a manager built with a module of another block',
          () => harness.createManager([stranger], { policy: allowAll }),
          hasCode('ERR_CORE_INVALID_DESCRIPTOR'),
        );
      },
    },
    {
      name: 'a module that policy forbids is refused with ERR_CORE_MODULE_FORBIDDEN naming the rule',
      async run() {
        const manager = harness.createManager([module('conformance-a'), module('conformance-b')], { policy: forbidB });
        await expectError(
          "get('conformance-b') in DE",
          () => manager.get('conformance-b', { jurisdiction: 'DE' }),
          (err) => {
            const problem = hasCode('ERR_CORE_MODULE_FORBIDDEN')(err);
            if (problem !== undefined) return problem;
            return (err as Error).message.includes('conformance-forbid-b')
              ? undefined
              : 'the message does not name the rule';
          },
        );
        if (manager.get('conformance-b', { jurisdiction: 'FR' }).descriptor.id !== 'conformance-b') {
          fail("get('conformance-b') in FR should be allowed");
        }
      },
    },
    {
      name: 'available(context) lists exactly the modules policy allows there',
      async run() {
        const manager = harness.createManager([module('conformance-a'), module('conformance-b')], { policy: forbidB });
        const inDE = manager
          .available({ jurisdiction: 'DE' })
          .map((d) => d.id)
          .join(',');
        const inFR = [...manager.available({ jurisdiction: 'FR' }).map((d) => d.id)].sort().join(',');
        if (inDE !== 'conformance-a') fail(`available in DE is '${inDE}'`);
        if (inFR !== 'conformance-a,conformance-b') fail(`available in FR is '${inFR}'`);
      },
    },
  ];

  const call = harness.call;
  if (call !== undefined) {
    checks.push(
      {
        name: 'a routed call to a forbidden module throws ERR_CORE_MODULE_FORBIDDEN',
        async run() {
          const manager = harness.createManager([module('conformance-b')], { policy: forbidB });
          await expectError(
            'a call to conformance-b in DE',
            () => call(manager, 'conformance-b', { jurisdiction: 'DE' }),
            hasCode('ERR_CORE_MODULE_FORBIDDEN'),
          );
        },
      },
      {
        name: "a routed call passes the module's error through unchanged",
        async run() {
          const error = new CoreError('ERR_CORE_INVALID_ARGUMENT', 'conformance: raised by the module');
          const manager = harness.createManager([module('conformance-a', error)], { policy: allowAll });
          await expectError(
            'a call to a failing module',
            () => call(manager, 'conformance-a', {}),
            (err) => (err === error ? undefined : `the manager replaced the module's error with ${String(err)}`),
          );
        },
      },
    );
  }
  return checks;
}

/**
 * Runs every check of {@link serviceManagerConformanceChecks} and throws one
 * `ERR_CORE_CONFORMANCE_FAILED` error listing the failures (each failure is in `cause`).
 *
 * @example
 * ```ts
 * import { checkServiceManagerConformance } from '@semper/core/testing';
 * declare const harness: import('@semper/core/testing').ServiceManagerHarness<import('@semper/core/spi').ServiceModule>;
 * await checkServiceManagerConformance(harness);
 * ```
 */
export async function checkServiceManagerConformance<M extends ServiceModule>(
  harness: ServiceManagerHarness<M>,
): Promise<void> {
  const failures: { name: string; error: unknown }[] = [];
  for (const check of serviceManagerConformanceChecks(harness)) {
    try {
      await check.run();
    } catch (error) {
      failures.push({ name: check.name, error });
    }
  }
  if (failures.length > 0) {
    const lines = failures.map((f) => `- ${f.name}: ${f.error instanceof Error ? f.error.message : String(f.error)}`);
    throw new CoreError(
      'ERR_CORE_CONFORMANCE_FAILED',
      `${failures.length} conformance check(s) failed:\n${lines.join('\n')}`,
      {
        cause: failures,
      },
    );
  }
}
