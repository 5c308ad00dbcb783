import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ModuleDescriptor } from './module.js';
import { negotiate, type Offer, type OfferedModule } from './negotiation.js';
import { ModulePolicy } from './policy.js';
import { areVersionsCompatible } from './semver.js';

const d = (id: string, version = '1.0.0', extra: Partial<ModuleDescriptor> = {}): ModuleDescriptor => ({
  id,
  version,
  block: 'payments',
  capabilities: { currencies: ['EUR', 'USD'] },
  ...extra,
});
const r = (id: string, version = '1.0.0', capabilities?: Record<string, unknown>): OfferedModule => ({
  id,
  version,
  ...(capabilities ? { capabilities } : {}),
});
const ids = (list: readonly ModuleDescriptor[]) => list.map((m) => m.id);

describe('negotiate', () => {
  const ecash = d('payment-ecash');
  const card = d('payment-card');
  const sim = d('payment-sim');

  it('selects the only module in the intersection', () => {
    const result = negotiate({ modules: [ecash, card] }, { modules: [r('payment-card'), r('payment-giro')] });
    expect(result).toEqual({ outcome: 'selected', module: card, decidedBy: 'only-candidate' });
  });

  it('selects the preferred module when several remain', () => {
    const result = negotiate(
      { modules: [ecash, card, sim] },
      { modules: [r('payment-sim'), r('payment-card'), r('payment-ecash')] },
      { preferences: ['payment-giro', 'payment-card', 'payment-ecash'] },
    );
    expect(result).toEqual({ outcome: 'selected', module: card, decidedBy: 'preference' });
  });

  it('asks for a choice, in the remote order, when preferences do not decide', () => {
    const result = negotiate(
      { modules: [ecash, card, sim] },
      { modules: [r('payment-sim'), r('payment-card'), r('payment-ecash')] },
      { preferences: ['payment-giro'] },
    );
    expect(result.outcome).toBe('choice');
    if (result.outcome === 'choice')
      expect(ids(result.candidates)).toEqual(['payment-sim', 'payment-card', 'payment-ecash']);
  });

  it("with undecided: 'first', selects the remote party's first candidate", () => {
    const result = negotiate(
      { modules: [ecash, card] },
      { modules: [r('payment-card'), r('payment-ecash')] },
      { undecided: 'first' },
    );
    expect(result).toEqual({ outcome: 'selected', module: card, decidedBy: 'remote-order' });
  });

  it('ignores the order of the local offer', () => {
    const remote: Offer = { modules: [r('payment-card'), r('payment-ecash')] };
    const a = negotiate({ modules: [ecash, card] }, remote);
    const b = negotiate({ modules: [card, ecash] }, remote);
    expect(a).toEqual(b);
  });

  it('requires compatible versions', () => {
    const local = { modules: [d('payment-ecash', '2.1.0'), d('payment-card', '0.3.0')] };
    const result = negotiate(local, { modules: [r('payment-ecash', '1.9.0'), r('payment-card', '0.4.0')] });
    expect(result).toEqual({
      outcome: 'none',
      reasons: [
        { module: 'payment-card', reason: 'local version 0.3.0 is not compatible with remote version(s) 0.4.0' },
        { module: 'payment-ecash', reason: 'local version 2.1.0 is not compatible with remote version(s) 1.9.0' },
      ],
    });
    const ok = negotiate(local, { modules: [r('payment-ecash', '1.0.0'), r('payment-ecash', '2.0.5')] });
    expect(ok).toMatchObject({ outcome: 'selected', module: { id: 'payment-ecash' } });
  });

  it("checks both parties' requirements against local and remote capabilities", () => {
    const eurOnly = d('payment-ecash', '1.0.0', { capabilities: { currencies: ['EUR'] } });
    const chf = d('payment-card', '1.0.0', { capabilities: { currencies: ['CHF', 'EUR'] } });
    const result = negotiate(
      { modules: [eurOnly, chf], requirements: { currencies: 'EUR' } },
      { modules: [r('payment-ecash'), r('payment-card')], requirements: { currencies: 'CHF' } },
    );
    expect(result).toMatchObject({ outcome: 'selected', module: { id: 'payment-card' } });
    const remoteCaps = negotiate(
      { modules: [eurOnly] },
      { modules: [r('payment-ecash', '1.0.0', { currencies: ['USD'] })], requirements: { currencies: 'EUR' } },
    );
    expect(remoteCaps).toEqual({
      outcome: 'none',
      reasons: [
        {
          module: 'payment-ecash',
          reason: `remote module does not meet the remote requirements: capability 'currencies' is ["USD"], which does not meet "EUR"`,
        },
      ],
    });
    const localReq = negotiate(
      { modules: [eurOnly], requirements: { twoPhase: true } },
      { modules: [r('payment-ecash')] },
    );
    expect(localReq).toMatchObject({
      outcome: 'none',
      reasons: [
        {
          module: 'payment-ecash',
          reason: expect.stringMatching(/^local module does not meet the local requirements/),
        },
      ],
    });
  });

  it('filters by policy in the context and gives its reason', () => {
    const policy = new ModulePolicy({
      rules: [{ name: 'no-ecash-in-de', effect: 'forbid', modules: ['payment-ecash'], jurisdictions: ['DE'] }],
    });
    const remote = { modules: [r('payment-ecash'), r('payment-card')] };
    const inDE = negotiate({ modules: [ecash, card] }, remote, {
      policy,
      context: { jurisdiction: 'DE' },
      preferences: ['payment-ecash'],
    });
    expect(inDE).toEqual({ outcome: 'selected', module: card, decidedBy: 'only-candidate' });
    const inFR = negotiate({ modules: [ecash, card] }, remote, {
      policy,
      context: { jurisdiction: 'FR' },
      preferences: ['payment-ecash'],
    });
    expect(inFR).toEqual({ outcome: 'selected', module: ecash, decidedBy: 'preference' });
    const onlyEcash = negotiate({ modules: [ecash] }, remote, { policy, context: { jurisdiction: 'DE' } });
    expect(onlyEcash).toEqual({
      outcome: 'none',
      reasons: [
        { module: 'payment-card', reason: 'not available locally' },
        { module: 'payment-ecash', reason: "policy: forbidden by rule 'no-ecash-in-de'" },
      ],
    });
  });

  it('gives a reason for every module when nothing is in common', () => {
    expect(negotiate({ modules: [ecash] }, { modules: [r('payment-giro')] })).toEqual({
      outcome: 'none',
      reasons: [
        { module: 'payment-ecash', reason: 'not offered by the remote party' },
        { module: 'payment-giro', reason: 'not available locally' },
      ],
    });
    expect(negotiate({ modules: [] }, { modules: [] })).toEqual({
      outcome: 'none',
      reasons: [{ module: '*', reason: 'neither party offers any module' }],
    });
  });

  it.each([
    [null, /not an object/],
    [{}, /modules must be a list/],
    [{ modules: [null] }, /module 0 is not an object/],
    [{ modules: [{ id: 'Bad', version: '1.0.0' }] }, /valid id/],
    [{ modules: [{ id: 'payment-card', version: '1' }] }, /semver/],
    [{ modules: [{ id: 'payment-card', version: '1.0.0', capabilities: [] }] }, /capabilities/],
    [{ modules: [], requirements: { currencies: { $gt: 1 } } }, /requirement 'currencies'/],
    [{ modules: [], requirements: [] }, /requirements must be an object/],
    [{ modules: Array.from({ length: 257 }, (_, i) => ({ id: `m${i}`, version: '1.0.0' })) }, /more than 256/],
  ])('throws ERR_CORE_NEGOTIATION_FAILED for a malformed remote offer %#', (remote, message) => {
    expect(() => negotiate({ modules: [card] }, remote as never)).toThrowError(
      expect.objectContaining({ code: 'ERR_CORE_NEGOTIATION_FAILED', message: expect.stringMatching(message) }),
    );
  });

  it('throws for a malformed local offer or options', () => {
    const remote = { modules: [] };
    expect(() => negotiate({ modules: [card, card] }, remote)).toThrowError(/twice/);
    expect(() => negotiate({ modules: [{ ...card, version: 'x' }] }, remote)).toThrowError(
      expect.objectContaining({ code: 'ERR_CORE_INVALID_DESCRIPTOR' }),
    );
    expect(() => negotiate(null as never, remote)).toThrowError(
      expect.objectContaining({ code: 'ERR_CORE_INVALID_ARGUMENT' }),
    );
    expect(() => negotiate({ modules: [card] }, remote, { preferences: 'payment-card' as never })).toThrowError(
      /preferences/,
    );
    expect(() => negotiate({ modules: [card] }, remote, { undecided: 'ask' as never })).toThrowError(/undecided/);
  });
});

describe('negotiate: properties', () => {
  const pool = ['m-a', 'm-b', 'm-c', 'm-d', 'm-e', 'm-f'];
  const version = fc.constantFrom('1.0.0', '1.2.0', '2.0.0', '0.1.0', '0.2.0');
  const currencies = fc.subarray(['EUR', 'USD', 'CHF'], { minLength: 1 });
  const local = fc
    .uniqueArray(fc.constantFrom(...pool), { maxLength: pool.length })
    .chain((localIds) =>
      fc.tuple(
        ...localIds.map((id) =>
          fc.tuple(version, currencies).map(([v, c]) => d(id, v, { capabilities: { currencies: c } })),
        ),
      ),
    );
  const remote = fc.array(
    fc.tuple(fc.constantFrom(...pool), version).map(([id, v]) => r(id, v)),
    { maxLength: 8 },
  );
  const prefs = fc.uniqueArray(fc.constantFrom(...pool), { maxLength: 4 });
  const forbidden = fc.subarray(pool);
  const requirement = fc.option(fc.constantFrom('EUR', 'USD', 'CHF'), { nil: undefined });

  it('is deterministic, ignores local order, and every outcome obeys the rule', () => {
    fc.assert(
      fc.property(
        local,
        remote,
        prefs,
        forbidden,
        requirement,
        fc.boolean(),
        (locals, remotes, preferences, forbid, cur, first) => {
          const policy = new ModulePolicy({ rules: [{ name: 'forbid', effect: 'forbid', modules: forbid }] });
          const requirements = cur === undefined ? undefined : { currencies: cur };
          const remoteOffer: Offer = { modules: remotes, ...(requirements ? { requirements } : {}) };
          const options = { preferences, policy, ...(first ? { undecided: 'first' as const } : {}) };
          const result = negotiate({ modules: locals }, remoteOffer, options);
          expect(negotiate({ modules: locals }, remoteOffer, options)).toEqual(result);
          expect(negotiate({ modules: [...locals].reverse() }, remoteOffer, options)).toEqual(result);

          // The candidates by the rule, computed independently.
          const eligible = locals.filter(
            (m) =>
              remotes.some((x) => x.id === m.id && areVersionsCompatible(m.version, x.version)) &&
              !forbid.includes(m.id) &&
              (cur === undefined || (m.capabilities.currencies as string[]).includes(cur)),
          );
          const remoteIndex = (m: ModuleDescriptor) =>
            remotes.findIndex((x) => x.id === m.id && areVersionsCompatible(m.version, x.version));
          const rank = (m: ModuleDescriptor) => (preferences.includes(m.id) ? preferences.indexOf(m.id) : Infinity);
          const ordered = [...eligible].sort((a, b) => rank(a) - rank(b) || remoteIndex(a) - remoteIndex(b));

          if (ordered.length === 0) {
            expect(result.outcome).toBe('none');
            if (result.outcome === 'none') {
              expect(result.reasons.length).toBeGreaterThan(0);
              for (const m of locals) expect(result.reasons.map((x) => x.module)).toContain(m.id);
            }
          } else if (ordered.length === 1) {
            expect(result).toEqual({ outcome: 'selected', module: ordered[0], decidedBy: 'only-candidate' });
          } else if (preferences.includes(ordered[0]!.id)) {
            expect(result).toEqual({ outcome: 'selected', module: ordered[0], decidedBy: 'preference' });
          } else if (first) {
            expect(result).toEqual({ outcome: 'selected', module: ordered[0], decidedBy: 'remote-order' });
          } else {
            expect(result).toEqual({ outcome: 'choice', candidates: ordered });
            if (result.outcome === 'choice') for (const c of result.candidates) expect(preferences).not.toContain(c.id);
          }
        },
      ),
    );
  });
});
