import { checkAccessName, defineRole, type Role } from './model.js';
import { AccessPolicy, roleRule, statusRule } from './policy.js';
import { StatusTable } from './status.js';

/**
 * The action that changes a subject's status (on the resource `subject:<id>`, see
 * {@link statusResource}). `AccessControl.changeStatus` authorizes it before anything changes.
 *
 * @example
 * ```ts
 * import { STATUS_CHANGE_ACTION } from '@semper/access';
 * console.log(STATUS_CHANGE_ACTION); // 'access.status.change'
 * ```
 */
export const STATUS_CHANGE_ACTION = 'access.status.change';

/**
 * The resource that names a subject in access administration: `subject:<id>`.
 *
 * @example
 * ```ts
 * import { statusResource } from '@semper/access';
 * statusResource('agency-0042'); // 'subject:agency-0042'
 * ```
 */
export function statusResource(subjectId: string): string {
  return `subject:${checkAccessName(subjectId, 'a subject id')}`;
}

/**
 * The resource that names an agency's own account at the hub: `agency:<id>`; its transfers and
 * record sets are under it (`agency:<id>/...`).
 *
 * @example
 * ```ts
 * import { agencyResource } from '@semper/access';
 * agencyResource('agency-0042'); // 'agency:agency-0042'
 * ```
 */
export function agencyResource(agencyId: string): string {
  return `agency:${checkAccessName(agencyId, 'an agency id')}`;
}

/**
 * A service the money-transfer hub offers its agencies: the action an agency performs, and whether
 * it is one of the secure data services (the SDC batch exchange of signed, encrypted record sets).
 *
 * @example
 * ```ts
 * import { HUB_SERVICES, type HubService } from '@semper/access';
 * const secure: HubService[] = HUB_SERVICES.filter((s) => s.secureData);
 * ```
 */
export interface HubService {
  /** The action, e.g. `transfer.send`. */
  readonly action: string;
  readonly title: string;
  /** True for the secure data services (SDC export and import). */
  readonly secureData: boolean;
}

/**
 * The services of the money-transfer hub, in the order of the status table.
 *
 * | action | service |
 * | --- | --- |
 * | `account.inquiry` | account inquiries: balance, statement, state of the agency's transfers |
 * | `transfer.receive` | money transfer receipt: look up and pay out a transfer addressed to the agency |
 * | `transfer.send` | record and send a new money transfer |
 * | `transfer.cancel` | cancel (and refund) a transfer that has not been paid out |
 * | `sdc.export` | secure data service: send record sets to the hub in a Secure Data Container |
 * | `sdc.import` | secure data service: fetch the record sets that concern the agency in an SDC |
 *
 * @example
 * ```ts
 * import { HUB_SERVICES } from '@semper/access';
 * HUB_SERVICES.map((s) => s.action); // ['account.inquiry', 'transfer.receive', 'transfer.send', 'transfer.cancel', 'sdc.export', 'sdc.import']
 * ```
 */
export const HUB_SERVICES: readonly HubService[] = Object.freeze(
  [
    { action: 'account.inquiry', title: 'account inquiries', secureData: false },
    { action: 'transfer.receive', title: 'money transfer receipt (payout)', secureData: false },
    { action: 'transfer.send', title: 'send a money transfer', secureData: false },
    { action: 'transfer.cancel', title: 'cancel an unpaid transfer', secureData: false },
    { action: 'sdc.export', title: 'secure data service: SDC export', secureData: true },
    { action: 'sdc.import', title: 'secure data service: SDC import', secureData: true },
  ].map((s) => Object.freeze(s)),
);

const actions = (secure: boolean) => HUB_SERVICES.filter((s) => secure || !s.secureData).map((s) => s.action);

/**
 * The hub's agency statuses:
 *
 * | status | name | account.inquiry | transfer.receive | transfer.send | transfer.cancel | sdc.export | sdc.import |
 * | --- | --- | --- | --- | --- | --- | --- | --- |
 * | 0 | suspended | – | – | – | – | – | – |
 * | 1 | limited | yes | yes | – | – | – | – |
 * | 2 | standard | yes | yes | yes | yes | – | – |
 * | 3 | full | yes | yes | yes | yes | yes | yes |
 *
 * Status 0 allows nothing at all (not only the hub services). Status 1 lets an agency on probation, or
 * being wound down, answer its customers and pay out the transfers already sent to it, without taking
 * new money. Status 2 is every service except the secure data services; status 3 adds them (SDC export
 * and import, for agencies whose key management the hub has approved).
 *
 * @example
 * ```ts
 * import { AGENCY_STATUSES } from '@semper/access';
 * AGENCY_STATUSES.allows(1, 'transfer.receive'); // true
 * AGENCY_STATUSES.allows(2, 'sdc.import'); // false
 * ```
 */
export const AGENCY_STATUSES: StatusTable = new StatusTable([
  { code: 0, name: 'suspended', description: 'suspended: no service at all', allows: [] },
  {
    code: 1,
    name: 'limited',
    description: 'account inquiries and money transfer receipt only',
    allows: ['account.inquiry', 'transfer.receive'],
  },
  {
    code: 2,
    name: 'standard',
    description: 'every service except the secure data services (SDC export/import)',
    allows: actions(false),
  },
  { code: 3, name: 'full', description: 'every service, the secure data services included', allows: actions(true) },
]);

/**
 * The role every agency holds: each hub service on its own account (`agency:{subject}` and what is
 * under it). What the agency may actually use is then limited by its status.
 *
 * @example
 * ```ts
 * import { AGENCY_ROLE, defineSubject } from '@semper/access';
 * const agency = defineSubject({ id: 'agency-0042', kind: 'agency', status: 3, roles: [AGENCY_ROLE] });
 * ```
 */
export const AGENCY_ROLE: Role = defineRole({
  name: 'agency',
  description: 'a money-transfer agency: the hub services on its own account',
  privileges: HUB_SERVICES.flatMap((s) => [
    { action: s.action, resource: 'agency:{subject}' },
    { action: s.action, resource: 'agency:{subject}/*' },
  ]),
});

/**
 * The hub operator: changes agency statuses (the only role that may) and inquires into any account.
 *
 * @example
 * ```ts
 * import { defineSubject, HUB_OPERATOR_ROLE } from '@semper/access';
 * const operator = defineSubject({ id: 'op-anna', kind: 'user', roles: [HUB_OPERATOR_ROLE] });
 * ```
 */
export const HUB_OPERATOR_ROLE: Role = defineRole({
  name: 'hub-operator',
  description: 'hub operations: sets agency statuses, inquires into any account',
  privileges: [
    { action: STATUS_CHANGE_ACTION, resource: 'subject:*' },
    { action: 'account.inquiry', resource: 'agency:*' },
  ],
});

/**
 * The hub auditor: inquires into any account, changes nothing.
 *
 * @example
 * ```ts
 * import { defineSubject, HUB_AUDITOR_ROLE } from '@semper/access';
 * const auditor = defineSubject({ id: 'audit-1', kind: 'user', roles: [HUB_AUDITOR_ROLE] });
 * ```
 */
export const HUB_AUDITOR_ROLE: Role = defineRole({
  name: 'hub-auditor',
  description: 'audit: inquires into any account, changes nothing',
  privileges: [{ action: 'account.inquiry', resource: 'agency:*' }],
});

/**
 * The hub's ready policy: `agency-status` (the {@link AGENCY_STATUSES} table, which every agency must
 * have a status in; a subject of another kind that has a status is held to the same table), then
 * `role-privileges` (the subject's roles must grant the action on the resource), combined by deny
 * overrides.
 *
 * @example
 * ```ts
 * import { AGENCY_ROLE, createAgencyPolicy, defineSubject } from '@semper/access';
 * const policy = createAgencyPolicy();
 * const agency = defineSubject({ id: 'a42', kind: 'agency', status: 2, roles: [AGENCY_ROLE] });
 * policy.evaluate({ subject: agency, action: 'transfer.send', resource: 'agency:a42' }); // { allowed: true, rule: 'role-privileges' }
 * policy.evaluate({ subject: agency, action: 'sdc.export', resource: 'agency:a42' }).allowed; // false
 * policy.evaluate({ subject: agency, action: 'transfer.send', resource: 'agency:a7' }).allowed; // false: not its account
 * ```
 */
export function createAgencyPolicy(): AccessPolicy {
  return new AccessPolicy([
    statusRule({ name: 'agency-status', table: AGENCY_STATUSES, requiredFor: ['agency'] }),
    roleRule('role-privileges'),
  ]);
}
