import { createHash } from 'node:crypto';
import { createTestPki } from '@semper/crypto/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSdcHeader, sealSdc } from '../format/index.js';
import {
  digestStore,
  SDC_TEST_TABLES,
  createSdcTestNetwork,
  type SdcTestNetwork,
  type SdcTestParty,
} from '../testing/network.js';
import type { IntakeOutcome, SdcStep } from './secure-data.service.js';

const count = async (p: SdcTestParty, table: string, where = 'true'): Promise<number> => {
  const [r] = await p.store.query<{ n: bigint }>(`select count(*) as n from ${table} where ${where}`);
  return Number(r?.n);
};

/** The next sequence number of `from` to `to`, taken from its own counter (as its services would). */
const nextSequence = async (from: SdcTestParty, to: string): Promise<bigint> => {
  const [r] = await from.store.query<{ last: bigint }>(
    `INSERT INTO sdc_sequences (recipient, last) VALUES ($1, 1)
     ON CONFLICT (recipient) DO UPDATE SET last = sdc_sequences.last + 1 RETURNING last`,
    [to],
  );
  return BigInt(r?.last as bigint);
};

/** Seals a hand-made container from one party to another. */
const craft = async (
  from: SdcTestParty,
  to: SdcTestParty,
  type: 'export' | 'import-request' | 'import-response' | 'receipt' | 'error' | 'message',
  body: unknown,
  o: { sequence?: bigint; id?: string; inReplyTo?: string; recipient?: string } = {},
): Promise<Uint8Array> => {
  const header = makeSdcHeader({
    type,
    sender: from.id,
    recipient: o.recipient ?? to.id,
    sequence: o.sequence ?? (await nextSequence(from, to.id)),
    ...(o.id === undefined ? {} : { id: o.id }),
    ...(o.inReplyTo === undefined ? {} : { inReplyTo: o.inReplyTo }),
  });
  return sealSdc({ header, body }, { signer: from.identity, recipient: to.identity.certificate });
};

const row = (i: number) => ({
  reference: `X-${i}`,
  amount: String(500 + i),
  currency: 'EUR',
  beneficiary: null,
  value_date: '2026-12-03',
  sent_at: '2026-12-01T10:00:00.000Z',
  urgent: false,
  fee: '1.50',
  priority: 1,
});
const transferColumns = SDC_TEST_TABLES.transfers.columns.map((c) => ({ name: c.name, type: c.type }));

describe('SecureDataService', () => {
  let net: SdcTestNetwork;
  let a: SdcTestParty;
  let b: SdcTestParty;
  let hub: SdcTestParty;
  let fault: ((party: string, step: SdcStep) => void) | undefined;

  beforeAll(async () => {
    net = await createSdcTestNetwork({
      services: (party) => ({ faultInjection: (step) => fault?.(party, step) }),
    });
    [a, b] = net.agencies as [SdcTestParty, SdcTestParty];
    hub = net.hub;
  }, 120_000);
  afterAll(async () => net?.close());

  it('export: only the Status 2 rows go, move to Status 3 with the container queued, arrive once with new Numeros', async () => {
    await net.insertTransfers(a.id, 12, { status: 2, prefix: 'A2' });
    await net.insertTransfers(a.id, 3, { status: 1, prefix: 'A1' });
    await net.insertTransfers(a.id, 2, { status: 0, prefix: 'A0' });
    // The hub already holds rows, so Numeros differ between the sites.
    await net.insertTransfers(hub.id, 5, { status: 1, prefix: 'H' });
    const r = await a.service.exportTable('transfers', { to: 'hub' });
    expect(r.outcome).toBe('exported');
    if (r.outcome !== 'exported') return;
    expect(r.rows).toBe(12);
    expect(await count(a, 'transfers', '"Status" = 3')).toBe(12);
    expect(await count(a, 'transfers', '"Status" = 2')).toBe(0);
    expect(await count(a, 'transfers', '"Status" = 1')).toBe(3);
    expect(await a.service.outbox.countPending()).toBe(1);
    expect(await a.service.exportTable('transfers', { to: 'hub' })).toEqual({ outcome: 'empty' });

    const outcomes = await net.deliverAll();
    expect(outcomes.map((o) => `${o.status} ${o.status === 'accepted' ? o.type : ''}`)).toEqual([
      'accepted export',
      'accepted receipt',
    ]);
    expect(await count(hub, 'transfers', `reference like 'A2-%'`)).toBe(12);
    expect(await count(hub, 'transfers', `reference like 'A1-%' or reference like 'A0-%'`)).toBe(0);
    expect(await count(hub, 'transfers', `reference like 'A2-%' and "Status" = 1`)).toBe(12);
    // Field by field, the same values; Numeros are the hub's own (6…17, after its 5 rows).
    const cols = 'reference, amount, currency, beneficiary, value_date, sent_at, urgent, fee, priority';
    const mine = await a.store.query(`select ${cols} from transfers where reference like 'A2-%' order by reference`);
    const theirs = await hub.store.query(
      `select ${cols} from transfers where reference like 'A2-%' order by reference`,
    );
    expect(theirs).toEqual(mine);
    const numeros = await hub.store.query<{ Numero: bigint }>(
      `select "Numero" from transfers where reference like 'A2-%' order by "Numero"`,
    );
    expect(numeros.map((n) => Number(n.Numero))).toEqual(Array.from({ length: 12 }, (_, i) => 6 + i));
    const [d] = await a.service.deliveries();
    expect(d).toMatchObject({ type: 'export', outcome: 'applied', rowsApplied: 12, table: 'transfers' });
    expect(d?.numeros).toEqual(r.numeros);
    expect(await a.service.deliveries({ pending: true })).toEqual([]);
  });

  it('fields are matched by name, not position', async () => {
    const reversed = [...transferColumns].reverse();
    const shuffled = (i: number) => Object.fromEntries(Object.entries(row(i)).reverse());
    const bytes = await craft(a, hub, 'export', {
      recordSet: { table: 'transfers', columns: reversed, rows: [shuffled(1), shuffled(2)] },
    });
    const o = await hub.service.receive(bytes);
    expect(o).toMatchObject({ status: 'accepted', rows: 2 });
    const got = await hub.store.query<{ amount: bigint; reference: string; fee: string }>(
      `select amount, reference, fee from transfers where reference in ('X-1', 'X-2') order by reference`,
    );
    expect(got).toEqual([
      { amount: 501n, reference: 'X-1', fee: '1.50' },
      { amount: 502n, reference: 'X-2', fee: '1.50' },
    ]);
    await net.deliverAll();
  });

  it('import: a structured query answered at once, the rows placed in the requester table, a receipt back', async () => {
    await hub.store.query(
      `insert into rates ("Status", currency, rate, valid_from) values
       (2, 'EUR', '655.957', '2026-12-01'), (2, 'XOF', '1', '2026-12-01'), (2, 'USD', '602.1', '2026-12-01'),
       (0, 'EUR', '650', '2026-11-01'), (2, 'GBP', '760.5', '2026-12-01')`,
    );
    const { containerId } = await b.service.requestImport(
      {
        table: 'rates',
        fields: ['currency', 'rate', 'valid_from'],
        where: {
          and: [
            { field: 'currency', op: 'in', values: ['EUR', 'XOF', 'USD'] },
            { field: 'Status', op: '=', value: 2 },
          ],
        },
        orderBy: [{ field: 'currency' }],
      },
      { from: 'hub' },
    );
    const outcomes = await net.deliverAll();
    expect(outcomes.map((o) => (o.status === 'accepted' ? `${o.type} ${o.rows}` : o.status))).toEqual([
      'import-request 3',
      'import-response 3',
      'receipt 3',
    ]);
    const got = await b.store.query(`select "Status", currency, rate, valid_from from rates order by currency`);
    expect(got).toEqual([
      { Status: 1, currency: 'EUR', rate: '655.957', valid_from: '2026-12-01' },
      { Status: 1, currency: 'USD', rate: '602.1', valid_from: '2026-12-01' },
      { Status: 1, currency: 'XOF', rate: '1', valid_from: '2026-12-01' },
    ]);
    const [d] = await b.service.deliveries();
    expect(d).toMatchObject({ containerId, type: 'import-request', outcome: 'answered', rowsApplied: 3 });
    expect(d?.truncated).toBe(false);
    // An answer cut at the requested limit says so.
    const cut = await b.service.requestImport(
      { table: 'rates', where: { field: 'Status', op: '=', value: 2 }, limit: 2 },
      { from: 'hub' },
    );
    await net.deliverAll();
    const cutDelivery = (await b.service.deliveries()).find((x) => x.containerId === cut.containerId);
    expect(cutDelivery).toMatchObject({ outcome: 'answered', rowsApplied: 2, truncated: true });
    await b.store.query(`delete from rates where "Numero" > 3`);
    const hubSide = (await hub.service.deliveries()).filter((x) => x.type === 'import-response');
    expect(hubSide).toHaveLength(2);
    expect(hubSide[0]).toMatchObject({ recipient: b.id, outcome: 'applied', rowsApplied: 3 });
  });

  it('import: tables and columns outside the allow-list are refused with an error container', async () => {
    const before = await digestStore(hub.store, { exclude: ['sdc_intake_log', 'sdc_outbox', 'sdc_sequences'] });
    await b.service.requestImport({ table: 'transfers', fields: ['beneficiary'] }, { from: 'hub' });
    await b.service.requestImport(
      { table: 'transfers', where: { field: 'beneficiary', op: 'prefix', value: 'B' } },
      { from: 'hub' },
    );
    await b.service.requestImport(
      { table: 'rates', where: { field: 'rate', op: 'prefix', value: '6' } },
      { from: 'hub' },
    );
    const bytes = await craft(b, hub, 'import-request', { query: { table: 'sdc_outbox' } });
    const outcomes = [await hub.service.receive(bytes), ...(await net.deliverAll())];
    const refused = outcomes.filter((o) => o.status === 'refused').map((o) => (o as { code: string }).code);
    expect(refused.sort()).toEqual([
      'ERR_SDC_COLUMN_NOT_ALLOWED',
      'ERR_SDC_COLUMN_NOT_ALLOWED',
      'ERR_SDC_QUERY_INVALID',
      'ERR_SDC_TABLE_NOT_ALLOWED',
    ]);
    // The errors came back and closed the three requests b made; the crafted one had no delivery there.
    const errors = outcomes.filter((o) => o.status === 'accepted' && o.type === 'error');
    expect(errors).toHaveLength(3);
    expect(outcomes.filter((o) => o.status === 'rejected' && o.code === 'ERR_SDC_UNSOLICITED')).toHaveLength(1);
    const failed = (await b.service.deliveries()).filter((d) => d.outcome === 'error');
    expect(failed.map((d) => d.errorCode).sort()).toEqual([
      'ERR_SDC_COLUMN_NOT_ALLOWED',
      'ERR_SDC_COLUMN_NOT_ALLOWED',
      'ERR_SDC_QUERY_INVALID',
    ]);
    expect(await digestStore(hub.store, { exclude: ['sdc_intake_log', 'sdc_outbox', 'sdc_sequences'] })).toBe(before);
  });

  it('apply is all or nothing: one bad row, a schema mismatch or an unknown column applies nothing', async () => {
    const hubRows = await count(hub, 'transfers');
    const bad = [
      // one bad row among good ones: amount not a decimal string
      {
        recordSet: {
          table: 'transfers',
          columns: transferColumns,
          rows: [row(10), row(11), { ...row(12), amount: 12.5 }],
        },
      },
      // a field not declared
      { recordSet: { table: 'transfers', columns: transferColumns, rows: [row(13), { ...row(14), extra: 'x' }] } },
      // a required field missing in a row
      {
        recordSet: {
          table: 'transfers',
          columns: transferColumns,
          rows: [row(15), (({ currency: _, ...rest }) => rest)(row(16))],
        },
      },
      // a text longer than the column's maxLength
      { recordSet: { table: 'transfers', columns: transferColumns, rows: [{ ...row(17), currency: 'EURO' }] } },
      // schema mismatch: a column typed differently
      {
        recordSet: {
          table: 'transfers',
          columns: transferColumns.map((c) => (c.name === 'amount' ? { name: 'amount', type: 'text' } : c)),
          rows: [row(18)],
        },
      },
      // schema mismatch: a required column not declared
      { recordSet: { table: 'transfers', columns: transferColumns.filter((c) => c.name !== 'currency'), rows: [] } },
      // a column the table does not have
      { recordSet: { table: 'transfers', columns: [...transferColumns, { name: 'secret', type: 'text' }], rows: [] } },
      // a table not open to exports
      { recordSet: { table: 'rates', columns: [{ name: 'currency', type: 'text' }], rows: [] } },
      // not a record set at all
      { recordSet: { table: 'transfers', columns: transferColumns, rows: 'all of them' } },
    ];
    const outcomes: IntakeOutcome[] = [];
    for (const body of bad) outcomes.push(await hub.service.receive(await craft(a, hub, 'export', body)));
    expect(outcomes.map((o) => (o.status === 'refused' ? o.code : o.status))).toEqual([
      'ERR_SDC_BAD_ROW',
      'ERR_SDC_BAD_ROW',
      'ERR_SDC_BAD_ROW',
      'ERR_SDC_BAD_ROW',
      'ERR_SDC_SCHEMA_MISMATCH',
      'ERR_SDC_SCHEMA_MISMATCH',
      'ERR_SDC_COLUMN_NOT_ALLOWED',
      'ERR_SDC_TABLE_NOT_ALLOWED',
      'ERR_SDC_BODY_INVALID',
    ]);
    expect(await count(hub, 'transfers')).toBe(hubRows);
    // Each was answered with an error container (a has no delivery for hand-made ones: unsolicited there).
    const answers = await hub.service.outbox.pending(100, a.id);
    expect(answers.filter((e) => e.type === 'error')).toHaveLength(bad.length);
    const back = await net.deliverAll();
    expect(back.filter((o) => o.status === 'rejected' && o.code === 'ERR_SDC_UNSOLICITED')).toHaveLength(bad.length);
    // A refused container delivered again gets the same error container again, and still applies nothing.
    const again = await craft(a, hub, 'export', bad[0]);
    const first = await hub.service.receive(again);
    const second = await hub.service.receive(again);
    expect(first.status).toBe('refused');
    expect(second).toEqual(first);
    expect(await count(hub, 'transfers')).toBe(hubRows);
    await net.deliverAll();
  });

  it('an export refused by the hub (access status) puts the rows back to Status 2; allowed again, they go once', async () => {
    await net.insertTransfers(b.id, 7, { status: 2, prefix: 'B2' });
    await net.setStatus(b.id, 2); // standard: no secure data services
    await b.service.exportTable('transfers', { to: 'hub' });
    expect(await count(b, 'transfers', '"Status" = 3')).toBe(7);
    const outcomes = await net.deliverAll();
    expect(outcomes.map((o) => (o.status === 'refused' ? o.code : `${o.status}`))).toEqual([
      'ERR_SDC_ACCESS_DENIED',
      'accepted',
    ]);
    expect(await count(b, 'transfers', '"Status" = 2')).toBe(7);
    expect(await count(hub, 'transfers', `reference like 'B2-%'`)).toBe(0);
    const denials = await net.accessRepository.listDenials({ subjectId: b.id });
    expect(denials.filter((d) => d.action === 'sdc.export')).toHaveLength(1);
    // An import request is refused too.
    await b.service.requestImport({ table: 'rates' }, { from: 'hub' });
    const imp = await net.deliverAll();
    expect(imp[0]).toMatchObject({ status: 'refused', code: 'ERR_SDC_ACCESS_DENIED' });
    await net.setStatus(b.id, 0);
    await b.service.exportTable('transfers', { to: 'hub' });
    expect((await net.deliverAll())[0]).toMatchObject({ status: 'refused', code: 'ERR_SDC_ACCESS_DENIED' });

    await net.setStatus(b.id, 3);
    const r = await b.service.exportTable('transfers', { to: 'hub' });
    expect(r).toMatchObject({ outcome: 'exported', rows: 7 });
    await net.deliverAll();
    expect(await count(hub, 'transfers', `reference like 'B2-%'`)).toBe(7);
    expect(await count(b, 'transfers', '"Status" = 3')).toBe(7);
  });

  it('exactly once: a container delivered three times is applied once and answered with the same receipt', async () => {
    await net.insertTransfers(a.id, 4, { status: 2, prefix: 'DUP' });
    await a.service.exportTable('transfers', { to: 'hub' });
    const [entry] = await a.service.outbox.pending();
    if (entry === undefined) throw new Error('nothing queued');
    const o1 = await hub.service.receive(entry.bytes);
    const o2 = await hub.service.receive(entry.bytes);
    const o3 = await hub.service.receive(entry.bytes);
    expect(o1).toMatchObject({ status: 'accepted', rows: 4 });
    if (o1.status !== 'accepted') return;
    expect(o2).toEqual({ status: 'duplicate', containerId: o1.containerId, sender: a.id, answerId: o1.answerId });
    expect(o3).toEqual(o2);
    expect(await count(hub, 'transfers', `reference like 'DUP-%'`)).toBe(4);
    // The receipt is queued once (the same container, re-queued), and it is the same bytes every time.
    const receipts = (await hub.service.outbox.pending(100, a.id)).filter((e) => e.type === 'receipt');
    expect(receipts.map((e) => e.containerId)).toEqual([o1.answerId]);
    const receipt = receipts[0]?.bytes as Uint8Array;
    await hub.service.outbox.markSent(o1.answerId as string);
    expect((await hub.service.outbox.get(o1.answerId as string))?.sentAt).toBeInstanceOf(Date);
    expect(await hub.service.receive(entry.bytes)).toEqual(o2);
    const requeued = await hub.service.outbox.get(o1.answerId as string);
    expect(requeued?.bytes).toEqual(receipt);
    expect(requeued?.sentAt).toBeNull();
    // The sender records the delivery once; the receipt delivered twice is a duplicate there.
    const r1 = await a.service.receive(receipt);
    const r2 = await a.service.receive(receipt);
    expect(r1).toMatchObject({ status: 'accepted', type: 'receipt', rows: 4 });
    expect(r2.status).toBe('duplicate');
    await a.service.outbox.markSent(entry.containerId);
    await net.deliverAll();
    const d = (await a.service.deliveries()).find((x) => x.containerId === entry.containerId);
    expect(d).toMatchObject({ outcome: 'applied', rowsApplied: 4, answerId: o1.answerId });
  });

  it('replays are rejected: an old sequence with a new id, a seen id with other bytes', async () => {
    const before = await digestStore(hub.store, { exclude: ['sdc_intake_log'] });
    const body = { recordSet: { table: 'transfers', columns: transferColumns, rows: [row(90)] } };
    const old = await craft(a, hub, 'export', body, { sequence: 1n });
    const [seen] = await hub.store.query<{ container_id: string; sequence: bigint }>(
      `select container_id, sequence from sdc_received where sender = $1 order by sequence limit 1`,
      [a.id],
    );
    const sameId = await craft(a, hub, 'export', body, { id: seen?.container_id, sequence: 10_000n });
    const o1 = await hub.service.receive(old);
    const o2 = await hub.service.receive(sameId);
    expect(o1).toMatchObject({ status: 'rejected', code: 'ERR_SDC_REPLAY' });
    expect(o2).toMatchObject({ status: 'rejected', code: 'ERR_SDC_REPLAY' });
    expect(await digestStore(hub.store, { exclude: ['sdc_intake_log'] })).toBe(before);
  });

  it('containers overtaken in transit are applied; a sequence below the replay window, or reused, is a replay', async () => {
    await net.insertTransfers(a.id, 3, { status: 2, prefix: 'OOO' });
    for (let i = 0; i < 3; i++) await a.service.exportTable('transfers', { to: 'hub', limit: 1 });
    const entries = (await a.service.outbox.pending()).filter((e) => e.type === 'export');
    expect(entries).toHaveLength(3);
    const arrival = [entries[2], entries[0], entries[1]] as typeof entries;
    const outcomes = [];
    for (const e of arrival) outcomes.push(await hub.service.receive(e.bytes));
    expect(outcomes.map((o) => o.status)).toEqual(['accepted', 'accepted', 'accepted']);
    expect(await count(hub, 'transfers', `reference like 'OOO-%'`)).toBe(3);
    for (const e of entries) await a.service.outbox.markSent(e.containerId);
    await net.deliverAll();
    expect((await a.service.deliveries({ pending: true })).filter((d) => d.type === 'export')).toEqual([]);
    // The window (1,000 by default) below the highest sequence applied.
    const far = await hub.service.receive(await craft(a, hub, 'message', { text: 'far' }, { sequence: 5000n }));
    const tooOld = await hub.service.receive(await craft(a, hub, 'message', { text: 'old' }, { sequence: 3999n }));
    const inWindow = await hub.service.receive(await craft(a, hub, 'message', { text: 'late' }, { sequence: 4500n }));
    const reused = await hub.service.receive(await craft(a, hub, 'message', { text: 'again' }, { sequence: 4500n }));
    expect([far.status, tooOld.status, inWindow.status, reused.status]).toEqual([
      'accepted',
      'rejected',
      'accepted',
      'rejected',
    ]);
    expect(tooOld).toMatchObject({ code: 'ERR_SDC_REPLAY' });
    expect(reused).toMatchObject({ code: 'ERR_SDC_REPLAY' });
    // a's own counter goes on from there, as it would have.
    await a.store.query(`update sdc_sequences set last = 5001 where recipient = 'hub'`);
    await net.deliverAll();
  });

  it('wrong recipients, unknown and untrusted senders are rejected before anything is applied', async () => {
    const before = await digestStore(hub.store, { exclude: ['sdc_intake_log'] });
    const body = { recordSet: { table: 'transfers', columns: transferColumns, rows: [row(91)] } };
    // sealed for agency b, delivered to the hub
    const toB = await craft(a, b, 'message', { text: 'hello b' });
    // sealed to the hub's key but addressed to b in the header
    const misaddressed = await craft(a, hub, 'export', body, { recipient: b.id, sequence: 50_000n });
    // a party the hub does not know, with a certificate of the same PKI
    const stranger = await net.pki.issue('CN=agency-z');
    const fromZ = await sealSdc(
      { header: { type: 'export', sequence: 1n, sender: 'agency-z', recipient: hub.id }, body },
      { signer: stranger, recipient: hub.identity.certificate },
    );
    // agency a's name, from another PKI
    const other = await createTestPki({ name: 'rogue' });
    const fakeA = await other.issue(`CN=${a.id}`);
    const fromFakeA = await sealSdc(
      { header: { type: 'export', sequence: 60_000n, sender: a.id, recipient: hub.id }, body },
      { signer: fakeA, recipient: hub.identity.certificate },
    );
    const outcomes = [];
    for (const x of [toB, misaddressed, fromZ, fromFakeA]) outcomes.push(await hub.service.receive(x));
    expect(outcomes.map((o) => (o.status === 'rejected' ? o.code : o.status))).toEqual([
      'ERR_SDC_WRONG_RECIPIENT',
      'ERR_SDC_WRONG_RECIPIENT',
      'ERR_SDC_UNKNOWN_SENDER',
      'ERR_SDC_UNTRUSTED_SIGNER',
    ]);
    expect(await digestStore(hub.store, { exclude: ['sdc_intake_log'] })).toBe(before);
    expect(await hub.service.outbox.countPending()).toBe(0);
  });

  it('receipts and errors that answer nothing are rejected as unsolicited', async () => {
    const fake = await craft(hub, a, 'receipt', { for: 'sdc_nothing', digest: 'A'.repeat(43), rows: 3 });
    const { containerId } = await a.service.sendMessage(hub.id, 'ping');
    const wrongDigest = await craft(
      hub,
      a,
      'receipt',
      { for: containerId, digest: 'A'.repeat(43), rows: 0 },
      { inReplyTo: containerId },
    );
    const otherFor = await craft(
      hub,
      a,
      'error',
      { for: 'sdc_other', code: 'ERR_X', reason: 'x' },
      { inReplyTo: containerId },
    );
    const badBody = await craft(hub, a, 'error', { for: containerId, code: 42 }, { inReplyTo: containerId });
    expect(await a.service.receive(fake)).toMatchObject({ status: 'rejected', code: 'ERR_SDC_UNSOLICITED' });
    expect(await a.service.receive(wrongDigest)).toMatchObject({ status: 'rejected', code: 'ERR_SDC_UNSOLICITED' });
    expect(await a.service.receive(otherFor)).toMatchObject({ status: 'rejected', code: 'ERR_SDC_UNSOLICITED' });
    expect(await a.service.receive(badBody)).toMatchObject({ status: 'rejected', code: 'ERR_SDC_BODY_INVALID' });
    expect(await a.service.outbox.pending(10, hub.id)).toHaveLength(1); // only the message: nothing answered
    const outcomes = await net.deliverAll();
    expect(outcomes.map((o) => (o.status === 'accepted' ? o.type : o.status))).toEqual(['message', 'receipt']);
    expect((await a.service.deliveries()).find((d) => d.containerId === containerId)?.outcome).toBe('applied');
  });

  it('a crash between the steps of a transaction leaves nothing half applied', async () => {
    const steps: SdcStep[] = ['export:rows-collected', 'export:container-queued'];
    await net.insertTransfers(a.id, 3, { status: 2, prefix: 'CR' });
    for (const step of steps) {
      const before = await digestStore(a.store);
      fault = (party, s) => {
        if (party === a.id && s === step) throw new Error(`crash at ${s}`);
      };
      await expect(a.service.exportTable('transfers', { to: 'hub' })).rejects.toThrow();
      expect(await digestStore(a.store)).toBe(before);
    }
    fault = undefined;
    await a.service.exportTable('transfers', { to: 'hub' });
    const [entry] = await a.service.outbox.pending();
    if (entry === undefined) throw new Error('nothing queued');
    for (const step of ['apply:rows-inserted', 'apply:answer-queued', 'delivery:recorded'] as SdcStep[]) {
      const before = await digestStore(hub.store);
      fault = (party, s) => {
        if (party === hub.id && s === step) throw new Error(`crash at ${s}`);
      };
      await expect(hub.service.receive(entry.bytes)).rejects.toThrow();
      expect(await digestStore(hub.store)).toBe(before);
    }
    fault = undefined;
    expect(await hub.service.receive(entry.bytes)).toMatchObject({ status: 'accepted', rows: 3 });
    expect(await count(hub, 'transfers', `reference like 'CR-%'`)).toBe(3);
    await a.service.outbox.markSent(entry.containerId);
    // An import request crashing after its answer is queued: nothing is left, the next delivery answers.
    await b.service.requestImport(
      { table: 'rates', where: { field: 'currency', op: '=', value: 'GBP' } },
      { from: 'hub' },
    );
    const [req] = await b.service.outbox.pending();
    if (req === undefined) throw new Error('nothing queued');
    const hubBefore = await digestStore(hub.store);
    fault = (party, s) => {
      if (party === hub.id && s === 'import:answer-queued') throw new Error('crash');
    };
    await expect(hub.service.receive(req.bytes)).rejects.toThrow();
    expect(await digestStore(hub.store)).toBe(hubBefore);
    fault = undefined;
    await net.deliverAll();
    expect(await count(b, 'rates', `currency = 'GBP'`)).toBe(1);
  });

  it('messages are applied and receipted; the inbox is processed in order', async () => {
    const { containerId } = await hub.service.sendMessage(a.id, 'rates change on Monday', 'rates');
    const [entry] = await hub.service.outbox.pending(10, a.id);
    if (entry === undefined) throw new Error('nothing queued');
    await hub.service.outbox.markSent(entry.containerId);
    await a.service.inbox.add(entry.bytes, 'test:inbox');
    await a.service.inbox.add(entry.bytes, 'test:inbox-again');
    await a.service.inbox.add(new Uint8Array([1, 2, 3]), 'test:garbage');
    const outcomes = await a.service.processInbox();
    expect(outcomes.map((o) => (o.status === 'rejected' ? o.code : o.status))).toEqual([
      'accepted',
      'duplicate',
      'ERR_SDC_MALFORMED',
    ]);
    expect(await a.service.inbox.countPending()).toBe(0);
    // Rejections of one call are logged together, each with its input's digest.
    const junk = [new Uint8Array([0x30, 0x03, 1, 2, 3]), new Uint8Array(0), new Uint8Array([0x30, 0x80, 0, 0])];
    const rej = await a.service.receiveMany(junk.map((bytes) => ({ bytes, source: 'test:junk' })));
    expect(rej.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
    const logged = await a.store.query<{ digest: Uint8Array }>(
      `select digest from sdc_intake_log where source = 'test:junk' order by log_id`,
    );
    expect(logged.map((r) => Buffer.from(r.digest).toString('hex'))).toEqual(
      junk.map((b) => createHash('sha256').update(b).digest('hex')),
    );
    const [m] = await a.store.query('select sender, subject, text from sdc_messages where container_id = $1', [
      containerId,
    ]);
    expect(m).toEqual({ sender: hub.id, subject: 'rates', text: 'rates change on Monday' });
    await net.deliverAll();
    expect((await hub.service.deliveries()).find((d) => d.containerId === containerId)?.outcome).toBe('applied');
  });

  it('a revoked sender is rejected and nothing is applied', async () => {
    await net.insertTransfers(b.id, 2, { status: 2, prefix: 'REV' });
    await net.revoke(b.id);
    await b.service.exportTable('transfers', { to: 'hub' });
    const before = await digestStore(hub.store, { exclude: ['sdc_intake_log'] });
    const outcomes = await net.deliverAll();
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({ status: 'rejected', code: 'ERR_SDC_UNTRUSTED_SIGNER' });
    expect(await digestStore(hub.store, { exclude: ['sdc_intake_log'] })).toBe(before);
  });

  it('every rejection and refusal is in the intake log, counted by code', async () => {
    const counts = await hub.service.intakeCounts();
    const log = await hub.service.intakeLog({ code: 'ERR_SDC_REPLAY' });
    expect(log).toHaveLength(4);
    expect(log.every((e) => e.status === 'rejected' && e.sender === a.id && e.reason !== null)).toBe(true);
    expect(counts['rejected ERR_SDC_WRONG_RECIPIENT']).toBe(2);
    expect(counts['rejected ERR_SDC_UNKNOWN_SENDER']).toBe(1);
    expect(counts['rejected ERR_SDC_UNTRUSTED_SIGNER']).toBe(2);
    expect(counts['refused ERR_SDC_ACCESS_DENIED']).toBe(3);
    expect(counts['refused ERR_SDC_BAD_ROW']).toBe(6);
    expect(counts.duplicate).toBe(3);
    const total = Object.values(counts).reduce((x, y) => x + y, 0);
    const [n] = await hub.store.query<{ n: bigint }>('select count(*) as n from sdc_intake_log');
    expect(Number(n?.n)).toBe(total);
  });
});
