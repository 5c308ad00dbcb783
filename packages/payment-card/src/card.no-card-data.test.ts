// The must-show: the merchant's stored data and logs never contain card payment information. A set of
// payments runs (authorize + capture, sale, void, partial refund, declines, a tampered request); then every
// table of the merchant's store (its card tables and its evidence archive), the archive's exported
// evidence bundles, its events and its captured log output are searched for every card's PAN (digits,
// spaced, dashed, packed BCD, hex, base64 at every alignment), expiry and CVV. The same search over the
// gateway's store finds them, so the search finds what it looks for.
import { type EvidenceArchive, openArchive, SIGNED_DATA_CONTENT_TYPE } from '@semper/archive';
import { newId } from '@semper/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { base64Needles, dumpStore, type SearchedCard, search } from './card-data-search.test-util.js';
import { type CardWorld, createCardWorld, eur } from './card.test-util.js';
import { Cardholder } from './cardholder.js';
import { encodeJson, fromB64, toB64 } from './messages.js';

let w: CardWorld;
let archive: EvidenceArchive;
const consoleLines: string[] = [];
const transactions: string[] = [];
const searched: SearchedCard[] = [];

function captureConsole() {
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      consoleLines.push(
        args
          .map((a) =>
            typeof a === 'string'
              ? a
              : a instanceof Error
                ? `${a.name}: ${a.message} ${String(a.cause)}`
                : JSON.stringify(a, (_k, x) => (typeof x === 'bigint' ? x.toString() : x)),
          )
          .join(' '),
      );
    });
  }
}

beforeAll(async () => {
  captureConsole();
  let archiveRef: EvidenceArchive | undefined;
  w = await createCardWorld({
    // The merchant's application log: every card log line as JSON on the console.
    merchantLogger: (e) => console.info(JSON.stringify(e, (_k, x) => (typeof x === 'bigint' ? x.toString() : x))),
    evidence: async (r) =>
      archiveRef?.append({
        dealId: r.transactionId,
        step: r.step,
        direction: r.direction,
        peer: r.peer,
        content: r.content,
        contentType: r.step === 'card.purchase-request' ? 'application/json' : SIGNED_DATA_CONTENT_TYPE,
      }),
  });
  archive = await openArchive({
    store: w.merchantStore,
    name: 'merchant',
    identity: w.identities.merchant,
    clock: w.clock,
    checkpointEvery: 8,
  });
  archiveRef = archive;
  w.merchantEvents.length = 0;

  const issue = async (o: { expiry: string; cvv: string; balance: string }) => {
    const r = await w.cardholder({
      expiry: o.expiry,
      cvv: o.cvv,
      balance: eur(o.balance),
      perTransactionLimit: eur(o.balance),
    });
    searched.push(r.card);
    return r;
  };
  const a = await issue({ expiry: '2037-11', cvv: '7291', balance: '500.00' });
  const b = await issue({ expiry: '2036-08', cvv: '862', balance: '15.00' });
  const c = await issue({ expiry: '2020-01', cvv: '4417', balance: '100.00' });
  const run = async (p: Promise<{ transactionId: string; status: string }>) => {
    const r = await p;
    transactions.push(r.transactionId);
    console.info(`payment ${r.transactionId}: ${r.status}`);
    return r;
  };
  const r1 = await run(w.purchase(a.holder, eur('12.50')));
  await w.merchant.capture(r1.transactionId, eur('12.50'));
  await run(w.purchase(a.holder, eur('40.00'), { capture: true }));
  const r3 = await run(w.purchase(a.holder, eur('20.00')));
  await w.merchant.void(r3.transactionId);
  const r4 = await run(w.purchase(a.holder, eur('30.00')));
  await w.merchant.capture(r4.transactionId, eur('30.00'));
  await w.merchant.refund(r4.transactionId, eur('10.00'));
  await run(w.purchase(b.holder, eur('9.99')));
  expect((await run(w.purchase(b.holder, eur('10.00')))).status).toBe('declined');
  expect((await run(w.purchase(c.holder, eur('1.00')))).status).toBe('declined');
  // A wrong CVV for card a: declined, and that CVV is searched for too.
  const wrong = { ...a.card, cvv: '5038' };
  searched.push(wrong);
  const wrongHolder = new Cardholder({
    identity: w.identities.alice,
    card: wrong,
    trust: { merchants: w.pki.trust, gateways: w.pki.trust },
    clock: w.clock,
  });
  expect((await run(w.purchase(wrongHolder, eur('2.00')))).status).toBe('declined');
  // A tampered purchase request (another envelope): the gateway refuses it, the merchant logs the error.
  const tx = newId('tx');
  transactions.push(tx);
  const init = await w.merchant.createInit({ transactionId: tx, amount: eur('3.00') });
  const { request } = await a.holder.createPurchaseRequest(init);
  const otherInit = await w.merchant.createInit({ transactionId: newId('tx'), amount: eur('3.00') });
  const other = JSON.parse(new TextDecoder().decode((await b.holder.createPurchaseRequest(otherInit)).request));
  const preq = JSON.parse(new TextDecoder().decode(request));
  try {
    await w.merchant.handlePurchaseRequest(encodeJson({ ...preq, piEnvelope: other.piEnvelope }));
    throw new Error('the tampered request went through');
  } catch (err) {
    console.error('purchase failed', err);
    expect((err as { code?: string }).code).toBe('ERR_CARD_BAD_DUAL_SIGNATURE');
  }
  // Also a failed capture over the authorized amount.
  await w.merchant.capture(r1.transactionId, eur('1.00')).catch((err: unknown) => console.error('capture failed', err));
}, 120_000);

afterAll(async () => {
  vi.restoreAllMocks();
  await w?.close();
});

describe('no card data at the merchant', () => {
  it('the searcher finds card data in every encoding it claims (positive controls)', () => {
    const card = { pan: '4999991234567897', expiry: '2037-11', cvv: '7291' };
    const json = `{"pan":"${card.pan}","expiry":"${card.expiry}","cvv":"${card.cvv}"}`;
    const alignments = new Set<string>();
    for (let k = 0; k < 3; k++) {
      const text = Buffer.from(`${'x'.repeat(k)}${json}`).toString('base64');
      const found = search([{ where: 'b64', text }], [card]).map((f) => f.what);
      for (const f of found) if (f.startsWith('PAN base64')) alignments.add(f);
      expect(found.some((f) => f.startsWith('expiry base64'))).toBe(true);
      expect(found.some((f) => f.startsWith('CVV field base64'))).toBe(true);
    }
    expect([...alignments].sort()).toEqual([0, 1, 2].map((i) => `PAN base64 (alignment ${i})`));
    expect(base64Needles(card.pan)).toHaveLength(3);
    const found = (text: string) => search([{ where: 't', text }], [card]).map((f) => f.what);
    expect(found('card 4999 9912 3456 7897 ok')).toContain('PAN with spaces');
    expect(found('4999-9912-3456-7897')).toContain('PAN with dashes');
    expect(found('4 9 9 9 9 9 1 2 3 4 5 6 7 8 9 7')).toContain('PAN with separators');
    expect(found('4999.991.234.567.897')).toContain('PAN with separators');
    expect(found(Buffer.from(card.pan).toString('hex').toUpperCase())).toContain('PAN HEX');
    expect(found(Buffer.from(card.pan, 'hex').toString('latin1'))).toContain('PAN packed BCD');
    expect(found('valid thru 11/37.')).toContain('expiry MM/YY');
    expect(found('code 7291;')).toContain('CVV digits');
    expect(found('ab7291cd 0x7291ff')).toEqual([]); // inside alphanumeric runs: not a CVV
  });

  it('ran the payments and kept records, evidence, events and logs to search', async () => {
    const [{ n }] = await w.merchantStore.query<{ n: bigint }>(
      'SELECT count(*)::bigint AS n FROM card_merchant_payments',
    );
    expect(Number(n)).toBeGreaterThanOrEqual(transactions.length);
    expect((await archive.verify()).ok).toBe(true);
    expect(w.merchantEvents.length).toBeGreaterThan(10);
    expect(consoleLines.some((l) => l.includes('purchase request received'))).toBe(true);
    expect(consoleLines.some((l) => l.includes('ERR_CARD_BAD_DUAL_SIGNATURE') || l.includes('dual signature'))).toBe(
      true,
    );
  });

  it("finds none of the cards' PAN, expiry or CVV in the merchant's tables, archive, bundles, events and logs", async () => {
    const haystacks = await dumpStore(w.merchantStore, 'merchant store');
    const tables = new Set(haystacks.map((h) => h.where.split(':')[1]?.split(/[. ]/)[0]));
    expect(tables).toContain('card_merchant_payments');
    expect(tables).toContain('card_merchant_gateway_messages');
    expect(tables).toContain('archive_records');
    for (const tx of transactions) {
      const bundle = await archive.exportBundle(tx).catch(() => undefined);
      if (bundle !== undefined)
        haystacks.push({ where: `archive bundle ${tx}`, text: Buffer.from(bundle).toString('latin1') });
    }
    expect(haystacks.filter((h) => h.where.startsWith('archive bundle')).length).toBeGreaterThanOrEqual(8);
    haystacks.push({ where: 'merchant events', text: JSON.stringify(w.merchantEvents) });
    haystacks.push({ where: 'merchant log', text: consoleLines.join('\n') });
    const bytes = haystacks.reduce((n, h) => n + h.text.length, 0);
    expect(bytes).toBeGreaterThan(50_000);
    expect(search(haystacks, searched)).toEqual([]);
  });

  it("finds them in the gateway's store (the issuer side), so the search finds what it looks for", async () => {
    const findings = search(await dumpStore(w.gatewayStore, 'gateway store'), searched.slice(0, 3));
    const whats = new Set(findings.map((f) => f.what));
    expect(whats).toContain('PAN digits');
    expect(whats).toContain('expiry YYYY-MM');
    expect(whats).toContain('CVV digits');
    expect(findings.every((f) => f.where.startsWith('gateway store:card_issuer_cards.'))).toBe(true);
    // The PI envelope the merchant stored is the PI, encrypted: it opens at the gateway to the card data.
    const [row] = await w.merchantStore.query<{ pi_envelope: Uint8Array }>(
      'SELECT pi_envelope FROM card_merchant_payments WHERE pi_envelope IS NOT NULL LIMIT 1',
    );
    const { decryptData } = await import('@semper/crypto');
    const opened = await decryptData(fromB64(toB64(row!.pi_envelope)), { identity: w.identities.gateway });
    expect(
      search([{ where: 'decrypted PI', text: Buffer.from(opened.content).toString('latin1') }], searched).length,
    ).toBeGreaterThan(0);
  });
});
