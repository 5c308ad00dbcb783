import { container as rootContainer } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { type Clock, ManualClock, SystemClock } from './clock.js';
import { createPartyContainer, register } from './container.js';
import { EventBus } from './event-bus.js';
import { ModulePolicy, type PolicyContext } from './policy.js';
import { Preferences } from './preferences.js';
import { CLOCK, EVENT_BUS, MODULE_POLICY, POLICY_CONTEXT, PREFERENCES } from './tokens.js';

describe('tokens', () => {
  it('are global symbols named semper.core.<Name>', () => {
    expect(CLOCK).toBe(Symbol.for('semper.core.Clock'));
    expect(EVENT_BUS).toBe(Symbol.for('semper.core.EventBus'));
    expect(PREFERENCES).toBe(Symbol.for('semper.core.Preferences'));
    expect(MODULE_POLICY).toBe(Symbol.for('semper.core.ModulePolicy'));
    expect(POLICY_CONTEXT).toBe(Symbol.for('semper.core.PolicyContext'));
  });
});

describe('createPartyContainer and register', () => {
  it('registers defaults: a system clock, an event bus on it, default preferences, allow-all policy', () => {
    const party = register(createPartyContainer());
    expect(party.resolve<Clock>(CLOCK)).toBeInstanceOf(SystemClock);
    expect(party.resolve(EVENT_BUS)).toBeInstanceOf(EventBus);
    expect(party.resolve<Preferences>(PREFERENCES).toJSON()).toEqual(Preferences.defaults().toJSON());
    const policy = party.resolve<ModulePolicy>(MODULE_POLICY);
    expect(policy.rules).toEqual([]);
    expect(policy.defaultEffect).toBe('allow');
    expect(party.resolve<PolicyContext>(POLICY_CONTEXT)).toEqual({});
  });

  it('registers one instance of each per container', () => {
    const party = register(createPartyContainer());
    expect(party.resolve(CLOCK)).toBe(party.resolve(CLOCK));
    expect(party.resolve(EVENT_BUS)).toBe(party.resolve(EVENT_BUS));
  });

  it('uses what it is given; the event bus stamps with the given clock', () => {
    const clock = new ManualClock('2030-01-01T00:00:00Z');
    const policy = new ModulePolicy({ defaultEffect: 'forbid' });
    const party = register(createPartyContainer(), {
      clock,
      policy,
      preferences: { language: 'fr' },
      context: { jurisdiction: 'FR', user: 'alice' },
    });
    expect(party.resolve(CLOCK)).toBe(clock);
    expect(party.resolve(MODULE_POLICY)).toBe(policy);
    expect(party.resolve<Preferences>(PREFERENCES).language).toBe('fr');
    expect(party.resolve<PolicyContext>(POLICY_CONTEXT)).toEqual({ jurisdiction: 'FR', user: 'alice' });
    const event = party.resolve<EventBus>(EVENT_BUS).emit({ type: 'x' });
    expect(event.at.toISOString()).toBe('2030-01-01T00:00:00.000Z');
  });

  it('accepts policy options, a preferences value and an event bus', () => {
    const prefs = Preferences.from({ language: 'it' });
    const bus = new EventBus(new ManualClock());
    const party = register(createPartyContainer(), {
      policy: { rules: [{ name: 'no-x', effect: 'forbid', modules: ['x'] }] },
      preferences: prefs,
      eventBus: bus,
    });
    expect(party.resolve<ModulePolicy>(MODULE_POLICY).rules.map((r) => r.name)).toEqual(['no-x']);
    expect(party.resolve(PREFERENCES)).toBe(prefs);
    expect(party.resolve(EVENT_BUS)).toBe(bus);
  });

  it('keeps parties apart', () => {
    const a = register(createPartyContainer(), { clock: new ManualClock(1) });
    const b = register(createPartyContainer(), { clock: new ManualClock(2) });
    expect(a.resolve<Clock>(CLOCK).now().getTime()).toBe(1);
    expect(b.resolve<Clock>(CLOCK).now().getTime()).toBe(2);
    expect(a.resolve(EVENT_BUS)).not.toBe(b.resolve(EVENT_BUS));
  });

  it('makes children of the given parent, which see its registrations', () => {
    const parent = createPartyContainer();
    parent.register('shared', { useValue: 42 });
    const child = createPartyContainer(parent);
    expect(child.resolve('shared')).toBe(42);
    expect(rootContainer.isRegistered('shared', true)).toBe(false);
  });

  it('refuses a malformed context or container', () => {
    expect(() => register(createPartyContainer(), { context: { jurisdiction: 'france' } })).toThrowError(
      expect.objectContaining({ code: 'ERR_CORE_INVALID_ARGUMENT' }),
    );
    expect(() => register({} as never)).toThrowError(/tsyringe container/);
  });
});
