import { AccessError } from './errors.js';
import { checkAccessName, grants, type Subject, SUBJECT_KINDS, type SubjectKind } from './model.js';
import type { StatusTable } from './status.js';

/**
 * What a policy decides on: who asks to do what to which resource.
 *
 * @example
 * ```ts
 * import { AGENCY_ROLE, type AccessRequest, defineSubject } from '@semper/access';
 * const request: AccessRequest = {
 *   subject: defineSubject({ id: 'a42', kind: 'agency', status: 3, roles: [AGENCY_ROLE] }),
 *   action: 'sdc.export',
 *   resource: 'agency:a42',
 * };
 * ```
 */
export interface AccessRequest {
  readonly subject: Subject;
  readonly action: string;
  readonly resource: string;
}

/**
 * The outcome of an authorization: allowed, naming the rule that allowed; or denied, naming the rule
 * that denied and saying why in words. A denial is an expected outcome, returned, never thrown.
 *
 * @example
 * ```ts
 * import type { AccessDecision } from '@semper/access';
 * function explain(d: AccessDecision): string {
 *   return d.allowed ? `allowed by ${d.rule}` : `denied by ${d.rule}: ${d.reason}`;
 * }
 * ```
 */
export type AccessDecision =
  | { readonly allowed: true; readonly rule: string }
  | { readonly allowed: false; readonly reason: string; readonly rule: string };

/**
 * What one rule says about a request: allow, deny (with a reason), or abstain (the rule has nothing
 * to say about it).
 *
 * @example
 * ```ts
 * import type { RuleOutcome } from '@semper/access';
 * const outcome: RuleOutcome = { effect: 'deny', reason: 'outside office hours' };
 * ```
 */
export type RuleOutcome =
  | { readonly effect: 'allow' }
  | { readonly effect: 'deny'; readonly reason: string }
  | { readonly effect: 'abstain' };

/**
 * A rule of an {@link AccessPolicy}. `evaluate` must be a pure function of the request (no clock, no
 * randomness, no I/O), so that a decision can be replayed; a rule that throws makes `evaluate` of the
 * policy throw `ERR_ACCESS_RULE_FAILED` (a fault: neither allowed nor denied).
 *
 * @example
 * ```ts
 * import type { AccessRule } from '@semper/access';
 * const noDeletes: AccessRule = {
 *   name: 'no-deletes',
 *   evaluate: ({ action }) => (action.endsWith('.delete') ? { effect: 'deny', reason: 'nothing is ever deleted' } : { effect: 'abstain' }),
 * };
 * ```
 */
export interface AccessRule {
  readonly name: string;
  evaluate(request: AccessRequest): RuleOutcome;
}

/**
 * The rule name a policy reports when no rule allowed a request.
 *
 * @example
 * ```ts
 * import { DEFAULT_DENY_RULE } from '@semper/access';
 * console.log(DEFAULT_DENY_RULE); // 'default-deny'
 * ```
 */
export const DEFAULT_DENY_RULE = 'default-deny';

const RULE_NAME = /^[a-z][a-z0-9-]{0,63}$/;

function bad(message: string): AccessError {
  return new AccessError('ERR_ACCESS_INVALID_ARGUMENT', message);
}

function checkRuleName(name: unknown): string {
  if (typeof name !== 'string' || !RULE_NAME.test(name) || name === DEFAULT_DENY_RULE) {
    throw bad(`a rule name is 1 to 64 lowercase letters, digits or - (and not '${DEFAULT_DENY_RULE}')`);
  }
  return name;
}

/**
 * Makes a rule from a name and a pure function (see {@link AccessRule}); checks the name.
 *
 * @example
 * ```ts
 * import { defineRule } from '@semper/access';
 * const partiesOnly = defineRule('parties-only', ({ subject }) =>
 *   subject.kind === 'party' ? { effect: 'abstain' } : { effect: 'deny', reason: `${subject.kind}s may not trade` },
 * );
 * ```
 */
export function defineRule(name: string, evaluate: (request: AccessRequest) => RuleOutcome): AccessRule {
  const checked = checkRuleName(name);
  if (typeof evaluate !== 'function') throw bad(`rule '${checked}': evaluate must be a function`);
  return Object.freeze({ name: checked, evaluate });
}

/**
 * The role-based rule: allows a request when one of the subject's roles has a privilege that matches
 * the action and the resource (`{subject}` in a privilege's resource standing for the subject's id);
 * abstains otherwise (so that the policy denies by default).
 *
 * @example
 * ```ts
 * import { AccessPolicy, roleRule } from '@semper/access';
 * const rbac = new AccessPolicy([roleRule()]);
 * ```
 */
export function roleRule(name = 'role-privileges'): AccessRule {
  return defineRule(name, ({ subject, action, resource }) =>
    subject.roles.some((role) => role.privileges.some((p) => grants(p, action, resource, subject.id)))
      ? { effect: 'allow' }
      : { effect: 'abstain' },
  );
}

/**
 * Options of {@link statusRule}.
 *
 * @example
 * ```ts
 * import { AGENCY_STATUSES, type StatusRuleOptions } from '@semper/access';
 * const options: StatusRuleOptions = { name: 'agency-status', table: AGENCY_STATUSES, requiredFor: ['agency'] };
 * ```
 */
export interface StatusRuleOptions {
  /** The rule's name in decisions (default `'status'`). */
  readonly name?: string;
  /** The statuses and what each allows. */
  readonly table: StatusTable;
  /** The kinds of subject that must have a status: one of these without a status is denied everything. */
  readonly requiredFor?: readonly SubjectKind[];
}

/**
 * The status rule: a subject that has a status may do at most what its status allows (an undefined
 * status allows nothing); a subject of a kind in `requiredFor` without a status is denied everything;
 * any other subject without a status is not concerned. The rule never allows by itself (it abstains
 * when the status permits the action): the subject's roles must also grant it.
 *
 * @example
 * ```ts
 * import { AccessPolicy, roleRule, StatusTable, statusRule } from '@semper/access';
 * const table = new StatusTable([
 *   { code: 0, name: 'blocked', description: 'nothing', allows: [] },
 *   { code: 1, name: 'active', description: 'everything', allows: ['*'] },
 * ]);
 * const policy = new AccessPolicy([statusRule({ table, requiredFor: ['party'] }), roleRule()]);
 * ```
 */
export function statusRule(options: StatusRuleOptions): AccessRule {
  if (typeof options !== 'object' || options === null || typeof options.table?.allows !== 'function') {
    throw bad('statusRule needs { table }');
  }
  const { table } = options;
  const required = new Set<SubjectKind>(options.requiredFor ?? []);
  for (const kind of required) if (!SUBJECT_KINDS.includes(kind)) throw bad(`requiredFor: unknown kind '${kind}'`);
  return defineRule(options.name ?? 'status', ({ subject, action }) => {
    if (subject.status === undefined) {
      return required.has(subject.kind)
        ? { effect: 'deny', reason: `${subject.kind} '${subject.id}' has no status` }
        : { effect: 'abstain' };
    }
    const definition = table.get(subject.status);
    if (definition === undefined) {
      return { effect: 'deny', reason: `status ${subject.status} of '${subject.id}' is not defined` };
    }
    if (table.allows(subject.status, action)) return { effect: 'abstain' };
    return {
      effect: 'deny',
      reason:
        definition.allows.length === 0
          ? `status ${definition.code} (${definition.name}) allows nothing`
          : `status ${definition.code} (${definition.name}) does not include '${action}'`,
    };
  });
}

/**
 * An access policy: ordered rules combined by **deny overrides** — a request is denied by the first
 * rule (in order) that denies it; otherwise allowed by the first rule that allows it; otherwise denied
 * by `default-deny`. Every rule is evaluated in order until one denies, so the decision does not depend
 * on the order of allow rules.
 *
 * `evaluate` is synchronous and pure: the same request always gets the same decision. It records
 * nothing; `AccessControl.authorize` evaluates a policy and records the denials.
 *
 * @example
 * ```ts
 * import { AccessPolicy, defineRole, defineRule, defineSubject, roleRule } from '@semper/access';
 * const policy = new AccessPolicy([
 *   defineRule('no-weekend-exports', () => ({ effect: 'abstain' })),
 *   roleRule(),
 * ]);
 * const reader = defineRole({ name: 'reader', privileges: [{ action: 'account.inquiry', resource: '*' }] });
 * const alice = defineSubject({ id: 'alice', kind: 'user', roles: [reader] });
 * policy.evaluate({ subject: alice, action: 'account.inquiry', resource: 'agency:a1' }); // { allowed: true, rule: 'role-privileges' }
 * policy.evaluate({ subject: alice, action: 'transfer.send', resource: 'agency:a1' }).allowed; // false
 * ```
 */
export class AccessPolicy {
  /** The rules, in order. */
  readonly rules: readonly AccessRule[];

  constructor(rules: readonly AccessRule[]) {
    if (!Array.isArray(rules)) throw bad('a policy takes a list of rules');
    const names = new Set<string>();
    for (const rule of rules as readonly AccessRule[]) {
      if (typeof rule !== 'object' || rule === null || typeof rule.evaluate !== 'function') {
        throw bad('a rule is { name, evaluate }');
      }
      checkRuleName(rule.name);
      if (names.has(rule.name)) throw bad(`rule '${rule.name}' appears twice`);
      names.add(rule.name);
    }
    this.rules = Object.freeze([...rules]);
    Object.freeze(this);
  }

  /**
   * Decides `request` (see the class). Throws `ERR_ACCESS_INVALID_ARGUMENT` for a malformed action or
   * resource, `ERR_ACCESS_RULE_FAILED` when a rule throws or answers nonsense.
   *
   * @example
   * ```ts
   * import { createAgencyPolicy, defineSubject, AGENCY_ROLE } from '@semper/access';
   * const agency = defineSubject({ id: 'a1', kind: 'agency', status: 1, roles: [AGENCY_ROLE] });
   * createAgencyPolicy().evaluate({ subject: agency, action: 'transfer.send', resource: 'agency:a1' });
   * // { allowed: false, rule: 'agency-status', reason: "status 1 (limited) does not include 'transfer.send'" }
   * ```
   */
  evaluate(request: AccessRequest): AccessDecision {
    if (typeof request !== 'object' || request === null || typeof request.subject !== 'object') {
      throw bad('a request is { subject, action, resource }');
    }
    const action = checkAccessName(request.action, 'action');
    const resource = checkAccessName(request.resource, 'resource');
    let allowedBy: string | undefined;
    for (const rule of this.rules) {
      let outcome: RuleOutcome;
      try {
        outcome = rule.evaluate(request);
      } catch (err) {
        throw new AccessError('ERR_ACCESS_RULE_FAILED', `rule '${rule.name}' failed`, { cause: err });
      }
      const effect = (outcome as { effect?: unknown } | null)?.effect;
      if (effect === 'deny') {
        const reason = (outcome as { reason?: unknown }).reason;
        if (typeof reason !== 'string' || reason === '') {
          throw new AccessError('ERR_ACCESS_RULE_FAILED', `rule '${rule.name}' denied without a reason`);
        }
        return Object.freeze({ allowed: false, reason, rule: rule.name });
      }
      if (effect === 'allow') allowedBy ??= rule.name;
      else if (effect !== 'abstain') {
        throw new AccessError('ERR_ACCESS_RULE_FAILED', `rule '${rule.name}' answered neither allow, deny nor abstain`);
      }
    }
    if (allowedBy !== undefined) return Object.freeze({ allowed: true, rule: allowedBy });
    return Object.freeze({
      allowed: false,
      reason: `no rule allows ${request.subject.kind} '${request.subject.id}' to '${action}' on '${resource}'`,
      rule: DEFAULT_DENY_RULE,
    });
  }
}
