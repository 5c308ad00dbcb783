/**
 * `@semper/trusted-io/testing`: what other packages' tests and trusted-io implementations need:
 *
 * - `ScriptedTrustedIo`: an implementation answering from a script (`approveNext()`,
 *   `chooseNext(id)`...), for the tests of packages that ask the user (commerce, payments);
 * - `createTestTerminal()`: streams that stand for a terminal (optionally a TTY with raw mode), to
 *   drive `TerminalTrustedIo` and read what it shows;
 * - `describeTrustedIoSuite(name, factory)`: the conformance suite every implementation passes.
 *
 * @packageDocumentation
 */
import { PassThrough } from 'node:stream';
import { EventBus, ManualClock, Money, Preferences } from '@semper/core';
import { describe, expect, it, vi } from 'vitest';
import {
  AbstractTrustedIo,
  type ChooseDecision,
  type ConfirmDecision,
  type SecretDecision,
  type TrustedIoOptions,
} from './abstract-trusted-io.js';
import { Confirmation, confirmThenSign, signConfirmed } from './confirmation.js';
import { formatDigest, sha256Hex } from './digest.js';
import { type ChoiceRequest, type ConfirmationItem, checkItem, type Notice } from './item.js';
import type { TrustedIoEvent } from './trusted-io.js';

type Answer =
  | { readonly kind: 'confirm'; readonly approve: boolean }
  | { readonly kind: 'choose'; readonly id: string | undefined }
  | { readonly kind: 'secret'; readonly secret: string | undefined };

/**
 * A trusted-io that answers from a script, for tests: each question takes the next scripted answer of
 * its kind; without one, it is refused (`no-answer`). What it was asked is kept in `shown`,
 * `choices`, `notices`.
 *
 * @example
 * ```ts
 * import { confirmThenSign } from '@semper/trusted-io';
 * import { ScriptedTrustedIo } from '@semper/trusted-io/testing';
 * const io = new ScriptedTrustedIo();
 * io.approveNext();
 * const outcome = await confirmThenSign(io, { kind: 'order', title: 'Order 17' }, new Uint8Array([1]), async () => 'sig');
 * outcome.signed; // true
 * io.shown[0]?.title; // 'Order 17'
 * ```
 */
export class ScriptedTrustedIo extends AbstractTrustedIo {
  /** Every item shown, in order. */
  readonly shown: ConfirmationItem[] = [];
  /** Every choice asked (not those the preferences decided), in order. */
  readonly choices: ChoiceRequest[] = [];
  /** Every notice, in order. */
  readonly notices: Required<Notice>[] = [];
  readonly #script: Answer[] = [];

  /**
   * The next confirmation is approved.
   *
   * @example
   * ```ts
   * io.approveNext().approveNext(); // the next two confirmations are approved
   * ```
   */
  approveNext(): this {
    this.#script.push({ kind: 'confirm', approve: true });
    return this;
  }

  /**
   * The next confirmation is refused (`user-refused`).
   *
   * @example
   * ```ts
   * io.refuseNext();
   * ```
   */
  refuseNext(): this {
    this.#script.push({ kind: 'confirm', approve: false });
    return this;
  }

  /**
   * The next choice picks `id` (`undefined`: cancelled).
   *
   * @example
   * ```ts
   * io.chooseNext('payment-card');
   * ```
   */
  chooseNext(id: string | undefined): this {
    this.#script.push({ kind: 'choose', id });
    return this;
  }

  /**
   * The next secret asked is `secret` (`undefined`: cancelled).
   *
   * @example
   * ```ts
   * io.provideNext('correct horse battery staple');
   * ```
   */
  provideNext(secret: string | undefined): this {
    this.#script.push({ kind: 'secret', secret });
    return this;
  }

  /**
   * How many scripted answers are left.
   *
   * @example
   * ```ts
   * expect(io.pending).toBe(0); // every scripted answer was used
   * ```
   */
  get pending(): number {
    return this.#script.length;
  }

  #next<K extends Answer['kind']>(kind: K): Extract<Answer, { kind: K }> | undefined {
    const i = this.#script.findIndex((a) => a.kind === kind);
    return i < 0 ? undefined : (this.#script.splice(i, 1)[0] as Extract<Answer, { kind: K }>);
  }

  protected override async onConfirm(item: ConfirmationItem): Promise<ConfirmDecision> {
    this.shown.push(item);
    const answer = this.#next('confirm');
    if (answer === undefined) return { approved: false, code: 'no-answer', reason: 'nothing scripted' };
    return answer.approve
      ? { approved: true, by: 'user' }
      : { approved: false, code: 'user-refused', reason: 'the script refused' };
  }

  protected override async onChoose(request: ChoiceRequest): Promise<ChooseDecision> {
    this.choices.push(request);
    const answer = this.#next('choose');
    if (answer === undefined) return { chosen: false, code: 'no-answer', reason: 'nothing scripted' };
    if (answer.id === undefined) return { chosen: false, code: 'cancelled', reason: 'the script cancelled' };
    return { chosen: true, id: answer.id, by: 'user' };
  }

  protected override async onAskSecret(): Promise<SecretDecision> {
    const answer = this.#next('secret');
    if (answer === undefined) return { provided: false, code: 'no-answer', reason: 'nothing scripted' };
    if (answer.secret === undefined) return { provided: false, code: 'cancelled', reason: 'the script cancelled' };
    return { provided: true, secret: answer.secret };
  }

  protected override async onNotify(notice: Required<Notice>): Promise<void> {
    this.notices.push(notice);
  }
}

/**
 * Streams standing for a terminal, made by {@link createTestTerminal}.
 *
 * @example
 * ```ts
 * import type { TestTerminal } from '@semper/trusted-io/testing';
 * declare const terminal: TestTerminal;
 * await terminal.waitFor('[y/N]');
 * terminal.type('y\r');
 * ```
 */
export interface TestTerminal {
  /** The keyboard side: give it to the implementation as `input`. */
  readonly input: PassThrough & { isTTY?: boolean; setRawMode?(mode: boolean): unknown };
  /** The screen side: give it to the implementation as `output`. */
  readonly output: PassThrough;
  /** Every `setRawMode` call, in order (a TTY only). */
  readonly rawModes: readonly boolean[];
  /** Whether raw mode is on now. */
  readonly raw: () => boolean;
  /** Everything written to the screen so far. */
  screen(): string;
  /** Types `text` (nothing is echoed: a raw-mode TTY or a pipe does not echo). */
  type(text: string): void;
  /**
   * Waits until `pattern` appears on the screen after the previous match (so successive calls find
   * successive prompts); rejects after `timeoutMs` (default 5000) with the screen in the message.
   */
  waitFor(pattern: string | RegExp, timeoutMs?: number): Promise<void>;
  /** Ends the input (as Ctrl-D on an empty line, or a closed pipe). */
  end(): void;
}

/**
 * Makes a {@link TestTerminal}: a pipe by default, a TTY with `{ tty: true }` (it has `isTTY` and
 * `setRawMode`, and records the raw-mode changes).
 *
 * @example
 * ```ts
 * import { TerminalTrustedIo } from '@semper/trusted-io';
 * import { createTestTerminal } from '@semper/trusted-io/testing';
 * const terminal = createTestTerminal({ tty: true });
 * const io = new TerminalTrustedIo({ input: terminal.input, output: terminal.output });
 * const asked = io.askSecret('Passphrase');
 * await terminal.waitFor('Passphrase: ');
 * terminal.type('s3cret\r');
 * (await asked).provided; // true; terminal.screen() does not contain 's3cret'
 * ```
 */
export function createTestTerminal(options: { readonly tty?: boolean } = {}): TestTerminal {
  const input: TestTerminal['input'] = new PassThrough();
  const output = new PassThrough();
  const rawModes: boolean[] = [];
  let raw = false;
  if (options.tty === true) {
    input.isTTY = true;
    input.setRawMode = (mode: boolean) => {
      rawModes.push(mode);
      raw = mode;
      return input;
    };
  }
  let screen = '';
  let cursor = 0;
  const waiters = new Set<() => void>();
  output.setEncoding('utf8');
  output.on('data', (chunk: string) => {
    screen += chunk;
    for (const w of [...waiters]) w();
  });
  return {
    input,
    output,
    rawModes,
    raw: () => raw,
    screen: () => screen,
    type: (text) => {
      input.write(text);
    },
    end: () => {
      input.end();
    },
    waitFor(pattern, timeoutMs = 5000) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          const rest = screen.slice(cursor);
          const index = typeof pattern === 'string' ? rest.indexOf(pattern) : rest.search(pattern);
          if (index < 0) return false;
          const length = typeof pattern === 'string' ? pattern.length : (rest.match(pattern)?.[0].length ?? 0);
          cursor += index + length;
          return true;
        };
        if (check()) return resolve();
        const timer = setTimeout(() => {
          waiters.delete(onOutput);
          reject(new Error(`timed out waiting for ${String(pattern)}; the screen shows:\n${screen}`));
        }, timeoutMs);
        const onOutput = () => {
          if (!check()) return;
          clearTimeout(timer);
          waiters.delete(onOutput);
          resolve();
        };
        waiters.add(onOutput);
      });
    },
  };
}

/**
 * How {@link describeTrustedIoSuite} drives an implementation: the implementation, made with the
 * options the suite gives, and how to make it approve, refuse, choose and give a secret next (for a
 * person at a terminal: type the answer; for a policy: make its rules say so). `screen`, when the
 * implementation shows things, is what was shown so far: the suite then checks that the digest signed
 * is the digest shown.
 *
 * @example
 * ```ts
 * import { ScriptedTrustedIo, type TrustedIoHarness } from '@semper/trusted-io/testing';
 * const harness = (io: ScriptedTrustedIo): TrustedIoHarness => ({
 *   io,
 *   approveNext: () => io.approveNext(),
 *   refuseNext: () => io.refuseNext(),
 *   chooseNext: (id) => io.chooseNext(id),
 *   provideNext: (secret) => io.provideNext(secret),
 * });
 * ```
 */
export interface TrustedIoHarness {
  readonly io: AbstractTrustedIo;
  approveNext(): void;
  refuseNext(): void;
  chooseNext(id: string): void;
  provideNext(secret: string): void;
  screen?(): string;
}

/**
 * The conformance suite of trusted-io implementations (run it in the implementation's tests).
 * `factory` makes a fresh implementation with the given options (clock, event bus, preferences,
 * `onDecision`) and its harness.
 *
 * @example
 * ```ts
 * import { describeTrustedIoSuite, ScriptedTrustedIo } from '@semper/trusted-io/testing';
 * describeTrustedIoSuite('scripted', (options) => {
 *   const io = new ScriptedTrustedIo(options);
 *   return {
 *     io,
 *     approveNext: () => io.approveNext(),
 *     refuseNext: () => io.refuseNext(),
 *     chooseNext: (id) => io.chooseNext(id),
 *     provideNext: (secret) => io.provideNext(secret),
 *   };
 * });
 * ```
 */
export function describeTrustedIoSuite(
  name: string,
  factory: (options: TrustedIoOptions) => TrustedIoHarness | Promise<TrustedIoHarness>,
): void {
  const payment = new TextEncoder().encode(
    '{"pay":{"amount":"4250","currency":"EUR"},"to":"acme-books","order":"o17"}',
  );
  const item = (bytes: Uint8Array = payment): ConfirmationItem => ({
    kind: 'payment',
    title: 'Pay Acme Books',
    fields: [
      { label: 'Order', value: 'o17' },
      { label: 'Shipping', value: Money.parse('4.90', 'EUR') },
    ],
    amount: Money.parse('42.50', 'EUR'),
    payee: 'acme-books',
    digest: sha256Hex(bytes),
  });
  const modules: ChoiceRequest = {
    purpose: 'payment module',
    block: 'payments',
    options: [
      { id: 'payment-card', label: 'Card' },
      { id: 'payment-ecash', label: 'E-cash' },
    ],
  };

  async function setup(extra: Partial<TrustedIoOptions> = {}) {
    const clock = new ManualClock('2030-01-01T10:00:00Z');
    const events = new EventBus(clock);
    const onBus: unknown[] = [];
    events.events$.subscribe((e) => onBus.push(e));
    const recorded: TrustedIoEvent[] = [];
    const harness = await factory({
      clock,
      events,
      preferences: Preferences.from({ preferredModules: { payments: ['payment-ecash'] } }),
      onDecision: (e) => {
        recorded.push(e);
      },
      ...extra,
    });
    const seen: TrustedIoEvent[] = [];
    harness.io.events$.subscribe((e) => seen.push(e));
    return { harness, io: harness.io, recorded, seen, onBus };
  }

  const signer = () => vi.fn(async (bytes: Uint8Array) => `signature over ${sha256Hex(bytes)}`);

  describe(`trusted-io conformance: ${name}`, () => {
    it('binds an approval to the digest shown; the signer gets exactly the confirmed bytes, once', async () => {
      const { harness, io, recorded } = await setup();
      harness.approveNext();
      const result = await io.confirm(item());
      expect(result.approved).toBe(true);
      if (!result.approved) return;
      expect(result.digest).toBe(sha256Hex(payment));
      expect(result.confirmation.digest).toBe(result.digest);
      expect(result.confirmation.item).toEqual(checkItem(item()));
      expect(Confirmation.isConfirmation(result.confirmation)).toBe(true);
      if (harness.screen !== undefined) {
        const screen = harness.screen();
        for (const line of formatDigest(result.digest)) expect(screen).toContain(line);
        for (const text of ['Pay Acme Books', '42.50 EUR', 'acme-books', 'o17', '4.90 EUR']) {
          expect(screen).toContain(text);
        }
      }
      const sign = signer();
      expect(await signConfirmed(result.confirmation, payment, sign)).toBe(`signature over ${result.digest}`);
      expect(sign).toHaveBeenCalledTimes(1);
      expect(sha256Hex(sign.mock.calls[0]![0])).toBe(result.digest);
      expect(result.confirmation.isUsed()).toBe(true);
      await expect(signConfirmed(result.confirmation, payment, sign)).rejects.toMatchObject({
        code: 'ERR_TRUSTEDIO_CONFIRMATION_USED',
      });
      expect(sign).toHaveBeenCalledTimes(1);
      expect(recorded.map((e) => e.type)).toEqual(['trustedio.confirmed', 'trustedio.signed']);
      expect(recorded[1]).toMatchObject({ digest: result.digest, decisionId: result.decisionId });
    });

    it('refuses to sign bytes that differ from the confirmed ones, by one bit, without calling the signer', async () => {
      const { harness, io } = await setup();
      harness.approveNext();
      const bytes = payment.slice();
      const result = await io.confirm(item(bytes));
      if (!result.approved) throw new Error('expected an approval');
      const sign = signer();
      const changed = bytes.slice();
      changed[10]! ^= 1;
      await expect(signConfirmed(result.confirmation, changed, sign)).rejects.toMatchObject({
        code: 'ERR_TRUSTEDIO_DIGEST_MISMATCH',
        confirmed: result.digest,
        actual: sha256Hex(changed),
      });
      bytes[0]! ^= 1; // the caller's own buffer, changed after confirmation
      await expect(signConfirmed(result.confirmation, bytes, sign)).rejects.toMatchObject({
        code: 'ERR_TRUSTEDIO_DIGEST_MISMATCH',
      });
      expect(sign).not.toHaveBeenCalled();
      bytes[0]! ^= 1;
      await signConfirmed(result.confirmation, bytes, sign); // the confirmed bytes still can be signed
      expect(sign).toHaveBeenCalledTimes(1);
    });

    it('returns a refusal, records it, and confirmThenSign then signs nothing', async () => {
      const { harness, io, recorded, seen } = await setup();
      harness.refuseNext();
      const sign = signer();
      const outcome = await confirmThenSign(io, { ...item(), digest: undefined }, payment, sign);
      expect(outcome.signed).toBe(false);
      if (outcome.signed) return;
      expect(typeof outcome.code).toBe('string');
      expect(outcome.reason.length).toBeGreaterThan(0);
      expect(sign).not.toHaveBeenCalled();
      expect(recorded.map((e) => e.type)).toEqual(['trustedio.refused']);
      expect(recorded[0]).toMatchObject({ decisionId: outcome.decisionId, item: { digest: sha256Hex(payment) } });
      expect(seen).toEqual(recorded);
      expect(io.decisions).toEqual(recorded);
    });

    it('confirmThenSign shows the digest of the bytes, and refuses an item that carries another', async () => {
      const { harness, io } = await setup();
      harness.approveNext();
      const sign = signer();
      const outcome = await confirmThenSign(io, { kind: 'order', title: 'Order o17' }, payment, sign);
      expect(outcome).toMatchObject({ signed: true, confirmation: { digest: sha256Hex(payment) } });
      expect(sha256Hex(sign.mock.calls[0]![0])).toBe(sha256Hex(payment));
      await expect(
        confirmThenSign(io, { kind: 'order', title: 'Order o17', digest: sha256Hex(new Uint8Array(1)) }, payment, sign),
      ).rejects.toMatchObject({ code: 'ERR_TRUSTEDIO_DIGEST_MISMATCH' });
      expect(io.decisions.filter((d) => d.type === 'trustedio.confirmed')).toHaveLength(1);
    });

    it('shows and binds a snapshot: changing the item after confirm() changes nothing', async () => {
      const { harness, io } = await setup();
      harness.approveNext();
      const mutable = { ...item(), fields: [...(item().fields ?? [])] } as {
        -readonly [K in keyof ConfirmationItem]: ConfirmationItem[K];
      } & { fields: { label: string; value: string | Money }[] };
      const pending = io.confirm(mutable);
      mutable.title = 'Pay Mallory';
      mutable.digest = sha256Hex(new Uint8Array(3));
      mutable.fields[0] = { label: 'Order', value: 'o666' };
      const result = await pending;
      if (!result.approved) throw new Error('expected an approval');
      expect(result.confirmation.item).toEqual(checkItem(item()));
      expect(Object.isFrozen(result.confirmation.item)).toBe(true);
      if (harness.screen !== undefined) expect(harness.screen()).not.toContain('Mallory');
    });

    it('refuses forged confirmations', async () => {
      const sign = signer();
      const forged = { digest: sha256Hex(payment), item: item(), isUsed: () => false };
      await expect(signConfirmed(forged as unknown as Confirmation, payment, sign)).rejects.toMatchObject({
        code: 'ERR_TRUSTEDIO_INVALID_CONFIRMATION',
      });
      expect(() => new Confirmation(Symbol('forged'), item(), { decisionId: 'x', by: 'user', at: new Date() })).toThrow(
        expect.objectContaining({ code: 'ERR_TRUSTEDIO_INVALID_CONFIRMATION' }),
      );
      expect(sign).not.toHaveBeenCalled();
    });

    it('throws for malformed items before showing anything, and records nothing', async () => {
      const { io, recorded } = await setup();
      const invalid = { code: 'ERR_TRUSTEDIO_INVALID_ARGUMENT' };
      await expect(io.confirm({ ...item(), digest: 'abc' })).rejects.toMatchObject(invalid);
      await expect(io.confirm({ ...item(), digest: sha256Hex(payment).toUpperCase() })).rejects.toMatchObject(invalid);
      await expect(io.confirm({ ...item(), kind: 'Payment!' })).rejects.toMatchObject(invalid);
      await expect(io.confirm({ ...item(), amount: Money.parse('-1', 'EUR') })).rejects.toMatchObject(invalid);
      await expect(io.confirm({ ...item(), amount: 42 as never })).rejects.toMatchObject(invalid);
      await expect(io.confirm({ ...item(), fields: [{ label: '', value: 'x' }] })).rejects.toMatchObject(invalid);
      expect(recorded).toEqual([]);
    });

    it('lets the preferred module decide a choice without asking; asks otherwise; answers only offered ids', async () => {
      const { harness, io, recorded } = await setup();
      harness.chooseNext('payment-card');
      expect(await io.choose(modules)).toMatchObject({ chosen: true, id: 'payment-ecash', by: 'preferences' });
      const asked = await io.choose({ ...modules, block: undefined });
      expect(asked).toMatchObject({ chosen: true, id: 'payment-card' });
      expect(asked.chosen && asked.by).not.toBe('preferences');
      expect(recorded.map((e) => [e.type, 'id' in e ? e.id : undefined, 'by' in e ? e.by : undefined])).toEqual([
        ['trustedio.chosen', 'payment-ecash', 'preferences'],
        ['trustedio.chosen', 'payment-card', asked.chosen ? asked.by : undefined],
      ]);
      await expect(io.choose({ purpose: 'x', options: [] })).rejects.toMatchObject({
        code: 'ERR_TRUSTEDIO_INVALID_ARGUMENT',
      });
    });

    it('returns a secret and never records nor shows it', async () => {
      const { harness, io, recorded, onBus } = await setup();
      harness.provideNext('correct horse battery staple');
      const result = await io.askSecret({ id: 'keystore-passphrase', label: 'Passphrase' });
      expect(result).toMatchObject({ provided: true, secret: 'correct horse battery staple' });
      expect(recorded).toEqual([
        expect.objectContaining({
          type: 'trustedio.secret-requested',
          promptId: 'keystore-passphrase',
          provided: true,
        }),
      ]);
      expect(JSON.stringify([recorded, io.decisions, onBus])).not.toContain('horse');
      if (harness.screen !== undefined) expect(harness.screen()).not.toContain('horse');
    });

    it('records notices, and publishes every decision on the party bus', async () => {
      const { io, recorded, onBus } = await setup();
      await io.notify({ level: 'warning', text: 'The merchant cancelled the order.' });
      await io.notify('Payment sent.');
      expect(recorded.map((e) => e.type === 'trustedio.notified' && [e.level, e.text])).toEqual([
        ['warning', 'The merchant cancelled the order.'],
        ['info', 'Payment sent.'],
      ]);
      expect(onBus).toEqual(recorded);
      expect(recorded[0]?.at).toEqual(new Date('2030-01-01T10:00:00Z'));
    });

    it('decides nothing it cannot record: a failing onDecision fails the operation', async () => {
      const { harness, io } = await setup({
        onDecision: () => {
          throw new Error('audit log unavailable');
        },
      });
      harness.approveNext();
      await expect(io.confirm(item())).rejects.toThrow('audit log unavailable');
      expect(io.decisions).toEqual([]);
    });

    it('asks one question at a time, in call order', async () => {
      const { harness, io } = await setup();
      harness.approveNext();
      harness.refuseNext();
      const other = new TextEncoder().encode('another payment');
      const [a, b] = await Promise.all([io.confirm(item()), io.confirm(item(other))]);
      expect(a).toMatchObject({ approved: true, digest: sha256Hex(payment) });
      expect(b.approved).toBe(false);
      expect(
        io.decisions.map((d) =>
          d.type === 'trustedio.refused' || d.type === 'trustedio.confirmed' ? d.item.digest : '',
        ),
      ).toEqual([sha256Hex(payment), sha256Hex(other)]);
    });
  });
}
