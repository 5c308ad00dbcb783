import { SemperError } from '@semper/core';

/**
 * Codes thrown by `@semper/access`. A denial is never an error: `authorize` returns it. These are faults.
 *
 * @example
 * ```ts
 * import { AccessError, type AccessErrorCode } from '@semper/access';
 * function isMissing(err: unknown): boolean {
 *   const codes: AccessErrorCode[] = ['ERR_ACCESS_SUBJECT_NOT_FOUND', 'ERR_ACCESS_ROLE_NOT_FOUND'];
 *   return err instanceof AccessError && codes.includes(err.code);
 * }
 * ```
 */
export type AccessErrorCode =
  /** A caller's argument is invalid: a malformed id, action, resource, pattern, role or rule (a programming or configuration error). */
  | 'ERR_ACCESS_INVALID_ARGUMENT'
  /** The subject named does not exist in the repository (for an administrative operation; `authorize` denies instead). */
  | 'ERR_ACCESS_SUBJECT_NOT_FOUND'
  /** The role named does not exist in the repository. */
  | 'ERR_ACCESS_ROLE_NOT_FOUND'
  /** A status code that the configured status table does not define. */
  | 'ERR_ACCESS_INVALID_STATUS'
  /** A subject id is already taken by a subject of another kind, or a role still granted was to be deleted. */
  | 'ERR_ACCESS_CONFLICT'
  /** A rule of a policy threw instead of deciding: the request is neither allowed nor denied. */
  | 'ERR_ACCESS_RULE_FAILED'
  /** A row read from the store is not what this package writes (a corrupt or foreign database). */
  | 'ERR_ACCESS_CORRUPT_RECORD';

/**
 * The root of the faults `@semper/access` throws (subclass of `SemperError`, with a typed `code`).
 *
 * @example
 * ```ts
 * import { AccessError } from '@semper/access';
 * throw new AccessError('ERR_ACCESS_INVALID_ARGUMENT', 'an action is a non-empty name');
 * ```
 */
export class AccessError extends SemperError<AccessErrorCode> {}

/**
 * An administrative operation named a subject that does not exist.
 *
 * @example
 * ```ts
 * import { SubjectNotFoundError } from '@semper/access';
 * const err = new SubjectNotFoundError('agency-0042');
 * console.log(err.code, err.subjectId); // ERR_ACCESS_SUBJECT_NOT_FOUND agency-0042
 * ```
 */
export class SubjectNotFoundError extends AccessError {
  /** The id that was not found. */
  readonly subjectId: string;

  constructor(subjectId: string, options?: { cause?: unknown }) {
    super('ERR_ACCESS_SUBJECT_NOT_FOUND', `no subject '${subjectId}'`, options);
    this.subjectId = subjectId;
  }
}

/**
 * An operation named a role that does not exist.
 *
 * @example
 * ```ts
 * import { RoleNotFoundError } from '@semper/access';
 * const err = new RoleNotFoundError('hub-operator');
 * console.log(err.code, err.role); // ERR_ACCESS_ROLE_NOT_FOUND hub-operator
 * ```
 */
export class RoleNotFoundError extends AccessError {
  /** The role name that was not found. */
  readonly role: string;

  constructor(role: string, options?: { cause?: unknown }) {
    super('ERR_ACCESS_ROLE_NOT_FOUND', `no role '${role}'`, options);
    this.role = role;
  }
}

/**
 * A status code that the configured status table does not define.
 *
 * @example
 * ```ts
 * import { InvalidStatusError } from '@semper/access';
 * const err = new InvalidStatusError(7);
 * console.log(err.code, err.status); // ERR_ACCESS_INVALID_STATUS 7
 * ```
 */
export class InvalidStatusError extends AccessError {
  /** The status code that was refused. */
  readonly status: number;

  constructor(status: number, options?: { cause?: unknown }) {
    super('ERR_ACCESS_INVALID_STATUS', `status ${String(status)} is not defined`, options);
    this.status = status;
  }
}
