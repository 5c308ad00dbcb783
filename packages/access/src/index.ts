/**
 * `@semper/access`: subjects (users, parties, agencies), roles, privileges (actions on resources),
 * statuses and policies that decide `authorize(subject, action, resource)` with the rule that decided
 * and, for a denial, the reason; every denial recorded (in the repository, on `@semper/store`, and on
 * `events$`). Ships the money-transfer hub's agency status policy. Nothing here registers anything at
 * import time.
 *
 * @packageDocumentation
 */
export {
  AccessControl,
  type AccessControlOptions,
  type AccessEvent,
  type StatusChangeOutcome,
  UNKNOWN_SUBJECT_RULE,
} from './access-control.js';
export {
  AGENCY_ROLE,
  AGENCY_STATUSES,
  agencyResource,
  createAgencyPolicy,
  HUB_AUDITOR_ROLE,
  HUB_OPERATOR_ROLE,
  HUB_SERVICES,
  type HubService,
  STATUS_CHANGE_ACTION,
  statusResource,
} from './agency.policy.js';
export {
  type AccessContainer,
  type AccessRegistrationOptions,
  type AccessResolver,
  register,
} from './container.js';
export * from './errors.js';
export { MemoryAccessRepository } from './memory.repository.js';
export { ACCESS_MIGRATIONS } from './migrations.js';
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
  type RoleInput,
  SUBJECT_KINDS,
  type Subject,
  type SubjectInput,
  type SubjectKind,
} from './model.js';
export {
  type AccessDecision,
  AccessPolicy,
  type AccessRequest,
  type AccessRule,
  DEFAULT_DENY_RULE,
  defineRule,
  type RuleOutcome,
  roleRule,
  type StatusRuleOptions,
  statusRule,
} from './policy.js';
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
export { type StatusDefinition, StatusTable } from './status.js';
export { StoreAccessRepository, type StoreAccessRepositoryOptions } from './store.repository.js';
export { ACCESS_CONTROL, ACCESS_POLICY, ACCESS_REPOSITORY } from './tokens.js';
