import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openssl } from '../../../test/support/openssl.js';
import { CryptoError } from './errors.js';
import { type KdfHash, x963Kdf } from './kdf.js';

const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('x963Kdf', () => {
  // NIST CAVS ansx963_2001 vectors (also in pyca/cryptography's test suite).
  it('matches the SHA-1 CAVS vector without SharedInfo', async () => {
    const out = await x963Kdf('SHA-1', hex('1c7d7b5f0597b03d06a018466ed1a93e30ed4b04dc64ccdd'), new Uint8Array(0), 16);
    expect(toHex(out)).toBe('bf71dffd8f4d99223936beb46fee8ccc');
  });

  it('matches the SHA-256 CAVS vectors, with and without SharedInfo, over several blocks', async () => {
    const a = await x963Kdf('SHA-256', hex('96c05619d56c328ab95fe84b18264b08725b85e33fd34f08'), new Uint8Array(0), 16);
    expect(toHex(a)).toBe('443024c3dae66b95e6f5670601558f71');
    const b = await x963Kdf(
      'SHA-256',
      hex('22518b10e70f2a3f243810ae3254139efbee04aa57c7af7d'),
      hex('75eef81aa3041e33b80971203d2c0c52'),
      128,
    );
    expect(toHex(b)).toBe(
      'c498af77161cc59f2962b9a713e2b215152d139766ce34a776df11866a69bf2e52a13d9c7c6fc878c50c5ea0bc7b00e0da2447cfd874f6cf92f30d0097111485500c90c3af8b487872d04685d14c8d1dc8d7fa08beb0ce0ababc11f0bd496269142d43525a78e5bc79a17f59676a5706dc54d54d4d1f0bd7e386128ec26afc21',
    );
  });

  it('rejects bad lengths with a typed error', async () => {
    await expect(x963Kdf('SHA-256', new Uint8Array(32), new Uint8Array(0), 0)).rejects.toBeInstanceOf(CryptoError);
    await expect(x963Kdf('SHA-1', new Uint8Array(32), new Uint8Array(0), 20 * 256)).rejects.toBeInstanceOf(CryptoError);
  });

  describe('agrees with OpenSSL (openssl kdf X963KDF)', () => {
    const cases: [KdfHash, string, number][] = [
      ['SHA-1', 'SHA1', 32],
      ['SHA-224', 'SHA224', 32],
      ['SHA-256', 'SHA256', 24],
      ['SHA-384', 'SHA384', 100],
      ['SHA-512', 'SHA512', 32],
    ];
    for (const [hash, name, length] of cases) {
      it(`${hash}, ${length} bytes`, async () => {
        const z = new Uint8Array(randomBytes(32));
        const info = new Uint8Array(randomBytes(29));
        const r = await openssl([
          'kdf',
          '-keylen',
          String(length),
          '-kdfopt',
          `digest:${name}`,
          '-kdfopt',
          `hexsecret:${toHex(z)}`,
          '-kdfopt',
          `hexinfo:${toHex(info)}`,
          'X963KDF',
        ]);
        expect(r.code).toBe(0);
        const expected = r.stdout.toString().trim().replaceAll(':', '').toLowerCase();
        expect(toHex(await x963Kdf(hash, z, info, length))).toBe(expected);
      });
    }
  });
});
