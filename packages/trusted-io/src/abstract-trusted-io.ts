import {
  type Clock,
  createIdGenerator,
  type EventBus,
  type IdGenerator,
  type Preferences,
  SemperError,
  SystemClock,
  UnsupportedOperationError,
} from '@semper/core';
import { type Observable, Subject } from 'rxjs';
import { issueConfirmation } from './confirmation.js';
import { TrustedIoError } from './errors.js';
import {
  type ChoiceRequest,
  type ConfirmationItem,
  checkChoice,
  checkItem,
  checkNotice,
  checkPrompt,
  type Notice,
  type SecretPrompt,
} from './item.js';
import type {
  ChoiceResult,
  ConfirmationResult,
  DecidedBy,
  RefusalCode,
  SecretResult,
  TrustedIo,
  TrustedIoEvent,
} from './trusted-io.js';

/**
 * Options every implementation takes (through `AbstractTrustedIo`'s constructor).
 *
 * - `clock`: stamps decisions (default a `SystemClock`).
 * - `events`: the party's event bus; decisions are published there too.
 * - `preferences`: the user's preferences, or a function that gives the current ones (read at each
 *   question: preferred modules decide choices; spending limits and trusted roots are shown as
 *   warnings, and policies read them).
 * - `onDecision`: called with each decision before the caller gets it (to persist it, e.g. in a store
 *   or an evidence archive); if it throws, the operation throws: nothing is decided unrecorded.
 * - `maxLogEntries`: how many decisions `decisions` keeps, the oldest dropped first (default 10,000).
 *
 * @example
 * ```ts
 * import { ManualClock, Preferences } from '@semper/core';
 * import type { TrustedIoOptions } from '@semper/trusted-io';
 * const options: TrustedIoOptions = {
 *   clock: new ManualClock('2030-01-01T00:00:00Z'),
 *   preferences: Preferences.from({ preferredModules: { payments: ['payment-ecash'] } }),
 *   onDecision: (e) => console.log(e.type, e.decisionId),
 * };
 * ```
 */
export interface TrustedIoOptions {
  readonly clock?: Clock;
  readonly events?: EventBus;
  readonly preferences?: Preferences | (() => Preferences);
  readonly onDecision?: (event: TrustedIoEvent) => void | Promise<void>;
  readonly maxLogEntries?: number;
}

/**
 * What an implementation's `onConfirm` answers.
 *
 * @example
 * ```ts
 * import type { ConfirmDecision } from '@semper/trusted-io/spi';
 * const yes: ConfirmDecision = { approved: true, by: 'user' };
 * const no: ConfirmDecision = { approved: false, code: 'user-refused', reason: 'the user said no' };
 * ```
 */
export type ConfirmDecision =
  | { readonly approved: true; readonly by: 'user' | 'policy'; readonly rule?: string }
  | { readonly approved: false; readonly code: RefusalCode; readonly reason: string; readonly rule?: string };

/**
 * What an implementation's `onChoose` answers.
 *
 * @example
 * ```ts
 * import type { ChooseDecision } from '@semper/trusted-io/spi';
 * const picked: ChooseDecision = { chosen: true, id: 'payment-card', by: 'user' };
 * ```
 */
export type ChooseDecision =
  | { readonly chosen: true; readonly id: string; readonly by: 'user' | 'policy' }
  | { readonly chosen: false; readonly code: 'cancelled' | 'no-answer' | 'undecided'; readonly reason: string };

/**
 * What an implementation's `onAskSecret` answers.
 *
 * @example
 * ```ts
 * import type { SecretDecision } from '@semper/trusted-io/spi';
 * const none: SecretDecision = { provided: false, code: 'cancelled', reason: 'the user pressed Ctrl-C' };
 * ```
 */
export type SecretDecision =
  | { readonly provided: true; readonly secret: string }
  | { readonly provided: false; readonly code: 'cancelled' | 'no-answer' | 'unavailable'; readonly reason: string };

/**
 * What the base class tells `onConfirm` besides the item: the decision's id, and the warnings drawn
 * from the user's preferences (an amount above the spending limit, a payee whose root is not
 * trusted), which an interactive implementation shows with the item.
 *
 * @example
 * ```ts
 * import type { ConfirmContext } from '@semper/trusted-io/spi';
 * const context: ConfirmContext = { decisionId: 'confirm_01JD3Q4ZC0M2G4ZCQ5V0NB7XQ8', warnings: [] };
 * ```
 */
export interface ConfirmContext {
  readonly decisionId: string;
  readonly warnings: readonly string[];
}

const DEFAULT_LOG = 10_000;

/**
 * The base of every trusted-io implementation, and the module writer's guide. It does what makes an
 * implementation trustworthy, so that subclasses only talk to the user (webcrypto-core's model: the
 * base validates, then calls an `on*` hook; a hook not implemented throws `UnsupportedOperationError`):
 *
 * - `confirm(item)` checks the item (a well-formed SHA-256 digest above all) and freezes a copy;
 *   `onConfirm` gets that copy, to show or decide on; on approval the base issues the `Confirmation`,
 *   bound to that copy's digest. A subclass never makes a confirmation, so it cannot bind one to
 *   anything but what it was given to show.
 * - `choose(request)` lets the user's preferred modules for `request.block` decide when one of them
 *   is offered, without asking; otherwise `onChoose` decides, and its answer must be an offered id.
 * - `askSecret(prompt)`, `notify(message)` check their argument, then call `onAskSecret` / `onNotify`.
 * - Every decision is recorded: `onDecision` (awaited), the `decisions` log, `events$` and the party's
 *   event bus; a secret never is.
 * - Questions are asked one at a time, in call order (a terminal cannot show two at once).
 *
 * @example
 * ```ts
 * import { AbstractTrustedIo, type ConfirmDecision } from '@semper/trusted-io/spi';
 * import type { ConfirmationItem } from '@semper/trusted-io';
 *
 * // Approves receipts (nothing is paid) and refuses anything else: a subclass only decides.
 * class ReceiptsOnly extends AbstractTrustedIo {
 *   protected override async onConfirm(item: ConfirmationItem): Promise<ConfirmDecision> {
 *     return item.kind === 'statement.receipt'
 *       ? { approved: true, by: 'policy', rule: 'receipts-only' }
 *       : { approved: false, code: 'refused-by-rule', reason: 'only receipts', rule: 'receipts-only' };
 *   }
 * }
 * ```
 */
export abstract class AbstractTrustedIo implements TrustedIo {
  /** Every decision of this implementation, as it is made. */
  readonly events$: Observable<TrustedIoEvent>;
  protected readonly clock: Clock;
  readonly #subject = new Subject<TrustedIoEvent>();
  readonly #bus: EventBus | undefined;
  readonly #preferences: (() => Preferences) | undefined;
  readonly #onDecision: TrustedIoOptions['onDecision'];
  readonly #maxLog: number;
  readonly #log: TrustedIoEvent[] = [];
  readonly #id: IdGenerator;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: TrustedIoOptions = {}) {
    if (typeof options !== 'object' || options === null) throw invalid('options must be an object');
    this.clock = options.clock ?? new SystemClock();
    this.#bus = options.events;
    const prefs = options.preferences;
    this.#preferences = prefs === undefined ? undefined : typeof prefs === 'function' ? prefs : () => prefs;
    if (options.onDecision !== undefined && typeof options.onDecision !== 'function') {
      throw invalid('onDecision must be a function');
    }
    this.#onDecision = options.onDecision;
    const max = options.maxLogEntries ?? DEFAULT_LOG;
    if (!Number.isSafeInteger(max) || max < 0) throw invalid('maxLogEntries must be a non-negative integer');
    this.#maxLog = max;
    this.#id = createIdGenerator({ clock: this.clock });
    this.events$ = this.#subject.asObservable();
  }

  /**
   * The decisions recorded so far (at most `maxLogEntries`, oldest first), a copy.
   *
   * @example
   * ```ts
   * import { PolicyTrustedIo } from '@semper/trusted-io';
   * const io = new PolicyTrustedIo({ rules: [] });
   * await io.notify('hello');
   * io.decisions.map((d) => d.type); // ['trustedio.notified']
   * ```
   */
  get decisions(): readonly TrustedIoEvent[] {
    return [...this.#log];
  }

  /**
   * The user's preferences now (`undefined` when none were given).
   *
   * @example
   * ```ts
   * import { Preferences } from '@semper/core';
   * import { PolicyTrustedIo } from '@semper/trusted-io';
   * const io = new PolicyTrustedIo({ rules: [], preferences: Preferences.defaults() });
   * io.preferences?.language; // 'en'
   * ```
   */
  get preferences(): Preferences | undefined {
    return this.#preferences?.();
  }

  /**
   * Shows `item` (through `onConfirm`) and returns the approval, bound to the digest shown, or the
   * refusal. Throws `ERR_TRUSTEDIO_INVALID_ARGUMENT` for a malformed item (nothing is shown).
   *
   * @example
   * ```ts
   * import { PolicyTrustedIo, sha256Hex } from '@semper/trusted-io';
   * const io = new PolicyTrustedIo({ rules: [{ name: 'receipts', effect: 'approve', kinds: ['statement.receipt'] }] });
   * const result = await io.confirm({ kind: 'statement.receipt', title: 'Receipt', digest: sha256Hex(new Uint8Array(1)) });
   * result.approved; // true
   * ```
   */
  async confirm(item: ConfirmationItem): Promise<ConfirmationResult> {
    const shown = checkItem(item);
    return this.#serialize(async () => {
      const decisionId = this.#id('confirm');
      const decision = await this.onConfirm(shown, { decisionId, warnings: this.warningsFor(shown) });
      const at = this.clock.now();
      if (decision?.approved === true) {
        if (decision.by !== 'user' && decision.by !== 'policy') throw badAnswer('onConfirm: by is user or policy');
        const by: DecidedBy = decision.by;
        const rule = decision.rule;
        const confirmation = issueConfirmation(shown, { decisionId, by, rule, at }, (c) =>
          this.#record({ type: 'trustedio.signed', at: this.clock.now(), decisionId: c.decisionId, digest: c.digest }),
        );
        await this.#record({
          type: 'trustedio.confirmed',
          at,
          decisionId,
          item: shown,
          by,
          ...(rule === undefined ? {} : { rule }),
        });
        return { approved: true, digest: shown.digest, confirmation, decisionId };
      }
      if (decision?.approved !== false || typeof decision.code !== 'string' || typeof decision.reason !== 'string') {
        throw badAnswer('onConfirm answered neither an approval nor a refusal with a code and a reason');
      }
      const { code, reason, rule } = decision;
      await this.#record({
        type: 'trustedio.refused',
        at,
        decisionId,
        item: shown,
        code,
        reason,
        ...(rule === undefined ? {} : { rule }),
      });
      return rule === undefined
        ? { approved: false, code, reason, decisionId }
        : { approved: false, code, reason, rule, decisionId };
    });
  }

  /**
   * Picks one of the options: the first of the user's preferred modules for `request.block` that is
   * offered, without asking; otherwise what `onChoose` answers.
   *
   * @example
   * ```ts
   * import { Preferences } from '@semper/core';
   * import { PolicyTrustedIo } from '@semper/trusted-io';
   * const io = new PolicyTrustedIo({ rules: [], preferences: Preferences.from({ preferredModules: { payments: ['payment-ecash'] } }) });
   * await io.choose({
   *   purpose: 'payment module',
   *   block: 'payments',
   *   options: [{ id: 'payment-card', label: 'Card' }, { id: 'payment-ecash', label: 'E-cash' }],
   * }); // { chosen: true, id: 'payment-ecash', by: 'preferences', ... }
   * ```
   */
  async choose(request: ChoiceRequest): Promise<ChoiceResult> {
    const checked = checkChoice(request);
    return this.#serialize(async () => {
      const decisionId = this.#id('choice');
      const options = checked.options.map((o) => o.id);
      const preferred =
        checked.block === undefined
          ? undefined
          : this.preferences?.preferredModules(checked.block).find((id) => options.includes(id));
      const decision: ChooseDecision | { chosen: true; id: string; by: 'preferences' } =
        preferred !== undefined
          ? { chosen: true, id: preferred, by: 'preferences' }
          : await this.onChoose(checked, { decisionId });
      const at = this.clock.now();
      const { purpose } = checked;
      if (decision?.chosen === true) {
        if (!options.includes(decision.id)) throw badAnswer(`onChoose chose '${String(decision.id)}', not offered`);
        if (!['preferences', 'user', 'policy'].includes(decision.by)) throw badAnswer('onChoose: by is user or policy');
        await this.#record({
          type: 'trustedio.chosen',
          at,
          decisionId,
          purpose,
          options,
          id: decision.id,
          by: decision.by,
        });
        return { chosen: true, id: decision.id, by: decision.by, decisionId };
      }
      if (
        decision?.chosen !== false ||
        !['cancelled', 'no-answer', 'undecided'].includes(decision.code) ||
        typeof decision.reason !== 'string'
      ) {
        throw badAnswer('onChoose answered neither a choice nor a refusal with a code and a reason');
      }
      const { code, reason } = decision;
      await this.#record({ type: 'trustedio.not-chosen', at, decisionId, purpose, options, code, reason });
      return { chosen: false, code, reason, decisionId };
    });
  }

  /**
   * Asks for a secret (through `onAskSecret`). The request is recorded, the secret never.
   *
   * @example
   * ```ts
   * import { PolicyTrustedIo } from '@semper/trusted-io';
   * const io = new PolicyTrustedIo({ rules: [], secrets: (p) => (p.id === 'pin' ? process.env.PIN : undefined) });
   * const pin = await io.askSecret({ id: 'pin', label: 'PIN' });
   * ```
   */
  async askSecret(prompt: SecretPrompt | string): Promise<SecretResult> {
    const checked = checkPrompt(prompt);
    return this.#serialize(async () => {
      const decisionId = this.#id('secret');
      const decision = await this.onAskSecret(checked, { decisionId });
      const provided = decision?.provided === true;
      if (provided && typeof decision.secret !== 'string') throw badAnswer('onAskSecret: the secret is a string');
      if (
        !provided &&
        (decision?.provided !== false ||
          !['cancelled', 'no-answer', 'unavailable'].includes(decision.code) ||
          typeof decision.reason !== 'string')
      ) {
        throw badAnswer('onAskSecret answered neither a secret nor a refusal with a code and a reason');
      }
      await this.#record({
        type: 'trustedio.secret-requested',
        at: this.clock.now(),
        decisionId,
        promptId: checked.id,
        provided,
      });
      if (decision.provided) return { provided: true, secret: decision.secret, decisionId };
      return { provided: false, code: decision.code, reason: decision.reason, decisionId };
    });
  }

  /**
   * Tells the user something (through `onNotify`), and records it.
   *
   * @example
   * ```ts
   * import { PolicyTrustedIo } from '@semper/trusted-io';
   * await new PolicyTrustedIo({ rules: [] }).notify({ level: 'warning', text: 'The TTP resolved the exchange.' });
   * ```
   */
  async notify(message: Notice | string): Promise<void> {
    const notice = checkNotice(message);
    return this.#serialize(async () => {
      const decisionId = this.#id('notice');
      await this.onNotify(notice, { decisionId });
      await this.#record({ type: 'trustedio.notified', at: this.clock.now(), decisionId, ...notice });
    });
  }

  /**
   * The warnings the user's preferences raise about an item: an amount above the spending limit in
   * its currency, a payee root that is not a trusted root.
   *
   * @example
   * ```ts
   * import { Money, Preferences } from '@semper/core';
   * import { PolicyTrustedIo, sha256Hex } from '@semper/trusted-io';
   * const io = new PolicyTrustedIo({ rules: [], preferences: Preferences.from({ spendingLimits: { EUR: Money.parse('50', 'EUR') } }) });
   * io.warningsFor({ kind: 'payment', title: 'Pay', amount: Money.parse('60', 'EUR'), digest: sha256Hex(new Uint8Array()) });
   * // ['60.00 EUR is above your spending limit of 50.00 EUR']
   * ```
   */
  warningsFor(item: ConfirmationItem): string[] {
    const prefs = this.preferences;
    if (prefs === undefined) return [];
    const warnings: string[] = [];
    if (item.amount !== undefined && prefs.exceedsSpendingLimit(item.amount)) {
      warnings.push(`${item.amount} is above your spending limit of ${prefs.spendingLimit(item.amount.currency)}`);
    }
    if (item.payeeRoot !== undefined && !prefs.isTrustedRoot(item.payeeRoot)) {
      warnings.push("the payee's certificate does not chain to a root you trust");
    }
    return warnings;
  }

  /** Shows the item and its digest and answers whether it is approved. */
  protected onConfirm(_item: ConfirmationItem, _context: ConfirmContext): Promise<ConfirmDecision> {
    return Promise.reject(new UnsupportedOperationError('confirm'));
  }

  /** Picks an option when the preferences do not. */
  protected onChoose(_request: ChoiceRequest, _context: { readonly decisionId: string }): Promise<ChooseDecision> {
    return Promise.reject(new UnsupportedOperationError('choose'));
  }

  /** Asks for a secret, without echoing it. */
  protected onAskSecret(_prompt: SecretPrompt, _context: { readonly decisionId: string }): Promise<SecretDecision> {
    return Promise.reject(new UnsupportedOperationError('askSecret'));
  }

  /** Shows a notice (default: nothing to show it on, so nothing is done besides recording it). */
  protected onNotify(_notice: Required<Notice>, _context: { readonly decisionId: string }): Promise<void> {
    return Promise.resolve();
  }

  /** Runs `task` after every question asked before it has been answered. */
  #serialize<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #record(event: TrustedIoEvent): Promise<void> {
    const frozen = Object.freeze(event) as TrustedIoEvent;
    if (this.#onDecision !== undefined) await this.#onDecision(frozen);
    if (this.#maxLog > 0) {
      this.#log.push(frozen);
      if (this.#log.length > this.#maxLog) this.#log.splice(0, this.#log.length - this.#maxLog);
    }
    this.#subject.next(frozen);
    if (this.#bus !== undefined) {
      try {
        this.#bus.emit(frozen as never);
      } catch (err) {
        // A completed bus (the party shutting down) does not undo a decision already recorded.
        if (!(err instanceof SemperError && err.code === 'ERR_CORE_INVALID_ARGUMENT')) throw err;
      }
    }
  }
}

function invalid(message: string): TrustedIoError {
  return new TrustedIoError('ERR_TRUSTEDIO_INVALID_ARGUMENT', message);
}

function badAnswer(message: string): TrustedIoError {
  return new TrustedIoError('ERR_TRUSTEDIO_INVALID_ANSWER', message);
}
