import { Money } from '@semper/core';
import {
  AbstractTrustedIo,
  type ChooseDecision,
  type ConfirmContext,
  type ConfirmDecision,
  type SecretDecision,
  type TrustedIoOptions,
} from './abstract-trusted-io.js';
import { formatDigest } from './digest.js';
import { TrustedIoError } from './errors.js';
import { type ChoiceRequest, type ConfirmationItem, displayText, type Notice, type SecretPrompt } from './item.js';
import { TerminalInput, type TerminalInputStream } from './terminal-input.js';

/**
 * Options of {@link TerminalTrustedIo}: the streams (`process.stdin` / `process.stdout`, or any
 * streams), how many times a question is asked again after an answer it does not understand
 * (default 3), and the options of every implementation.
 *
 * @example
 * ```ts
 * import type { TerminalTrustedIoOptions } from '@semper/trusted-io';
 * const options: TerminalTrustedIoOptions = { input: process.stdin, output: process.stdout, attempts: 5 };
 * ```
 */
export interface TerminalTrustedIoOptions extends TrustedIoOptions {
  readonly input: TerminalInputStream;
  readonly output: NodeJS.WritableStream;
  readonly attempts?: number;
}

const RULE = '-'.repeat(64);
const WIDTH = 96;

function wrap(text: string, width: number): string[] {
  const chars = [...text];
  if (chars.length <= width) return [text];
  const lines: string[] = [];
  for (let i = 0; i < chars.length; i += width) lines.push(chars.slice(i, i + width).join(''));
  return lines;
}

/**
 * The lines a terminal shows for an item: the title, the kind, the amount (exactly, `42.50 EUR`), the
 * payee, every field, the SHA-256 digest in groups of four, then the warnings. Every piece of text
 * goes through `displayText`, so no field can move the cursor, clear a line, or reorder what is read.
 *
 * @example
 * ```ts
 * import { renderConfirmation, sha256Hex } from '@semper/trusted-io';
 * const lines = renderConfirmation({ kind: 'statement', title: 'Sign the receipt', digest: sha256Hex(new Uint8Array()) });
 * console.log(lines.join('\n'));
 * ```
 */
export function renderConfirmation(item: ConfirmationItem, warnings: readonly string[] = []): string[] {
  const rows: [string, string][] = [['Kind', item.kind]];
  if (item.amount !== undefined) rows.push(['Amount', item.amount.toString()]);
  if (item.payee !== undefined) rows.push(['Payee', item.payee]);
  for (const f of item.fields ?? []) rows.push([f.label, Money.isMoney(f.value) ? f.value.toString() : f.value]);
  const labels = rows.map(([label]) => displayText(label));
  const width = Math.max('SHA-256'.length, ...labels.map((l) => [...l].length)) + 2;
  const pad = (label: string) => label + ' '.repeat(Math.max(0, width - [...label].length));
  const lines = [RULE, ` Confirm: ${displayText(item.title)}`];
  rows.forEach(([, value], i) => {
    wrap(displayText(value), WIDTH).forEach((part, j) => {
      lines.push(` ${pad(j === 0 ? `${labels[i]}:` : '')}${part}`);
    });
  });
  const [first, second] = formatDigest(item.digest);
  lines.push(` ${pad('SHA-256:')}${first}`, ` ${pad('')}${second}`);
  for (const w of warnings) lines.push(` ! ${displayText(w)}`);
  lines.push(RULE);
  return lines;
}

/**
 * TINGUIN on a terminal: shows what is to be confirmed — every field, the amount, the payee and the
 * SHA-256 digest of the exact bytes, grouped — and asks y/N; lists options and asks for a number;
 * reads secrets without echo (in raw mode on a TTY; on other streams nothing is echoed anyway);
 * prints notices. Works with `process.stdin`/`process.stdout` and with any streams (tests).
 *
 * - Answers: `y`/`yes` approves; `n`/`no` or an empty line refuses; anything else asks again, up to
 *   `attempts` times (then `no-answer`); the input ending is `no-answer`.
 * - On a TTY, what was typed before a question appeared is discarded (type-ahead cannot answer it).
 * - In a secret, Ctrl-C or Ctrl-D on an empty secret cancels, Backspace deletes, Ctrl-U clears, and
 *   escape sequences (arrow keys) are ignored.
 * - Untrusted text (a merchant's fields) is shown with control characters escaped (`displayText`).
 *
 * @example
 * ```ts
 * import { Money } from '@semper/core';
 * import { confirmThenSign, TerminalTrustedIo } from '@semper/trusted-io';
 * const io = new TerminalTrustedIo({ input: process.stdin, output: process.stdout });
 * const order = new TextEncoder().encode('order 17: 3 books');
 * const outcome = await confirmThenSign(
 *   io,
 *   { kind: 'payment', title: 'Pay Acme Books', amount: Money.parse('42.50', 'EUR'), payee: 'acme-books' },
 *   order,
 *   async (bytes) => bytes.length, // your signer here
 * );
 * ```
 */
export class TerminalTrustedIo extends AbstractTrustedIo {
  readonly #in: TerminalInput;
  readonly #out: NodeJS.WritableStream;
  readonly #attempts: number;

  constructor(options: TerminalTrustedIoOptions) {
    super(options);
    if (typeof options.input?.on !== 'function' || typeof options.input.resume !== 'function') {
      throw new TrustedIoError('ERR_TRUSTEDIO_INVALID_ARGUMENT', 'input must be a readable stream');
    }
    if (typeof options.output?.write !== 'function') {
      throw new TrustedIoError('ERR_TRUSTEDIO_INVALID_ARGUMENT', 'output must be a writable stream');
    }
    const attempts = options.attempts ?? 3;
    if (!Number.isSafeInteger(attempts) || attempts < 1) {
      throw new TrustedIoError('ERR_TRUSTEDIO_INVALID_ARGUMENT', 'attempts must be a positive integer');
    }
    this.#in = new TerminalInput(options.input);
    this.#out = options.output;
    this.#attempts = attempts;
  }

  protected override async onConfirm(item: ConfirmationItem, context: ConfirmContext): Promise<ConfirmDecision> {
    this.#write(`\n${renderConfirmation(item, context.warnings).join('\n')}\n`);
    for (let attempt = 1; attempt <= this.#attempts; attempt++) {
      const answer = await this.#ask('Approve exactly this? [y/N] ');
      if (answer === undefined) return { approved: false, code: 'no-answer', reason: 'the input ended' };
      const a = answer.trim().toLowerCase();
      if (a === 'y' || a === 'yes') return { approved: true, by: 'user' };
      if (a === '' || a === 'n' || a === 'no')
        return { approved: false, code: 'user-refused', reason: 'the user refused' };
      this.#write('Please answer y or n.\n');
    }
    return { approved: false, code: 'no-answer', reason: `no valid answer after ${this.#attempts} attempts` };
  }

  protected override async onChoose(request: ChoiceRequest): Promise<ChooseDecision> {
    const lines = [RULE, ` Choose: ${displayText(request.purpose)}`];
    request.options.forEach((o, i) => {
      const detail = o.detail === undefined ? '' : ` - ${displayText(o.detail)}`;
      lines.push(`  ${i + 1}) ${displayText(o.label)} [${displayText(o.id)}]${detail}`);
    });
    lines.push(RULE);
    this.#write(`\n${lines.join('\n')}\n`);
    const n = request.options.length;
    for (let attempt = 1; attempt <= this.#attempts; attempt++) {
      const answer = await this.#ask(`Choose 1-${n} (empty to cancel): `);
      if (answer === undefined) return { chosen: false, code: 'no-answer', reason: 'the input ended' };
      const a = answer.trim();
      if (a === '') return { chosen: false, code: 'cancelled', reason: 'the user cancelled' };
      const index = /^[0-9]{1,3}$/.test(a) ? Number(a) : Number.NaN;
      if (index >= 1 && index <= n) return { chosen: true, id: request.options[index - 1]!.id, by: 'user' };
      this.#write(`Please answer a number from 1 to ${n}.\n`);
    }
    return { chosen: false, code: 'no-answer', reason: `no valid answer after ${this.#attempts} attempts` };
  }

  protected override async onAskSecret(prompt: SecretPrompt): Promise<SecretDecision> {
    if (!this.#in.isTTY) {
      this.#write(`${displayText(prompt.label)}: `);
      const line = await this.#in.readLine();
      this.#write('\n');
      if (line === undefined) return { provided: false, code: 'no-answer', reason: 'the input ended' };
      return { provided: true, secret: line };
    }
    // Echo goes off before the prompt appears: nothing typed after it is ever echoed.
    this.#in.setRawMode(true);
    try {
      this.#in.discardTypeAhead();
      this.#write(`${displayText(prompt.label)}: `);
      return await this.#readSecretKeys();
    } finally {
      this.#in.setRawMode(false);
      this.#write('\n');
    }
  }

  protected override async onNotify(notice: Required<Notice>): Promise<void> {
    this.#write(`[${notice.level}] ${displayText(notice.text)}\n`);
  }

  async #readSecretKeys(): Promise<SecretDecision> {
    let secret: string[] = [];
    for (;;) {
      const ch = await this.#in.readChar();
      if (ch === undefined) return { provided: false, code: 'no-answer', reason: 'the input ended' };
      if (ch === '\r' || ch === '\n') {
        this.#in.endedLineWith(ch);
        return { provided: true, secret: secret.join('') };
      }
      if (ch === '\u0003') return { provided: false, code: 'cancelled', reason: 'the user cancelled (Ctrl-C)' };
      if (ch === '\u0004') {
        if (secret.length === 0) return { provided: false, code: 'cancelled', reason: 'the user cancelled (Ctrl-D)' };
        continue;
      }
      if (ch === '\u007f' || ch === '\b') {
        secret.pop();
        continue;
      }
      if (ch === '\u0015') {
        secret = [];
        continue;
      }
      if (ch === '\u001b') {
        await this.#skipEscape();
        continue;
      }
      if (ch < ' ') continue; // other control keys are not part of a secret
      secret.push(ch);
    }
  }

  /** Skips the rest of an escape sequence (CSI `ESC [ … final`, SS3 `ESC O x`). */
  async #skipEscape(): Promise<void> {
    const next = await this.#in.readChar();
    if (next === '[') {
      for (;;) {
        const c = await this.#in.readChar();
        if (c === undefined || (c >= '@' && c <= '~')) return;
      }
    }
    if (next === 'O') await this.#in.readChar();
  }

  async #ask(question: string): Promise<string | undefined> {
    if (this.#in.isTTY) this.#in.discardTypeAhead();
    this.#write(question);
    return this.#in.readLine();
  }

  #write(text: string): void {
    this.#out.write(text);
  }
}
