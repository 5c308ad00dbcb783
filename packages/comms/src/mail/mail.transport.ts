import { randomBytes } from 'node:crypto';
import { mkdir, open, rename } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { Clock } from '@semper/core';
import { ImapFlow } from 'imapflow';
import { createTransport } from 'nodemailer';
import { AbstractTransport, type IncomingMessage, type InboundSink, type PollingLoop } from '../abstract-transport.js';
import type { ParsedAddress } from '../address.js';
import { CommsError, MessageRejectedError, MessageTooLargeError } from '../errors.js';
import type { Message } from '../message.js';
import type { RedeliveryPolicy, RejectionReport, SendReceipt } from '../transport.js';
import { mailError } from './mail-errors.js';
import { composeMail, mailboxOf, maxMailBytes, parseMail } from './mime.js';
import { type Pop3Entry, Pop3Session } from './pop3-session.js';

/**
 * The default body limit of the mail transport: 7 MiB, which base64 turns into a mail of about 9.5 MB —
 * within the 10 MB that Postfix (and most providers) accept by default.
 */
export const DEFAULT_MAIL_MAX_MESSAGE_BYTES: number = 7 * 1024 * 1024;

/**
 * Where and how to reach one mail server (SMTP, POP3 or IMAP).
 *
 * @example
 * ```ts
 * import type { MailServerOptions } from '@semper/comms';
 * const smtp: MailServerOptions = { host: 'mail.example.org', port: 587, user: 'hub@example.org', password: secret };
 * ```
 */
export interface MailServerOptions {
  readonly host: string;
  readonly port: number;
  /** The mailbox's login (usually its address). */
  readonly user: string;
  /** Never logged, never in an error message. */
  readonly password: string;
  /**
   * Trusted certificates (PEM) for this server instead of the system's, e.g. a test server's own
   * certificate.
   */
  readonly ca?: string | Buffer | ReadonlyArray<string | Buffer>;
  /** The name the server's certificate is checked against (default `host`). */
  readonly servername?: string;
}

/**
 * SMTP submission: pooled connections (nodemailer), TLS and AUTH.
 *
 * @example
 * ```ts
 * import type { SmtpOptions } from '@semper/comms';
 * const smtp: SmtpOptions = { host: 'mail.example.org', port: 587, tls: 'starttls', user: 'hub@example.org', password: secret, maxConnections: 4 };
 * ```
 */
export interface SmtpOptions extends MailServerOptions {
  /** `starttls` (default: TLS required, upgraded from plain text, port 587), `implicit` (port 465), `none` (loopback tests only). */
  readonly tls?: 'starttls' | 'implicit' | 'none';
  /** Connections in the pool (default 4). */
  readonly maxConnections?: number;
  /** Messages per connection before it is renewed (default 100). */
  readonly maxMessages?: number;
}

/**
 * Collection over POP3 (node-pop3): each message is retrieved, handed to the handler, and marked with
 * `DELE` only once the handler acknowledged it; the marks are committed by `QUIT` at the end of each batch.
 *
 * @example
 * ```ts
 * import type { Pop3Options } from '@semper/comms';
 * const pop3: Pop3Options = { host: 'mail.example.org', port: 995, user: 'hub@example.org', password: secret, rejectedDir: '/var/lib/semper/rejected-mail' };
 * ```
 */
export interface Pop3Options extends MailServerOptions {
  /** `implicit` (default: POP3S, port 995) or `none` (plain text, loopback only). node-pop3 has no STLS. */
  readonly tls?: 'implicit' | 'none';
  /**
   * A local folder (absolute path) where mails that are moved aside (malformed, too large, refused by
   * `verify` or the handler) are written, durably, as `<uidl>-<tag>.eml` with a `.json` report beside it,
   * before they are deleted from the server: POP3 has no folders to move them to, and a mail left on the
   * server would be delivered again after a restart. A mail refused before it was downloaded (too large)
   * is kept by its header section (`….headers.eml`).
   */
  readonly rejectedDir: string;
}

/**
 * Collection over IMAP (imapflow): messages in `mailbox` are fetched by UID; an acknowledged one is
 * deleted (`\Deleted` and `UID EXPUNGE`) or moved to `processedFolder`; a rejected one is moved to
 * `rejectedFolder`. The connection stays open and IDLE wakes the collector when mail arrives.
 *
 * @example
 * ```ts
 * import type { ImapOptions } from '@semper/comms';
 * const imap: ImapOptions = { host: 'mail.example.org', port: 143, user: 'hub@example.org', password: secret, processedFolder: 'semper-processed' };
 * ```
 */
export interface ImapOptions extends MailServerOptions {
  /** `starttls` (default: TLS required, port 143), `implicit` (port 993), `none` (loopback tests only). */
  readonly tls?: 'starttls' | 'implicit' | 'none';
  /** The mailbox collected from (default `INBOX`). */
  readonly mailbox?: string;
  /** Move acknowledged messages here instead of deleting them (created when missing). */
  readonly processedFolder?: string;
  /** Where rejected messages are moved (default `semper-rejected`; created when missing). */
  readonly rejectedFolder?: string;
}

/**
 * Options of {@link createMailTransport}. Give `smtp` to send, and `pop3` or `imap` to receive.
 *
 * @example
 * ```ts
 * import type { MailTransportOptions } from '@semper/comms';
 * const options: MailTransportOptions = {
 *   address: 'mailto:hub@example.org',
 *   smtp: { host: 'mail.example.org', port: 587, user: 'hub@example.org', password: secret },
 *   imap: { host: 'mail.example.org', port: 143, user: 'hub@example.org', password: secret },
 * };
 * ```
 */
export interface MailTransportOptions {
  /** This party's address, `mailto:<mailbox>`: the `From:` of what it sends, the mailbox it collects. */
  readonly address: string;
  readonly smtp?: SmtpOptions;
  readonly pop3?: Pop3Options;
  readonly imap?: ImapOptions;
  /** The pause between two looks at the mailbox, in ms (default 10 000; IMAP is also woken by IDLE). */
  readonly pollIntervalMs?: number;
  /** Messages taken per look (POP3: per session, committed by `QUIT`) (default 50). */
  readonly batchSize?: number;
  /** Backoff after a failed look (default 1 s doubling to 60 s). */
  readonly backoff?: RedeliveryPolicy;
  /** The deadline of each server command and of connecting, in ms (default 30 000). */
  readonly timeoutMs?: number;
  /** The body limit, on send and on receive (default {@link DEFAULT_MAIL_MAX_MESSAGE_BYTES}). */
  readonly maxMessageBytes?: number;
  readonly clock?: Clock;
}

type SmtpTransporter = ReturnType<typeof createTransport>;

function checkServer(what: string, s: MailServerOptions | undefined, tlsValues: readonly string[], tls?: string): void {
  if (s === undefined) return;
  const bad = (why: string): never => {
    throw new CommsError('ERR_COMMS_INVALID_ARGUMENT', `${what}: ${why}`);
  };
  if (typeof s !== 'object' || s === null) bad('options are an object');
  if (typeof s.host !== 'string' || s.host.length === 0) bad('host is a non-empty string');
  if (!Number.isSafeInteger(s.port) || s.port < 1 || s.port > 65535) bad('port is 1 to 65535');
  if (typeof s.user !== 'string' || s.user.length === 0) bad('user is a non-empty string');
  if (typeof s.password !== 'string') bad('password is a string');
  if (tls !== undefined && !tlsValues.includes(tls)) bad(`tls is one of ${tlsValues.join(', ')}`);
}

function positiveInteger(value: number | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new CommsError('ERR_COMMS_INVALID_ARGUMENT', `${what} is a positive integer`);
  }
  return value;
}

function tlsOptions(s: MailServerOptions): {
  ca?: string | Buffer | Array<string | Buffer>;
  servername?: string;
  minVersion: 'TLSv1.2';
} {
  return {
    ...(s.ca === undefined
      ? {}
      : { ca: (Array.isArray(s.ca) ? [...s.ca] : s.ca) as string | Buffer | Array<string | Buffer> }),
    ...(s.servername === undefined ? {} : { servername: s.servername }),
    minVersion: 'TLSv1.2',
  };
}

/** A file name for a server's message reference. */
function safeName(ref: string): string {
  return ref.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 120) || 'message';
}

/**
 * The mail transport: semper messages as S/MIME mails (one `application/pkcs7-mime` part in base64,
 * the envelope in `X-Semper-*` headers), sent by SMTP submission (nodemailer: pooled, TLS, AUTH) and
 * collected by POP3 (node-pop3) or IMAP (imapflow), each mail removed from the server only after the
 * handler acknowledged it. Addresses are `mailto:<mailbox>`.
 *
 * Collection is at-least-once and crash-safe: a collector that is killed mid-batch and restarted
 * delivers again what was not acknowledged (POP3: also what was acknowledged in the unfinished session,
 * since `DELE` is only committed by `QUIT`), and never loses a message; mail itself sometimes delivers
 * twice. So wrap the handler in the contract's deduplication. Malformed mails (no pkcs7 part, bad base64,
 * a digest mismatch), oversized ones and those the verifier or handler refuses are moved aside (IMAP:
 * `rejectedFolder`; POP3: `rejectedDir`) and reported on `rejected$` with a `MalformedMailError` /
 * `MessageTooLargeError` code; they never stop the collector. Polling backs off after failures, and
 * every state is reported on `status$` (`connecting`, `connected`, `polling`, `backoff`, `error`).
 *
 * @example
 * ```ts
 * import { createMailTransport } from '@semper/comms';
 * const hub = createMailTransport({
 *   address: 'mailto:hub@example.org',
 *   smtp: { host: 'mail.example.org', port: 587, user: 'hub@example.org', password: secret },
 *   imap: { host: 'mail.example.org', port: 143, user: 'hub@example.org', password: secret },
 * });
 * await hub.receive(async (m) => { await apply(m.body); });
 * await hub.send({ id: newId('msg'), from: hub.address, to: 'mailto:agency1@example.org', contentType: 'application/cms', body });
 * ```
 */
export class MailTransport extends AbstractTransport {
  readonly #mailbox: string;
  readonly #smtpOptions: SmtpOptions | undefined;
  readonly #pop3Options: Pop3Options | undefined;
  readonly #imapOptions: ImapOptions | undefined;
  readonly #pollIntervalMs: number;
  readonly #batchSize: number;
  readonly #timeoutMs: number;
  readonly #backoff: RedeliveryPolicy | undefined;
  #smtp: SmtpTransporter | undefined;
  #imap: ImapFlow | undefined;
  #imapConnecting: Promise<ImapFlow> | undefined;
  readonly #folders = new Set<string>();
  #loop: PollingLoop | undefined;
  #lastDetail: string | undefined;
  /** ref → epoch ms before which a released message is not delivered again */
  readonly #notBefore = new Map<string, number>();
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(options: MailTransportOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new CommsError('ERR_COMMS_INVALID_ARGUMENT', 'a mail transport needs options');
    }
    const mailbox = mailboxOf(options.address);
    if (mailbox === undefined) {
      throw new CommsError(
        'ERR_COMMS_INVALID_ADDRESS',
        `a mail transport's address is mailto:<mailbox>, not '${String(options.address).slice(0, 80)}'`,
      );
    }
    if (options.pop3 && options.imap) {
      throw new CommsError('ERR_COMMS_INVALID_ARGUMENT', 'give pop3 or imap to collect, not both');
    }
    checkServer('smtp', options.smtp, ['starttls', 'implicit', 'none'], options.smtp?.tls);
    checkServer('pop3', options.pop3, ['implicit', 'none'], options.pop3?.tls);
    checkServer('imap', options.imap, ['starttls', 'implicit', 'none'], options.imap?.tls);
    if (options.pop3 && (typeof options.pop3.rejectedDir !== 'string' || !isAbsolute(options.pop3.rejectedDir))) {
      throw new CommsError(
        'ERR_COMMS_INVALID_ARGUMENT',
        'pop3.rejectedDir is an absolute path (where rejected mails are kept)',
      );
    }
    super({
      address: options.address,
      schemes: ['mailto'],
      capabilities: {
        ordering: 'none',
        storeAndForward: true,
        send: options.smtp !== undefined,
        receive: options.pop3 !== undefined || options.imap !== undefined,
      },
      maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAIL_MAX_MESSAGE_BYTES,
      ...(options.clock ? { clock: options.clock } : {}),
    });
    this.#mailbox = mailbox;
    this.#smtpOptions = options.smtp;
    this.#pop3Options = options.pop3;
    this.#imapOptions = options.imap;
    this.#pollIntervalMs = positiveInteger(options.pollIntervalMs, 10_000, 'pollIntervalMs');
    this.#batchSize = positiveInteger(options.batchSize, 50, 'batchSize');
    this.#timeoutMs = positiveInteger(options.timeoutMs, 30_000, 'timeoutMs');
    positiveInteger(options.smtp?.maxConnections, 4, 'smtp.maxConnections');
    positiveInteger(options.smtp?.maxMessages, 100, 'smtp.maxMessages');
    this.#backoff = options.backoff;
  }

  /** The mailbox of this transport's address (`hub@example.org`). */
  get mailbox(): string {
    return this.#mailbox;
  }

  /**
   * The raw limit of a mail: the base64 form of a body of `maxMessageBytes` (4/3, in lines of 76 and CRLF)
   * and a header section of at most twice `MAX_ENVELOPE_BYTES` (`maxMailBytes`) — about 1.37 × the body.
   * A larger mail (by the size the server announces: POP3 `LIST`, IMAP `RFC822.SIZE`) is moved aside
   * without being downloaded; no download reads more.
   */
  protected override rawLimit(maxMessageBytes: number): number {
    return maxMailBytes(maxMessageBytes);
  }

  protected override onCanSend(to: ParsedAddress): boolean {
    return mailboxOf(to.address) !== undefined;
  }

  protected override async onOpen(): Promise<void> {
    const s = this.#smtpOptions;
    if (!s || this.#smtp) return;
    const tls = s.tls ?? 'starttls';
    this.#smtp = createTransport({
      pool: true,
      host: s.host,
      port: s.port,
      secure: tls === 'implicit',
      requireTLS: tls === 'starttls',
      ignoreTLS: tls === 'none',
      auth: { user: s.user, pass: s.password },
      tls: tlsOptions(s),
      maxConnections: s.maxConnections ?? 4,
      maxMessages: s.maxMessages ?? 100,
      connectionTimeout: this.#timeoutMs,
      greetingTimeout: this.#timeoutMs,
      socketTimeout: this.#timeoutMs * 2,
      disableFileAccess: true,
      disableUrlAccess: true,
      logger: false,
      debug: false,
    });
  }

  protected override async onSend(message: Message): Promise<SendReceipt> {
    const smtp = this.#smtp;
    const s = this.#smtpOptions;
    if (!smtp || !s) throw new CommsError('ERR_COMMS_CLOSED', 'the SMTP pool is not open');
    const to = mailboxOf(message.to)!;
    const raw = composeMail(message, { fromMailbox: this.#mailbox, toMailbox: to, date: this.clock.now() });
    let info: { accepted?: unknown[]; rejected?: unknown[]; response?: string };
    try {
      info = await smtp.sendMail({ envelope: { from: this.#mailbox, to: [to] }, raw });
    } catch (err) {
      // A 552 is the server's size limit (unknown here), not maxMessageBytes: say how large the mail was.
      throw mailError(err, `SMTP ${s.host}:${s.port} to ${to}`, { rawSize: raw.length });
    }
    if ((info.rejected?.length ?? 0) > 0 || (info.accepted?.length ?? 0) === 0) {
      throw new MessageRejectedError(
        `SMTP ${s.host}:${s.port} refused ${to}: ${String(info.response ?? '').slice(0, 200)}`,
      );
    }
    return {
      id: message.id,
      to: message.to,
      acceptedAt: this.clock.now(),
      detail: `smtp ${s.host}:${s.port}: ${String(info.response ?? '').slice(0, 200)}`,
    };
  }

  protected override async onReceive(sink: InboundSink): Promise<void> {
    this.#lastDetail = undefined;
    const server = this.#imapOptions ?? this.#pop3Options!;
    this.setStatus('connecting', { detail: `${this.#imapOptions ? 'imap' : 'pop3'} ${server.host}:${server.port}` });
    // A first connection and login: a wrong password or an untrusted certificate fails `receive` at once.
    if (this.#imapOptions) {
      await this.#imapClient();
    } else {
      const session = await Pop3Session.open(this.#pop3SessionOptions());
      await session.quit();
    }
    this.setStatus('connected', { detail: `${this.#imapOptions ? 'imap' : 'pop3'} ${server.host}:${server.port}` });
    this.#loop = this.startPolling(sink, {
      intervalMs: this.#pollIntervalMs,
      poll: (s) => (this.#imapOptions ? this.#pollImap(s) : this.#pollPop3(s)),
      ...(this.#backoff ? { backoff: this.#backoff } : {}),
    });
  }

  protected override async onStopReceiving(): Promise<void> {
    // The handlers drained or were abandoned, so every delivery of the batch in progress has resolved: the
    // batch ends now (POP3: QUIT commits the DELEs of what was acknowledged; IMAP: UID EXPUNGE).
    await this.#loop?.done;
    this.#loop = undefined;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    await this.#closeImap();
  }

  protected override async onClose(): Promise<void> {
    await this.#closeImap();
    this.#smtp?.close();
    this.#smtp = undefined;
  }

  // --- shared by both collectors -------------------------------------------------------------------

  #reportMailbox(count: number, where: string): void {
    const detail = `${count} message(s) in ${where}`;
    if (detail === this.#lastDetail) return;
    this.#lastDetail = detail;
    this.setStatus('polling', { detail });
  }

  /** Whether `ref` waits for a redelivery delay. */
  #skipped(ref: string): boolean {
    const until = this.#notBefore.get(ref);
    if (until === undefined) return false;
    if (until <= Date.now()) {
      this.#notBefore.delete(ref);
      return false;
    }
    return true;
  }

  /** Forgets the delays of messages no longer on the server. */
  #prune(present: ReadonlySet<string>): void {
    for (const ref of this.#notBefore.keys()) if (!present.has(ref)) this.#notBefore.delete(ref);
  }

  /** Leaves `ref` on the server and out of the batches for `delayMs` (real time: it is a timer). */
  #releaseFor(ref: string, delayMs: number): void {
    this.#notBefore.set(ref, Date.now() + delayMs);
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#loop?.wake();
    }, delayMs + 5);
    timer.unref?.();
    this.#timers.add(timer);
  }

  // --- POP3 ----------------------------------------------------------------------------------------

  #pop3SessionOptions() {
    const p = this.#pop3Options!;
    return {
      host: p.host,
      port: p.port,
      tls: p.tls ?? 'implicit',
      user: p.user,
      password: p.password,
      timeoutMs: this.#timeoutMs,
      ...(p.ca === undefined ? {} : { ca: p.ca }),
      ...(p.servername === undefined ? {} : { servername: p.servername }),
    } as const;
  }

  async #pollPop3(sink: InboundSink): Promise<void> {
    const session = await Pop3Session.open(this.#pop3SessionOptions());
    let more = false;
    try {
      const entries = await session.list();
      this.#prune(new Set(entries.map((e) => `pop3:${e.uidl}`)));
      this.#reportMailbox(entries.length, `pop3 ${this.#pop3Options!.host}:${this.#pop3Options!.port}`);
      const pending: Promise<unknown>[] = [];
      for (const entry of entries) {
        if (sink.signal.aborted || session.broken) break;
        if (this.#skipped(`pop3:${entry.uidl}`)) continue;
        if (pending.length >= this.#batchSize) {
          more = true;
          break;
        }
        if (!(await sink.whenReady())) break;
        pending.push(sink.deliver(this.#pop3Incoming(session, entry)));
      }
      // Every delivery resolves — at the latest when receiving stops and its handler is abandoned.
      await Promise.all(pending);
    } catch (err) {
      session.destroy();
      throw err;
    }
    if (session.broken) {
      // Nothing of this session is committed: its messages come back in the next session.
      session.destroy();
      throw new CommsError('ERR_COMMS_UNAVAILABLE', 'the POP3 session broke during a batch; it is collected again');
    }
    await session.quit();
    if (more) this.#loop?.wake();
  }

  #pop3Incoming(session: Pop3Session, entry: Pop3Entry): IncomingMessage {
    const ref = `pop3:${entry.uidl}`;
    let raw: Buffer | undefined;
    return {
      size: entry.size,
      ref,
      read: async (maxRawBytes) => {
        raw = await session.retr(entry.num, entry.size, maxRawBytes);
        return parseMail(raw, { maxMessageBytes: this.maxMessageBytes });
      },
      ack: () => session.dele(entry.num),
      reject: async (report) => {
        const dir = this.#pop3Options!.rejectedDir;
        // A mail refused before it was read (too large) is kept by its header section only.
        const bytes = raw ?? (await session.top(entry.num, this.maxRawBytes));
        const path = await saveAside(dir, entry.uidl, bytes, report, raw === undefined);
        await session.dele(entry.num);
        return path;
      },
      release: async (delayMs) => this.#releaseFor(ref, delayMs),
    };
  }

  // --- IMAP ----------------------------------------------------------------------------------------

  #imapClient(): Promise<ImapFlow> {
    if (this.#imap?.usable) return Promise.resolve(this.#imap);
    this.#imapConnecting ??= (async () => {
      const o = this.#imapOptions!;
      const tls = o.tls ?? 'starttls';
      this.#imap?.close();
      this.#imap = undefined;
      this.#folders.clear();
      const client = new ImapFlow({
        host: o.host,
        port: o.port,
        secure: tls === 'implicit',
        ...(tls === 'implicit' ? {} : { doSTARTTLS: tls === 'starttls' }),
        auth: { user: o.user, pass: o.password },
        tls: tlsOptions(o),
        logger: false,
        connectionTimeout: this.#timeoutMs,
        greetingTimeout: this.#timeoutMs,
        socketTimeout: Math.max(this.#timeoutMs * 10, 5 * 60_000),
        maxLiteralSize: this.maxRawBytes,
        disableCompression: true,
        // IDLE soon after a poll, so that the server announces new mail between polls (see 'exists').
        autoIdleDelay: 1000,
      });
      client.on('error', (err: Error) => {
        if (this.#imap === client) this.setStatus('error', { error: mailError(err, `imap ${o.host}:${o.port}`) });
      });
      client.on('close', () => {
        if (this.#imap === client) {
          this.#imap = undefined;
          this.#loop?.wake(); // reconnect at once (a failure backs off)
        }
      });
      // IDLE: the server announces new mail; look at once instead of waiting for the interval.
      client.on('exists', () => this.#loop?.wake());
      try {
        await client.connect();
      } catch (err) {
        client.close();
        throw mailError(err, `imap ${o.host}:${o.port}`);
      }
      this.#imap = client;
      return client;
    })().finally(() => {
      this.#imapConnecting = undefined;
    });
    return this.#imapConnecting;
  }

  async #closeImap(): Promise<void> {
    const client = this.#imap;
    this.#imap = undefined;
    if (!client) return;
    try {
      if (client.usable) await client.logout();
    } catch {
      // the connection is going away anyway
    } finally {
      client.close();
    }
  }

  async #ensureFolder(client: ImapFlow, folder: string): Promise<void> {
    if (this.#folders.has(folder)) return;
    try {
      await client.mailboxCreate(folder);
    } catch (err) {
      if ((err as { serverResponseCode?: string }).serverResponseCode !== 'ALREADYEXISTS') {
        throw mailError(err, `imap CREATE ${folder}`);
      }
    }
    this.#folders.add(folder);
  }

  async #pollImap(sink: InboundSink): Promise<void> {
    const o = this.#imapOptions!;
    const mailbox = o.mailbox ?? 'INBOX';
    const client = await this.#imapClient();
    let more = false;
    let lock: { release(): void };
    try {
      lock = await client.getMailboxLock(mailbox);
    } catch (err) {
      throw mailError(err, `imap SELECT ${mailbox}`);
    }
    const acked: number[] = [];
    try {
      // The server reports new mail (EXISTS) only in answer to a command or while idling: ask.
      await client.noop().catch((err: unknown) => {
        throw mailError(err, `imap NOOP ${mailbox}`);
      });
      const exists = client.mailbox ? client.mailbox.exists : 0;
      const listed =
        exists > 0
          ? await client.fetchAll('1:*', { uid: true, size: true, flags: true }).catch((err: unknown) => {
              throw mailError(err, `imap FETCH ${mailbox}`);
            })
          : [];
      // A message flagged \Deleted is acknowledged (its handler returned) but not yet expunged — by a
      // collector that stopped before the end of its batch: finish the job, never deliver it again.
      const deleted = listed.filter((m) => m.flags?.has('\\Deleted')).map((m) => m.uid);
      if (deleted.length > 0) await this.#expunge(client, deleted);
      const live = listed.filter((m) => !m.flags?.has('\\Deleted')).sort((a, b) => a.uid - b.uid);
      // UIDs are only unique within one UIDVALIDITY of the mailbox.
      const refOf = (uid: number) => `imap:${client.mailbox ? client.mailbox.uidValidity : 0}:${uid}`;
      this.#prune(new Set(live.map((m) => refOf(m.uid))));
      this.#reportMailbox(live.length, `imap ${o.host}:${o.port} ${mailbox}`);
      const batch = live.filter((m) => !this.#skipped(refOf(m.uid)));
      if (batch.length > this.#batchSize) {
        more = true;
        batch.length = this.#batchSize;
      }
      const sources = await this.#prefetch(client, batch);
      const pending: Promise<unknown>[] = [];
      for (const m of batch) {
        if (sink.signal.aborted || !client.usable) break;
        if (!(await sink.whenReady())) break;
        pending.push(sink.deliver(this.#imapIncoming(client, refOf(m.uid), m.uid, m.size, sources, acked)));
      }
      await Promise.all(pending);
      // One UID EXPUNGE for the batch: until then an acknowledged message is flagged \Deleted, which every
      // collector treats as gone.
      if (acked.length > 0 && client.usable) await this.#expunge(client, acked.splice(0));
    } finally {
      lock.release();
    }
    if (more) this.#loop?.wake();
  }

  async #expunge(client: ImapFlow, uids: readonly number[]): Promise<void> {
    try {
      if (!(await client.messageDelete(uids.join(','), { uid: true }))) {
        throw new CommsError('ERR_COMMS_PROTOCOL', `imap EXPUNGE of ${uids.length} message(s) failed`);
      }
    } catch (err) {
      throw mailError(err, 'imap EXPUNGE');
    }
  }

  /**
   * The sources of the batch's messages, fetched with one `UID FETCH … BODY.PEEK[]` (much faster than one
   * fetch a message), as far as they fit in 16 MiB and each within the raw limit; the others are fetched
   * one at a time when they are read.
   */
  async #prefetch(
    client: ImapFlow,
    batch: ReadonlyArray<{ uid: number; size?: number }>,
  ): Promise<Map<number, Buffer>> {
    const sources = new Map<number, Buffer>();
    const uids: number[] = [];
    let budget = 16 * 1024 * 1024;
    for (const m of batch) {
      if (m.size === undefined || m.size > this.maxRawBytes || m.size > budget) continue;
      budget -= m.size;
      uids.push(m.uid);
    }
    if (uids.length < 2) return sources;
    try {
      for await (const fetched of client.fetch(uids.join(','), { uid: true, source: true }, { uid: true })) {
        if (fetched.source) sources.set(fetched.uid, fetched.source);
      }
    } catch (err) {
      throw mailError(err, `imap FETCH of ${uids.length} message(s)`);
    }
    return sources;
  }

  #imapIncoming(
    client: ImapFlow,
    ref: string,
    uid: number,
    size: number | undefined,
    sources: Map<number, Buffer>,
    acked: number[],
  ): IncomingMessage {
    const o = this.#imapOptions!;
    const range = String(uid);
    const check = (ok: unknown, what: string) => {
      if (ok === false) throw new CommsError('ERR_COMMS_PROTOCOL', `imap ${what} of UID ${uid} failed`);
    };
    return {
      ...(size === undefined ? {} : { size }),
      ref,
      read: async (maxRawBytes) => {
        let source = sources.get(uid);
        sources.delete(uid);
        if (!source) {
          let fetched: Awaited<ReturnType<ImapFlow['fetchOne']>>;
          try {
            fetched = await client.fetchOne(range, { uid: true, source: true }, { uid: true });
          } catch (err) {
            throw mailError(err, `imap FETCH ${uid}`);
          }
          if (fetched === false || !fetched.source) {
            throw new CommsError('ERR_COMMS_UNAVAILABLE', `imap UID ${uid} is gone`);
          }
          source = fetched.source;
        }
        if (source.length > maxRawBytes) {
          throw new MessageTooLargeError(source.length, maxRawBytes, { kind: 'raw' });
        }
        return parseMail(source, { maxMessageBytes: this.maxMessageBytes });
      },
      ack: async () => {
        try {
          if (o.processedFolder) {
            await this.#ensureFolder(client, o.processedFolder);
            check(await client.messageMove(range, o.processedFolder, { uid: true }), `MOVE to ${o.processedFolder}`);
          } else {
            // \Deleted is stored by the server at once (durable); the EXPUNGE follows at the end of the batch.
            check(await client.messageFlagsAdd(range, ['\\Deleted'], { uid: true }), 'STORE +FLAGS (\\Deleted)');
            acked.push(uid);
          }
        } catch (err) {
          throw mailError(err, `imap ack of UID ${uid}`);
        }
      },
      reject: async () => {
        const folder = o.rejectedFolder ?? 'semper-rejected';
        try {
          await this.#ensureFolder(client, folder);
          check(await client.messageMove(range, folder, { uid: true }), `MOVE to ${folder}`);
        } catch (err) {
          throw mailError(err, `imap MOVE of UID ${uid} to ${folder}`);
        }
        return folder;
      },
      release: async (delayMs) => {
        sources.delete(uid);
        this.#releaseFor(ref, delayMs);
      },
    };
  }
}

/** Writes a rejected mail and its report into `dir`, durably (temp file, fsync, rename). */
async function saveAside(
  dir: string,
  uidl: string,
  bytes: Buffer,
  report: RejectionReport,
  headersOnly: boolean,
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const base = `${safeName(uidl)}-${randomBytes(3).toString('hex')}`;
  const path = join(dir, `${base}${headersOnly ? '.headers' : ''}.eml`);
  const write = async (file: string, data: string | Buffer) => {
    const tmp = `${file}.tmp`;
    const handle = await open(tmp, 'w', 0o600);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  };
  await write(
    join(dir, `${base}.json`),
    `${JSON.stringify({ ...report, at: report.at.toISOString(), headersOnly }, null, 2)}\n`,
  );
  await write(path, bytes);
  return path;
}

/**
 * Creates a {@link MailTransport}.
 *
 * @example
 * ```ts
 * import { createMailTransport } from '@semper/comms';
 * const agency = createMailTransport({
 *   address: 'mailto:agency1@example.org',
 *   smtp: { host: 'mail.example.org', port: 587, user: 'agency1@example.org', password: secret },
 *   pop3: { host: 'mail.example.org', port: 995, user: 'agency1@example.org', password: secret, rejectedDir: '/var/lib/semper/rejected' },
 * });
 * ```
 */
export function createMailTransport(options: MailTransportOptions): MailTransport {
  return new MailTransport(options);
}
