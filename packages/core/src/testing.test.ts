import { describe, expect, it } from 'vitest';
import { CoreError, UnsupportedOperationError } from './errors.js';
import type { ModuleDescriptor, ServiceModule } from './module.js';
import { ModulePolicy, type PolicyContext } from './policy.js';
import { ServiceManager } from './service-manager.js';
import {
  checkServiceManagerConformance,
  createFakeModule,
  fakeDescriptor,
  ManualClock,
  type ServiceManagerHarness,
  serviceManagerConformanceChecks,
} from './testing.js';

describe('fakeDescriptor and createFakeModule', () => {
  it('make valid, frozen descriptors', () => {
    expect(fakeDescriptor()).toEqual({ id: 'fake', version: '1.0.0', block: 'test', capabilities: {} });
    expect(fakeDescriptor({ id: 'x', block: 'payments' })).toMatchObject({ id: 'x', block: 'payments' });
    expect(() => fakeDescriptor({ version: 'one' })).toThrowError(
      expect.objectContaining({ code: 'ERR_CORE_INVALID_DESCRIPTOR' }),
    );
  });

  it('records calls, runs operations, and refuses unknown ones', () => {
    const m = createFakeModule({ id: 'payment-fake' }, { pay: (amount) => ({ paid: amount }) });
    expect(m.call('pay', 5n)).toEqual({ paid: 5n });
    expect(() => m.call('refund')).toThrow(UnsupportedOperationError);
    expect(() => m.call('toString')).toThrow(UnsupportedOperationError);
    expect(m.calls).toEqual([
      { operation: 'pay', args: [5n] },
      { operation: 'refund', args: [] },
      { operation: 'toString', args: [] },
    ]);
  });

  it('re-exports ManualClock', () => {
    expect(new ManualClock(3).now().getTime()).toBe(3);
  });
});

class Manager extends ServiceManager<ServiceModule & { run(): unknown }> {
  constructor(modules: readonly (ServiceModule & { run(): unknown })[], policy: ModulePolicy) {
    super(modules, { block: 'things', policy });
  }
  async run(id: string, context: PolicyContext) {
    return this.route(id, (m) => m.run(), context);
  }
}

type Thing = ServiceModule & { run(): unknown };
const thing = (descriptor: ModuleDescriptor, failWith?: unknown): Thing => ({
  descriptor,
  run: () => {
    if (failWith !== undefined) throw failWith;
    return 'ok';
  },
});

const good: ServiceManagerHarness<Thing> = {
  block: 'things',
  createManager: (modules, { policy }) => new Manager(modules, policy),
  createModule: (descriptor, { failWith }) => thing(descriptor, failWith),
  call: (manager, id, context) => (manager as Manager).run(id, context),
};

describe('serviceManagerConformanceChecks', () => {
  it('lists every check, the routing ones only with a call', () => {
    expect(serviceManagerConformanceChecks(good)).toHaveLength(8);
    const { call: _call, ...withoutCall } = good;
    expect(serviceManagerConformanceChecks(withoutCall)).toHaveLength(6);
  });

  it('passes a conforming manager', async () => {
    await expect(checkServiceManagerConformance(good)).resolves.toBeUndefined();
  });

  async function failures(harness: ServiceManagerHarness<Thing>): Promise<string[]> {
    const failed: string[] = [];
    for (const check of serviceManagerConformanceChecks(harness)) {
      await check.run().catch((err: unknown) => {
        expect(err).toMatchObject({ code: 'ERR_CORE_CONFORMANCE_FAILED' });
        failed.push(check.name);
      });
    }
    return failed;
  }

  it('catches a manager that masks module errors', async () => {
    class Masking extends Manager {
      override async run(id: string, context: PolicyContext) {
        try {
          return await super.run(id, context);
        } catch (err) {
          if (err instanceof CoreError && err.code.startsWith('ERR_CORE_MODULE')) throw err;
          throw new CoreError('ERR_CORE_INVALID_ARGUMENT', 'module failed', { cause: err });
        }
      }
    }
    const failed = await failures({ ...good, createManager: (modules, { policy }) => new Masking(modules, policy) });
    expect(failed).toEqual(["a routed call passes the module's error through unchanged"]);
  });

  it('catches a manager that ignores policy', async () => {
    class Lax extends Manager {
      override get(id: string): Thing {
        return super.get(id, {});
      }
      override available(): readonly ModuleDescriptor[] {
        return this.descriptors();
      }
    }
    const failed = await failures({ ...good, createManager: (modules) => new Lax(modules, ModulePolicy.allowAll()) });
    expect(failed).toEqual([
      'a module that policy forbids is refused with ERR_CORE_MODULE_FORBIDDEN naming the rule',
      'available(context) lists exactly the modules policy allows there',
      'a routed call to a forbidden module throws ERR_CORE_MODULE_FORBIDDEN',
    ]);
  });

  it('catches a manager that routes to the wrong module or hides unknown ids', async () => {
    class Sloppy extends Manager {
      override get(id: string, context?: PolicyContext): Thing {
        return this.has(id) ? super.get(this.ids[0]!, context) : super.get(this.ids[0]!, context);
      }
    }
    const failed = await failures({ ...good, createManager: (modules, { policy }) => new Sloppy(modules, policy) });
    expect(failed).toContain('get(id) returns the module with that id');
    expect(failed).toContain('get of an unknown id throws ERR_CORE_MODULE_NOT_FOUND');
  });

  it('checkServiceManagerConformance reports every failure in one error', async () => {
    const harness = { ...good, createModule: (d: ModuleDescriptor) => thing({ ...d, id: 'same' }) };
    const err = await checkServiceManagerConformance(harness).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'ERR_CORE_CONFORMANCE_FAILED',
      message: expect.stringMatching(/conformance check\(s\) failed/),
    });
    expect(Array.isArray((err as Error).cause)).toBe(true);
  });
});
