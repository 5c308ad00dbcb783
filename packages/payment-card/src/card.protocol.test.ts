import { decryptData, verifySignedData } from '@semper/crypto';
import { newId } from '@semper/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CardWorld, createCardWorld, eur } from './card.test-util.js';
import { Cardholder } from './cardholder.js';
import { CardError } from './errors.js';
import { createCardPki } from './card-pki.js';
import { CardMerchant } from './merchant.js';
import { encodeJson, fromB64, type GatewayResponse, sha256, toB64 } from './messages.js';
import { createDualSignature, signJson, verifyDualSignature } from './signed.js';

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const json = (b: Uint8Array) => JSON.parse(text(b)) as Record<string, unknown>;

let w: CardWorld;
beforeAll(async () => {
  // One PGlite for gateway and merchant: nothing here looks at the stores apart.
  w = await createCardWorld({ authorizationTtlMs: 3_600_000, oneStore: true });
});
afterAll(async () => w?.close());

async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected ${code}`).toBeInstanceOf(CardError);
  expect((err as CardError).code).toBe(code);
}

/** A purchase request for a fresh init, not yet sent to the merchant. */
async function prepare(holder: Cardholder, amount = eur('10.00')) {
  const transactionId = newId('tx');
  const init = await w.merchant.createInit({ transactionId, amount, description: 'a book' });
  const { request, pending } = await holder.createPurchaseRequest(init, { amount });
  return { transactionId, request, pending, preq: json(request) as Record<string, string> };
}

/** Sends a request signed by the registered merchant straight to the gateway; returns the parsed result. */
async function gatewayHandle(body: Record<string, unknown>): Promise<GatewayResponse['result']> {
  const { signed } = await signJson(body, w.identities.merchant);
  const response = await w.gateway.handle(signed);
  const verified = await verifySignedData(response, { trust: w.pki.trust });
  return (JSON.parse(text(verified.content)) as GatewayResponse).result;
}

describe('purchase: authorize, capture, void, refund', () => {
  it('authorizes, captures in two parts, refunds partly and moves the funds at the issuer', async () => {
    const { holder, card } = await w.cardholder();
    const cardId = (card as { cardId: string }).cardId;
    const r = await w.purchase(holder, eur('120.00'));
    expect(r.status).toBe('authorized');
    expect(r.answer).toMatchObject({ status: 'authorized', transactionId: r.transactionId });
    expect((await w.gateway.issuer.cardBalance(cardId)).available.toString()).toBe('380.00 EUR');
    const c1 = await w.merchant.capture(r.transactionId, eur('100.00'));
    expect(c1).toMatchObject({ status: 'captured' });
    const c2 = await w.merchant.capture(r.transactionId, eur('20.00'));
    expect(c2.status === 'captured' && c2.captured.toString()).toBe('120.00 EUR');
    const b = await w.gateway.issuer.cardBalance(cardId);
    expect([b.balance.toString(), b.held.toString()]).toEqual(['380.00 EUR', '0.00 EUR']);
    const rf = await w.merchant.refund(r.transactionId, eur('30.00'));
    expect(rf.status === 'refunded' && rf.refunded.toString()).toBe('30.00 EUR');
    expect((await w.gateway.issuer.cardBalance(cardId)).balance.toString()).toBe('410.00 EUR');
  });

  it('sells (authorize and capture at once)', async () => {
    const { holder } = await w.cardholder();
    const r = await w.purchase(holder, eur('15.00'), { capture: true });
    expect([r.status, r.answer.status]).toEqual(['captured', 'captured']);
    const status = await w.merchant.queryGateway(r.transactionId);
    expect(status).toMatchObject({ status: 'captured', captured: { amount: '1500', currency: 'EUR' } });
  });

  it('voids an authorization and releases the hold', async () => {
    const { holder, card } = await w.cardholder();
    const r = await w.purchase(holder, eur('50.00'));
    expect((await w.merchant.void(r.transactionId)).status).toBe('voided');
    const b = await w.gateway.issuer.cardBalance((card as { cardId: string }).cardId);
    expect(b.available.toString()).toBe('500.00 EUR');
    await expectCode(w.merchant.capture(r.transactionId, eur('1.00')), 'ERR_CARD_INVALID_STATE');
  });
});

describe('dual signature', () => {
  it('binds PI and OI: POMD = H(PIMD‖OIMD) is what the CMS signature signs', async () => {
    const { identities, pki } = w;
    const pi = encodeJson({ pi: 1 });
    const oi = encodeJson({ oi: 1 });
    const d = await createDualSignature(pi, oi, identities.alice);
    expect(toB64(d.pomd)).toBe(toB64(await sha256(new Uint8Array([...d.pimd, ...d.oimd]))));
    const signer = await verifyDualSignature(d.signature, { pimd: d.pimd, oimd: d.oimd, trust: pki.trust });
    expect(signer.subject).toBe('CN=Alice Cardholder');
    await expectCode(
      verifyDualSignature(d.signature, { pimd: await sha256(encodeJson({ pi: 2 })), oimd: d.oimd, trust: pki.trust }),
      'ERR_CARD_BAD_DUAL_SIGNATURE',
    );
    await expectCode(
      verifyDualSignature(d.signature, { pimd: d.pimd, oimd: await sha256(encodeJson({ oi: 2 })), trust: pki.trust }),
      'ERR_CARD_BAD_DUAL_SIGNATURE',
    );
    // A merchant's signature is not a cardholder's dual signature.
    const m = await createDualSignature(pi, oi, identities.merchant);
    await expectCode(
      verifyDualSignature(m.signature, { pimd: m.pimd, oimd: m.oimd, trust: pki.trust }),
      'ERR_CARD_BAD_SIGNATURE',
    );
  });

  it('a tampered OI is rejected by the merchant', async () => {
    const { holder } = await w.cardholder();
    const { preq } = await prepare(holder);
    const oi = json(fromB64(preq.oi as string));
    oi.description = 'a much more expensive book';
    const tampered = encodeJson({ ...preq, oi: toB64(encodeJson(oi)) });
    await expectCode(w.merchant.handlePurchaseRequest(tampered), 'ERR_CARD_BAD_DUAL_SIGNATURE');
  });

  it('a tampered PI (another envelope to the gateway) is rejected by the gateway', async () => {
    const { holder } = await w.cardholder();
    const { preq } = await prepare(holder);
    // The same purchase with another card's PI: the envelope opens at the gateway, but its PIMD differs.
    const { holder: other } = await w.cardholder();
    const second = await prepare(other);
    const otherOi = json(fromB64(second.preq.oi as string));
    expect(otherOi.transactionId).not.toBe(json(fromB64(preq.oi as string)).transactionId);
    const tampered = encodeJson({ ...preq, piEnvelope: second.preq.piEnvelope });
    await expectCode(w.merchant.handlePurchaseRequest(tampered), 'ERR_CARD_BAD_DUAL_SIGNATURE');
  });

  it('a swapped PIMD is rejected by the merchant', async () => {
    const { holder } = await w.cardholder();
    const { preq } = await prepare(holder);
    const second = await prepare(holder);
    const tampered = encodeJson({ ...preq, pimd: second.preq.pimd });
    await expectCode(w.merchant.handlePurchaseRequest(tampered), 'ERR_CARD_BAD_DUAL_SIGNATURE');
  });

  it('a merchant that forwards another OIMD or amount is refused by the gateway', async () => {
    const { holder } = await w.cardholder();
    const { preq, transactionId } = await prepare(holder);
    const oimd = toB64(await sha256(fromB64(preq.oi as string)));
    const base = {
      v: 1,
      kind: 'card.gw.authorize',
      merchantId: 'shop-1',
      transactionId,
      capture: false,
      dualSignature: preq.dualSignature,
      piEnvelope: preq.piEnvelope,
    };
    const badOimd = await gatewayHandle({
      ...base,
      operationId: newId('op'),
      amount: { amount: '1000', currency: 'EUR' },
      oimd: toB64(await sha256(encodeJson({ other: true }))),
    });
    expect(badOimd).toMatchObject({ status: 'rejected', code: 'ERR_CARD_BAD_DUAL_SIGNATURE' });
    const badAmount = await gatewayHandle({
      ...base,
      operationId: newId('op'),
      amount: { amount: '99999', currency: 'EUR' },
      oimd,
    });
    expect(badAmount).toMatchObject({ status: 'rejected', code: 'ERR_CARD_MISMATCH' });
    const badTx = await gatewayHandle({
      ...base,
      transactionId: 'tx_other',
      operationId: newId('op'),
      amount: { amount: '1000', currency: 'EUR' },
      oimd,
    });
    expect(badTx).toMatchObject({ status: 'rejected', code: 'ERR_CARD_MISMATCH' });
    // The honest request goes through.
    const ok = await gatewayHandle({
      ...base,
      operationId: newId('op'),
      amount: { amount: '1000', currency: 'EUR' },
      oimd,
    });
    expect(ok.status).toBe('authorized');
  });

  it('a replayed purchase request under a new operation id is refused', async () => {
    const { holder } = await w.cardholder();
    const { request } = await prepare(holder);
    expect((await w.merchant.handlePurchaseRequest(request)).status).toBe('authorized');
    await expectCode(w.merchant.handlePurchaseRequest(request, { operationId: newId('op') }), 'ERR_CARD_PROTOCOL');
  });

  it('an OI for another amount than the init is refused by the merchant', async () => {
    const { holder } = await w.cardholder();
    const { preq } = await prepare(holder);
    const oi = json(fromB64(preq.oi as string));
    oi.amount = { amount: '1', currency: 'EUR' };
    await expectCode(
      w.merchant.handlePurchaseRequest(encodeJson({ ...preq, oi: toB64(encodeJson(oi)) })),
      'ERR_CARD_MISMATCH',
    );
  });
});

describe('the merchant cannot read the payment information', () => {
  it('the PI envelope opens with the gateway key only', async () => {
    const { holder, card } = await w.cardholder();
    const { preq } = await prepare(holder);
    const envelope = fromB64(preq.piEnvelope as string);
    await expect(decryptData(envelope, { identity: w.identities.merchant })).rejects.toMatchObject({
      code: expect.stringMatching(/^ERR_CRYPTO_/),
    });
    const opened = await decryptData(envelope, { identity: w.identities.gateway });
    expect(json(opened.content).pan).toBe(card.pan);
    // Nothing the merchant reads carries the card number.
    expect(text(fromB64(preq.oi as string))).not.toContain(card.pan);
    expect(text(envelope)).not.toContain(card.pan);
  });
});

describe('declines are outcomes', () => {
  it('limit, balance, expired, unknown, blocked, CVV and a foreign cardholder', async () => {
    const { holder: limited } = await w.cardholder({ perTransactionLimit: eur('20.00') });
    expect(await w.purchase(limited, eur('20.01'))).toMatchObject({ status: 'declined', reason: 'limit-exceeded' });

    const { holder: poor } = await w.cardholder({ balance: eur('30.00'), perTransactionLimit: eur('200.00') });
    expect((await w.purchase(poor, eur('25.00'))).status).toBe('authorized');
    const broke = await w.purchase(poor, eur('10.00'));
    expect(broke).toMatchObject({ status: 'declined', reason: 'insufficient-funds' });
    expect(broke.answer).toMatchObject({ status: 'declined', reason: 'insufficient-funds' });

    const { holder: expired } = await w.cardholder({ expiry: '2020-01' });
    expect(await w.purchase(expired, eur('1.00'))).toMatchObject({ status: 'declined', reason: 'card-expired' });

    const unknown = new Cardholder({
      identity: w.identities.alice,
      card: { pan: '4000000000000002', expiry: '2031-01', cvv: '123' },
      trust: { merchants: w.pki.trust, gateways: w.pki.trust },
      clock: w.clock,
    });
    expect(await w.purchase(unknown, eur('1.00'))).toMatchObject({ status: 'declined', reason: 'card-unknown' });

    const { holder: blocked, card: blockedCard } = await w.cardholder();
    await w.gateway.issuer.setCardStatus((blockedCard as { cardId: string }).cardId, 'blocked');
    expect(await w.purchase(blocked, eur('1.00'))).toMatchObject({ status: 'declined', reason: 'card-blocked' });

    const { card: good } = await w.cardholder();
    const wrongCvv = (await w.cardholder({ card: { ...good, cvv: good.cvv === '000' ? '001' : '000' } })).holder;
    expect(await w.purchase(wrongCvv, eur('1.00'))).toMatchObject({ status: 'declined', reason: 'cvv-mismatch' });

    const mallory = await w.pki.issue('cardholder', 'CN=Mallory');
    const stolen = (await w.cardholder({ identity: mallory, card: good })).holder;
    expect(await w.purchase(stolen, eur('1.00'))).toMatchObject({ status: 'declined', reason: 'cardholder-mismatch' });
  });
});

describe('bounds and expiry', () => {
  it('captures never exceed the authorization, refunds never exceed the captures (merchant and gateway)', async () => {
    const { holder } = await w.cardholder();
    const r = await w.purchase(holder, eur('40.00'));
    if (r.status !== 'authorized') throw new Error('not authorized');
    await expectCode(w.merchant.capture(r.transactionId, eur('40.01')), 'ERR_CARD_AMOUNT_EXCEEDS_AUTHORIZED');
    // The gateway checks too (a merchant that skips its own check).
    const over = await gatewayHandle({
      v: 1,
      kind: 'card.gw.capture',
      operationId: newId('op'),
      merchantId: 'shop-1',
      authorizationId: r.authorizationId,
      amount: { amount: '4001', currency: 'EUR' },
    });
    expect(over).toMatchObject({ status: 'rejected', code: 'ERR_CARD_AMOUNT_EXCEEDS_AUTHORIZED' });
    await expectCode(w.merchant.refund(r.transactionId, eur('1.00')), 'ERR_CARD_REFUND_EXCEEDS_CAPTURED');
    await w.merchant.capture(r.transactionId, eur('25.00'));
    await expectCode(w.merchant.void(r.transactionId), 'ERR_CARD_INVALID_STATE');
    await w.merchant.refund(r.transactionId, eur('25.00'));
    const overRefund = await gatewayHandle({
      v: 1,
      kind: 'card.gw.refund',
      operationId: newId('op'),
      merchantId: 'shop-1',
      authorizationId: r.authorizationId,
      amount: { amount: '1', currency: 'EUR' },
    });
    expect(overRefund).toMatchObject({ status: 'rejected', code: 'ERR_CARD_REFUND_EXCEEDS_CAPTURED' });
    const wrongCurrency = await gatewayHandle({
      v: 1,
      kind: 'card.gw.capture',
      operationId: newId('op'),
      merchantId: 'shop-1',
      authorizationId: r.authorizationId,
      amount: { amount: '1', currency: 'USD' },
    });
    expect(wrongCurrency).toMatchObject({ status: 'rejected', code: 'ERR_CARD_MISMATCH' });
  });

  it('an expired authorization cannot be captured and its hold no longer reserves funds', async () => {
    const { holder, card } = await w.cardholder();
    const cardId = (card as { cardId: string }).cardId;
    const r = await w.purchase(holder, eur('60.00'));
    const r2 = await w.purchase(holder, eur('10.00'));
    expect((await w.gateway.issuer.cardBalance(cardId)).available.toString()).toBe('430.00 EUR');
    w.clock.advance(3_600_001);
    try {
      expect((await w.gateway.issuer.cardBalance(cardId)).available.toString()).toBe('500.00 EUR');
      expect(await w.merchant.capture(r.transactionId, eur('60.00'))).toMatchObject({
        status: 'declined',
        reason: 'authorization-expired',
      });
      expect(await w.gateway.expireAuthorizations()).toBeGreaterThanOrEqual(1);
      expect(await w.merchant.queryGateway(r2.transactionId)).toMatchObject({
        status: 'declined',
        reason: 'authorization-expired',
      });
    } finally {
      w.clock.set(Date.now());
    }
  });
});

describe('gateway requests', () => {
  it('an operation repeated gets the same signed answer; reused for another request it is refused', async () => {
    const { holder } = await w.cardholder();
    const r = await w.purchase(holder, eur('30.00'));
    if (r.status !== 'authorized') throw new Error('not authorized');
    const body = {
      v: 1,
      kind: 'card.gw.capture',
      operationId: newId('op'),
      merchantId: 'shop-1',
      authorizationId: r.authorizationId,
      amount: { amount: '1000', currency: 'EUR' },
    };
    const { signed } = await signJson(body, w.identities.merchant);
    const first = await w.gateway.handle(signed);
    const again = await w.gateway.handle(signed);
    expect(toB64(again)).toBe(toB64(first));
    // Re-signed (new signing time) with the same content: still the same answer.
    expect(toB64(await w.gateway.handle((await signJson(body, w.identities.merchant)).signed))).toBe(toB64(first));
    expect(await gatewayHandle({ ...body, amount: { amount: '500', currency: 'EUR' } })).toMatchObject({
      status: 'rejected',
      code: 'ERR_CARD_IDEMPOTENCY_CONFLICT',
    });
    const status = await w.merchant.queryGateway(r.transactionId);
    expect(status).toMatchObject({ status: 'captured', captured: { amount: '1000' } });
  });

  it('refuses unregistered merchants and untrusted signers', async () => {
    const stranger = await w.pki.issue('merchant', 'CN=Stranger Shop');
    const body = {
      v: 1,
      kind: 'card.gw.status',
      operationId: newId('op'),
      merchantId: 'shop-1',
      transactionId: 'tx_1',
    };
    const verify = async (bytes: Uint8Array) =>
      (JSON.parse(text((await verifySignedData(bytes, { trust: w.pki.trust })).content)) as GatewayResponse).result;
    expect(await verify(await w.gateway.handle((await signJson(body, stranger)).signed))).toMatchObject({
      status: 'rejected',
      code: 'ERR_CARD_UNKNOWN_MERCHANT',
    });
    const otherPki = await createCardPki({ name: 'other brand' });
    const forged = await otherPki.issue('merchant', 'CN=Test Shop, O=Shop');
    expect(await verify(await w.gateway.handle((await signJson(body, forged)).signed))).toMatchObject({
      status: 'rejected',
      code: 'ERR_CARD_BAD_SIGNATURE',
    });
    // A cardholder certificate cannot sign for a merchant.
    expect(await verify(await w.gateway.handle((await signJson(body, w.identities.alice)).signed))).toMatchObject({
      status: 'rejected',
      code: 'ERR_CARD_BAD_SIGNATURE',
    });
  });

  it('a cardholder from another brand is refused by the merchant', async () => {
    const otherPki = await createCardPki({ name: 'other brand' });
    const eve = await otherPki.issue('cardholder', 'CN=Eve');
    const { card } = await w.cardholder();
    const holder = new Cardholder({
      identity: eve,
      card,
      trust: { merchants: w.pki.trust, gateways: w.pki.trust },
      clock: w.clock,
    });
    const { request } = await prepare(holder);
    await expectCode(w.merchant.handlePurchaseRequest(request), 'ERR_CARD_BAD_DUAL_SIGNATURE');
  });

  it('the cardholder refuses an init from an untrusted merchant or for another amount', async () => {
    const { holder } = await w.cardholder();
    const init = await w.merchant.createInit({ transactionId: newId('tx'), amount: eur('5.00') });
    await expectCode(holder.createPurchaseRequest(init, { amount: eur('4.00') }), 'ERR_CARD_MISMATCH');
    const otherPki = await createCardPki({ name: 'other brand' });
    const naive = new Cardholder({
      identity: w.identities.alice,
      card: { pan: '4000000000000002', expiry: '2031-01', cvv: '123' },
      trust: { merchants: otherPki.trust, gateways: w.pki.trust },
    });
    await expectCode(naive.createPurchaseRequest(init), 'ERR_CARD_BAD_SIGNATURE');
  });

  it('garbage never crashes the gateway or the merchant: typed errors and signed rejections', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), async (bytes) => {
        const res = await verifySignedData(await w.gateway.handle(bytes), { trust: w.pki.trust });
        expect((JSON.parse(text(res.content)) as GatewayResponse).result.status).toBe('rejected');
        await expectCode(w.merchant.handlePurchaseRequest(bytes), 'ERR_CARD_MALFORMED');
      }),
      { numRuns: 40 },
    );
    await expectCode(w.merchant.handlePurchaseRequest(encodeJson({ v: 1, kind: 'card.preq' })), 'ERR_CARD_MALFORMED');
    await expectCode(w.merchant.handlePurchaseRequest(new Uint8Array(300 * 1024)), 'ERR_CARD_MALFORMED');
  });

  it('gateway unreachable is a typed fault', async () => {
    const lonely = await CardMerchant.open({
      identity: w.identities.merchant,
      merchantId: 'shop-1',
      store: w.merchantStore,
      channel: w.merchantChannel,
      gateway: { address: 'mem:nobody-listens', chain: w.gateway.chain },
      trust: { cardholders: w.pki.trust, gateway: w.pki.trust },
      clock: w.clock,
      requestTimeoutMs: 300,
    });
    await expectCode(lonely.queryGateway('tx_x'), 'ERR_CARD_GATEWAY_UNAVAILABLE');
  });

  it('concurrent authorizations on one card never spend more than its balance', async () => {
    const { holder, card } = await w.cardholder({ balance: eur('500.00'), perTransactionLimit: eur('200.00') });
    const results = await Promise.all(Array.from({ length: 5 }, () => w.purchase(holder, eur('150.00'))));
    expect(results.filter((r) => r.status === 'authorized')).toHaveLength(3);
    expect(results.filter((r) => r.status === 'declined' && r.reason === 'insufficient-funds')).toHaveLength(2);
    expect((await w.gateway.issuer.cardBalance((card as { cardId: string }).cardId)).available.toString()).toBe(
      '50.00 EUR',
    );
  });
});
