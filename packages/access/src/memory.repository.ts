import { AccessError, RoleNotFoundError, SubjectNotFoundError } from './errors.js';
import { defineSubject, type Role, type Subject } from './model.js';
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

interface StoredSubject {
  id: string;
  kind: SubjectRecord['kind'];
  name: string;
  status?: number;
  roles: Set<string>;
}

function toRecord(s: StoredSubject): SubjectRecord {
  const record: SubjectRecord = { id: s.id, kind: s.kind, name: s.name };
  return Object.freeze(s.status === undefined ? record : { ...record, status: s.status });
}

/**
 * An {@link AccessRepository} in memory: for tests, examples and tools; everything is lost with the
 * process. Behaves like `StoreAccessRepository` (both pass the same conformance suite).
 *
 * @example
 * ```ts
 * import { HUB_OPERATOR_ROLE, MemoryAccessRepository } from '@semper/access';
 * const repo = new MemoryAccessRepository();
 * await repo.saveRole(HUB_OPERATOR_ROLE);
 * await repo.saveSubject({ id: 'op-anna', kind: 'user', name: 'Anna' });
 * await repo.grantRole('op-anna', 'hub-operator', { by: 'bootstrap', at: new Date() });
 * ```
 */
export class MemoryAccessRepository implements AccessRepository {
  readonly #roles = new Map<string, Role>();
  readonly #subjects = new Map<string, StoredSubject>();
  readonly #history: StatusChange[] = [];
  readonly #denials: DenialRecord[] = [];

  async saveRole(role: Role): Promise<void> {
    const checked = checkRole(role);
    this.#roles.set(checked.name, checked);
  }

  async getRole(name: string): Promise<Role | undefined> {
    return this.#roles.get(checkRoleName(name));
  }

  async listRoles(): Promise<Role[]> {
    return [...this.#roles.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async deleteRole(name: string): Promise<boolean> {
    checkRoleName(name);
    if (!this.#roles.has(name)) return false;
    for (const s of this.#subjects.values()) {
      if (s.roles.has(name)) throw new AccessError('ERR_ACCESS_CONFLICT', `role '${name}' is still granted`);
    }
    return this.#roles.delete(name);
  }

  async saveSubject(subject: NewSubject): Promise<void> {
    const { id, kind, name } = checkNewSubject(subject);
    const existing = this.#subjects.get(id);
    if (existing === undefined) {
      this.#subjects.set(id, { id, kind, name, roles: new Set() });
      return;
    }
    if (existing.kind !== kind) {
      throw new AccessError('ERR_ACCESS_CONFLICT', `subject '${id}' is a ${existing.kind}, not a ${kind}`);
    }
    existing.name = name;
  }

  async getSubject(id: string): Promise<Subject | undefined> {
    const s = this.#subjects.get(checkAccessName(id, 'a subject id'));
    if (s === undefined) return undefined;
    const roles = [...s.roles].map((name) => this.#roles.get(name)!);
    return defineSubject({ id: s.id, kind: s.kind, name: s.name, status: s.status, roles });
  }

  async listSubjects(query: SubjectQuery = {}): Promise<SubjectRecord[]> {
    const q = checkSubjectQuery(query);
    return [...this.#subjects.values()]
      .filter(
        (s) =>
          (q.kind === undefined || s.kind === q.kind) &&
          (q.status === undefined || s.status === q.status) &&
          (q.after === undefined || s.id > q.after),
      )
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .slice(0, q.limit)
      .map(toRecord);
  }

  async grantRole(
    subjectId: string,
    role: string,
    grant: { readonly by: string; readonly at: Date },
  ): Promise<boolean> {
    const s = this.#subject(subjectId);
    checkGrant(grant);
    if (!this.#roles.has(checkRoleName(role))) throw new RoleNotFoundError(role);
    if (s.roles.has(role)) return false;
    s.roles.add(role);
    return true;
  }

  async revokeRole(subjectId: string, role: string): Promise<boolean> {
    const s = this.#subject(subjectId);
    return s.roles.delete(checkRoleName(role));
  }

  async changeStatus(change: Omit<StatusChange, 'from'>): Promise<StatusChangeResult> {
    const c = checkChange(change);
    const s = this.#subject(c.subjectId);
    if (s.status === c.to) return { changed: false, status: c.to };
    if (this.#history.some((h) => h.id === c.id)) {
      throw new AccessError('ERR_ACCESS_CONFLICT', `status change '${c.id}' is already recorded`);
    }
    const recorded: StatusChange = Object.freeze({ ...c, from: s.status ?? null });
    s.status = c.to;
    this.#history.push(recorded);
    return { changed: true, change: recorded };
  }

  async statusHistory(subjectId: string): Promise<StatusChange[]> {
    const id = checkAccessName(subjectId, 'a subject id');
    return this.#history.filter((h) => h.subjectId === id).map((h) => ({ ...h, at: new Date(h.at.getTime()) }));
  }

  async recordDenial(denial: DenialRecord): Promise<void> {
    const d = checkDenial(denial);
    if (this.#denials.some((x) => x.id === d.id)) {
      throw new AccessError('ERR_ACCESS_CONFLICT', `denial '${d.id}' is already recorded`);
    }
    this.#denials.push(Object.freeze(d));
  }

  async listDenials(query: DenialQuery = {}): Promise<DenialRecord[]> {
    const q = checkDenialQuery(query);
    const out: DenialRecord[] = [];
    for (let i = this.#denials.length - 1; i >= 0 && out.length < q.limit; i--) {
      const d = this.#denials[i]!;
      if (q.subjectId === undefined || d.subjectId === q.subjectId) out.push({ ...d, at: new Date(d.at.getTime()) });
    }
    return out;
  }

  #subject(id: string): StoredSubject {
    const s = this.#subjects.get(checkAccessName(id, 'a subject id'));
    if (s === undefined) throw new SubjectNotFoundError(id);
    return s;
  }
}
