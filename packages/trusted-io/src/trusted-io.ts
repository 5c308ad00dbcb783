import type { Confirmation } from './confirmation.js';
import type { ChoiceRequest, ConfirmationItem, Notice, SecretPrompt } from './item.js';

/**
 * Why a confirmation was not given:
 * - `user-refused`: the user said no; `no-answer`: the input ended, or no valid answer came;
 * - `refused-by-rule`: a refusing rule of a policy matched; `no-rule`: no rule approves items like it;
 * - `over-limit`, `currency-mismatch`, `no-limit`, `no-amount`, `unknown-payee`, `untrusted-root`:
 *   the condition of an approving rule that the item did not meet.
 *
 * @example
 * ```ts
 * import type { RefusalCode } from '@semper/trusted-io';
 * const retryable: RefusalCode[] = ['no-answer'];
 * ```
 */
export type RefusalCode =
  | 'user-refused'
  | 'no-answer'
  | 'refused-by-rule'
  | 'no-rule'
  | 'over-limit'
  | 'currency-mismatch'
  | 'no-limit'
  | 'no-amount'
  | 'unknown-payee'
  | 'untrusted-root';

/**
 * The outcome of `confirm`: approved, with the confirmation bound to the digest that was shown; or
 * refused, with a code, a reason in words and (for a policy) the rule that decided.
 *
 * @example
 * ```ts
 * import type { ConfirmationResult } from '@semper/trusted-io';
 * function explain(r: ConfirmationResult): string {
 *   return r.approved ? `approved ${r.digest}` : `refused (${r.code}): ${r.reason}`;
 * }
 * ```
 */
export type ConfirmationResult =
  | {
      readonly approved: true;
      /** The SHA-256 (hex) that was shown: the only digest the confirmation lets be signed. */
      readonly digest: string;
      readonly confirmation: Confirmation;
      readonly decisionId: string;
    }
  | {
      readonly approved: false;
      readonly code: RefusalCode;
      readonly reason: string;
      readonly rule?: string;
      readonly decisionId: string;
    };

/**
 * Who made a choice or gave a confirmation: the user's `preferences` (no question asked), the
 * `user`, or a `policy`.
 *
 * @example
 * ```ts
 * import type { DecidedBy } from '@semper/trusted-io';
 * const by: DecidedBy = 'preferences';
 * ```
 */
export type DecidedBy = 'preferences' | 'user' | 'policy';

/**
 * The outcome of `choose`: an option's id, and who chose it; or none, and why (`cancelled` by the
 * user, `no-answer`, or `undecided`: neither the preferences nor a policy decide, and nobody can be
 * asked).
 *
 * @example
 * ```ts
 * import type { ChoiceResult } from '@semper/trusted-io';
 * function picked(r: ChoiceResult): string | undefined {
 *   return r.chosen ? r.id : undefined;
 * }
 * ```
 */
export type ChoiceResult =
  | { readonly chosen: true; readonly id: string; readonly by: DecidedBy; readonly decisionId: string }
  | {
      readonly chosen: false;
      readonly code: 'cancelled' | 'no-answer' | 'undecided';
      readonly reason: string;
      readonly decisionId: string;
    };

/**
 * The outcome of `askSecret`: the secret, or why there is none. Never log the secret.
 *
 * @example
 * ```ts
 * import type { SecretResult } from '@semper/trusted-io';
 * function passphraseOf(r: SecretResult): string {
 *   if (!r.provided) throw new Error(`no passphrase: ${r.reason}`);
 *   return r.secret;
 * }
 * ```
 */
export type SecretResult =
  | { readonly provided: true; readonly secret: string; readonly decisionId: string }
  | {
      readonly provided: false;
      readonly code: 'cancelled' | 'no-answer' | 'unavailable';
      readonly reason: string;
      readonly decisionId: string;
    };

/**
 * What every trusted-io implementation records, in its `decisions` log and on `events$` (and the
 * party's event bus): each confirmation with the item exactly as shown, each choice, each secret
 * request (never the secret), each notice, and each signature made with a confirmation.
 *
 * @example
 * ```ts
 * import type { TrustedIoEvent } from '@semper/trusted-io';
 * function line(e: TrustedIoEvent): string {
 *   switch (e.type) {
 *     case 'trustedio.confirmed': return `confirmed ${e.item.title} (${e.item.digest}) by ${e.by}`;
 *     case 'trustedio.refused': return `refused ${e.item.title}: ${e.reason}`;
 *     case 'trustedio.signed': return `signed ${e.digest}`;
 *     default: return e.type;
 *   }
 * }
 * ```
 */
export type TrustedIoEvent =
  | {
      readonly type: 'trustedio.confirmed';
      readonly at: Date;
      readonly decisionId: string;
      readonly item: ConfirmationItem;
      readonly by: DecidedBy;
      readonly rule?: string;
    }
  | {
      readonly type: 'trustedio.refused';
      readonly at: Date;
      readonly decisionId: string;
      readonly item: ConfirmationItem;
      readonly code: RefusalCode;
      readonly reason: string;
      readonly rule?: string;
    }
  | {
      readonly type: 'trustedio.signed';
      readonly at: Date;
      /** The confirmation's decision. */
      readonly decisionId: string;
      readonly digest: string;
    }
  | {
      readonly type: 'trustedio.chosen';
      readonly at: Date;
      readonly decisionId: string;
      readonly purpose: string;
      readonly options: readonly string[];
      readonly id: string;
      readonly by: DecidedBy;
    }
  | {
      readonly type: 'trustedio.not-chosen';
      readonly at: Date;
      readonly decisionId: string;
      readonly purpose: string;
      readonly options: readonly string[];
      readonly code: 'cancelled' | 'no-answer' | 'undecided';
      readonly reason: string;
    }
  | {
      readonly type: 'trustedio.secret-requested';
      readonly at: Date;
      readonly decisionId: string;
      readonly promptId: string;
      readonly provided: boolean;
    }
  | {
      readonly type: 'trustedio.notified';
      readonly at: Date;
      readonly decisionId: string;
      readonly level: 'info' | 'warning' | 'error';
      readonly text: string;
    };

/**
 * SEMPER's TINGUIN: the trusted path between the user and what is done in their name. Every
 * implementation shows (or decides on) exactly the item given, and `confirm` binds its approval to
 * the item's digest, so that `signConfirmed` signs those bytes and no others.
 *
 * - `confirm(item)`: show the item and its digest; approved or refused.
 * - `choose(request)`: pick an option; the user's preferred modules decide when they can.
 * - `askSecret(prompt)`: a passphrase or PIN, never echoed nor recorded.
 * - `notify(message)`: tell the user something.
 *
 * Implementations: `TerminalTrustedIo` (a person at a terminal), `PolicyTrustedIo` (rules, for
 * servers and tests), and any subclass of `AbstractTrustedIo` (`@semper/trusted-io/spi`).
 *
 * @example
 * ```ts
 * import { type TrustedIo, confirmThenSign } from '@semper/trusted-io';
 * async function signOrder(io: TrustedIo, body: Uint8Array, sign: (b: Uint8Array) => Promise<Uint8Array>) {
 *   return confirmThenSign(io, { kind: 'order', title: 'Place the order' }, body, sign);
 * }
 * ```
 */
export interface TrustedIo {
  confirm(item: ConfirmationItem): Promise<ConfirmationResult>;
  choose(request: ChoiceRequest): Promise<ChoiceResult>;
  askSecret(prompt: SecretPrompt | string): Promise<SecretResult>;
  notify(message: Notice | string): Promise<void>;
}
