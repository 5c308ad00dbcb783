import { isCurrencyCode } from './currency.js';
import { CoreError, SemperError } from './errors.js';
import { Money, type MoneyJSON } from './money.js';

/**
 * Preferences as plain data: what {@link Preferences.from} takes and {@link Preferences.toJSON} gives
 * (with spending limits in their JSON form there).
 *
 * - `language`: a BCP 47 language tag for what the user is shown (default `'en'`).
 * - `preferredModules`: for each block (`payments`, `certificates`...), module ids, most preferred first.
 * - `spendingLimits`: per ISO 4217 currency, the most the user agrees to pay without being asked again.
 * - `trustedRoots`: identifiers of the root certificates the user trusts (e.g. SHA-256 fingerprints).
 *
 * @example
 * ```ts
 * import { Money, type PreferencesData } from '@semper/core';
 * const data: PreferencesData = {
 *   language: 'de-CH',
 *   preferredModules: { payments: ['payment-ecash', 'payment-card'] },
 *   spendingLimits: { CHF: Money.parse('200', 'CHF') },
 *   trustedRoots: ['sha256:4f3c...'],
 * };
 * ```
 */
export interface PreferencesData {
  readonly language: string;
  readonly preferredModules: Readonly<Record<string, readonly string[]>>;
  readonly spendingLimits: Readonly<Record<string, Money>>;
  readonly trustedRoots: readonly string[];
}

/**
 * Changes for {@link Preferences.merge}: every field optional. `preferredModules` and `spendingLimits`
 * merge per key (a block's list or a currency's limit is replaced; `null` removes it); `language` and
 * `trustedRoots` are replaced as a whole.
 *
 * @example
 * ```ts
 * import { Money, type PreferencesPatch } from '@semper/core';
 * const patch: PreferencesPatch = { spendingLimits: { EUR: Money.parse('50', 'EUR'), USD: null } };
 * ```
 */
export interface PreferencesPatch {
  readonly language?: string;
  readonly preferredModules?: Readonly<Record<string, readonly string[] | null>>;
  readonly spendingLimits?: Readonly<Record<string, Money | null>>;
  readonly trustedRoots?: readonly string[];
}

/**
 * The JSON form of {@link Preferences}, for persistence: spending limits as {@link MoneyJSON}.
 *
 * @example
 * ```ts
 * import { Preferences, type PreferencesJSON } from '@semper/core';
 * const json: PreferencesJSON = Preferences.defaults().toJSON();
 * ```
 */
export interface PreferencesJSON {
  readonly language: string;
  readonly preferredModules: Readonly<Record<string, readonly string[]>>;
  readonly spendingLimits: Readonly<Record<string, MoneyJSON>>;
  readonly trustedRoots: readonly string[];
}

/** A BCP 47 tag, loosely: alphanumeric subtags of 1 to 8 characters separated by `-`. */
const LANGUAGE = /^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$/;
const MAX_ITEMS = 256;
const BLOCK = /^[a-z][a-z0-9-]{0,31}$/;

function invalid(message: string, cause?: unknown): CoreError {
  return new CoreError('ERR_CORE_INVALID_PREFERENCES', message, cause === undefined ? undefined : { cause });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringList(value: unknown, what: string): readonly string[] {
  if (!Array.isArray(value) || value.length > MAX_ITEMS || !value.every((v) => typeof v === 'string' && v.length > 0)) {
    throw invalid(`${what} must be a list of non-empty strings`);
  }
  if (new Set(value).size !== value.length) throw invalid(`${what} has duplicates`);
  return Object.freeze([...value]);
}

function checkLanguage(value: unknown): string {
  if (typeof value !== 'string' || value.length > 64 || !LANGUAGE.test(value)) {
    throw invalid('language must be a BCP 47 language tag');
  }
  return value;
}

function checkLimit(currency: string, limit: unknown): Money {
  if (!Money.isMoney(limit)) throw invalid(`spending limit for ${currency} must be a Money`);
  if (limit.currency !== currency) throw invalid(`spending limit under ${currency} is in ${limit.currency}`);
  if (limit.isNegative()) throw invalid(`spending limit for ${currency} is negative`);
  return limit;
}

/**
 * A user's preferences: an immutable value with accessors and defaults. `merge` returns a new value;
 * `toJSON`/`fromJSON` give a form to persist (persistence itself is elsewhere). Registered per party
 * under the `PREFERENCES` token.
 *
 * @example
 * ```ts
 * import { Money, Preferences } from '@semper/core';
 * const prefs = Preferences.defaults().merge({
 *   preferredModules: { payments: ['payment-ecash', 'payment-card'] },
 *   spendingLimits: { EUR: Money.parse('100', 'EUR') },
 * });
 * prefs.preferredModules('payments'); // ['payment-ecash', 'payment-card']
 * prefs.exceedsSpendingLimit(Money.parse('150', 'EUR')); // true
 * ```
 */
export class Preferences {
  /** The BCP 47 language tag for what the user is shown. */
  readonly language: string;
  /** Identifiers of the root certificates the user trusts. */
  readonly trustedRoots: readonly string[];
  private readonly modules: Readonly<Record<string, readonly string[]>>;
  private readonly limits: Readonly<Record<string, Money>>;

  private constructor(data: PreferencesData) {
    this.language = data.language;
    this.trustedRoots = data.trustedRoots;
    this.modules = data.preferredModules;
    this.limits = data.spendingLimits;
    Object.freeze(this);
  }

  /**
   * The defaults: language `'en'`, no preferred modules, no spending limits, no trusted roots.
   *
   * @example
   * ```ts
   * import { Preferences } from '@semper/core';
   * Preferences.defaults().language; // 'en'
   * ```
   */
  static defaults(): Preferences {
    return new Preferences({ language: 'en', preferredModules: {}, spendingLimits: {}, trustedRoots: [] });
  }

  /**
   * The defaults merged with `patch` (see {@link Preferences.merge}). Throws
   * `ERR_CORE_INVALID_PREFERENCES` when a value is malformed.
   *
   * @example
   * ```ts
   * import { Preferences } from '@semper/core';
   * const prefs = Preferences.from({ language: 'fr', trustedRoots: ['sha256:ab12'] });
   * ```
   */
  static from(patch: PreferencesPatch = {}): Preferences {
    return Preferences.defaults().merge(patch);
  }

  /**
   * Reads the JSON form strictly (every field present and well-formed). Throws
   * `ERR_CORE_INVALID_PREFERENCES` otherwise.
   *
   * @example
   * ```ts
   * import { Preferences } from '@semper/core';
   * const saved = JSON.stringify(Preferences.defaults());
   * const prefs = Preferences.fromJSON(JSON.parse(saved));
   * ```
   */
  static fromJSON(json: unknown): Preferences {
    if (!isRecord(json)) throw invalid('preferences must be an object');
    const { language, preferredModules, spendingLimits, trustedRoots } = json;
    if (!isRecord(spendingLimits)) throw invalid('spendingLimits must be an object');
    const limits: Record<string, Money> = {};
    for (const [currency, value] of Object.entries(spendingLimits)) {
      try {
        limits[currency] = Money.fromJSON(value);
      } catch (err) {
        if (err instanceof SemperError)
          throw invalid(`spending limit for ${currency.slice(0, 16)}: ${err.message}`, err);
        throw err;
      }
    }
    if (!isRecord(preferredModules)) throw invalid('preferredModules must be an object');
    return Preferences.defaults().merge({
      language: checkLanguage(language),
      preferredModules: preferredModules as Record<string, readonly string[]>,
      spendingLimits: limits,
      trustedRoots: stringList(trustedRoots, 'trustedRoots'),
    });
  }

  /**
   * The preferred module ids for `block`, most preferred first (empty when none are set).
   *
   * @example
   * ```ts
   * import { Preferences } from '@semper/core';
   * Preferences.from({ preferredModules: { payments: ['payment-sim'] } }).preferredModules('payments'); // ['payment-sim']
   * ```
   */
  preferredModules(block: string): readonly string[] {
    return Object.hasOwn(this.modules, block) ? this.modules[block]! : [];
  }

  /**
   * The blocks that have preferred modules.
   *
   * @example
   * ```ts
   * import { Preferences } from '@semper/core';
   * Preferences.from({ preferredModules: { payments: ['payment-sim'] } }).blocks(); // ['payments']
   * ```
   */
  blocks(): readonly string[] {
    return Object.keys(this.modules).sort();
  }

  /**
   * The spending limit in `currency`, or `undefined` when there is none.
   *
   * @example
   * ```ts
   * import { Money, Preferences } from '@semper/core';
   * const prefs = Preferences.from({ spendingLimits: { EUR: Money.parse('20', 'EUR') } });
   * prefs.spendingLimit('EUR')?.toString(); // '20.00 EUR'
   * prefs.spendingLimit('USD'); // undefined
   * ```
   */
  spendingLimit(currency: string): Money | undefined {
    return Object.hasOwn(this.limits, currency) ? this.limits[currency] : undefined;
  }

  /**
   * Every spending limit, in currency order.
   *
   * @example
   * ```ts
   * import { Money, Preferences } from '@semper/core';
   * Preferences.from({ spendingLimits: { EUR: Money.parse('20', 'EUR') } }).spendingLimits().map(String); // ['20.00 EUR']
   * ```
   */
  spendingLimits(): readonly Money[] {
    return Object.keys(this.limits)
      .sort()
      .map((currency) => this.limits[currency]!);
  }

  /**
   * Whether `amount` is above the spending limit in its currency (`false` when there is no limit).
   *
   * @example
   * ```ts
   * import { Money, Preferences } from '@semper/core';
   * const prefs = Preferences.from({ spendingLimits: { EUR: Money.parse('20', 'EUR') } });
   * prefs.exceedsSpendingLimit(Money.parse('20', 'EUR')); // false
   * prefs.exceedsSpendingLimit(Money.parse('20.01', 'EUR')); // true
   * ```
   */
  exceedsSpendingLimit(amount: Money): boolean {
    const limit = this.spendingLimit(amount.currency);
    return limit !== undefined && amount.greaterThan(limit);
  }

  /**
   * Whether `root` is one of the trusted root identifiers.
   *
   * @example
   * ```ts
   * import { Preferences } from '@semper/core';
   * Preferences.from({ trustedRoots: ['sha256:ab12'] }).isTrustedRoot('sha256:ab12'); // true
   * ```
   */
  isTrustedRoot(root: string): boolean {
    return this.trustedRoots.includes(root);
  }

  /**
   * A new value with `patch` applied: `language` and `trustedRoots` replace; `preferredModules` and
   * `spendingLimits` merge per key, where `null` removes the key. Throws `ERR_CORE_INVALID_PREFERENCES`
   * when a value is malformed (e.g. a limit under `EUR` that is in USD, or negative).
   *
   * @example
   * ```ts
   * import { Money, Preferences } from '@semper/core';
   * const a = Preferences.from({ spendingLimits: { EUR: Money.parse('20', 'EUR'), USD: Money.parse('20', 'USD') } });
   * const b = a.merge({ spendingLimits: { USD: null, CHF: Money.parse('30', 'CHF') } });
   * b.spendingLimits().map(String); // ['30.00 CHF', '20.00 EUR']
   * ```
   */
  merge(patch: PreferencesPatch): Preferences {
    if (!isRecord(patch)) throw invalid('a preferences patch must be an object');
    const language = patch.language === undefined ? this.language : checkLanguage(patch.language);
    const trustedRoots =
      patch.trustedRoots === undefined ? this.trustedRoots : stringList(patch.trustedRoots, 'trustedRoots');

    const modules: Record<string, readonly string[]> = { ...this.modules };
    if (patch.preferredModules !== undefined) {
      if (!isRecord(patch.preferredModules)) throw invalid('preferredModules must be an object');
      for (const [block, ids] of Object.entries(patch.preferredModules)) {
        if (!BLOCK.test(block)) throw invalid(`preferredModules: not a block name: ${block.slice(0, 32)}`);
        if (ids === null) delete modules[block];
        else modules[block] = stringList(ids, `preferredModules.${block.slice(0, 32)}`);
      }
    }

    const limits: Record<string, Money> = { ...this.limits };
    if (patch.spendingLimits !== undefined) {
      if (!isRecord(patch.spendingLimits)) throw invalid('spendingLimits must be an object');
      for (const [currency, limit] of Object.entries(patch.spendingLimits)) {
        if (!isCurrencyCode(currency))
          throw invalid(`spending limit under an unknown currency: ${currency.slice(0, 16)}`);
        if (limit === null) delete limits[currency];
        else limits[currency] = checkLimit(currency, limit);
      }
    }
    return new Preferences({
      language,
      trustedRoots,
      preferredModules: Object.freeze(modules),
      spendingLimits: Object.freeze(limits),
    });
  }

  /**
   * The JSON form (for persistence); `Preferences.fromJSON` reads it back.
   *
   * @example
   * ```ts
   * import { Preferences } from '@semper/core';
   * Preferences.defaults().toJSON(); // { language: 'en', preferredModules: {}, spendingLimits: {}, trustedRoots: [] }
   * ```
   */
  toJSON(): PreferencesJSON {
    const spendingLimits: Record<string, MoneyJSON> = {};
    for (const currency of Object.keys(this.limits).sort()) spendingLimits[currency] = this.limits[currency]!.toJSON();
    const preferredModules: Record<string, readonly string[]> = {};
    for (const block of this.blocks()) preferredModules[block] = [...this.modules[block]!];
    return { language: this.language, preferredModules, spendingLimits, trustedRoots: [...this.trustedRoots] };
  }
}
