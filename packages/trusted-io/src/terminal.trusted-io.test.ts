import { PassThrough } from 'node:stream';
import { Money, Preferences } from '@semper/core';
import { describe, expect, it, vi } from 'vitest';
import { confirmThenSign, signConfirmed } from './confirmation.js';
import { formatDigest, sha256Hex } from './digest.js';
import type { ConfirmationItem } from './item.js';
import { renderConfirmation, TerminalTrustedIo } from './terminal.trusted-io.js';
import { createTestTerminal, describeTrustedIoSuite } from './testing.js';

// On a pipe, answers may be typed ahead: each is read by the next question.
describeTrustedIoSuite('terminal (pipe)', (options) => {
  const terminal = createTestTerminal();
  const io = new TerminalTrustedIo({ ...options, input: terminal.input, output: terminal.output });
  return {
    io,
    approveNext: () => terminal.type('y\n'),
    refuseNext: () => terminal.type('n\n'),
    chooseNext: (id) => terminal.type(`${id === 'payment-card' ? 1 : 2}\n`),
    provideNext: (secret) => terminal.type(`${secret}\n`),
    screen: () => terminal.screen(),
  };
});

const order = new TextEncoder().encode('{"order":"o17","items":[{"sku":"book-1","qty":3}],"total":"42.50 EUR"}');
const item = (bytes: Uint8Array = order): ConfirmationItem => ({
  kind: 'payment',
  title: 'Pay Acme Books',
  fields: [{ label: 'Order', value: 'o17' }],
  amount: Money.parse('42.50', 'EUR'),
  payee: 'acme-books',
  digest: sha256Hex(bytes),
});

/** The digest as the terminal showed it: the two grouped lines after "SHA-256:", joined. */
function digestOnScreen(screen: string): string {
  const m = /SHA-256:\s+((?:[0-9a-f]{4} ){7}[0-9a-f]{4})\n\s+((?:[0-9a-f]{4} ){7}[0-9a-f]{4})\n/.exec(screen);
  if (m === null) throw new Error(`no digest on the screen:\n${screen}`);
  return `${m[1]}${m[2]}`.replaceAll(' ', '');
}

describe('TerminalTrustedIo on a TTY', () => {
  it('signs exactly the digest it showed, and nothing once the bytes change', async () => {
    const terminal = createTestTerminal({ tty: true });
    const io = new TerminalTrustedIo({ input: terminal.input, output: terminal.output });
    const sign = vi.fn(async (bytes: Uint8Array) => `sig:${sha256Hex(bytes)}`);

    const pending = confirmThenSign(io, { ...item(), digest: undefined }, order, sign);
    await terminal.waitFor('Approve exactly this? [y/N] ');
    const shown = digestOnScreen(terminal.screen());
    terminal.type('y\r');
    const outcome = await pending;
    expect(outcome.signed).toBe(true);
    expect(sign).toHaveBeenCalledTimes(1);
    expect(sha256Hex(sign.mock.calls[0]![0])).toBe(shown); // the digest signed is the digest shown
    expect(shown).toBe(sha256Hex(order));

    // Confirm, then change the bytes: signing fails and the signer is never called.
    const bytes = order.slice();
    const confirming = io.confirm(item(bytes));
    await terminal.waitFor('[y/N] ');
    expect(digestOnScreen(terminal.screen().slice(terminal.screen().lastIndexOf('Confirm:')))).toBe(sha256Hex(bytes));
    terminal.type('yes\r');
    const result = await confirming;
    if (!result.approved) throw new Error('expected an approval');
    bytes[bytes.length - 2] = 0x39; // "42.50" becomes "42.59"
    await expect(signConfirmed(result.confirmation, bytes, sign)).rejects.toMatchObject({
      code: 'ERR_TRUSTEDIO_DIGEST_MISMATCH',
      confirmed: shown,
    });
    expect(sign).toHaveBeenCalledTimes(1);
    expect(terminal.rawModes).toEqual([]); // y/n is read in cooked mode, echoed by the terminal itself
  });

  it('discards what was typed before the question appeared', async () => {
    const terminal = createTestTerminal({ tty: true });
    const io = new TerminalTrustedIo({ input: terminal.input, output: terminal.output });
    await io.notify('hello'); // the reader has started
    terminal.type('y\r'); // typed ahead, before anything is shown
    const pending = io.confirm(item());
    await terminal.waitFor('[y/N] ');
    terminal.type('n\r');
    expect(await pending).toMatchObject({ approved: false, code: 'user-refused' });
  });

  it('reads a secret in raw mode without echo; Backspace, Ctrl-U and arrow keys edit it', async () => {
    const terminal = createTestTerminal({ tty: true });
    const io = new TerminalTrustedIo({ input: terminal.input, output: terminal.output });
    const pending = io.askSecret({ id: 'keystore-passphrase', label: 'Passphrase of your key' });
    await terminal.waitFor('Passphrase of your key: ');
    expect(terminal.raw()).toBe(true);
    terminal.type('wrong\u0015');
    terminal.type('s3cr');
    terminal.type('\u001b[D\u001bOA'); // arrow keys: ignored
    terminal.type('x\u007fet');
    terminal.type('\r');
    expect(await pending).toMatchObject({ provided: true, secret: 's3cret' });
    expect(terminal.rawModes).toEqual([true, false]);
    expect(terminal.screen()).not.toMatch(/s3c|wrong|\*/);
  });

  it('cancels a secret on Ctrl-C, and on Ctrl-D when empty; restores the mode', async () => {
    for (const [keys, code] of [
      ['abc\u0003', 'cancelled'],
      ['\u0004', 'cancelled'],
    ] as const) {
      const terminal = createTestTerminal({ tty: true });
      const io = new TerminalTrustedIo({ input: terminal.input, output: terminal.output });
      const pending = io.askSecret('PIN');
      await terminal.waitFor('PIN: ');
      terminal.type(keys);
      expect(await pending).toMatchObject({ provided: false, code });
      expect(terminal.raw()).toBe(false);
    }
  });

  it('reads a secret after a CRLF answer without taking the LF for an empty line', async () => {
    const terminal = createTestTerminal({ tty: true });
    const io = new TerminalTrustedIo({ input: terminal.input, output: terminal.output });
    const asked = io.askSecret('PIN');
    await terminal.waitFor('PIN: ');
    terminal.type('1234\r\n');
    expect(await asked).toMatchObject({ secret: '1234' });
  });
});

describe('TerminalTrustedIo on streams', () => {
  const setup = (options: { preferences?: Preferences; attempts?: number } = {}) => {
    const terminal = createTestTerminal();
    const io = new TerminalTrustedIo({ ...options, input: terminal.input, output: terminal.output });
    return { terminal, io };
  };

  it('shows the item: title, kind, amount, payee, fields and the digest grouped', async () => {
    const { terminal, io } = setup();
    terminal.type('y\n');
    await io.confirm(item());
    const screen = terminal.screen();
    const [line1, line2] = formatDigest(sha256Hex(order));
    expect(screen).toContain(' Confirm: Pay Acme Books\n');
    expect(screen).toMatch(/ Kind: +payment\n Amount: +42\.50 EUR\n Payee: +acme-books\n Order: +o17\n/);
    expect(screen).toContain(` SHA-256: ${line1}\n          ${line2}\n`);
    expect(screen).toContain('Approve exactly this? [y/N] ');
    expect(digestOnScreen(screen)).toBe(sha256Hex(order));
  });

  it('escapes control characters, so a field cannot rewrite the amount or the digest', async () => {
    const { terminal, io } = setup();
    terminal.type('n\n');
    const hostile = {
      ...item(),
      title: 'Pay\u001b[2J',
      fields: [
        { label: 'Note\u001b[1A', value: '\r Amount:   0.01 EUR\u001b[K' },
        { label: 'Ref', value: 'abc\u202Efdp.exe\u0000\\' },
      ],
    };
    await io.confirm(hostile);
    const screen = terminal.screen();
    expect(screen).not.toMatch(/[\u0000\u0007\u001b\u202e\r]/);
    expect(screen).toContain('Pay\\u{1b}[2J');
    expect(screen).toContain('Note\\u{1b}[1A:');
    expect(screen).toContain('\\u{d} Amount:   0.01 EUR\\u{1b}[K');
    expect(screen).toContain('abc\\u{202e}fdp.exe\\u{0}\\\\');
  });

  it('warns when the amount is above the spending limit or the payee root is not trusted', async () => {
    const preferences = Preferences.from({ spendingLimits: { EUR: Money.parse('40', 'EUR') }, trustedRoots: ['r1'] });
    const { terminal, io } = setup({ preferences });
    terminal.type('n\n');
    await io.confirm({ ...item(), payeeRoot: 'r2' });
    expect(terminal.screen()).toContain(' ! 42.50 EUR is above your spending limit of 40.00 EUR\n');
    expect(terminal.screen()).toContain(" ! the payee's certificate does not chain to a root you trust\n");
  });

  it('asks again after an answer it does not understand; refuses on empty, on no, and at the end of input', async () => {
    const { terminal, io } = setup({ attempts: 2 });
    terminal.type('maybe\nYES\n');
    expect(await io.confirm(item())).toMatchObject({ approved: true });
    expect(terminal.screen()).toContain('Please answer y or n.');
    terminal.type('\n');
    expect(await io.confirm(item())).toMatchObject({ approved: false, code: 'user-refused' });
    terminal.type('No\n');
    expect(await io.confirm(item())).toMatchObject({ approved: false, code: 'user-refused' });
    terminal.type('what\r\nwhy\r\n');
    expect(await io.confirm(item())).toMatchObject({ approved: false, code: 'no-answer' });
    terminal.end();
    expect(await io.confirm(item())).toMatchObject({ approved: false, code: 'no-answer', reason: 'the input ended' });
    expect(await io.choose({ purpose: 'x', options: [{ id: 'a', label: 'A' }] })).toMatchObject({ code: 'no-answer' });
    expect(await io.askSecret('PIN')).toMatchObject({ provided: false, code: 'no-answer' });
  });

  it('lists options by number; refuses numbers out of range; empty cancels', async () => {
    const { terminal, io } = setup();
    const request = {
      purpose: 'payment module',
      options: [
        { id: 'payment-card', label: 'Card', detail: 'Visa ending 4242' },
        { id: 'payment-ecash', label: 'E-cash' },
      ],
    };
    terminal.type('3\n0x1\n2\n');
    expect(await io.choose(request)).toMatchObject({ chosen: true, id: 'payment-ecash', by: 'user' });
    expect(terminal.screen()).toContain('  1) Card [payment-card] - Visa ending 4242\n  2) E-cash [payment-ecash]\n');
    expect(terminal.screen()).toContain('Please answer a number from 1 to 2.');
    terminal.type('\n');
    expect(await io.choose(request)).toMatchObject({ chosen: false, code: 'cancelled' });
  });

  it("does not ask when the user's preferred module is offered", async () => {
    const preferences = Preferences.from({ preferredModules: { payments: ['payment-card'] } });
    const { terminal, io } = setup({ preferences });
    expect(
      await io.choose({
        purpose: 'payment module',
        block: 'payments',
        options: [
          { id: 'payment-ecash', label: 'E-cash' },
          { id: 'payment-card', label: 'Card' },
        ],
      }),
    ).toMatchObject({ chosen: true, id: 'payment-card', by: 'preferences' });
    expect(terminal.screen()).toBe('');
  });

  it('prints notices, escaped', async () => {
    const { terminal, io } = setup();
    await io.notify({ level: 'error', text: 'Delivery failed\u001b[0m' });
    expect(terminal.screen()).toBe('[error] Delivery failed\\u{1b}[0m\n');
  });

  it('reads UTF-8 split across chunks, and cuts overlong lines', async () => {
    const { terminal, io } = setup();
    const euro = Buffer.from('pässwörd€\n', 'utf8');
    terminal.input.write(euro.subarray(0, 2));
    terminal.input.write(euro.subarray(2, 11));
    terminal.input.write(euro.subarray(11));
    expect(await io.askSecret('PIN')).toMatchObject({ secret: 'pässwörd€' });
    terminal.type(`${'a'.repeat(5000)}\n`);
    const long = await io.askSecret('PIN');
    expect(long.provided && long.secret.length).toBe(4096);
  });

  it('throws ERR_TRUSTEDIO_IO_FAILED when the input fails', async () => {
    const input = new PassThrough();
    const io = new TerminalTrustedIo({ input, output: new PassThrough() });
    const pending = io.confirm(item());
    setTimeout(() => input.destroy(new Error('EIO')), 5);
    await expect(pending).rejects.toMatchObject({ code: 'ERR_TRUSTEDIO_IO_FAILED', cause: { message: 'EIO' } });
  });

  it('refuses bad options', () => {
    const invalid = expect.objectContaining({ code: 'ERR_TRUSTEDIO_INVALID_ARGUMENT' });
    expect(() => new TerminalTrustedIo({ input: {} as never, output: new PassThrough() })).toThrow(invalid);
    expect(() => new TerminalTrustedIo({ input: new PassThrough(), output: {} as never })).toThrow(invalid);
    expect(() => new TerminalTrustedIo({ input: new PassThrough(), output: new PassThrough(), attempts: 0 })).toThrow(
      invalid,
    );
  });

  it('renders without preferences or fields', () => {
    const lines = renderConfirmation({ kind: 'statement', title: 'Sign', digest: sha256Hex(new Uint8Array()) });
    expect(lines.slice(1, -1)).toEqual([
      ' Confirm: Sign',
      ' Kind:    statement',
      ' SHA-256: e3b0 c442 98fc 1c14 9afb f4c8 996f b924',
      '          27ae 41e4 649b 934c a495 991b 7852 b855',
    ]);
  });
});
