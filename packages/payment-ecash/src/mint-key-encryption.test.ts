// The mint's private keys at rest: with a key passphrase, the master key and every denomination key are
// AES-256-GCM wrapped (scrypt key-encryption key); nothing in the database parses as a private key; the mint
// signs after a restart with the passphrase, refuses to open without it or with another, and encrypts the
// keys of a mint that had them in the clear.
import { createPrivateKey } from 'node:crypto';
import { openStore, type Store } from '@semper/store';
import { afterEach, describe, expect, it } from 'vitest';
import { eur, openTestMint, openTestWallet } from './ecash.test-util.js';
import { deriveKeyWrap, isWrappedKey, newKeyWrapSalt } from './key-wrap.js';

const stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

async function freshStore(): Promise<Store> {
  const s = await openStore('pglite:memory');
  stores.push(s);
  return s;
}

/** Every bytea value of the mint's key tables that parses as a PKCS #8 private key. */
async function plainPrivateKeys(store: Store): Promise<string[]> {
  const found: string[] = [];
  const rows = [
    ...(await store.query<{ id: string; k: Uint8Array }>(
      'SELECT key_id AS id, pkcs8 AS k FROM ecash_denomination_keys',
    )),
    ...(await store.query<{ id: string; k: Uint8Array }>('SELECT mint AS id, private_key AS k FROM ecash_mint_master')),
  ];
  for (const { id, k } of rows) {
    try {
      createPrivateKey({ key: Buffer.from(k), format: 'der', type: 'pkcs8' });
      found.push(id);
    } catch {
      // not a private key: good
    }
  }
  return found;
}

describe('mint keys encrypted at rest', () => {
  it('wraps every private key; signs after a restart with the passphrase; refuses without it or with another', async () => {
    const store = await freshStore();
    const a = await openTestMint({ store, keyPassphrase: 'correct horse battery staple' });
    expect(a.mint.keysEncrypted).toBe(true);
    const keys = await store.query<{ pkcs8: Uint8Array }>('SELECT pkcs8 FROM ecash_denomination_keys');
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((k) => isWrappedKey(k.pkcs8))).toBe(true);
    expect(await plainPrivateKeys(store)).toEqual([]);

    const b = await openTestMint({ store, clock: a.clock, keyPassphrase: 'correct horse battery staple' });
    const alice = await openTestWallet(b, 'alice', 500n, { mintMasterKey: a.mint.masterPublicKey });
    stores.push(alice.store);
    expect((await alice.wallet.withdraw(eur(250))).status).toBe('withdrawn'); // the unwrapped keys sign
    const before = await store.query('SELECT * FROM ecash_mint_master');
    await expect(openTestMint({ store, clock: a.clock })).rejects.toMatchObject({
      code: 'ERR_ECASH_INVALID_ARGUMENT',
      message: expect.stringMatching(/encrypted: open it with keyPassphrase/),
    });
    await expect(openTestMint({ store, clock: a.clock, keyPassphrase: 'wrong' })).rejects.toMatchObject({
      code: 'ERR_ECASH_KEY_DECRYPT',
    });
    expect(await store.query('SELECT * FROM ecash_mint_master')).toEqual(before); // nothing changed
    // A wrapped key copied onto another row does not unwrap there (its label is its key id).
    const [k1, k2] = await store.query<{ key_id: string; pkcs8: Uint8Array }>(
      'SELECT key_id, pkcs8 FROM ecash_denomination_keys ORDER BY key_id LIMIT 2',
    );
    await store.query('UPDATE ecash_denomination_keys SET pkcs8 = $2 WHERE key_id = $1', [k2?.key_id, k1?.pkcs8]);
    await expect(
      openTestMint({ store, clock: a.clock, keyPassphrase: 'correct horse battery staple' }),
    ).rejects.toMatchObject({
      code: 'ERR_ECASH_KEY_DECRYPT',
    });
  });

  it('encrypts in place the keys of a mint that kept them in the clear, and keeps its master key', async () => {
    const store = await freshStore();
    const clear = await openTestMint({ store });
    expect(clear.mint.keysEncrypted).toBe(false);
    expect((await plainPrivateKeys(store)).length).toBeGreaterThan(1);
    const enc = await openTestMint({ store, clock: clear.clock, keyPassphrase: 'now encrypted' });
    expect(enc.mint.keysEncrypted).toBe(true);
    expect(enc.mint.masterPublicKey).toEqual(clear.mint.masterPublicKey);
    expect(await plainPrivateKeys(store)).toEqual([]);
    const bob = await openTestWallet(enc, 'bob', 300n);
    stores.push(bob.store);
    expect((await bob.wallet.withdraw(eur(120))).status).toBe('withdrawn');
    await expect(openTestMint({ store, clock: clear.clock })).rejects.toMatchObject({
      code: 'ERR_ECASH_INVALID_ARGUMENT',
    });
  });

  it('key wrapping: bound to its label, tamper-evident, and a check value tells a wrong passphrase', async () => {
    const salt = newKeyWrapSalt();
    const kw = await deriveKeyWrap('pass', salt);
    const plain = new Uint8Array([0x30, 1, 2, 3, 4]);
    const w = kw.wrap('a', plain);
    expect(kw.unwrap('a', w)).toEqual(plain);
    expect(() => kw.unwrap('b', w)).toThrow(expect.objectContaining({ code: 'ERR_ECASH_KEY_DECRYPT' }));
    const flipped = new Uint8Array(w);
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] as number) ^ 1;
    expect(() => kw.unwrap('a', flipped)).toThrow(expect.objectContaining({ code: 'ERR_ECASH_KEY_DECRYPT' }));
    expect(() => kw.unwrap('a', plain)).toThrow(expect.objectContaining({ code: 'ERR_ECASH_KEY_DECRYPT' }));
    expect(kw.verify(kw.check)).toBe(true);
    expect((await deriveKeyWrap('other', salt)).verify(kw.check)).toBe(false);
    await expect(deriveKeyWrap('', salt)).rejects.toMatchObject({ code: 'ERR_ECASH_INVALID_ARGUMENT' });
    await expect(deriveKeyWrap('x', new Uint8Array(8))).rejects.toMatchObject({ code: 'ERR_ECASH_INVALID_ARGUMENT' });
  });
});
