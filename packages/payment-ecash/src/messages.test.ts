// Untrusted input at the mint and at the wallet: every malformed message is a typed error (an `error`
// response from the mint), never a crash and never a half-applied change.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { signEd25519 } from './coin.js';
import { withdrawDigest } from './digests.js';
import { eur, openTestMint, openTestWallet, type TestMint } from './ecash.test-util.js';
import { fromBase64Url, toBase64Url } from './encoding.js';
import { EcashMessageError, MintRejectedError } from './errors.js';
import { callMint, localMintClient } from './mint.client.js';
import { encodeMessage, MAX_MINT_MESSAGE_BYTES, MintResponseSchema, parseMessage } from './messages.js';
import type { EcashWallet } from './wallet.js';

// Denomination keys from the test key cache (blind-rsa.test-util.ts): distinct pairs, not generated per mint.
vi.mock('./blind-rsa.js', async (importOriginal) =>
  (await import('./blind-rsa.test-util.js')).withCachedKeyGeneration(await importOriginal()),
);

let t: TestMint;
let alice: { wallet: EcashWallet; key: { privateKey: Uint8Array; publicKey: Uint8Array } };

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const ask = async (body: unknown) =>
  JSON.parse(
    text(
      await t.mint.handle(
        typeof body === 'string' ? new TextEncoder().encode(body) : encodeMessage(body as Record<string, unknown>),
      ),
    ),
  );

beforeAll(async () => {
  t = await openTestMint({ denominations: [{ currency: 'EUR', values: [1, 2, 5, 10] }] });
  alice = await openTestWallet(t, 'alice', 1_000n);
  await openTestWallet(t, 'shop', 0n);
}, 120_000);
afterAll(async () => {
  await alice?.wallet.store.close();
  await t?.close();
});

async function snapshotCounts() {
  const [row] = await t.store.query<Record<string, bigint>>(
    `SELECT (SELECT count(*) FROM ecash_withdrawals)::bigint AS w, (SELECT count(*) FROM ecash_spends)::bigint AS s,
            (SELECT count(*) FROM ecash_spent_coins)::bigint AS c, (SELECT sum(balance) FROM ecash_accounts)::bigint AS b`,
  );
  return row;
}

describe('malformed and unauthorized mint requests', () => {
  it('answers garbage, wrong shapes and bad encodings with typed error responses', async () => {
    expect(await ask('not json')).toMatchObject({ type: 'error', code: 'ERR_ECASH_MALFORMED_MESSAGE' });
    expect(await ask('{"type":"nope"}')).toMatchObject({ type: 'error', code: 'ERR_ECASH_MALFORMED_MESSAGE' });
    expect(await ask({ type: 'keys', extra: 1 })).toMatchObject({ type: 'error', code: 'ERR_ECASH_MALFORMED_MESSAGE' });
    expect(await ask({ type: 'spend-status', spendDigest: 'AAAA=' })).toMatchObject({
      code: 'ERR_ECASH_MALFORMED_MESSAGE',
    });
    expect(await ask({ type: 'spend-status', spendDigest: toBase64Url(new Uint8Array(31)) })).toMatchObject({
      code: 'ERR_ECASH_MALFORMED_MESSAGE',
    });
    const invalidUtf8 = new Uint8Array([0x7b, 0xff, 0x7d]);
    expect(JSON.parse(text(await t.mint.handle(invalidUtf8)))).toMatchObject({ code: 'ERR_ECASH_MALFORMED_MESSAGE' });
    const huge = new Uint8Array(MAX_MINT_MESSAGE_BYTES + 1).fill(0x20);
    expect(JSON.parse(text(await t.mint.handle(huge)))).toMatchObject({ code: 'ERR_ECASH_MESSAGE_TOO_LARGE' });
    // Error messages name fields, never echo values.
    const secret = toBase64Url(new Uint8Array(32).fill(7));
    const answer = await ask({
      type: 'withdraw',
      account: 'alice',
      requestId: 'r',
      at: 'x',
      planchets: [],
      signature: secret,
    });
    expect(JSON.stringify(answer)).not.toContain(secret);
  });

  it('refuses withdrawals not signed by the account key, stale ones, and unknown accounts; nothing is debited', async () => {
    const before = await snapshotCounts();
    const { keys } = await callMint(t.client, { type: 'keys' });
    const body = {
      type: 'withdraw' as const,
      account: 'alice',
      requestId: 'bad-sig',
      at: t.clock.now().toISOString(),
      planchets: [{ keyId: keys[0]!.keyId, blindedMsg: toBase64Url(new Uint8Array(256).fill(1)) }],
    };
    const good = toBase64Url(await signEd25519(alice.key.privateKey, await withdrawDigest(body)));
    const forged = toBase64Url(new Uint8Array(64).fill(9));
    expect(await ask({ ...body, signature: forged })).toMatchObject({ code: 'ERR_ECASH_UNAUTHORIZED' });
    // Signed, but another amount: the signature covers the planchets.
    expect(await ask({ ...body, planchets: [...body.planchets, body.planchets[0]], signature: good })).toMatchObject({
      code: 'ERR_ECASH_UNAUTHORIZED',
    });
    const stale = { ...body, at: new Date(t.clock.now().getTime() - 3_600_000).toISOString() };
    const staleSig = toBase64Url(await signEd25519(alice.key.privateKey, await withdrawDigest(stale)));
    expect(await ask({ ...stale, signature: staleSig })).toMatchObject({ code: 'ERR_ECASH_UNAUTHORIZED' });
    expect(await ask({ ...body, account: 'mallory', signature: good })).toMatchObject({
      code: 'ERR_ECASH_UNKNOWN_ACCOUNT',
    });
    expect(
      await ask({
        ...body,
        planchets: [{ ...body.planchets[0]!, keyId: toBase64Url(new Uint8Array(32)) }],
        signature: good,
      }),
    ).toMatchObject({
      code: 'ERR_ECASH_UNAUTHORIZED',
    });
    expect(await snapshotCounts()).toEqual(before);
  });

  it('refuses a payee redirect and a value mismatch in a spend, and a repeated withdrawal id with another request', async () => {
    await alice.wallet.withdraw(eur(20));
    const prepared = await alice.wallet.prepareSpend({
      spendId: 'redirect',
      amount: eur(3),
      payee: { account: 'shop', reference: 'r' },
    });
    const before = await snapshotCounts();
    // The payee (or anyone in the middle) changes the credit: the coins' signatures no longer verify.
    const redirected = { ...prepared.request, credit: { ...prepared.request.credit!, account: 'alice' } };
    expect(await t.client.request(redirected)).toMatchObject({
      type: 'spend',
      status: 'rejected',
      reason: 'invalid-coin',
    });
    const more = { ...prepared.request, credit: { ...prepared.request.credit!, amount: '4' } };
    expect(await t.client.request(more)).toMatchObject({ status: 'rejected' });
    expect(await snapshotCounts()).toEqual(before);
    expect(await t.client.request(prepared.request)).toMatchObject({ status: 'accepted' });
    // A withdrawal id used again for another request.
    const outcome = await alice.wallet.withdraw(eur(2));
    if (outcome.status !== 'withdrawn') throw new Error('withdraw failed');
    const again = await alice.wallet.withdraw(eur(5), { requestId: outcome.requestId }).catch((e) => e);
    expect(again).toBeInstanceOf(MintRejectedError);
    expect((again as MintRejectedError).remoteCode).toBe('ERR_ECASH_IDEMPOTENCY_CONFLICT');
  });

  it('never throws on arbitrary JSON: every answer is a schema-valid response (property, 300 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.json(),
          fc
            .record(
              { type: fc.constantFrom('keys', 'withdraw', 'spend', 'refund', 'balance', 'spend-status') },
              { requiredKeys: [] },
            )
            .map((o) => JSON.stringify(o)),
          fc
            .record({
              type: fc.constant('spend'),
              spendId: fc.string(),
              coins: fc.array(
                fc.record({
                  keyId: fc.string(),
                  coinPub: fc.string(),
                  prefix: fc.string(),
                  signature: fc.string(),
                  spendSignature: fc.string(),
                }),
              ),
              credit: fc.constant(null),
              change: fc.constant([]),
            })
            .map((o) => JSON.stringify(o)),
        ),
        async (json) => {
          const answer = await t.mint.handle(new TextEncoder().encode(json));
          const parsed = parseMessage(MintResponseSchema, answer, 'answer');
          expect(parsed.type === 'error' || parsed.type === 'keys').toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('makes a client refuse a mint response that does not parse (a typed error, not a crash)', async () => {
    const rogue = localMintClient({
      handle: async () => new TextEncoder().encode('{"type":"keys","mint":"x","keys":[{"keyId":1}]}'),
    });
    await expect(rogue.request({ type: 'keys' })).rejects.toBeInstanceOf(EcashMessageError);
    const liar = localMintClient({
      handle: async () => encodeMessage({ type: 'balance', account: 'a', amount: '1', currency: 'EUR' }),
    });
    await expect(callMint(liar, { type: 'keys' })).rejects.toMatchObject({ code: 'ERR_ECASH_MINT_PROTOCOL' });
    expect(fromBase64Url('+/8=')).toBeUndefined();
  });
});
