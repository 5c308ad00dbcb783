import { describe, expect, it } from 'vitest';
import type { ModuleDescriptor } from './module.js';
import { ModulePolicy, type PolicyRule } from './policy.js';

const d = (id: string, extra: Partial<ModuleDescriptor> = {}): ModuleDescriptor => ({
  id,
  version: '1.0.0',
  block: 'payments',
  capabilities: {},
  ...extra,
});
const ecash = d('payment-ecash', { capabilities: { model: 'cash-like', anonymous: true } });
const card = d('payment-card', { capabilities: { model: 'account-based' } });

describe('ModulePolicy', () => {
  it('allows everything by default', () => {
    const p = ModulePolicy.allowAll();
    expect(p.evaluate(ecash)).toEqual({ allowed: true });
    expect(p.evaluate(ecash, { jurisdiction: 'DE', user: 'alice' })).toEqual({ allowed: true });
    expect(p.isAllowed(card)).toBe(true);
  });

  it('forbids by module id and jurisdiction, naming the rule', () => {
    const p = new ModulePolicy({
      rules: [{ name: 'no-ecash-in-de', effect: 'forbid', modules: ['payment-ecash'], jurisdictions: ['DE'] }],
    });
    expect(p.evaluate(ecash, { jurisdiction: 'DE' })).toEqual({
      allowed: false,
      rule: 'no-ecash-in-de',
      reason: "forbidden by rule 'no-ecash-in-de'",
    });
    expect(p.evaluate(ecash, { jurisdiction: 'FR' }).allowed).toBe(true);
    expect(p.evaluate(card, { jurisdiction: 'DE' }).allowed).toBe(true);
    // A jurisdiction rule does not match a context without a jurisdiction.
    expect(p.evaluate(ecash).allowed).toBe(true);
  });

  it('adds the description to the reason', () => {
    const p = new ModulePolicy({
      rules: [{ name: 'r', effect: 'forbid', modules: ['payment-ecash'], description: 'not licensed' }],
    });
    expect(p.evaluate(ecash)).toMatchObject({ reason: "forbidden by rule 'r': not licensed" });
  });

  it('forbids by capability predicate and by block', () => {
    const p = new ModulePolicy({
      rules: [
        { name: 'no-anonymous-money', effect: 'forbid', capability: (caps) => caps.anonymous === true },
        { name: 'no-cert-modules', effect: 'forbid', blocks: ['certificates'] },
      ],
    });
    expect(p.evaluate(ecash)).toMatchObject({ allowed: false, rule: 'no-anonymous-money' });
    expect(p.evaluate(card).allowed).toBe(true);
    expect(p.evaluate(d('ca-local', { block: 'certificates' }))).toMatchObject({ rule: 'no-cert-modules' });
  });

  it('forbids by user', () => {
    const p = new ModulePolicy({
      rules: [{ name: 'minors', effect: 'forbid', users: ['kid'], modules: ['payment-card'] }],
    });
    expect(p.evaluate(card, { user: 'kid' })).toMatchObject({ allowed: false, rule: 'minors' });
    expect(p.evaluate(card, { user: 'parent' }).allowed).toBe(true);
    expect(p.evaluate(card).allowed).toBe(true);
  });

  it('forbid beats allow, whatever the order of the rules', () => {
    const allow: PolicyRule = { name: 'allow-ecash', effect: 'allow', modules: ['payment-ecash'] };
    const forbid: PolicyRule = { name: 'forbid-ecash', effect: 'forbid', modules: ['payment-ecash'] };
    for (const rules of [
      [allow, forbid],
      [forbid, allow],
    ]) {
      for (const defaultEffect of ['allow', 'forbid'] as const) {
        expect(new ModulePolicy({ rules, defaultEffect }).evaluate(ecash)).toMatchObject({
          allowed: false,
          rule: 'forbid-ecash',
        });
      }
    }
  });

  it('names the first matching forbid rule when several match', () => {
    const p = new ModulePolicy({
      rules: [
        { name: 'first', effect: 'forbid', modules: ['payment-ecash'] },
        { name: 'second', effect: 'forbid' },
      ],
    });
    expect(p.evaluate(ecash)).toMatchObject({ rule: 'first' });
    expect(p.evaluate(card)).toMatchObject({ rule: 'second' });
  });

  it('with defaultEffect forbid, allows only what an allow rule matches', () => {
    const p = new ModulePolicy({
      defaultEffect: 'forbid',
      rules: [{ name: 'cards-in-eu', effect: 'allow', modules: ['payment-card'], jurisdictions: ['FR', 'DE'] }],
    });
    expect(p.evaluate(card, { jurisdiction: 'FR' })).toEqual({ allowed: true });
    expect(p.evaluate(card, { jurisdiction: 'US' })).toMatchObject({ allowed: false, rule: 'default-forbid' });
    expect(p.evaluate(ecash, { jurisdiction: 'FR' })).toMatchObject({
      allowed: false,
      rule: 'default-forbid',
      reason: "no rule allows module 'payment-ecash' and the policy forbids by default",
    });
  });

  it("respects the module's declared jurisdictions", () => {
    const local = d('payment-giro', { jurisdictions: ['DE', 'AT'] });
    const p = ModulePolicy.allowAll();
    expect(p.evaluate(local, { jurisdiction: 'AT' }).allowed).toBe(true);
    expect(p.evaluate(local, { jurisdiction: 'FR' })).toEqual({
      allowed: false,
      rule: 'declared-jurisdictions',
      reason: "module 'payment-giro' is declared for DE, AT, not FR",
    });
    expect(p.evaluate(local).allowed).toBe(true);
    expect(p.evaluate(d('x', { jurisdictions: ['*'] }), { jurisdiction: 'FR' }).allowed).toBe(true);
  });

  it('an allow rule does not override the declared jurisdictions', () => {
    const local = d('payment-giro', { jurisdictions: ['DE'] });
    const p = new ModulePolicy({
      defaultEffect: 'forbid',
      rules: [{ name: 'giro', effect: 'allow', modules: ['payment-giro'] }],
    });
    expect(p.evaluate(local, { jurisdiction: 'FR' })).toMatchObject({ rule: 'declared-jurisdictions' });
  });

  it('checks installation for the user when installations are listed', () => {
    const p = new ModulePolicy({ installed: { alice: ['payment-card'], bob: [] } });
    expect(p.evaluate(card, { user: 'alice' }).allowed).toBe(true);
    expect(p.evaluate(ecash, { user: 'alice' })).toEqual({
      allowed: false,
      rule: 'installed-for-user',
      reason: "module 'payment-ecash' is not installed for user 'alice'",
    });
    expect(p.evaluate(card, { user: 'bob' })).toMatchObject({ rule: 'installed-for-user' });
    expect(p.evaluate(card, { user: 'carol' })).toMatchObject({ rule: 'installed-for-user' });
    expect(p.evaluate(card, { user: 'toString' })).toMatchObject({ rule: 'installed-for-user' });
    // No user in the context: installation is not checked.
    expect(p.evaluate(ecash).allowed).toBe(true);
    expect(ModulePolicy.allowAll().isInstalled('anyone', 'anything')).toBe(true);
  });

  it('reports explicit forbid rules before built-in checks', () => {
    const p = new ModulePolicy({
      rules: [{ name: 'explicit', effect: 'forbid', modules: ['payment-giro'] }],
      installed: {},
    });
    const giro = d('payment-giro', { jurisdictions: ['DE'] });
    expect(p.evaluate(giro, { jurisdiction: 'FR', user: 'alice' })).toMatchObject({ rule: 'explicit' });
    const q = new ModulePolicy({ installed: {} });
    expect(q.evaluate(giro, { jurisdiction: 'FR', user: 'alice' })).toMatchObject({ rule: 'declared-jurisdictions' });
    expect(q.evaluate(giro, { jurisdiction: 'DE', user: 'alice' })).toMatchObject({ rule: 'installed-for-user' });
  });

  it('is immutable: withRules and withInstalled make new policies', () => {
    const p = ModulePolicy.allowAll();
    const q = p.withRules({ name: 'no-card', effect: 'forbid', modules: ['payment-card'] });
    const r = q.withInstalled('alice', ['payment-card', 'payment-ecash']).withInstalled('bob', ['payment-ecash']);
    expect(p.isAllowed(card)).toBe(true);
    expect(q.isAllowed(card)).toBe(false);
    expect(r.isAllowed(card, { user: 'alice' })).toBe(false);
    expect(r.isAllowed(ecash, { user: 'alice' })).toBe(true);
    expect(r.isInstalled('bob', 'payment-ecash')).toBe(true);
    expect(r.isInstalled('bob', 'payment-card')).toBe(false);
    expect(q.isInstalled('bob', 'payment-card')).toBe(true);
    expect(Object.isFrozen(r.rules)).toBe(true);
  });

  it.each([
    [{ rules: [{ effect: 'forbid' }] }, /needs a name/],
    [{ rules: [{ name: 'x', effect: 'deny' }] }, /effect/],
    [{ rules: [{ name: 'default-forbid', effect: 'forbid' }] }, /reserved/],
    [
      {
        rules: [
          { name: 'a', effect: 'forbid' },
          { name: 'a', effect: 'allow' },
        ],
      },
      /two rules/,
    ],
    [{ rules: [{ name: 'a', effect: 'forbid', jurisdictions: ['de'] }] }, /alpha-2/],
    [{ rules: [{ name: 'a', effect: 'forbid', modules: 'payment-card' }] }, /list/],
    [{ rules: [{ name: 'a', effect: 'forbid', capability: true }] }, /predicate/],
    [{ defaultEffect: 'deny' }, /defaultEffect/],
    [{ installed: { alice: 'payment-card' } }, /installed/],
  ])('refuses malformed options %j', (options, message) => {
    expect(() => new ModulePolicy(options as never)).toThrowError(
      expect.objectContaining({ code: 'ERR_CORE_INVALID_ARGUMENT', message: expect.stringMatching(message) }),
    );
  });

  it('refuses a malformed context', () => {
    const p = ModulePolicy.allowAll();
    for (const context of [{ jurisdiction: 'de' }, { jurisdiction: 'DEU' }, { user: '' }, { user: 5 }]) {
      expect(() => p.evaluate(card, context as never)).toThrowError(
        expect.objectContaining({ code: 'ERR_CORE_INVALID_ARGUMENT' }),
      );
    }
  });
});
