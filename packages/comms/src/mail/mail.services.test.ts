// The mail transport on real servers — Postfix (SMTP submission with STARTTLS and AUTH) delivering over
// LMTP to Dovecot (POP3S and IMAP with STARTTLS), all on loopback, started for the run by
// test/setup/services.global.ts. Without them here the suite is one skipped `not run: <reason>` test.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ImapFlow } from 'imapflow';
import Pop3Command from 'node-pop3';
import { createTransport } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type {} from '../../../../test/setup/services.global.js';
import { CommsError } from '../errors.js';
import type { Message } from '../message.js';
import { createRecorder, describeTransportConformance, testMessage, waitUntil } from '../testing.js';
import type { RejectionReport, TransportStatus } from '../transport.js';
import { bodyFileOf, type CollectorConfig } from './mail-collector.test-util.js';
import { createMailTransport, type MailTransport, type MailTransportOptions } from './mail.transport.js';
import { composeMail } from './mime.js';

const mail = inject('mail');
const mailUnavailable = inject('mailUnavailable');

const ROOT = resolve(import.meta.dirname, '../../../..');
const COLLECTOR = resolve(import.meta.dirname, 'mail-collector.test-util.ts');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const rate = (n: number, ms: number) => `${Math.round((n * 1000) / ms)} msg/s`;

if (!mail) {
  describe('mail transport on Postfix + Dovecot', () => {
    it.skip(`not run: ${mailUnavailable}`, () => undefined);
  });
} else {
  const m = mail;
  const account = (box: string) => {
    const a = m.mailboxes[box];
    if (!a) throw new Error(`no mailbox ${box} in the harness`);
    return a;
  };
  const addressOf = (box: string) => `mailto:${account(box).address}`;
  const smtpOf = (box: string) => ({
    host: m.host,
    port: m.smtpPort,
    user: account(box).address,
    password: account(box).password,
    ca: m.ca,
  });
  const pop3Of = (box: string, rejectedDir: string, port = m.pop3sPort) => ({
    host: m.host,
    port,
    tls: 'implicit' as const,
    user: account(box).address,
    password: account(box).password,
    ca: m.ca,
    rejectedDir,
  });
  const imapOf = (box: string, port = m.imapPort) => ({
    host: m.host,
    port,
    user: account(box).address,
    password: account(box).password,
    ca: m.ca,
  });
  const tempDir = (tag: string) => mkdtempSync(join(tmpdir(), `semper-mail-${tag}-`));

  /** A receiving mail transport on `box`, polling fast (a test's timescale). */
  const receiverOn = (box: string, protocol: 'pop3' | 'imap', dir: string, extra: Partial<MailTransportOptions> = {}) =>
    createMailTransport({
      address: addressOf(box),
      ...(protocol === 'pop3' ? { pop3: pop3Of(box, dir) } : { imap: imapOf(box) }),
      pollIntervalMs: 100,
      timeoutMs: 10_000,
      backoff: { initialDelayMs: 100, maxDelayMs: 1000 },
      ...extra,
    });
  const hubSender = (extra: Partial<MailTransportOptions> = {}) =>
    createMailTransport({ address: addressOf('hub'), smtp: smtpOf('hub'), ...extra });

  // --- talking to the servers directly (not through the transport) -----------------------------------

  /** Puts a raw mail into `box` through Postfix's unauthenticated local port. */
  async function injectRaw(box: string, raw: Buffer): Promise<void> {
    const t = createTransport({ host: m.host, port: m.smtpPlainPort, ignoreTLS: true, logger: false });
    try {
      await t.sendMail({ envelope: { from: 'tester@sdc.test', to: [account(box).address] }, raw });
    } finally {
      t.close();
    }
  }

  async function withImap<T>(box: string, work: (client: ImapFlow) => Promise<T>): Promise<T> {
    const client = new ImapFlow({
      host: m.host,
      port: m.imapPort,
      auth: { user: account(box).address, pass: account(box).password },
      tls: { ca: m.ca },
      logger: false,
    });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.logout().catch(() => undefined);
    }
  }

  /** Messages in a folder of `box` (IMAP STATUS); 0 when the folder does not exist. */
  const folderCount = (box: string, folder = 'INBOX') =>
    withImap(box, async (c) => {
      const list = await c.list();
      if (!list.some((f) => f.path === folder)) return 0;
      const status = await c.status(folder, { messages: true });
      return status ? (status.messages ?? 0) : 0;
    });

  /** Messages in `box`'s maildrop (POP3 STAT) — the same INBOX as IMAP's. */
  async function pop3Count(box: string): Promise<number> {
    const p = new Pop3Command({
      host: m.host,
      port: m.pop3Port,
      user: account(box).address,
      password: account(box).password,
    });
    p.on('error', () => undefined);
    try {
      return Number((await p.STAT()).split(' ')[0]);
    } finally {
      await p.QUIT().catch(() => undefined);
    }
  }

  /** Empties `box`: every message of every folder. */
  const purge = (box: string) =>
    withImap(box, async (c) => {
      for (const f of await c.list()) {
        const lock = await c.getMailboxLock(f.path);
        try {
          if (c.mailbox && c.mailbox.exists > 0) await c.messageDelete('1:*');
        } finally {
          lock.release();
        }
      }
    });

  async function waitForCount(box: string, count: number, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (let n = await folderCount(box); n !== count; n = await folderCount(box)) {
      if (Date.now() > deadline) throw new Error(`${box}: ${n} messages, waited for ${count}`);
      await sleep(50);
    }
  }

  /** `count` messages with random binary bodies of 10 to 100 KiB. */
  function batch(from: string, to: string, count: number): Message[] {
    return Array.from({ length: count }, (_, i) =>
      testMessage(from, to, randomBytes(randomInt(10 * 1024, 100 * 1024 + 1)), {
        contentType: 'application/pkcs7-mime; smime-type=enveloped-data',
        headers: { 'sdc-batch': '7', 'sdc-seq': String(i) },
      }),
    );
  }

  /** Sends every message through the pool at once; resolves to the elapsed ms. */
  async function sendAll(tx: MailTransport, messages: readonly Message[]): Promise<number> {
    const t0 = performance.now();
    await Promise.all(messages.map((msg) => tx.send(msg)));
    return performance.now() - t0;
  }

  const figures: string[] = [];
  let suiteStart = 0;
  beforeAll(() => {
    suiteStart = performance.now();
  });
  afterAll(() => {
    const lines = [...figures, `mail suite: ${((performance.now() - suiteStart) / 1000).toFixed(1)} s in all`];
    console.log(`\n${lines.map((l) => `  ${l}`).join('\n')}`);
  });

  describe('mail transport on Postfix + Dovecot', () => {
    // --- the contract --------------------------------------------------------------------------------
    for (const [protocol, firstBox] of [
      ['pop3', 1],
      ['imap', 21],
    ] as const) {
      let next = firstBox;
      describeTransportConformance(
        `mail over ${protocol === 'pop3' ? 'POP3S' : 'IMAP (STARTTLS)'}, sent by SMTP submission (STARTTLS, AUTH)`,
        async () => {
          const box = `box${next++}`;
          const dir = tempDir(`${protocol}-rejected`);
          await purge(box);
          const sized = (o?: { maxMessageBytes?: number }) =>
            o?.maxMessageBytes ? { maxMessageBytes: o.maxMessageBytes } : {};
          return {
            openReceiver: async (o) => receiverOn(box, protocol, dir, sized(o)),
            openSender: async (o) => hubSender(sized(o)),
            injectMalformed: () => injectRaw(box, plainMail(account(box).address, 'not a semper message')),
            teardown: async () => rmSync(dir, { recursive: true, force: true }),
          };
        },
        {
          timeoutMs: 15_000,
          quietMs: 700,
          messages: 10,
          skip: {
            crash:
              'a crash of the collector is a process killed with SIGKILL mid-batch: see "lose none … when the collector is killed" below',
          },
        },
      );
    }

    // --- the figure ----------------------------------------------------------------------------------
    describe('200 messages with 10–100 KiB random binary parts', () => {
      const N = 200;

      for (const [protocol, box] of [
        ['pop3', 'agency1'],
        ['imap', 'agency2'],
      ] as const) {
        it(`are sent and collected over ${protocol.toUpperCase()}, every byte equal`, async () => {
          await purge(box);
          const dir = tempDir('figure');
          const tx = hubSender();
          const rx = receiverOn(box, protocol, dir, { batchSize: 50 });
          try {
            const messages = batch(tx.address, rx.address, N);
            const bytes = messages.reduce((n, msg) => n + msg.body.byteLength, 0);
            const sendMs = await sendAll(tx, messages);
            const t0 = performance.now();
            await waitForCount(box, N);
            const deliveredMs = performance.now() - t0 + sendMs;
            const recorder = createRecorder(undefined, 60_000);
            const t1 = performance.now();
            await rx.receive(recorder.handler, { concurrency: 4 });
            await waitUntil(() => new Set(recorder.messages.map((r) => r.id)).size === N, 60_000, 'all collected');
            const collectMs = performance.now() - t1;
            await rx.close(); // the last POP3 batch is committed by QUIT
            const got = new Map(recorder.messages.map((r) => [r.id, r]));
            for (const sent of messages) {
              const r = got.get(sent.id);
              expect(r, sent.id).toBeDefined();
              expect(Buffer.from(r!.body).equals(Buffer.from(sent.body)), sent.id).toBe(true);
              expect(r!.headers).toEqual(sent.headers);
              expect(r!.contentType).toBe(sent.contentType);
            }
            expect(await pop3Count(box)).toBe(0);
            figures.push(
              `${protocol}: ${N} msgs, ${mib(bytes)} MiB of bodies: send (SMTP pool of 4, STARTTLS+AUTH) ${(sendMs / 1000).toFixed(2)} s = ${rate(N, sendMs)} (${(bytes / 1024 / 1024 / (sendMs / 1000)).toFixed(1)} MiB/s); all in the mailbox after ${(deliveredMs / 1000).toFixed(2)} s; collect over ${protocol === 'pop3' ? 'POP3S' : 'IMAP+STARTTLS'} (decode, verify digest, ack, delete) ${(collectMs / 1000).toFixed(2)} s = ${rate(N, collectMs)}`,
            );
          } finally {
            await Promise.allSettled([tx.close(), rx.close()]);
            rmSync(dir, { recursive: true, force: true });
          }
        }, 150_000);
      }

      for (const [protocol, box] of [
        ['pop3', 'box41'],
        ['imap', 'box42'],
      ] as const) {
        it(`lose none over ${protocol.toUpperCase()} when the collector is killed (SIGKILL) mid-batch and restarted`, async () => {
          await purge(box);
          const outDir = tempDir('crash');
          const tx = hubSender();
          const children: ChildProcess[] = [];
          try {
            const messages = batch(tx.address, addressOf(box), N);
            await sendAll(tx, messages);
            await waitForCount(box, N);
            const config: CollectorConfig = {
              transport: {
                address: addressOf(box),
                ...(protocol === 'pop3' ? { pop3: pop3Of(box, join(outDir, 'rejected')) } : { imap: imapOf(box) }),
                pollIntervalMs: 200,
                batchSize: 50,
                timeoutMs: 10_000,
              },
              outDir,
              handlerDelayMs: 10,
              concurrency: 2,
            };
            const acked = () =>
              existsSync(join(outDir, 'acked.log'))
                ? readFileSync(join(outDir, 'acked.log'), 'utf8').split('\n').filter(Boolean)
                : [];

            const first = await startCollector(config);
            children.push(first.child);
            // Kill it in the middle of its second batch of 50: some acknowledged, some not.
            await waitUntil(() => acked().length >= 70, 60_000, '70 messages handled by the first collector');
            first.child.kill('SIGKILL');
            await first.exited;
            const beforeRestart = new Set(acked());
            expect(beforeRestart.size).toBeGreaterThanOrEqual(70);
            expect(beforeRestart.size).toBeLessThan(N);
            const leftOnServer = await folderCount(box);
            expect(leftOnServer).toBeGreaterThan(0);

            const second = await startCollector(config);
            children.push(second.child);
            const sentIds = new Set(messages.map((msg) => msg.id));
            await waitUntil(() => new Set(acked()).size >= N, 60_000, 'every message handled after the restart');
            await waitForCount(box, 0); // the last batch committed (POP3: QUIT) or expunged (IMAP)
            second.child.kill('SIGTERM');
            expect(await second.exited).toBe(0);

            // The union of what the two collectors acknowledged is exactly what was sent, byte for byte.
            const union = new Set(acked());
            expect(union).toEqual(sentIds);
            for (const sent of messages) {
              expect(readFileSync(bodyFileOf(outDir, sent.id)).equals(Buffer.from(sent.body)), sent.id).toBe(true);
            }
            const duplicates = existsSync(join(outDir, 'duplicates.log'))
              ? readFileSync(join(outDir, 'duplicates.log'), 'utf8').split('\n').filter(Boolean)
              : [];
            const handledTwice = acked().length - union.size;
            if (protocol === 'pop3') {
              // The killed session's DELEs were never committed: what it acknowledged after its last QUIT
              // came back, and dedupe recognised it.
              expect(duplicates.length).toBeGreaterThan(0);
            }
            expect(await folderCount(box)).toBe(0);
            figures.push(
              `${protocol} crash: killed after ${beforeRestart.size}/${N} handled (${leftOnServer} still on the server), restarted: ${union.size}/${N} delivered, every byte equal; redelivered and absorbed by dedupe: ${duplicates.length}; handled twice (killed between commit and dedup record): ${handledTwice}`,
            );
          } finally {
            for (const child of children)
              if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
            await tx.close();
            rmSync(outDir, { recursive: true, force: true });
          }
        }, 150_000);
      }
    });

    // --- malformed and oversized mails ---------------------------------------------------------------
    describe('malformed and oversized mails', () => {
      for (const [protocol, box] of [
        ['pop3', 'box45'],
        ['imap', 'box46'],
      ] as const) {
        it(`${protocol.toUpperCase()}: each is moved aside with its reason, the collector keeps going`, async () => {
          await purge(box);
          const dir = tempDir('rejected');
          const limit = 64 * 1024;
          const rx = receiverOn(box, protocol, dir, { maxMessageBytes: limit });
          const tx = hubSender();
          const reports: RejectionReport[] = [];
          const statuses: TransportStatus[] = [];
          rx.rejected$.subscribe((r) => reports.push(r));
          rx.status$.subscribe((s) => statuses.push(s));
          try {
            const to = account(box).address;
            const good = (body: Uint8Array) => testMessage(tx.address, rx.address, body);
            const compose = (msg: Message) =>
              composeMail(msg, { fromMailbox: account('hub').address, toMailbox: to, date: new Date() }).toString(
                'latin1',
              );
            const bad: Array<[string, string]> = [
              ['no-envelope', plainMail(to, 'hello').toString('latin1')],
              [
                'no-pkcs7-part',
                compose(good(randomBytes(100))).replace(
                  'Content-Type: application/pkcs7-mime',
                  'Content-Type: text/plain',
                ),
              ],
              [
                'bad-base64',
                corruptBody(compose(good(randomBytes(3000))), (b) => `${b.slice(0, 100)}*%$${b.slice(103)}`),
              ],
              [
                'digest-mismatch',
                corruptBody(compose(good(randomBytes(3000))), (b) => `${b[0] === 'A' ? 'B' : 'A'}${b.slice(1)}`),
              ],
              [
                'not-7bit',
                compose(good(randomBytes(100))).replace('Subject: semper message', 'Subject: sempér message'),
              ],
              ['too-large', compose(good(randomBytes(limit + 1)))], // the envelope announces too much
              ['too-large', `${plainMail(to, 'x').toString('latin1')}${`${'A'.repeat(76)}\r\n`.repeat(5400)}`], // over the raw limit: not downloaded
            ];
            for (const [, raw] of bad) await injectRaw(box, Buffer.from(raw, 'latin1'));
            const ok = good(randomBytes(limit));
            await tx.send(ok);
            await waitForCount(box, bad.length + 1);

            const recorder = createRecorder(undefined, 30_000);
            await rx.receive(recorder.handler);
            const [got] = await recorder.waitFor(1);
            expect(got!.id).toBe(ok.id);
            expect(Buffer.from(got!.body).equals(Buffer.from(ok.body))).toBe(true);
            await waitUntil(() => reports.length === bad.length, 30_000, `${bad.length} rejection reports`);
            const byReason = (reason: string) => reports.filter((r) => r.reason === reason);
            expect(byReason('malformed')).toHaveLength(5);
            expect(byReason('too-large')).toHaveLength(2);
            for (const r of byReason('malformed')) expect(r.code).toBe('ERR_COMMS_MALFORMED');
            for (const r of byReason('too-large')) expect(r.code).toBe('ERR_COMMS_TOO_LARGE');
            for (const [defect] of bad.filter(([d]) => d !== 'too-large')) {
              expect(
                reports.some((r) => r.detail.includes(`(${defect})`)),
                defect,
              ).toBe(true);
            }
            await sleep(500);
            expect(recorder.messages).toHaveLength(1);
            expect(statuses.some((s) => s.state === 'error')).toBe(false);
            await rx.close();
            expect(await folderCount(box)).toBe(0);
            if (protocol === 'imap') {
              expect(await folderCount(box, 'semper-rejected')).toBe(bad.length);
              for (const r of reports) expect(r.location).toBe('semper-rejected');
            } else {
              const files = readdirSync(dir);
              expect(files.filter((f) => f.endsWith('.eml'))).toHaveLength(bad.length);
              expect(files.filter((f) => f.endsWith('.headers.eml'))).toHaveLength(1); // refused before download
              expect(files.filter((f) => f.endsWith('.json'))).toHaveLength(bad.length);
              for (const r of reports) expect(r.location?.startsWith(dir)).toBe(true);
            }
          } finally {
            await Promise.allSettled([rx.close(), tx.close()]);
            rmSync(dir, { recursive: true, force: true });
          }
        }, 60_000);
      }
    });

    // --- submission and login faults -----------------------------------------------------------------
    describe('faults', () => {
      it('SMTP: a wrong password is ERR_COMMS_AUTH_FAILED, an untrusted certificate ERR_COMMS_MAIL_TLS, an unknown mailbox ERR_COMMS_REJECTED (550)', async () => {
        const msg = (tx: MailTransport, to = addressOf('box50')) => testMessage(tx.address, to, 'x');
        const wrong = hubSender({ smtp: { ...smtpOf('hub'), password: 'wrong' } });
        const untrusted = hubSender({ smtp: { ...smtpOf('hub'), ca: undefined } });
        const tx = hubSender();
        try {
          const codeOf = async (p: Promise<unknown>) => ((await p.catch((e: unknown) => e)) as CommsError).code;
          expect(await codeOf(wrong.send(msg(wrong)))).toBe('ERR_COMMS_AUTH_FAILED');
          expect(await codeOf(untrusted.send(msg(untrusted)))).toBe('ERR_COMMS_MAIL_TLS');
          const unknown = await tx.send(msg(tx, 'mailto:nobody@sdc.test')).catch((e: unknown) => e);
          expect(unknown).toBeInstanceOf(CommsError);
          expect((unknown as CommsError).code).toBe('ERR_COMMS_REJECTED');
          expect((unknown as { status?: number }).status).toBe(550);
          const err = await wrong.send(msg(wrong)).catch((e: unknown) => e);
          expect(String((err as Error).message)).not.toContain('wrong'); // no secret in messages
        } finally {
          await Promise.allSettled([wrong.close(), untrusted.close(), tx.close()]);
        }
      });

      it('SMTP: a mail over the server\u2019s size limit is ERR_COMMS_TOO_LARGE (552)', async () => {
        const tx = hubSender({ maxMessageBytes: 16 * 1024 * 1024 });
        try {
          // 8 MiB in base64 is about 11 MB, over Postfix's default message_size_limit of 10 240 000 bytes.
          const err = await tx
            .send(testMessage(tx.address, addressOf('box50'), randomBytes(8 * 1024 * 1024)))
            .catch((e: unknown) => e);
          expect(err).toBeInstanceOf(CommsError);
          expect((err as CommsError).code).toBe('ERR_COMMS_TOO_LARGE');
        } finally {
          await tx.close();
        }
      });

      for (const protocol of ['pop3', 'imap'] as const) {
        it(`${protocol.toUpperCase()}: a wrong password fails receive at once with ERR_COMMS_AUTH_FAILED`, async () => {
          const dir = tempDir('auth');
          const rx = createMailTransport({
            address: addressOf('box51'),
            ...(protocol === 'pop3'
              ? { pop3: { ...pop3Of('box51', dir), password: 'wrong' } }
              : { imap: { ...imapOf('box51'), password: 'wrong' } }),
          });
          const statuses: TransportStatus[] = [];
          rx.status$.subscribe((s) => statuses.push(s));
          try {
            const err = await rx.receive(async () => undefined).catch((e: unknown) => e);
            expect(err).toBeInstanceOf(CommsError);
            expect((err as CommsError).code).toBe('ERR_COMMS_AUTH_FAILED');
            // The failed start is visible on status$: error, with the code and message (and no password).
            expect(statuses.at(-1)).toMatchObject({
              state: 'error',
              error: { code: 'ERR_COMMS_AUTH_FAILED', message: (err as Error).message },
            });
            expect(statuses.at(-1)!.error!.message).not.toContain('wrong');
          } finally {
            await rx.close();
            rmSync(dir, { recursive: true, force: true });
          }
        });
      }

      for (const [protocol, box] of [
        ['pop3', 'box54'],
        ['imap', 'box55'],
      ] as const) {
        it(`${protocol.toUpperCase()}: close returns after drainTimeoutMs while a handler never returns; the mail stays and comes back`, async () => {
          await purge(box);
          const dir = tempDir('abandon');
          const tx = hubSender();
          const rx = receiverOn(box, protocol, dir);
          const again = receiverOn(box, protocol, dir);
          try {
            const msg = testMessage(tx.address, addressOf(box), 'stuck in its handler');
            await tx.send(msg);
            await waitForCount(box, 1);
            const stuck = createRecorder(() => new Promise<never>(() => {}), 20_000);
            await rx.receive(stuck.handler, { drainTimeoutMs: 200 });
            await stuck.waitFor(1);
            // The batch waits for its deliveries before it is committed (POP3: QUIT): the abandoned one
            // resolves `released` after drainTimeoutMs, so the batch ends and close returns.
            const t0 = performance.now();
            const closed = await Promise.race([rx.close().then(() => 'closed'), sleep(10_000).then(() => 'hung')]);
            expect(closed).toBe('closed');
            expect(performance.now() - t0).toBeLessThan(5000);
            expect(await folderCount(box)).toBe(1); // not acknowledged: still on the server
            const recorder = createRecorder(undefined, 20_000);
            await again.receive(recorder.handler);
            const [got] = await recorder.waitFor(1);
            expect(got!.id).toBe(msg.id);
            await again.close(); // commits the batch
            expect(await folderCount(box)).toBe(0);
          } finally {
            await Promise.allSettled([rx.close(), again.close(), tx.close()]);
            rmSync(dir, { recursive: true, force: true });
          }
        });
      }

      for (const [protocol, box] of [
        ['pop3', 'box52'],
        ['imap', 'box53'],
      ] as const) {
        it(`${protocol.toUpperCase()}: backs off while the server cannot be reached, reports it on status$, and recovers`, async () => {
          await purge(box);
          const dir = tempDir('backoff');
          const proxy = await startProxy(protocol === 'pop3' ? m.pop3sPort : m.imapPort);
          const rx = createMailTransport({
            address: addressOf(box),
            ...(protocol === 'pop3' ? { pop3: pop3Of(box, dir, proxy.port) } : { imap: imapOf(box, proxy.port) }),
            pollIntervalMs: 100,
            timeoutMs: 5000,
            backoff: { initialDelayMs: 100, maxDelayMs: 400 },
          });
          const tx = hubSender();
          const statuses: TransportStatus[] = [];
          rx.status$.subscribe((s) => statuses.push(s));
          try {
            const recorder = createRecorder(undefined, 20_000);
            await rx.receive(recorder.handler);
            await waitUntil(() => statuses.at(-1)?.state === 'polling', 10_000, 'polling');
            await proxy.pause(); // the server is unreachable now
            await waitUntil(() => statuses.filter((s) => s.state === 'backoff').length >= 2, 10_000, 'two backoffs');
            const backoff = statuses.find((s) => s.state === 'backoff')!;
            expect(backoff.retryAt).toBeInstanceOf(Date);
            expect(backoff.error?.code).toMatch(/^ERR_COMMS_(UNAVAILABLE|TIMEOUT)$/);
            const msg = testMessage(tx.address, rx.address, 'after the outage');
            await tx.send(msg);
            await proxy.resume();
            const [got] = await recorder.waitFor(1);
            expect(got!.id).toBe(msg.id);
            await waitUntil(() => statuses.at(-1)?.state === 'polling', 10_000, 'polling again');
          } finally {
            await Promise.allSettled([rx.close(), tx.close()]);
            await proxy.close();
            rmSync(dir, { recursive: true, force: true });
          }
        });
      }
    });
  });

  /** Starts the collector child process; resolves once it prints `ready`. */
  async function startCollector(config: CollectorConfig) {
    const child = spawn(
      process.execPath,
      ['--conditions=@semper/source', '--import', 'tsx', COLLECTOR, JSON.stringify(config)],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    await Promise.race([
      waitUntil(() => out.includes('ready'), 30_000, 'the collector to start'),
      exited.then((code) => {
        throw new Error(`the collector exited (${code}): ${out}`);
      }),
    ]);
    return { child, exited, output: () => out };
  }
}

/** A plain text mail (not a semper message). */
function plainMail(to: string, text: string): Buffer {
  return Buffer.from(
    `From: <tester@sdc.test>\r\nTo: <${to}>\r\nSubject: hello\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n${text}\r\n`,
    'latin1',
  );
}

/** `raw` with its body (after the empty line) changed by `change`. */
function corruptBody(raw: string, change: (body: string) => string): string {
  const at = raw.indexOf('\r\n\r\n') + 4;
  return raw.slice(0, at) + change(raw.slice(at));
}

/** A TCP proxy to a local port that can be made unreachable (`pause`: refuse and cut) and back. */
async function startProxy(
  target: number,
): Promise<{ port: number; pause(): Promise<void>; resume(): Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolveListen, reject) => {
      const s = createServer((client) => {
        const upstream = tcpConnect(target, '127.0.0.1');
        sockets.add(client).add(upstream);
        for (const sock of [client, upstream]) {
          sock.on('error', () => undefined);
          sock.on('close', () => {
            sockets.delete(sock);
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream).pipe(client);
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        port = (s.address() as { port: number }).port;
        server = s;
        resolveListen();
      });
    });
  const stop = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      sockets.clear();
      if (!server) return r();
      server.close(() => r());
      server = undefined;
    });
  await listen();
  return { port, pause: stop, resume: listen, close: stop };
}
