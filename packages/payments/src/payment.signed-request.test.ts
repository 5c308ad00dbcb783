// The payee's payment request is signed (CMS SignedData by the payee's certificate), and the payer checks the
// signature, the chain and that the certificate names the payee before it shows the request for confirmation.
import 'reflect-metadata';
import type { ReceivedMessage } from '@semper/comms';
import { type Identity, signData, TrustStore } from '@semper/crypto';
import { createTestPki } from '@semper/crypto/testing';
import type { ConfirmationItem } from '@semper/trusted-io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opensslOk, type Scratch, scratch } from '../../../test/support/openssl.js';
import { createPaymentManager } from './container.js';
import { sha256 } from './payment.records.js';
import { PAYMENT_REQUEST_ECONTENT_TYPE, SIGNED_REQUEST_CONTENT_TYPE } from './payment.wire.js';
import { eur, useNoteWorlds } from './note-worlds.test-util.js';
import type { PaymentTestWorld } from './testing.js';
import { worldPki } from './testing.js';

const { world, store: fileStore } = useNoteWorlds();
let dir: Scratch;
beforeAll(async () => {
  dir = await scratch('semper-signed-request-');
});
afterAll(async () => {
  await dir.dispose();
});

function confirmedItem(w: PaymentTestWorld): ConfirmationItem | undefined {
  const d = w.payer.trustedIo.decisions.find((x) => x.type === 'trustedio.confirmed') as
    | { item: ConfirmationItem }
    | undefined;
  return d?.item;
}

const field = (item: ConfirmationItem | undefined, label: string) =>
  item?.fields?.find((f) => f.label === label)?.value;

/** A request message as the payee's manager sends it, with the body and content type given. */
function requestMessage(w: PaymentTestWorld, body: Uint8Array, contentType: string, tx: string): ReceivedMessage {
  return {
    id: `msg_${tx}_${Math.random()}`,
    from: w.payee.address,
    to: w.payer.address,
    contentType,
    body,
    headers: {
      'semper-payment': '1',
      'semper-payment-tx': tx,
      'semper-payment-step': 'p.request',
      'semper-payment-party': w.payee.party,
    },
    attempt: 1,
    receivedAt: new Date(),
    via: w.payer.address,
  };
}

function requestJson(w: PaymentTestWorld, tx: string, payee = w.payee.party): Uint8Array {
  const request = {
    v: 1,
    transactionId: tx,
    payee,
    amount: { amount: '500', currency: 'EUR' },
    mode: 'sale',
    modules: [{ id: 'test.note', version: '1.0.0' }],
  };
  return new TextEncoder().encode(JSON.stringify(request));
}

const sign = (content: Uint8Array, signer: Identity, contentType = PAYMENT_REQUEST_ECONTENT_TYPE) =>
  signData(content, { signer, contentType, includeChain: true });

describe('signed payment requests', () => {
  it('the payer confirms a payee whose certificate it checked; openssl verifies the request the payer archived', async () => {
    const w = await world();
    const { payee, payer, transactionId } = await w.pay(eur('5.00'));
    expect(payee).toMatchObject({ status: 'fulfilled', value: { status: 'captured' } });
    expect(payer).toMatchObject({ status: 'fulfilled', value: { status: 'captured' } });
    const item = confirmedItem(w);
    expect(item?.payee).toBe(w.payee.party);
    expect(field(item, 'Payee certificate')).toBe(
      `CN=${w.payee.party} (issued by CN=payments test world intermediate)`,
    );
    const pki = await worldPki();
    expect(item?.payeeRoot).toBe(`sha256:${sha256(pki.root.certificate.der)}`);
    const events = w.payer.events.filter((e) => e.type === 'payments.request-received');
    expect(events).toMatchObject([{ payeeVerified: true, payee: w.payee.party }]);

    const archived = (await w.payer.archive.records({ dealId: transactionId })).find(
      (r) => r.step === 'payment.p.request',
    );
    const bytes = archived?.content as Uint8Array;
    expect(item?.digest).toBe(sha256(bytes)); // what was confirmed is the signed message itself
    await dir.write('request.der', bytes);
    await dir.write('root.pem', pki.root.certificate.toPem());
    const content = await opensslOk([
      'cms',
      '-verify',
      '-inform',
      'DER',
      '-in',
      dir.path('request.der'),
      '-CAfile',
      dir.path('root.pem'),
      '-purpose',
      'any',
    ]);
    expect(JSON.parse(content.toString('utf8'))).toMatchObject({ transactionId, payee: w.payee.party });
  });

  it('a payer with trust refuses an unsigned request; the payee is told at once and nothing is recorded', async () => {
    const w = await world({ payee: { certified: false } });
    const paying = w.payer.manager.pay({ idempotencyKey: 'p', timeoutMs: 1_500 }).catch((e: unknown) => e);
    const asked = await w.payee.manager.requestPayment({
      to: w.payer.address,
      amount: eur('5.00'),
      idempotencyKey: 'r',
      timeoutMs: 60_000, // told at once, not after this
    });
    expect(asked).toMatchObject({ status: 'cancelled', reason: 'request-not-accepted' });
    expect(await paying).toMatchObject({ code: 'ERR_PAYMENTS_TIMEOUT' }); // the payer never saw a request
    expect(w.broker.deadLetters(w.payer.party).map((d) => d.report.detail)).toEqual(['unsigned payment request']);
    expect(await w.payer.manager.transactions()).toEqual([]);
    expect(w.payer.trustedIo.decisions.filter((d) => d.type === 'trustedio.confirmed')).toEqual([]);
  });

  it('refuses a request signed by another party, by an untrusted CA, tampered, or of another content type', async () => {
    const w = await world();
    const m = w.payer.manager;
    const pki = await worldPki();
    const mallory = await pki.issue('CN=mallory', { validityDays: 1 });
    const other = await createTestPki({ name: 'elsewhere' });
    const impostor = await other.issue(`CN=${w.payee.party}`);
    const cases: Array<[string, Uint8Array, string, RegExp]> = [];
    // Mallory's own (valid) certificate, on a request that names the payee.
    cases.push(['pay_m', await sign(requestJson(w, 'pay_m'), mallory), SIGNED_REQUEST_CONTENT_TYPE, /another party/]);
    // The payee's name, from a CA the payer does not trust.
    cases.push(['pay_u', await sign(requestJson(w, 'pay_u'), impostor), SIGNED_REQUEST_CONTENT_TYPE, /UNTRUSTED/]);
    // The payee's own signature over other content bytes.
    const good = await sign(requestJson(w, 'pay_t'), w.payee.identity as Identity);
    const text = Buffer.from(good);
    const at = text.indexOf(Buffer.from('"500"'));
    const tampered = new Uint8Array(good);
    tampered[at + 1] = '9'.charCodeAt(0);
    cases.push(['pay_t', tampered, SIGNED_REQUEST_CONTENT_TYPE, /BAD_SIGNATURE/]);
    // Correctly signed by the payee, but not as a payment request (e.g. a statement lifted from elsewhere).
    const otherType = await sign(requestJson(w, 'pay_c'), w.payee.identity as Identity, '1.2.840.113549.1.7.1');
    cases.push(['pay_c', otherType, SIGNED_REQUEST_CONTENT_TYPE, /not a payment request/]);
    // Not a SignedData at all, and a signed one sent as plain JSON.
    cases.push(['pay_g', new Uint8Array([0x30, 0x03, 0x02, 0x01]), SIGNED_REQUEST_CONTENT_TYPE, /signature/]);
    cases.push(['pay_j', requestJson(w, 'pay_j'), 'application/vnd.semper.payment+json', /unsigned/]);
    for (const [tx, body, contentType, reason] of cases) {
      const r = await m.handleMessage(requestMessage(w, body, contentType, tx));
      expect(r, tx).toMatchObject({ outcome: 'rejected' });
      expect((r as { reason: string }).reason, tx).toMatch(reason);
    }
    expect(m.pendingRequests()).toEqual([]);
    expect(w.payer.events.filter((e) => e.type === 'payments.request-received')).toEqual([]);
    // The genuine one is taken.
    expect(await m.handleMessage(requestMessage(w, good, SIGNED_REQUEST_CONTENT_TYPE, 'pay_t'))).toBeUndefined();
    expect(m.pendingRequests()).toMatchObject([{ transactionId: 'pay_t', payeeVerified: true }]);
    expect(await m.refuseRequest('pay_t', 'test')).toBe(true);
  });

  it('a forged request under the id of a genuine pending one is refused quietly: the genuine payment goes on', async () => {
    const w = await world();
    const asked = w.payee.manager.requestPayment({
      to: w.payer.address,
      amount: eur('5.00'),
      idempotencyKey: 'genuine',
      transactionId: 'pay_genuine',
    });
    while (w.payer.manager.pendingRequests().length === 0) await new Promise((r) => setTimeout(r, 10));
    // Unsigned, "from" the payee's address: a refusal sent there would end the payee's wait for pay_genuine.
    const forged = await w.payer.manager.handleMessage(
      requestMessage(w, requestJson(w, 'pay_genuine'), 'application/vnd.semper.payment+json', 'pay_genuine'),
    );
    expect(forged).toMatchObject({ outcome: 'rejected', reason: 'unsigned payment request' });
    const paid = await w.payer.manager.pay({ transactionId: 'pay_genuine', idempotencyKey: 'genuine-pay' });
    expect(paid.status).toBe('captured');
    expect(await asked).toMatchObject({ status: 'captured', transactionId: 'pay_genuine' });
    expect(w.payer.events.filter((e) => e.type === 'payments.request-refused')).toMatchObject([
      { transactionId: 'pay_genuine', reason: 'unsigned payment request' },
    ]);
  });

  it('a payer without trust anchors shows a signed request as not verified, and gives no payee root', async () => {
    const w = await world({ payer: { certified: false } });
    const { payer } = await w.pay(eur('5.00'));
    expect(payer).toMatchObject({ status: 'fulfilled', value: { status: 'captured' } });
    const item = confirmedItem(w);
    expect(field(item, 'Payee certificate')).toMatch(/^NOT VERIFIED/);
    expect(item?.payeeRoot).toBeUndefined();
    expect(w.payer.events.find((e) => e.type === 'payments.request-received')).toMatchObject({ payeeVerified: false });
  });

  it('refuses options that cannot work: an identity for another party, required signatures without trust', async () => {
    const pki = await worldPki();
    const shop = await pki.issue('CN=shop', { validityDays: 1 });
    const w = await world();
    const base = {
      modules: [],
      store: fileStore(),
      archive: w.payer.archive,
      trustedIo: w.payer.trustedIo,
      channel: {} as never,
    };
    expect(() => createPaymentManager({ ...base, party: 'other-shop', identity: shop })).toThrow(
      /names party "shop", not "other-shop"/,
    );
    expect(() => createPaymentManager({ ...base, party: 'shop', requireSignedRequests: true })).toThrow(
      /needs options.trust/,
    );
    expect(() => createPaymentManager({ ...base, party: 'shop', trust: {} as TrustStore })).toThrow(/TrustStore/);
    // A deployment's own naming: the party id from another attribute.
    const named = createPaymentManager({
      ...base,
      party: 'shop-42',
      identity: shop,
      partyOf: () => 'shop-42',
      trust: new TrustStore([pki.root.certificate]),
    });
    expect(named.party).toBe('shop-42');
  });
});
