// Test-only cache of denomination key pairs, so that the suites do not spend most of their time in RSA key
// generation (a mint makes one 2048-bit key per denomination when it opens).
//
// TEST KEYS ONLY. They are generated with the real `generateBlindRsaKeyPair` at first use and kept in the
// OS temporary folder (never in the repository), so later test files and runs read them instead of making
// them again. Within one test file every call gets a different key pair (the n-th call the n-th cached
// pair), exactly as with fresh generation: two mints in one file never share a key.
//
// A test file uses it with:
//   vi.mock('./blind-rsa.js', async (importOriginal) =>
//     (await import('./blind-rsa.test-util.js')).withCachedKeyGeneration(await importOriginal()));
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as BlindRsa from './blind-rsa.js';

type BlindRsaModule = typeof BlindRsa;

const DIR = join(tmpdir(), `semper-ecash-test-keys-${process.getuid?.() ?? 'user'}`);

interface Stored {
  spki: string;
  pkcs8: string;
}

/** The n-th cached test key pair of `bits` bits: read from the cache folder, else generated and stored. */
async function cachedPair(
  actual: BlindRsaModule,
  bits: number,
  n: number,
): Promise<Awaited<ReturnType<BlindRsaModule['generateBlindRsaKeyPair']>>> {
  const file = join(DIR, `${bits}-${n}.json`);
  try {
    const stored = JSON.parse(await readFile(file, 'utf8')) as Stored;
    return await actual.importBlindRsaKeyPair(
      new Uint8Array(Buffer.from(stored.spki, 'base64')),
      new Uint8Array(Buffer.from(stored.pkcs8, 'base64')),
    );
  } catch {
    // Not cached yet (or unreadable): generate with the real function and store atomically.
  }
  const pair = await actual.generateBlindRsaKeyPair(bits);
  await mkdir(DIR, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const stored: Stored = {
    spki: Buffer.from(pair.spki).toString('base64'),
    pkcs8: Buffer.from(pair.pkcs8).toString('base64'),
  };
  await writeFile(tmp, JSON.stringify(stored), { mode: 0o600 });
  await rename(tmp, file);
  return pair;
}

/**
 * `blind-rsa.js` with `generateBlindRsaKeyPair` drawing distinct pairs from the test key cache (argument
 * checks unchanged: it still refuses a modulus below 2048 bits).
 */
export function withCachedKeyGeneration(actual: BlindRsaModule): BlindRsaModule {
  let next = 0;
  const generateBlindRsaKeyPair: BlindRsaModule['generateBlindRsaKeyPair'] = async (modulusBits) => {
    if (!Number.isSafeInteger(modulusBits) || modulusBits < actual.MIN_MODULUS_BITS || modulusBits > 8192) {
      return actual.generateBlindRsaKeyPair(modulusBits); // throws the real error
    }
    return cachedPair(actual, modulusBits, next++);
  };
  return { ...actual, generateBlindRsaKeyPair };
}
