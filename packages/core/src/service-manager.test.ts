import { inject, injectable, injectAll } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { createPartyContainer, register } from './container.js';
import { CoreError, ModuleConflictError, ModuleForbiddenError, ModuleNotFoundError, SemperError } from './errors.js';
import type { ModuleDescriptor, ServiceModule } from './module.js';
import { ModulePolicy, type PolicyContext } from './policy.js';
import type { Preferences } from './preferences.js';
import { ServiceManager } from './service-manager.js';
import { checkServiceManagerConformance, serviceManagerConformanceChecks } from './testing.js';
import { MODULE_POLICY, POLICY_CONTEXT, PREFERENCES } from './tokens.js';

const PAYMENT_MODULE = Symbol.for('semper.test.PaymentModule');

interface PaymentModule extends ServiceModule {
  pay(amount: bigint): Promise<{ outcome: 'paid'; by: string } | { outcome: 'declined'; reason: string }>;
}

function paymentModule(descriptor: Partial<ModuleDescriptor> & { id: string }, failWith?: unknown): PaymentModule {
  return {
    descriptor: { version: '1.0.0', block: 'payments', capabilities: {}, ...descriptor },
    async pay(amount) {
      if (failWith !== undefined) throw failWith;
      return amount > 100n ? { outcome: 'declined', reason: 'limit' } : { outcome: 'paid', by: descriptor.id };
    },
  };
}

// A block's manager as a block writer declares it:
//
//   @injectable()
//   class PaymentManager extends ServiceManager<PaymentModule> {
//     constructor(
//       @injectAll(PAYMENT_MODULE, { isOptional: true }) modules: PaymentModule[],
//       @inject(MODULE_POLICY) policy: ModulePolicy,
//       @inject(PREFERENCES) preferences: Preferences,
//       @inject(POLICY_CONTEXT) context: PolicyContext,
//     ) { ... }
//
// Test files lie outside the package's tsconfig, so vitest's transformer does not lower decorator syntax
// here; the same decorators are applied below by hand, exactly as TypeScript's legacy decorators would.
class PaymentManager extends ServiceManager<PaymentModule> {
  constructor(modules: PaymentModule[], policy: ModulePolicy, preferences: Preferences, context: PolicyContext) {
    super(modules, { block: 'payments', policy, preferences, context });
  }

  async pay(moduleId: string, amount: bigint, context?: PolicyContext) {
    return this.route(moduleId, (m) => m.pay(amount), context);
  }
}
injectAll(PAYMENT_MODULE, { isOptional: true })(PaymentManager, undefined, 0);
inject(MODULE_POLICY)(PaymentManager, undefined, 1);
inject(PREFERENCES)(PaymentManager, undefined, 2);
inject(POLICY_CONTEXT)(PaymentManager, undefined, 3);
injectable()(PaymentManager);

class DirectManager extends ServiceManager<PaymentModule> {
  constructor(modules: readonly PaymentModule[], policy?: ModulePolicy) {
    super(modules, { block: 'payments', ...(policy ? { policy } : {}) });
  }
  async pay(moduleId: string, amount: bigint, context?: PolicyContext) {
    return this.route(moduleId, (m) => m.pay(amount), context);
  }
  syncCall(moduleId: string, fn: (m: PaymentModule) => unknown) {
    return this.route(moduleId, fn);
  }
}

describe('ServiceManager through tsyringe', () => {
  function party(options: Parameters<typeof register>[1], modules: PaymentModule[]) {
    const container = register(createPartyContainer(), options);
    for (const m of modules) container.register(PAYMENT_MODULE, { useValue: m });
    return container.resolve(PaymentManager);
  }

  it('collects the modules registered under the block token and routes by id', async () => {
    const manager = party({}, [paymentModule({ id: 'payment-sim' }), paymentModule({ id: 'payment-ecash' })]);
    expect(manager.ids).toEqual(['payment-sim', 'payment-ecash']);
    expect(manager.block).toBe('payments');
    await expect(manager.pay('payment-ecash', 5n)).resolves.toEqual({ outcome: 'paid', by: 'payment-ecash' });
    await expect(manager.pay('payment-sim', 500n)).resolves.toEqual({ outcome: 'declined', reason: 'limit' });
  });

  it('works with no module registered', () => {
    const manager = party({}, []);
    expect(manager.ids).toEqual([]);
    expect(() => manager.get('payment-sim')).toThrow(ModuleNotFoundError);
  });

  it("uses the party's policy and default context", async () => {
    const manager = party(
      {
        policy: {
          rules: [{ name: 'no-ecash-in-de', effect: 'forbid', modules: ['payment-ecash'], jurisdictions: ['DE'] }],
        },
        context: { jurisdiction: 'DE' },
      },
      [paymentModule({ id: 'payment-sim' }), paymentModule({ id: 'payment-ecash' })],
    );
    await expect(manager.pay('payment-ecash', 1n)).rejects.toBeInstanceOf(ModuleForbiddenError);
    await expect(manager.pay('payment-ecash', 1n, { jurisdiction: 'FR' })).resolves.toMatchObject({ outcome: 'paid' });
    expect(manager.available().map((d) => d.id)).toEqual(['payment-sim']);
    expect(manager.available({}).map((d) => d.id)).toEqual(['payment-sim', 'payment-ecash']);
  });

  it("negotiates with the user's preferences for its block", () => {
    const manager = party({ preferences: { preferredModules: { payments: ['payment-ecash'] } } }, [
      paymentModule({ id: 'payment-sim' }),
      paymentModule({ id: 'payment-ecash' }),
    ]);
    const remote = {
      modules: [
        { id: 'payment-sim', version: '1.1.0' },
        { id: 'payment-ecash', version: '1.0.0' },
      ],
    };
    expect(manager.negotiate(remote)).toMatchObject({
      outcome: 'selected',
      module: { id: 'payment-ecash' },
      decidedBy: 'preference',
    });
  });

  it('keeps parties apart', () => {
    const a = party({}, [paymentModule({ id: 'payment-sim' })]);
    const b = party({}, [paymentModule({ id: 'payment-ecash' })]);
    expect(a.ids).toEqual(['payment-sim']);
    expect(b.ids).toEqual(['payment-ecash']);
  });
});

describe('ServiceManager', () => {
  it('throws ModuleNotFoundError with ERR_CORE_MODULE_NOT_FOUND for an unknown id', () => {
    const manager = new DirectManager([paymentModule({ id: 'payment-sim' })]);
    for (const id of ['payment-ecash', '', 'toString', '__proto__']) {
      const err = (() => {
        try {
          manager.get(id);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(ModuleNotFoundError);
      expect(err).toMatchObject({ code: 'ERR_CORE_MODULE_NOT_FOUND', moduleId: id });
    }
    expect(() => manager.evaluate('nope')).toThrow(ModuleNotFoundError);
    expect(manager.has('payment-sim')).toBe(true);
    expect(manager.has('nope')).toBe(false);
  });

  it('throws ModuleConflictError for duplicate ids', () => {
    expect(
      () =>
        new DirectManager([
          paymentModule({ id: 'payment-sim' }),
          paymentModule({ id: 'payment-sim', version: '2.0.0' }),
        ]),
    ).toThrowError(expect.objectContaining({ code: 'ERR_CORE_MODULE_CONFLICT', moduleId: 'payment-sim' }));
    expect(() => new DirectManager([paymentModule({ id: 'a' }), paymentModule({ id: 'a' })])).toThrow(
      ModuleConflictError,
    );
  });

  it('refuses malformed modules and modules of another block', () => {
    expect(() => new DirectManager([paymentModule({ id: 'ca-local', block: 'certificates' })])).toThrowError(
      expect.objectContaining({
        code: 'ERR_CORE_INVALID_DESCRIPTOR',
        message: "module 'ca-local' serves block 'certificates', not 'payments'",
      }),
    );
    expect(() => new DirectManager([paymentModule({ id: 'Bad' })])).toThrowError(
      expect.objectContaining({ code: 'ERR_CORE_INVALID_DESCRIPTOR' }),
    );
    expect(() => new DirectManager([{} as PaymentModule])).toThrowError(
      expect.objectContaining({ code: 'ERR_CORE_INVALID_DESCRIPTOR' }),
    );
    expect(() => new DirectManager([null as unknown as PaymentModule])).toThrow(CoreError);
    expect(() => new DirectManager('x' as never)).toThrowError(/list/);
  });

  it('refuses a forbidden module with ModuleForbiddenError naming the rule and reason', () => {
    const policy = new ModulePolicy({
      rules: [
        {
          name: 'no-ecash-in-de',
          effect: 'forbid',
          modules: ['payment-ecash'],
          jurisdictions: ['DE'],
          description: 'not licensed',
        },
      ],
    });
    const manager = new DirectManager([paymentModule({ id: 'payment-ecash' })], policy);
    try {
      manager.get('payment-ecash', { jurisdiction: 'DE' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ModuleForbiddenError);
      expect(err).toMatchObject({
        code: 'ERR_CORE_MODULE_FORBIDDEN',
        moduleId: 'payment-ecash',
        rule: 'no-ecash-in-de',
        reason: "forbidden by rule 'no-ecash-in-de': not licensed",
        message: "module 'payment-ecash' is forbidden: forbidden by rule 'no-ecash-in-de': not licensed",
      });
    }
    expect(manager.evaluate('payment-ecash', { jurisdiction: 'DE' })).toMatchObject({ allowed: false });
    expect(manager.get('payment-ecash', { jurisdiction: 'FR' }).descriptor.id).toBe('payment-ecash');
  });

  it('refuses modules not installed for the user, and those outside their declared jurisdictions', () => {
    const policy = new ModulePolicy({ installed: { alice: ['payment-sim'] } });
    const manager = new DirectManager(
      [paymentModule({ id: 'payment-sim' }), paymentModule({ id: 'payment-giro', jurisdictions: ['DE'] })],
      policy,
    );
    expect(() => manager.get('payment-giro', { user: 'alice' })).toThrowError(
      expect.objectContaining({ rule: 'installed-for-user' }),
    );
    expect(() => manager.get('payment-giro', { jurisdiction: 'FR' })).toThrowError(
      expect.objectContaining({ rule: 'declared-jurisdictions' }),
    );
    expect(manager.available({ user: 'alice', jurisdiction: 'DE' }).map((d) => d.id)).toEqual(['payment-sim']);
    expect(manager.descriptors().map((d) => d.id)).toEqual(['payment-sim', 'payment-giro']);
  });

  it("never masks a module's error: sync throws and async rejections reach the caller as is", async () => {
    class Declined extends SemperError<'ERR_TEST_BOOM'> {}
    const asyncError = new Declined('ERR_TEST_BOOM', 'boom');
    const manager = new DirectManager([paymentModule({ id: 'payment-sim' }, asyncError)]);
    await expect(manager.pay('payment-sim', 1n)).rejects.toBe(asyncError);
    const syncError = new TypeError('sync');
    expect(() =>
      manager.syncCall('payment-sim', () => {
        throw syncError;
      }),
    ).toThrow(syncError);
    const odd = { not: 'an error' };
    await expect(manager.syncCall('payment-sim', () => Promise.reject(odd)) as Promise<unknown>).rejects.toBe(odd);
  });

  it('negotiates with the modules it holds, filtered by its policy', () => {
    const policy = new ModulePolicy({ rules: [{ name: 'no-sim', effect: 'forbid', modules: ['payment-sim'] }] });
    const manager = new DirectManager(
      [
        paymentModule({ id: 'payment-sim', capabilities: { currencies: ['EUR'] } }),
        paymentModule({ id: 'payment-card', capabilities: { currencies: ['USD'] } }),
        paymentModule({ id: 'payment-ecash', capabilities: { currencies: ['EUR'] } }),
      ],
      policy,
    );
    const remote = {
      modules: [
        { id: 'payment-sim', version: '1.0.0' },
        { id: 'payment-card', version: '1.0.0' },
        { id: 'payment-ecash', version: '1.0.0' },
      ],
    };
    expect(manager.negotiate(remote, { requirements: { currencies: 'EUR' } })).toMatchObject({
      outcome: 'selected',
      module: { id: 'payment-ecash' },
      decidedBy: 'only-candidate',
    });
    expect(manager.negotiate(remote)).toMatchObject({ outcome: 'choice' });
    expect(manager.negotiate(remote, { undecided: 'first' })).toMatchObject({
      outcome: 'selected',
      module: { id: 'payment-card' },
    });
    expect(() => manager.negotiate({ modules: 'x' } as never)).toThrowError(
      expect.objectContaining({ code: 'ERR_CORE_NEGOTIATION_FAILED' }),
    );
  });

  it('needs a block name', () => {
    class Nameless extends ServiceManager {
      constructor() {
        super([], { block: '' });
      }
    }
    expect(() => new Nameless()).toThrowError(/block/);
  });
});

describe('ServiceManager conformance', () => {
  const harness = {
    block: 'payments',
    createManager: (modules: readonly PaymentModule[], { policy }: { policy: ModulePolicy }) => {
      const container = register(createPartyContainer(), { policy });
      for (const m of modules) container.register(PAYMENT_MODULE, { useValue: m });
      return container.resolve(PaymentManager);
    },
    createModule: (descriptor: ModuleDescriptor, { failWith }: { failWith?: unknown }) =>
      paymentModule(descriptor, failWith),
    call: (manager: ServiceManager<PaymentModule>, id: string, context: PolicyContext) =>
      (manager as PaymentManager).pay(id, 1n, context),
  };

  for (const check of serviceManagerConformanceChecks(harness)) it(check.name, () => check.run());

  it('passes as a whole', async () => {
    await expect(checkServiceManagerConformance(harness)).resolves.toBeUndefined();
  });
});
