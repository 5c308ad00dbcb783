// Test helpers: a mint on PGlite in memory, accounts with keys, wallets.
import { ManualClock, Money } from '@semper/core';
import { openStore, type Store } from '@semper/store';
import { generateEd25519 } from './coin.js';
import { localMintClient, type MintClient } from './mint.client.js';
import { EcashMint, type MintOptions } from './mint.server.js';
import { EcashWallet } from './wallet.js';

export const EUR_VALUES = [1, 2, 5, 10, 20, 50, 100] as const;

export interface TestMint {
  mint: EcashMint;
  store: Store;
  clock: ManualClock;
  client: MintClient;
  close(): Promise<void>;
}

export async function openTestMint(
  options: Partial<Omit<MintOptions, 'store'>> & { store?: Store } = {},
): Promise<TestMint> {
  const store = options.store ?? (await openStore('pglite:memory'));
  const clock = (options.clock as ManualClock | undefined) ?? new ManualClock('2030-01-01T00:00:00Z');
  const mint = await EcashMint.open({
    id: 'mint.test',
    denominations: [{ currency: 'EUR', values: [...EUR_VALUES] }],
    ...options,
    store,
    clock,
  });
  return { mint, store, clock, client: localMintClient(mint), close: () => store.close() };
}

/** Opens an account at the mint (funded with `funds` minor units) and a wallet on its own store. */
export async function openTestWallet(
  t: TestMint,
  id: string,
  funds: bigint,
  options: { store?: Store; client?: MintClient; name?: string; mintMasterKey?: Uint8Array } = {},
): Promise<{ wallet: EcashWallet; store: Store; key: { publicKey: Uint8Array; privateKey: Uint8Array } }> {
  const key = await generateEd25519();
  await t.mint.openAccount(id, 'EUR', key.publicKey);
  if (funds > 0n) await t.mint.creditAccount(id, Money.of(funds, 'EUR'));
  const store = options.store ?? (await openStore('pglite:memory'));
  const wallet = await EcashWallet.open({
    store,
    mint: options.client ?? t.client,
    currency: 'EUR',
    account: { id, privateKey: key.privateKey },
    clock: t.clock,
    ...(options.name ? { name: options.name } : {}),
    ...(options.mintMasterKey ? { mintMasterKey: options.mintMasterKey } : {}),
  });
  return { wallet, store, key };
}

/** Opens a payee account (no wallet) and returns its key. */
export async function openPayeeAccount(t: TestMint, id: string) {
  const key = await generateEd25519();
  await t.mint.openAccount(id, 'EUR', key.publicKey);
  return key;
}

export const eur = (minor: number | bigint): Money => Money.of(minor, 'EUR');
