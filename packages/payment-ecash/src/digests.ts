// What coin keys and account keys sign: SHA-256 over a domain label and the canonical JSON of the request
// without its signatures.
import { digestOf } from './encoding.js';
import type { DenominationKeyJSON, MintRequestOf } from './messages.js';

/**
 * The digest an account key signs for a withdrawal.
 *
 * @example
 * ```ts
 * import { signEd25519, toBase64Url, withdrawDigest } from '@semper/payment-ecash';
 * const signature = toBase64Url(await signEd25519(accountKey, await withdrawDigest(body)));
 * ```
 */
export function withdrawDigest(r: Omit<MintRequestOf<'withdraw'>, 'signature'>): Promise<Uint8Array> {
  return digestOf('semper-ecash/withdraw/v1', {
    account: r.account,
    requestId: r.requestId,
    at: r.at,
    planchets: r.planchets.map((p) => ({ keyId: p.keyId, blindedMsg: p.blindedMsg })),
  });
}

/**
 * The digest every coin of a spend signs: the spend id, the coins, who is credited how much, and the change
 * planchets. A payee can submit the spend but not change any of it (not redirect the credit or the change).
 *
 * @example
 * ```ts
 * import { spendDigest, toBase64Url } from '@semper/payment-ecash';
 * const digest = toBase64Url(await spendDigest(request)); // what `spend-status` takes
 * ```
 */
export function spendDigest(
  r: Pick<MintRequestOf<'spend'>, 'spendId' | 'credit' | 'change'> & {
    coins: readonly { keyId: string; coinPub: string }[];
  },
): Promise<Uint8Array> {
  return digestOf('semper-ecash/spend/v1', {
    spendId: r.spendId,
    coins: r.coins.map((c) => ({ keyId: c.keyId, coinPub: c.coinPub })),
    credit: r.credit ? { ...r.credit } : null,
    change: r.change.map((p) => ({ keyId: p.keyId, blindedMsg: p.blindedMsg })),
  });
}

/**
 * The digest a payee's account key signs for a refund.
 *
 * @example
 * ```ts
 * import { refundDigest, signEd25519 } from '@semper/payment-ecash';
 * const signature = await signEd25519(payeeKey, await refundDigest(body));
 * ```
 */
export function refundDigest(r: Omit<MintRequestOf<'refund'>, 'signature'>): Promise<Uint8Array> {
  return digestOf('semper-ecash/refund/v1', {
    account: r.account,
    refundId: r.refundId,
    spendDigest: r.spendDigest,
    amount: r.amount,
    currency: r.currency,
    at: r.at,
    planchets: r.planchets.map((p) => ({ keyId: p.keyId, blindedMsg: p.blindedMsg })),
  });
}

/**
 * The digest an account key signs to read its balance.
 *
 * @example
 * ```ts
 * import { balanceDigest, signEd25519 } from '@semper/payment-ecash';
 * const signature = await signEd25519(accountKey, await balanceDigest({ type: 'balance', account: 'alice', at: new Date().toISOString() }));
 * ```
 */
export function balanceDigest(r: Omit<MintRequestOf<'balance'>, 'signature'>): Promise<Uint8Array> {
  return digestOf('semper-ecash/balance/v1', { account: r.account, at: r.at });
}

/**
 * The digest the mint's master key signs for each denomination key: the mint's id and every field of the
 * key but its signature. A wallet that pins the master public key accepts only keys signed so, which stops a
 * man in the middle from handing it keys of its own (or one key per wallet, to link its coins).
 *
 * @example
 * ```ts
 * import { denominationKeyDigest, verifyEd25519, fromBase64Url } from '@semper/payment-ecash';
 * const ok = await verifyEd25519(masterPub, fromBase64Url(key.masterSignature)!, await denominationKeyDigest('mint', key));
 * ```
 */
export function denominationKeyDigest(
  mint: string,
  k: Omit<DenominationKeyJSON, 'masterSignature'> & { masterSignature?: string },
): Promise<Uint8Array> {
  return digestOf('semper-ecash/denomination-key/v1', {
    mint,
    keyId: k.keyId,
    currency: k.currency,
    value: k.value,
    publicKey: k.publicKey,
    variant: k.variant,
    validFrom: k.validFrom,
    withdrawUntil: k.withdrawUntil,
    depositUntil: k.depositUntil,
  });
}
