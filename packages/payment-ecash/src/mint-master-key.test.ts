// The mint's master key signs every denomination key; a wallet pins the master public key (given by the
// operator, or the first one it sees) and takes no key the master did not sign: a man in the middle cannot
// hand it keys of its own, or one key per wallet to link its coins.
import { openStore } from '@semper/store';
import { afterEach, describe, expect, it } from 'vitest';
import { generateEd25519, signEd25519, verifyEd25519 } from './coin.js';
import { denominationKeyDigest } from './digests.js';
import { fromBase64Url, toBase64Url } from './encoding.js';
import { eur, openTestMint, openTestWallet, type TestMint } from './ecash.test-util.js';
import { callMint, type MintClient } from './mint.client.js';
import type { MintResponse } from './messages.js';

const opened: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const o of opened.splice(0)) await o.close();
});

async function mint(options: Parameters<typeof openTestMint>[0] = {}): Promise<TestMint> {
  const t = await openTestMint(options);
  opened.push(t);
  return t;
}

/** A client between the wallet and the mint that rewrites the key list. */
function intercepting(
  t: TestMint,
  rewrite: (r: Extract<MintResponse, { type: 'keys' }>) => Promise<MintResponse>,
): MintClient {
  return {
    async request(request) {
      const response = await t.client.request(request);
      return response.type === 'keys' ? rewrite(response) : response;
    },
  };
}

describe('the mint master key', () => {
  it('signs every denomination key over the mint id and all the key fields', async () => {
    const t = await mint();
    const { keys, mint: id, masterPublicKey } = await callMint(t.client, { type: 'keys' });
    expect(fromBase64Url(masterPublicKey)).toEqual(t.mint.masterPublicKey);
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) {
      const sig = fromBase64Url(k.masterSignature) as Uint8Array;
      expect(await verifyEd25519(t.mint.masterPublicKey, sig, await denominationKeyDigest(id, k))).toBe(true);
      // Another mint id, or any other field, is another digest.
      expect(await verifyEd25519(t.mint.masterPublicKey, sig, await denominationKeyDigest('other', k))).toBe(false);
      const later = { ...k, depositUntil: '2099-01-01T00:00:00.000Z' };
      expect(await verifyEd25519(t.mint.masterPublicKey, sig, await denominationKeyDigest(id, later))).toBe(false);
    }
  });

  it('a wallet pinned to the mint withdraws; pinned to another key it refuses the keys and nothing is debited', async () => {
    const t = await mint();
    const good = await openTestWallet(t, 'alice', 1000n, { mintMasterKey: t.mint.masterPublicKey });
    opened.push(good.store);
    expect((await good.wallet.withdraw(eur(300))).status).toBe('withdrawn');
    const other = await generateEd25519();
    const wrong = await openTestWallet(t, 'bob', 1000n, { mintMasterKey: other.publicKey });
    opened.push(wrong.store);
    await expect(wrong.wallet.withdraw(eur(300))).rejects.toMatchObject({ code: 'ERR_ECASH_MINT_KEY_MISMATCH' });
    expect((await t.mint.accountBalance('bob')).toString()).toBe('10.00 EUR');
  });

  it('without a pin: the first master key seen is pinned; a substituted key list or key is refused', async () => {
    const t = await mint();
    const attacker = await generateEd25519();
    // The attacker re-signs the mint's keys with its own master key and offers its public key.
    const resigned = intercepting(t, async (r) => ({
      ...r,
      masterPublicKey: toBase64Url(attacker.publicKey),
      keys: await Promise.all(
        r.keys.map(async (k) => ({
          ...k,
          masterSignature: toBase64Url(await signEd25519(attacker.privateKey, await denominationKeyDigest(r.mint, k))),
        })),
      ),
    }));
    // Or keeps the mint's master key but swaps one key's validity (as for a tagging key).
    const swapped = intercepting(t, async (r) => ({
      ...r,
      keys: r.keys.map((k, i) => (i === 0 ? { ...k, withdrawUntil: '2099-01-01T00:00:00.000Z' } : k)),
    }));
    const store = await openStore('pglite:memory');
    opened.push(store);
    const first = await openTestWallet(t, 'carol', 1000n, { store });
    expect((await first.wallet.denominations()).length).toBeGreaterThan(0); // pins the mint's key
    const pinned = await store.query<{ master_key: Uint8Array }>('SELECT master_key FROM ecash_wallet_mints');
    expect(pinned.map((r) => new Uint8Array(r.master_key))).toEqual([t.mint.masterPublicKey]);
    const viaAttacker = await openTestWallet(t, 'carol-2', 1000n, { store, client: resigned });
    await expect(viaAttacker.wallet.withdraw(eur(100))).rejects.toMatchObject({ code: 'ERR_ECASH_MINT_KEY_MISMATCH' });
    const viaSwap = await openTestWallet(t, 'carol-3', 1000n, { store, client: swapped });
    await expect(viaSwap.wallet.withdraw(eur(100))).rejects.toMatchObject({
      code: 'ERR_ECASH_MINT_PROTOCOL',
      message: expect.stringMatching(/not signed by its master key/),
    });
    // A fresh wallet that first meets the attacker pins the attacker: why the operator's key should be given.
    const naive = await openTestWallet(t, 'dave', 1000n, { client: resigned });
    opened.push(naive.store);
    expect((await naive.wallet.denominations()).length).toBeGreaterThan(0);
    const honest = await openTestWallet(t, 'dave-2', 1000n, { store: naive.store, name: 'default' });
    await expect(honest.wallet.denominations(true)).rejects.toMatchObject({ code: 'ERR_ECASH_MINT_KEY_MISMATCH' });
    for (const id of ['carol-2', 'carol-3']) expect((await t.mint.accountBalance(id)).toString()).toBe('10.00 EUR');
  });

  it('is kept across restarts; an operator-held master key stays out of the store', async () => {
    const store = await openStore('pglite:memory');
    opened.push(store);
    const a = await openTestMint({ store });
    const again = await openTestMint({ store, clock: a.clock });
    expect(again.mint.masterPublicKey).toEqual(a.mint.masterPublicKey);
    const other = await generateEd25519();
    await expect(openTestMint({ store, masterKey: other.privateKey })).rejects.toMatchObject({
      code: 'ERR_ECASH_INVALID_ARGUMENT',
      message: expect.stringMatching(/another master key/),
    });
    await expect(openTestMint({ masterKey: new Uint8Array(48) })).rejects.toMatchObject({
      code: 'ERR_ECASH_INVALID_ARGUMENT',
    });

    const held = await generateEd25519();
    const store2 = await openStore('pglite:memory');
    opened.push(store2);
    const b = await openTestMint({ store: store2, masterKey: held.privateKey, id: 'mint.offline' });
    expect(b.mint.masterPublicKey).toEqual(held.publicKey);
    const [row] = await store2.query<{ private_key: Uint8Array }>('SELECT private_key FROM ecash_mint_master');
    expect(row?.private_key.length).toBe(0);
    await expect(openTestMint({ store: store2, id: 'mint.offline' })).rejects.toMatchObject({
      code: 'ERR_ECASH_INVALID_ARGUMENT',
      message: expect.stringMatching(/outside the store/),
    });
    const reopened = await openTestMint({ store: store2, masterKey: held.privateKey, id: 'mint.offline' });
    const { keys, masterPublicKey } = await callMint(reopened.client, { type: 'keys' });
    expect(masterPublicKey).toBe(toBase64Url(held.publicKey));
    expect(keys.length).toBeGreaterThan(0);
  });
});
