// The must-show end to end over real servers: the hub and two agencies, each with its own database on a
// PostgreSQL server and its own mailbox on Postfix + Dovecot (the hub and agency-b collect by IMAP, agency-a
// by POP3S; all send by SMTP submission with STARTTLS and AUTH), exchange exports, import requests, import
// responses, messages and receipts through their pumps; counted record by record at both ends; every
// container a pump sent opens with `openssl cms -decrypt` then `openssl cms -verify`.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMailTransport, type Transport } from '@semper/comms';
import { inspectSdc } from '@semper/sdc';
import { createSdcTestNetwork, type SdcTestNetwork } from '@semper/sdc/testing';
import { openStore } from '@semper/store';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type {} from '../setup/services.global.js';
import { type Scratch, scratch } from '../support/openssl.js';
import {
  type CapturedContainer,
  checkCaptured,
  checkRecords,
  checkWithOpenssl,
  queueRound1,
  queueRound2,
  startPumps,
  waitQuiet,
} from './e2e-scenario.js';

const pgUrl = inject('pgUrl');
const pgUnavailable = inject('pgUnavailable');
const mail = inject('mail');
const mailUnavailable = inject('mailUnavailable');

const PARTIES = ['hub', 'agency-a', 'agency-b'] as const;
/** Spare mailboxes of the harness, not used by the comms suite. */
const BOX: Record<(typeof PARTIES)[number], string> = { hub: 'box60', 'agency-a': 'box61', 'agency-b': 'box62' };

if (!pgUrl || !mail) {
  describe('secure data services end to end over mail (Postfix + Dovecot) and PostgreSQL', () => {
    it.skip(`not run: ${!pgUrl ? `PostgreSQL: ${pgUnavailable}` : `mail: ${mailUnavailable}`}`, () => undefined);
  });
} else {
  const m = mail;
  let net: SdcTestNetwork;
  let s: Scratch;
  let rejectedDir = '';
  const databases: string[] = [];
  const transports = new Map<string, Transport>();
  const dbUrl = (db: string) => {
    const u = new URL(pgUrl);
    u.pathname = `/${db}`;
    return u.toString();
  };

  beforeAll(async () => {
    s = await scratch('semper-sdc-e2e-mail-openssl-');
    rejectedDir = mkdtempSync(join(tmpdir(), 'semper-sdc-e2e-pop3-'));
    // Each party its own database on the server.
    const admin = await openStore(pgUrl);
    try {
      const tag = randomBytes(4).toString('hex');
      for (const p of PARTIES) {
        const db = `sdc_e2e_${p.replace('-', '_')}_${tag}`;
        await admin.exec(`CREATE DATABASE ${db}`);
        databases.push(db);
      }
    } finally {
      await admin.close();
    }
    const dbOf = new Map(PARTIES.map((p, i) => [p as string, databases[i] as string]));
    net = await createSdcTestNetwork({ agencies: ['agency-a', 'agency-b'], storeUrl: (p) => dbUrl(dbOf.get(p)!) });
    for (const p of PARTIES) {
      const box = m.mailboxes[BOX[p]];
      if (!box) throw new Error(`no mailbox ${BOX[p]} in the harness`);
      const server = { host: m.host, user: box.address, password: box.password, ca: m.ca };
      transports.set(
        p,
        createMailTransport({
          address: `mailto:${box.address}`,
          smtp: { ...server, port: m.smtpPort },
          ...(p === 'agency-a'
            ? { pop3: { ...server, port: m.pop3sPort, tls: 'implicit' as const, rejectedDir } }
            : { imap: { ...server, port: m.imapPort } }),
          pollIntervalMs: 200,
          timeoutMs: 10_000,
          backoff: { initialDelayMs: 100, maxDelayMs: 1000 },
        }),
      );
    }
  }, 180_000);

  afterAll(async () => {
    for (const t of transports.values()) await t.close();
    await net?.close();
    await s?.dispose();
    if (rejectedDir) rmSync(rejectedDir, { recursive: true, force: true });
    if (databases.length > 0) {
      const admin = await openStore(pgUrl);
      try {
        for (const db of databases) await admin.exec(`DROP DATABASE IF EXISTS ${db}`);
      } finally {
        await admin.close();
      }
    }
  });

  describe('secure data services end to end over mail (Postfix + Dovecot) and PostgreSQL', () => {
    it('exports, imports, messages and receipts arrive record by record; every container opens with openssl', async () => {
      const log: CapturedContainer[] = [];
      const plan = await queueRound1(net);
      const pumps = await startPumps(net, transports, log, { intervalMs: 500 });
      let message: CapturedContainer | undefined;
      try {
        await waitQuiet(net, 180_000, 'round 1');
        await queueRound2(plan);
        await waitQuiet(net, 180_000, 'round 2');
        // Mail delivers twice now and then (a collector that died before its QUIT): applied once.
        const before = await net.party('agency-a').service.intakeCounts();
        message = log.find((c) => c.sender === 'hub' && c.message.to === transports.get('agency-a')!.address);
        expect(message).toBeDefined();
        await transports.get('hub')!.send(message!.message);
        await expect
          .poll(async () => (await net.party('agency-a').service.intakeCounts()).duplicate ?? 0, { timeout: 60_000 })
          .toBe((before.duplicate ?? 0) + 1);
        await waitQuiet(net, 60_000, 'the duplicate');
      } finally {
        await pumps.stop();
      }
      const counts = await checkRecords(plan);
      expect(counts['agency-a duplicates']).toBe(1);
      const unique = log.filter((c, i) => log.findIndex((d) => d.message.id === c.message.id) === i);
      expect(log.length - unique.length).toBe(1);
      expect(inspectSdc(log.at(-1)!.message.body).header).toMatchObject({
        type: 'receipt',
        inReplyTo: message!.message.id,
      });
      expect(Object.fromEntries(checkCaptured(unique))).toEqual({
        export: 5,
        'import-request': 3,
        'import-response': 3,
        message: 2,
        receipt: 10,
      });
      expect([...pumps.pumps.values()].reduce((n, p) => n + p.status.sent, 0)).toBe(log.length);
      for (const p of pumps.pumps.values()) {
        expect(p.status.rejected).toBe(0);
        expect(p.status.received).toBeGreaterThan(0);
      }
      const opened = await checkWithOpenssl(log, net, s);
      expect(opened).toBe(log.length);
      console.log(
        `sdc e2e (mail, PostgreSQL): ${opened} containers opened by openssl cms -decrypt/-verify; ${JSON.stringify(counts)}\n${pumps.lines.filter((l) => l.includes('[stopped')).join('\n')}`,
      );
    }, 600_000);

    it('a burst of 40 exports from one agency, which mail may reorder, is applied whole at the hub', async () => {
      // Mail promises no order (Postfix delivers with concurrency): every export must still be applied once.
      const a = net.party('agency-a');
      const log: CapturedContainer[] = [];
      await net.insertTransfers(a.id, 40, { status: 2, prefix: 'BURST' });
      for (let k = 0; k < 40; k++) {
        expect((await a.service.exportTable('transfers', { to: 'hub', limit: 1 })).outcome).toBe('exported');
      }
      const before = (await net.hub.service.intakeLog({ limit: 1_000_000 })).length;
      const pumps = await startPumps(net, transports, log, { intervalMs: 500 });
      try {
        // Every export looked at by the hub's intake (accepted or not), then everything answered.
        await expect
          .poll(async () => (await net.hub.service.intakeLog({ limit: 1_000_000 })).length - before, {
            timeout: 240_000,
            interval: 250,
          })
          .toBeGreaterThanOrEqual(40);
        const rejected = await net.hub.service.intakeLog({ status: 'rejected' });
        expect(rejected.map((e) => `${e.code} #${e.sequence}`)).toEqual([]);
        await waitQuiet(net, 240_000, 'the burst');
      } finally {
        await pumps.stop();
      }
      const mine = await a.store.query(
        `SELECT reference, amount FROM transfers WHERE reference LIKE 'BURST-%' ORDER BY 1`,
      );
      const theirs = await net.hub.store.query(
        `SELECT reference, amount FROM transfers WHERE reference LIKE 'BURST-%' ORDER BY 1`,
      );
      expect(theirs).toEqual(mine);
      expect(theirs.length).toBe(40);
      const order = (await net.hub.service.intakeLog({ status: 'accepted', limit: 1_000_000 }))
        .slice(-40)
        .map((e) => Number(e.sequence));
      const ahead = order.filter((q, i) => order.slice(i + 1).some((later) => later < q)).length;
      console.log(
        `sdc e2e (mail burst): 40 exports applied; ${ahead} arrived before an earlier one (mail reordered them)`,
      );
    }, 600_000);
  });
}
