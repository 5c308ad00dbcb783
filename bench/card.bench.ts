// `npm run bench` (card part): one card payment — authorize (init, purchase request with dual signature
// and PI envelope, merchant check, gateway decrypt + checks + issuer hold, signed answers) plus capture —
// through @semper/payment-card with PGlite stores and a memory-transport channel, next to the sum of the
// raw WebCrypto operations that payment needs (its signatures, verifications and the PI envelope's
// encryption and decryption), each measured alone in the same run. Writes bench/results/card.json.
import 'reflect-metadata';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Channel, createMemoryTransport, MemoryBroker } from '@semper/comms';
import { Money, newId } from '@semper/core';
import { CardMerchant, Cardholder, createCardPki, PaymentGateway } from '@semper/payment-card';
import { openStore } from '@semper/store';
import { measure, median, round } from './measure.js';

const here = dirname(fileURLToPath(import.meta.url));
const minMs = Number(process.env.BENCH_MIN_MS ?? 5000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const subtle = globalThis.crypto.subtle;

/**
 * The WebCrypto operations one authorize + capture performs once warm — counted by wrapping
 * `crypto.subtle` around a payment (the first payment also verifies 3 certificates against the brand root
 * and imports 9 keys; the engine then keeps them):
 * - 7 ECDSA P-256 signatures: the merchant's init, the cardholder's dual signature, the merchant's
 *   authorization request, the gateway's answer, the merchant's answer to the cardholder, the capture
 *   request, the gateway's capture answer;
 * - 8 verifications: the init (cardholder), the dual signature (merchant, and again at the gateway), the
 *   authorization request (gateway), its answer (merchant), the purchase answer (cardholder), the capture
 *   request (gateway) and its answer (merchant);
 * - the PI envelope (AuthEnvelopedData, ECDH P-256 + X9.63 KDF + AES key wrap + AES-256-GCM): an ephemeral
 *   key and its export, two ECDH derivations, two KEK imports each side, wrap, unwrap, encrypt, decrypt;
 * - 28 SHA-256 digests (PIMD, OIMD, POMD, message digests, KDF, request digests) of at most ~1 KiB.
 */
export const CARD_PRIMITIVE_COUNTS = {
  'ecdsa-p256 sign': 7,
  'ecdsa-p256 verify': 8,
  'ecdh-p256 ephemeral keygen': 1,
  'export ephemeral public key': 1,
  'ecdh-p256 derive': 2,
  'import kek': 4,
  'aes-kw wrap': 1,
  'aes-kw unwrap': 1,
  'aes-256-gcm encrypt (PI)': 1,
  'aes-256-gcm decrypt (PI)': 1,
  'sha256 (<= 1 KiB)': 28,
} as const;

export interface CardBenchResult {
  paymentsPerSec: number;
  paymentUs: number;
  authorizeUs: number;
  captureUs: number;
  rawUs: number;
  ratioToRaw: number;
  rawParts: Record<string, number>;
}

async function measureRaw(o: { minMs: number }): Promise<Record<string, number>> {
  const data = globalThis.crypto.getRandomValues(new Uint8Array(1024));
  const attrs = globalThis.crypto.getRandomValues(new Uint8Array(110));
  const pi = globalThis.crypto.getRandomValues(new Uint8Array(260)); // a PI is ~260 bytes of JSON
  const signer = await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const signature = await subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, signer.privateKey, attrs);
  const recipient = await subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits']);
  const eph = await subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits']);
  const kekBytes = globalThis.crypto.getRandomValues(new Uint8Array(32));
  const kek = await subtle.importKey('raw', kekBytes, 'AES-KW', false, ['wrapKey', 'unwrapKey']);
  const cek = await subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt', 'decrypt']);
  const wrapped = await subtle.wrapKey('raw', cek, kek, 'AES-KW');
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = await subtle.encrypt({ name: 'AES-GCM', iv }, cek, pi);
  const ops: Record<keyof typeof CARD_PRIMITIVE_COUNTS, () => Promise<unknown>> = {
    'ecdsa-p256 sign': () => subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, signer.privateKey, attrs),
    'ecdsa-p256 verify': () => subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, signer.publicKey, signature, attrs),
    'ecdh-p256 ephemeral keygen': () => subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits']),
    'export ephemeral public key': () => subtle.exportKey('raw', eph.publicKey),
    'ecdh-p256 derive': () => subtle.deriveBits({ name: 'ECDH', public: recipient.publicKey }, eph.privateKey, 256),
    'import kek': () => subtle.importKey('raw', kekBytes, 'AES-KW', false, ['wrapKey', 'unwrapKey']),
    'aes-kw wrap': () => subtle.wrapKey('raw', cek, kek, 'AES-KW'),
    'aes-kw unwrap': () =>
      subtle.unwrapKey('raw', wrapped, kek, 'AES-KW', { name: 'AES-GCM', length: 256 }, false, ['decrypt']),
    'aes-256-gcm encrypt (PI)': () => subtle.encrypt({ name: 'AES-GCM', iv }, cek, pi),
    'aes-256-gcm decrypt (PI)': () => subtle.decrypt({ name: 'AES-GCM', iv }, cek, ciphertext),
    'sha256 (<= 1 KiB)': () => subtle.digest('SHA-256', data),
  };
  const parts: Record<string, number> = {};
  for (const [name, op] of Object.entries(ops)) {
    const count = CARD_PRIMITIVE_COUNTS[name as keyof typeof CARD_PRIMITIVE_COUNTS];
    parts[name] = (await measure(op, { minMs: o.minMs, warmup: 10 })).meanUs * count;
  }
  return parts;
}

export async function runCardBench(): Promise<CardBenchResult> {
  const pki = await createCardPki();
  const [gatewayId, merchantId, aliceId] = await Promise.all([
    pki.issue('gateway', 'CN=Bench Gateway'),
    pki.issue('merchant', 'CN=Bench Shop'),
    pki.issue('cardholder', 'CN=Bench Cardholder'),
  ]);
  const [gatewayStore, merchantStore] = await Promise.all([openStore('pglite:memory'), openStore('pglite:memory')]);
  const broker = new MemoryBroker();
  const gatewayTransport = createMemoryTransport({ broker, name: 'gateway' });
  const merchantTransport = createMemoryTransport({ broker, name: 'shop' });
  const gateway = await PaymentGateway.open({
    identity: gatewayId,
    store: gatewayStore,
    trust: { cardholders: pki.trust, merchants: pki.trust },
    merchants: [{ id: 'shop-1', certificate: merchantId.certificate }],
  });
  const gatewayChannel = new Channel(gatewayTransport);
  await gateway.serve(gatewayChannel);
  const merchantChannel = new Channel(merchantTransport);
  const merchant = await CardMerchant.open({
    identity: merchantId,
    merchantId: 'shop-1',
    store: merchantStore,
    channel: merchantChannel,
    gateway: { address: gatewayTransport.address, chain: gateway.chain },
    trust: { cardholders: pki.trust, gateway: pki.trust },
  });
  const card = await gateway.issuer.issueCard({
    currency: 'EUR',
    balance: Money.of(10n ** 15n, 'EUR'),
    holderCertificate: aliceId.certificate,
  });
  const alice = new Cardholder({ identity: aliceId, card, trust: { merchants: pki.trust, gateways: pki.trust } });
  const amount = Money.parse('12.50', 'EUR');
  let authorizeNs = 0n;
  let captureNs = 0n;
  let payments = 0;
  const pay = async () => {
    const t0 = process.hrtime.bigint();
    const transactionId = newId('tx');
    const init = await merchant.createInit({ transactionId, amount, description: 'bench' });
    const { request, pending } = await alice.createPurchaseRequest(init, { amount });
    const outcome = await merchant.handlePurchaseRequest(request);
    const answer = await alice.readPurchaseResponse(outcome.response, pending);
    const t1 = process.hrtime.bigint();
    if (outcome.status !== 'authorized' || answer.status !== 'authorized')
      throw new Error('bench payment not authorized');
    const captured = await merchant.capture(transactionId, amount, { final: true });
    if (captured.status !== 'captured') throw new Error('bench capture failed');
    authorizeNs += t1 - t0;
    captureNs += process.hrtime.bigint() - t1;
    payments++;
  };
  await pay(); // correctness first

  const semperUs: number[] = [];
  const rawUs: number[] = [];
  let lastParts: Record<string, number> = {};
  for (let r = 0; r < rounds; r++) {
    semperUs.push(
      (await measure(pay, { minMs: Math.ceil(minMs / rounds), warmup: r === 0 ? 10 : 2, minIterations: 10 })).meanUs,
    );
    lastParts = await measureRaw({ minMs: Math.max(100, Math.ceil(minMs / rounds / 12)) });
    const total = Object.values(lastParts).reduce((a, b) => a + b, 0);
    rawUs.push(total);
  }
  const semper = median(semperUs);
  const raw = median(rawUs);
  const share = Number(authorizeNs) / Number(authorizeNs + captureNs);
  const result: CardBenchResult = {
    paymentsPerSec: round(1e6 / semper, 1),
    paymentUs: round(semper, 0),
    authorizeUs: round(semper * share, 0),
    captureUs: round(semper * (1 - share), 0),
    rawUs: round(raw, 1),
    ratioToRaw: round(semper / raw, 2),
    rawParts: Object.fromEntries(Object.entries(lastParts).map(([k, v]) => [k, round(v, 1)])),
  };
  console.log(
    `card authorize+capture: semper ${result.paymentsPerSec}/s (${result.paymentUs} µs: authorize ${result.authorizeUs}, ` +
      `capture ${result.captureUs}) | raw crypto ${result.rawUs} µs -> ratio to raw ${result.ratioToRaw}x ` +
      `(${payments} payments; PGlite stores, memory transport)`,
  );
  await Promise.all([gatewayChannel.close(), merchantChannel.close()]);
  await Promise.all([gatewayTransport.close(), merchantTransport.close()]);
  await Promise.all([gatewayStore.close(), merchantStore.close()]);
  const out = join(here, 'results', 'card.json');
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${out}`);
  return result;
}

// Run alone: tsx --tsconfig tsconfig.base.json --conditions=@semper/source bench/card.bench.ts
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await runCardBench();
