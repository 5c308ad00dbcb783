import type { Role, Subject, SubjectKind } from './model.js';

/**
 * A subject as it is stored: identity, kind, name and status, without its roles (those are grants).
 *
 * @example
 * ```ts
 * import type { SubjectRecord } from '@semper/access';
 * const record: SubjectRecord = { id: 'agency-0042', kind: 'agency', name: 'Agence du Port' };
 * ```
 */
export interface SubjectRecord {
  readonly id: string;
  readonly kind: SubjectKind;
  readonly name: string;
  readonly status?: number;
}

/**
 * What {@link AccessRepository.saveSubject} takes: an id, a kind and optionally a display name. The
 * status is not part of it: a new subject has none, and statuses change only through
 * `changeStatus`, which records every change.
 *
 * @example
 * ```ts
 * import type { NewSubject } from '@semper/access';
 * const agency: NewSubject = { id: 'agency-0042', kind: 'agency', name: 'Agence du Port' };
 * ```
 */
export interface NewSubject {
  readonly id: string;
  readonly kind: SubjectKind;
  readonly name?: string;
}

/**
 * A change of a subject's status, as recorded: from what (`null` when the subject had none) to what,
 * by whom, why and when.
 *
 * @example
 * ```ts
 * import type { StatusChange } from '@semper/access';
 * const change: StatusChange = {
 *   id: 'status_01JD3Q4ZC0M2G4ZCQ5V0NB7XQ8',
 *   subjectId: 'agency-0042',
 *   from: 2,
 *   to: 0,
 *   actorId: 'op-anna',
 *   reason: 'audit finding 2030-17',
 *   at: new Date('2030-01-01T10:00:00Z'),
 * };
 * ```
 */
export interface StatusChange {
  readonly id: string;
  readonly subjectId: string;
  readonly from: number | null;
  readonly to: number;
  readonly actorId: string;
  readonly reason: string;
  readonly at: Date;
}

/**
 * What {@link AccessRepository.changeStatus} did: changed it (and recorded the change), or found the
 * subject already in that status (and recorded nothing).
 *
 * @example
 * ```ts
 * import type { StatusChangeResult } from '@semper/access';
 * function describe(r: StatusChangeResult): string {
 *   return r.changed ? `${r.change.from} -> ${r.change.to}` : `already ${r.status}`;
 * }
 * ```
 */
export type StatusChangeResult =
  | { readonly changed: true; readonly change: StatusChange }
  | { readonly changed: false; readonly status: number };

/**
 * A recorded denial: who was refused what, by which rule and why.
 *
 * @example
 * ```ts
 * import type { DenialRecord } from '@semper/access';
 * const denial: DenialRecord = {
 *   id: 'deny_01JD3Q4ZC0M2G4ZCQ5V0NB7XQ8',
 *   subjectId: 'agency-0042',
 *   action: 'sdc.export',
 *   resource: 'agency:agency-0042',
 *   rule: 'agency-status',
 *   reason: "status 2 (standard) does not include 'sdc.export'",
 *   at: new Date('2030-01-01T10:00:00Z'),
 * };
 * ```
 */
export interface DenialRecord {
  readonly id: string;
  /** The subject asking (also for a subject the repository does not know). */
  readonly subjectId: string;
  readonly action: string;
  readonly resource: string;
  readonly rule: string;
  readonly reason: string;
  readonly at: Date;
}

/**
 * Filters of {@link AccessRepository.listSubjects}: by kind and status, one page at a time in id
 * order (`after` is the last id of the previous page).
 *
 * @example
 * ```ts
 * import type { SubjectQuery } from '@semper/access';
 * const suspendedAgencies: SubjectQuery = { kind: 'agency', status: 0, limit: 500 };
 * ```
 */
export interface SubjectQuery {
  readonly kind?: SubjectKind;
  readonly status?: number;
  /** Only ids greater than this one. */
  readonly after?: string;
  /** At most this many (default 100, at most 1000). */
  readonly limit?: number;
}

/**
 * Filters of {@link AccessRepository.listDenials}: newest first.
 *
 * @example
 * ```ts
 * import type { DenialQuery } from '@semper/access';
 * const recent: DenialQuery = { subjectId: 'agency-0042', limit: 20 };
 * ```
 */
export interface DenialQuery {
  readonly subjectId?: string;
  /** At most this many (default 100, at most 1000). */
  readonly limit?: number;
}

/**
 * Where subjects, roles, grants, statuses, status changes and denials are kept. Two implementations
 * ship: `StoreAccessRepository` (PostgreSQL through `@semper/store`: PGlite or a server) and
 * `MemoryAccessRepository` (tests, tools). Others pass `describeAccessRepositorySuite` of
 * `@semper/access/testing`.
 *
 * The repository does not authorize: `AccessControl` does, before it calls `changeStatus`. Arguments
 * are checked (`ERR_ACCESS_INVALID_ARGUMENT`); naming a missing subject or role throws
 * `SubjectNotFoundError` / `RoleNotFoundError`.
 *
 * @example
 * ```ts
 * import { AGENCY_ROLE, type AccessRepository, MemoryAccessRepository } from '@semper/access';
 * const repo: AccessRepository = new MemoryAccessRepository();
 * await repo.saveRole(AGENCY_ROLE);
 * await repo.saveSubject({ id: 'agency-0042', kind: 'agency' });
 * await repo.grantRole('agency-0042', 'agency', { by: 'bootstrap', at: new Date() });
 * (await repo.getSubject('agency-0042'))?.roles.map((r) => r.name); // ['agency']
 * ```
 */
export interface AccessRepository {
  /**
   * Creates or replaces a role (its description and all its privileges).
   *
   * @example
   * ```ts
   * await repo.saveRole(defineRole({ name: 'cashier', privileges: [{ action: 'transfer.send', resource: 'agency:{subject}' }] }));
   * ```
   */
  saveRole(role: Role): Promise<void>;
  /**
   * The role named `name`, or `undefined`.
   *
   * @example
   * ```ts
   * const cashier = await repo.getRole('cashier');
   * ```
   */
  getRole(name: string): Promise<Role | undefined>;
  /**
   * Every role, by name.
   *
   * @example
   * ```ts
   * const names = (await repo.listRoles()).map((r) => r.name);
   * ```
   */
  listRoles(): Promise<Role[]>;
  /**
   * Deletes a role that no subject holds; returns whether it existed. A role still granted throws
   * `ERR_ACCESS_CONFLICT`.
   *
   * @example
   * ```ts
   * if (!(await repo.deleteRole('cashier'))) console.log('there was no such role');
   * ```
   */
  deleteRole(name: string): Promise<boolean>;
  /**
   * Creates a subject, or renames an existing one. An existing id of another kind throws
   * `ERR_ACCESS_CONFLICT` (a subject's kind never changes).
   *
   * @example
   * ```ts
   * await repo.saveSubject({ id: 'agency-0042', kind: 'agency', name: 'Agence du Port' });
   * ```
   */
  saveSubject(subject: NewSubject): Promise<void>;
  /**
   * The subject with its roles and their privileges (read in one consistent step), or `undefined`.
   *
   * @example
   * ```ts
   * const agency = await repo.getSubject('agency-0042'); // { id, kind, name, status?, roles }
   * ```
   */
  getSubject(id: string): Promise<Subject | undefined>;
  /**
   * Subjects without their roles, in id order.
   *
   * @example
   * ```ts
   * const page = await repo.listSubjects({ kind: 'agency', status: 0, limit: 500 });
   * ```
   */
  listSubjects(query?: SubjectQuery): Promise<SubjectRecord[]>;
  /**
   * Grants a role; returns false when the subject already held it.
   *
   * @example
   * ```ts
   * await repo.grantRole('agency-0042', 'agency', { by: 'op-anna', at: new Date() });
   * ```
   */
  grantRole(subjectId: string, role: string, grant: { readonly by: string; readonly at: Date }): Promise<boolean>;
  /**
   * Revokes a role; returns false when the subject did not hold it.
   *
   * @example
   * ```ts
   * await repo.revokeRole('agency-0042', 'agency');
   * ```
   */
  revokeRole(subjectId: string, role: string): Promise<boolean>;
  /**
   * Sets a subject's status and records the change, atomically (the previous status is read in the
   * same transaction). Setting the status it already has changes and records nothing.
   *
   * @example
   * ```ts
   * await repo.changeStatus({ id: 'status_1', subjectId: 'agency-0042', to: 3, actorId: 'bootstrap', reason: 'migration', at: new Date() });
   * ```
   */
  changeStatus(change: Omit<StatusChange, 'from'>): Promise<StatusChangeResult>;
  /**
   * The recorded status changes of a subject, oldest first.
   *
   * @example
   * ```ts
   * for (const c of await repo.statusHistory('agency-0042')) console.log(c.from, '->', c.to, c.actorId, c.reason);
   * ```
   */
  statusHistory(subjectId: string): Promise<StatusChange[]>;
  /**
   * Records a denial.
   *
   * @example
   * ```ts
   * await repo.recordDenial({ id: 'deny_1', subjectId: 'a1', action: 'sdc.export', resource: 'agency:a1', rule: 'agency-status', reason: 'status 2', at: new Date() });
   * ```
   */
  recordDenial(denial: DenialRecord): Promise<void>;
  /**
   * Recorded denials, newest first.
   *
   * @example
   * ```ts
   * const recent = await repo.listDenials({ subjectId: 'agency-0042', limit: 20 });
   * ```
   */
  listDenials(query?: DenialQuery): Promise<DenialRecord[]>;
}
