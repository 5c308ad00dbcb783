import { describe, expect, it } from 'vitest';
import { AccessError } from './errors.js';
import {
  checkPattern,
  defineRole,
  defineSubject,
  grants,
  isAccessName,
  matchesPattern,
  type Role,
  type SubjectKind,
} from './model.js';
import { AccessPolicy, DEFAULT_DENY_RULE, defineRule, roleRule, statusRule } from './policy.js';
import { StatusTable } from './status.js';

const invalid = expect.objectContaining({ code: 'ERR_ACCESS_INVALID_ARGUMENT' });

describe('names and patterns', () => {
  it('accepts names of letters, digits and _ . : / @ + -, and nothing else', () => {
    for (const ok of ['a', 'agency:0042', 'agency:a1/transfer:17', 'alice@example.org', '_x', 'x+y']) {
      expect(isAccessName(ok)).toBe(true);
    }
    for (const ko of ['', ' a', 'a b', 'a*', '*', '-a', '.a', 'a\n', 'ä', 'x'.repeat(201), 42, null]) {
      expect(isAccessName(ko)).toBe(false);
    }
  });

  it('matches exact names, prefixes ending in *, and {subject}', () => {
    expect(matchesPattern('transfer.send', 'transfer.send')).toBe(true);
    expect(matchesPattern('transfer.send', 'transfer.sender')).toBe(false);
    expect(matchesPattern('transfer.*', 'transfer.send')).toBe(true);
    expect(matchesPattern('transfer.*', 'transfers')).toBe(false);
    expect(matchesPattern('*', 'anything:at/all')).toBe(true);
    expect(matchesPattern('agency:{subject}', 'agency:a1', 'a1')).toBe(true);
    expect(matchesPattern('agency:{subject}', 'agency:a10', 'a1')).toBe(false);
    expect(matchesPattern('agency:{subject}/*', 'agency:a1/t:3', 'a1')).toBe(true);
    expect(matchesPattern('agency:{subject}/*', 'agency:a10/t:3', 'a1')).toBe(false);
    expect(matchesPattern('agency:{subject}', 'agency:a1')).toBe(false); // no subject: no match
  });

  it('refuses malformed patterns, and {subject} where it has no meaning', () => {
    for (const ko of ['', 'a*b', '**', 'a b', '{subj}', '-x', 'x'.repeat(201)]) {
      expect(() => checkPattern(ko, 'p', true)).toThrow(invalid);
    }
    expect(() => checkPattern('agency:{subject}', 'action')).toThrow(invalid);
    expect(checkPattern('agency:{subject}/*', 'resource', true)).toBe('agency:{subject}/*');
  });

  it('grants when both the action and the resource match', () => {
    const p = { action: 'transfer.*', resource: 'agency:{subject}' };
    expect(grants(p, 'transfer.send', 'agency:a1', 'a1')).toBe(true);
    expect(grants(p, 'transfer.send', 'agency:a2', 'a1')).toBe(false);
    expect(grants(p, 'account.inquiry', 'agency:a1', 'a1')).toBe(false);
  });
});

describe('roles and subjects', () => {
  it('normalise a role: privileges sorted and deduplicated, frozen', () => {
    const a = defineRole({
      name: 'r',
      privileges: [
        { action: 'b', resource: '*' },
        { action: 'a', resource: 'y' },
        { action: 'a', resource: 'x' },
        { action: 'b', resource: '*' },
      ],
    });
    expect(a.privileges).toEqual([
      { action: 'a', resource: 'x' },
      { action: 'a', resource: 'y' },
      { action: 'b', resource: '*' },
    ]);
    expect(Object.isFrozen(a) && Object.isFrozen(a.privileges) && Object.isFrozen(a.privileges[0])).toBe(true);
    expect(a.description).toBe('');
  });

  it('check roles and subjects', () => {
    expect(() => defineRole({ name: 'bad name', privileges: [] })).toThrow(invalid);
    expect(() => defineRole({ name: 'r', privileges: [{ action: '{subject}', resource: '*' }] })).toThrow(invalid);
    expect(() => defineRole({ name: 'r', privileges: 'all' as never })).toThrow(invalid);
    expect(() => defineSubject({ id: 'a b', kind: 'user' })).toThrow(invalid);
    expect(() => defineSubject({ id: 'a', kind: 'robot' as SubjectKind })).toThrow(invalid);
    expect(() => defineSubject({ id: 'a', kind: 'user', status: 1.5 })).toThrow(invalid);
    expect(() => defineSubject({ id: 'a', kind: 'user', status: -1 })).toThrow(invalid);
    expect(() => defineSubject({ id: 'a', kind: 'user', name: 'two\nlines' })).toThrow(invalid);
    const r = defineRole({ name: 'r', privileges: [] });
    expect(() => defineSubject({ id: 'a', kind: 'user', roles: [r, r] })).toThrow(invalid);
    const s = defineSubject({ id: 'a', kind: 'user', roles: [defineRole({ name: 'z', privileges: [] }), r] });
    expect(s.roles.map((x) => x.name)).toEqual(['r', 'z']);
    expect(s).not.toHaveProperty('status');
    expect(s.name).toBe('');
  });
});

describe('AccessPolicy', () => {
  const cashier = defineRole({
    name: 'cashier',
    privileges: [
      { action: 'transfer.send', resource: 'agency:{subject}' },
      { action: 'transfer.receive', resource: 'agency:{subject}' },
    ],
  });
  const inquirer = defineRole({ name: 'inquirer', privileges: [{ action: 'account.inquiry', resource: 'agency:*' }] });
  const admin = defineRole({ name: 'admin', privileges: [{ action: '*', resource: '*' }] });
  const exporter = defineRole({ name: 'exporter', privileges: [{ action: 'sdc.*', resource: 'agency:{subject}/*' }] });
  const rbac = new AccessPolicy([roleRule()]);
  const subject = (roles: Role[], id = 'a1') => defineSubject({ id, kind: 'agency', roles });

  it('denies by default, naming default-deny and saying what was asked', () => {
    expect(rbac.evaluate({ subject: subject([]), action: 'transfer.send', resource: 'agency:a1' })).toEqual({
      allowed: false,
      rule: DEFAULT_DENY_RULE,
      reason: "no rule allows agency 'a1' to 'transfer.send' on 'agency:a1'",
    });
    expect(new AccessPolicy([]).evaluate({ subject: subject([admin]), action: 'x', resource: 'y' }).allowed).toBe(
      false,
    );
  });

  // Every combination of four roles against requests each role decides differently.
  const roles = { cashier, inquirer, admin, exporter };
  const requests: { action: string; resource: string; grantedBy: (keyof typeof roles)[] }[] = [
    { action: 'transfer.send', resource: 'agency:a1', grantedBy: ['cashier', 'admin'] },
    { action: 'transfer.send', resource: 'agency:a2', grantedBy: ['admin'] },
    { action: 'transfer.receive', resource: 'agency:a1', grantedBy: ['cashier', 'admin'] },
    { action: 'account.inquiry', resource: 'agency:a2', grantedBy: ['inquirer', 'admin'] },
    { action: 'account.inquiry', resource: 'hub', grantedBy: ['admin'] },
    { action: 'sdc.export', resource: 'agency:a1/batch:7', grantedBy: ['exporter', 'admin'] },
    { action: 'sdc.export', resource: 'agency:a1', grantedBy: ['admin'] },
    { action: 'sdc.import', resource: 'agency:a10/batch:7', grantedBy: ['admin'] },
  ];
  const names = Object.keys(roles) as (keyof typeof roles)[];
  const combinations = Array.from({ length: 1 << names.length }, (_, mask) => names.filter((_, i) => mask & (1 << i)));

  it.each(combinations.map((held) => [held.join('+') || 'no role', held] as const))(
    'role combination %s: allowed exactly where one held role grants',
    (_label, held) => {
      const s = subject(held.map((n) => roles[n]));
      for (const r of requests) {
        const expected = r.grantedBy.some((n) => held.includes(n));
        const decision = rbac.evaluate({ subject: s, action: r.action, resource: r.resource });
        expect({ ...r, allowed: decision.allowed }).toEqual({ ...r, allowed: expected });
        expect(decision.rule).toBe(expected ? 'role-privileges' : DEFAULT_DENY_RULE);
      }
    },
  );

  it('combines by deny overrides: a deny anywhere wins, else the first allow', () => {
    const allowAll = defineRule('allow-all', () => ({ effect: 'allow' }));
    const denyExports = defineRule('no-exports', ({ action }) =>
      action.startsWith('sdc.') ? { effect: 'deny', reason: 'exports are closed today' } : { effect: 'abstain' },
    );
    const policy = new AccessPolicy([allowAll, roleRule(), denyExports]);
    const s = subject([admin]);
    expect(policy.evaluate({ subject: s, action: 'sdc.export', resource: 'agency:a1' })).toEqual({
      allowed: false,
      rule: 'no-exports',
      reason: 'exports are closed today',
    });
    expect(policy.evaluate({ subject: s, action: 'transfer.send', resource: 'agency:a1' })).toEqual({
      allowed: true,
      rule: 'allow-all',
    });
  });

  it('holds a subject with a status to its status table, and one of a required kind without status to nothing', () => {
    const table = new StatusTable([
      { code: 0, name: 'blocked', description: '', allows: [] },
      { code: 1, name: 'readonly', description: '', allows: ['account.*'] },
      { code: 2, name: 'open', description: '', allows: ['*'] },
    ]);
    const policy = new AccessPolicy([statusRule({ table, requiredFor: ['agency'] }), roleRule()]);
    const withStatus = (kind: SubjectKind, status?: number) =>
      defineSubject({ id: 'a1', kind, status, roles: [admin] });
    const ask = (kind: SubjectKind, status: number | undefined, action: string) =>
      policy.evaluate({ subject: withStatus(kind, status), action, resource: 'agency:a1' });
    expect(ask('agency', 2, 'transfer.send')).toEqual({ allowed: true, rule: 'role-privileges' });
    expect(ask('agency', 1, 'account.inquiry').allowed).toBe(true);
    expect(ask('agency', 1, 'transfer.send')).toEqual({
      allowed: false,
      rule: 'status',
      reason: "status 1 (readonly) does not include 'transfer.send'",
    });
    expect(ask('agency', 0, 'account.inquiry')).toEqual({
      allowed: false,
      rule: 'status',
      reason: 'status 0 (blocked) allows nothing',
    });
    expect(ask('agency', 9, 'account.inquiry')).toEqual({
      allowed: false,
      rule: 'status',
      reason: "status 9 of 'a1' is not defined",
    });
    expect(ask('agency', undefined, 'account.inquiry')).toEqual({
      allowed: false,
      rule: 'status',
      reason: "agency 'a1' has no status",
    });
    expect(ask('user', undefined, 'transfer.send').allowed).toBe(true); // not required: not concerned
    expect(ask('user', 0, 'transfer.send').allowed).toBe(false); // has one: held to it
  });

  it('a status never allows by itself: the roles must grant too', () => {
    const table = new StatusTable([{ code: 1, name: 'open', description: '', allows: ['*'] }]);
    const policy = new AccessPolicy([statusRule({ table })]);
    expect(
      policy.evaluate({ subject: defineSubject({ id: 'a', kind: 'agency', status: 1 }), action: 'x', resource: 'y' })
        .rule,
    ).toBe(DEFAULT_DENY_RULE);
  });

  it('throws faults: a failing rule, a rule that answers nonsense, malformed requests and rules', () => {
    const boom = defineRule('boom', () => {
      throw new Error('database down');
    });
    const s = subject([admin]);
    const failed = (() => {
      try {
        new AccessPolicy([boom]).evaluate({ subject: s, action: 'a', resource: 'b' });
      } catch (err) {
        return err;
      }
    })();
    expect(failed).toBeInstanceOf(AccessError);
    expect(failed).toMatchObject({ code: 'ERR_ACCESS_RULE_FAILED', cause: expect.any(Error) });
    const nonsense = defineRule('nonsense', () => ({ effect: 'maybe' }) as never);
    expect(() => new AccessPolicy([nonsense]).evaluate({ subject: s, action: 'a', resource: 'b' })).toThrow(
      expect.objectContaining({ code: 'ERR_ACCESS_RULE_FAILED' }),
    );
    const mute = defineRule('mute', () => ({ effect: 'deny', reason: '' }));
    expect(() => new AccessPolicy([mute]).evaluate({ subject: s, action: 'a', resource: 'b' })).toThrow(
      expect.objectContaining({ code: 'ERR_ACCESS_RULE_FAILED' }),
    );
    expect(() => rbac.evaluate({ subject: s, action: 'a b', resource: 'x' })).toThrow(invalid);
    expect(() => rbac.evaluate({ subject: s, action: 'a', resource: '*' })).toThrow(invalid);
    expect(() => new AccessPolicy([roleRule(), roleRule()])).toThrow(invalid);
    expect(() => defineRule('Bad Name', () => ({ effect: 'abstain' }))).toThrow(invalid);
    expect(() => defineRule(DEFAULT_DENY_RULE, () => ({ effect: 'abstain' }))).toThrow(invalid);
  });
});

describe('StatusTable', () => {
  it('checks its definitions', () => {
    expect(() => new StatusTable([])).toThrow(invalid);
    const d = { code: 1, name: 'ok', description: '', allows: [] };
    expect(() => new StatusTable([d, d])).toThrow(invalid);
    expect(() => new StatusTable([{ ...d, name: 'Not OK' }])).toThrow(invalid);
    expect(() => new StatusTable([{ ...d, allows: ['a b'] }])).toThrow(invalid);
    expect(() => new StatusTable([{ ...d, code: -1 }])).toThrow(invalid);
    const table = new StatusTable([d, { ...d, code: 0, name: 'zero' }]);
    expect(table.codes()).toEqual([0, 1]);
    expect(() => table.require(2)).toThrow(expect.objectContaining({ code: 'ERR_ACCESS_INVALID_STATUS', status: 2 }));
  });
});
