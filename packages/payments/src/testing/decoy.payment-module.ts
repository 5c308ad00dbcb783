import { Money } from '@semper/core';
import { z } from 'zod';
import { AbstractPaymentModule } from '../abstract-payment-module.js';
import { PaymentProtocolError } from '../errors.js';
import type {
  PayeeContext,
  PayerContext,
  PayOutcome,
  Purse,
  ReceiveOutcome,
  RecoveryContext,
  RecoveryOutcome,
} from '../types.js';

const noteSchema = z.strictObject({
  transactionId: z.string().max(100),
  amount: z.strictObject({ amount: z.string().regex(/^[1-9][0-9]{0,37}$/), currency: z.string().regex(/^[A-Z]{3}$/) }),
});

function parse<T>(schema: z.ZodType<T>, bytes: Uint8Array, step: string): T {
  try {
    return schema.parse(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)));
  } catch (err) {
    throw new PaymentProtocolError(step, 'not a valid message', { cause: err });
  }
}

/**
 * A second module for the conformance kit's negotiation tests (`conformance.decoy`): an honour system
 * in which the payer sends a note and the payee acknowledges it. It moves no real value and has no
 * purse balance; the kit offers it next to the module under test so that the intersection, policy and
 * trusted-io choice have something to decide between.
 *
 * @example
 * ```ts
 * import { DecoyPaymentModule } from '@semper/payments/testing';
 * const decoy = new DecoyPaymentModule(['EUR']);
 * const purse = await decoy.openPurse('alice');
 * ```
 */
export class DecoyPaymentModule extends AbstractPaymentModule {
  constructor(currencies: readonly string[], id = 'conformance.decoy') {
    super({
      id,
      version: '1.0.0',
      block: 'payments',
      jurisdictions: ['*'],
      capabilities: { payment: { model: 'cheque-like', currencies, twoPhase: false, refunds: 'none' } },
    });
  }

  protected override async onOpenPurse(owner: string): Promise<Purse> {
    return { moduleId: this.id, owner, label: 'decoy note' };
  }

  protected override async onPay(ctx: PayerContext): Promise<PayOutcome> {
    const note = { transactionId: ctx.transactionId, amount: ctx.amount.toJSON() };
    await ctx.peer.send('note', new TextEncoder().encode(JSON.stringify(note)));
    const ack = new TextDecoder().decode(await ctx.peer.receive('ack', { maxBytes: 16 }));
    return ack === 'ok' ? { status: 'captured', amount: ctx.amount } : { status: 'declined', reason: 'refused' };
  }

  protected override async onReceive(ctx: PayeeContext): Promise<ReceiveOutcome> {
    const note = parse(noteSchema, await ctx.peer.receive('note', { maxBytes: 1024 }), 'note');
    const ok = note.transactionId === ctx.transactionId && Money.fromJSON(note.amount).equals(ctx.amount);
    await ctx.peer.send('ack', new TextEncoder().encode(ok ? 'ok' : 'no'));
    return ok ? { status: 'captured', amount: ctx.amount } : { status: 'declined', reason: 'refused' };
  }

  protected override async onRecover(ctx: RecoveryContext): Promise<RecoveryOutcome> {
    // An interrupted note is void: nothing was owed until the payee acknowledged it.
    return ctx.record.pending?.operation === 'pay' || ctx.record.pending?.operation === 'receive'
      ? { status: 'failed', reason: 'interrupted note' }
      : { status: 'not-done' };
  }
}
