import { describe, expect, it } from 'vitest';
import { BlindSigner, blindRsaSuite, generateBlindRsaKeyPair, importBlindRsaKeyPair, keyIdOf } from './blind-rsa.js';
import { coinMessage, createPlanchet, finalizeCoin, verifyCoinSignature } from './coin.js';

describe('RSA blind signatures (RFC 9474, RSABSSA-SHA384-PSS-Randomized)', () => {
  it('round-trips: prepare, blind, BlindSign, finalize, verify; and the signer equals @cloudflare/blindrsa-ts', async () => {
    const pair = await generateBlindRsaKeyPair(2048);
    expect(pair.keyId).toBe(await keyIdOf(pair.spki));
    const suite = blindRsaSuite();
    expect(suite.toString()).toBe('RSABSSA-SHA384-PSS-Randomized');
    const signer = new BlindSigner(pair);
    expect(signer.modulusBytes).toBe(256);
    const prepared = suite.prepare(new TextEncoder().encode('a coin'));
    const { blindedMsg, inv } = await suite.blind(pair.publicKey, prepared);
    const blindSig = signer.blindSign(blindedMsg);
    // RSA is deterministic: OpenSSL's RSASP1 and the library's BlindSign give the same octets.
    expect(Buffer.from(blindSig).equals(Buffer.from(await suite.blindSign(pair.privateKey, blindedMsg)))).toBe(true);
    const sig = await suite.finalize(pair.publicKey, prepared, blindSig, inv);
    expect(await suite.verify(pair.publicKey, sig, prepared)).toBe(true);
    // The blinded message and the blind signature are not the message and the signature.
    expect(Buffer.from(blindedMsg).includes(Buffer.from(prepared))).toBe(false);
    expect(Buffer.from(blindSig).equals(Buffer.from(sig))).toBe(false);
    // A re-imported key signs the same.
    const again = await importBlindRsaKeyPair(pair.spki, pair.pkcs8);
    expect(Buffer.from(new BlindSigner(again).blindSign(blindedMsg)).equals(Buffer.from(blindSig))).toBe(true);
  });

  it('makes coins from planchets, and refuses altered coins and malformed blinded messages', async () => {
    const pair = await generateBlindRsaKeyPair(2048);
    const signer = new BlindSigner(pair);
    const planchet = await createPlanchet({ keyId: pair.keyId, currency: 'EUR', value: 5n, publicKey: pair.publicKey });
    const coin = await finalizeCoin(planchet, pair.publicKey, signer.blindSign(planchet.blindedMsg));
    expect(await verifyCoinSignature(pair.publicKey, coin)).toBe(true);
    const otherKey = { ...coin, coinPub: new Uint8Array(32).fill(1) };
    expect(await verifyCoinSignature(pair.publicKey, otherKey)).toBe(false);
    const otherPrefix = { ...coin, prefix: new Uint8Array(32) };
    expect(await verifyCoinSignature(pair.publicKey, otherPrefix)).toBe(false);
    const otherDenomination = await generateBlindRsaKeyPair(2048);
    expect(await verifyCoinSignature(otherDenomination.publicKey, coin)).toBe(false);
    // A wrong blind signature does not finalize.
    const wrong = signer.blindSign(
      (await createPlanchet({ keyId: pair.keyId, currency: 'EUR', value: 5n, publicKey: pair.publicKey })).blindedMsg,
    );
    await expect(finalizeCoin(planchet, pair.publicKey, wrong)).rejects.toMatchObject({
      code: 'ERR_ECASH_MINT_PROTOCOL',
    });
    expect(() => signer.blindSign(new Uint8Array(255))).toThrow(
      expect.objectContaining({ code: 'ERR_ECASH_MALFORMED_MESSAGE' }),
    );
    expect(() => signer.blindSign(new Uint8Array(256).fill(0xff))).toThrow(
      expect.objectContaining({ code: 'ERR_ECASH_MALFORMED_MESSAGE' }),
    );
    expect(coinMessage(pair.keyId, coin.coinPub).length).toBeGreaterThan(32);
    await expect(generateBlindRsaKeyPair(1024)).rejects.toMatchObject({ code: 'ERR_ECASH_INVALID_ARGUMENT' });
  });
});
