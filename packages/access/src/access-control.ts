import { type Clock, createIdGenerator, EventBus, type IdGenerator, SemperError, SystemClock } from '@semper/core';
import { STATUS_CHANGE_ACTION, statusResource } from './agency.policy.js';
import { AccessError } from './errors.js';
import { checkAccessName, checkStatusCode, defineSubject, type Subject } from './model.js';
import type { AccessDecision, AccessPolicy } from './policy.js';
import type { AccessRepository, StatusChange } from './repository.js';
import type { StatusTable } from './status.js';

/**
 * The rule name of the denial given to a subject id that the repository does not know.
 *
 * @example
 * ```ts
 * import { UNKNOWN_SUBJECT_RULE } from '@semper/access';
 * console.log(UNKNOWN_SUBJECT_RULE); // 'unknown-subject'
 * ```
 */
export const UNKNOWN_SUBJECT_RULE = 'unknown-subject';

/**
 * What `AccessControl` publishes on its `events$` (and on the party's event bus): every decision, and
 * every status change. A denial is published after it has been recorded in the repository.
 *
 * @example
 * ```ts
 * import type { AccessEvent } from '@semper/access';
 * function line(e: AccessEvent): string {
 *   switch (e.type) {
 *     case 'access.allowed': return `${e.subjectId} may ${e.action} ${e.resource} (${e.rule})`;
 *     case 'access.denied': return `${e.subjectId} may not ${e.action} ${e.resource}: ${e.reason}`;
 *     case 'access.status-changed': return `${e.subjectId}: ${e.from} -> ${e.to} by ${e.actorId}`;
 *   }
 * }
 * ```
 */
export type AccessEvent =
  | {
      readonly type: 'access.allowed';
      readonly at: Date;
      readonly subjectId: string;
      readonly action: string;
      readonly resource: string;
      readonly rule: string;
    }
  | {
      readonly type: 'access.denied';
      readonly at: Date;
      readonly denialId: string;
      readonly subjectId: string;
      readonly action: string;
      readonly resource: string;
      readonly rule: string;
      readonly reason: string;
    }
  | {
      readonly type: 'access.status-changed';
      readonly at: Date;
      readonly changeId: string;
      readonly subjectId: string;
      readonly from: number | null;
      readonly to: number;
      readonly actorId: string;
      readonly reason: string;
    };

/**
 * What {@link AccessControl.changeStatus} did: changed the status (recorded), found it already so, or
 * was denied (the denial recorded like any other).
 *
 * @example
 * ```ts
 * import type { StatusChangeOutcome } from '@semper/access';
 * function report(o: StatusChangeOutcome): string {
 *   if (o.outcome === 'changed') return `now ${o.change.to}`;
 *   if (o.outcome === 'unchanged') return `already ${o.status}`;
 *   return `refused: ${o.decision.reason}`;
 * }
 * ```
 */
export type StatusChangeOutcome =
  | { readonly outcome: 'changed'; readonly change: StatusChange }
  | { readonly outcome: 'unchanged'; readonly status: number }
  | { readonly outcome: 'denied'; readonly decision: Extract<AccessDecision, { allowed: false }> };

/**
 * Options of {@link AccessControl}.
 *
 * @example
 * ```ts
 * import { AGENCY_STATUSES, type AccessControlOptions, createAgencyPolicy, MemoryAccessRepository } from '@semper/access';
 * const options: AccessControlOptions = {
 *   policy: createAgencyPolicy(),
 *   repository: new MemoryAccessRepository(),
 *   statuses: AGENCY_STATUSES,
 * };
 * ```
 */
export interface AccessControlOptions {
  readonly policy: AccessPolicy;
  readonly repository: AccessRepository;
  /** Stamps denials, status changes and events (default: a `SystemClock`). */
  readonly clock?: Clock;
  /** The party's event bus, where the events are published too (default: a private bus). */
  readonly events?: EventBus;
  /** When given, `changeStatus` accepts only the codes it defines. */
  readonly statuses?: StatusTable;
}

const MAX_REASON = 2000;

/**
 * The access service: decides with a policy and records. `authorize` looks the subject up (when
 * given its id), evaluates the policy, and, for a denial, records it in the repository and then
 * publishes it: a denial is never returned unrecorded (a failing repository makes `authorize` throw).
 * `changeStatus` is itself authorized (`access.status.change` on `subject:<id>`: in the hub's policy,
 * the hub operator role only) and every change is recorded with its actor and reason.
 *
 * @example
 * ```ts
 * import {
 *   AGENCY_ROLE, AGENCY_STATUSES, AccessControl, createAgencyPolicy, HUB_OPERATOR_ROLE, MemoryAccessRepository,
 * } from '@semper/access';
 * const repository = new MemoryAccessRepository();
 * const access = new AccessControl({ policy: createAgencyPolicy(), repository, statuses: AGENCY_STATUSES });
 * await repository.saveRole(AGENCY_ROLE);
 * await repository.saveRole(HUB_OPERATOR_ROLE);
 * await repository.saveSubject({ id: 'agency-0042', kind: 'agency' });
 * await repository.grantRole('agency-0042', 'agency', { by: 'bootstrap', at: new Date() });
 * await repository.saveSubject({ id: 'op-anna', kind: 'user' });
 * await repository.grantRole('op-anna', 'hub-operator', { by: 'bootstrap', at: new Date() });
 *
 * await access.changeStatus('op-anna', 'agency-0042', 2, 'contract signed'); // { outcome: 'changed', ... }
 * await access.authorize('agency-0042', 'transfer.send', 'agency:agency-0042'); // { allowed: true, rule: 'role-privileges' }
 * await access.authorize('agency-0042', 'sdc.export', 'agency:agency-0042'); // denied by 'agency-status', recorded
 * ```
 */
export class AccessControl {
  /** The decisions and status changes of this service, as they happen. */
  readonly events$: EventBus<AccessEvent>['events$'];
  /** The policy it decides with. */
  readonly policy: AccessPolicy;
  readonly #repository: AccessRepository;
  readonly #clock: Clock;
  readonly #bus: EventBus<AccessEvent>;
  readonly #statuses: StatusTable | undefined;
  readonly #id: IdGenerator;

  constructor(options: AccessControlOptions) {
    if (typeof options !== 'object' || options === null) throw bad('AccessControl needs { policy, repository }');
    if (typeof options.policy?.evaluate !== 'function') throw bad('AccessControl needs a policy');
    if (typeof options.repository?.recordDenial !== 'function') throw bad('AccessControl needs a repository');
    this.policy = options.policy;
    this.#repository = options.repository;
    this.#clock = options.clock ?? new SystemClock();
    this.#bus = (options.events ?? new EventBus(this.#clock)) as unknown as EventBus<AccessEvent>;
    this.#statuses = options.statuses;
    this.#id = createIdGenerator({ clock: this.#clock });
    this.events$ = this.#bus.ofType('access.allowed', 'access.denied', 'access.status-changed');
  }

  /**
   * Decides whether `subject` (a subject, or the id of one in the repository) may perform `action` on
   * `resource`. An unknown id is denied by `unknown-subject`. Denials are recorded (repository, then
   * `events$`); allowed decisions are published on `events$`. Faults throw: a malformed argument
   * (`ERR_ACCESS_INVALID_ARGUMENT`), a failing rule (`ERR_ACCESS_RULE_FAILED`), the repository's errors.
   *
   * @example
   * ```ts
   * import { AGENCY_ROLE, AccessControl, createAgencyPolicy, defineSubject, MemoryAccessRepository } from '@semper/access';
   * const access = new AccessControl({ policy: createAgencyPolicy(), repository: new MemoryAccessRepository() });
   * const agency = defineSubject({ id: 'a1', kind: 'agency', status: 0, roles: [AGENCY_ROLE] });
   * const decision = await access.authorize(agency, 'account.inquiry', 'agency:a1');
   * if (!decision.allowed) console.log(decision.rule, decision.reason); // agency-status status 0 (suspended) allows nothing
   * ```
   */
  async authorize(subject: Subject | string, action: string, resource: string): Promise<AccessDecision> {
    checkAccessName(action, 'action');
    checkAccessName(resource, 'resource');
    const found = await this.#resolve(subject);
    const subjectId = typeof subject === 'string' ? subject : found!.id;
    const decision: AccessDecision =
      found === undefined
        ? { allowed: false, reason: `no subject '${subjectId}'`, rule: UNKNOWN_SUBJECT_RULE }
        : this.policy.evaluate({ subject: found, action, resource });
    await this.#record(subjectId, action, resource, decision);
    return decision;
  }

  /**
   * Sets the status of `subjectId` to `status`, for `reason`, if `actor` (a subject or an id) is
   * allowed `access.status.change` on `subject:<subjectId>`. A denial is returned (and recorded); a
   * change is recorded (who, from what, to what, why, when) and published; setting the status the
   * subject already has changes nothing. Throws `InvalidStatusError` for a code the status table does
   * not define, `SubjectNotFoundError` when the subject does not exist (after authorization, so that
   * an unauthorized caller learns nothing).
   *
   * @example
   * ```ts
   * import { AccessControl } from '@semper/access';
   * declare const access: AccessControl;
   * const outcome = await access.changeStatus('op-anna', 'agency-0042', 0, 'audit finding 2030-17');
   * if (outcome.outcome === 'denied') console.log(outcome.decision.reason);
   * ```
   */
  async changeStatus(
    actor: Subject | string,
    subjectId: string,
    status: number,
    reason: string,
  ): Promise<StatusChangeOutcome> {
    const resource = statusResource(subjectId);
    checkStatusCode(status);
    this.#statuses?.require(status);
    if (typeof reason !== 'string' || reason.trim() === '' || reason.length > MAX_REASON) {
      throw bad(`a status change needs a reason of 1 to ${MAX_REASON} characters`);
    }
    const decision = await this.authorize(actor, STATUS_CHANGE_ACTION, resource);
    if (!decision.allowed) return { outcome: 'denied', decision };
    const actorId = typeof actor === 'string' ? actor : actor.id;
    const result = await this.#repository.changeStatus({
      id: this.#id('status'),
      subjectId,
      to: status,
      actorId,
      reason,
      at: this.#clock.now(),
    });
    if (!result.changed) return { outcome: 'unchanged', status: result.status };
    const { change } = result;
    this.#emit({
      type: 'access.status-changed',
      at: change.at,
      changeId: change.id,
      subjectId: change.subjectId,
      from: change.from,
      to: change.to,
      actorId: change.actorId,
      reason: change.reason,
    });
    return { outcome: 'changed', change };
  }

  async #resolve(subject: Subject | string): Promise<Subject | undefined> {
    if (typeof subject === 'string') {
      return this.#repository.getSubject(checkAccessName(subject, 'a subject id'));
    }
    return defineSubject(subject);
  }

  async #record(subjectId: string, action: string, resource: string, decision: AccessDecision): Promise<void> {
    const at = this.#clock.now();
    if (decision.allowed) {
      this.#emit({ type: 'access.allowed', at, subjectId, action, resource, rule: decision.rule });
      return;
    }
    const denial = {
      id: this.#id('deny'),
      subjectId,
      action,
      resource,
      rule: decision.rule,
      reason: decision.reason,
      at,
    };
    await this.#repository.recordDenial(denial);
    const { id, ...rest } = denial;
    this.#emit({ type: 'access.denied', denialId: id, ...rest });
  }

  /** Publishes on the bus; a completed bus (the party is shutting down) does not undo what was recorded. */
  #emit(event: AccessEvent): void {
    try {
      this.#bus.emit(event as never);
    } catch (err) {
      if (!(err instanceof SemperError && err.code === 'ERR_CORE_INVALID_ARGUMENT')) throw err;
    }
  }
}

function bad(message: string): AccessError {
  return new AccessError('ERR_ACCESS_INVALID_ARGUMENT', message);
}
