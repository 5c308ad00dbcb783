// The mail transport without servers: options, addresses, limits, error mapping, a server that is not
// there. Against real servers: mail.services.test.ts.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { type CommsError, MessageRejectedError, MessageTooLargeError } from '../errors.js';
import { testMessage } from '../testing.js';
import type { TransportStatus } from '../transport.js';
import { mailError } from './mail-errors.js';
import { createMailTransport, DEFAULT_MAIL_MAX_MESSAGE_BYTES, MailTransport } from './mail.transport.js';
import { maxMailBytes } from './mime.js';

const server = { host: '127.0.0.1', port: 1, user: 'hub@sdc.test', password: 'hubpass' };
const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return 'no error';
  } catch (err) {
    return (err as CommsError).code;
  }
};

/** A port with nothing listening (bound, then released). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('MailTransport options', () => {
  it('takes a mailto:<mailbox> address, and pop3 or imap (not both); checks every server option', () => {
    expect(codeOf(() => createMailTransport({ address: 'hub@sdc.test' }))).toBe('ERR_COMMS_INVALID_ADDRESS');
    expect(codeOf(() => createMailTransport({ address: 'mailto:a@b,c@d' }))).toBe('ERR_COMMS_INVALID_ADDRESS');
    const address = 'mailto:hub@sdc.test';
    expect(codeOf(() => createMailTransport({ address, pop3: { ...server, rejectedDir: '/r' }, imap: server }))).toBe(
      'ERR_COMMS_INVALID_ARGUMENT',
    );
    expect(codeOf(() => createMailTransport({ address, smtp: { ...server, port: 0 } }))).toBe(
      'ERR_COMMS_INVALID_ARGUMENT',
    );
    expect(codeOf(() => createMailTransport({ address, smtp: { ...server, host: '' } }))).toBe(
      'ERR_COMMS_INVALID_ARGUMENT',
    );
    expect(codeOf(() => createMailTransport({ address, imap: { ...server, tls: 'maybe' as 'none' } }))).toBe(
      'ERR_COMMS_INVALID_ARGUMENT',
    );
    expect(
      codeOf(() => createMailTransport({ address, pop3: { ...server, tls: 'starttls' as 'none', rejectedDir: '/r' } })),
    ).toBe('ERR_COMMS_INVALID_ARGUMENT');
    // POP3 has no folders: the rejected mails need a local one.
    expect(codeOf(() => createMailTransport({ address, pop3: { ...server } as never }))).toBe(
      'ERR_COMMS_INVALID_ARGUMENT',
    );
    expect(codeOf(() => createMailTransport({ address, pop3: { ...server, rejectedDir: 'relative' } }))).toBe(
      'ERR_COMMS_INVALID_ARGUMENT',
    );
    expect(codeOf(() => createMailTransport({ address, pollIntervalMs: 0 }))).toBe('ERR_COMMS_INVALID_ARGUMENT');
    expect(codeOf(() => createMailTransport({ address, batchSize: 1.5 }))).toBe('ERR_COMMS_INVALID_ARGUMENT');
    expect(codeOf(() => createMailTransport({ address, smtp: { ...server, maxConnections: 0 } }))).toBe(
      'ERR_COMMS_INVALID_ARGUMENT',
    );
    expect(createMailTransport({ address, smtp: server })).toBeInstanceOf(MailTransport);
  });

  it('promises what it does: send with smtp, receive with pop3 or imap, no order, store-and-forward', () => {
    const sender = createMailTransport({ address: 'mailto:hub@sdc.test', smtp: server });
    expect(sender.capabilities).toEqual({ ordering: 'none', storeAndForward: true, send: true, receive: false });
    expect(sender.mailbox).toBe('hub@sdc.test');
    expect(sender.maxMessageBytes).toBe(DEFAULT_MAIL_MAX_MESSAGE_BYTES);
    const collector = createMailTransport({ address: 'mailto:hub@sdc.test', imap: server, maxMessageBytes: 1000 });
    expect(collector.capabilities).toMatchObject({ send: false, receive: true });
    expect(collector.maxMessageBytes).toBe(1000);
    expect(collector.canSend('mailto:agency1@sdc.test')).toBe(false); // no smtp
    expect(sender.canSend('mailto:agency1@sdc.test')).toBe(true);
    expect(sender.canSend('mailto:agency1')).toBe(false);
    expect(sender.canSend('mem:agency1')).toBe(false);
  });

  it('has the base64 form of maxMessageBytes plus the headers as its raw limit (not body + envelope)', () => {
    class Probe extends MailTransport {
      raw(): number {
        return this.maxRawBytes;
      }
      limitFor(maxMessageBytes: number): number {
        return this.rawLimit(maxMessageBytes);
      }
    }
    const probe = new Probe({ address: 'mailto:hub@sdc.test', imap: server, maxMessageBytes: 3 * 1024 * 1024 });
    expect(probe.raw()).toBe(maxMailBytes(3 * 1024 * 1024));
    expect(probe.limitFor(1000)).toBe(maxMailBytes(1000));
    expect(probe.raw()).toBeGreaterThan((3 * 1024 * 1024 * 4) / 3);
  });
});

describe('MailTransport without a server', () => {
  it('refuses a message over maxMessageBytes before connecting (ERR_COMMS_TOO_LARGE)', async () => {
    const tx = createMailTransport({
      address: 'mailto:hub@sdc.test',
      smtp: { ...server, port: await closedPort() },
      maxMessageBytes: 10,
    });
    const err = await tx
      .send(testMessage(tx.address, 'mailto:agency1@sdc.test', new Uint8Array(11)))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MessageTooLargeError);
    await tx.close();
  });

  it('send fails with ERR_COMMS_UNAVAILABLE when the SMTP server is not there', async () => {
    const tx = createMailTransport({
      address: 'mailto:hub@sdc.test',
      smtp: { ...server, port: await closedPort() },
      timeoutMs: 2000,
    });
    const err = await tx.send(testMessage(tx.address, 'mailto:agency1@sdc.test', 'x')).catch((e: unknown) => e);
    expect((err as CommsError).code).toBe('ERR_COMMS_UNAVAILABLE');
    expect((err as Error).message).not.toContain('hubpass');
    await tx.close();
  });

  for (const protocol of ['pop3', 'imap'] as const) {
    it(`${protocol}: receive fails at once with ERR_COMMS_UNAVAILABLE, and status$ says so (connecting, then error)`, async () => {
      const port = await closedPort();
      const rx = createMailTransport({
        address: 'mailto:hub@sdc.test',
        ...(protocol === 'pop3'
          ? { pop3: { ...server, port, tls: 'none', rejectedDir: '/tmp/x' } }
          : { imap: { ...server, port, tls: 'none' } }),
        timeoutMs: 2000,
      });
      const statuses: TransportStatus[] = [];
      rx.status$.subscribe((s) => statuses.push(s));
      const err = await rx.receive(async () => undefined).catch((e: unknown) => e);
      expect((err as CommsError).code).toBe('ERR_COMMS_UNAVAILABLE');
      const states = statuses.map((s) => s.state);
      expect(states.indexOf('connecting')).toBeGreaterThan(0);
      expect(states.at(-1)).toBe('error'); // not `idle`: a failed start needs attention
      expect(statuses.at(-1)?.error).toEqual({ code: 'ERR_COMMS_UNAVAILABLE', message: (err as Error).message });
      expect(statuses.at(-1)?.error?.message).not.toContain('hubpass');
      await rx.close();
      expect(statuses.at(-1)?.state).toBe('closed');
    });
  }
});

describe('mailError', () => {
  it('maps library errors to the contract, without secrets', () => {
    const code = (e: unknown) => mailError(e, 'smtp').code;
    expect(code(Object.assign(new Error('Invalid login: 535 5.7.8'), { code: 'EAUTH', responseCode: 535 }))).toBe(
      'ERR_COMMS_AUTH_FAILED',
    );
    expect(
      code(Object.assign(new Error('[AUTH] Authentication failed.'), { eventName: 'error', command: 'PASS ***' })),
    ).toBe('ERR_COMMS_AUTH_FAILED');
    expect(code(Object.assign(new Error('Authentication failed'), { authenticationFailed: true }))).toBe(
      'ERR_COMMS_AUTH_FAILED',
    );
    expect(
      code(
        Object.assign(new Error('self-signed certificate'), {
          code: 'ESOCKET',
          cause: { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' },
        }),
      ),
    ).toBe('ERR_COMMS_MAIL_TLS');
    expect(code(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(
      'ERR_COMMS_UNAVAILABLE',
    );
    expect(code(Object.assign(new Error('Greeting never received'), { code: 'ETIMEDOUT' }))).toBe('ERR_COMMS_TIMEOUT');
    expect(code(Object.assign(new Error('try later'), { code: 'EENVELOPE', responseCode: 451 }))).toBe(
      'ERR_COMMS_UNAVAILABLE',
    );
    const rejected = mailError(
      Object.assign(new Error('User unknown'), { code: 'EENVELOPE', responseCode: 550 }),
      'smtp',
    );
    expect(rejected).toBeInstanceOf(MessageRejectedError);
    expect((rejected as MessageRejectedError).status).toBe(550);
    // A 552 is the server's limit, not maxMessageBytes: the mail's raw size, the server's words.
    const tooLarge = mailError(
      Object.assign(new Error('552 5.3.4 Message size exceeds fixed limit'), { responseCode: 552 }),
      'smtp',
      {
        rawSize: 11_000_000,
      },
    );
    expect(tooLarge).toBeInstanceOf(MessageTooLargeError);
    expect(tooLarge).toMatchObject({ kind: 'raw', size: 11_000_000, limit: 0 });
    expect(tooLarge.message).toBe(
      "raw message of 11000000 bytes exceeds the receiving side's raw limit: smtp: 552 5.3.4 Message size exceeds fixed limit",
    );
    expect(code(new Error('something odd'))).toBe('ERR_COMMS_PROTOCOL');
    expect(mailError(new Error('PASS hunter2 refused'), 'pop3').message).not.toContain('hunter2');
  });
});
