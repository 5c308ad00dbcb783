// Argument checks shared by the repository implementations (internal: not exported by the package).
import { AccessError } from './errors.js';
import {
  checkAccessName,
  checkRoleName,
  checkStatusCode,
  defineRole,
  type Role,
  SUBJECT_KINDS,
  type SubjectKind,
} from './model.js';
import type { DenialQuery, DenialRecord, NewSubject, StatusChange, SubjectQuery } from './repository.js';

function bad(message: string): AccessError {
  return new AccessError('ERR_ACCESS_INVALID_ARGUMENT', message);
}

const MAX_TEXT = 500;
const MAX_REASON = 2000;

function checkLine(value: unknown, what: string, max: number, required: boolean): string {
  if (value === undefined && !required) return '';
  if (typeof value !== 'string' || value.length > max || (required && value.trim() === '')) {
    throw bad(`${what} must be ${required ? 'a non-empty' : 'a'} string of at most ${max} characters`);
  }
  return value;
}

function checkDate(value: unknown, what: string): Date {
  if (!(value instanceof Date) || !Number.isFinite(value.getTime())) throw bad(`${what} must be a valid Date`);
  return new Date(value.getTime());
}

export function checkKind(value: unknown): SubjectKind {
  if (!SUBJECT_KINDS.includes(value as SubjectKind)) throw bad(`kind is one of ${SUBJECT_KINDS.join(', ')}`);
  return value as SubjectKind;
}

export function checkNewSubject(subject: NewSubject): Required<NewSubject> {
  if (typeof subject !== 'object' || subject === null) throw bad('a subject is { id, kind, name? }');
  const id = checkAccessName(subject.id, 'a subject id');
  const kind = checkKind(subject.kind);
  const name = checkLine(subject.name, `subject '${id}': name`, MAX_TEXT, false);
  if (/[\u0000-\u001f\u007f]/.test(name)) throw bad(`subject '${id}': name must be a single line`);
  return { id, kind, name };
}

export function checkRole(role: Role): Role {
  return defineRole(role);
}

export { checkAccessName, checkRoleName };

export function checkGrant(grant: { readonly by: string; readonly at: Date }): { by: string; at: Date } {
  if (typeof grant !== 'object' || grant === null) throw bad('a grant is { by, at }');
  return { by: checkAccessName(grant.by, 'grant.by'), at: checkDate(grant.at, 'grant.at') };
}

export function checkChange(change: Omit<StatusChange, 'from'>): Omit<StatusChange, 'from'> {
  if (typeof change !== 'object' || change === null) throw bad('a status change is an object');
  return {
    id: checkLine(change.id, 'change.id', 100, true),
    subjectId: checkAccessName(change.subjectId, 'change.subjectId'),
    to: checkStatusCode(change.to),
    actorId: checkAccessName(change.actorId, 'change.actorId'),
    reason: checkLine(change.reason, 'change.reason', MAX_REASON, true),
    at: checkDate(change.at, 'change.at'),
  };
}

export function checkDenial(denial: DenialRecord): DenialRecord {
  if (typeof denial !== 'object' || denial === null) throw bad('a denial is an object');
  return {
    id: checkLine(denial.id, 'denial.id', 100, true),
    subjectId: checkLine(denial.subjectId, 'denial.subjectId', 200, true),
    action: checkLine(denial.action, 'denial.action', 200, true),
    resource: checkLine(denial.resource, 'denial.resource', 200, true),
    rule: checkLine(denial.rule, 'denial.rule', 100, true),
    reason: checkLine(denial.reason, 'denial.reason', MAX_REASON, true),
    at: checkDate(denial.at, 'denial.at'),
  };
}

export function checkLimit(limit: unknown): number {
  if (limit === undefined) return 100;
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1 || limit > 1000) {
    throw bad('limit is an integer from 1 to 1000');
  }
  return limit;
}

export function checkSubjectQuery(query: SubjectQuery): {
  kind?: SubjectKind;
  status?: number;
  after?: string;
  limit: number;
} {
  if (typeof query !== 'object' || query === null) throw bad('a subject query is an object');
  return {
    kind: query.kind === undefined ? undefined : checkKind(query.kind),
    status: query.status === undefined ? undefined : checkStatusCode(query.status),
    after: query.after === undefined ? undefined : checkAccessName(query.after, 'query.after'),
    limit: checkLimit(query.limit),
  };
}

export function checkDenialQuery(query: DenialQuery): { subjectId?: string; limit: number } {
  if (typeof query !== 'object' || query === null) throw bad('a denial query is an object');
  return {
    subjectId: query.subjectId === undefined ? undefined : checkLine(query.subjectId, 'query.subjectId', 200, true),
    limit: checkLimit(query.limit),
  };
}
