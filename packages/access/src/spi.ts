/**
 * `@semper/access/spi`: for writers of access repositories (another database, a directory service)
 * and of policy rules: the repository contract and its records, the rule contract, and the name and
 * pattern helpers the built-in implementations use. A repository passes
 * `describeAccessRepositorySuite` of `@semper/access/testing`.
 *
 * @packageDocumentation
 */
export { AccessError, type AccessErrorCode, RoleNotFoundError, SubjectNotFoundError } from './errors.js';
export {
  checkAccessName,
  checkPattern,
  checkRoleName,
  checkStatusCode,
  defineRole,
  defineSubject,
  grants,
  isAccessName,
  matchesPattern,
  type Privilege,
  type Role,
  type Subject,
  type SubjectKind,
} from './model.js';
export { type AccessRequest, type AccessRule, defineRule, type RuleOutcome } from './policy.js';
export type {
  AccessRepository,
  DenialQuery,
  DenialRecord,
  NewSubject,
  StatusChange,
  StatusChangeResult,
  SubjectQuery,
  SubjectRecord,
} from './repository.js';
