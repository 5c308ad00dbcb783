// Run under a pseudo-terminal by terminal.pty.test.ts: TerminalTrustedIo on the real process.stdin and
// process.stdout (a TTY here), confirming a payment, signing it, and asking for a passphrase. Prints one
// RESULT line; exits by itself (the input must not keep the process alive).
import { Money } from '@semper/core';
import { confirmThenSign, sha256Hex, TerminalTrustedIo } from '@semper/trusted-io';

const io = new TerminalTrustedIo({ input: process.stdin, output: process.stdout });
const body = new TextEncoder().encode('{"pay":{"amount":"4250","currency":"EUR"},"to":"acme-books"}');
let signed = '';
const outcome = await confirmThenSign(
  io,
  { kind: 'payment', title: 'Pay Acme Books', amount: Money.parse('42.50', 'EUR'), payee: 'acme-books' },
  body,
  (bytes) => {
    signed = sha256Hex(bytes);
    return 'signature';
  },
);
const secret = await io.askSecret({ id: 'keystore-passphrase', label: 'Passphrase' });
const result = {
  isTTY: process.stdin.isTTY === true,
  signed: outcome.signed,
  signedDigest: signed,
  secretLength: secret.provided ? secret.secret.length : -1,
  secretOk: secret.provided && secret.secret === 'pty-s3cret',
};
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
