// The ecash payment module: the payer hands coins over the PaymentPeer, the payee deposits them online at
// the mint and answers with the mint's outcome.
import type { Money } from '@semper/core';
import {
  AbstractPaymentModule,
  type JsonValue,
  type PayeeContext,
  type PayerContext,
  PaymentProtocolError,
  type PaymentModuleDescriptor,
  type PaymentRole,
  type PayOutcome,
  type Purse,
  type ReceiveOutcome,
  type RecoveryContext,
  type RecoveryOutcome,
  type RedeemRefundContext,
  type RedeemRefundOutcome,
  type RefundContext,
  type RefundOutcome,
} from '@semper/payments/spi';
import { z } from 'zod';
import { refundDigest } from './digests.js';
import { digestOf, toBase64Url } from './encoding.js';
import { EcashError, EcashMessageError } from './errors.js';
import { signEd25519 } from './coin.js';
import { callMint, type MintClient } from './mint.client.js';
import { encodeMessage, type MintRequestOf, MintRequestSchema, MintResponseSchema, parseMessage } from './messages.js';
import type { EcashWallet } from './wallet.js';

/**
 * The module id, `payment-ecash`.
 *
 * @example
 * ```ts
 * import { ECASH_MODULE_ID } from '@semper/payment-ecash';
 * console.log(ECASH_MODULE_ID); // 'payment-ecash'
 * ```
 */
export const ECASH_MODULE_ID = 'payment-ecash';

/**
 * A party's ecash purse: its wallet (coins, and the account at the mint that a payee is credited to).
 * Its balance is what the party holds in this payment system: unspent coins plus the account's balance.
 *
 * @example
 * ```ts
 * const purse = await module.openPurse('alice', { wallet });
 * (await purse.balance()).toString();
 * ```
 */
export interface EcashPurse extends Purse {
  readonly wallet: EcashWallet;
  balance(): Promise<Money>;
}

/**
 * Options of {@link EcashPaymentModule}.
 *
 * @example
 * ```ts
 * import { EcashPaymentModule, type EcashPaymentModuleOptions } from '@semper/payment-ecash';
 * const options: EcashPaymentModuleOptions = { currencies: ['EUR', 'CHF'], onStep: (role, step) => console.debug(role, step) };
 * const module = new EcashPaymentModule(client, options);
 * ```
 */
export interface EcashPaymentModuleOptions {
  /** The currencies the module pays in (default `['EUR']`); the mint must issue them. */
  readonly currencies?: readonly string[];
  /** How long a side waits for the other's message (default the manager's). */
  readonly stepTimeoutMs?: number;
  /**
   * Called at each named protocol step (payer: `terms`, `coins`, `result`; payee: `terms`, `deposit`,
   * `result`; refunds, payee: `refund` before the mint, `refund-issued` after it), before the step acts: tracing, and fault injection in tests (a hook
   * that throws makes the step fail).
   */
  readonly onStep?: (role: PaymentRole, step: string, transactionId: string) => void | Promise<void>;
}

const Id = z.string().regex(/^[A-Za-z0-9._:@-]{1,128}$/);
const TermsSchema = z.strictObject({
  type: z.literal('ecash-terms'),
  transactionId: z.string().min(1).max(256),
  account: Id,
  amount: z.string().regex(/^[1-9][0-9]{0,17}$/),
  currency: z.string().regex(/^[A-Z]{3}$/),
});
const CoinsSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('ecash-coins'), spend: z.unknown() }),
  z.strictObject({ type: z.literal('ecash-abort'), reason: z.string().max(100) }),
]);
const ResultSchema = z.strictObject({ type: z.literal('ecash-result'), response: z.unknown() });

/** The spend id of a transaction: its id if it is a valid id, else a digest of it. */
async function spendIdOf(transactionId: string): Promise<string> {
  if (/^[A-Za-z0-9._:@-]{1,128}$/.test(transactionId)) return transactionId;
  return `tx-${toBase64Url(await digestOf('semper-ecash/transaction/v1', transactionId))}`;
}

function parseStep<S extends z.ZodType>(schema: S, bytes: Uint8Array, step: string): z.infer<S> {
  try {
    return parseMessage(schema, bytes, `'${step}' message`);
  } catch (cause) {
    const issues = cause instanceof EcashMessageError ? cause.issues.join('; ') : 'malformed';
    throw new PaymentProtocolError(step, issues, { cause });
  }
}

/**
 * Ecash as a semper payment module: cash-like and private, in the line of DigiCash and GNU Taler. Sale
 * only (no authorization: coins are spent or not); refunds are fresh coins (partial refunds allowed).
 *
 * The protocol, over the manager's `PaymentPeer`:
 * 1. payee → payer `terms`: the payee's account at the mint, the amount and the transaction id;
 * 2. payer → payee `coins`: a spend signed by every coin key, crediting exactly that account with
 *    exactly that amount and carrying blinded change planchets (so the payee cannot redirect anything);
 * 3. the payee deposits the spend online at the mint, which detects double spending atomically;
 * 4. payee → payer `result`: the mint's answer (with the change's blind signatures, which only the payer
 *    can unblind). A double-spent coin is `declined` with reason `double-spent` on both sides.
 *
 * Recovery asks the mint: a spend it accepted is `captured`; the payee deposits a spend it had not
 * deposited yet; the payer takes back coins the payee never deposited by refreshing them at the mint
 * (whichever of the two reaches the mint first wins, atomically, and both sides then agree).
 *
 * @example
 * ```ts
 * import { EcashPaymentModule, localMintClient } from '@semper/payment-ecash';
 * const module = new EcashPaymentModule(localMintClient(mint), { currencies: ['EUR'] });
 * const purse = await module.openPurse('alice', { wallet });
 * ```
 */
export class EcashPaymentModule extends AbstractPaymentModule<EcashPurse> {
  readonly #mint: MintClient;
  readonly #options: EcashPaymentModuleOptions;

  constructor(mint: MintClient, options: EcashPaymentModuleOptions = {}) {
    const descriptor: PaymentModuleDescriptor = {
      id: ECASH_MODULE_ID,
      version: '0.1.0',
      block: 'payments',
      jurisdictions: ['*'],
      capabilities: {
        payment: {
          model: 'cash-like',
          currencies: [...(options.currencies ?? ['EUR'])],
          twoPhase: false,
          refunds: 'partial',
        },
        privacy: 'payer-anonymous',
      },
    };
    super(descriptor);
    this.#mint = mint;
    this.#options = options;
  }

  protected override async onOpenPurse(owner: string, config: unknown): Promise<EcashPurse> {
    const wallet = (config as { wallet?: EcashWallet } | undefined)?.wallet;
    if (!wallet || typeof wallet.balance !== 'function') {
      throw new EcashError('ERR_ECASH_INVALID_ARGUMENT', 'an ecash purse is opened with { wallet }');
    }
    return {
      moduleId: this.id,
      owner,
      label: wallet.account ? `ecash wallet, account ${wallet.account.id}` : 'ecash wallet',
      wallet,
      async balance() {
        const coins = await wallet.balance();
        return wallet.account ? coins.add(await wallet.accountBalance()) : coins;
      },
    };
  }

  async #step(role: PaymentRole, step: string, transactionId: string): Promise<void> {
    await this.#options.onStep?.(role, step, transactionId);
  }

  #timeout(): { timeoutMs?: number } {
    return this.#options.stepTimeoutMs === undefined ? {} : { timeoutMs: this.#options.stepTimeoutMs };
  }

  protected override async onPay(ctx: PayerContext<EcashPurse>): Promise<PayOutcome> {
    const wallet = ctx.purse.wallet;
    const terms = parseStep(TermsSchema, await ctx.peer.receive('terms', this.#timeout()), 'terms');
    await this.#step('payer', 'terms', ctx.transactionId);
    if (
      terms.transactionId !== ctx.transactionId ||
      terms.currency !== ctx.amount.currency ||
      BigInt(terms.amount) !== ctx.amount.amount
    ) {
      await ctx.peer.send('coins', encodeMessage({ type: 'ecash-abort', reason: 'terms-mismatch' }));
      return {
        status: 'declined',
        reason: 'terms-mismatch',
        message: 'the payee asked for another amount or transaction',
      };
    }
    const spendId = await spendIdOf(ctx.transactionId);
    await ctx.checkpoint('coins', { spendId, payeeAccount: terms.account });
    await this.#step('payer', 'coins', ctx.transactionId);
    let prepared: Awaited<ReturnType<EcashWallet['prepareSpend']>>;
    try {
      prepared = await wallet.prepareSpend({
        spendId,
        amount: ctx.amount,
        payee: { account: terms.account, reference: spendId },
      });
    } catch (err) {
      if (!(err instanceof EcashError && err.code === 'ERR_ECASH_INSUFFICIENT_COINS')) throw err;
      await ctx.peer.send('coins', encodeMessage({ type: 'ecash-abort', reason: 'insufficient-funds' }));
      return { status: 'declined', reason: 'insufficient-funds', message: 'the wallet does not hold enough coins' };
    }
    await ctx.peer.send('coins', encodeMessage({ type: 'ecash-coins', spend: prepared.request }));
    const result = parseStep(ResultSchema, await ctx.peer.receive('result', this.#timeout()), 'result');
    await this.#step('payer', 'result', ctx.transactionId);
    let response = parseStep(MintResponseSchema, encodeMessage(result.response as Record<string, unknown>), 'result');
    if (response.type !== 'spend' || response.status !== 'accepted') {
      // Do not take the payee's word for a refusal: the mint says what happened to the coins.
      const status = await callMint(this.#mint, { type: 'spend-status', spendDigest: prepared.digest });
      if (status.status === 'accepted') response = status.response;
    }
    if (response.type !== 'spend')
      throw new PaymentProtocolError('result', `a ${response.type} response instead of a spend's`);
    const settled = await wallet.settleSpend(spendId, response);
    const moduleData = { spendId, spendDigest: prepared.digest, payeeAccount: terms.account };
    if (settled.status === 'accepted') return { status: 'captured', amount: ctx.amount, moduleData };
    return {
      status: 'declined',
      reason: settled.reason,
      message: `the mint refused the coins: ${settled.reason}`,
      moduleData,
    };
  }

  protected override async onReceive(ctx: PayeeContext<EcashPurse>): Promise<ReceiveOutcome> {
    const account = ctx.purse.wallet.account;
    if (!account) throw new EcashError('ERR_ECASH_INVALID_ARGUMENT', "a payee's purse needs an account at the mint");
    await ctx.peer.send(
      'terms',
      encodeMessage({
        type: 'ecash-terms',
        transactionId: ctx.transactionId,
        account: account.id,
        amount: ctx.amount.amount.toString(),
        currency: ctx.amount.currency,
      }),
    );
    await this.#step('payee', 'terms', ctx.transactionId);
    const coins = parseStep(CoinsSchema, await ctx.peer.receive('coins', this.#timeout()), 'coins');
    if (coins.type === 'ecash-abort') return { status: 'declined', reason: coins.reason };
    const spend = parseStep(MintRequestSchema, encodeMessage(coins.spend as Record<string, unknown>), 'coins');
    const spendId = await spendIdOf(ctx.transactionId);
    if (
      spend.type !== 'spend' ||
      spend.spendId !== spendId ||
      !spend.credit ||
      spend.credit.account !== account.id ||
      spend.credit.currency !== ctx.amount.currency ||
      BigInt(spend.credit.amount) !== ctx.amount.amount
    ) {
      throw new PaymentProtocolError(
        'coins',
        'the spend does not credit this payee with this amount for this transaction',
      );
    }
    return this.#deposit(ctx, spend, true);
  }

  async #deposit(
    ctx: Pick<PayeeContext<EcashPurse>, 'transactionId' | 'checkpoint' | 'peer' | 'amount'>,
    spend: MintRequestOf<'spend'>,
    answer: boolean,
  ): Promise<ReceiveOutcome> {
    await ctx.checkpoint('deposit', { spend: spend as unknown as JsonValue });
    await this.#step('payee', 'deposit', ctx.transactionId);
    const response = await callMint(this.#mint, spend);
    const moduleData = {
      spendDigest: response.status === 'accepted' ? response.spendDigest : null,
      account: spend.credit?.account ?? null,
    };
    if (answer) {
      await this.#step('payee', 'result', ctx.transactionId);
      await ctx.peer.send('result', encodeMessage({ type: 'ecash-result', response }));
    }
    if (response.status === 'accepted') return { status: 'captured', amount: ctx.amount, moduleData };
    return {
      status: 'declined',
      reason: response.reason,
      message: `the mint refused the coins: ${response.reason}`,
      moduleData,
    };
  }

  protected override async onRefund(ctx: RefundContext<EcashPurse>): Promise<RefundOutcome> {
    const wallet = ctx.purse.wallet;
    const account = wallet.account;
    const data = ctx.record.moduleData as { spendDigest?: string | null } | undefined;
    if (!account || !data?.spendDigest) {
      throw new EcashError('ERR_ECASH_INVALID_ARGUMENT', 'no deposit of this transaction to refund against');
    }
    await this.#step('payee', 'refund', ctx.record.id);
    // The refund's id follows from the transaction, what it had refunded before, and the amount: a refund
    // retried after a crash (under any idempotency key) is the same refund at the mint, which answers it
    // once, with the same planchets, kept in the wallet.
    const refundId = `rf-${toBase64Url(
      await digestOf('semper-ecash/refund-id/v1', [
        ctx.record.id,
        ctx.record.refunded.amount.toString(),
        ctx.amount.amount.toString(),
      ]),
    ).slice(0, 32)}`;
    const moduleData = { ...data, lastRefundId: refundId };
    const earlier = await wallet.handedOver(refundId);
    if (earlier) return { status: 'refunded', amount: ctx.amount, payerToken: earlier, moduleData };
    const planchets = await wallet.prepareRefund(refundId, ctx.amount);
    const body = {
      type: 'refund' as const,
      account: account.id,
      refundId,
      spendDigest: data.spendDigest,
      amount: ctx.amount.amount.toString(),
      currency: ctx.amount.currency,
      at: ctx.clock.now().toISOString(),
      planchets,
    };
    const signature = toBase64Url(await signEd25519(account.privateKey, await refundDigest(body)));
    const response = await callMint(this.#mint, { ...body, signature });
    if (response.status === 'rejected') {
      await wallet.abandonRefund(refundId);
      return {
        status: 'declined',
        reason: response.reason === 'insufficient-funds' ? 'insufficient-funds' : response.reason,
      };
    }
    await this.#step('payee', 'refund-issued', ctx.record.id);
    // Unblinded and marked as handed over in one transaction: never spendable by the payee afterwards.
    await wallet.acceptRefund(refundId, response.blindSignatures, { handOverAs: refundId });
    const payerToken = await wallet.handedOver(refundId);
    if (!payerToken) throw new EcashError('ERR_ECASH_CORRUPT_RECORD', 'the refund coins vanished');
    return { status: 'refunded', amount: ctx.amount, payerToken, moduleData };
  }

  protected override async onRedeemRefund(ctx: RedeemRefundContext<EcashPurse>): Promise<RedeemRefundOutcome> {
    let settled: Awaited<ReturnType<EcashWallet['receiveCoins']>>;
    try {
      settled = await ctx.purse.wallet.receiveCoins(ctx.token);
    } catch (err) {
      if (err instanceof EcashMessageError)
        throw new PaymentProtocolError('refund', 'a malformed refund token', { cause: err });
      throw err;
    }
    if (settled.status === 'rejected') return { status: 'declined', reason: settled.reason };
    return { status: 'redeemed', amount: settled.change };
  }

  protected override async onRecover(ctx: RecoveryContext<EcashPurse>): Promise<RecoveryOutcome> {
    const record = ctx.record;
    if (record.pending && record.pending.operation === 'refund') {
      return { status: 'not-done', reason: 'an interrupted refund is retried with the same idempotency key' };
    }
    const wallet = ctx.purse?.wallet;
    if (!wallet) return { status: 'pending', reason: 'no purse attached to recover with' };
    const data = (record.moduleData ?? {}) as { spendId?: string; spend?: MintRequestOf<'spend'> };
    if (record.role === 'payee') {
      if (record.lastStep !== 'deposit' || !data.spend) return { status: 'failed', reason: 'no coins were received' };
      const spend = parseStep(
        MintRequestSchema,
        encodeMessage(data.spend as unknown as Record<string, unknown>),
        'deposit',
      );
      if (spend.type !== 'spend') return { status: 'failed', reason: 'no coins were received' };
      // Deposit what was received (a repeated deposit is answered from the mint's record).
      const response = await callMint(this.#mint, spend);
      const moduleData = {
        spendDigest: response.status === 'accepted' ? response.spendDigest : null,
        account: spend.credit?.account ?? null,
      };
      if (response.status === 'accepted') return { status: 'captured', amount: record.amount, moduleData };
      return { status: 'declined', reason: response.reason, moduleData };
    }
    const spendId = data.spendId ?? (await spendIdOf(record.id));
    const outcome = await wallet.recoverSpend(spendId);
    if (outcome === 'accepted') return { status: 'captured', amount: record.amount, moduleData: { spendId } };
    if (outcome === 'reclaimed' || outcome === 'unknown')
      return { status: 'failed', reason: 'the payee never deposited the coins' };
    return { status: 'declined', reason: outcome };
  }
}
