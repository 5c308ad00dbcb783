// What the mint stores at each step, and that nothing it stores at withdrawal links to what it stores at
// deposit: the blinded message is not the coin, and the blind signature is not the coin's signature.
import type { Queryable } from '@semper/store';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { blindRsaSuite, importBlindRsaPublicKey } from './blind-rsa.js';
import { coinMessage, finalizeCoin, type Planchet, preparedCoinMessage } from './coin.js';
import { eur, openTestMint, openTestWallet, type TestMint } from './ecash.test-util.js';
import { sha256, toBase64Url } from './encoding.js';
import type { MintClient } from './mint.client.js';
import { bytesOf } from './messages.js';
import type { EcashWallet } from './wallet.js';

// Denomination keys from the test key cache (blind-rsa.test-util.ts): distinct pairs, not generated per mint.
vi.mock('./blind-rsa.js', async (importOriginal) =>
  (await import('./blind-rsa.test-util.js')).withCachedKeyGeneration(await importOriginal()),
);

type Dump = Record<string, Record<string, unknown>[]>;

const TABLES = [
  'ecash_accounts',
  'ecash_withdrawals',
  'ecash_withdrawal_items',
  'ecash_spends',
  'ecash_spent_coins',
  'ecash_refunds',
] as const;

/** Every row of every mint table (denomination keys apart: public, and the same for all coins). */
async function dumpMint(db: Queryable): Promise<Dump> {
  const dump: Dump = {};
  for (const table of TABLES) dump[table] = await db.query(`SELECT * FROM ${table}`);
  return dump;
}

const show = (v: unknown): string =>
  v instanceof Uint8Array
    ? `hex:${Buffer.from(v).toString('hex')}`
    : v instanceof Date
      ? `time:${v.toISOString()}`
      : typeof v === 'object' && v !== null
        ? `json:${JSON.stringify(v)}`
        : `${typeof v}:${String(v)}`;

/** Rows in `after` that are not in `before` (new or changed), per table. */
function added(before: Dump, after: Dump): Dump {
  const out: Dump = {};
  for (const table of TABLES) {
    const seen = new Set(before[table]!.map((r) => JSON.stringify(Object.values(r).map(show))));
    const rows = after[table]!.filter((r) => !seen.has(JSON.stringify(Object.values(r).map(show))));
    if (rows.length > 0) out[table] = rows;
  }
  return out;
}

/** Every field value of every row, as text (bytes as hex). */
function values(d: Dump): Set<string> {
  return new Set(Object.values(d).flatMap((rows) => rows.flatMap((r) => Object.values(r).map(show))));
}

/** The whole dump as one string, with bytes in hex and in base64url (how JSON columns hold them). */
function haystack(d: Dump): string {
  return Object.values(d)
    .flatMap((rows) =>
      rows.flatMap((r) =>
        Object.values(r).map((v) =>
          v instanceof Uint8Array ? `${Buffer.from(v).toString('hex')} ${toBase64Url(v)}` : show(v),
        ),
      ),
    )
    .join('\n');
}

function describeDump(d: Dump): string {
  return Object.entries(d)
    .map(([table, rows]) => `${table}: ${rows.length} row(s), columns ${Object.keys(rows[0] ?? {}).join(', ')}`)
    .join('\n');
}

let t: TestMint;
let alice: EcashWallet;
const planchetsSeen: Planchet[] = [];

beforeAll(async () => {
  t = await openTestMint();
  // A client that, at each withdrawal, copies the wallet's planchets (with their blinding inverses, which
  // never leave the wallet) for the negative control below.
  const spy: MintClient = {
    async request(request) {
      if (request.type === 'withdraw') {
        const rows = await alice.store.query<Record<string, Uint8Array & bigint & string>>(
          `SELECT * FROM ecash_wallet_planchets WHERE operation = $1 ORDER BY idx`,
          [`withdraw:${request.requestId}`],
        );
        for (const r of rows) {
          planchetsSeen.push({
            keyId: r.key_id,
            currency: r.currency,
            value: r.value,
            coinPub: r.coin_pub,
            coinPriv: r.coin_priv,
            prefix: r.prefix,
            blindedMsg: r.blinded_msg,
            inv: r.inv,
          });
        }
      }
      return t.client.request(request);
    },
  };
  alice = (await openTestWallet(t, 'alice', 10_000n, { client: spy })).wallet;
  await openTestWallet(t, 'shop', 0n);
}, 120_000);
afterAll(async () => {
  await alice?.store.close();
  await t?.close();
});

describe('the mint cannot link a withdrawal to a deposit', () => {
  it('stores, at withdrawal, nothing of the coins; at deposit, nothing of the withdrawal', async () => {
    const d0 = await dumpMint(t.store);

    const withdrawal = await alice.withdraw(eur(188));
    expect(withdrawal.status).toBe('withdrawn');
    const d1 = await dumpMint(t.store);
    const atWithdrawal = added(d0, d1);
    expect(Object.keys(atWithdrawal).sort()).toEqual(['ecash_accounts', 'ecash_withdrawal_items', 'ecash_withdrawals']);
    expect(Object.keys(atWithdrawal.ecash_withdrawal_items![0]!).sort()).toEqual(
      ['account', 'blind_sig', 'blinded_msg', 'idx', 'key_id', 'request_id'].sort(),
    );

    // Everything that identifies the coins, as the wallet holds them.
    const coins = await alice.coins('unspent');
    expect(coins.length).toBeGreaterThan(1);
    const coinSecrets: Uint8Array[] = [];
    for (const c of coins) {
      coinSecrets.push(
        c.coinPub,
        c.prefix,
        c.signature,
        c.coinPriv,
        coinMessage(c.keyId, c.coinPub),
        preparedCoinMessage(c.keyId, c.coinPub, c.prefix),
        await sha256(c.signature),
        await sha256(c.coinPub),
      );
    }
    const afterWithdrawal = haystack(d1);
    for (const secret of coinSecrets) {
      expect(afterWithdrawal).not.toContain(Buffer.from(secret).toString('hex'));
      expect(afterWithdrawal).not.toContain(toBase64Url(secret));
    }

    // Later, some coins are spent to the shop, with change (the time and the amount differ, as they would:
    // the mint sees amounts and times, which a wallet varies by spending and refreshing at other times).
    t.clock.advance(3_600_000);
    const paid = await alice.pay(eur(37), { account: 'shop', reference: 'order-1' });
    expect(paid.status).toBe('accepted');
    const d2 = await dumpMint(t.store);
    const atDeposit = added(d1, d2);
    expect(Object.keys(atDeposit).sort()).toEqual(['ecash_accounts', 'ecash_spends', 'ecash_spent_coins']);
    // The deposit shows the coins (that is how double spending is caught)…
    const depositText = haystack(atDeposit);
    const spentCoins = (await alice.coins('spent')).map((c) => Buffer.from(c.coinPub).toString('hex'));
    expect(spentCoins.length).toBeGreaterThan(0);
    for (const c of spentCoins) expect(depositText).toContain(c);

    // …but no value of the withdrawal's records reappears in the deposit's, except what every coin of a
    // denomination shares (the denomination key id) and the currency.
    const keyIds = new Set(coins.map((c) => `string:${c.keyId}`));
    const withdrawalValues = values({
      ecash_withdrawals: atWithdrawal.ecash_withdrawals!,
      ecash_withdrawal_items: atWithdrawal.ecash_withdrawal_items!,
    });
    const depositValues = values({
      ecash_spends: atDeposit.ecash_spends!,
      ecash_spent_coins: atDeposit.ecash_spent_coins!,
    });
    const common = [...withdrawalValues].filter((v) => depositValues.has(v));
    expect(common.filter((v) => !keyIds.has(v) && v !== 'string:EUR')).toEqual([]);
    // And no binary value of the withdrawal (blinded messages, blind signatures, digests) occurs anywhere in
    // the deposit's records, whole or base64url-encoded inside the JSON response.
    for (const row of [...atWithdrawal.ecash_withdrawals!, ...atWithdrawal.ecash_withdrawal_items!]) {
      for (const v of Object.values(row)) {
        if (!(v instanceof Uint8Array)) continue;
        expect(depositText).not.toContain(Buffer.from(v).toString('hex'));
        expect(depositText).not.toContain(toBase64Url(v));
      }
    }
    if (process.env.ECASH_SHOW_MINT_RECORDS) {
      console.log(`withdrawal:\n${describeDump(atWithdrawal)}\n\ndeposit:\n${describeDump(atDeposit)}`);
    }
  });

  it('links only with the blinding inverse, which never leaves the wallet (negative control)', async () => {
    // With the wallet's secret inverse, the mint's stored blind signature does unblind to the coin's
    // signature: the test above would have caught a mint that stored it, or any value derived from it.
    expect(planchetsSeen.length).toBeGreaterThan(1);
    const items = await t.store.query<{ blinded_msg: Uint8Array; blind_sig: Uint8Array; key_id: string }>(
      'SELECT blinded_msg, blind_sig, key_id FROM ecash_withdrawal_items',
    );
    const [keys] = await t.store.query<{ spki: Uint8Array }>(
      'SELECT spki FROM ecash_denomination_keys WHERE key_id = $1',
      [planchetsSeen[0]!.keyId],
    );
    const p = planchetsSeen[0]!;
    const item = items.find((i) => Buffer.from(i.blinded_msg).equals(Buffer.from(p.blindedMsg)))!;
    const coin = await finalizeCoin(p, await importBlindRsaPublicKey(keys!.spki), item.blind_sig);
    const held = (await alice.coins()).find((c) => Buffer.from(c.coinPub).equals(Buffer.from(coin.coinPub)));
    expect(held && Buffer.from(held.signature).equals(Buffer.from(coin.signature))).toBe(true);
    expect(
      await blindRsaSuite().verify(
        await importBlindRsaPublicKey(keys!.spki),
        coin.signature,
        preparedCoinMessage(coin.keyId, coin.coinPub, coin.prefix),
      ),
    ).toBe(true);
    // Without it, a blinded message is uniformly random modulo n: unblinding with another planchet's
    // inverse does not give a valid signature.
    const other = planchetsSeen.find((q) => q.keyId === p.keyId && q !== p);
    if (other) {
      await expect(
        finalizeCoin({ ...p, inv: other.inv }, await importBlindRsaPublicKey(keys!.spki), item.blind_sig),
      ).rejects.toMatchObject({
        code: 'ERR_ECASH_MINT_PROTOCOL',
      });
    }
    expect(bytesOf(toBase64Url(p.blindedMsg))).toEqual(p.blindedMsg);
  });
});
