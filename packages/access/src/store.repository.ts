import { migrate, type Queryable, type Store } from '@semper/store';
import { AccessError, RoleNotFoundError, SubjectNotFoundError } from './errors.js';
import { ACCESS_MIGRATIONS } from './migrations.js';
import { defineRole, defineSubject, type Privilege, type Role, type Subject, SUBJECT_KINDS } from './model.js';
import type {
  AccessRepository,
  DenialQuery,
  DenialRecord,
  NewSubject,
  StatusChange,
  StatusChangeResult,
  SubjectQuery,
  SubjectRecord,
} from './repository.js';
import {
  checkAccessName,
  checkChange,
  checkDenial,
  checkDenialQuery,
  checkGrant,
  checkNewSubject,
  checkRole,
  checkRoleName,
  checkSubjectQuery,
} from './repository-checks.js';

/**
 * Options of {@link StoreAccessRepository}.
 *
 * @example
 * ```ts
 * import type { StoreAccessRepositoryOptions } from '@semper/access';
 * const options: StoreAccessRepositoryOptions = { migrate: false }; // the composition root migrates
 * ```
 */
export interface StoreAccessRepositoryOptions {
  /** Apply {@link ACCESS_MIGRATIONS} before the first operation (default true). */
  readonly migrate?: boolean;
}

function corrupt(what: string, cause?: unknown): AccessError {
  return new AccessError(
    'ERR_ACCESS_CORRUPT_RECORD',
    `unexpected ${what} in the access tables`,
    cause === undefined ? undefined : { cause },
  );
}

function asText(value: unknown, what: string): string {
  if (typeof value !== 'string') throw corrupt(what);
  return value;
}

function asStatus(value: unknown, what: string): number | null {
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw corrupt(what);
  return value;
}

function asDate(value: unknown, what: string): Date {
  if (!(value instanceof Date) || !Number.isFinite(value.getTime())) throw corrupt(what);
  return value;
}

function asKind(value: unknown): SubjectRecord['kind'] {
  if (!SUBJECT_KINDS.includes(value as SubjectRecord['kind'])) throw corrupt('subject kind');
  return value as SubjectRecord['kind'];
}

function toRecord(row: Record<string, unknown>): SubjectRecord {
  const record: SubjectRecord = {
    id: asText(row.id, 'subject id'),
    kind: asKind(row.kind),
    name: asText(row.name, 'subject name'),
  };
  const status = asStatus(row.status, 'subject status');
  return Object.freeze(status === null ? record : { ...record, status });
}

function toChange(row: Record<string, unknown>): StatusChange {
  const to = asStatus(row.to_status, 'status change');
  if (to === null) throw corrupt('status change');
  return Object.freeze({
    id: asText(row.id, 'status change id'),
    subjectId: asText(row.subject_id, 'status change subject'),
    from: asStatus(row.from_status, 'status change'),
    to,
    actorId: asText(row.actor_id, 'status change actor'),
    reason: asText(row.reason, 'status change reason'),
    at: asDate(row.changed_at, 'status change time'),
  });
}

function toDenial(row: Record<string, unknown>): DenialRecord {
  return Object.freeze({
    id: asText(row.id, 'denial id'),
    subjectId: asText(row.subject_id, 'denial subject'),
    action: asText(row.action, 'denial action'),
    resource: asText(row.resource, 'denial resource'),
    rule: asText(row.rule, 'denial rule'),
    reason: asText(row.reason, 'denial reason'),
    at: asDate(row.denied_at, 'denial time'),
  });
}

/** Rows of (role, description, action, resource), ordered by role: the roles they describe. */
function toRoles(rows: readonly Record<string, unknown>[]): Role[] {
  const roles = new Map<string, { description: string; privileges: Privilege[] }>();
  for (const row of rows) {
    if (row.role === null || row.role === undefined) continue;
    const name = asText(row.role, 'role name');
    let role = roles.get(name);
    if (role === undefined) {
      role = { description: asText(row.description, 'role description'), privileges: [] };
      roles.set(name, role);
    }
    if (row.action !== null) {
      role.privileges.push({ action: asText(row.action, 'privilege'), resource: asText(row.resource, 'privilege') });
    }
  }
  try {
    return [...roles]
      .map(([name, r]) => defineRole({ name, description: r.description, privileges: r.privileges }))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  } catch (err) {
    throw corrupt('role', err);
  }
}

const ROLE_ROWS = `SELECT r.name AS role, r.description, p.action, p.resource
  FROM access_roles r LEFT JOIN access_role_privileges p ON p.role = r.name`;

/**
 * An {@link AccessRepository} on `@semper/store`: PostgreSQL, embedded (PGlite) or a server, with the
 * same SQL ({@link ACCESS_MIGRATIONS}, applied on first use unless `migrate: false`). Every write that
 * touches more than one row runs in one transaction; a status change reads the previous status with
 * `FOR UPDATE` in the transaction that records it, so concurrent changes are serialized and each is
 * recorded with its true predecessor. Store faults are thrown as the store's errors, unmasked.
 *
 * @example
 * ```ts
 * import { AGENCY_ROLE, StoreAccessRepository } from '@semper/access';
 * import { openStore } from '@semper/store';
 * const store = await openStore('pglite:./hub-data');
 * const repo = new StoreAccessRepository(store);
 * await repo.saveRole(AGENCY_ROLE);
 * await repo.saveSubject({ id: 'agency-0042', kind: 'agency', name: 'Agence du Port' });
 * await store.close();
 * ```
 */
export class StoreAccessRepository implements AccessRepository {
  readonly #store: Store;
  readonly #migrate: boolean;
  #ready: Promise<unknown> | undefined;

  constructor(store: Store, options: StoreAccessRepositoryOptions = {}) {
    if (typeof store !== 'object' || store === null || typeof store.transaction !== 'function') {
      throw new AccessError('ERR_ACCESS_INVALID_ARGUMENT', 'StoreAccessRepository needs a Store');
    }
    this.#store = store;
    this.#migrate = options.migrate ?? true;
  }

  /** The store, migrated when this repository migrates. */
  async #db(): Promise<Store> {
    if (this.#migrate) {
      this.#ready ??= migrate(this.#store, ACCESS_MIGRATIONS).catch((err: unknown) => {
        this.#ready = undefined;
        throw err;
      });
      await this.#ready;
    }
    return this.#store;
  }

  async saveRole(role: Role): Promise<void> {
    const r = checkRole(role);
    const db = await this.#db();
    await db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO access_roles (name, description) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET description = EXCLUDED.description`,
        [r.name, r.description],
      );
      await tx.query('DELETE FROM access_role_privileges WHERE role = $1', [r.name]);
      if (r.privileges.length > 0) {
        await tx.query(
          `INSERT INTO access_role_privileges (role, action, resource)
           SELECT $1, a, r FROM unnest($2::text[], $3::text[]) AS t(a, r)`,
          [r.name, r.privileges.map((p) => p.action), r.privileges.map((p) => p.resource)],
        );
      }
    });
  }

  async getRole(name: string): Promise<Role | undefined> {
    checkRoleName(name);
    const db = await this.#db();
    const rows = await db.query(`${ROLE_ROWS} WHERE r.name = $1 ORDER BY p.action, p.resource`, [name]);
    return toRoles(rows)[0];
  }

  async listRoles(): Promise<Role[]> {
    const db = await this.#db();
    return toRoles(await db.query(`${ROLE_ROWS} ORDER BY r.name, p.action, p.resource`));
  }

  async deleteRole(name: string): Promise<boolean> {
    checkRoleName(name);
    const db = await this.#db();
    return db.transaction(async (tx) => {
      const held = await tx.query('SELECT 1 FROM access_grants WHERE role = $1 LIMIT 1', [name]);
      if (held.length > 0) throw new AccessError('ERR_ACCESS_CONFLICT', `role '${name}' is still granted`);
      const deleted = await tx.query('DELETE FROM access_roles WHERE name = $1 RETURNING name', [name]);
      return deleted.length > 0;
    });
  }

  async saveSubject(subject: NewSubject): Promise<void> {
    const { id, kind, name } = checkNewSubject(subject);
    const db = await this.#db();
    const rows = await db.query<{ kind: string }>(
      `INSERT INTO access_subjects (id, kind, name) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name WHERE access_subjects.kind = EXCLUDED.kind
       RETURNING kind`,
      [id, kind, name],
    );
    if (rows.length === 0) {
      const [existing] = await db.query<{ kind: string }>('SELECT kind FROM access_subjects WHERE id = $1', [id]);
      throw new AccessError(
        'ERR_ACCESS_CONFLICT',
        `subject '${id}' is a ${existing?.kind ?? 'subject'}, not a ${kind}`,
      );
    }
  }

  async getSubject(id: string): Promise<Subject | undefined> {
    checkAccessName(id, 'a subject id');
    const db = await this.#db();
    // One statement: the subject, its grants and their privileges come from one snapshot.
    const rows = await db.query(
      `SELECT s.id, s.kind, s.name, s.status, g.role, r.description, p.action, p.resource
         FROM access_subjects s
         LEFT JOIN access_grants g ON g.subject_id = s.id
         LEFT JOIN access_roles r ON r.name = g.role
         LEFT JOIN access_role_privileges p ON p.role = g.role
        WHERE s.id = $1
        ORDER BY g.role, p.action, p.resource`,
      [id],
    );
    if (rows.length === 0) return undefined;
    const record = toRecord(rows[0]!);
    try {
      return defineSubject({ ...record, roles: toRoles(rows) });
    } catch (err) {
      if (err instanceof AccessError && err.code === 'ERR_ACCESS_CORRUPT_RECORD') throw err;
      throw corrupt('subject', err);
    }
  }

  async listSubjects(query: SubjectQuery = {}): Promise<SubjectRecord[]> {
    const q = checkSubjectQuery(query);
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.kind !== undefined) where.push(`kind = $${params.push(q.kind)}`);
    if (q.status !== undefined) where.push(`status = $${params.push(q.status)}`);
    if (q.after !== undefined) where.push(`id COLLATE "C" > $${params.push(q.after)}`);
    const db = await this.#db();
    const rows = await db.query(
      `SELECT id, kind, name, status FROM access_subjects
        ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY id COLLATE "C" LIMIT $${params.push(q.limit)}`,
      params,
    );
    return rows.map(toRecord);
  }

  async grantRole(
    subjectId: string,
    role: string,
    grant: { readonly by: string; readonly at: Date },
  ): Promise<boolean> {
    checkAccessName(subjectId, 'a subject id');
    checkRoleName(role);
    const g = checkGrant(grant);
    const db = await this.#db();
    return db.transaction(async (tx) => {
      await this.#requireSubject(tx, subjectId);
      const known = await tx.query('SELECT 1 FROM access_roles WHERE name = $1', [role]);
      if (known.length === 0) throw new RoleNotFoundError(role);
      const inserted = await tx.query(
        `INSERT INTO access_grants (subject_id, role, granted_by, granted_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (subject_id, role) DO NOTHING RETURNING role`,
        [subjectId, role, g.by, g.at],
      );
      return inserted.length > 0;
    });
  }

  async revokeRole(subjectId: string, role: string): Promise<boolean> {
    checkAccessName(subjectId, 'a subject id');
    checkRoleName(role);
    const db = await this.#db();
    return db.transaction(async (tx) => {
      await this.#requireSubject(tx, subjectId);
      const deleted = await tx.query('DELETE FROM access_grants WHERE subject_id = $1 AND role = $2 RETURNING role', [
        subjectId,
        role,
      ]);
      return deleted.length > 0;
    });
  }

  async changeStatus(change: Omit<StatusChange, 'from'>): Promise<StatusChangeResult> {
    const c = checkChange(change);
    const db = await this.#db();
    return db.transaction(async (tx): Promise<StatusChangeResult> => {
      const [row] = await tx.query<{ status: unknown }>('SELECT status FROM access_subjects WHERE id = $1 FOR UPDATE', [
        c.subjectId,
      ]);
      if (row === undefined) throw new SubjectNotFoundError(c.subjectId);
      const from = asStatus(row.status, 'subject status');
      if (from === c.to) return { changed: false, status: c.to };
      await tx.query('UPDATE access_subjects SET status = $2 WHERE id = $1', [c.subjectId, c.to]);
      const [inserted] = await tx.query(
        `INSERT INTO access_status_changes (id, subject_id, from_status, to_status, actor_id, reason, changed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         RETURNING id, subject_id, from_status, to_status, actor_id, reason, changed_at`,
        [c.id, c.subjectId, from, c.to, c.actorId, c.reason, c.at],
      );
      return { changed: true, change: toChange(inserted!) };
    });
  }

  async statusHistory(subjectId: string): Promise<StatusChange[]> {
    checkAccessName(subjectId, 'a subject id');
    const db = await this.#db();
    const rows = await db.query(
      `SELECT id, subject_id, from_status, to_status, actor_id, reason, changed_at
         FROM access_status_changes WHERE subject_id = $1 ORDER BY seq`,
      [subjectId],
    );
    return rows.map(toChange);
  }

  async recordDenial(denial: DenialRecord): Promise<void> {
    const d = checkDenial(denial);
    const db = await this.#db();
    await db.query(
      `INSERT INTO access_denials (id, subject_id, action, resource, rule, reason, denied_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [d.id, d.subjectId, d.action, d.resource, d.rule, d.reason, d.at],
    );
  }

  async listDenials(query: DenialQuery = {}): Promise<DenialRecord[]> {
    const q = checkDenialQuery(query);
    const db = await this.#db();
    const rows =
      q.subjectId === undefined
        ? await db.query('SELECT * FROM access_denials ORDER BY seq DESC LIMIT $1', [q.limit])
        : await db.query('SELECT * FROM access_denials WHERE subject_id = $1 ORDER BY seq DESC LIMIT $2', [
            q.subjectId,
            q.limit,
          ]);
    return rows.map(toDenial);
  }

  async #requireSubject(tx: Queryable, subjectId: string): Promise<void> {
    const rows = await tx.query('SELECT 1 FROM access_subjects WHERE id = $1', [subjectId]);
    if (rows.length === 0) throw new SubjectNotFoundError(subjectId);
  }
}
