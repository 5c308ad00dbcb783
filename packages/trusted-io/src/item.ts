import { Money } from '@semper/core';
import { isSha256Hex } from './digest.js';
import { TrustedIoError } from './errors.js';

/**
 * One line of what the user is shown: a label and a value (text, or an amount shown exactly as
 * `'42.50 EUR'`).
 *
 * @example
 * ```ts
 * import { Money } from '@semper/core';
 * import type { DisplayField } from '@semper/trusted-io';
 * const fields: DisplayField[] = [
 *   { label: 'Order', value: 'order_01JD3Q4ZC0M2G4ZCQ5V0NB7XQ8' },
 *   { label: 'Shipping', value: Money.parse('4.90', 'EUR') },
 * ];
 * ```
 */
export interface DisplayField {
  readonly label: string;
  readonly value: string | Money;
}

/**
 * What the user is asked to confirm: a typed description of one business item (a payment, an order,
 * a signed statement...) and the SHA-256 digest of the exact bytes that will be signed or sent.
 * Whatever is confirmed can be signed only over bytes with that digest (see `signConfirmed`).
 *
 * - `kind`: what it is, e.g. `payment`, `order`, `statement.receipt` (lowercase, `.` and `-`).
 * - `title`: one line, e.g. `Pay Acme Books`.
 * - `fields`: the body fields to show, in order (at most 64).
 * - `amount`, `payee`: for anything that pays (rules about limits and merchants read them).
 * - `payeeRoot`: the identifier of the root certificate the payee's certificate chains to (matched
 *   against the user's trusted roots).
 * - `digest`: SHA-256 of the bytes to be signed, 64 lowercase hex digits (`sha256Hex(bytes)`).
 *
 * @example
 * ```ts
 * import { Money } from '@semper/core';
 * import { type ConfirmationItem, sha256Hex } from '@semper/trusted-io';
 * const order = new TextEncoder().encode('{"order":"order_17","total":{"amount":"4250","currency":"EUR"}}');
 * const item: ConfirmationItem = {
 *   kind: 'payment',
 *   title: 'Pay Acme Books',
 *   fields: [{ label: 'Order', value: 'order_17' }],
 *   amount: Money.parse('42.50', 'EUR'),
 *   payee: 'acme-books',
 *   digest: sha256Hex(order),
 * };
 * ```
 */
export interface ConfirmationItem {
  readonly kind: string;
  readonly title: string;
  readonly fields?: readonly DisplayField[];
  readonly amount?: Money;
  readonly payee?: string;
  readonly payeeRoot?: string;
  readonly digest: string;
}

/**
 * One of the options of a choice.
 *
 * @example
 * ```ts
 * import type { ChoiceOption } from '@semper/trusted-io';
 * const card: ChoiceOption = { id: 'payment-card', label: 'Card', detail: 'Visa ending 4242' };
 * ```
 */
export interface ChoiceOption {
  readonly id: string;
  readonly label: string;
  readonly detail?: string;
}

/**
 * A choice to make: what for, among which options, and, when the options are modules of a block,
 * which block (so that the user's preferred modules for it decide when they can).
 *
 * @example
 * ```ts
 * import type { ChoiceRequest } from '@semper/trusted-io';
 * const request: ChoiceRequest = {
 *   purpose: 'payment module',
 *   block: 'payments',
 *   options: [
 *     { id: 'payment-card', label: 'Card' },
 *     { id: 'payment-ecash', label: 'E-cash' },
 *   ],
 * };
 * ```
 */
export interface ChoiceRequest {
  readonly purpose: string;
  readonly block?: string;
  readonly options: readonly ChoiceOption[];
}

/**
 * A secret to ask for (a passphrase, a PIN): an id for rules and logs, and the label shown.
 *
 * @example
 * ```ts
 * import type { SecretPrompt } from '@semper/trusted-io';
 * const prompt: SecretPrompt = { id: 'keystore-passphrase', label: 'Passphrase of your signing key' };
 * ```
 */
export interface SecretPrompt {
  readonly id: string;
  readonly label: string;
}

/**
 * A message for the user.
 *
 * @example
 * ```ts
 * import type { Notice } from '@semper/trusted-io';
 * const notice: Notice = { level: 'warning', text: 'The merchant cancelled the order.' };
 * ```
 */
export interface Notice {
  readonly level?: 'info' | 'warning' | 'error';
  readonly text: string;
}

const KIND = /^[a-z][a-z0-9.-]{0,63}$/;
const ID = /^[A-Za-z0-9_][A-Za-z0-9_.:/@+-]{0,199}$/;
const MAX_FIELDS = 64;
const MAX_LABEL = 64;
const MAX_VALUE = 4096;
const MAX_LINE = 500;
const MAX_OPTIONS = 64;

function bad(message: string): TrustedIoError {
  return new TrustedIoError('ERR_TRUSTEDIO_INVALID_ARGUMENT', message);
}

function text(value: unknown, what: string, max: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw bad(`${what} must be a non-empty string of at most ${max} characters`);
  }
  return value;
}

function id(value: unknown, what: string): string {
  if (typeof value !== 'string' || !ID.test(value)) {
    throw bad(`${what} must be 1 to 200 letters, digits or _ . : / @ + -`);
  }
  return value;
}

/**
 * Checks a confirmation item and returns a frozen copy (fields copied too): the snapshot that is
 * shown, decided on and bound to the confirmation, whatever the caller does with its object later.
 * Throws `ERR_TRUSTEDIO_INVALID_ARGUMENT` for a missing or malformed digest, kind, title, field,
 * amount (a negative one included) or payee.
 *
 * @example
 * ```ts
 * import { checkItem, sha256Hex } from '@semper/trusted-io';
 * const shown = checkItem({ kind: 'statement', title: 'Sign the delivery receipt', digest: sha256Hex(new Uint8Array(8)) });
 * Object.isFrozen(shown); // true
 * ```
 */
export function checkItem(item: ConfirmationItem): ConfirmationItem {
  if (typeof item !== 'object' || item === null) throw bad('an item is an object');
  if (!isSha256Hex(item.digest)) {
    throw bad('an item needs the SHA-256 digest of the bytes to be signed: 64 lowercase hex digits');
  }
  if (typeof item.kind !== 'string' || !KIND.test(item.kind)) {
    throw bad('an item kind is 1 to 64 lowercase letters, digits, . or -, starting with a letter');
  }
  const fields = item.fields ?? [];
  if (!Array.isArray(fields) || fields.length > MAX_FIELDS) throw bad(`fields must be a list of at most ${MAX_FIELDS}`);
  const copied = (fields as readonly DisplayField[]).map((f, i) => {
    if (typeof f !== 'object' || f === null) throw bad(`field ${i} is { label, value }`);
    const label = text(f.label, `field ${i}: label`, MAX_LABEL);
    if (Money.isMoney(f.value)) return Object.freeze({ label, value: f.value });
    if (typeof f.value !== 'string' || f.value.length > MAX_VALUE) {
      throw bad(`field ${i} ('${label.slice(0, 32)}'): value must be a Money or a string of at most ${MAX_VALUE}`);
    }
    return Object.freeze({ label, value: f.value });
  });
  const snapshot: { -readonly [K in keyof ConfirmationItem]: ConfirmationItem[K] } = {
    kind: item.kind,
    title: text(item.title, 'title', MAX_LINE),
    fields: Object.freeze(copied),
    digest: item.digest,
  };
  if (item.amount !== undefined) {
    if (!Money.isMoney(item.amount)) throw bad('amount must be a Money');
    if (item.amount.isNegative()) throw bad('amount must not be negative');
    snapshot.amount = item.amount;
  }
  if (item.payee !== undefined) snapshot.payee = text(item.payee, 'payee', MAX_LINE);
  if (item.payeeRoot !== undefined) snapshot.payeeRoot = text(item.payeeRoot, 'payeeRoot', MAX_LINE);
  return Object.freeze(snapshot);
}

/**
 * Checks a choice request and returns a frozen copy; throws `ERR_TRUSTEDIO_INVALID_ARGUMENT` for no
 * options, duplicate option ids or a malformed field.
 *
 * @example
 * ```ts
 * import { checkChoice } from '@semper/trusted-io';
 * checkChoice({ purpose: 'payment module', options: [{ id: 'payment-card', label: 'Card' }] });
 * ```
 */
export function checkChoice(request: ChoiceRequest): ChoiceRequest {
  if (typeof request !== 'object' || request === null) throw bad('a choice request is an object');
  const purpose = text(request.purpose, 'purpose', MAX_LINE);
  if (
    request.block !== undefined &&
    (typeof request.block !== 'string' || !/^[a-z][a-z0-9-]{0,31}$/.test(request.block))
  ) {
    throw bad('block must be a block name (lowercase letters, digits, -)');
  }
  const options = request.options;
  if (!Array.isArray(options) || options.length === 0 || options.length > MAX_OPTIONS) {
    throw bad(`a choice needs 1 to ${MAX_OPTIONS} options`);
  }
  const seen = new Set<string>();
  const copied = (options as readonly ChoiceOption[]).map((o, i) => {
    if (typeof o !== 'object' || o === null) throw bad(`option ${i} is { id, label }`);
    const oid = id(o.id, `option ${i}: id`);
    if (seen.has(oid)) throw bad(`option '${oid}' is offered twice`);
    seen.add(oid);
    const option: { -readonly [K in keyof ChoiceOption]: ChoiceOption[K] } = {
      id: oid,
      label: text(o.label, `option ${i}: label`, MAX_LINE),
    };
    if (o.detail !== undefined) option.detail = text(o.detail, `option ${i}: detail`, MAX_LINE);
    return Object.freeze(option);
  });
  return Object.freeze(
    request.block === undefined
      ? { purpose, options: Object.freeze(copied) }
      : { purpose, block: request.block, options: Object.freeze(copied) },
  );
}

/**
 * Checks a secret prompt (a string is taken as the label of a prompt with id `secret`) and returns a
 * frozen prompt.
 *
 * @example
 * ```ts
 * import { checkPrompt } from '@semper/trusted-io';
 * checkPrompt('PIN').id; // 'secret'
 * ```
 */
export function checkPrompt(prompt: SecretPrompt | string): SecretPrompt {
  if (typeof prompt === 'string') return Object.freeze({ id: 'secret', label: text(prompt, 'prompt', MAX_LINE) });
  if (typeof prompt !== 'object' || prompt === null) throw bad('a prompt is { id, label } or a string');
  return Object.freeze({ id: id(prompt.id, 'prompt id'), label: text(prompt.label, 'prompt label', MAX_LINE) });
}

/**
 * Checks a notice (a string is an `info` notice) and returns a frozen notice with its level.
 *
 * @example
 * ```ts
 * import { checkNotice } from '@semper/trusted-io';
 * checkNotice('Payment sent.'); // { level: 'info', text: 'Payment sent.' }
 * ```
 */
export function checkNotice(notice: Notice | string): Required<Notice> {
  const n = typeof notice === 'string' ? { text: notice } : notice;
  if (typeof n !== 'object' || n === null) throw bad('a notice is { level?, text } or a string');
  const level = n.level ?? 'info';
  if (level !== 'info' && level !== 'warning' && level !== 'error') throw bad('level is info, warning or error');
  return Object.freeze({ level, text: text(n.text, 'notice text', MAX_VALUE) });
}

/**
 * Makes text safe to print on a terminal and unambiguous to read: control characters (C0, DEL, C1:
 * the escape sequences that move the cursor or clear lines), bidirectional overrides and isolates,
 * zero-width characters and line separators are shown as `\u{…}` escapes, and a backslash as `\\`.
 * So a merchant's field cannot overwrite the amount or the digest on the screen, nor reorder what is
 * read.
 *
 * @example
 * ```ts
 * import { displayText } from '@semper/trusted-io';
 * displayText('Total\u001b[2K\r 1.00 EUR'); // 'Total\\u{1b}[2K\\u{d} 1.00 EUR'
 * displayText('abc\u202edcba'); // 'abc\\u{202e}dcba'
 * ```
 */
export function displayText(value: string): string {
  return value.replace(
    /[\\\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]/g,
    (ch) => (ch === '\\' ? '\\\\' : `\\u{${ch.codePointAt(0)!.toString(16)}}`),
  );
}
