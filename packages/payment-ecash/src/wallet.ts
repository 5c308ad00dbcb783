// The wallet: withdraws coins from an account at the mint, keeps them in @semper/store, selects coins for an
// amount, spends them (to a payee, or to the mint for fresh coins), receives change and refunds, backs up
// and restores.
import type { webcrypto } from 'node:crypto';
import { type Clock, Money, newId, SystemClock } from '@semper/core';
import { z } from 'zod';
import { migrate, type Queryable, type Store } from '@semper/store';
import { decryptWalletBackup, encryptWalletBackup } from './backup.js';
import { importBlindRsaPublicKey, keyIdOf } from './blind-rsa.js';
import {
  type Coin,
  createPlanchet,
  ED25519_PUBLIC_BYTES,
  finalizeCoin,
  type Planchet,
  signEd25519,
  verifyEd25519,
} from './coin.js';
import { balanceDigest, denominationKeyDigest, spendDigest, withdrawDigest } from './digests.js';
import { bytesEqual, toBase64Url } from './encoding.js';
import { EcashError } from './errors.js';
import { callMint, type MintClient } from './mint.client.js';
import {
  bytesOf,
  type DenominationKeyJSON,
  encodeMessage,
  MAX_COINS_PER_REQUEST,
  parseMessage,
  type MintRequestOf,
  type MintResponseOf,
  type SpendRejectionReason,
} from './messages.js';
import { WALLET_MIGRATIONS } from './migrations.js';

type CryptoKey = webcrypto.CryptoKey;

/**
 * The wallet's account at the mint: its id and the Ed25519 private key (PKCS #8) that signs withdrawals.
 *
 * @example
 * ```ts
 * import { generateEd25519, type WalletAccount } from '@semper/payment-ecash';
 * const key = await generateEd25519();
 * const account: WalletAccount = { id: 'alice', privateKey: key.privateKey };
 * ```
 */
export interface WalletAccount {
  readonly id: string;
  readonly privateKey: Uint8Array;
}

/**
 * How a wallet is opened.
 *
 * @example
 * ```ts
 * import { localMintClient, type WalletOptions } from '@semper/payment-ecash';
 * import { openStore } from '@semper/store';
 * const options: WalletOptions = { store: await openStore('pglite:./wallet'), mint: localMintClient(mint), currency: 'EUR' };
 * ```
 */
export interface WalletOptions {
  readonly store: Store;
  readonly mint: MintClient;
  readonly currency: string;
  /** Several wallets may share a store, told apart by this name (default `default`). */
  readonly name?: string;
  /** Needed to withdraw and to read the account's balance. */
  readonly account?: WalletAccount;
  readonly clock?: Clock;
  /**
   * The mint's master public key (Ed25519, raw 32 octets; `EcashMint.masterPublicKey`), from the mint's
   * operator. Every denomination key must carry its signature. Without it the wallet pins the master key of
   * the first key list it fetches (trust on first use) and refuses any other afterwards.
   */
  readonly mintMasterKey?: Uint8Array;
}

/**
 * The result of a withdrawal.
 *
 * @example
 * ```ts
 * import type { WithdrawOutcome } from '@semper/payment-ecash';
 * const outcome: WithdrawOutcome = await wallet.withdraw(amount);
 * if (outcome.status === 'withdrawn') console.log(outcome.coins, 'coins');
 * ```
 */
export type WithdrawOutcome =
  | { readonly status: 'withdrawn'; readonly amount: Money; readonly coins: number; readonly requestId: string }
  | {
      readonly status: 'insufficient-funds';
      readonly balance: Money;
      readonly needed: Money;
      readonly requestId: string;
    };

/**
 * Who is paid by a spend, and under which reference (the transaction id).
 *
 * @example
 * ```ts
 * import type { SpendPayee } from '@semper/payment-ecash';
 * const payee: SpendPayee = { account: 'shop', reference: 'order-42' };
 * ```
 */
export interface SpendPayee {
  readonly account: string;
  readonly reference: string;
}

/**
 * A spend prepared by the wallet: the request to hand to the payee (or the mint) and its digest.
 *
 * @example
 * ```ts
 * import type { PreparedSpend } from '@semper/payment-ecash';
 * const prepared: PreparedSpend = await wallet.prepareSpend({ spendId: 'tx-1', amount, payee });
 * console.log(prepared.change.toString());
 * ```
 */
export interface PreparedSpend {
  readonly spendId: string;
  readonly request: MintRequestOf<'spend'>;
  /** base64url SHA-256 the coins signed; the mint answers `spend-status` by it. */
  readonly digest: string;
  /** What the coins are worth, and what comes back as change. */
  readonly value: Money;
  readonly change: Money;
}

/**
 * What became of a spend.
 *
 * @example
 * ```ts
 * import type { SpendSettlement } from '@semper/payment-ecash';
 * const s: SpendSettlement = await wallet.pay(amount, payee);
 * if (s.status === 'rejected') console.log(s.reason, s.lostCoins);
 * ```
 */
export type SpendSettlement =
  | { readonly status: 'accepted'; readonly spendId: string; readonly paid: Money; readonly change: Money }
  | {
      readonly status: 'rejected';
      readonly spendId: string;
      readonly reason: SpendRejectionReason;
      /** Coins the mint said are spent or worthless (dropped from the wallet). */
      readonly lostCoins: number;
      /** Coins given back to the unspent set. */
      readonly returnedCoins: number;
    };

/**
 * A denomination the wallet knows from the mint: the key's published description, its value in minor
 * units, the imported public key and its withdraw/deposit windows (milliseconds since 1970).
 *
 * @example
 * ```ts
 * const usable = (await wallet.denominations()).filter((d) => d.withdrawUntil > Date.now());
 * ```
 */
export interface Denomination {
  readonly info: DenominationKeyJSON;
  readonly value: bigint;
  readonly publicKey: CryptoKey;
  readonly withdrawUntil: number;
  readonly depositUntil: number;
  readonly validFrom: number;
}

interface CoinRow {
  coin_pub: Uint8Array;
  key_id: string;
  currency: string;
  value: bigint;
  coin_priv: Uint8Array;
  prefix: Uint8Array;
  signature: Uint8Array;
  status: 'unspent' | 'pending' | 'spent';
  spend_id: string | null;
}

interface PlanchetRow {
  idx: number;
  key_id: string;
  currency: string;
  value: bigint;
  coin_pub: Uint8Array;
  coin_priv: Uint8Array;
  prefix: Uint8Array;
  blinded_msg: Uint8Array;
  inv: Uint8Array;
}

function coinOf(row: CoinRow): Coin {
  return {
    keyId: row.key_id,
    currency: row.currency,
    value: row.value,
    coinPub: row.coin_pub,
    coinPriv: row.coin_priv,
    prefix: row.prefix,
    signature: row.signature,
  };
}

function planchetOf(row: PlanchetRow): Planchet {
  return {
    keyId: row.key_id,
    currency: row.currency,
    value: row.value,
    coinPub: row.coin_pub,
    coinPriv: row.coin_priv,
    prefix: row.prefix,
    blindedMsg: row.blinded_msg,
    inv: row.inv,
  };
}

/**
 * Splits `amount` into denomination values, largest first (greedy; exact when 1 is a denomination).
 *
 * @example
 * ```ts
 * import { decomposeAmount } from '@semper/payment-ecash';
 * decomposeAmount(37n, [1n, 2n, 5n, 10n, 20n]); // [20n, 10n, 5n, 2n]
 * ```
 */
export function decomposeAmount(amount: bigint, values: readonly bigint[]): bigint[] {
  const sorted = [...values].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
  const out: bigint[] = [];
  let rest = amount;
  for (const v of sorted) {
    while (rest >= v) {
      out.push(v);
      rest -= v;
    }
  }
  if (rest !== 0n)
    throw new EcashError('ERR_ECASH_INVALID_ARGUMENT', `${amount} cannot be made of the mint's denominations`);
  return out;
}

/**
 * Picks coins worth at least `amount`: largest first while they fit, then the smallest coin that covers
 * the rest (so the change is small), else more coins. `undefined` when all coins together are not enough.
 *
 * @example
 * ```ts
 * import { selectCoins } from '@semper/payment-ecash';
 * selectCoins([{ value: 10n }, { value: 5n }, { value: 2n }], 12n); // [{ value: 10n }, { value: 2n }]
 * ```
 */
export function selectCoins<C extends { readonly value: bigint }>(
  coins: readonly C[],
  amount: bigint,
): C[] | undefined {
  const sorted = [...coins].sort((a, b) => (a.value > b.value ? -1 : a.value < b.value ? 1 : 0));
  const chosen: C[] = [];
  const rest: C[] = [];
  let left = amount;
  for (const c of sorted) {
    if (left > 0n && c.value <= left) {
      chosen.push(c);
      left -= c.value;
    } else rest.push(c);
  }
  while (left > 0n) {
    const cover = [...rest].reverse().find((c) => c.value >= left) ?? rest[0];
    if (!cover) return undefined;
    rest.splice(rest.indexOf(cover), 1);
    chosen.push(cover);
    left -= cover.value;
  }
  return chosen;
}

/**
 * An ecash wallet. Coins live in the store (`WALLET_MIGRATIONS`); every request to the mint is written
 * first (planchets before a withdrawal, the spend and its change planchets before the coins leave), so a
 * crash at any point is recovered by sending the same request again ({@link EcashWallet.recover}).
 *
 * @example
 * ```ts
 * import { Money } from '@semper/core';
 * import { EcashWallet, localMintClient } from '@semper/payment-ecash';
 * import { openStore } from '@semper/store';
 * const wallet = await EcashWallet.open({
 *   store: await openStore('pglite:./alice-wallet'),
 *   mint: localMintClient(mint),
 *   currency: 'EUR',
 *   account: { id: 'alice', privateKey: aliceKey.privateKey },
 * });
 * await wallet.withdraw(Money.of(5000n, 'EUR'));
 * const payment = await wallet.prepareSpend({ spendId: 'tx-1', amount: Money.of(1234n, 'EUR'), payee: { account: 'shop', reference: 'tx-1' } });
 * // …the payee deposits payment.request at the mint and sends back the mint's response…
 * await wallet.settleSpend('tx-1', response);
 * (await wallet.balance()).toString(); // '37.66 EUR'
 * ```
 */
export class EcashWallet {
  /** The wallet's name in its store. */
  readonly name: string;
  readonly currency: string;
  readonly #store: Store;
  readonly #mint: MintClient;
  readonly #account: WalletAccount | undefined;
  readonly #clock: Clock;
  readonly #mintMasterKey: Uint8Array | undefined;
  #denominations: Denomination[] | undefined;

  private constructor(options: WalletOptions) {
    this.name = options.name ?? 'default';
    this.currency = Money.zero(options.currency).currency;
    this.#store = options.store;
    this.#mint = options.mint;
    this.#account = options.account;
    this.#clock = options.clock ?? new SystemClock();
    if (options.mintMasterKey !== undefined && options.mintMasterKey.length !== ED25519_PUBLIC_BYTES) {
      throw new EcashError('ERR_ECASH_INVALID_ARGUMENT', 'mintMasterKey is a raw Ed25519 public key of 32 octets');
    }
    this.#mintMasterKey = options.mintMasterKey === undefined ? undefined : new Uint8Array(options.mintMasterKey);
  }

  /**
   * Opens (and migrates) a wallet.
   *
   * @example
   * ```ts
   * const wallet = await EcashWallet.open({ store, mint: localMintClient(mint), currency: 'EUR' });
   * ```
   */
  static async open(options: WalletOptions): Promise<EcashWallet> {
    await migrate(options.store, WALLET_MIGRATIONS);
    return new EcashWallet(options);
  }

  /** The wallet's account at the mint, if it has one. */
  get account(): WalletAccount | undefined {
    return this.#account;
  }

  /** The store the wallet keeps its coins in. */
  get store(): Store {
    return this.#store;
  }

  /**
   * The mint's denomination keys in the wallet's currency, fetched once (or again with `refresh`). The key
   * list must come with the mint's pinned master key (`ERR_ECASH_MINT_KEY_MISMATCH`), each key with that
   * master key's signature, and each key's id must match its public key (`ERR_ECASH_MINT_PROTOCOL`).
   */
  async denominations(refresh = false): Promise<readonly Denomination[]> {
    if (this.#denominations && !refresh) return this.#denominations;
    const { keys, mint, masterPublicKey } = await callMint(this.#mint, { type: 'keys' });
    const master = await this.#pinnedMaster(bytesOf(masterPublicKey));
    const out: Denomination[] = [];
    for (const info of keys) {
      if (info.currency !== this.currency) continue;
      const signed = await verifyEd25519(
        master,
        bytesOf(info.masterSignature),
        await denominationKeyDigest(mint, info),
      );
      if (!signed) {
        throw new EcashError('ERR_ECASH_MINT_PROTOCOL', `the mint's key ${info.keyId} is not signed by its master key`);
      }
      const spki = bytesOf(info.publicKey);
      if ((await keyIdOf(spki)) !== info.keyId) {
        throw new EcashError('ERR_ECASH_MINT_PROTOCOL', `the mint's key ${info.keyId} does not match its id`);
      }
      out.push({
        info,
        value: BigInt(info.value),
        publicKey: await importBlindRsaPublicKey(spki),
        validFrom: Date.parse(info.validFrom),
        withdrawUntil: Date.parse(info.withdrawUntil),
        depositUntil: Date.parse(info.depositUntil),
      });
    }
    this.#denominations = out;
    return out;
  }

  /**
   * The master key the key list must be signed with: the one given, else the one pinned in the store, else
   * (the first time) the one offered, which is then pinned.
   */
  async #pinnedMaster(offered: Uint8Array): Promise<Uint8Array> {
    let expected = this.#mintMasterKey;
    if (expected === undefined) {
      // Trust on first use: pin what is offered unless a pin exists (of two first uses at once, one wins).
      await this.#store.query(
        'INSERT INTO ecash_wallet_mints (wallet, master_key, pinned_at) VALUES ($1, $2, $3) ON CONFLICT (wallet) DO NOTHING',
        [this.name, offered, this.#clock.now()],
      );
      const [row] = await this.#store.query<{ master_key: Uint8Array }>(
        'SELECT master_key FROM ecash_wallet_mints WHERE wallet = $1',
        [this.name],
      );
      expected = row?.master_key;
    }
    if (expected === undefined || !bytesEqual(expected, offered)) {
      throw new EcashError(
        'ERR_ECASH_MINT_KEY_MISMATCH',
        "the mint's keys come with another master key than the one this wallet trusts",
      );
    }
    return new Uint8Array(expected);
  }

  async #denomination(keyId: string): Promise<Denomination> {
    let d = (await this.denominations()).find((k) => k.info.keyId === keyId);
    d ??= (await this.denominations(true)).find((k) => k.info.keyId === keyId);
    if (!d) throw new EcashError('ERR_ECASH_UNKNOWN_DENOMINATION', `the mint no longer lists key ${keyId}`);
    return d;
  }

  /** For each value, the key that signs now and signs longest. */
  async #signingKeys(): Promise<Map<bigint, Denomination>> {
    const now = this.#clock.now().getTime();
    const byValue = new Map<bigint, Denomination>();
    for (const d of await this.denominations()) {
      if (now < d.validFrom || now >= d.withdrawUntil) continue;
      const best = byValue.get(d.value);
      if (!best || d.withdrawUntil > best.withdrawUntil) byValue.set(d.value, d);
    }
    if (byValue.size === 0) {
      for (const d of await this.denominations(true)) {
        if (now >= d.validFrom && now < d.withdrawUntil && !byValue.has(d.value)) byValue.set(d.value, d);
      }
    }
    return byValue;
  }

  async #makePlanchets(amount: bigint): Promise<Planchet[]> {
    if (amount === 0n) return [];
    const keys = await this.#signingKeys();
    const values = decomposeAmount(amount, [...keys.keys()]);
    const planchets: Planchet[] = [];
    for (const v of values) {
      const d = keys.get(v)!;
      planchets.push(
        await createPlanchet({ keyId: d.info.keyId, currency: this.currency, value: v, publicKey: d.publicKey }),
      );
    }
    return planchets;
  }

  async #savePlanchets(tx: Queryable, operation: string, planchets: readonly Planchet[]): Promise<void> {
    for (const [i, p] of planchets.entries()) {
      await tx.query(
        `INSERT INTO ecash_wallet_planchets (wallet, operation, idx, key_id, currency, value, coin_pub, coin_priv, prefix, blinded_msg, inv)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [this.name, operation, i, p.keyId, p.currency, p.value, p.coinPub, p.coinPriv, p.prefix, p.blindedMsg, p.inv],
      );
    }
  }

  async #loadPlanchets(operation: string): Promise<Planchet[]> {
    const rows = await this.#store.query<PlanchetRow>(
      'SELECT * FROM ecash_wallet_planchets WHERE wallet = $1 AND operation = $2 ORDER BY idx',
      [this.name, operation],
    );
    return rows.map(planchetOf);
  }

  /** Unblinds `blindSignatures` for the planchets of `operation` and stores the coins, in one transaction. */
  async #completePlanchets(
    operation: string,
    planchets: readonly Planchet[],
    blindSignatures: readonly string[],
    handOverAs?: string,
  ): Promise<Coin[]> {
    if (blindSignatures.length !== planchets.length) {
      throw new EcashError(
        'ERR_ECASH_MINT_PROTOCOL',
        `${planchets.length} planchets, ${blindSignatures.length} signatures`,
      );
    }
    const coins: Coin[] = [];
    for (const [i, p] of planchets.entries()) {
      const d = await this.#denomination(p.keyId);
      coins.push(await finalizeCoin(p, d.publicKey, bytesOf(blindSignatures[i]!)));
    }
    await this.#store.transaction(async (tx) => {
      for (const c of coins) await this.#insertCoin(tx, c, handOverAs ? 'spent' : 'unspent', handOverAs ?? null);
      await tx.query('DELETE FROM ecash_wallet_planchets WHERE wallet = $1 AND operation = $2', [this.name, operation]);
    });
    return coins;
  }

  async #insertCoin(
    tx: Queryable,
    c: Coin,
    status: 'unspent' | 'pending' | 'spent' = 'unspent',
    spendId: string | null = null,
  ) {
    await tx.query(
      `INSERT INTO ecash_wallet_coins (wallet, coin_pub, key_id, currency, value, coin_priv, prefix, signature, status, spend_id, added_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (wallet, coin_pub) DO NOTHING`,
      [
        this.name,
        c.coinPub,
        c.keyId,
        c.currency,
        c.value,
        c.coinPriv,
        c.prefix,
        c.signature,
        status,
        spendId,
        this.#clock.now(),
      ],
    );
  }

  #requireAccount(): WalletAccount {
    if (!this.#account) throw new EcashError('ERR_ECASH_INVALID_ARGUMENT', 'this wallet has no account at the mint');
    return this.#account;
  }

  /**
   * Withdraws `amount` from the wallet's account as coins of the mint's denominations: makes planchets,
   * stores them, sends one signed request, unblinds and stores the coins. Insufficient funds is returned.
   * With the `requestId` of an interrupted withdrawal it sends the same request again (the mint answers it
   * once).
   *
   * @example
   * ```ts
   * const outcome = await wallet.withdraw(Money.of(2000n, 'EUR'));
   * if (outcome.status === 'insufficient-funds') console.log('only', outcome.balance.toString());
   * ```
   */
  async withdraw(amount: Money, options: { readonly requestId?: string } = {}): Promise<WithdrawOutcome> {
    const account = this.#requireAccount();
    if (amount.currency !== this.currency || !amount.isPositive()) {
      throw new EcashError('ERR_ECASH_INVALID_ARGUMENT', `a withdrawal is a positive ${this.currency} amount`);
    }
    const requestId = options.requestId ?? newId('wdr');
    const operation = `withdraw:${requestId}`;
    let planchets = await this.#loadPlanchets(operation);
    if (planchets.length === 0) {
      planchets = await this.#makePlanchets(amount.amount);
      if (planchets.length > MAX_COINS_PER_REQUEST) {
        throw new EcashError(
          'ERR_ECASH_INVALID_ARGUMENT',
          `a withdrawal is at most ${MAX_COINS_PER_REQUEST} coins: withdraw in parts`,
        );
      }
      await this.#store.transaction((tx) => this.#savePlanchets(tx, operation, planchets));
    }
    const body = {
      type: 'withdraw' as const,
      account: account.id,
      requestId,
      at: this.#clock.now().toISOString(),
      planchets: planchets.map((p) => ({ keyId: p.keyId, blindedMsg: toBase64Url(p.blindedMsg) })),
    };
    const signature = toBase64Url(await signEd25519(account.privateKey, await withdrawDigest(body)));
    const response = await callMint(this.#mint, { ...body, signature });
    if (response.status === 'insufficient-funds') {
      await this.#store.query('DELETE FROM ecash_wallet_planchets WHERE wallet = $1 AND operation = $2', [
        this.name,
        operation,
      ]);
      return {
        status: 'insufficient-funds',
        balance: Money.of(BigInt(response.balance), this.currency),
        needed: Money.of(BigInt(response.needed), this.currency),
        requestId,
      };
    }
    const coins = await this.#completePlanchets(operation, planchets, response.blindSignatures);
    return {
      status: 'withdrawn',
      amount: Money.sum(
        coins.map((c) => Money.of(c.value, c.currency)),
        this.currency,
      ),
      coins: coins.length,
      requestId,
    };
  }

  /**
   * What the unspent coins are worth.
   *
   * @example
   * ```ts
   * (await wallet.balance()).toString(); // '50.00 EUR'
   * ```
   */
  async balance(): Promise<Money> {
    const [row] = await this.#store.query<{ total: bigint | null }>(
      `SELECT sum(value)::bigint AS total FROM ecash_wallet_coins WHERE wallet = $1 AND currency = $2 AND status = 'unspent'`,
      [this.name, this.currency],
    );
    return Money.of(row?.total ?? 0n, this.currency);
  }

  /** The wallet's coins with their status (for display and for tests). */
  async coins(
    status?: 'unspent' | 'pending' | 'spent',
  ): Promise<(Coin & { status: string; spendId: string | null })[]> {
    const rows = await this.#store.query<CoinRow>(
      `SELECT * FROM ecash_wallet_coins WHERE wallet = $1 AND ($2::text IS NULL OR status = $2) ORDER BY value DESC, coin_pub`,
      [this.name, status ?? null],
    );
    return rows.map((r) => ({ ...coinOf(r), status: r.status, spendId: r.spend_id }));
  }

  /**
   * The balance of the wallet's account at the mint (a request signed by the account key).
   *
   * @example
   * ```ts
   * (await wallet.accountBalance()).toString();
   * ```
   */
  async accountBalance(): Promise<Money> {
    const account = this.#requireAccount();
    const body = { type: 'balance' as const, account: account.id, at: this.#clock.now().toISOString() };
    const signature = toBase64Url(await signEd25519(account.privateKey, await balanceDigest(body)));
    const response = await callMint(this.#mint, { ...body, signature });
    return Money.of(BigInt(response.amount), response.currency);
  }

  /**
   * Prepares a spend of `amount` to `payee` (or, with `payee: null`, to nobody: all value comes back as
   * fresh coins, a refresh). Selects coins, makes change planchets for what they exceed `amount` by, has
   * every coin sign the spend, and records it — coins `pending` — before returning. The same `spendId`
   * again returns the recorded spend. Not enough coins throws `ERR_ECASH_INSUFFICIENT_COINS`.
   *
   * @example
   * ```ts
   * const prepared = await wallet.prepareSpend({ spendId: 'tx-1', amount: Money.of(250n, 'EUR'), payee: { account: 'shop', reference: 'tx-1' } });
   * ```
   */
  async prepareSpend(spec: {
    readonly spendId: string;
    readonly amount: Money;
    readonly payee: SpendPayee | null;
    /** Spend exactly these coins (default: selected from the unspent ones). */
    readonly coins?: readonly Coin[];
    /** The coins may be pending under this earlier spend (taking them back with a refresh). */
    readonly reclaimFrom?: string;
  }): Promise<PreparedSpend> {
    const existing = await this.#storedSpend(spec.spendId);
    if (existing) return existing;
    if (spec.amount.currency !== this.currency || spec.amount.isNegative()) {
      throw new EcashError('ERR_ECASH_INVALID_ARGUMENT', `a spend is a ${this.currency} amount`);
    }
    if (spec.payee === null && !spec.amount.isZero()) {
      throw new EcashError('ERR_ECASH_INVALID_ARGUMENT', 'a refresh (no payee) credits nothing');
    }
    const now = this.#clock.now().getTime();
    let coins: Coin[];
    if (spec.coins) coins = [...spec.coins];
    else {
      const usable: Coin[] = [];
      for (const c of await this.coins('unspent')) {
        if (c.currency !== this.currency) continue;
        const d = (await this.denominations()).find((k) => k.info.keyId === c.keyId);
        if (d && now < d.depositUntil) usable.push(c);
      }
      const chosen = selectCoins(usable, spec.amount.amount);
      if (!chosen || chosen.length === 0) {
        throw new EcashError(
          'ERR_ECASH_INSUFFICIENT_COINS',
          `the wallet's coins do not cover ${spec.amount.toString()}`,
        );
      }
      coins = chosen;
    }
    const value = coins.reduce((n, c) => n + c.value, 0n);
    if (value < spec.amount.amount)
      throw new EcashError('ERR_ECASH_INSUFFICIENT_COINS', 'the coins do not cover the amount');
    const change = await this.#makePlanchets(value - spec.amount.amount);
    const body = {
      spendId: spec.spendId,
      coins: coins.map((c) => ({
        keyId: c.keyId,
        coinPub: toBase64Url(c.coinPub),
        prefix: toBase64Url(c.prefix),
        signature: toBase64Url(c.signature),
      })),
      credit: spec.payee
        ? {
            account: spec.payee.account,
            amount: spec.amount.amount.toString(),
            currency: this.currency,
            reference: spec.payee.reference,
          }
        : null,
      change: change.map((p) => ({ keyId: p.keyId, blindedMsg: toBase64Url(p.blindedMsg) })),
    };
    const digest = await spendDigest(body);
    const signed: MintRequestOf<'spend'> = {
      type: 'spend',
      ...body,
      coins: await Promise.all(
        coins.map(async (c, i) => ({
          ...body.coins[i]!,
          spendSignature: toBase64Url(await signEd25519(c.coinPriv, digest)),
        })),
      ),
    };
    await this.#store.transaction(async (tx) => {
      for (const c of coins) {
        const rows = await tx.query(
          `UPDATE ecash_wallet_coins SET status = 'pending', spend_id = $3 WHERE wallet = $1 AND coin_pub = $2
           AND (status = 'unspent' OR (status = 'pending' AND spend_id = $4)) RETURNING coin_pub`,
          [this.name, c.coinPub, spec.spendId, spec.reclaimFrom ?? null],
        );
        if (rows.length === 0) throw new EcashError('ERR_ECASH_INSUFFICIENT_COINS', 'a coin is no longer unspent');
      }
      await this.#savePlanchets(tx, `spend:${spec.spendId}`, change);
      await tx.query(
        `INSERT INTO ecash_wallet_spends (wallet, spend_id, digest, request, status, created_at) VALUES ($1, $2, $3, $4, 'pending', $5)`,
        [this.name, spec.spendId, digest, signed, this.#clock.now()],
      );
    });
    return {
      spendId: spec.spendId,
      request: signed,
      digest: toBase64Url(digest),
      value: Money.of(value, this.currency),
      change: Money.of(value - spec.amount.amount, this.currency),
    };
  }

  async #storedSpend(spendId: string): Promise<PreparedSpend | undefined> {
    const [row] = await this.#store.query<{ digest: Uint8Array; request: MintRequestOf<'spend'> }>(
      'SELECT digest, request FROM ecash_wallet_spends WHERE wallet = $1 AND spend_id = $2',
      [this.name, spendId],
    );
    if (!row) return undefined;
    const coinValue = await this.#store.query<{ total: bigint }>(
      'SELECT coalesce(sum(value), 0)::bigint AS total FROM ecash_wallet_coins WHERE wallet = $1 AND spend_id = $2',
      [this.name, spendId],
    );
    const value = coinValue[0]?.total ?? 0n;
    const credited = row.request.credit ? BigInt(row.request.credit.amount) : 0n;
    return {
      spendId,
      request: row.request,
      digest: toBase64Url(row.digest),
      value: Money.of(value, this.currency),
      change: Money.of(value - credited, this.currency),
    };
  }

  /**
   * Settles a spend with the mint's answer (which the payee forwards, or {@link EcashWallet.recover} fetches):
   * accepted → the coins are spent and the change unblinded into new coins; rejected → coins the mint named
   * (double-spent, expired, invalid) are dropped and the others are unspent again. Settling twice is a no-op.
   *
   * @example
   * ```ts
   * const settlement = await wallet.settleSpend('tx-1', response);
   * if (settlement.status === 'rejected') console.log(settlement.reason); // e.g. 'double-spent'
   * ```
   */
  async settleSpend(spendId: string, response: MintResponseOf<'spend'>): Promise<SpendSettlement> {
    const prepared = await this.#storedSpend(spendId);
    if (!prepared) throw new EcashError('ERR_ECASH_INVALID_ARGUMENT', `no spend '${spendId}' in this wallet`);
    const paid = Money.of(prepared.request.credit ? BigInt(prepared.request.credit.amount) : 0n, this.currency);
    const [state] = await this.#store.query<{ status: string }>(
      'SELECT status FROM ecash_wallet_spends WHERE wallet = $1 AND spend_id = $2',
      [this.name, spendId],
    );
    if (response.status === 'accepted') {
      if (response.spendDigest !== prepared.digest) {
        throw new EcashError('ERR_ECASH_MINT_PROTOCOL', 'the mint accepted a different spend');
      }
      if (state?.status === 'accepted') return { status: 'accepted', spendId, paid, change: prepared.change };
      const operation = `spend:${spendId}`;
      const planchets = await this.#loadPlanchets(operation);
      await this.#completePlanchets(operation, planchets, response.changeSignatures);
      await this.#store.transaction(async (tx) => {
        await tx.query(
          `UPDATE ecash_wallet_coins SET status = 'spent' WHERE wallet = $1 AND spend_id = $2 AND status = 'pending'`,
          [this.name, spendId],
        );
        await tx.query(`UPDATE ecash_wallet_spends SET status = 'accepted' WHERE wallet = $1 AND spend_id = $2`, [
          this.name,
          spendId,
        ]);
      });
      return { status: 'accepted', spendId, paid, change: prepared.change };
    }
    const lost = new Set(response.coins);
    let lostCoins = 0;
    let returnedCoins = 0;
    if (state?.status === 'pending') {
      await this.#store.transaction(async (tx) => {
        const rows = await tx.query<{ coin_pub: Uint8Array }>(
          `SELECT coin_pub FROM ecash_wallet_coins WHERE wallet = $1 AND spend_id = $2 AND status = 'pending'`,
          [this.name, spendId],
        );
        for (const r of rows) {
          const gone = lost.has(toBase64Url(r.coin_pub));
          if (gone) lostCoins++;
          else returnedCoins++;
          await tx.query(
            `UPDATE ecash_wallet_coins SET status = $3, spend_id = CASE WHEN $3 = 'spent' THEN spend_id END WHERE wallet = $1 AND coin_pub = $2`,
            [this.name, r.coin_pub, gone ? 'spent' : 'unspent'],
          );
        }
        await tx.query('DELETE FROM ecash_wallet_planchets WHERE wallet = $1 AND operation = $2', [
          this.name,
          `spend:${spendId}`,
        ]);
        await tx.query(`UPDATE ecash_wallet_spends SET status = 'rejected' WHERE wallet = $1 AND spend_id = $2`, [
          this.name,
          spendId,
        ]);
      });
    }
    return { status: 'rejected', spendId, reason: response.reason, lostCoins, returnedCoins };
  }

  /**
   * Spends to `payee` by depositing at the mint directly (the wallet's owner is online with the mint; in a
   * payment the payee deposits instead): prepare, send, settle.
   *
   * @example
   * ```ts
   * const settlement = await wallet.pay(Money.of(500n, 'EUR'), { account: 'shop', reference: 'order-7' });
   * ```
   */
  async pay(amount: Money, payee: SpendPayee, spendId: string = newId('spd')): Promise<SpendSettlement> {
    const prepared = await this.prepareSpend({ spendId, amount, payee });
    return this.settleSpend(spendId, await callMint(this.#mint, prepared.request));
  }

  /**
   * Exchanges coins for fresh ones of the same total value at the mint (a spend crediting nobody): to make
   * change before an offline payment, to renew coins whose key stops signing, or to take back coins handed
   * to a payee that never deposited them. Default: the coins whose key no longer signs withdrawals.
   *
   * @example
   * ```ts
   * await wallet.refresh(); // renews coins of retired keys
   * ```
   */
  async refresh(coins?: readonly Coin[]): Promise<SpendSettlement | undefined> {
    let chosen = coins ? [...coins] : undefined;
    if (!chosen) {
      const now = this.#clock.now().getTime();
      chosen = [];
      for (const c of await this.coins('unspent')) {
        const d = (await this.denominations()).find((k) => k.info.keyId === c.keyId);
        if (d && now >= d.withdrawUntil && now < d.depositUntil) chosen.push(c);
      }
    }
    if (chosen.length === 0) return undefined;
    const spendId = newId('rfr');
    const prepared = await this.prepareSpend({
      spendId,
      amount: Money.zero(this.currency),
      payee: null,
      coins: chosen,
    });
    return this.settleSpend(spendId, await callMint(this.#mint, prepared.request));
  }

  /**
   * Finishes spends left pending (after a crash, or a payee that never answered): asks the mint whether it
   * accepted each; if so settles it (unblinding the change); if not, and `reclaim` is set, refreshes its
   * coins so that they are the wallet's again (a later deposit by the payee is then refused as double
   * spending). Also finishes interrupted withdrawals.
   *
   * @example
   * ```ts
   * const { settled, reclaimed } = await wallet.recover({ reclaim: true });
   * ```
   */
  async recover(
    options: { readonly reclaim?: boolean } = {},
  ): Promise<{ settled: number; reclaimed: number; withdrawals: number }> {
    let settled = 0;
    let reclaimed = 0;
    let withdrawals = 0;
    const pending = await this.#store.query<{ spend_id: string; digest: Uint8Array }>(
      `SELECT spend_id, digest FROM ecash_wallet_spends WHERE wallet = $1 AND status = 'pending' ORDER BY created_at`,
      [this.name],
    );
    for (const p of pending) {
      if (!options.reclaim) {
        const status = await callMint(this.#mint, { type: 'spend-status', spendDigest: toBase64Url(p.digest) });
        if (status.status === 'accepted') {
          await this.settleSpend(p.spend_id, status.response);
          settled++;
        }
        continue;
      }
      const outcome = await this.recoverSpend(p.spend_id);
      if (outcome === 'accepted') settled++;
      else if (outcome === 'reclaimed') reclaimed++;
    }
    const ops = await this.#store.query<{ operation: string }>(
      `SELECT DISTINCT operation FROM ecash_wallet_planchets WHERE wallet = $1 AND operation LIKE 'withdraw:%'`,
      [this.name],
    );
    for (const { operation } of ops) {
      const planchets = await this.#loadPlanchets(operation);
      const total = planchets.reduce((n, p) => n + p.value, 0n);
      await this.withdraw(Money.of(total, this.currency), { requestId: operation.slice('withdraw:'.length) });
      withdrawals++;
    }
    return { settled, reclaimed, withdrawals };
  }

  /**
   * Brings one spend to an end and says how it ended: `accepted` (the mint took it: settled, change
   * unblinded), `reclaimed` (the mint never saw it: its coins were refreshed back into this wallet, so a
   * late deposit by the payee is refused), the mint's rejection reason, or `unknown` (no such spend: its
   * coins never left the wallet).
   *
   * @example
   * ```ts
   * const how = await wallet.recoverSpend('tx-1'); // 'accepted' | 'reclaimed' | 'double-spent' | …
   * ```
   */
  async recoverSpend(spendId: string): Promise<'accepted' | 'reclaimed' | 'unknown' | SpendRejectionReason> {
    const [row] = await this.#store.query<{ status: string; reason: string | null; digest: Uint8Array }>(
      'SELECT status, reason, digest FROM ecash_wallet_spends WHERE wallet = $1 AND spend_id = $2',
      [this.name, spendId],
    );
    if (!row) return 'unknown';
    if (row.status === 'accepted') return 'accepted';
    if (row.status === 'rejected')
      return row.reason === 'reclaimed' ? 'reclaimed' : ((row.reason ?? 'invalid-coin') as SpendRejectionReason);
    const digest = toBase64Url(row.digest);
    const status = await callMint(this.#mint, { type: 'spend-status', spendDigest: digest });
    if (status.status === 'accepted') {
      await this.settleSpend(spendId, status.response);
      return 'accepted';
    }
    const request = (await this.#storedSpend(spendId))!.request;
    if (request.credit === null) {
      // A refresh of our own: send it again (the mint answers a repeated spend once).
      const settled = await this.settleSpend(spendId, await callMint(this.#mint, request));
      return settled.status === 'accepted' ? 'accepted' : settled.reason;
    }
    // A payee has the coins and has not deposited them: refresh them. The refresh and a late deposit race
    // at the mint, which lets exactly one of them have the coins.
    const coins = (await this.coins('pending')).filter((c) => c.spendId === spendId);
    const refreshId = newId('rfr');
    const refresh = await this.prepareSpend({
      spendId: refreshId,
      amount: Money.zero(this.currency),
      payee: null,
      coins,
      reclaimFrom: spendId,
    });
    await this.settleSpend(refreshId, await callMint(this.#mint, refresh.request));
    const late = await callMint(this.#mint, { type: 'spend-status', spendDigest: digest });
    if (late.status === 'accepted') {
      await this.settleSpend(spendId, late.response);
      return 'accepted';
    }
    await this.#store.transaction(async (tx) => {
      await tx.query('DELETE FROM ecash_wallet_planchets WHERE wallet = $1 AND operation = $2', [
        this.name,
        `spend:${spendId}`,
      ]);
      await tx.query(
        `UPDATE ecash_wallet_spends SET status = 'rejected', reason = 'reclaimed' WHERE wallet = $1 AND spend_id = $2`,
        [this.name, spendId],
      );
    });
    return 'reclaimed';
  }

  /**
   * Makes and records planchets worth `amount` for a refund (`refundId`): the payee sends them to the mint
   * with its refund request, and {@link EcashWallet.acceptRefund} unblinds the answer into coins.
   *
   * @example
   * ```ts
   * const planchets = await wallet.prepareRefund('rf-1', Money.of(300n, 'EUR'));
   * ```
   */
  async prepareRefund(refundId: string, amount: Money): Promise<{ keyId: string; blindedMsg: string }[]> {
    const operation = `refund:${refundId}`;
    let planchets = await this.#loadPlanchets(operation);
    if (planchets.length === 0) {
      planchets = await this.#makePlanchets(amount.amount);
      await this.#store.transaction((tx) => this.#savePlanchets(tx, operation, planchets));
    }
    return planchets.map((p) => ({ keyId: p.keyId, blindedMsg: toBase64Url(p.blindedMsg) }));
  }

  /**
   * Unblinds the mint's refund signatures into coins and stores them. Returns the coins.
   *
   * @example
   * ```ts
   * const coins = await wallet.acceptRefund('rf-1', response.blindSignatures);
   * ```
   */
  async acceptRefund(
    refundId: string,
    blindSignatures: readonly string[],
    options: {
      /** Store the coins as already handed over under this id (see {@link EcashWallet.handedOver}), in the same transaction. */
      readonly handOverAs?: string;
    } = {},
  ): Promise<Coin[]> {
    const operation = `refund:${refundId}`;
    const planchets = await this.#loadPlanchets(operation);
    if (planchets.length === 0) throw new EcashError('ERR_ECASH_INVALID_ARGUMENT', `no refund '${refundId}' pending`);
    const handOverAs = options.handOverAs === undefined ? undefined : `handover:${options.handOverAs}`;
    return this.#completePlanchets(operation, planchets, blindSignatures, handOverAs);
  }

  /**
   * Hands coins over as bearer tokens (a refund's fresh coins for the payer): marks them spent here and
   * returns them, private keys included. Whoever holds the bytes can spend the coins: the receiver
   * should {@link EcashWallet.receiveCoins} them at once. The same `handoverId` again returns the same coins.
   *
   * @example
   * ```ts
   * const token = await wallet.handOver(coins, 'refund-1');
   * ```
   */
  async handOver(coins: readonly Coin[], handoverId: string): Promise<Uint8Array> {
    const spendId = `handover:${handoverId}`;
    await this.#store.transaction(async (tx) => {
      for (const c of coins) {
        await tx.query(
          `UPDATE ecash_wallet_coins SET status = 'spent', spend_id = $3 WHERE wallet = $1 AND coin_pub = $2 AND (status = 'unspent' OR spend_id = $3)`,
          [this.name, c.coinPub, spendId],
        );
      }
    });
    const given = (await this.coins('spent')).filter((c) => c.spendId === spendId);
    if (given.length !== coins.length)
      throw new EcashError('ERR_ECASH_INSUFFICIENT_COINS', 'a coin to hand over is not unspent');
    return encodeCoinToken(given);
  }

  /**
   * The coins handed over under `handoverId` before, as the same bearer bytes (so that a refund retried
   * after a crash hands over the same coins instead of making new ones); `undefined` if none.
   *
   * @example
   * ```ts
   * const token = (await wallet.handedOver('refund-1')) ?? (await wallet.handOver(coins, 'refund-1'));
   * ```
   */
  async handedOver(handoverId: string): Promise<Uint8Array | undefined> {
    const spendId = `handover:${handoverId}`;
    const given = (await this.coins('spent')).filter((c) => c.spendId === spendId);
    return given.length === 0 ? undefined : encodeCoinToken(given);
  }

  /**
   * Takes coins handed over by someone else (a refund) and refreshes them at once at the mint, so that
   * only this wallet can spend what comes back. Coins the giver spent meanwhile are refused by the mint
   * (`double-spent`), which the settlement reports.
   *
   * @example
   * ```ts
   * const settlement = await wallet.receiveCoins(token);
   * if (settlement.status === 'accepted') console.log('got', settlement.change.toString());
   * ```
   */
  async receiveCoins(token: Uint8Array): Promise<SpendSettlement> {
    const coins = decodeCoinToken(token);
    if (coins.some((c) => c.currency !== this.currency)) {
      throw new EcashError('ERR_ECASH_MALFORMED_MESSAGE', `handed-over coins are not all ${this.currency}`);
    }
    await this.#store.transaction(async (tx) => {
      for (const c of coins) await this.#insertCoin(tx, c);
    });
    const mine = (await this.coins()).filter((c) =>
      coins.some((k) => toBase64Url(k.coinPub) === toBase64Url(c.coinPub)),
    );
    const unspent = mine.filter((c) => c.status === 'unspent');
    if (unspent.length === 0) {
      // Every coin is one this wallet already spent (or handed over): nothing to receive.
      return { status: 'rejected', spendId: 'none', reason: 'double-spent', lostCoins: coins.length, returnedCoins: 0 };
    }
    return (await this.refresh(unspent))!;
  }

  /** Drops the planchets of a refund that will not come. */
  async abandonRefund(refundId: string): Promise<void> {
    await this.#store.query('DELETE FROM ecash_wallet_planchets WHERE wallet = $1 AND operation = $2', [
      this.name,
      `refund:${refundId}`,
    ]);
  }

  /**
   * A passphrase-encrypted backup of the wallet (coins, planchets, pending spends and the account key).
   *
   * @example
   * ```ts
   * import { writeFile } from 'node:fs/promises';
   * await writeFile('wallet.backup', await wallet.backup('correct horse battery staple'));
   * ```
   */
  async backup(passphrase: string, options: { readonly iterations?: number } = {}): Promise<Uint8Array> {
    return encryptWalletBackup(
      { account: this.#account ?? null, snapshot: await this.snapshot() },
      passphrase,
      options,
    );
  }

  /**
   * Opens a wallet from a backup file: decrypts it (a wrong passphrase: `ERR_ECASH_BACKUP_DECRYPT`), then
   * loads its coins into the wallet on `options.store`. The account key comes from the backup unless
   * `options.account` is given.
   *
   * @example
   * ```ts
   * import { readFile } from 'node:fs/promises';
   * const restored = await EcashWallet.restore({ store, mint: client, currency: 'EUR' }, await readFile('wallet.backup'), passphrase);
   * ```
   */
  static async restore(options: WalletOptions, file: Uint8Array, passphrase: string): Promise<EcashWallet> {
    const content = await decryptWalletBackup(file, passphrase);
    const wallet = await EcashWallet.open({
      ...options,
      ...(options.account || !content.account ? {} : { account: content.account }),
    });
    await wallet.load(content.snapshot);
    return wallet;
  }

  /** Everything the wallet holds, for a backup: coins not yet spent, planchets, spends still pending. */
  async snapshot(): Promise<WalletSnapshot> {
    const coins = await this.#store.query<CoinRow>(
      `SELECT * FROM ecash_wallet_coins WHERE wallet = $1 AND status <> 'spent' ORDER BY coin_pub`,
      [this.name],
    );
    const planchets = await this.#store.query<PlanchetRow & { operation: string }>(
      'SELECT * FROM ecash_wallet_planchets WHERE wallet = $1 ORDER BY operation, idx',
      [this.name],
    );
    const spends = await this.#store.query<{
      spend_id: string;
      digest: Uint8Array;
      request: unknown;
      created_at: Date;
    }>(
      `SELECT spend_id, digest, request, created_at FROM ecash_wallet_spends WHERE wallet = $1 AND status = 'pending'`,
      [this.name],
    );
    return {
      currency: this.currency,
      coins: coins.map((r) => ({
        keyId: r.key_id,
        currency: r.currency,
        value: r.value.toString(),
        coinPub: toBase64Url(r.coin_pub),
        coinPriv: toBase64Url(r.coin_priv),
        prefix: toBase64Url(r.prefix),
        signature: toBase64Url(r.signature),
        status: r.status === 'pending' ? 'pending' : 'unspent',
        spendId: r.spend_id,
      })),
      planchets: planchets.map((r) => ({
        operation: r.operation,
        idx: r.idx,
        keyId: r.key_id,
        currency: r.currency,
        value: r.value.toString(),
        coinPub: toBase64Url(r.coin_pub),
        coinPriv: toBase64Url(r.coin_priv),
        prefix: toBase64Url(r.prefix),
        blindedMsg: toBase64Url(r.blinded_msg),
        inv: toBase64Url(r.inv),
      })),
      spends: spends.map((s) => ({
        spendId: s.spend_id,
        digest: toBase64Url(s.digest),
        request: s.request,
        createdAt: s.created_at.toISOString(),
      })),
    };
  }

  /**
   * Puts a snapshot's coins, planchets and pending spends into this wallet (what it already has is kept).
   * Coins spent since the backup are refused by the mint as double spending when used, and then dropped.
   */
  async load(snapshot: WalletSnapshot): Promise<{ coins: number }> {
    if (snapshot.currency !== this.currency)
      throw new EcashError('ERR_ECASH_BACKUP_FORMAT', 'the backup is of another currency');
    let added = 0;
    await this.#store.transaction(async (tx) => {
      for (const c of snapshot.coins) {
        const rows = await tx.query(
          `INSERT INTO ecash_wallet_coins (wallet, coin_pub, key_id, currency, value, coin_priv, prefix, signature, status, spend_id, added_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (wallet, coin_pub) DO NOTHING RETURNING coin_pub`,
          [
            this.name,
            bytesOf(c.coinPub),
            c.keyId,
            c.currency,
            BigInt(c.value),
            bytesOf(c.coinPriv),
            bytesOf(c.prefix),
            bytesOf(c.signature),
            c.status,
            c.spendId,
            this.#clock.now(),
          ],
        );
        added += rows.length;
      }
      for (const p of snapshot.planchets) {
        await tx.query(
          `INSERT INTO ecash_wallet_planchets (wallet, operation, idx, key_id, currency, value, coin_pub, coin_priv, prefix, blinded_msg, inv)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING`,
          [
            this.name,
            p.operation,
            p.idx,
            p.keyId,
            p.currency,
            BigInt(p.value),
            bytesOf(p.coinPub),
            bytesOf(p.coinPriv),
            bytesOf(p.prefix),
            bytesOf(p.blindedMsg),
            bytesOf(p.inv),
          ],
        );
      }
      for (const s of snapshot.spends) {
        await tx.query(
          `INSERT INTO ecash_wallet_spends (wallet, spend_id, digest, request, status, created_at) VALUES ($1, $2, $3, $4, 'pending', $5)
           ON CONFLICT DO NOTHING`,
          [this.name, s.spendId, bytesOf(s.digest), s.request, new Date(s.createdAt)],
        );
      }
    });
    return { coins: added };
  }
}

const CoinTokenSchema = z.strictObject({
  type: z.literal('semper-ecash-coins'),
  coins: z
    .array(
      z.strictObject({
        keyId: z.string().max(64),
        currency: z.string().regex(/^[A-Z]{3}$/),
        value: z.string().regex(/^[1-9][0-9]{0,17}$/),
        coinPub: z.string().max(64),
        coinPriv: z.string().max(128),
        prefix: z.string().max(64),
        signature: z.string().max(1400),
      }),
    )
    .min(1)
    .max(MAX_COINS_PER_REQUEST),
});

/**
 * Coins as bearer bytes (JSON, binary fields base64url).
 *
 * @example
 * ```ts
 * import { encodeCoinToken } from '@semper/payment-ecash';
 * const token = encodeCoinToken(await wallet.coins('unspent'));
 * ```
 */
export function encodeCoinToken(coins: readonly Coin[]): Uint8Array {
  return encodeMessage({
    type: 'semper-ecash-coins',
    coins: coins.map((c) => ({
      keyId: c.keyId,
      currency: c.currency,
      value: c.value.toString(),
      coinPub: toBase64Url(c.coinPub),
      coinPriv: toBase64Url(c.coinPriv),
      prefix: toBase64Url(c.prefix),
      signature: toBase64Url(c.signature),
    })),
  });
}

/**
 * Parses coin bearer bytes (untrusted): `EcashMessageError` when malformed.
 *
 * @example
 * ```ts
 * import { decodeCoinToken } from '@semper/payment-ecash';
 * const coins = decodeCoinToken(token); // EcashMessageError when malformed
 * ```
 */
export function decodeCoinToken(token: Uint8Array): Coin[] {
  const parsed = parseMessage(CoinTokenSchema, token, 'coin token');
  return parsed.coins.map((c) => ({
    keyId: c.keyId,
    currency: c.currency,
    value: BigInt(c.value),
    coinPub: bytesOf(c.coinPub),
    coinPriv: bytesOf(c.coinPriv),
    prefix: bytesOf(c.prefix),
    signature: bytesOf(c.signature),
  }));
}

/**
 * A wallet's contents as plain JSON (binary fields base64url), the plaintext of a backup.
 *
 * @example
 * ```ts
 * import type { WalletSnapshot } from '@semper/payment-ecash';
 * const snapshot: WalletSnapshot = await wallet.snapshot();
 * await otherWallet.load(snapshot);
 * ```
 */
export interface WalletSnapshot {
  readonly currency: string;
  readonly coins: readonly {
    keyId: string;
    currency: string;
    value: string;
    coinPub: string;
    coinPriv: string;
    prefix: string;
    signature: string;
    status: 'unspent' | 'pending';
    spendId: string | null;
  }[];
  readonly planchets: readonly {
    operation: string;
    idx: number;
    keyId: string;
    currency: string;
    value: string;
    coinPub: string;
    coinPriv: string;
    prefix: string;
    blindedMsg: string;
    inv: string;
  }[];
  readonly spends: readonly { spendId: string; digest: string; request: unknown; createdAt: string }[];
}
