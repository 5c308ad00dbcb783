import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AccessControl } from './access-control.js';
import {
  AGENCY_ROLE,
  AGENCY_STATUSES,
  agencyResource,
  createAgencyPolicy,
  HUB_AUDITOR_ROLE,
  HUB_OPERATOR_ROLE,
  HUB_SERVICES,
  STATUS_CHANGE_ACTION,
  statusResource,
} from './agency.policy.js';
import { MemoryAccessRepository } from './memory.repository.js';
import { defineRole, defineSubject, type Role, SUBJECT_KINDS } from './model.js';

const policy = createAgencyPolicy();
const agency = (status: number | undefined, id = 'agency-0042') =>
  defineSubject({ id, kind: 'agency', status, roles: [AGENCY_ROLE] });

// The documented table, written out by hand (not derived from AGENCY_STATUSES): the test is the spec.
//                     inquiry receive send  cancel sdc.export sdc.import
const TABLE: Record<number, readonly boolean[]> = {
  0: [false, false, false, false, false, false],
  1: [true, true, false, false, false, false],
  2: [true, true, true, true, false, false],
  3: [true, true, true, true, true, true],
};
const SERVICES = [
  'account.inquiry',
  'transfer.receive',
  'transfer.send',
  'transfer.cancel',
  'sdc.export',
  'sdc.import',
];

describe('the agency status table', () => {
  it('has the documented statuses and services', () => {
    expect(AGENCY_STATUSES.codes()).toEqual([0, 1, 2, 3]);
    expect(AGENCY_STATUSES.definitions().map((d) => d.name)).toEqual(['suspended', 'limited', 'standard', 'full']);
    expect(HUB_SERVICES.map((s) => s.action)).toEqual(SERVICES);
    expect(HUB_SERVICES.filter((s) => s.secureData).map((s) => s.action)).toEqual(['sdc.export', 'sdc.import']);
  });

  const cases = Object.entries(TABLE).flatMap(([status, row]) =>
    SERVICES.map((service, i) => [Number(status), service, row[i]!] as const),
  );
  it.each(cases)('status %i × %s → allowed %s', (status, service, expected) => {
    const own = agencyResource('agency-0042');
    for (const resource of [own, `${own}/transfer:17`]) {
      const decision = policy.evaluate({ subject: agency(status), action: service, resource });
      if (expected) {
        expect(decision).toEqual({ allowed: true, rule: 'role-privileges' });
      } else {
        expect(decision).toMatchObject({ allowed: false, rule: 'agency-status' });
        expect(!decision.allowed && decision.reason).toBe(
          status === 0
            ? 'status 0 (suspended) allows nothing'
            : `status ${status} (${AGENCY_STATUSES.get(status)!.name}) does not include '${service}'`,
        );
      }
    }
  });

  it('covers every status × service pair (no more, no less)', () => {
    expect(cases).toHaveLength(AGENCY_STATUSES.codes().length * HUB_SERVICES.length);
    for (const [status, service, expected] of cases) {
      expect(AGENCY_STATUSES.allows(status, service)).toBe(expected);
    }
  });

  it('denies an agency with no status or an undefined status everything', () => {
    for (const service of SERVICES) {
      expect(policy.evaluate({ subject: agency(undefined), action: service, resource: 'agency:agency-0042' })).toEqual({
        allowed: false,
        rule: 'agency-status',
        reason: "agency 'agency-0042' has no status",
      });
      expect(policy.evaluate({ subject: agency(4), action: service, resource: 'agency:agency-0042' })).toMatchObject({
        allowed: false,
        rule: 'agency-status',
      });
    }
  });

  it("denies an agency in full status another agency's account", () => {
    for (const service of SERVICES) {
      for (const resource of ['agency:agency-0043', 'agency:agency-00420', 'agency:agency-00420/t:1', 'hub']) {
        expect(policy.evaluate({ subject: agency(3), action: service, resource })).toMatchObject({
          allowed: false,
          rule: 'default-deny',
        });
      }
    }
  });

  it('denies an agency in full status without the agency role', () => {
    const bare = defineSubject({ id: 'agency-0042', kind: 'agency', status: 3 });
    expect(policy.evaluate({ subject: bare, action: 'account.inquiry', resource: 'agency:agency-0042' }).rule).toBe(
      'default-deny',
    );
  });
});

describe('administration roles', () => {
  const operator = defineSubject({ id: 'op-anna', kind: 'user', roles: [HUB_OPERATOR_ROLE] });
  const auditor = defineSubject({ id: 'audit-1', kind: 'user', roles: [HUB_AUDITOR_ROLE] });
  const change = (subject: ReturnType<typeof defineSubject>, target = 'agency-0042') =>
    policy.evaluate({ subject, action: STATUS_CHANGE_ACTION, resource: statusResource(target) });

  it('lets only the hub operator change statuses', () => {
    expect(change(operator)).toEqual({ allowed: true, rule: 'role-privileges' });
    expect(change(auditor).allowed).toBe(false);
    expect(change(agency(3)).allowed).toBe(false);
    expect(change(agency(3), 'agency-0042').allowed).toBe(false); // not even its own
  });

  it('lets operators and auditors inquire into any account, and do nothing else', () => {
    for (const who of [operator, auditor]) {
      expect(policy.evaluate({ subject: who, action: 'account.inquiry', resource: 'agency:agency-7' }).allowed).toBe(
        true,
      );
      for (const service of SERVICES.filter((s) => s !== 'account.inquiry')) {
        expect(policy.evaluate({ subject: who, action: service, resource: 'agency:agency-7' }).allowed).toBe(false);
      }
    }
  });
});

describe('properties', () => {
  const god = defineRole({ name: 'god', privileges: [{ action: '*', resource: '*' }] });
  const name = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.:/@+-]{0,30}$/);
  const id = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,15}$/);
  const action = fc.oneof(fc.constantFrom(...SERVICES, STATUS_CHANGE_ACTION), name);
  const randomRole: fc.Arbitrary<Role> = fc
    .record({
      name: fc.stringMatching(/^r[a-z0-9]{0,8}$/),
      privileges: fc.array(
        fc.record({
          action: fc.oneof(
            fc.constant('*'),
            action,
            action.map((a) => `${a}*`),
          ),
          resource: fc.oneof(fc.constantFrom('*', 'agency:*', 'agency:{subject}', 'subject:*'), name),
        }),
        { maxLength: 4 },
      ),
    })
    .map((r) => defineRole(r));
  const roles = fc
    .subarray([AGENCY_ROLE, HUB_OPERATOR_ROLE, HUB_AUDITOR_ROLE, god])
    .chain((fixed) => fc.array(randomRole, { maxLength: 2 }).map((extra) => [...fixed, ...extra]))
    .map((all) => all.filter((r, i) => all.findIndex((x) => x.name === r.name) === i));
  const subject = (status: fc.Arbitrary<number | undefined>) =>
    fc.record({ id, kind: fc.constantFrom(...SUBJECT_KINDS), status, roles }).map((s) => defineSubject(s));
  const resource = (subjectId: string) =>
    fc.oneof(
      fc.constant(`agency:${subjectId}`),
      fc.constant(`agency:${subjectId}/t:1`),
      fc.constant(`subject:${subjectId}`),
      id.map((other) => `agency:${other}`),
      name,
    );
  const request = (status: fc.Arbitrary<number | undefined>) =>
    subject(status).chain((s) => fc.record({ subject: fc.constant(s), action, resource: resource(s.id) }));

  it('authorize is deterministic: the same request gets the same decision, from any instance, recorded or not', async () => {
    await fc.assert(
      fc.asyncProperty(request(fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined })), async (r) => {
        const first = policy.evaluate(r);
        expect(policy.evaluate(r)).toEqual(first);
        expect(createAgencyPolicy().evaluate(r)).toEqual(first);
        const access = new AccessControl({ policy: createAgencyPolicy(), repository: new MemoryAccessRepository() });
        expect(await access.authorize(r.subject, r.action, r.resource)).toEqual(first);
        expect(await access.authorize(r.subject, r.action, r.resource)).toEqual(first);
      }),
      { numRuns: 300 },
    );
  });

  it('a suspended subject is denied everything, whatever its kind and roles (even *:* on *)', () => {
    fc.assert(
      fc.property(request(fc.constant(0)), (r) => {
        expect(policy.evaluate(r)).toEqual({
          allowed: false,
          rule: 'agency-status',
          reason: 'status 0 (suspended) allows nothing',
        });
      }),
      { numRuns: 500 },
    );
  });

  it('an agency is never allowed what its status does not list', () => {
    fc.assert(
      fc.property(request(fc.constantFrom(0, 1, 2, 3)), (r) => {
        if (r.subject.kind !== 'agency') return;
        const decision = policy.evaluate(r);
        if (decision.allowed) expect(AGENCY_STATUSES.allows(r.subject.status!, r.action)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
