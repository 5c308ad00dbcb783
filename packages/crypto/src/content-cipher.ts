/**
 * Content encryption for CMS: AES-CBC with PKCS#7 padding for EnvelopedData (RFC 3565; parameters: the
 * 16-byte IV as an OCTET STRING) and AES-GCM for AuthEnvelopedData (RFC 5084; parameters: GCMParameters
 * with a 12-byte nonce and the tag length, written explicitly as 16 the way OpenSSL 3.0 writes and
 * requires it). All on WebCrypto. AES-192 is accepted for decryption.
 *
 * Every decryption failure (a bad GCM tag, bad CBC padding) is the one uninformative
 * {@link DecryptionError}; malformed parameters are a {@link MalformedInputError}.
 *
 * Note that EnvelopedData (AES-CBC) has no integrity protection: a modified ciphertext may decrypt to
 * modified plaintext, which is why semper's default is AuthEnvelopedData and why containers sign inside.
 *
 * @packageDocumentation
 */
import { createDecipheriv, type webcrypto } from 'node:crypto';
import {
  parseDerStrict,
  GCMParameters,
  TAG,
  berContent,
  berExpect,
  berRead,
  concatBytes,
  derEncode,
  derInteger,
  derPrimitive,
  derTlv,
} from './cms-structures.js';
import { CryptoError, DecryptionError, MalformedInputError, UnsupportedAlgorithmError } from './errors.js';
import { OID } from './oids.js';

type CryptoKey = webcrypto.CryptoKey;
type AesKeyAlgorithm = webcrypto.AesKeyAlgorithm;
type AesGcmParams = webcrypto.AesGcmParams;

const subtle = globalThis.crypto.subtle;

/**
 * The content encryptions semper writes. The GCM modes give AuthEnvelopedData, the CBC modes EnvelopedData.
 *
 * @example
 * ```ts
 * const mode: ContentEncryption = 'AES-128-GCM';
 * ```
 */
export type ContentEncryption = 'AES-128-CBC' | 'AES-256-CBC' | 'AES-128-GCM' | 'AES-256-GCM';

/**
 * Every content encryption semper reads (AES-192 only from others).
 *
 * @example
 * ```ts
 * const { contentEncryption }: { contentEncryption: ContentEncryptionName } = await decryptData(bytes, { identity });
 * ```
 */
export type ContentEncryptionName = ContentEncryption | 'AES-192-CBC' | 'AES-192-GCM' | 'DES-EDE3-CBC';

/**
 * A content cipher: its name, OID, WebCrypto mode and key size.
 *
 * @example
 * ```ts
 * const c: ContentCipher = contentCipherByName('AES-256-GCM'); // { mode: 'AES-GCM', keyBytes: 32, ... }
 * ```
 */
export interface ContentCipher {
  readonly name: ContentEncryptionName;
  readonly oid: string;
  readonly mode: 'AES-CBC' | 'AES-GCM' | 'DES-EDE3-CBC';
  readonly keyBytes: 16 | 24 | 32;
}

const CIPHERS: readonly ContentCipher[] = [
  { name: 'AES-128-CBC', oid: OID.aes128Cbc, mode: 'AES-CBC', keyBytes: 16 },
  { name: 'AES-192-CBC', oid: OID.aes192Cbc, mode: 'AES-CBC', keyBytes: 24 },
  { name: 'AES-256-CBC', oid: OID.aes256Cbc, mode: 'AES-CBC', keyBytes: 32 },
  { name: 'AES-128-GCM', oid: OID.aes128Gcm, mode: 'AES-GCM', keyBytes: 16 },
  { name: 'AES-192-GCM', oid: OID.aes192Gcm, mode: 'AES-GCM', keyBytes: 24 },
  { name: 'AES-256-GCM', oid: OID.aes256Gcm, mode: 'AES-GCM', keyBytes: 32 },
  // Read only: what `openssl cms -encrypt` (OpenSSL 3.0) uses when no cipher is named.
  { name: 'DES-EDE3-CBC', oid: OID.desEde3Cbc, mode: 'DES-EDE3-CBC', keyBytes: 24 },
];
const BY_OID = new Map(CIPHERS.map((c) => [c.oid, c]));
const WRITABLE = new Set<string>(['AES-128-CBC', 'AES-256-CBC', 'AES-128-GCM', 'AES-256-GCM']);

/**
 * GCM tag length semper writes (bytes), written as GCMParameters' ICVlen.
 *
 * @example
 * ```ts
 * GCM_TAG_BYTES; // 16
 * ```
 */
export const GCM_TAG_BYTES = 16;
/**
 * GCM nonce length semper writes (bytes), RFC 5084's recommendation.
 *
 * @example
 * ```ts
 * GCM_NONCE_BYTES; // 12
 * ```
 */
export const GCM_NONCE_BYTES = 12;

/**
 * The cipher semper writes for `name`.
 *
 * @throws {@link CryptoError} `ERR_CRYPTO_INVALID_ARGUMENT` for anything else.
 *
 * @example
 * ```ts
 * contentCipherByName('AES-256-GCM').oid; // '2.16.840.1.101.3.4.1.46'
 * ```
 */
export function contentCipherByName(name: ContentEncryption): ContentCipher {
  const c = WRITABLE.has(name) ? CIPHERS.find((x) => x.name === name) : undefined;
  if (c === undefined)
    throw new CryptoError('ERR_CRYPTO_INVALID_ARGUMENT', `unknown content encryption ${String(name)}`);
  return c;
}

/**
 * The cipher identified by a content-encryption algorithm OID from a message.
 *
 * @throws {@link UnsupportedAlgorithmError} for an OID semper does not read.
 *
 * @example
 * ```ts
 * contentCipherByOid('2.16.840.1.101.3.4.1.42').name; // 'AES-256-CBC'
 * ```
 */
export function contentCipherByOid(oid: string): ContentCipher {
  const c = BY_OID.get(oid);
  if (c === undefined) throw new UnsupportedAlgorithmError(`content encryption algorithm ${oid} is not supported`);
  return c;
}

/**
 * A fresh random content-encryption key: its raw bytes (for RSA key transport) and an extractable
 * WebCrypto key (for encryption and AES key wrap).
 *
 * @example
 * ```ts
 * const { raw, key } = await generateContentKey(contentCipherByName('AES-256-GCM'));
 * ```
 */
export async function generateContentKey(cipher: ContentCipher): Promise<{ raw: Uint8Array; key: CryptoKey }> {
  const raw = globalThis.crypto.getRandomValues(new Uint8Array(cipher.keyBytes));
  const key = await subtle.importKey('raw', raw, cipher.mode, true, ['encrypt']);
  return { raw, key };
}

/**
 * Imports raw content-key bytes (from key transport) as a decryption key for `cipher`.
 *
 * @throws {@link DecryptionError} if the bytes are not a key of the cipher's size.
 *
 * @example
 * ```ts
 * const key = await importContentKey(contentCipherByName('AES-256-CBC'), cekBytes);
 * ```
 */
export async function importContentKey(cipher: ContentCipher, raw: Uint8Array): Promise<CryptoKey> {
  if (raw.length !== cipher.keyBytes) throw new DecryptionError('ERR_CRYPTO_DECRYPTION_FAILED', 'decryption failed');
  if (cipher.mode === 'DES-EDE3-CBC') return subtle.importKey('raw', raw, DES_KEY_CARRIER, true, ['sign']);
  return subtle.importKey('raw', raw, cipher.mode, false, ['decrypt']);
}

/**
 * WebCrypto has no 3DES: a 3DES content key travels through the engine as an extractable HMAC key (a
 * carrier of its 24 raw bytes, never used for HMAC) and is decrypted with node:crypto.
 */
const DES_KEY_CARRIER: webcrypto.HmacImportParams = { name: 'HMAC', hash: 'SHA-256', length: 192 };

/**
 * The WebCrypto algorithm of a cipher's key (for AES-KW unwrapping).
 *
 * @example
 * ```ts
 * contentKeyAlgorithm(contentCipherByName('AES-128-GCM')); // { name: 'AES-GCM', length: 128 }
 * ```
 */
export function contentKeyAlgorithm(cipher: ContentCipher): AesKeyAlgorithm | webcrypto.HmacImportParams {
  if (cipher.mode === 'DES-EDE3-CBC') return DES_KEY_CARRIER;
  return { name: cipher.mode, length: cipher.keyBytes * 8 };
}

/**
 * The result of {@link encryptContent}. Views, not copies: they are copied once into the message.
 *
 * @example
 * ```ts
 * const { parameters, ciphertext, mac }: EncryptedContent = await encryptContent(cipher, key, plaintext);
 * ```
 */
export interface EncryptedContent {
  /** DER of the AlgorithmIdentifier parameters: the IV (CBC) or GCMParameters (GCM). */
  readonly parameters: Uint8Array;
  readonly ciphertext: Uint8Array;
  /** The GCM tag (AuthEnvelopedData `mac`); absent for CBC. */
  readonly mac?: Uint8Array;
}

/**
 * Encrypts `plaintext` under `key` with a fresh random IV or nonce.
 *
 * @example
 * ```ts
 * const cipher = contentCipherByName('AES-256-GCM');
 * const { raw, key } = await generateContentKey(cipher);
 * const { parameters, ciphertext, mac } = await encryptContent(cipher, key, plaintext);
 * ```
 */
export async function encryptContent(
  cipher: ContentCipher,
  key: CryptoKey,
  plaintext: Uint8Array,
): Promise<EncryptedContent> {
  if (cipher.mode === 'AES-CBC') {
    const iv = globalThis.crypto.getRandomValues(new Uint8Array(16));
    const ct = new Uint8Array(await subtle.encrypt({ name: 'AES-CBC', iv }, key, plaintext));
    return { parameters: derEncode(derPrimitive(TAG.octetString, iv)), ciphertext: ct };
  }
  const nonce = globalThis.crypto.getRandomValues(new Uint8Array(GCM_NONCE_BYTES));
  const out = new Uint8Array(
    await subtle.encrypt({ name: 'AES-GCM', iv: nonce, tagLength: GCM_TAG_BYTES * 8 }, key, plaintext),
  );
  const split = out.length - GCM_TAG_BYTES;
  return {
    // GCMParameters ::= SEQUENCE { aes-nonce OCTET STRING, aes-ICVlen INTEGER } — ICVlen always written.
    parameters: derEncode(derTlv(TAG.sequence, derPrimitive(TAG.octetString, nonce), derInteger(GCM_TAG_BYTES))),
    ciphertext: out.subarray(0, split),
    mac: out.subarray(split),
  };
}

/**
 * Decoded content-encryption parameters.
 *
 * @example
 * ```ts
 * const p: ContentParameters = parseContentParameters(cipher, parametersDer);
 * if (p.mode === 'AES-CBC') console.log(p.iv.length); // 16
 * ```
 */
export type ContentParameters =
  | { readonly mode: 'AES-CBC' | 'DES-EDE3-CBC'; readonly iv: Uint8Array }
  | { readonly mode: 'AES-GCM'; readonly nonce: Uint8Array; readonly tagBytes: number };

function malformed(what: string): never {
  throw new MalformedInputError('ERR_CRYPTO_MALFORMED', `malformed CMS: ${what}`);
}

/**
 * Decodes the AlgorithmIdentifier parameters of a content cipher from a message.
 *
 * @throws {@link MalformedInputError} for missing or malformed parameters.
 *
 * @example
 * ```ts
 * const params = parseContentParameters(cipher, parametersDer);
 * if (params.mode === 'AES-GCM') console.log(params.tagBytes);
 * ```
 */
export function parseContentParameters(cipher: ContentCipher, parameters: Uint8Array | undefined): ContentParameters {
  if (parameters === undefined) malformed('content encryption parameters are missing');
  if (cipher.mode !== 'AES-GCM') {
    const el = berRead(parameters);
    if (el.end !== parameters.length) malformed('trailing data after the IV');
    const iv = berContent(berExpect(el, TAG.octetString, `the ${cipher.name} IV (OCTET STRING)`));
    const ivBytes = cipher.mode === 'AES-CBC' ? 16 : 8;
    if (iv.length !== ivBytes) malformed(`the ${cipher.name} IV is not ${ivBytes} bytes`);
    return { mode: cipher.mode, iv };
  }
  const p = parseDerStrict(parameters, GCMParameters, 'GCMParameters');
  const nonce = new Uint8Array(p.nonce.buffer);
  const tagBytes = p.icvLen ?? 12; // RFC 5084: DEFAULT 12
  if (nonce.length < 1 || nonce.length > 64) malformed('the AES-GCM nonce length');
  if (!Number.isInteger(tagBytes) || tagBytes < 12 || tagBytes > 16) malformed('the AES-GCM ICV length');
  return { mode: 'AES-GCM', nonce, tagBytes };
}

/**
 * Decrypts content. `ciphertext` is given as the segments of the (possibly constructed) encrypted content;
 * for GCM, `mac` is the tag (its length must equal the declared ICV length) and `aad` the DER of the
 * authenticated attributes, if any.
 *
 * @throws {@link DecryptionError} `ERR_CRYPTO_DECRYPTION_FAILED` for every failure.
 *
 * @example
 * ```ts
 * const plaintext = await decryptContent(cipher, key, params, [ciphertext], mac);
 * ```
 */
export async function decryptContent(
  cipher: ContentCipher,
  key: CryptoKey,
  params: ContentParameters,
  ciphertext: readonly Uint8Array[],
  mac?: Uint8Array,
  aad?: Uint8Array,
): Promise<Uint8Array> {
  try {
    if (params.mode === 'AES-CBC' && cipher.mode === 'AES-CBC') {
      const ct = ciphertext.length === 1 ? ciphertext[0] : concatBytes(ciphertext);
      return new Uint8Array(await subtle.decrypt({ name: 'AES-CBC', iv: params.iv }, key, ct));
    }
    if (params.mode === 'DES-EDE3-CBC' && cipher.mode === 'DES-EDE3-CBC') {
      const raw = new Uint8Array(await subtle.exportKey('raw', key));
      try {
        const d = createDecipheriv('des-ede3-cbc', raw, params.iv);
        const out = [d.update(concatBytes(ciphertext)), d.final()];
        return concatBytes(out);
      } finally {
        raw.fill(0);
      }
    }
    if (params.mode === 'AES-GCM' && cipher.mode === 'AES-GCM' && mac !== undefined && mac.length === params.tagBytes) {
      // WebCrypto wants ciphertext || tag: one copy, which also joins the segments of a constructed string.
      const input = concatBytes(ciphertext, mac.length);
      input.set(mac, input.length - mac.length);
      const algorithm: AesGcmParams = { name: 'AES-GCM', iv: params.nonce, tagLength: params.tagBytes * 8 };
      if (aad !== undefined) algorithm.additionalData = aad;
      return new Uint8Array(await subtle.decrypt(algorithm, key, input));
    }
  } catch {
    // fall through: the one uninformative error
  }
  throw new DecryptionError('ERR_CRYPTO_DECRYPTION_FAILED', 'decryption failed');
}
