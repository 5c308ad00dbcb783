import { AccessError } from './errors.js';

/**
 * What a subject is: a person using the system (`user`), a party of a deal (`party`: a merchant, a
 * buyer's organisation, a TTP), or an agency of the money-transfer hub (`agency`).
 *
 * @example
 * ```ts
 * import type { SubjectKind } from '@semper/access';
 * const kind: SubjectKind = 'agency';
 * ```
 */
export type SubjectKind = 'user' | 'party' | 'agency';

/**
 * Every subject kind, in a fixed order.
 *
 * @example
 * ```ts
 * import { SUBJECT_KINDS } from '@semper/access';
 * SUBJECT_KINDS.includes('agency'); // true
 * ```
 */
export const SUBJECT_KINDS: readonly SubjectKind[] = Object.freeze(['user', 'party', 'agency'] as const);

/**
 * A privilege: an action on resources. Both are patterns: a name (`transfer.send`, `agency:0042`)
 * matches itself; a name ending in `*` matches every name that starts with what comes before the `*`
 * (`agency:*`, `sdc.*`; `*` alone matches everything). In a resource, `{subject}` stands for the id of
 * the subject asking, so one role can say "on its own account only": `agency:{subject}`.
 *
 * Beware prefixes: `agency:{subject}*` would match `agency:42` and `agency:420`; write
 * `agency:{subject}` and `agency:{subject}/*` instead.
 *
 * @example
 * ```ts
 * import type { Privilege } from '@semper/access';
 * const ownTransfers: Privilege = { action: 'transfer.*', resource: 'agency:{subject}/*' };
 * ```
 */
export interface Privilege {
  readonly action: string;
  readonly resource: string;
}

/**
 * A named set of privileges, made by {@link defineRole} (which checks and normalises it).
 *
 * @example
 * ```ts
 * import { defineRole, type Role } from '@semper/access';
 * const auditor: Role = defineRole({
 *   name: 'hub-auditor',
 *   description: 'reads every account',
 *   privileges: [{ action: 'account.inquiry', resource: 'agency:*' }],
 * });
 * ```
 */
export interface Role {
  readonly name: string;
  readonly description: string;
  /** Sorted by action then resource, without duplicates. */
  readonly privileges: readonly Privilege[];
}

/**
 * What {@link defineRole} takes.
 *
 * @example
 * ```ts
 * import type { RoleInput } from '@semper/access';
 * const input: RoleInput = { name: 'cashier', privileges: [{ action: 'transfer.send', resource: '*' }] };
 * ```
 */
export interface RoleInput {
  readonly name: string;
  readonly description?: string;
  readonly privileges: readonly Privilege[];
}

/**
 * A subject as policies see it: its identity, kind, status (when it has one) and its roles with
 * their privileges. Made by {@link defineSubject}, or read from an `AccessRepository`.
 *
 * @example
 * ```ts
 * import { AGENCY_ROLE, defineSubject, type Subject } from '@semper/access';
 * const agency: Subject = defineSubject({ id: 'agency-0042', kind: 'agency', status: 2, roles: [AGENCY_ROLE] });
 * ```
 */
export interface Subject {
  readonly id: string;
  readonly kind: SubjectKind;
  /** A display name ('' when none was given). */
  readonly name: string;
  /** The subject's status code (see `StatusTable`); absent when the subject has none. */
  readonly status?: number;
  /** Sorted by name. */
  readonly roles: readonly Role[];
}

/**
 * What {@link defineSubject} takes.
 *
 * @example
 * ```ts
 * import type { SubjectInput } from '@semper/access';
 * const input: SubjectInput = { id: 'alice', kind: 'user', name: 'Alice', roles: [] };
 * ```
 */
export interface SubjectInput {
  readonly id: string;
  readonly kind: SubjectKind;
  readonly name?: string;
  readonly status?: number;
  readonly roles?: readonly Role[];
}

/** Ids, actions and resources: letters, digits and `_ . : / @ + -`, starting with a letter, digit or `_`. */
const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.:/@+-]{0,199}$/;
/** A pattern: a name, a name prefix followed by `*`, or `*`; `{subject}` may appear in resources. */
const PATTERN = /^(?:[A-Za-z0-9_.:/@+-]|\{subject\}){0,200}\*?$/;
const ROLE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const MAX_PRIVILEGES = 1024;
const MAX_ROLES = 256;
const MAX_TEXT = 500;

function bad(message: string): AccessError {
  return new AccessError('ERR_ACCESS_INVALID_ARGUMENT', message);
}

function show(value: unknown): string {
  return typeof value === 'string' ? `'${value.slice(0, 40)}'` : typeof value;
}

/**
 * Whether `value` is a well-formed subject id, action or resource name: 1 to 200 characters, letters,
 * digits and `_ . : / @ + -`, not starting with punctuation other than `_` (so no spaces, no `*`, no
 * control characters).
 *
 * @example
 * ```ts
 * import { isAccessName } from '@semper/access';
 * isAccessName('agency:0042/transfer:17'); // true
 * isAccessName('agency:*'); // false (a pattern, not a name)
 * ```
 */
export function isAccessName(value: unknown): value is string {
  return typeof value === 'string' && NAME.test(value);
}

/**
 * Throws `ERR_ACCESS_INVALID_ARGUMENT` unless `value` is a well-formed name (see {@link isAccessName});
 * returns it.
 *
 * @example
 * ```ts
 * import { checkAccessName } from '@semper/access';
 * const action = checkAccessName('transfer.send', 'action');
 * ```
 */
export function checkAccessName(value: unknown, what: string): string {
  if (!isAccessName(value)) {
    throw bad(`${what} must be 1 to 200 letters, digits or _ . : / @ + -, got ${show(value)}`);
  }
  return value;
}

/**
 * Throws `ERR_ACCESS_INVALID_ARGUMENT` unless `value` is a well-formed action or resource pattern
 * (see {@link Privilege}); `{subject}` is accepted only when `placeholder` is true. Returns it.
 *
 * @example
 * ```ts
 * import { checkPattern } from '@semper/access';
 * checkPattern('agency:{subject}/*', 'resource', true);
 * ```
 */
export function checkPattern(value: unknown, what: string, placeholder = false): string {
  const ok =
    typeof value === 'string' &&
    value.length > 0 &&
    value.length <= 200 &&
    PATTERN.test(value) &&
    (value === '*' || !/^[.:/@+-]/.test(value)) &&
    (placeholder || !value.includes('{subject}'));
  if (!ok) throw bad(`${what} is not a valid pattern: ${show(value)}`);
  return value;
}

/**
 * Whether the name `value` matches `pattern` (see {@link Privilege}), with `{subject}` in the pattern
 * standing for `subjectId`.
 *
 * @example
 * ```ts
 * import { matchesPattern } from '@semper/access';
 * matchesPattern('agency:*', 'agency:0042'); // true
 * matchesPattern('agency:{subject}', 'agency:0042', 'agency-0042'); // false
 * matchesPattern('agency:{subject}', 'agency:agency-0042', 'agency-0042'); // true
 * ```
 */
export function matchesPattern(pattern: string, value: string, subjectId?: string): boolean {
  let expanded = pattern;
  if (pattern.includes('{subject}')) {
    if (subjectId === undefined) return false;
    expanded = pattern.replaceAll('{subject}', subjectId);
  }
  if (expanded.endsWith('*')) return value.startsWith(expanded.slice(0, -1));
  return value === expanded;
}

/**
 * Whether `privilege` grants `action` on `resource` to the subject `subjectId`.
 *
 * @example
 * ```ts
 * import { grants } from '@semper/access';
 * grants({ action: 'transfer.*', resource: 'agency:{subject}' }, 'transfer.send', 'agency:a1', 'a1'); // true
 * ```
 */
export function grants(privilege: Privilege, action: string, resource: string, subjectId: string): boolean {
  return matchesPattern(privilege.action, action, subjectId) && matchesPattern(privilege.resource, resource, subjectId);
}

function checkText(value: unknown, what: string): string {
  if (value === undefined) return '';
  if (typeof value !== 'string' || value.length > MAX_TEXT || /[\u0000-\u001f\u007f]/.test(value)) {
    throw bad(`${what} must be a single line of at most ${MAX_TEXT} characters`);
  }
  return value;
}

/**
 * Throws `ERR_ACCESS_INVALID_ARGUMENT` unless `value` is a role name: 1 to 64 letters, digits or
 * `_ . -`, starting with a letter or digit. Returns it.
 *
 * @example
 * ```ts
 * import { checkRoleName } from '@semper/access';
 * checkRoleName('hub-operator');
 * ```
 */
export function checkRoleName(value: unknown): string {
  if (typeof value !== 'string' || !ROLE_NAME.test(value)) {
    throw bad(`a role name is 1 to 64 letters, digits or _ . -, got ${show(value)}`);
  }
  return value;
}

/**
 * Throws `ERR_ACCESS_INVALID_ARGUMENT` unless `value` is a status code: an integer from 0 to 2^31 - 1.
 * Returns it.
 *
 * @example
 * ```ts
 * import { checkStatusCode } from '@semper/access';
 * checkStatusCode(3);
 * ```
 */
export function checkStatusCode(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > 2_147_483_647) {
    throw bad(`a status is an integer from 0 to 2147483647, got ${typeof value === 'number' ? value : typeof value}`);
  }
  return value;
}

function comparePrivileges(a: Privilege, b: Privilege): number {
  if (a.action !== b.action) return a.action < b.action ? -1 : 1;
  if (a.resource !== b.resource) return a.resource < b.resource ? -1 : 1;
  return 0;
}

/**
 * Checks a role and returns it frozen, with its privileges sorted (by action, then resource) and
 * deduplicated, so two definitions of the same privileges are equal whatever their order. Throws
 * `ERR_ACCESS_INVALID_ARGUMENT` for a bad name or pattern.
 *
 * @example
 * ```ts
 * import { defineRole } from '@semper/access';
 * const cashier = defineRole({
 *   name: 'cashier',
 *   privileges: [
 *     { action: 'transfer.send', resource: 'agency:*' },
 *     { action: 'account.inquiry', resource: 'agency:*' },
 *   ],
 * });
 * cashier.privileges[0]?.action; // 'account.inquiry'
 * ```
 */
export function defineRole(input: RoleInput): Role {
  if (typeof input !== 'object' || input === null) throw bad('a role is an object');
  const name = checkRoleName(input.name);
  const description = checkText(input.description, `role '${name}': description`);
  if (!Array.isArray(input.privileges) || input.privileges.length > MAX_PRIVILEGES) {
    throw bad(`role '${name}': privileges must be a list of at most ${MAX_PRIVILEGES}`);
  }
  const privileges: Privilege[] = [];
  for (const p of input.privileges as readonly Privilege[]) {
    if (typeof p !== 'object' || p === null) throw bad(`role '${name}': a privilege is { action, resource }`);
    privileges.push(
      Object.freeze({
        action: checkPattern(p.action, `role '${name}': action`),
        resource: checkPattern(p.resource, `role '${name}': resource`, true),
      }),
    );
  }
  privileges.sort(comparePrivileges);
  const unique = privileges.filter((p, i) => i === 0 || comparePrivileges(p, privileges[i - 1]!) !== 0);
  return Object.freeze({ name, description, privileges: Object.freeze(unique) });
}

/**
 * Checks a subject and returns it frozen, its roles checked (through {@link defineRole}) and sorted by
 * name. Throws `ERR_ACCESS_INVALID_ARGUMENT` for a bad id, kind, status or role, or for two roles
 * with one name.
 *
 * @example
 * ```ts
 * import { defineRole, defineSubject } from '@semper/access';
 * const operator = defineSubject({
 *   id: 'op-anna',
 *   kind: 'user',
 *   name: 'Anna (hub operations)',
 *   roles: [defineRole({ name: 'hub-operator', privileges: [{ action: 'access.status.change', resource: 'subject:*' }] })],
 * });
 * ```
 */
export function defineSubject(input: SubjectInput): Subject {
  if (typeof input !== 'object' || input === null) throw bad('a subject is an object');
  const id = checkAccessName(input.id, 'a subject id');
  if (!SUBJECT_KINDS.includes(input.kind)) throw bad(`subject '${id}': kind is one of ${SUBJECT_KINDS.join(', ')}`);
  const name = checkText(input.name, `subject '${id}': name`);
  const roles = input.roles ?? [];
  if (!Array.isArray(roles) || roles.length > MAX_ROLES) {
    throw bad(`subject '${id}': roles must be a list of at most ${MAX_ROLES}`);
  }
  const checked = (roles as readonly Role[]).map((r) => defineRole(r)).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (let i = 1; i < checked.length; i++) {
    if (checked[i]!.name === checked[i - 1]!.name) throw bad(`subject '${id}': role '${checked[i]!.name}' twice`);
  }
  const subject: { -readonly [K in keyof Subject]: Subject[K] } = {
    id,
    kind: input.kind,
    name,
    roles: Object.freeze(checked),
  };
  if (input.status !== undefined) subject.status = checkStatusCode(input.status);
  return Object.freeze(subject);
}
