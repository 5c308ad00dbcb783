/**
 * Identities — a private key with its certificate chain — and the passphrase-protected file they are kept
 * in: one PEM text holding an `ENCRYPTED PRIVATE KEY` (PKCS#8 EncryptedPrivateKeyInfo, PBES2 with
 * PBKDF2-HMAC-SHA256 and AES-256-CBC, RFC 8018) followed by the `CERTIFICATE` blocks of the chain. OpenSSL
 * reads it as it is: `openssl pkey -in id.pem -passin pass:…` and `openssl x509 -in id.pem`.
 *
 * @packageDocumentation
 */
import { createPrivateKey, type KeyObject, randomBytes } from 'node:crypto';
import { Certificate, createSelfSignedCertificate } from './certificate.js';
import {
  type BerElement,
  berChildren,
  berContent,
  berExpect,
  berOid,
  berRead,
  berSmallInteger,
  derEncode,
  derInteger,
  derOid,
  derPrimitive,
  derTlv,
  TAG,
} from './cms-structures.js';
import { checkAsn1 } from './der.js';
import { CryptoError, MalformedInputError } from './errors.js';
import { generateKeyPair, isConsistentKeyPair, type KeySpec, PrivateKey } from './keys.js';
import { OID } from './oids.js';
import { readPemBlocks, toPem } from './pem.js';

const subtle = globalThis.crypto.subtle;

/**
 * A party's identity: its private key, its certificate, and the chain from the certificate up (the
 * certificate first; intermediates after it; the root may be left out).
 *
 * @example
 * ```ts
 * const id: Identity = { privateKey, certificate, chain: [certificate, intermediate] };
 * ```
 */
export interface Identity {
  readonly privateKey: PrivateKey;
  readonly certificate: Certificate;
  readonly chain: readonly Certificate[];
}

/**
 * Options of {@link createIdentity}.
 *
 * @example
 * ```ts
 * const o: CreateIdentityOptions = { subject: 'CN=Merchant, O=Shop', key: { type: 'rsa', modulusLength: 3072 } };
 * ```
 */
export interface CreateIdentityOptions {
  /** The subject Name as an RFC 4514 string, e.g. `CN=Alice, O=Example, C=DE`. */
  readonly subject: string;
  /** Default EC P-256. */
  readonly key?: KeySpec;
  /** Validity from now (minus a minute of clock skew); default 365 days. */
  readonly validityDays?: number;
  /** Start of validity; default now minus one minute. */
  readonly notBefore?: Date;
}

/**
 * Creates a key pair and a self-signed end-entity certificate for it (it signs and receives; others trust it
 * by adding the certificate to their trust store). CA-issued identities come with `@semper/certificates`.
 *
 * @throws {@link CryptoError} `ERR_CRYPTO_INVALID_ARGUMENT` for a bad subject, key spec or validity.
 *
 * @example
 * ```ts
 * import { createIdentity } from '@semper/crypto';
 * const alice = await createIdentity({ subject: 'CN=Alice' });
 * console.log(alice.certificate.subject); // CN=Alice
 * ```
 */
export async function createIdentity(o: CreateIdentityOptions): Promise<Identity> {
  if (typeof o?.subject !== 'string' || o.subject.trim() === '') {
    throw new CryptoError('ERR_CRYPTO_INVALID_ARGUMENT', 'createIdentity needs a subject');
  }
  const days = o.validityDays ?? 365;
  if (!Number.isFinite(days) || days <= 0 || days > 36_500) {
    throw new CryptoError('ERR_CRYPTO_INVALID_ARGUMENT', 'validityDays must be between 0 and 36500');
  }
  const keys = await generateKeyPair(o.key ?? { type: 'ec', curve: 'P-256' });
  const notBefore = o.notBefore ?? new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
  const certificate = await createSelfSignedCertificate({
    subject: o.subject,
    keys,
    notBefore,
    notAfter: new Date(notBefore.getTime() + Math.round(days * 86_400_000)),
  });
  return { privateKey: keys.privateKey, certificate, chain: [certificate] };
}

/**
 * Options of {@link encryptPrivateKey} and {@link packIdentity}.
 *
 * @example
 * ```ts
 * const o: ProtectOptions = { iterations: 1_000_000 };
 * ```
 */
export interface ProtectOptions {
  /** PBKDF2 iterations; default 600,000 (OWASP's figure for PBKDF2-HMAC-SHA256); at least 10,000. */
  readonly iterations?: number;
}

/** The iteration count used when none is given. */
export const DEFAULT_PBKDF2_ITERATIONS = 600_000;

function checkPassphrase(passphrase: unknown): Uint8Array {
  if (typeof passphrase !== 'string' || passphrase.length === 0) {
    throw new CryptoError('ERR_CRYPTO_INVALID_ARGUMENT', 'a non-empty passphrase is required');
  }
  return new TextEncoder().encode(passphrase);
}

/**
 * Encrypts a private key as a PKCS#8 `EncryptedPrivateKeyInfo` (PBES2: PBKDF2 with HMAC-SHA256, a 16-byte
 * random salt, and AES-256-CBC with a random IV), in DER.
 *
 * @example
 * ```ts
 * import { encryptPrivateKey, toPem } from '@semper/crypto';
 * writeFileSync('key.pem', toPem('ENCRYPTED PRIVATE KEY', await encryptPrivateKey(key, passphrase)));
 * ```
 */
export async function encryptPrivateKey(
  key: PrivateKey,
  passphrase: string,
  o: ProtectOptions = {},
): Promise<Uint8Array> {
  const pass = checkPassphrase(passphrase);
  const iterations = o.iterations ?? DEFAULT_PBKDF2_ITERATIONS;
  if (!Number.isSafeInteger(iterations) || iterations < 10_000 || iterations > 100_000_000) {
    throw new CryptoError('ERR_CRYPTO_INVALID_ARGUMENT', 'iterations must be an integer from 10,000 to 100,000,000');
  }
  const salt = new Uint8Array(randomBytes(16));
  const iv = new Uint8Array(randomBytes(16));
  const base = await subtle.importKey('raw', pass, 'PBKDF2', false, ['deriveKey']);
  const aes = await subtle.deriveKey(
    { name: 'PBKDF2', hash: 'SHA-256', salt, iterations },
    base,
    { name: 'AES-CBC', length: 256 },
    false,
    ['encrypt'],
  );
  const pkcs8 = key.toPkcs8();
  let encrypted: Uint8Array;
  try {
    encrypted = new Uint8Array(await subtle.encrypt({ name: 'AES-CBC', iv }, aes, pkcs8));
  } finally {
    pkcs8.fill(0);
  }
  return derEncode(
    derTlv(
      TAG.sequence,
      derTlv(
        TAG.sequence,
        derOid(OID.pbes2),
        derTlv(
          TAG.sequence,
          derTlv(
            TAG.sequence,
            derOid(OID.pbkdf2),
            derTlv(
              TAG.sequence,
              derPrimitive(TAG.octetString, salt),
              derInteger(iterations),
              derTlv(TAG.sequence, derOid(OID.hmacWithSHA256), Uint8Array.of(TAG.null, 0)),
            ),
          ),
          derTlv(TAG.sequence, derOid(OID.aes256Cbc), derPrimitive(TAG.octetString, iv)),
        ),
      ),
      derPrimitive(TAG.octetString, encrypted),
    ),
  );
}

/** The most key-derivation iterations a key file may ask for (writing allows 100,000,000; reading stops here). */
const MAX_PBKDF2_ITERATIONS = 10_000_000;

/**
 * The iteration count of a password-based scheme's parameters, when it has one semper can read: PBES2 with
 * PBKDF2 (RFC 8018 §A.2), PBES1 and the PKCS#12 schemes (`SEQUENCE { salt, iterations }`). Undefined for
 * others (scrypt: OpenSSL bounds its memory). An iteration count too large for 32 bits counts as too many.
 */
function iterationCount(scheme: string, params: BerElement | undefined): number | undefined {
  if (params === undefined || params.tag !== TAG.sequence) return undefined;
  let holder = params;
  if (scheme === OID.pbes2) {
    const kdf = berChildren(berExpect(berChildren(params)[0], TAG.sequence, 'keyDerivationFunc'));
    if (berOid(kdf[0], 'keyDerivationFunc') !== OID.pbkdf2) return undefined;
    holder = berExpect(kdf[1], TAG.sequence, 'PBKDF2-params');
  }
  const count = berChildren(holder)[1];
  if (count?.tag !== TAG.integer) return undefined;
  const c = berContent(count);
  return c.length > 4 ? Number.POSITIVE_INFINITY : berSmallInteger(count, 'iterationCount');
}

/** PBES2 (RFC 8018), PKCS#5 v1.5 PBES1 and the PKCS#12 PBE schemes (what OpenSSL writes with -v1/-v2). */
function isPasswordBasedScheme(oid: string): boolean {
  return oid === OID.pbes2 || oid.startsWith('1.2.840.113549.1.5.') || oid.startsWith('1.2.840.113549.1.12.1.');
}

/**
 * Decrypts a PKCS#8 `EncryptedPrivateKeyInfo` (DER, or PEM `ENCRYPTED PRIVATE KEY`) with its passphrase. Reads
 * what semper writes and what OpenSSL writes (`openssl pkcs8 -topk8`, `openssl genpkey -aes256`).
 *
 * @throws {@link MalformedInputError} when the input is not an EncryptedPrivateKeyInfo;
 * {@link CryptoError} `ERR_CRYPTO_UNSUPPORTED_ALGORITHM` for a scheme that is not password-based,
 * `ERR_CRYPTO_BAD_PASSPHRASE` when the passphrase is wrong (or the encrypted data corrupt: the two cannot be
 * told apart), `ERR_CRYPTO_INVALID_KEY` for a key semper does not use.
 *
 * @example
 * ```ts
 * import { decryptPrivateKey } from '@semper/crypto';
 * const key = await decryptPrivateKey(readFileSync('key.pem', 'utf8'), passphrase);
 * ```
 */
export async function decryptPrivateKey(input: string | Uint8Array, passphrase: string): Promise<PrivateKey> {
  const pass = checkPassphrase(passphrase);
  let der: Uint8Array;
  if (typeof input === 'string') {
    const block = readPemBlocks(input).find((b) => b.label === 'ENCRYPTED PRIVATE KEY');
    if (block === undefined)
      throw new MalformedInputError('ERR_CRYPTO_MALFORMED', 'no ENCRYPTED PRIVATE KEY block found');
    der = block.der;
  } else {
    der = input;
  }
  checkAsn1(der, { maxBytes: 64 * 1024, maxDepth: 16 });
  let scheme: string;
  let iterations: number | undefined;
  try {
    const top = berChildren(berExpect(berRead(der), TAG.sequence, 'EncryptedPrivateKeyInfo'));
    if (top.length !== 2) throw new Error('two fields expected');
    const alg = berChildren(berExpect(top[0], TAG.sequence, 'encryptionAlgorithm'));
    scheme = berOid(alg[0], 'encryptionAlgorithm');
    iterations = iterationCount(scheme, alg[1]);
    berExpect(top[1], TAG.octetString, 'encryptedData');
  } catch (err) {
    throw new MalformedInputError('ERR_CRYPTO_MALFORMED', 'not a PKCS#8 EncryptedPrivateKeyInfo', { cause: err });
  }
  if (!isPasswordBasedScheme(scheme)) {
    throw new CryptoError('ERR_CRYPTO_UNSUPPORTED_ALGORITHM', `key encryption scheme ${scheme} is not password-based`);
  }
  if (iterations !== undefined && iterations > MAX_PBKDF2_ITERATIONS) {
    // A hostile file must not stall the process for minutes.
    throw new CryptoError(
      'ERR_CRYPTO_UNSUPPORTED_ALGORITHM',
      `the key file asks for ${iterations} key-derivation iterations; at most ${MAX_PBKDF2_ITERATIONS} are accepted`,
    );
  }
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey({
      key: Buffer.from(der),
      format: 'der',
      type: 'pkcs8',
      passphrase: Buffer.from(pass),
    });
  } catch {
    // Deliberately without the cause: OpenSSL's message would tell a padding failure from a parse failure.
    throw new CryptoError('ERR_CRYPTO_BAD_PASSPHRASE', 'wrong passphrase (or corrupt encrypted key)');
  } finally {
    pass.fill(0);
  }
  const key = PrivateKey.fromKeyObject(keyObject);
  // A flipped ciphertext byte can decrypt (1 in 256: the padding still holds) to a key that parses; the
  // pairwise test catches it. Reported like any other decryption failure.
  if (!isConsistentKeyPair(keyObject)) {
    throw new CryptoError('ERR_CRYPTO_BAD_PASSPHRASE', 'wrong passphrase (or corrupt encrypted key)');
  }
  return key;
}

/**
 * Writes an identity as one passphrase-protected PEM text: the encrypted private key (see
 * {@link encryptPrivateKey}), then every certificate of the chain, the identity's own first.
 *
 * @example
 * ```ts
 * import { createIdentity, packIdentity } from '@semper/crypto';
 * const alice = await createIdentity({ subject: 'CN=Alice' });
 * writeFileSync('alice.id.pem', await packIdentity(alice, passphrase), { mode: 0o600 });
 * // openssl pkey -in alice.id.pem -passin pass:… -noout && openssl x509 -in alice.id.pem -noout -subject
 * ```
 */
export async function packIdentity(id: Identity, passphrase: string, o: ProtectOptions = {}): Promise<string> {
  if (!(id?.privateKey instanceof PrivateKey) || !(id.certificate instanceof Certificate)) {
    throw new CryptoError('ERR_CRYPTO_INVALID_ARGUMENT', 'packIdentity needs an identity with a key and a certificate');
  }
  if (!id.privateKey.publicKey().equals(id.certificate.publicKey)) {
    throw new CryptoError('ERR_CRYPTO_INVALID_KEY', 'the private key does not belong to the certificate');
  }
  const encrypted = await encryptPrivateKey(id.privateKey, passphrase, o);
  const certs = [id.certificate, ...(id.chain ?? []).filter((c) => !c.equals(id.certificate))];
  return toPem('ENCRYPTED PRIVATE KEY', encrypted) + certs.map((c) => c.toPem()).join('');
}

/**
 * Reads an identity written by {@link packIdentity} (or assembled by hand: an `ENCRYPTED PRIVATE KEY` block
 * and `CERTIFICATE` blocks, in any order). The certificate whose key matches the private key is the
 * identity's; the others form its chain.
 *
 * @throws {@link CryptoError} `ERR_CRYPTO_BAD_PASSPHRASE` for a wrong passphrase; {@link MalformedInputError}
 * `ERR_CRYPTO_MALFORMED` for a corrupt or incomplete file (no key block, no certificate);
 * `ERR_CRYPTO_INVALID_KEY` when no certificate belongs to the key.
 *
 * @example
 * ```ts
 * import { unpackIdentity } from '@semper/crypto';
 * const alice = await unpackIdentity(readFileSync('alice.id.pem'), passphrase);
 * ```
 */
export async function unpackIdentity(text: string | Uint8Array, passphrase: string): Promise<Identity> {
  const pem = typeof text === 'string' ? text : new TextDecoder('utf-8', { fatal: false }).decode(text);
  const blocks = readPemBlocks(pem);
  const keys = blocks.filter((b) => b.label === 'ENCRYPTED PRIVATE KEY');
  if (keys.length !== 1) {
    throw new MalformedInputError(
      'ERR_CRYPTO_MALFORMED',
      keys.length === 0 ? 'the identity file holds no ENCRYPTED PRIVATE KEY' : 'the identity file holds several keys',
    );
  }
  const certs = blocks.filter((b) => b.label === 'CERTIFICATE').map((b) => Certificate.fromDer(b.der));
  if (certs.length === 0)
    throw new MalformedInputError('ERR_CRYPTO_MALFORMED', 'the identity file holds no certificate');
  const privateKey = await decryptPrivateKey(keys[0].der, passphrase);
  const pub = privateKey.publicKey();
  const certificate = certs.find((c) => c.publicKey.equals(pub));
  if (certificate === undefined) {
    throw new CryptoError('ERR_CRYPTO_INVALID_KEY', 'no certificate in the identity file belongs to its private key');
  }
  return { privateKey, certificate, chain: [certificate, ...certs.filter((c) => c !== certificate)] };
}
