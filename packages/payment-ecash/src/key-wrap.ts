// The mint's private keys at rest: AES-256-GCM under a key-encryption key derived from the operator's
// passphrase with scrypt, each wrapped key bound to what it is (its label is the additional data).
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { EcashError } from './errors.js';

/** The first octets of a wrapped key (a PKCS #8 key starts with 0x30, so the two never look alike). */
const MAGIC = new Uint8Array([0x53, 0x4b, 0x57, 0x31]); // "SKW1"
const IV_BYTES = 12;
const TAG_BYTES = 16;
const CHECK_LABEL = 'semper-ecash/kek-check/v1';
const CHECK_TEXT = new TextEncoder().encode('semper-ecash key-encryption key');

/** scrypt parameters of the key-encryption key: N = 2^15, r = 8, p = 1 (32 MiB, ≈ 0.1 s). */
export const KEY_WRAP_SCRYPT = Object.freeze({ N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });

/**
 * Wraps and unwraps private keys under one key-encryption key. `label` names what is wrapped (e.g.
 * `denomination|mint|<keyId>`): a wrapped key moved to another row does not unwrap.
 *
 * @example
 * ```ts
 * import { deriveKeyWrap } from '@semper/payment-ecash';
 * const kw = await deriveKeyWrap('correct horse', salt);
 * const stored = kw.wrap('master|mint', pkcs8);
 * ```
 */
export interface KeyWrap {
  wrap(label: string, plain: Uint8Array): Uint8Array;
  unwrap(label: string, wrapped: Uint8Array): Uint8Array;
  /** A value to store with the salt: `verify` tells a wrong passphrase from a corrupt key. */
  readonly check: Uint8Array;
  verify(check: Uint8Array): boolean;
}

/** Whether `bytes` is a wrapped key (as opposed to a plain PKCS #8 one). */
export function isWrappedKey(bytes: Uint8Array): boolean {
  return bytes.length > MAGIC.length && MAGIC.every((b, i) => bytes[i] === b);
}

/** A fresh random salt for {@link deriveKeyWrap}. */
export function newKeyWrapSalt(): Uint8Array {
  return new Uint8Array(randomBytes(16));
}

function decryptFailed(label: string, cause?: unknown): EcashError {
  return new EcashError('ERR_ECASH_KEY_DECRYPT', `the key ${label} does not decrypt (wrong passphrase, or altered)`, {
    cause,
  });
}

/**
 * Derives the key-encryption key from a passphrase and a salt (scrypt, {@link KEY_WRAP_SCRYPT}).
 *
 * @throws {@link EcashError} `ERR_ECASH_INVALID_ARGUMENT` for an empty passphrase or a short salt.
 *
 * @example
 * ```ts
 * import { deriveKeyWrap, newKeyWrapSalt } from '@semper/payment-ecash';
 * const salt = newKeyWrapSalt();
 * const kw = await deriveKeyWrap(process.env.MINT_PASS ?? '', salt);
 * ```
 */
export async function deriveKeyWrap(passphrase: string, salt: Uint8Array): Promise<KeyWrap> {
  if (typeof passphrase !== 'string' || passphrase.length === 0) {
    throw new EcashError('ERR_ECASH_INVALID_ARGUMENT', 'the key passphrase is a non-empty string');
  }
  if (!(salt instanceof Uint8Array) || salt.length < 16) {
    throw new EcashError('ERR_ECASH_INVALID_ARGUMENT', 'the key-wrap salt is at least 16 octets');
  }
  const kek = await new Promise<Buffer>((resolve, reject) =>
    scrypt(passphrase.normalize('NFC'), Buffer.from(salt), 32, KEY_WRAP_SCRYPT, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
  const wrap = (label: string, plain: Uint8Array): Uint8Array => {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', kek, iv);
    cipher.setAAD(Buffer.from(label, 'utf8'));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return new Uint8Array(Buffer.concat([MAGIC, iv, body, cipher.getAuthTag()]));
  };
  const unwrap = (label: string, wrapped: Uint8Array): Uint8Array => {
    if (!isWrappedKey(wrapped) || wrapped.length < MAGIC.length + IV_BYTES + TAG_BYTES) throw decryptFailed(label);
    const iv = wrapped.subarray(MAGIC.length, MAGIC.length + IV_BYTES);
    const tag = wrapped.subarray(wrapped.length - TAG_BYTES);
    const body = wrapped.subarray(MAGIC.length + IV_BYTES, wrapped.length - TAG_BYTES);
    try {
      const decipher = createDecipheriv('aes-256-gcm', kek, iv);
      decipher.setAAD(Buffer.from(label, 'utf8'));
      decipher.setAuthTag(tag);
      return new Uint8Array(Buffer.concat([decipher.update(body), decipher.final()]));
    } catch (cause) {
      throw decryptFailed(label, cause);
    }
  };
  return {
    wrap,
    unwrap,
    check: wrap(CHECK_LABEL, CHECK_TEXT),
    verify(check: Uint8Array): boolean {
      try {
        const plain = unwrap(CHECK_LABEL, check);
        return plain.length === CHECK_TEXT.length && plain.every((b, i) => b === CHECK_TEXT[i]);
      } catch {
        return false;
      }
    },
  };
}
