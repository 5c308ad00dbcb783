// The mint: denomination keys that rotate and expire, accounts, withdrawal by blind signature, and spends
// (deposits, refreshes, change) with atomic double-spending detection, over @semper/store.
import { createPrivateKey, createPublicKey, type webcrypto } from 'node:crypto';
import { type Clock, Money, SemperError, SystemClock } from '@semper/core';
import { migrate, type Queryable, type Store } from '@semper/store';
import {
  BLIND_RSA_VARIANT,
  BlindSigner,
  generateBlindRsaKeyPair,
  importBlindRsaPublicKey,
  MIN_MODULUS_BITS,
} from './blind-rsa.js';
import { ED25519_PUBLIC_BYTES, generateEd25519, signEd25519, verifyCoinSignature, verifyEd25519 } from './coin.js';
import { balanceDigest, denominationKeyDigest, refundDigest, spendDigest, withdrawDigest } from './digests.js';
import { bytesEqual, digestOf, toBase64Url } from './encoding.js';
import { EcashError } from './errors.js';
import { deriveKeyWrap, isWrappedKey, type KeyWrap, newKeyWrapSalt } from './key-wrap.js';
import {
  bytesOf,
  type DenominationKeyJSON,
  encodeMessage,
  type MintRequest,
  type MintRequestOf,
  MintRequestSchema,
  type MintResponse,
  type MintResponseOf,
  parseMessage,
  type SpendAcceptedJSON,
  type SpendRejectionReason,
} from './messages.js';
import { MINT_MIGRATIONS } from './migrations.js';

type CryptoKey = webcrypto.CryptoKey;

const DAY = 86_400_000;

/**
 * The denominations a mint issues in one currency, in minor units. Include 1 so that every amount can be
 * withdrawn and every change made.
 *
 * @example
 * ```ts
 * import type { DenominationSet } from '@semper/payment-ecash';
 * const eur: DenominationSet = { currency: 'EUR', values: [1, 2, 5, 10, 20, 50, 100, 200, 500] };
 * ```
 */
export interface DenominationSet {
  readonly currency: string;
  readonly values: readonly (bigint | number)[];
}

/**
 * How a mint is set up.
 *
 * @example
 * ```ts
 * import type { MintOptions } from '@semper/payment-ecash';
 * import { openStore } from '@semper/store';
 * const options: MintOptions = {
 *   id: 'mint.example',
 *   store: await openStore('pglite:./mint-data'),
 *   denominations: [{ currency: 'EUR', values: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000] }],
 * };
 * ```
 */
export interface MintOptions {
  /** The mint's name, sent with its keys. */
  readonly id: string;
  readonly store: Store;
  readonly denominations: readonly DenominationSet[];
  readonly clock?: Clock;
  /** RSA modulus of each denomination key, at least 2048 (default 2048). */
  readonly modulusBits?: number;
  /** How long a key signs withdrawals (default 30 days). */
  readonly withdrawPeriodMs?: number;
  /** How long after its withdraw period a key's coins may still be spent (default 365 days). */
  readonly depositGraceMs?: number;
  /** A new key is made when the current one has less than this left to sign (default a quarter of the period). */
  readonly rotationLeadMs?: number;
  /** How far a signed request's `at` may be from the mint's clock (default 5 minutes). */
  readonly maxClockSkewMs?: number;
  /**
   * The master key that signs every denomination key (Ed25519, PKCS #8), e.g. kept by the operator outside
   * the database. Without it the mint uses the one in its store, made at the first open. A store that holds
   * another master key for this mint refuses to open (`ERR_ECASH_INVALID_ARGUMENT`).
   */
  readonly masterKey?: Uint8Array;
  /**
   * Encrypts the mint's private keys (the master key and every denomination key) at rest: AES-256-GCM under
   * a key derived from this passphrase with scrypt. Given to a mint whose keys are not encrypted yet, it
   * encrypts them in place. A mint whose keys are encrypted does not open without it
   * (`ERR_ECASH_INVALID_ARGUMENT`) or with another (`ERR_ECASH_KEY_DECRYPT`).
   */
  readonly keyPassphrase?: string;
}

/** The raw 32-octet public key of an Ed25519 PKCS #8 private key. */
function ed25519PublicOf(pkcs8: Uint8Array): Uint8Array {
  let spki: Buffer;
  try {
    const key = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`a ${key.asymmetricKeyType} key`);
    spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  } catch (cause) {
    throw new EcashError('ERR_ECASH_INVALID_ARGUMENT', 'the master key is not an Ed25519 PKCS #8 private key', {
      cause,
    });
  }
  return new Uint8Array(spki.subarray(spki.length - ED25519_PUBLIC_BYTES));
}

interface LoadedKey {
  readonly info: DenominationKeyJSON;
  readonly value: bigint;
  readonly validFrom: number;
  readonly withdrawUntil: number;
  readonly depositUntil: number;
  readonly publicKey: CryptoKey;
  readonly signer: BlindSigner;
}

interface KeyRow {
  key_id: string;
  currency: string;
  value: bigint;
  spki: Uint8Array;
  pkcs8: Uint8Array;
  valid_from: Date;
  withdraw_until: Date;
  deposit_until: Date;
}

/** Rolls a transaction back and carries what the caller returns instead. */
class Rollback<T> extends SemperError<'ERR_ECASH_ROLLBACK'> {
  readonly value: T;
  constructor(value: T) {
    super('ERR_ECASH_ROLLBACK', 'rolled back on purpose');
    this.value = value;
  }
}

async function rollbackValue<T, R>(work: Promise<T>): Promise<T | R> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof Rollback) return err.value as R;
    throw err;
  }
}

/** What makes two withdrawals (or refunds) under one id the same request: everything but the signed time. */
function contentDigest(
  kind: 'withdraw' | 'refund',
  account: string,
  id: string,
  planchets: readonly { keyId: string; blindedMsg: string }[],
  extra: Record<string, string> = {},
): Promise<Uint8Array> {
  return digestOf(`semper-ecash/${kind}-content/v1`, {
    account,
    id,
    planchets: planchets.map((p) => ({ keyId: p.keyId, blindedMsg: p.blindedMsg })),
    ...extra,
  });
}

function positiveValue(v: bigint | number): bigint {
  const b = typeof v === 'bigint' ? v : Number.isSafeInteger(v) ? BigInt(v) : -1n;
  if (b <= 0n) throw new EcashError('ERR_ECASH_INVALID_ARGUMENT', 'a denomination value is a positive integer');
  return b;
}

/**
 * A mint in the line of DigiCash and GNU Taler. It keeps one RSA key per denomination and period (RFC 9474
 * blind signatures, RSABSSA-SHA384-PSS-Randomized), accounts from which coins are withdrawn, and the
 * spent-coin list. A withdrawal debits an account and signs blinded coins, so the mint never sees the coins
 * it signs; a spend (a deposit to a payee, a refresh, change) verifies each coin and its holder's signature
 * and, in one transaction, records every coin as spent and credits the payee — of two spends of one coin,
 * however concurrent, exactly one commits. Expected refusals (insufficient funds, a double-spent or
 * expired coin) are returned; malformed or unauthorized requests throw an {@link EcashError}.
 *
 * The same SQL runs on PGlite and on a PostgreSQL server; several mint processes may share one server.
 *
 * @example
 * ```ts
 * import { Money } from '@semper/core';
 * import { EcashMint } from '@semper/payment-ecash';
 * import { openStore } from '@semper/store';
 * const mint = await EcashMint.open({
 *   id: 'mint.example',
 *   store: await openStore('pglite:memory'),
 *   denominations: [{ currency: 'EUR', values: [1, 2, 5, 10, 20, 50, 100] }],
 * });
 * await mint.openAccount('shop', 'EUR', shopPublicKey);
 * const keys = await mint.handleRequest({ type: 'keys' });
 * ```
 */
export class EcashMint {
  /** The mint's name. */
  readonly id: string;
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #denominations: readonly { currency: string; values: bigint[] }[];
  readonly #modulusBits: number;
  readonly #withdrawPeriodMs: number;
  readonly #depositGraceMs: number;
  readonly #rotationLeadMs: number;
  readonly #maxSkewMs: number;
  readonly #keys = new Map<string, LoadedKey>();
  #master: { readonly publicKey: Uint8Array; readonly privateKey: Uint8Array } | undefined;
  readonly #givenMaster: Uint8Array | undefined;
  readonly #keyPassphrase: string | undefined;
  /** The key-encryption key, when the mint's keys are encrypted at rest. */
  #wrap: KeyWrap | undefined;

  private constructor(options: MintOptions) {
    this.id = options.id;
    this.#store = options.store;
    this.#clock = options.clock ?? new SystemClock();
    if (options.denominations.length === 0) {
      throw new EcashError('ERR_ECASH_INVALID_ARGUMENT', 'a mint issues at least one denomination');
    }
    this.#denominations = options.denominations.map((d) => {
      Money.zero(d.currency); // an unknown currency throws
      const values = [...new Set(d.values.map(positiveValue))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      if (values.length === 0) throw new EcashError('ERR_ECASH_INVALID_ARGUMENT', `no denominations for ${d.currency}`);
      return { currency: d.currency, values };
    });
    this.#modulusBits = options.modulusBits ?? MIN_MODULUS_BITS;
    this.#withdrawPeriodMs = options.withdrawPeriodMs ?? 30 * DAY;
    this.#depositGraceMs = options.depositGraceMs ?? 365 * DAY;
    this.#rotationLeadMs = options.rotationLeadMs ?? Math.floor(this.#withdrawPeriodMs / 4);
    this.#maxSkewMs = options.maxClockSkewMs ?? 5 * 60_000;
    this.#givenMaster = options.masterKey === undefined ? undefined : new Uint8Array(options.masterKey);
    if (
      options.keyPassphrase !== undefined &&
      (typeof options.keyPassphrase !== 'string' || options.keyPassphrase === '')
    ) {
      throw new EcashError('ERR_ECASH_INVALID_ARGUMENT', 'keyPassphrase is a non-empty string');
    }
    this.#keyPassphrase = options.keyPassphrase;
    if (this.#rotationLeadMs >= this.#withdrawPeriodMs || this.#rotationLeadMs < 0) {
      throw new EcashError('ERR_ECASH_INVALID_ARGUMENT', 'rotationLeadMs is below withdrawPeriodMs');
    }
  }

  /**
   * Opens a mint on `options.store`: applies its migrations, loads its keys and makes the keys that are
   * missing (see {@link EcashMint.rotateKeys}).
   *
   * @example
   * ```ts
   * import { EcashMint } from '@semper/payment-ecash';
   * import { openStore } from '@semper/store';
   * const mint = await EcashMint.open({ id: 'mint', store: await openStore('pglite:memory'), denominations: [{ currency: 'EUR', values: [1, 5, 10] }] });
   * ```
   */
  static async open(options: MintOptions): Promise<EcashMint> {
    const mint = new EcashMint(options);
    await migrate(options.store, MINT_MIGRATIONS);
    await mint.#loadMaster();
    await mint.#loadKeys();
    await mint.rotateKeys();
    return mint;
  }

  /**
   * The mint's master public key (Ed25519, raw 32 octets): what wallets pin (`WalletOptions.mintMasterKey`)
   * to accept only the denomination keys it signed.
   *
   * @example
   * ```ts
   * import { toBase64Url } from '@semper/payment-ecash';
   * console.log('mint key', toBase64Url(mint.masterPublicKey));
   * ```
   */
  get masterPublicKey(): Uint8Array {
    return new Uint8Array((this.#master as { publicKey: Uint8Array }).publicKey);
  }

  /** Whether the mint's private keys are encrypted at rest (see `MintOptions.keyPassphrase`). */
  get keysEncrypted(): boolean {
    return this.#wrap !== undefined;
  }

  #masterLabel(): string {
    return `semper-ecash/master/v1|${this.id}`;
  }

  #denominationLabel(keyId: string): string {
    return `semper-ecash/denomination/v1|${this.id}|${keyId}`;
  }

  async #loadMaster(): Promise<void> {
    const given = this.#givenMaster;
    const givenPublic = given === undefined ? undefined : ed25519PublicOf(given);
    const passphrase = this.#keyPassphrase;
    await this.#store.transaction(async (tx) => {
      const [row] = await tx.query<{
        public_key: Uint8Array;
        private_key: Uint8Array;
        kek_salt: Uint8Array | null;
        kek_check: Uint8Array | null;
      }>('SELECT public_key, private_key, kek_salt, kek_check FROM ecash_mint_master WHERE mint = $1 FOR UPDATE', [
        this.id,
      ]);
      if (row === undefined) {
        const made =
          given === undefined ? await generateEd25519() : { publicKey: givenPublic as Uint8Array, privateKey: given };
        const salt = passphrase === undefined ? undefined : newKeyWrapSalt();
        const wrap = salt === undefined ? undefined : await deriveKeyWrap(passphrase as string, salt);
        // A master key the operator keeps elsewhere is not written to the store: only its public half.
        const stored =
          given !== undefined
            ? new Uint8Array(0)
            : (wrap?.wrap(this.#masterLabel(), made.privateKey) ?? made.privateKey);
        await tx.query(
          `INSERT INTO ecash_mint_master (mint, public_key, private_key, kek_salt, kek_check, created_at)
           VALUES ($1, $2, $3, $4, $5, $6)`,
          [this.id, made.publicKey, stored, salt ?? null, wrap?.check ?? null, this.#clock.now()],
        );
        this.#master = made;
        this.#wrap = wrap;
        return;
      }
      if (givenPublic !== undefined && !bytesEqual(row.public_key, givenPublic)) {
        throw new EcashError('ERR_ECASH_INVALID_ARGUMENT', `the store holds another master key for mint '${this.id}'`);
      }
      let wrap: KeyWrap | undefined;
      if (row.kek_salt !== null) {
        if (passphrase === undefined) {
          throw new EcashError(
            'ERR_ECASH_INVALID_ARGUMENT',
            `the keys of mint '${this.id}' are encrypted: open it with keyPassphrase`,
          );
        }
        wrap = await deriveKeyWrap(passphrase, row.kek_salt);
        if (row.kek_check === null || !wrap.verify(row.kek_check)) {
          throw new EcashError('ERR_ECASH_KEY_DECRYPT', `wrong key passphrase for mint '${this.id}'`);
        }
      } else if (passphrase !== undefined) {
        // Keys stored in the clear until now: encrypt them all, in this transaction.
        const salt = newKeyWrapSalt();
        wrap = await deriveKeyWrap(passphrase, salt);
        const rows = await tx.query<{ key_id: string; pkcs8: Uint8Array }>(
          'SELECT key_id, pkcs8 FROM ecash_denomination_keys FOR UPDATE',
        );
        for (const r of rows) {
          if (isWrappedKey(r.pkcs8)) continue;
          await tx.query('UPDATE ecash_denomination_keys SET pkcs8 = $2 WHERE key_id = $1', [
            r.key_id,
            (wrap as KeyWrap).wrap(this.#denominationLabel(r.key_id), r.pkcs8),
          ]);
        }
        const master = row.private_key.length === 0 ? row.private_key : wrap.wrap(this.#masterLabel(), row.private_key);
        await tx.query('UPDATE ecash_mint_master SET private_key = $2, kek_salt = $3, kek_check = $4 WHERE mint = $1', [
          this.id,
          master,
          salt,
          wrap.check,
        ]);
        row.private_key = master;
      }
      if (given === undefined && row.private_key.length === 0) {
        throw new EcashError(
          'ERR_ECASH_INVALID_ARGUMENT',
          `mint '${this.id}' keeps its master key outside the store: open it with masterKey`,
        );
      }
      const privateKey =
        given ??
        (wrap === undefined ? new Uint8Array(row.private_key) : wrap.unwrap(this.#masterLabel(), row.private_key));
      this.#master = { publicKey: new Uint8Array(row.public_key), privateKey };
      this.#wrap = wrap;
    });
  }

  async #loadKeys(): Promise<void> {
    const rows = await this.#store.query<KeyRow>('SELECT * FROM ecash_denomination_keys ORDER BY valid_from');
    for (const row of rows) await this.#cacheKey(row);
  }

  async #cacheKey(row: KeyRow): Promise<LoadedKey> {
    const cached = this.#keys.get(row.key_id);
    if (cached) return cached;
    const info: DenominationKeyJSON = {
      keyId: row.key_id,
      currency: row.currency,
      value: row.value.toString(),
      publicKey: toBase64Url(row.spki),
      variant: BLIND_RSA_VARIANT,
      validFrom: row.valid_from.toISOString(),
      withdrawUntil: row.withdraw_until.toISOString(),
      depositUntil: row.deposit_until.toISOString(),
      masterSignature: '',
    };
    const master = this.#master as { privateKey: Uint8Array };
    info.masterSignature = toBase64Url(
      await signEd25519(master.privateKey, await denominationKeyDigest(this.id, info)),
    );
    const key: LoadedKey = {
      info,
      value: row.value,
      validFrom: row.valid_from.getTime(),
      withdrawUntil: row.withdraw_until.getTime(),
      depositUntil: row.deposit_until.getTime(),
      publicKey: await importBlindRsaPublicKey(row.spki),
      signer: new BlindSigner({ spki: row.spki, pkcs8: this.#plainKey(row) }),
    };
    this.#keys.set(row.key_id, key);
    return key;
  }

  /** A denomination key's PKCS #8, unwrapped when the mint's keys are encrypted. */
  #plainKey(row: KeyRow): Uint8Array {
    if (this.#wrap !== undefined) return this.#wrap.unwrap(this.#denominationLabel(row.key_id), row.pkcs8);
    if (isWrappedKey(row.pkcs8)) {
      throw new EcashError('ERR_ECASH_CORRUPT_RECORD', `denomination key ${row.key_id} is encrypted, the mint is not`);
    }
    return row.pkcs8;
  }

  /** A key by id: from the cache, else from the database (another mint process may have made it). */
  async #key(keyId: string): Promise<LoadedKey | undefined> {
    const cached = this.#keys.get(keyId);
    if (cached) return cached;
    const [row] = await this.#store.query<KeyRow>('SELECT * FROM ecash_denomination_keys WHERE key_id = $1', [keyId]);
    return row ? this.#cacheKey(row) : undefined;
  }

  /**
   * Key rotation: for every denomination, makes a new key when no key can sign withdrawals for at least
   * `rotationLeadMs` more. The new key signs from the end of the newest one (or from now), for
   * `withdrawPeriodMs`; its coins are accepted until `depositGraceMs` after that. Old keys stay until their
   * deposit period ends: coins never become worthless while their key still accepts them. Returns the new
   * key ids. Call it periodically (the CLI's `mint serve` does, hourly).
   *
   * @example
   * ```ts
   * const { created } = await mint.rotateKeys();
   * ```
   */
  async rotateKeys(): Promise<{ created: string[] }> {
    const now = this.#clock.now().getTime();
    const created: string[] = [];
    const due: { currency: string; value: bigint; validFrom: number }[] = [];
    for (const { currency, values } of this.#denominations) {
      for (const value of values) {
        const keys = [...this.#keys.values()].filter((k) => k.info.currency === currency && k.value === value);
        const newest = keys.reduce<LoadedKey | undefined>(
          (a, k) => (!a || k.withdrawUntil > a.withdrawUntil ? k : a),
          undefined,
        );
        if (newest && newest.withdrawUntil - now > this.#rotationLeadMs) continue;
        const validFrom = newest && newest.withdrawUntil > now ? newest.withdrawUntil - this.#rotationLeadMs : now;
        due.push({ currency, value, validFrom });
      }
    }
    // Key generation runs in libuv's thread pool: all at once.
    const pairs = await Promise.all(due.map(() => generateBlindRsaKeyPair(this.#modulusBits)));
    for (const [i, { currency, value, validFrom }] of due.entries()) {
      const pair = pairs[i]!;
      const withdrawUntil = validFrom + this.#withdrawPeriodMs;
      await this.#store.query(
        `INSERT INTO ecash_denomination_keys (key_id, currency, value, spki, pkcs8, valid_from, withdraw_until, deposit_until)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          pair.keyId,
          currency,
          value,
          pair.spki,
          this.#wrap === undefined ? pair.pkcs8 : this.#wrap.wrap(this.#denominationLabel(pair.keyId), pair.pkcs8),
          new Date(validFrom),
          new Date(withdrawUntil),
          new Date(withdrawUntil + this.#depositGraceMs),
        ],
      );
      const [row] = await this.#store.query<KeyRow>('SELECT * FROM ecash_denomination_keys WHERE key_id = $1', [
        pair.keyId,
      ]);
      await this.#cacheKey(row!);
      created.push(pair.keyId);
    }
    return { created };
  }

  /**
   * Opens an account at the mint in `currency`, with a zero balance. `publicKey` is the raw Ed25519 key
   * (32 octets) that must sign the account's withdrawals, refunds and balance reads.
   *
   * @example
   * ```ts
   * import { generateEd25519 } from '@semper/payment-ecash';
   * const key = await generateEd25519();
   * await mint.openAccount('alice', 'EUR', key.publicKey);
   * ```
   */
  async openAccount(id: string, currency: string, publicKey: Uint8Array): Promise<void> {
    if (!/^[A-Za-z0-9._:@-]{1,128}$/.test(id))
      throw new EcashError('ERR_ECASH_INVALID_ARGUMENT', 'a malformed account id');
    if (publicKey.length !== ED25519_PUBLIC_BYTES) {
      throw new EcashError('ERR_ECASH_INVALID_ARGUMENT', 'an account key is a raw Ed25519 key of 32 octets');
    }
    if (!this.#denominations.some((d) => d.currency === currency)) {
      throw new EcashError('ERR_ECASH_INVALID_ARGUMENT', `the mint issues no ${currency}`);
    }
    const rows = await this.#store.query(
      `INSERT INTO ecash_accounts (id, currency, public_key, balance, created_at) VALUES ($1, $2, $3, 0, $4)
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [id, currency, new Uint8Array(publicKey), this.#clock.now()],
    );
    if (rows.length === 0) throw new EcashError('ERR_ECASH_ACCOUNT_EXISTS', `account '${id}' exists`);
  }

  /**
   * Credits an account (money paid in to the mint from outside, e.g. a bank transfer): the operator's
   * operation, not a wire request. Returns the new balance.
   *
   * @example
   * ```ts
   * import { Money } from '@semper/core';
   * await mint.creditAccount('alice', Money.of(10_000n, 'EUR'));
   * ```
   */
  async creditAccount(id: string, amount: Money): Promise<Money> {
    if (!amount.isPositive()) throw new EcashError('ERR_ECASH_INVALID_ARGUMENT', 'a credit is positive');
    const [row] = await this.#store.query<{ balance: bigint }>(
      'UPDATE ecash_accounts SET balance = balance + $2 WHERE id = $1 AND currency = $3 RETURNING balance',
      [id, amount.amount, amount.currency],
    );
    if (!row) throw new EcashError('ERR_ECASH_UNKNOWN_ACCOUNT', `no ${amount.currency} account '${id}'`);
    return Money.of(row.balance, amount.currency);
  }

  /**
   * An account's balance (the operator's view; over the wire, `balance` is signed by the account key).
   *
   * @example
   * ```ts
   * (await mint.accountBalance('shop')).toString(); // '12.50 EUR'
   * ```
   */
  async accountBalance(id: string): Promise<Money> {
    const [row] = await this.#store.query<{ balance: bigint; currency: string }>(
      'SELECT balance, currency FROM ecash_accounts WHERE id = $1',
      [id],
    );
    if (!row) throw new EcashError('ERR_ECASH_UNKNOWN_ACCOUNT', `no account '${id}'`);
    return Money.of(row.balance, row.currency);
  }

  /**
   * Answers one request, encoded: the bytes are size-checked and parsed (`MintRequestSchema`), the request
   * is handled, and an {@link EcashError} becomes an `error` response with its code. Other faults (the
   * database is down) are thrown, so that a transport retries rather than acknowledging.
   *
   * @example
   * ```ts
   * const response = await mint.handle(new TextEncoder().encode('{"type":"keys"}'));
   * ```
   */
  async handle(bytes: Uint8Array): Promise<Uint8Array> {
    let response: MintResponse;
    try {
      response = await this.handleRequest(parseMessage(MintRequestSchema, bytes, 'mint request'));
    } catch (err) {
      if (!(err instanceof EcashError)) throw err;
      response = { type: 'error', code: err.code, message: err.message.slice(0, 500) };
    }
    return encodeMessage(response);
  }

  /**
   * Answers one parsed request.
   *
   * @example
   * ```ts
   * const keys = await mint.handleRequest({ type: 'keys' });
   * ```
   */
  async handleRequest(request: MintRequest): Promise<MintResponse> {
    switch (request.type) {
      case 'keys':
        return this.#keysResponse();
      case 'withdraw':
        return this.#withdraw(request);
      case 'spend':
        return this.#spend(request);
      case 'spend-status':
        return this.#spendStatus(request);
      case 'refund':
        return this.#refund(request);
      case 'balance':
        return this.#balance(request);
    }
  }

  #keysResponse(): MintResponseOf<'keys'> {
    const now = this.#clock.now().getTime();
    const keys = [...this.#keys.values()]
      .filter((k) => k.depositUntil > now)
      .sort((a, b) => a.validFrom - b.validFrom)
      .map((k) => k.info);
    return { type: 'keys', mint: this.id, masterPublicKey: toBase64Url(this.masterPublicKey), keys };
  }

  async #account(tx: Queryable, id: string): Promise<{ currency: string; public_key: Uint8Array; balance: bigint }> {
    const [row] = await tx.query<{ currency: string; public_key: Uint8Array; balance: bigint }>(
      'SELECT currency, public_key, balance FROM ecash_accounts WHERE id = $1',
      [id],
    );
    if (!row) throw new EcashError('ERR_ECASH_UNKNOWN_ACCOUNT', `no account '${id}'`);
    return row;
  }

  async #authorize(account: string, at: string, signature: string, digest: Uint8Array) {
    const row = await this.#account(this.#store, account);
    const skew = Math.abs(Date.parse(at) - this.#clock.now().getTime());
    if (skew > this.#maxSkewMs)
      throw new EcashError('ERR_ECASH_UNAUTHORIZED', 'the request time is out of the allowed window');
    if (!(await verifyEd25519(row.public_key, bytesOf(signature), digest))) {
      throw new EcashError('ERR_ECASH_UNAUTHORIZED', `the request is not signed by the key of account '${account}'`);
    }
    return row;
  }

  /** The keys of planchets to be signed now, checked: known, in the currency, inside their withdraw window. */
  async #withdrawKeys(planchets: readonly { keyId: string }[], currency: string): Promise<LoadedKey[]> {
    const now = this.#clock.now().getTime();
    const keys: LoadedKey[] = [];
    for (const p of planchets) {
      const key = await this.#key(p.keyId);
      if (!key || key.info.currency !== currency) {
        throw new EcashError('ERR_ECASH_UNKNOWN_DENOMINATION', `no ${currency} denomination key ${p.keyId}`);
      }
      if (now < key.validFrom || now >= key.withdrawUntil) {
        throw new EcashError('ERR_ECASH_DENOMINATION_EXPIRED', `denomination key ${p.keyId} does not sign now`);
      }
      keys.push(key);
    }
    return keys;
  }

  async #withdraw(r: MintRequestOf<'withdraw'>): Promise<MintResponseOf<'withdraw'>> {
    const account = await this.#authorize(r.account, r.at, r.signature, await withdrawDigest(r));
    // Idempotency is on the content (the planchets), not on the signed time: a wallet that sends its
    // request again after a crash signs it anew.
    const digest = await contentDigest('withdraw', r.account, r.requestId, r.planchets);
    const replay = await this.#withdrawReplay(r, digest);
    if (replay) return replay;
    const keys = await this.#withdrawKeys(r.planchets, account.currency);
    const total = keys.reduce((n, k) => n + k.value, 0n);
    const signatures = r.planchets.map((p, i) => keys[i]!.signer.blindSign(bytesOf(p.blindedMsg)));
    const outcome = await rollbackValue<MintResponseOf<'withdraw'>, 'replay'>(
      this.#store.transaction(async (tx) => {
        const [debited] = await tx.query(
          'UPDATE ecash_accounts SET balance = balance - $2 WHERE id = $1 AND balance >= $2 RETURNING balance',
          [r.account, total],
        );
        if (!debited) {
          const { balance } = await this.#account(tx, r.account);
          return {
            type: 'withdraw',
            status: 'insufficient-funds',
            requestId: r.requestId,
            balance: balance.toString(),
            needed: total.toString(),
          } as const;
        }
        const inserted = await tx.query(
          `INSERT INTO ecash_withdrawals (account, request_id, digest, total, at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT DO NOTHING RETURNING request_id`,
          [r.account, r.requestId, digest, total, this.#clock.now()],
        );
        if (inserted.length === 0) throw new Rollback('replay' as const); // the same request, committed meanwhile
        for (const [i, p] of r.planchets.entries()) {
          await tx.query(
            `INSERT INTO ecash_withdrawal_items (account, request_id, idx, key_id, blinded_msg, blind_sig)
             VALUES ($1, $2, $3, $4, $5, $6)`,
            [r.account, r.requestId, i, p.keyId, bytesOf(p.blindedMsg), signatures[i]],
          );
        }
        return {
          type: 'withdraw',
          status: 'signed',
          requestId: r.requestId,
          blindSignatures: signatures.map(toBase64Url),
        } as const;
      }),
    );
    if (outcome === 'replay') {
      const again = await this.#withdrawReplay(r, digest);
      if (!again) throw new EcashError('ERR_ECASH_CORRUPT_RECORD', 'a withdrawal vanished');
      return again;
    }
    return outcome;
  }

  /** The stored answer to a withdrawal request seen before, if any; a different request under its id is refused. */
  async #withdrawReplay(
    r: MintRequestOf<'withdraw'>,
    digest: Uint8Array,
  ): Promise<MintResponseOf<'withdraw'> | undefined> {
    const [seen] = await this.#store.query<{ digest: Uint8Array }>(
      'SELECT digest FROM ecash_withdrawals WHERE account = $1 AND request_id = $2',
      [r.account, r.requestId],
    );
    if (!seen) return undefined;
    if (!bytesEqual(seen.digest, digest)) {
      throw new EcashError('ERR_ECASH_IDEMPOTENCY_CONFLICT', `withdrawal '${r.requestId}' was a different request`);
    }
    const items = await this.#store.query<{ blind_sig: Uint8Array }>(
      'SELECT blind_sig FROM ecash_withdrawal_items WHERE account = $1 AND request_id = $2 ORDER BY idx',
      [r.account, r.requestId],
    );
    return {
      type: 'withdraw',
      status: 'signed',
      requestId: r.requestId,
      blindSignatures: items.map((i) => toBase64Url(i.blind_sig)),
    };
  }

  async #spend(r: MintRequestOf<'spend'>): Promise<MintResponseOf<'spend'>> {
    const digest = await spendDigest(r);
    const seen = await this.#storedSpend(digest);
    if (seen) return seen;
    const now = this.#clock.now().getTime();
    const rejected = (reason: SpendRejectionReason, coins: readonly string[]): MintResponseOf<'spend'> => ({
      type: 'spend',
      status: 'rejected',
      reason,
      coins: [...coins],
    });
    if (new Set(r.coins.map((c) => c.coinPub)).size !== r.coins.length) {
      throw new EcashError('ERR_ECASH_MALFORMED_MESSAGE', 'a coin appears twice in one spend');
    }
    // The currency: the credit's, else the first coin's.
    const firstKey = await this.#key(r.coins[0]!.keyId);
    const currency = r.credit?.currency ?? firstKey?.info.currency;
    let value = 0n;
    for (const c of r.coins) {
      const key = await this.#key(c.keyId);
      if (!key) return rejected('unknown-denomination', [c.coinPub]);
      if (key.info.currency !== currency) return rejected('currency-mismatch', [c.coinPub]);
      if (now < key.validFrom || now >= key.depositUntil) return rejected('coin-expired', [c.coinPub]);
      const coin = {
        keyId: c.keyId,
        coinPub: bytesOf(c.coinPub),
        prefix: bytesOf(c.prefix),
        signature: bytesOf(c.signature),
      };
      if (!(await verifyCoinSignature(key.publicKey, coin))) return rejected('invalid-coin', [c.coinPub]);
      if (!(await verifyEd25519(coin.coinPub, bytesOf(c.spendSignature), digest))) {
        return rejected('invalid-coin', [c.coinPub]);
      }
      value += key.value;
    }
    const changeKeys = await this.#withdrawKeys(r.change, currency!);
    const credited = r.credit ? BigInt(r.credit.amount) : 0n;
    const changeValue = changeKeys.reduce((n, k) => n + k.value, 0n);
    if (value !== credited + changeValue) return rejected('value-mismatch', []);
    if (r.credit) {
      const payee = await this.#account(this.#store, r.credit.account);
      if (payee.currency !== r.credit.currency)
        throw new EcashError(
          'ERR_ECASH_UNKNOWN_ACCOUNT',
          `account '${r.credit.account}' is not in ${r.credit.currency}`,
        );
    }
    const changeSignatures = r.change.map((p, i) =>
      toBase64Url(changeKeys[i]!.signer.blindSign(bytesOf(p.blindedMsg))),
    );
    const response: SpendAcceptedJSON = {
      type: 'spend',
      status: 'accepted',
      spendDigest: toBase64Url(digest),
      credited: r.credit,
      changeSignatures,
      at: this.#clock.now().toISOString(),
    };
    const outcome = await rollbackValue<MintResponseOf<'spend'>, MintResponseOf<'spend'> | 'replay'>(
      this.#store.transaction(async (tx) => {
        const inserted = await tx.query(
          `INSERT INTO ecash_spends (digest, credit_account, credit_amount, currency, response, at)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING digest`,
          [digest, r.credit?.account ?? null, credited, currency, response, new Date(response.at)],
        );
        if (inserted.length === 0) throw new Rollback('replay' as const);
        const doubles: string[] = [];
        // In one order for every spend (by coin key), so that two spends sharing coins wait for each other
        // instead of deadlocking.
        const ordered = [...r.coins].sort((a, b) => (a.coinPub < b.coinPub ? -1 : a.coinPub > b.coinPub ? 1 : 0));
        for (const c of ordered) {
          // The spent-coin list's primary key decides: a coin spent by a committed (or committing) spend
          // conflicts here; on a server the insert waits for a concurrent spend of the coin to finish.
          const rows = await tx.query(
            `INSERT INTO ecash_spent_coins (coin_pub, key_id, spend_digest, spend_sig, at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (coin_pub) DO NOTHING RETURNING coin_pub`,
            [bytesOf(c.coinPub), c.keyId, digest, bytesOf(c.spendSignature), new Date(response.at)],
          );
          if (rows.length === 0) doubles.push(c.coinPub);
        }
        if (doubles.length > 0) throw new Rollback(rejected('double-spent', doubles));
        if (r.credit) {
          await tx.query('UPDATE ecash_accounts SET balance = balance + $2 WHERE id = $1', [
            r.credit.account,
            credited,
          ]);
        }
        return response;
      }),
    );
    if (outcome === 'replay') {
      const again = await this.#storedSpend(digest);
      if (!again) throw new EcashError('ERR_ECASH_CORRUPT_RECORD', 'a spend vanished');
      return again;
    }
    return outcome;
  }

  async #storedSpend(digest: Uint8Array): Promise<SpendAcceptedJSON | undefined> {
    const [row] = await this.#store.query<{ response: SpendAcceptedJSON }>(
      'SELECT response FROM ecash_spends WHERE digest = $1',
      [digest],
    );
    return row?.response;
  }

  async #spendStatus(r: MintRequestOf<'spend-status'>): Promise<MintResponseOf<'spend-status'>> {
    const response = await this.#storedSpend(bytesOf(r.spendDigest));
    return response
      ? { type: 'spend-status', status: 'accepted', response }
      : { type: 'spend-status', status: 'unknown' };
  }

  async #refund(r: MintRequestOf<'refund'>): Promise<MintResponseOf<'refund'>> {
    const account = await this.#authorize(r.account, r.at, r.signature, await refundDigest(r));
    const digest = await contentDigest('refund', r.account, r.refundId, r.planchets, {
      spendDigest: r.spendDigest,
      amount: r.amount,
      currency: r.currency,
    });
    const rejected = (reason: 'exceeds-deposit' | 'insufficient-funds' | 'value-mismatch' | 'unknown-spend') =>
      ({ type: 'refund', status: 'rejected', refundId: r.refundId, reason }) as const;
    const replay = async () => {
      const [seen] = await this.#store.query<{ digest: Uint8Array; response: MintResponseOf<'refund'> }>(
        'SELECT digest, response FROM ecash_refunds WHERE account = $1 AND refund_id = $2',
        [r.account, r.refundId],
      );
      if (seen && !bytesEqual(seen.digest, digest)) {
        throw new EcashError('ERR_ECASH_IDEMPOTENCY_CONFLICT', `refund '${r.refundId}' was a different request`);
      }
      return seen?.response;
    };
    const seen = await replay();
    if (seen) return seen;
    const spendDigestBytes = bytesOf(r.spendDigest);
    const [spend] = await this.#store.query<{ credit_account: string | null }>(
      'SELECT credit_account FROM ecash_spends WHERE digest = $1',
      [spendDigestBytes],
    );
    if (!spend || spend.credit_account !== r.account) return rejected('unknown-spend');
    if (r.currency !== account.currency) return rejected('value-mismatch');
    const keys = await this.#withdrawKeys(r.planchets, account.currency);
    const amount = BigInt(r.amount);
    if (amount <= 0n || keys.reduce((n, k) => n + k.value, 0n) !== amount) return rejected('value-mismatch');
    const signatures = r.planchets.map((p, i) => toBase64Url(keys[i]!.signer.blindSign(bytesOf(p.blindedMsg))));
    const response = { type: 'refund', status: 'refunded', refundId: r.refundId, blindSignatures: signatures } as const;
    const outcome = await rollbackValue<MintResponseOf<'refund'>, MintResponseOf<'refund'> | 'replay'>(
      this.#store.transaction(async (tx) => {
        const inserted = await tx.query(
          `INSERT INTO ecash_refunds (account, refund_id, digest, spend_digest, amount, response, at)
           VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING refund_id`,
          [r.account, r.refundId, digest, spendDigestBytes, amount, response, this.#clock.now()],
        );
        if (inserted.length === 0) throw new Rollback('replay' as const);
        const bounded = await tx.query(
          'UPDATE ecash_spends SET refunded = refunded + $2 WHERE digest = $1 AND refunded + $2 <= credit_amount RETURNING digest',
          [spendDigestBytes, amount],
        );
        if (bounded.length === 0) throw new Rollback(rejected('exceeds-deposit'));
        const debited = await tx.query(
          'UPDATE ecash_accounts SET balance = balance - $2 WHERE id = $1 AND balance >= $2 RETURNING id',
          [r.account, amount],
        );
        if (debited.length === 0) throw new Rollback(rejected('insufficient-funds'));
        return response;
      }),
    );
    if (outcome === 'replay') {
      const again = await replay();
      if (!again) throw new EcashError('ERR_ECASH_CORRUPT_RECORD', 'a refund vanished');
      return again;
    }
    return outcome;
  }

  async #balance(r: MintRequestOf<'balance'>): Promise<MintResponseOf<'balance'>> {
    const row = await this.#authorize(r.account, r.at, r.signature, await balanceDigest(r));
    return { type: 'balance', account: r.account, amount: row.balance.toString(), currency: row.currency };
  }
}
