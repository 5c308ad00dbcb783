import { EVIDENCE_ARCHIVE, openArchive } from '@semper/archive';
import { CHANNEL, Channel, createMemoryTransport, MemoryBroker, type ReceivedMessage } from '@semper/comms';
import { createPartyContainer, type Money, register as registerCore } from '@semper/core';
import { STORE } from '@semper/store';
import { PolicyTrustedIo, TRUSTED_IO } from '@semper/trusted-io';
import { describe, expect, it } from 'vitest';
import { PAYMENT_MANAGER, type PaymentManager, register } from './index.js';
import { sha256 } from './payment.records.js';
import { eur, useNoteWorlds } from './note-worlds.test-util.js';
import { DecoyPaymentModule } from './testing.js';

const { world, store: fileStore } = useNoteWorlds();

function message(headers: Record<string, string>, body: Uint8Array, from = 'mem:someone'): ReceivedMessage {
  return {
    id: `msg_${Math.random()}`,
    from,
    to: 'mem:x',
    contentType: 'application/json',
    body,
    headers,
    attempt: 1,
    receivedAt: new Date(),
    via: 'mem:x',
  };
}

describe('PaymentManager', () => {
  it('runs a sale, and the payer confirmed exactly the request it received', async () => {
    const w = await world();
    const { payee, payer, transactionId } = await w.pay(eur('5.00'));
    expect(payee).toMatchObject({ status: 'fulfilled', value: { status: 'captured', transactionId } });
    expect(payer).toMatchObject({ status: 'fulfilled', value: { status: 'captured', transactionId } });
    const confirmed = w.payer.trustedIo.decisions.find((d) => d.type === 'trustedio.confirmed') as
      | { item: { amount?: Money; payee?: string; digest: string } }
      | undefined;
    expect(confirmed?.item.amount?.toString()).toBe('5.00 EUR');
    expect(confirmed?.item.payee).toBe(w.payee.party);
    const request = (await w.payer.archive.records({ dealId: transactionId })).find(
      (r) => r.step === 'payment.p.request',
    );
    expect(confirmed?.item.digest).toBe(sha256(request?.content as Uint8Array));
  });

  it('rejects malformed inbound messages without crashing (they are moved aside by the transport)', async () => {
    // A payer without trust anchors takes unsigned requests (payment.signed-request.test.ts has the signed ones).
    const w = await world({ payer: { certified: false } });
    const m = w.payer.manager;
    const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
    const base = { 'semper-payment': '1', 'semper-payment-tx': 'pay_x', 'semper-payment-party': 'shop' };
    expect(await m.handleMessage(message({}, enc({})))).toMatchObject({ outcome: 'rejected' });
    expect(await m.handleMessage(message({ ...base, 'semper-payment-step': 'nope' }, enc({})))).toMatchObject({
      outcome: 'rejected',
    });
    expect(
      await m.handleMessage(
        message({ ...base, 'semper-payment-tx': 'bad id!', 'semper-payment-step': 'p.request' }, enc({})),
      ),
    ).toMatchObject({ outcome: 'rejected' });
    expect(
      await m.handleMessage(message({ ...base, 'semper-payment-step': 'p.request' }, new Uint8Array([0xff, 0xfe]))),
    ).toMatchObject({
      outcome: 'rejected',
    });
    const request = {
      v: 1,
      transactionId: 'pay_x',
      payee: 'shop',
      amount: { amount: '500', currency: 'EUR' },
      mode: 'sale',
      modules: [{ id: 'test.note', version: '1.0.0' }],
    };
    expect(
      await m.handleMessage(message({ ...base, 'semper-payment-step': 'p.request' }, enc({ ...request, extra: 1 }))),
    ).toMatchObject({
      outcome: 'rejected',
    });
    expect(
      await m.handleMessage(
        message({ ...base, 'semper-payment-step': 'p.request' }, enc({ ...request, payee: 'other' })),
      ),
    ).toMatchObject({ outcome: 'rejected' });
    expect(
      await m.handleMessage(
        message(
          { ...base, 'semper-payment-step': 'p.request' },
          enc({ ...request, amount: { amount: '5', currency: 'ZZZ' } }),
        ),
      ),
    ).toMatchObject({ outcome: 'rejected' });
    expect(m.pendingRequests()).toEqual([]);
    // a well-formed one is taken
    expect(
      await m.handleMessage(message({ ...base, 'semper-payment-step': 'p.request' }, enc(request))),
    ).toBeUndefined();
    expect(m.pendingRequests().map((r) => r.amount.toString())).toEqual(['5.00 EUR']);
    // a module message for a transaction from someone else is dropped, not delivered
    expect(
      await m.handleMessage(message({ ...base, 'semper-payment-step': 'm.note' }, enc({}), 'mem:intruder')),
    ).toBeUndefined();
    expect(await m.refuseRequest('pay_x', 'test')).toBe(true);
  });

  it('runs a repeated request once while the first is still running', async () => {
    const w = await world();
    const input = {
      to: w.payer.address,
      amount: eur('5.00'),
      idempotencyKey: 'same',
      transactionId: 'pay_same',
    } as const;
    const [a, b, paid] = await Promise.all([
      w.payee.manager.requestPayment(input),
      w.payee.manager.requestPayment(input),
      w.payer.manager.pay({ transactionId: 'pay_same', idempotencyKey: 'pay-same' }),
    ]);
    expect(a.status).toBe('captured');
    expect(b).toEqual(a);
    expect(paid.status).toBe('captured');
    expect((await w.payee.manager.history('pay_same')).filter((e) => e.operation === 'receive').length).toBe(1);
    await expect(w.payee.manager.capture('pay_missing', { idempotencyKey: 'x' })).rejects.toMatchObject({
      code: 'ERR_PAYMENTS_TRANSACTION_NOT_FOUND',
    });
    await expect(w.payee.manager.requestPayment({ ...input, idempotencyKey: 'has space' })).rejects.toMatchObject({
      code: 'ERR_PAYMENTS_INVALID_ARGUMENT',
    });
  });

  it('a payer that never answers is a timeout; nothing is recorded and the key can be used again', async () => {
    const w = await world();
    const input = { to: 'mem:nobody-here', amount: eur('5.00'), idempotencyKey: 'lonely', timeoutMs: 300 } as const;
    await expect(w.payee.manager.requestPayment(input)).rejects.toMatchObject({ code: 'ERR_PAYMENTS_TIMEOUT' });
    await expect(w.payee.manager.requestPayment(input)).rejects.toMatchObject({ code: 'ERR_PAYMENTS_TIMEOUT' });
    expect(await w.payee.manager.transactions()).toEqual([]);
  });

  it("a payer that refuses a request: the payee gets cancelled with the payer's reason", async () => {
    const w = await world();
    const asked = w.payee.manager.requestPayment({
      to: w.payer.address,
      amount: eur('5.00'),
      idempotencyKey: 'refused',
      transactionId: 'pay_refused',
    });
    while (w.payer.manager.pendingRequests().length === 0) await new Promise((r) => setTimeout(r, 10));
    expect(w.payer.manager.pendingRequests()[0]).toMatchObject({ transactionId: 'pay_refused', payee: w.payee.party });
    expect(await w.payer.manager.refuseRequest('pay_refused', 'not-today')).toBe(true);
    expect(await asked).toMatchObject({ status: 'cancelled', reason: 'not-today' });
  });

  it("policy: a module not declared for the payer's jurisdiction is not used", async () => {
    class FrenchNote extends DecoyPaymentModule {
      constructor() {
        super(['EUR'], 'test.french-note');
        Object.defineProperty(this, 'descriptor', {
          value: Object.freeze({ ...this.descriptor, jurisdictions: ['FR'] }),
        });
      }
    }
    const frFixture = {
      amount: eur('5.00'),
      party: async (env: { party: string }) => {
        const module = new FrenchNote();
        return { module, purse: await module.openPurse(env.party) };
      },
    };
    const w = await world({ payer: { context: { jurisdiction: 'DE' } } }, frFixture);
    const { payer, payee } = await w.pay(eur('5.00'));
    expect(payer).toMatchObject({
      status: 'fulfilled',
      value: { status: 'cancelled', reason: 'no-acceptable-module' },
    });
    expect(payee).toMatchObject({
      status: 'fulfilled',
      value: { status: 'cancelled', reason: 'no-acceptable-module' },
    });
    const r = (payer as PromiseFulfilledResult<{ message?: string }>).value;
    expect(r.message).toMatch(/test.french-note/);
  });

  it('register() wires a manager in a party container from the tokens', async () => {
    const party = registerCore(createPartyContainer());
    const broker = new MemoryBroker();
    const module = new DecoyPaymentModule(['EUR'], 'test.note');
    party.register(STORE, { useValue: fileStore() });
    party.register(EVIDENCE_ARCHIVE, { useValue: await openArchive({ store: fileStore(), name: 'di-party' }) });
    party.register(TRUSTED_IO, { useValue: new PolicyTrustedIo({ rules: [] }) });
    const transport = createMemoryTransport({ broker, name: 'di-party' });
    party.register(CHANNEL, { useValue: new Channel(transport) });
    register(party, { party: 'di-party', modules: [module], purses: [await module.openPurse('di-party')] });
    const manager = party.resolve<PaymentManager>(PAYMENT_MANAGER);
    expect(manager.party).toBe('di-party');
    expect(manager.descriptors().map((d) => d.id)).toEqual(['test.note']);
    expect(manager.purse('test.note')?.owner).toBe('di-party');
    expect(party.resolve(PAYMENT_MANAGER)).toBe(manager);
    expect((await manager.start()).stillPending).toEqual([]);
    await manager.close();
    await transport.close();
    expect(() => register(createPartyContainer(), { party: 'x' })).toThrow(/core/);
  });
});
