// The end-to-end exchange of the secure data services, shared by the folder (unit) and the mail +
// PostgreSQL (services) runs: two agencies and a hub, each with its own database and its own pump over a
// real transport, exchange exports, import requests, import responses, messages and receipts; the test
// counts what arrived record by record at both ends, and keeps every container a pump sent (captured at
// the transport) for `openssl cms -decrypt` then `-verify`.
import type { Message, SendReceipt, Transport } from '@semper/comms';
import {
  formatPumpStatus,
  inspectSdc,
  outboxMailbox,
  SdcPump,
  type SdcPumpStatus,
  type SecureDataService,
} from '@semper/sdc';
import type { SdcTestNetwork, SdcTestParty } from '@semper/sdc/testing';
import type { Store } from '@semper/store';
import { expect } from 'vitest';
import { openssl, type Scratch } from '../support/openssl.js';

/** A container as a pump handed it to its transport. */
export interface CapturedContainer {
  readonly sender: string;
  readonly message: Message;
  readonly receipt: SendReceipt;
}

/** Wraps a transport so that every message it durably accepted is recorded (bytes as sent). */
export function capturing(inner: Transport, party: string, log: CapturedContainer[]): Transport {
  return new Proxy(inner, {
    get(target, prop) {
      if (prop === 'send') {
        return async (message: Message) => {
          const receipt = await target.send(message);
          log.push({ sender: party, message: { ...message, body: new Uint8Array(message.body) }, receipt });
          return receipt;
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Processes a party's inbox until it is empty (the pump's `process` hook). */
export function drain(service: SecureDataService): () => Promise<void> {
  return async () => {
    while ((await service.processInbox(100)).length > 0) {
      // each round applies up to 100 containers, and queues their answers in the outbox
    }
  };
}

export interface Pumps {
  readonly pumps: Map<string, SdcPump>;
  readonly lines: string[];
  stop(): Promise<void>;
}

/** One pump per party, over its (capturing) transport, routing party ids to the parties' addresses. */
export async function startPumps(
  net: SdcTestNetwork,
  transports: ReadonlyMap<string, Transport>,
  log: CapturedContainer[],
  o: { readonly intervalMs: number },
): Promise<Pumps> {
  const addresses = new Map([...transports].map(([id, t]) => [id, t.address]));
  const pumps = new Map<string, SdcPump>();
  const lines: string[] = [];
  for (const party of [net.hub, ...net.agencies]) {
    const transport = capturing(transports.get(party.id) as Transport, party.id, log);
    const pump = new SdcPump({
      mailbox: outboxMailbox({
        outbox: party.service.outbox,
        inbox: party.service.inbox,
        addressOf: (p) => addresses.get(p),
        process: drain(party.service),
      }),
      transport,
      intervalMs: o.intervalMs,
      runAfterIntake: 20,
      backoff: { initialDelayMs: 50, maxDelayMs: 1000 },
    });
    let last: unknown;
    pump.status$.subscribe((s: SdcPumpStatus) => {
      if (s.lastRun !== last || s.state === 'stopped') lines.push(`${party.id}: ${formatPumpStatus(s)}`);
      last = s.lastRun;
    });
    pumps.set(party.id, pump);
  }
  for (const pump of pumps.values()) await pump.start();
  return {
    pumps,
    lines,
    async stop() {
      for (const pump of pumps.values()) await pump.stop();
    },
  };
}

/** Waits until no party has a delivery waiting for its answer, nor a container in its outbox or inbox. */
export async function waitQuiet(net: SdcTestNetwork, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let busy = 0;
    for (const p of [net.hub, ...net.agencies]) {
      busy += (await p.service.deliveries({ pending: true })).length;
      busy += await p.service.outbox.countPending();
      busy += await p.service.inbox.countPending();
    }
    if (busy === 0) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${busy} things still in flight`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const TRANSFER_FIELDS = 'reference, amount, currency, beneficiary, value_date, sent_at, urgent, fee, priority';
const IMPORTED_TRANSFER_FIELDS = 'reference, amount, currency, value_date, sent_at, urgent, fee, priority';

export async function rows(store: Store, sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  return store.query<Record<string, unknown>>(sql, params);
}

async function count(p: SdcTestParty, table: string, where = 'true', params: unknown[] = []): Promise<number> {
  const [r] = await p.store.query<{ n: bigint }>(`SELECT count(*) AS n FROM ${table} WHERE ${where}`, params);
  return Number(r?.n);
}

/** What the scenario queued and expects, for the checks. */
export interface ScenarioPlan {
  readonly a: SdcTestParty;
  readonly b: SdcTestParty;
  readonly hub: SdcTestParty;
  readonly exportsA: number;
  readonly exportsB: number;
  readonly rowsA: number;
  readonly rowsB: number;
}

/** Fills the databases and queues round 1: exports from both agencies, rate imports, hub messages. */
export async function queueRound1(net: SdcTestNetwork): Promise<ScenarioPlan> {
  const [a, b] = net.agencies as [SdcTestParty, SdcTestParty];
  const hub = net.hub;
  const rowsA = 23;
  const rowsB = 14;
  await net.insertTransfers(a.id, rowsA, { status: 2, prefix: 'A' });
  await net.insertTransfers(a.id, 3, { status: 1, prefix: 'A-draft' }); // not validated: never exported
  await net.insertTransfers(b.id, rowsB, { status: 2, prefix: 'B' });
  await net.insertTransfers(hub.id, 4, { status: 1, prefix: 'H' }); // the hub's own rows: Numeros differ
  // The hub's rates, which the agencies import.
  const currencies = ['XOF', 'EUR', 'USD', 'XOF', 'GHS', 'XOF', 'EUR', 'NGN', 'XOF', 'USD', 'EUR', 'XOF'];
  for (const [i, c] of currencies.entries()) {
    await hub.store.query(
      `INSERT INTO rates ("Status", currency, rate, valid_from) VALUES (2, $1, $2::numeric, $3::date)`,
      [c, `${655 + i}.${String(i * 7).padStart(3, '0')}`, `2026-11-${String(10 + i).padStart(2, '0')}`],
    );
  }
  // Exports of at most 10 rows each: A 10 + 10 + 3, B 10 + 4.
  let exportsA = 0;
  let exportsB = 0;
  while ((await a.service.exportTable('transfers', { to: hub.id, limit: 10 })).outcome === 'exported') exportsA++;
  while ((await b.service.exportTable('transfers', { to: hub.id, limit: 10 })).outcome === 'exported') exportsB++;
  expect([exportsA, exportsB]).toEqual([3, 2]);
  await a.service.requestImport(
    { table: 'rates', where: { field: 'currency', op: '=', value: 'XOF' } },
    { from: hub.id },
  );
  await b.service.requestImport(
    { table: 'rates', where: { field: 'currency', op: 'in', values: ['EUR', 'USD'] } },
    { from: hub.id },
  );
  await hub.service.sendMessage(a.id, 'new XOF rates from Monday', 'rates');
  await hub.service.sendMessage(b.id, 'new EUR and USD rates from Monday', 'rates');
  return { a, b, hub, exportsA, exportsB, rowsA, rowsB };
}

/** Round 2, once the hub has A's transfers: B imports them through the hub (without the beneficiary). */
export async function queueRound2(plan: ScenarioPlan): Promise<void> {
  await plan.b.service.requestImport(
    { table: 'transfers', where: { field: 'reference', op: 'prefix', value: 'A-' }, orderBy: [{ field: 'reference' }] },
    { from: plan.hub.id },
  );
}

/** The record-by-record checks at both ends, after both rounds. Returns the counts, for the report. */
export async function checkRecords(plan: ScenarioPlan): Promise<Record<string, number>> {
  const { a, b, hub, rowsA, rowsB } = plan;
  // Exports: every validated row of each agency is at the hub, field by field; the agency rows are at Status 3.
  expect(await count(a, 'transfers', `"Status" = 3 AND reference LIKE 'A-%' AND reference NOT LIKE 'A-draft%'`)).toBe(
    rowsA,
  );
  expect(await count(a, 'transfers', `"Status" = 1 AND reference LIKE 'A-draft%'`)).toBe(3);
  expect(await count(b, 'transfers', `"Status" = 3 AND reference LIKE 'B-%'`)).toBe(rowsB);
  const exportedA = await rows(
    a.store,
    `SELECT ${TRANSFER_FIELDS} FROM transfers WHERE "Status" = 3 ORDER BY reference`,
  );
  const atHubA = await rows(
    hub.store,
    `SELECT ${TRANSFER_FIELDS} FROM transfers WHERE reference LIKE 'A-%' ORDER BY reference`,
  );
  expect(atHubA).toEqual(exportedA);
  expect(atHubA.length).toBe(rowsA);
  const exportedB = await rows(
    b.store,
    `SELECT ${TRANSFER_FIELDS} FROM transfers WHERE "Status" = 3 ORDER BY reference`,
  );
  const atHubB = await rows(
    hub.store,
    `SELECT ${TRANSFER_FIELDS} FROM transfers WHERE reference LIKE 'B-%' ORDER BY reference`,
  );
  expect(atHubB).toEqual(exportedB);
  expect(atHubB.length).toBe(rowsB);
  expect(await count(hub, 'transfers', `reference LIKE 'A-draft%'`)).toBe(0);
  // The hub's Numeros are its own: its 4 rows first, then the arrivals.
  const hubNumeros = await rows(hub.store, `SELECT "Numero" FROM transfers WHERE reference LIKE 'H-%' ORDER BY 1`);
  expect(hubNumeros.map((r) => Number(r.Numero))).toEqual([1, 2, 3, 4]);

  // Every export was answered with a receipt, recorded against the Numeros it carried.
  for (const [p, n, total] of [
    [a, plan.exportsA, rowsA],
    [b, plan.exportsB, rowsB],
  ] as const) {
    const exports = (await p.service.deliveries()).filter((d) => d.type === 'export');
    expect(exports.length).toBe(n);
    expect(exports.every((d) => d.outcome === 'applied' && d.deliveredAt !== null)).toBe(true);
    expect(exports.reduce((s, d) => s + (d.rowsApplied ?? 0), 0)).toBe(total);
    const numeros = exports.flatMap((d) => d.numeros.map(Number)).sort((x, y) => x - y);
    const mine = await rows(p.store, `SELECT "Numero" FROM transfers WHERE "Status" = 3 ORDER BY 1`);
    expect(numeros).toEqual(mine.map((r) => Number(r.Numero)));
  }

  // Imports: each agency holds exactly the hub's rows it asked for, field by field.
  const rates = (store: Store, where: string) =>
    rows(store, `SELECT currency, rate, valid_from FROM rates WHERE ${where} ORDER BY valid_from, currency`);
  const hubXof = await rates(hub.store, `currency = 'XOF'`);
  expect(hubXof.length).toBe(5);
  expect(await rates(a.store, 'true')).toEqual(hubXof);
  const hubEurUsd = await rates(hub.store, `currency IN ('EUR', 'USD')`);
  expect(hubEurUsd.length).toBe(5);
  expect(await rates(b.store, 'true')).toEqual(hubEurUsd);
  // Round 2: A's transfers reached B through the hub, without the beneficiary (not in the allow-list).
  const hubA = await rows(
    hub.store,
    `SELECT ${IMPORTED_TRANSFER_FIELDS} FROM transfers WHERE reference LIKE 'A-%' ORDER BY reference`,
  );
  const atB = await rows(
    b.store,
    `SELECT ${IMPORTED_TRANSFER_FIELDS} FROM transfers WHERE reference LIKE 'A-%' ORDER BY reference`,
  );
  expect(atB).toEqual(hubA);
  expect(atB.length).toBe(rowsA);
  expect(await count(b, 'transfers', `reference LIKE 'A-%' AND beneficiary IS NOT NULL`)).toBe(0);
  for (const p of [a, b]) {
    const imports = (await p.service.deliveries()).filter((d) => d.type === 'import-request');
    expect(imports.every((d) => d.outcome === 'answered')).toBe(true);
  }

  // Messages: each agency has its message once; the hub holds a receipt for each.
  const messages = async (p: SdcTestParty) => rows(p.store, 'SELECT sender, subject, text FROM sdc_messages');
  expect(await messages(a)).toEqual([{ sender: hub.id, subject: 'rates', text: 'new XOF rates from Monday' }]);
  expect(await messages(b)).toEqual([{ sender: hub.id, subject: 'rates', text: 'new EUR and USD rates from Monday' }]);
  const hubSent = (await hub.service.deliveries()).filter((d) => d.type === 'message');
  expect(hubSent.map((d) => d.outcome)).toEqual(['applied', 'applied']);

  // Intake logs: nothing rejected or refused anywhere; what each side accepted, by count.
  const counts: Record<string, number> = {};
  for (const p of [hub, a, b]) {
    const c = await p.service.intakeCounts();
    // Rejections and refusals are counted per code ('rejected ERR_SDC_REPLAY'): none of any code.
    expect(
      (await p.service.intakeLog({ status: 'rejected' })).map((e) => e.code),
      `${p.id} rejected`,
    ).toEqual([]);
    expect(
      (await p.service.intakeLog({ status: 'refused' })).map((e) => e.code),
      `${p.id} refused`,
    ).toEqual([]);
    expect(
      Object.keys(c).filter((k) => k !== 'accepted' && k !== 'duplicate'),
      `${p.id} intake counts`,
    ).toEqual([]);
    counts[`${p.id} accepted`] = c.accepted ?? 0;
    counts[`${p.id} duplicates`] = c.duplicate ?? 0;
  }
  // The hub: 5 exports, 3 import requests, and the receipts of its 2 messages and 3 import responses;
  // A: 3 export receipts, 1 import response, 1 message; B: 2, 2, 1.
  expect(counts[`${hub.id} accepted`]).toBe(13);
  expect(counts[`${a.id} accepted`]).toBe(5);
  expect(counts[`${b.id} accepted`]).toBe(5);
  return {
    ...counts,
    'transfers exported A': rowsA,
    'transfers exported B': rowsB,
    'rates imported A': hubXof.length,
    'rates imported B': hubEurUsd.length,
    'transfers imported B': atB.length,
  };
}

/** The containers sent: unique ids, one per outbox entry, each header naming sender and recipient. */
export function checkCaptured(log: readonly CapturedContainer[]): Map<string, number> {
  const ids = log.map((c) => c.message.id);
  const byType = new Map<string, number>();
  for (const c of log) {
    const { header } = inspectSdc(c.message.body);
    expect(header.id).toBe(c.message.id);
    expect(header.sender).toBe(c.sender);
    byType.set(header.type, (byType.get(header.type) ?? 0) + 1);
  }
  expect(new Set(ids).size).toBe(ids.length);
  return byType;
}

/**
 * `openssl cms -decrypt` (with the recipient's key) then `openssl cms -verify -CAfile root.pem` on every
 * captured container; what OpenSSL outputs is the signed { body, header }, whose header is the one sent.
 */
export async function checkWithOpenssl(
  log: readonly CapturedContainer[],
  net: SdcTestNetwork,
  s: Scratch,
): Promise<number> {
  await s.write('root.pem', net.pki.root.certificate.toPem());
  for (const p of [net.hub, ...net.agencies]) {
    await s.write(`${p.id}.pem`, p.identity.certificate.toPem());
    await s.write(`${p.id}.key`, p.identity.privateKey.toPem());
  }
  let opened = 0;
  for (const [k, c] of log.entries()) {
    const { header } = inspectSdc(c.message.body);
    await s.write(`c${k}.der`, c.message.body);
    const dec = await openssl(
      [
        'cms',
        '-decrypt',
        '-binary',
        '-inform',
        'DER',
        '-in',
        `c${k}.der`,
        '-recip',
        `${header.recipient}.pem`,
        '-inkey',
        `${header.recipient}.key`,
        '-out',
        `s${k}.der`,
      ],
      { cwd: s.dir },
    );
    expect(dec.code, `openssl cms -decrypt ${header.type} ${header.id}: ${dec.stderr}`).toBe(0);
    const ver = await openssl(
      ['cms', '-verify', '-binary', '-inform', 'DER', '-in', `s${k}.der`, '-CAfile', 'root.pem', '-out', `v${k}.json`],
      { cwd: s.dir },
    );
    expect(ver.code, `openssl cms -verify ${header.type} ${header.id}: ${ver.stderr}`).toBe(0);
    const signed = JSON.parse((await s.read(`v${k}.json`)).toString('utf8')) as { header: unknown; body: unknown };
    expect(signed.header).toEqual(header);
    opened++;
  }
  return opened;
}
