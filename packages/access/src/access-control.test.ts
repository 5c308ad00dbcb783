import { createPartyContainer, EVENT_BUS, EventBus, ManualClock, register as registerCore } from '@semper/core';
import { recordEvents } from '@semper/core/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { type AccessEvent, AccessControl, UNKNOWN_SUBJECT_RULE } from './access-control.js';
import {
  AGENCY_ROLE,
  AGENCY_STATUSES,
  createAgencyPolicy,
  HUB_AUDITOR_ROLE,
  HUB_OPERATOR_ROLE,
} from './agency.policy.js';
import { register } from './container.js';
import { MemoryAccessRepository } from './memory.repository.js';
import type { DenialRecord } from './repository.js';
import { describeAccessRepositorySuite } from './testing.js';
import { ACCESS_CONTROL, ACCESS_POLICY, ACCESS_REPOSITORY } from './tokens.js';

describeAccessRepositorySuite('memory', () => new MemoryAccessRepository());

const T0 = '2030-01-01T10:00:00.000Z';

async function hub(repository = new MemoryAccessRepository()) {
  const clock = new ManualClock(T0);
  const bus = new EventBus(clock);
  const access = new AccessControl({
    policy: createAgencyPolicy(),
    repository,
    clock,
    events: bus,
    statuses: AGENCY_STATUSES,
  });
  const at = clock.now();
  for (const role of [AGENCY_ROLE, HUB_OPERATOR_ROLE, HUB_AUDITOR_ROLE]) await repository.saveRole(role);
  await repository.saveSubject({ id: 'agency-0042', kind: 'agency', name: 'Agence du Port' });
  await repository.grantRole('agency-0042', 'agency', { by: 'bootstrap', at });
  await repository.saveSubject({ id: 'op-anna', kind: 'user' });
  await repository.grantRole('op-anna', 'hub-operator', { by: 'bootstrap', at });
  await repository.saveSubject({ id: 'audit-1', kind: 'user' });
  await repository.grantRole('audit-1', 'hub-auditor', { by: 'bootstrap', at });
  return { clock, bus, access, repository };
}

describe('AccessControl', () => {
  let h: Awaited<ReturnType<typeof hub>>;
  let events: ReturnType<typeof recordEvents<AccessEvent>>;
  beforeEach(async () => {
    h = await hub();
    events = recordEvents(h.access.events$);
  });

  it('records every denial in the repository and then on events$, with the same id', async () => {
    const decision = await h.access.authorize('agency-0042', 'account.inquiry', 'agency:agency-0042');
    expect(decision).toEqual({ allowed: false, rule: 'agency-status', reason: "agency 'agency-0042' has no status" });
    const [denial] = await h.repository.listDenials();
    expect(denial).toMatchObject({
      subjectId: 'agency-0042',
      action: 'account.inquiry',
      resource: 'agency:agency-0042',
      rule: 'agency-status',
      reason: "agency 'agency-0042' has no status",
      at: new Date(T0),
    });
    expect(denial!.id).toMatch(/^deny_/);
    expect(events.values).toEqual([
      {
        type: 'access.denied',
        at: new Date(T0),
        denialId: denial!.id,
        subjectId: 'agency-0042',
        action: 'account.inquiry',
        resource: 'agency:agency-0042',
        rule: 'agency-status',
        reason: "agency 'agency-0042' has no status",
      },
    ]);
  });

  it('publishes allowed decisions on events$ and records them nowhere else', async () => {
    await h.access.changeStatus('op-anna', 'agency-0042', 3, 'opened');
    const before = events.values.length;
    expect(await h.access.authorize('agency-0042', 'sdc.export', 'agency:agency-0042/batch:1')).toEqual({
      allowed: true,
      rule: 'role-privileges',
    });
    expect(events.values.slice(before)).toEqual([
      {
        type: 'access.allowed',
        at: new Date(T0),
        subjectId: 'agency-0042',
        action: 'sdc.export',
        resource: 'agency:agency-0042/batch:1',
        rule: 'role-privileges',
      },
    ]);
    expect(await h.repository.listDenials()).toEqual([]);
  });

  it('denies, and records, a subject id it does not know', async () => {
    expect(await h.access.authorize('agency-9999', 'account.inquiry', 'agency:agency-9999')).toEqual({
      allowed: false,
      rule: UNKNOWN_SUBJECT_RULE,
      reason: "no subject 'agency-9999'",
    });
    expect((await h.repository.listDenials()).map((d) => [d.subjectId, d.rule])).toEqual([
      ['agency-9999', UNKNOWN_SUBJECT_RULE],
    ]);
    expect(events.values.map((e) => e.type)).toEqual(['access.denied']);
  });

  it('never returns a denial it could not record', async () => {
    const failing = new MemoryAccessRepository();
    const broken = await hub(failing);
    failing.recordDenial = async (_d: DenialRecord) => {
      throw new Error('disk full');
    };
    const seen = recordEvents(broken.access.events$);
    await expect(broken.access.authorize('agency-0042', 'sdc.export', 'agency:agency-0042')).rejects.toThrow(
      'disk full',
    );
    expect(seen.values).toEqual([]);
  });

  it('publishes on the party event bus too', async () => {
    const all = recordEvents(h.bus.events$);
    await h.access.authorize('audit-1', 'account.inquiry', 'agency:agency-0042');
    expect(all.values.map((e) => e.type)).toEqual(['access.allowed']);
  });

  it('authorizes a subject given as a value, checking it first', async () => {
    expect(
      await h.access.authorize(
        { id: 'op-x', kind: 'user', name: '', roles: [HUB_AUDITOR_ROLE] },
        'account.inquiry',
        'agency:a',
      ),
    ).toEqual({ allowed: true, rule: 'role-privileges' });
    await expect(
      h.access.authorize({ id: 'bad id', kind: 'user', name: '', roles: [] }, 'account.inquiry', 'agency:a'),
    ).rejects.toMatchObject({ code: 'ERR_ACCESS_INVALID_ARGUMENT' });
    await expect(h.access.authorize('op-anna', 'no spaces', 'x')).rejects.toMatchObject({
      code: 'ERR_ACCESS_INVALID_ARGUMENT',
    });
  });

  describe('status changes', () => {
    it('lets the hub operator change a status, records and publishes the change, and applies it at once', async () => {
      h.clock.advance(1000);
      const outcome = await h.access.changeStatus('op-anna', 'agency-0042', 1, 'probation');
      expect(outcome).toMatchObject({
        outcome: 'changed',
        change: { subjectId: 'agency-0042', from: null, to: 1, actorId: 'op-anna', reason: 'probation' },
      });
      const change = outcome.outcome === 'changed' ? outcome.change : undefined;
      expect(change?.id).toMatch(/^status_/);
      expect(change?.at.toISOString()).toBe('2030-01-01T10:00:01.000Z');
      expect(await h.repository.statusHistory('agency-0042')).toEqual([change]);
      expect(events.values.map((e) => e.type)).toEqual(['access.allowed', 'access.status-changed']);
      expect(events.values[1]).toMatchObject({ changeId: change?.id, from: null, to: 1, actorId: 'op-anna' });

      expect((await h.access.authorize('agency-0042', 'transfer.receive', 'agency:agency-0042')).allowed).toBe(true);
      expect((await h.access.authorize('agency-0042', 'transfer.send', 'agency:agency-0042')).allowed).toBe(false);
      await h.access.changeStatus('op-anna', 'agency-0042', 2, 'probation over');
      expect((await h.access.authorize('agency-0042', 'transfer.send', 'agency:agency-0042')).allowed).toBe(true);
      await h.access.changeStatus('op-anna', 'agency-0042', 0, 'audit finding');
      expect((await h.access.authorize('agency-0042', 'account.inquiry', 'agency:agency-0042')).allowed).toBe(false);
      expect((await h.repository.statusHistory('agency-0042')).map((c) => [c.from, c.to])).toEqual([
        [null, 1],
        [1, 2],
        [2, 0],
      ]);
    });

    it('says so when the status is already the one asked for, and records no change', async () => {
      await h.access.changeStatus('op-anna', 'agency-0042', 2, 'opened');
      expect(await h.access.changeStatus('op-anna', 'agency-0042', 2, 'again')).toEqual({
        outcome: 'unchanged',
        status: 2,
      });
      expect(await h.repository.statusHistory('agency-0042')).toHaveLength(1);
    });

    it('denies, and records, a status change by anyone but a hub operator', async () => {
      await h.access.changeStatus('op-anna', 'agency-0042', 1, 'probation');
      for (const actor of ['audit-1', 'agency-0042', 'nobody']) {
        const outcome = await h.access.changeStatus(actor, 'agency-0042', 3, 'let me in');
        expect(outcome).toMatchObject({ outcome: 'denied', decision: { allowed: false } });
      }
      expect((await h.repository.getSubject('agency-0042'))?.status).toBe(1);
      expect(
        (await h.repository.listDenials()).map((d) => [d.subjectId, d.action, d.resource, d.rule]).reverse(),
      ).toEqual([
        ['audit-1', 'access.status.change', 'subject:agency-0042', 'default-deny'],
        ['agency-0042', 'access.status.change', 'subject:agency-0042', 'agency-status'],
        ['nobody', 'access.status.change', 'subject:agency-0042', UNKNOWN_SUBJECT_RULE],
      ]);
      expect(await h.repository.statusHistory('agency-0042')).toHaveLength(1);
    });

    it('refuses codes outside the status table, a missing reason, and unknown subjects', async () => {
      await expect(h.access.changeStatus('op-anna', 'agency-0042', 4, 'x')).rejects.toMatchObject({
        code: 'ERR_ACCESS_INVALID_STATUS',
        status: 4,
      });
      await expect(h.access.changeStatus('op-anna', 'agency-0042', 1, ' ')).rejects.toMatchObject({
        code: 'ERR_ACCESS_INVALID_ARGUMENT',
      });
      await expect(h.access.changeStatus('op-anna', 'agency-7777', 1, 'x')).rejects.toMatchObject({
        code: 'ERR_ACCESS_SUBJECT_NOT_FOUND',
      });
      // An unauthorized caller learns nothing about which subjects exist.
      expect(await h.access.changeStatus('audit-1', 'agency-7777', 1, 'x')).toMatchObject({ outcome: 'denied' });
      expect(await h.repository.statusHistory('agency-0042')).toEqual([]);
    });
  });
});

describe('register', () => {
  it('uses the tokens Symbol.for("semper.access.<Name>")', () => {
    expect(ACCESS_CONTROL).toBe(Symbol.for('semper.access.AccessControl'));
    expect(ACCESS_POLICY).toBe(Symbol.for('semper.access.AccessPolicy'));
    expect(ACCESS_REPOSITORY).toBe(Symbol.for('semper.access.AccessRepository'));
  });

  it("registers one policy, repository and AccessControl per container, on the party's clock and bus", async () => {
    const clock = new ManualClock(T0);
    const party = register(registerCore(createPartyContainer(), { clock }), {
      policy: createAgencyPolicy(),
      repository: 'memory',
      statuses: AGENCY_STATUSES,
    });
    const access = party.resolve<AccessControl>(ACCESS_CONTROL);
    expect(party.resolve(ACCESS_CONTROL)).toBe(access);
    const repository = party.resolve<MemoryAccessRepository>(ACCESS_REPOSITORY);
    expect(repository).toBeInstanceOf(MemoryAccessRepository);
    expect(party.resolve(ACCESS_REPOSITORY)).toBe(repository);
    expect(party.resolve(ACCESS_POLICY)).toBe(access.policy);

    const seen = recordEvents(party.resolve<EventBus>(EVENT_BUS).events$);
    await access.authorize('ghost', 'account.inquiry', 'agency:ghost');
    expect((await repository.listDenials())[0]?.at).toEqual(new Date(T0));
    expect(seen.values.map((e) => e.type)).toEqual(['access.denied']);
    expect(createPartyContainer().isRegistered(ACCESS_CONTROL, true)).toBe(false);
  });

  it('works without core registered, and with a repository given', async () => {
    const repository = new MemoryAccessRepository();
    const party = register(createPartyContainer(), { policy: createAgencyPolicy(), repository });
    expect(party.resolve(ACCESS_REPOSITORY)).toBe(repository);
    expect((await party.resolve<AccessControl>(ACCESS_CONTROL).authorize('x', 'a', 'b')).allowed).toBe(false);
    expect(await repository.listDenials()).toHaveLength(1);
  });

  it("refuses bad options, and the 'store' repository without a STORE", () => {
    const invalid = expect.objectContaining({ code: 'ERR_ACCESS_INVALID_ARGUMENT' });
    expect(() => register(createPartyContainer(), {} as never)).toThrow(invalid);
    expect(() => register(null as never, { policy: createAgencyPolicy() })).toThrow(invalid);
    expect(() =>
      register(createPartyContainer(), { policy: createAgencyPolicy(), repository: 'disk' as never }),
    ).toThrow(invalid);
    const party = register(createPartyContainer(), { policy: createAgencyPolicy() });
    expect(() => party.resolve(ACCESS_CONTROL)).toThrow(/register @semper\/store/);
  });
});
