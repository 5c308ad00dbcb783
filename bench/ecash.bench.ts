// `npm run bench` (ecash part): one coin's life — withdraw (planchet, blinding, the signed request, the
// mint's debit and blind signature, unblinding) + spend (the coin key signs the deposit) + deposit (the
// mint verifies and records the coin in the spent-coin list in the transaction that credits the payee) —
// through @semper/payment-ecash with PGlite stores, next to the raw cryptographic operations that coin
// needs, each measured alone in the same run. Two baselines:
// - "blind RSA": RFC 9474 blind + BlindSign + finalize + verify, all with @cloudflare/blindrsa-ts directly
//   (its BlindSign is pure-JS big-number code without CRT);
// - "coin primitives": what the coin really costs in semper: blindrsa-ts blind, finalize and verify, the
//   mint's BlindSign by OpenSSL (RSASP1 + the RSAVP1 check), Ed25519 (coin key generation and export, the
//   account's withdrawal signature and the coin's spend signature, each verified by the mint) and SHA-256.
// Writes bench/results/ecash.json.
import 'reflect-metadata';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Money } from '@semper/core';
import {
  BlindSigner,
  blindRsaSuite,
  EcashMint,
  EcashWallet,
  generateBlindRsaKeyPair,
  generateEd25519,
  localMintClient,
  signEd25519,
  verifyEd25519,
} from '@semper/payment-ecash';
import { openStore } from '@semper/store';
import { measure, median, round } from './measure.js';

const here = dirname(fileURLToPath(import.meta.url));
const minMs = Number(process.env.BENCH_MIN_MS ?? 5000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const subtle = globalThis.crypto.subtle;

/** The primitives one coin's withdraw + spend + deposit performs (counted from the code paths). */
export const ECASH_PRIMITIVE_COUNTS = {
  'ed25519 keygen + export (coin key)': 1,
  'rsabssa blind (blindrsa-ts)': 1,
  'rsa blind-sign (OpenSSL RSASP1 + RSAVP1 check)': 1,
  'rsabssa finalize (blindrsa-ts, verifies)': 1,
  'rsa-pss-sha384 verify (mint, at deposit)': 1,
  'ed25519 sign (account, coin)': 2,
  'ed25519 verify (mint)': 2,
  'sha256 (<= 1 KiB)': 4,
} as const;

export interface EcashBenchResult {
  coinsPerSec: number;
  coinUs: number;
  withdrawUs: number;
  spendDepositUs: number;
  blindRsaLibraryUs: number;
  coinPrimitivesUs: number;
  ratioToBlindRsaLibrary: number;
  ratioToCoinPrimitives: number;
  rawParts: Record<string, number>;
}

async function measureRaw(o: { minMs: number }) {
  const suite = blindRsaSuite();
  const pair = await generateBlindRsaKeyPair(2048);
  const signer = new BlindSigner(pair);
  const msg = suite.prepare(globalThis.crypto.getRandomValues(new Uint8Array(72)));
  const { blindedMsg, inv } = await suite.blind(pair.publicKey, msg);
  const blindSig = signer.blindSign(blindedMsg);
  const sig = await suite.finalize(pair.publicKey, msg, blindSig, inv);
  const ed = await generateEd25519();
  const data = globalThis.crypto.getRandomValues(new Uint8Array(32));
  const edSig = await signEd25519(ed.privateKey, data);
  const small = globalThis.crypto.getRandomValues(new Uint8Array(1024));
  const coinOps: Record<keyof typeof ECASH_PRIMITIVE_COUNTS, () => Promise<unknown>> = {
    'ed25519 keygen + export (coin key)': () => generateEd25519(),
    'rsabssa blind (blindrsa-ts)': () => suite.blind(pair.publicKey, msg),
    'rsa blind-sign (OpenSSL RSASP1 + RSAVP1 check)': async () => signer.blindSign(blindedMsg),
    'rsabssa finalize (blindrsa-ts, verifies)': () => suite.finalize(pair.publicKey, msg, blindSig, inv),
    'rsa-pss-sha384 verify (mint, at deposit)': () => suite.verify(pair.publicKey, sig, msg),
    'ed25519 sign (account, coin)': () => signEd25519(ed.privateKey, data),
    'ed25519 verify (mint)': () => verifyEd25519(ed.publicKey, edSig, data),
    'sha256 (<= 1 KiB)': () => subtle.digest('SHA-256', small),
  };
  const parts: Record<string, number> = {};
  for (const [name, op] of Object.entries(coinOps)) {
    const count = ECASH_PRIMITIVE_COUNTS[name as keyof typeof ECASH_PRIMITIVE_COUNTS];
    parts[name] = (await measure(op, { minMs: o.minMs, warmup: 3, minIterations: 5 })).meanUs * count;
  }
  // The library-only RFC 9474 round: blind + BlindSign + finalize + verify with @cloudflare/blindrsa-ts.
  const library = await measure(
    async () => {
      const prepared = suite.prepare(data);
      const b = await suite.blind(pair.publicKey, prepared);
      const s = await suite.blindSign(pair.privateKey, b.blindedMsg);
      const f = await suite.finalize(pair.publicKey, prepared, s, b.inv);
      if (!(await suite.verify(pair.publicKey, f, prepared))) throw new Error('blind RSA round failed');
    },
    { minMs: o.minMs * 2, warmup: 1, minIterations: 3 },
  );
  return { parts, libraryUs: library.meanUs };
}

export async function runEcashBench(): Promise<EcashBenchResult> {
  const [mintStore, walletStore] = await Promise.all([openStore('pglite:memory'), openStore('pglite:memory')]);
  // One denomination: every coin is withdrawn, spent and deposited alone.
  const mint = await EcashMint.open({
    id: 'mint.bench',
    store: mintStore,
    denominations: [{ currency: 'EUR', values: [100] }],
  });
  const client = localMintClient(mint);
  const aliceKey = await generateEd25519();
  await mint.openAccount('alice', 'EUR', aliceKey.publicKey);
  await mint.creditAccount('alice', Money.of(10n ** 15n, 'EUR'));
  await mint.openAccount('shop', 'EUR', (await generateEd25519()).publicKey);
  const wallet = await EcashWallet.open({
    store: walletStore,
    mint: client,
    currency: 'EUR',
    account: { id: 'alice', privateKey: aliceKey.privateKey },
  });
  const coin = Money.of(100n, 'EUR');
  let withdrawNs = 0n;
  let spendNs = 0n;
  let coins = 0;
  const life = async () => {
    const t0 = process.hrtime.bigint();
    const w = await wallet.withdraw(coin);
    if (w.status !== 'withdrawn' || w.coins !== 1) throw new Error('bench withdrawal failed');
    const t1 = process.hrtime.bigint();
    const paid = await wallet.pay(coin, { account: 'shop', reference: `bench-${coins}` });
    if (paid.status !== 'accepted') throw new Error('bench deposit refused');
    withdrawNs += t1 - t0;
    spendNs += process.hrtime.bigint() - t1;
    coins++;
  };
  await life(); // correctness first

  const semperUs: number[] = [];
  const libraryUs: number[] = [];
  const primitiveUs: number[] = [];
  let lastParts: Record<string, number> = {};
  for (let r = 0; r < rounds; r++) {
    semperUs.push(
      (await measure(life, { minMs: Math.ceil(minMs / rounds), warmup: r === 0 ? 3 : 1, minIterations: 5 })).meanUs,
    );
    const raw = await measureRaw({ minMs: Math.max(100, Math.ceil(minMs / rounds / 12)) });
    lastParts = raw.parts;
    primitiveUs.push(Object.values(raw.parts).reduce((a, b) => a + b, 0));
    libraryUs.push(raw.libraryUs);
  }
  const shopCredit = (await mint.accountBalance('shop')).amount;
  if (shopCredit !== BigInt(coins) * 100n) throw new Error(`the shop was credited ${shopCredit}, not ${coins} coins`);
  const semper = median(semperUs);
  const library = median(libraryUs);
  const primitives = median(primitiveUs);
  const share = Number(withdrawNs) / Number(withdrawNs + spendNs);
  const result: EcashBenchResult = {
    coinsPerSec: round(1e6 / semper, 2),
    coinUs: round(semper, 0),
    withdrawUs: round(semper * share, 0),
    spendDepositUs: round(semper * (1 - share), 0),
    blindRsaLibraryUs: round(library, 0),
    coinPrimitivesUs: round(primitives, 0),
    ratioToBlindRsaLibrary: round(semper / library, 2),
    ratioToCoinPrimitives: round(semper / primitives, 2),
    rawParts: Object.fromEntries(Object.entries(lastParts).map(([k, v]) => [k, round(v, 1)])),
  };
  console.log(
    `ecash withdraw+spend+deposit per coin: semper ${result.coinsPerSec}/s (${result.coinUs} µs: withdraw ${result.withdrawUs}, ` +
      `spend+deposit ${result.spendDepositUs}) | blind RSA with @cloudflare/blindrsa-ts alone ${result.blindRsaLibraryUs} µs -> ratio ` +
      `${result.ratioToBlindRsaLibrary}x | the coin's primitives (OpenSSL BlindSign) ${result.coinPrimitivesUs} µs -> ratio ` +
      `${result.ratioToCoinPrimitives}x (${coins} coins; RSA-2048, PGlite stores, in-process mint through the wire codec)`,
  );
  await Promise.all([walletStore.close(), mintStore.close()]);
  const out = join(here, 'results', 'ecash.json');
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${out}`);
  return result;
}

// Run alone: tsx --tsconfig tsconfig.base.json --conditions=@semper/source bench/ecash.bench.ts
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await runEcashBench();
