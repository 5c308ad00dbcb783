import { isCurrencyCode, Money, type Preferences } from '@semper/core';
import {
  AbstractTrustedIo,
  type ChooseDecision,
  type ConfirmDecision,
  type SecretDecision,
  type TrustedIoOptions,
} from './abstract-trusted-io.js';
import { TrustedIoError } from './errors.js';
import type { ChoiceRequest, ConfirmationItem, SecretPrompt } from './item.js';
import type { RefusalCode } from './trusted-io.js';

/**
 * One rule of a {@link PolicyTrustedIo}. A rule applies to an item when its `kinds` (if given) list
 * the item's kind and its `when` (if given) returns true. It then decides if every condition it has
 * holds, in this order:
 * - `payees`: the item has a payee and it is listed (else `unknown-payee`);
 * - `currencies`: the item has an amount in one of these currencies (else `no-amount` /
 *   `currency-mismatch`);
 * - `limit`: the item has an amount (`no-amount`) in the limit's currency (`currency-mismatch`) and at
 *   most the limit (`over-limit`). `'preferences'` means the user's spending limit in the amount's
 *   currency, which must exist (`no-limit`: a policy never approves without a limit it was given);
 * - `trustedRootsOnly`: the item's `payeeRoot` is one of the user's trusted roots (`untrusted-root`).
 *
 * `name` is reported in decisions; `description` becomes the reason of a refusal.
 *
 * @example
 * ```ts
 * import { Money } from '@semper/core';
 * import type { ConfirmationRule } from '@semper/trusted-io';
 * const smallPayments: ConfirmationRule = {
 *   name: 'small-payments',
 *   effect: 'approve',
 *   kinds: ['payment'],
 *   payees: ['acme-books', 'corner-shop'],
 *   limit: Money.parse('50.00', 'EUR'),
 * };
 * ```
 */
export interface ConfirmationRule {
  readonly name: string;
  readonly effect: 'approve' | 'refuse';
  readonly kinds?: readonly string[];
  readonly payees?: readonly string[];
  readonly currencies?: readonly string[];
  readonly limit?: Money | 'preferences';
  readonly trustedRootsOnly?: boolean;
  readonly when?: (item: ConfirmationItem) => boolean;
  readonly description?: string;
}

/**
 * Options of {@link PolicyTrustedIo}.
 *
 * - `rules`: the confirmation rules, in order.
 * - `choice`: what to do when the preferences do not decide a choice: `'refuse'` (default: the
 *   result is `undecided`), `'first'` (the first option), or a function returning an option id (or
 *   `undefined` to refuse).
 * - `secrets`: where secrets come from (an environment variable, a vault); `undefined` is
 *   `unavailable`. Without it, every secret is unavailable.
 *
 * @example
 * ```ts
 * import { Money } from '@semper/core';
 * import type { PolicyTrustedIoOptions } from '@semper/trusted-io';
 * const options: PolicyTrustedIoOptions = {
 *   rules: [{ name: 'small', effect: 'approve', kinds: ['payment'], limit: Money.parse('50', 'EUR') }],
 *   choice: 'refuse',
 *   secrets: (prompt) => (prompt.id === 'keystore-passphrase' ? process.env.KEYSTORE_PASSPHRASE : undefined),
 * };
 * ```
 */
export interface PolicyTrustedIoOptions extends TrustedIoOptions {
  readonly rules: readonly ConfirmationRule[];
  readonly choice?: 'refuse' | 'first' | ((request: ChoiceRequest) => string | undefined);
  readonly secrets?: (prompt: SecretPrompt) => string | undefined | Promise<string | undefined>;
}

/**
 * The rule name of a refusal when no rule approved an item.
 *
 * @example
 * ```ts
 * import { DEFAULT_REFUSE_RULE } from '@semper/trusted-io';
 * console.log(DEFAULT_REFUSE_RULE); // 'default-refuse'
 * ```
 */
export const DEFAULT_REFUSE_RULE = 'default-refuse';

const RULE_NAME = /^[a-z][a-z0-9-]{0,63}$/;

function bad(message: string): TrustedIoError {
  return new TrustedIoError('ERR_TRUSTEDIO_INVALID_ARGUMENT', message);
}

function strings(value: unknown, what: string): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v.length > 0)) {
    throw bad(`${what} must be a list of non-empty strings`);
  }
  return Object.freeze([...value]);
}

function checkRule(rule: ConfirmationRule, index: number): ConfirmationRule {
  if (typeof rule !== 'object' || rule === null) throw bad(`rule ${index} is not an object`);
  if (typeof rule.name !== 'string' || !RULE_NAME.test(rule.name) || rule.name === DEFAULT_REFUSE_RULE) {
    throw bad(`rule ${index}: a name is 1 to 64 lowercase letters, digits or - (and not '${DEFAULT_REFUSE_RULE}')`);
  }
  const n = rule.name;
  if (rule.effect !== 'approve' && rule.effect !== 'refuse') throw bad(`rule '${n}': effect is approve or refuse`);
  const currencies = strings(rule.currencies, `rule '${n}': currencies`);
  for (const c of currencies ?? []) if (!isCurrencyCode(c)) throw bad(`rule '${n}': unknown currency '${c}'`);
  if (rule.limit !== undefined && rule.limit !== 'preferences') {
    if (!Money.isMoney(rule.limit)) throw bad(`rule '${n}': limit is a Money or 'preferences'`);
    if (rule.limit.isNegative()) throw bad(`rule '${n}': limit is negative`);
  }
  if (rule.when !== undefined && typeof rule.when !== 'function') throw bad(`rule '${n}': when is a function`);
  if (rule.trustedRootsOnly !== undefined && typeof rule.trustedRootsOnly !== 'boolean') {
    throw bad(`rule '${n}': trustedRootsOnly is a boolean`);
  }
  if (rule.description !== undefined && (typeof rule.description !== 'string' || rule.description === '')) {
    throw bad(`rule '${n}': description is a non-empty string`);
  }
  return Object.freeze({
    ...rule,
    kinds: strings(rule.kinds, `rule '${n}': kinds`),
    payees: strings(rule.payees, `rule '${n}': payees`),
    currencies,
  });
}

type Unmet = { readonly code: RefusalCode; readonly reason: string };

/** The first condition of `rule` that `item` does not meet, or `undefined` when it meets them all. */
function unmet(rule: ConfirmationRule, item: ConfirmationItem, prefs: Preferences | undefined): Unmet | undefined {
  const what = `rule '${rule.name}'`;
  if (rule.payees !== undefined) {
    if (item.payee === undefined)
      return { code: 'unknown-payee', reason: `${what} needs a payee; the item names none` };
    if (!rule.payees.includes(item.payee)) {
      return { code: 'unknown-payee', reason: `${what}: '${item.payee}' is not one of its payees` };
    }
  }
  if (rule.currencies !== undefined) {
    if (item.amount === undefined) return { code: 'no-amount', reason: `${what} needs an amount; the item has none` };
    if (!rule.currencies.includes(item.amount.currency)) {
      return {
        code: 'currency-mismatch',
        reason: `${what} covers ${rule.currencies.join(', ')}, not ${item.amount.currency}`,
      };
    }
  }
  if (rule.limit !== undefined) {
    if (item.amount === undefined) return { code: 'no-amount', reason: `${what} needs an amount; the item has none` };
    const limit = rule.limit === 'preferences' ? prefs?.spendingLimit(item.amount.currency) : rule.limit;
    if (limit === undefined) {
      return { code: 'no-limit', reason: `${what}: no spending limit in ${item.amount.currency} in the preferences` };
    }
    if (limit.currency !== item.amount.currency) {
      return {
        code: 'currency-mismatch',
        reason: `${what}: its limit is in ${limit.currency}, the amount in ${item.amount.currency}`,
      };
    }
    if (item.amount.greaterThan(limit)) {
      return { code: 'over-limit', reason: `${what}: ${item.amount} is above its limit of ${limit}` };
    }
  }
  if (rule.trustedRootsOnly === true) {
    if (item.payeeRoot === undefined || prefs?.isTrustedRoot(item.payeeRoot) !== true) {
      return { code: 'untrusted-root', reason: `${what}: the payee's root is not one of the trusted roots` };
    }
  }
  return undefined;
}

/**
 * Decides `item` by `rules` (see {@link PolicyTrustedIo}), without recording anything: the pure core
 * of the policy, for dry runs and tests.
 *
 * @example
 * ```ts
 * import { Money } from '@semper/core';
 * import { evaluateConfirmationRules, sha256Hex } from '@semper/trusted-io';
 * const decision = evaluateConfirmationRules(
 *   [{ name: 'small', effect: 'approve', kinds: ['payment'], limit: Money.parse('50', 'EUR') }],
 *   { kind: 'payment', title: 'Pay', amount: Money.parse('60', 'EUR'), digest: sha256Hex(new Uint8Array()) },
 * );
 * // { approved: false, code: 'over-limit', rule: 'default-refuse', reason: "rule 'small': 60.00 EUR is above its limit of 50.00 EUR" }
 * ```
 */
export function evaluateConfirmationRules(
  rules: readonly ConfirmationRule[],
  item: ConfirmationItem,
  preferences?: Preferences,
): ConfirmDecision {
  let nearMiss: Unmet | undefined;
  for (const rule of rules) {
    if (rule.kinds !== undefined && !rule.kinds.includes(item.kind)) continue;
    if (rule.when !== undefined && rule.when(item) !== true) continue;
    const failed = unmet(rule, item, preferences);
    if (failed !== undefined) {
      if (rule.effect === 'approve') nearMiss ??= failed;
      continue;
    }
    if (rule.effect === 'approve') return { approved: true, by: 'policy', rule: rule.name };
    return {
      approved: false,
      code: 'refused-by-rule',
      reason: rule.description ?? `refused by rule '${rule.name}'`,
      rule: rule.name,
    };
  }
  return {
    approved: false,
    code: nearMiss?.code ?? 'no-rule',
    reason: nearMiss?.reason ?? `no rule approves an item of kind '${item.kind}'`,
    rule: DEFAULT_REFUSE_RULE,
  };
}

/**
 * TINGUIN without a person: for servers (a merchant's or the hub's automatic signer) and tests.
 * Confirmations are decided by ordered rules, first match decides ("approve payments of at most
 * 50.00 EUR to these merchants, refuse the rest"); an item no rule approves is refused by
 * `default-refuse`, with the first unmet condition of an approving rule that applied as the code and
 * reason (`over-limit`, `currency-mismatch`, `unknown-payee`...). Choices follow the user's
 * preferred modules, then `choice`; secrets come from `secrets`. Every decision is recorded (the
 * `decisions` log, `events$`, the party's bus and `onDecision`), like in every implementation.
 *
 * @example
 * ```ts
 * import { Money } from '@semper/core';
 * import { confirmThenSign, PolicyTrustedIo } from '@semper/trusted-io';
 * const io = new PolicyTrustedIo({
 *   rules: [
 *     { name: 'small-payments', effect: 'approve', kinds: ['payment'], payees: ['acme-books'], limit: Money.parse('50', 'EUR') },
 *   ],
 * });
 * const bytes = new TextEncoder().encode('pay 42.50 EUR to acme-books');
 * const item = { kind: 'payment', title: 'Pay Acme Books', amount: Money.parse('42.50', 'EUR'), payee: 'acme-books' };
 * const outcome = await confirmThenSign(io, item, bytes, async (b) => b.byteLength);
 * outcome.signed; // true
 * ```
 */
export class PolicyTrustedIo extends AbstractTrustedIo {
  /** The rules, checked and frozen, in order. */
  readonly rules: readonly ConfirmationRule[];
  readonly #choice: NonNullable<PolicyTrustedIoOptions['choice']>;
  readonly #secrets: PolicyTrustedIoOptions['secrets'];

  constructor(options: PolicyTrustedIoOptions) {
    super(options);
    if (!Array.isArray(options.rules)) throw bad('a policy needs a list of rules');
    const rules = (options.rules as readonly ConfirmationRule[]).map(checkRule);
    const names = new Set(rules.map((r) => r.name));
    if (names.size !== rules.length) throw bad('two rules have one name');
    this.rules = Object.freeze(rules);
    const choice = options.choice ?? 'refuse';
    if (choice !== 'refuse' && choice !== 'first' && typeof choice !== 'function') {
      throw bad("choice is 'refuse', 'first' or a function");
    }
    this.#choice = choice;
    if (options.secrets !== undefined && typeof options.secrets !== 'function') throw bad('secrets is a function');
    this.#secrets = options.secrets;
  }

  protected override async onConfirm(item: ConfirmationItem): Promise<ConfirmDecision> {
    return evaluateConfirmationRules(this.rules, item, this.preferences);
  }

  protected override async onChoose(request: ChoiceRequest): Promise<ChooseDecision> {
    if (this.#choice === 'first') return { chosen: true, id: request.options[0]!.id, by: 'policy' };
    if (typeof this.#choice === 'function') {
      const id = this.#choice(request);
      if (id !== undefined) return { chosen: true, id, by: 'policy' };
    }
    return {
      chosen: false,
      code: 'undecided',
      reason: `neither the preferences nor the policy decide the ${request.purpose}`,
    };
  }

  protected override async onAskSecret(prompt: SecretPrompt): Promise<SecretDecision> {
    const secret = await this.#secrets?.(prompt);
    if (typeof secret === 'string') return { provided: true, secret };
    return { provided: false, code: 'unavailable', reason: `no secret '${prompt.id}' is configured` };
  }
}
