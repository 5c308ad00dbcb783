/**
 * CMS EnvelopedData (RFC 5652 §6) and AuthEnvelopedData (RFC 5083) to one or more recipient certificates.
 *
 * **Writing** (`encryptData`): a fresh content-encryption key (CEK) encrypts the content — AES-GCM gives
 * AuthEnvelopedData (RFC 5084: GCMParameters with a 12-byte nonce and an explicit ICVlen of 16; the tag in
 * `mac`; no authAttrs), AES-CBC gives EnvelopedData — and is delivered to each recipient:
 * - RSA certificate → KeyTransRecipientInfo, RSAES-OAEP with SHA-256 (MGF1 SHA-256) by default;
 * - EC certificate → KeyAgreeRecipientInfo, ephemeral-static ECDH, X9.63 KDF with SHA-256 by default
 *   (dhSinglePass-stdDH-sha256kdf-scheme), AES key wrap of the CEK's size, UKM only when asked for.
 * Recipients are identified by IssuerAndSerialNumber (OpenSSL's default). The output is DER (RecipientInfos
 * sorted as a DER SET OF), exactly what `openssl cms -decrypt -inform DER` reads.
 *
 * **Reading** (`decryptData`) accepts, besides that: RSAES-PKCS1-v1_5 key transport (OpenSSL's default for
 * RSA recipients; constant-time decoding with implicit rejection, see `rsa-pkcs1.ts`), RSA-OAEP with SHA-1
 * (OpenSSL's OAEP default), SHA-384 and SHA-512; ECDH with the SHA-1 KDF (OpenSSL's default for EC
 * recipients), SHA-224/384/512, with or without UKM; AES-128/192/256 key wrap; AES-192 content; recipients
 * identified by IssuerAndSerialNumber or SubjectKeyIdentifier (`openssl cms -keyid`); BER input with
 * indefinite lengths and constructed OCTET STRINGs (`openssl cms -stream`); AuthEnvelopedData with
 * authenticated attributes (their DER is the GCM additional data, RFC 5083 §2.2) and 12–16-byte tags.
 *
 * **Failures.** Input is checked by `checkAsn1` first (size, nesting, well-formedness); every structural
 * problem is a `MalformedInputError`; an algorithm semper does not read is an `UnsupportedAlgorithmError`;
 * no recipient info for the identity is `DecryptionError('ERR_CRYPTO_NO_RECIPIENT')`; and every decryption
 * failure — bad PKCS#1 padding (after implicit rejection), OAEP failure, invalid ephemeral point, AES key
 * wrap integrity failure, wrong key, bad GCM tag, bad CBC padding — is the one
 * `DecryptionError('ERR_CRYPTO_DECRYPTION_FAILED', 'decryption failed')`, without a cause. Never a raw error.
 *
 * **Standard vs pkijs (AuthEnvelopedData).** RFC 5084 §3.2 puts a GCMParameters SEQUENCE
 * `{ aes-nonce OCTET STRING, aes-ICVlen INTEGER DEFAULT 12 }` in the content-encryption AlgorithmIdentifier
 * and RFC 5083 puts the tag in AuthEnvelopedData's `mac`. pkijs (4.0.0) has no AuthEnvelopedData: it writes
 * AES-GCM into an EnvelopedData with a bare 16-byte OCTET STRING as the "IV" parameter and the tag appended
 * to the ciphertext, which OpenSSL rejects. OpenSSL 3.0 writes and requires the ICVlen field (its decoder
 * has no default for it), and writes 16. semper writes `SEQUENCE { OCTET STRING (12), INTEGER 16 }` — which
 * is also correct DER, since 16 is not the DEFAULT — and reads an absent ICVlen as 12, as the RFC says; the
 * `mac` length must equal ICVlen.
 *
 * **Implementation.** The frame of the message (ContentInfo → EnvelopedData/AuthEnvelopedData →
 * EncryptedContentInfo, and the RecipientInfos' fixed fields) is read and written with the zero-copy BER
 * reader / DER writer of `cms-structures.ts`, so the ciphertext is never copied by an ASN.1 library;
 * algorithm parameters are decoded with the asn1-schema declarations. Content encryption runs concurrently
 * with the per-recipient key delivery.
 *
 * @packageDocumentation
 */
import type { webcrypto } from 'node:crypto';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import type { Certificate } from './certificate.js';
import {
  equalBytes,
  compareBytes,
  copyBytes,
  parseDerStrict,
  type BerElement,
  type DerNode,
  TAG,
  berBytes,
  berChildren,
  berContent,
  berExpect,
  berOctetString,
  berOctetStringParts,
  berOid,
  berRead,
  berSmallInteger,
  derEncode,
  derInteger,
  derOid,
  derPrimitive,
  derTlv,
} from './cms-structures.js';
import {
  type ContentCipher,
  type ContentEncryption,
  type ContentEncryptionName,
  type ContentParameters,
  contentCipherByName,
  contentCipherByOid,
  contentKeyAlgorithm,
  decryptContent,
  encryptContent,
  generateContentKey,
  importContentKey,
  parseContentParameters,
} from './content-cipher.js';
import { type Asn1Limits, checkAsn1 } from './der.js';
import { CryptoError, DecryptionError, MalformedInputError, UnsupportedAlgorithmError } from './errors.js';
import type { Identity } from './identity.js';
import { agreeAndUnwrapKey, agreeAndWrapKey, parseKeyAgreementAlgorithm } from './key-agreement.js';
import {
  decryptTransportedKey,
  encryptTransportedKey,
  oaepAlgorithmIdentifier,
  parseKeyTransportAlgorithm,
} from './key-transport.js';
import type { PrivateKey } from './keys.js';
import { OID } from './oids.js';
import type { DigestName } from './signature.js';

type CryptoKey = webcrypto.CryptoKey;

/**
 * Content encryptions: {@link ContentEncryption} (written) and {@link ContentEncryptionName} (read).
 *
 * @example
 * ```ts
 * const mode: ContentEncryption = 'AES-256-CBC'; // EnvelopedData instead of AuthEnvelopedData
 * ```
 */
export type { ContentEncryption, ContentEncryptionName } from './content-cipher.js';

/**
 * Options of {@link encryptData}.
 *
 * @example
 * ```ts
 * const o: EncryptOptions = { recipients: [hub.certificate], contentEncryption: 'AES-256-GCM', ukm: true };
 * ```
 */
export interface EncryptOptions {
  /** One or more recipient certificates with RSA or EC (P-256, P-384) keys. */
  recipients: Certificate[];
  /** Default 'AES-256-GCM' (AuthEnvelopedData); the CBC modes give EnvelopedData. */
  contentEncryption?: ContentEncryption;
  /** OID of the encrypted content; default id-data. */
  contentType?: string;
  /** RSA-OAEP hash (MGF1 uses the same); default SHA-256. */
  rsaOaepHash?: DigestName;
  /** X9.63 KDF hash of the ECDH key agreement (dhSinglePass-stdDH-shaXkdf-scheme); default SHA-256. */
  ecdhKdfHash?: DigestName;
  /** User keying material for EC recipients: default none; `true` = 32 random bytes per recipient. */
  ukm?: Uint8Array | boolean;
}

/**
 * Options of {@link decryptData}.
 *
 * @example
 * ```ts
 * const o: DecryptOptions = { identity: hub, limits: { maxBytes: 16 * 1024 * 1024 } };
 * ```
 */
export interface DecryptOptions {
  /** The recipient: its private key, and its certificate to find the recipient info addressed to it. */
  identity: Identity | { privateKey: PrivateKey; certificate: Certificate };
  /** Size and nesting limits on the input; defaults in `DEFAULT_ASN1_LIMITS`. */
  limits?: Asn1Limits;
}

/**
 * What {@link decryptData} returns.
 *
 * @example
 * ```ts
 * const { content, contentType, contentEncryption }: DecryptedData = await decryptData(bytes, { identity: hub });
 * ```
 */
export interface DecryptedData {
  content: Uint8Array;
  /** OID of the decrypted content (from the EncryptedContentInfo). */
  contentType: string;
  contentEncryption: ContentEncryptionName;
}

function invalidArgument(message: string): CryptoError {
  return new CryptoError('ERR_CRYPTO_INVALID_ARGUMENT', message);
}

function malformed(what: string): never {
  throw new MalformedInputError('ERR_CRYPTO_MALFORMED', `malformed CMS: ${what}`);
}

function decryptionFailed(): DecryptionError {
  return new DecryptionError('ERR_CRYPTO_DECRYPTION_FAILED', 'decryption failed');
}

// ---------------------------------------------------------------------------------------------------------
// Recipient identifiers
// ---------------------------------------------------------------------------------------------------------

interface RecipientId {
  /** DER of the issuer Name. */
  readonly issuer: Uint8Array;
  /** Content octets of the serial number INTEGER. */
  readonly serial: Uint8Array;
  readonly subjectKeyIdentifier?: Uint8Array;
}

const recipientIds = new WeakMap<Certificate, RecipientId>();

/** The IssuerAndSerialNumber of a certificate, as the exact bytes of its TBSCertificate fields. */
function recipientIdOf(cert: Certificate): RecipientId {
  let id = recipientIds.get(cert);
  if (id === undefined) {
    const der = cert.der;
    const tbs = berChildren(berExpect(berChildren(berRead(der))[0], TAG.sequence, 'TBSCertificate'));
    const i = tbs[0]?.tag === TAG.context0c ? 1 : 0; // [0] EXPLICIT version
    const serial = berContent(berExpect(tbs[i], TAG.integer, 'serialNumber'));
    const issuer = berBytes(berExpect(tbs[i + 2], TAG.sequence, 'issuer'));
    id = { issuer, serial, subjectKeyIdentifier: cert.subjectKeyIdentifier };
    recipientIds.set(cert, id);
  }
  return id;
}

function issuerAndSerialNumber(id: RecipientId): DerNode {
  return derTlv(TAG.sequence, id.issuer, derPrimitive(TAG.integer, id.serial));
}

/** Does an IssuerAndSerialNumber element from a message name this recipient? */
function matchesIssuerAndSerial(el: BerElement, id: RecipientId): boolean {
  const [issuer, serial, ...rest] = berChildren(el);
  if (rest.length > 0) malformed('IssuerAndSerialNumber');
  berExpect(issuer, TAG.sequence, 'the issuer Name');
  berExpect(serial, TAG.integer, 'the serial number');
  return equalBytes(berContent(serial), id.serial) && equalBytes(berBytes(issuer), id.issuer);
}

function matchesKeyId(ski: Uint8Array, id: RecipientId): boolean {
  return id.subjectKeyIdentifier !== undefined && equalBytes(ski, id.subjectKeyIdentifier);
}

// ---------------------------------------------------------------------------------------------------------
// encryptData
// ---------------------------------------------------------------------------------------------------------

const DIGESTS = new Set(['SHA-256', 'SHA-384', 'SHA-512']);

function resolveUkm(ukm: Uint8Array | boolean | undefined): Uint8Array | undefined {
  if (ukm === true) return globalThis.crypto.getRandomValues(new Uint8Array(32));
  if (ukm instanceof Uint8Array) return ukm;
  if (ukm === undefined || ukm === false) return undefined;
  throw invalidArgument('ukm must be a Uint8Array or a boolean');
}

async function keyTransRecipientInfo(cert: Certificate, hash: DigestName, cek: Uint8Array): Promise<Uint8Array> {
  const key = await cert.publicKey.cryptoKey('encrypt', hash);
  const { algorithm, encryptedKey } = await encryptTransportedKey(key, hash, cek);
  // KeyTransRecipientInfo ::= SEQUENCE { version 0, rid IssuerAndSerialNumber, keyEncryptionAlgorithm, encryptedKey }
  return derEncode(
    derTlv(
      TAG.sequence,
      derInteger(0),
      issuerAndSerialNumber(recipientIdOf(cert)),
      algorithm,
      derPrimitive(TAG.octetString, encryptedKey),
    ),
  );
}

async function keyAgreeRecipientInfo(
  cert: Certificate,
  kdfHash: DigestName,
  cek: CryptoKey,
  cekBytes: 16 | 24 | 32,
  ukm: Uint8Array | undefined,
): Promise<Uint8Array> {
  const recipientKey = await cert.publicKey.cryptoKey('derive');
  const out = await agreeAndWrapKey({ recipientKey, cek, cekBytes, kdfHash, ukm });
  const bitString = new Uint8Array(out.originatorPoint.length + 1); // no unused bits
  bitString.set(out.originatorPoint, 1);
  // [1] IMPLICIT KeyAgreeRecipientInfo ::= { version 3, originator [0] EXPLICIT originatorKey [1] IMPLICIT
  //   { algorithm id-ecPublicKey (parameters absent), publicKey BIT STRING }, ukm [1] EXPLICIT OPTIONAL,
  //   keyEncryptionAlgorithm, recipientEncryptedKeys SEQUENCE OF { rid, encryptedKey } }
  return derEncode(
    derTlv(
      TAG.context1c,
      derInteger(3),
      derTlv(
        TAG.context0c,
        derTlv(TAG.context1c, derTlv(TAG.sequence, derOid(OID.ecPublicKey)), derPrimitive(TAG.bitString, bitString)),
      ),
      out.ukm === undefined ? undefined : derTlv(TAG.context1c, derPrimitive(TAG.octetString, out.ukm)),
      out.keyEncryptionAlgorithm,
      derTlv(
        TAG.sequence,
        derTlv(
          TAG.sequence,
          issuerAndSerialNumber(recipientIdOf(cert)),
          derPrimitive(TAG.octetString, out.encryptedKey),
        ),
      ),
    ),
  );
}

/** A recipient key that WebCrypto refuses (an unsupported curve, say) is a typed error, never a raw one. */
async function guardRecipient(job: Promise<Uint8Array>): Promise<Uint8Array> {
  try {
    return await job;
  } catch (err) {
    if (err instanceof CryptoError) throw err;
    throw new CryptoError('ERR_CRYPTO_INVALID_KEY', 'cannot encrypt to a recipient certificate key', { cause: err });
  }
}

/**
 * Encrypts `content` to every recipient certificate: CMS AuthEnvelopedData with AES-GCM (default
 * AES-256-GCM) or EnvelopedData with AES-CBC; RSA recipients get RSA-OAEP key transport (SHA-256 by
 * default), EC recipients ECDH key agreement (X9.63 KDF with SHA-256 by default, AES key wrap).
 *
 * Returns a DER `ContentInfo` that `openssl cms -decrypt -inform DER -recip cert.pem -inkey key.pem` opens.
 *
 * @throws {@link CryptoError} `ERR_CRYPTO_INVALID_ARGUMENT` for bad options (no recipients, unknown
 * algorithm, bad OID) and `ERR_CRYPTO_INVALID_KEY` for a recipient key that cannot receive (Ed25519).
 *
 * @example
 * ```ts
 * import { createIdentity, decryptData, encryptData } from '@semper/crypto';
 * const bob = await createIdentity({ subject: 'CN=Bob' });
 * const sealed = await encryptData(new TextEncoder().encode('secret'), { recipients: [bob.certificate] });
 * const { content } = await decryptData(sealed, { identity: bob });
 * ```
 */
export async function encryptData(content: Uint8Array, o: EncryptOptions): Promise<Uint8Array> {
  if (!(content instanceof Uint8Array)) throw invalidArgument('content must be a Uint8Array');
  return encryptPending(Promise.resolve(content), o);
}

/**
 * {@link encryptData} for content that is still being made (a signature, say): the content-encryption key
 * and every recipient's key delivery are prepared while `content` settles, and only the content encryption
 * waits for it. A rejected `content` rejects the result.
 *
 * @internal
 */
export async function encryptPending(content: Promise<Uint8Array>, o: EncryptOptions): Promise<Uint8Array> {
  if (o === undefined || !Array.isArray(o.recipients) || o.recipients.length === 0) {
    throw invalidArgument('at least one recipient certificate is required');
  }
  const cipher = contentCipherByName(o.contentEncryption ?? 'AES-256-GCM');
  const oaepHash = o.rsaOaepHash ?? 'SHA-256';
  const kdfHash = o.ecdhKdfHash ?? 'SHA-256';
  if (!DIGESTS.has(oaepHash)) throw invalidArgument(`rsaOaepHash must be SHA-256, SHA-384 or SHA-512`);
  if (!DIGESTS.has(kdfHash)) throw invalidArgument(`ecdhKdfHash must be SHA-256, SHA-384 or SHA-512`);
  oaepAlgorithmIdentifier(oaepHash);
  let contentTypeDer: Uint8Array;
  try {
    contentTypeDer = derOid(o.contentType ?? OID.data);
  } catch {
    throw invalidArgument(`contentType is not an OID: ${String(o.contentType)}`);
  }
  for (const cert of o.recipients) {
    const type = cert?.publicKey?.type;
    if (type !== 'rsa' && type !== 'ec') {
      throw new CryptoError(
        'ERR_CRYPTO_INVALID_KEY',
        `a recipient certificate must hold an RSA or EC key, not ${String(type)}`,
      );
    }
  }

  resolveUkm(o.ukm); // validates the option before any work

  const { raw, key } = await generateContentKey(cipher);
  let hasKari = false;
  let encrypted: Awaited<ReturnType<typeof encryptContent>>;
  let ris: Uint8Array[];
  try {
    const riJobs = o.recipients.map((cert) => {
      if (cert.publicKey.type === 'rsa') return guardRecipient(keyTransRecipientInfo(cert, oaepHash, raw));
      hasKari = true;
      return guardRecipient(keyAgreeRecipientInfo(cert, kdfHash, key, cipher.keyBytes, resolveUkm(o.ukm)));
    });
    const contentJob = content.then((c) => {
      if (!(c instanceof Uint8Array)) throw invalidArgument('content must be a Uint8Array');
      return encryptContent(cipher, key, c);
    });
    [encrypted, ...ris] = await Promise.all([contentJob, ...riJobs]);
  } finally {
    raw.fill(0);
  }
  ris.sort(compareBytes); // DER: SET OF in ascending order of the encodings

  const auth = cipher.mode === 'AES-GCM';
  const eci = derTlv(
    TAG.sequence,
    contentTypeDer,
    derTlv(TAG.sequence, derOid(cipher.oid), encrypted.parameters),
    derPrimitive(TAG.context0, encrypted.ciphertext),
  );
  const body = auth
    ? derTlv(
        TAG.sequence,
        derInteger(0),
        derTlv(TAG.set, ...ris),
        eci,
        derPrimitive(TAG.octetString, encrypted.mac as Uint8Array),
      )
    : derTlv(TAG.sequence, derInteger(hasKari ? 2 : 0), derTlv(TAG.set, ...ris), eci);
  return derEncode(
    derTlv(TAG.sequence, derOid(auth ? OID.authEnvelopedData : OID.envelopedData), derTlv(TAG.context0c, body)),
  );
}

// ---------------------------------------------------------------------------------------------------------
// decryptData
// ---------------------------------------------------------------------------------------------------------

interface ParsedEnvelope {
  readonly auth: boolean;
  readonly recipientInfos: readonly BerElement[];
  readonly contentType: string;
  readonly cipher: ContentCipher;
  readonly params: ContentParameters;
  readonly ciphertext: readonly Uint8Array[];
  readonly mac?: Uint8Array;
  readonly aad?: Uint8Array;
}

function parseEnvelope(bytes: Uint8Array): ParsedEnvelope {
  const contentInfo = berExpect(berRead(bytes), TAG.sequence, 'ContentInfo');
  const [typeEl, explicit, ...extra] = berChildren(contentInfo);
  if (extra.length > 0) malformed('ContentInfo has extra fields');
  const outerType = berOid(typeEl, 'the ContentInfo contentType');
  const auth = outerType === OID.authEnvelopedData;
  if (!auth && outerType !== OID.envelopedData) {
    malformed(`content type ${outerType} is not EnvelopedData or AuthEnvelopedData`);
  }
  const wrapped = berChildren(berExpect(explicit, TAG.context0c, 'the ContentInfo content [0]'));
  if (wrapped.length !== 1) malformed('ContentInfo content');
  const fields = berChildren(berExpect(wrapped[0], TAG.sequence, auth ? 'AuthEnvelopedData' : 'EnvelopedData'));

  let i = 0;
  const version = berSmallInteger(fields[i++], 'version');
  if (auth ? version !== 0 : version > 4 || version === 1) malformed(`version ${version}`);
  const hasOriginatorInfo = fields[i]?.tag === TAG.context0c;
  if (hasOriginatorInfo) i++; // originatorInfo: certificates, not needed to decrypt
  const recipientInfos = berChildren(berExpect(fields[i++], TAG.set, 'recipientInfos'));
  if (recipientInfos.length === 0) malformed('no recipientInfos');
  const eci = berChildren(berExpect(fields[i++], TAG.sequence, 'EncryptedContentInfo'));
  let aad: Uint8Array | undefined;
  let mac: Uint8Array | undefined;
  let hasUnprotectedAttrs = false;
  if (auth) {
    if (fields[i]?.tag === TAG.context1c) {
      // RFC 5083 §2.2: the additional data is the DER of authAttrs with its SET OF tag.
      aad = copyBytes(berBytes(fields[i++]));
      aad[0] = TAG.set;
    }
    const macEl = fields[i++];
    if (macEl === undefined || (macEl.tag !== TAG.octetString && macEl.tag !== TAG.constructedOctetString))
      malformed('expected mac');
    mac = berOctetString(macEl);
    if (fields[i]?.tag === TAG.context2c) i++; // unauthAttrs
  } else if (fields[i]?.tag === TAG.context1c) {
    i++; // unprotectedAttrs
    hasUnprotectedAttrs = true;
  }
  if (i !== fields.length) malformed('unexpected fields');
  // The version is not protected by CBC encryption; it must be the one RFC 5652 §6.1 prescribes, so that
  // no byte of the message can change unnoticed.
  if (!auth && !envelopedVersionFits(version, hasOriginatorInfo, hasUnprotectedAttrs, recipientInfos)) {
    malformed(`version ${version} does not fit the structure (RFC 5652 §6.1)`);
  }

  const contentType = berOid(eci[0], 'the encrypted content type');
  const alg = berChildren(berExpect(eci[1], TAG.sequence, 'the content-encryption AlgorithmIdentifier'));
  if (alg.length < 1 || alg.length > 2) malformed('the content-encryption AlgorithmIdentifier');
  const cipher = contentCipherByOid(berOid(alg[0], 'the content-encryption algorithm'));
  if ((cipher.mode === 'AES-GCM') !== auth) {
    throw new UnsupportedAlgorithmError(
      auth
        ? `${cipher.name} in AuthEnvelopedData is not supported`
        : `${cipher.name} in EnvelopedData is not supported (use AuthEnvelopedData)`,
    );
  }
  const params = parseContentParameters(cipher, alg[1] === undefined ? undefined : berBytes(alg[1]));
  const contentEl = eci[2];
  if (contentEl === undefined) malformed('detached encrypted content is not supported');
  if ((contentEl.tag !== TAG.context0 && contentEl.tag !== TAG.context0c) || eci.length > 3)
    malformed('EncryptedContentInfo');
  const ciphertext = berOctetStringParts(contentEl);
  return { auth, recipientInfos, contentType, cipher, params, ciphertext, mac, aad };
}

/**
 * Whether an EnvelopedData version is the one RFC 5652 §6.1 prescribes: 3 with pwri or ori recipients; 0 when
 * there is no originatorInfo, no unprotectedAttrs and every recipient is a version 0 KeyTransRecipientInfo; 2
 * otherwise. With originatorInfo, 2 to 4 (3 and 4 depend on the kinds of certificates it carries).
 */
function envelopedVersionFits(
  version: number,
  hasOriginatorInfo: boolean,
  hasUnprotectedAttrs: boolean,
  recipientInfos: readonly BerElement[],
): boolean {
  if (hasOriginatorInfo) return version >= 2 && version <= 4;
  if (recipientInfos.some((ri) => ri.tag === TAG.context2c + 1 || ri.tag === TAG.context2c + 2)) return version === 3;
  const allKtriV0 = recipientInfos.every(
    (ri) => ri.tag === TAG.sequence && berSmallInteger(berChildren(ri)[0], 'KeyTransRecipientInfo version') === 0,
  );
  return version === (allKtriV0 && !hasUnprotectedAttrs ? 0 : 2);
}

function parseAlgorithmIdentifier(el: BerElement | undefined, what: string): AlgorithmIdentifier {
  berExpect(el, TAG.sequence, what);
  return parseDerStrict(berBytes(el as BerElement), AlgorithmIdentifier, what);
}

/** A recipient info addressed to the identity, reduced to what is needed to recover the CEK. */
type Delivery =
  | { readonly kind: 'ktri'; readonly algorithm: AlgorithmIdentifier; readonly encryptedKey: Uint8Array }
  | {
      readonly kind: 'kari';
      readonly algorithm: AlgorithmIdentifier;
      readonly originatorPoint: Uint8Array;
      readonly ukm?: Uint8Array;
      readonly encryptedKey: Uint8Array;
    };

function matchKtri(ri: BerElement, id: RecipientId): Delivery | undefined {
  const f = berChildren(ri);
  if (f.length !== 4) malformed('KeyTransRecipientInfo');
  // RFC 5652 §6.2.1: version 0 with IssuerAndSerialNumber, 2 with SubjectKeyIdentifier — nothing else.
  const version = berSmallInteger(f[0], 'KeyTransRecipientInfo version');
  const rid = f[1];
  let match: boolean;
  if (rid.tag === TAG.sequence && version === 0) match = matchesIssuerAndSerial(rid, id);
  else if (rid.tag === TAG.context0 && version === 2) match = matchesKeyId(berContent(rid), id);
  else return malformed('KeyTransRecipientInfo version and rid do not agree');
  berExpect(f[2], TAG.sequence, 'keyEncryptionAlgorithm');
  const encryptedKey = berContent(berExpect(f[3], TAG.octetString, 'encryptedKey'));
  if (!match) return undefined;
  return { kind: 'ktri', algorithm: parseAlgorithmIdentifier(f[2], 'keyEncryptionAlgorithm'), encryptedKey };
}

function matchKari(ri: BerElement, id: RecipientId): Delivery | undefined {
  const f = berChildren(ri);
  let i = 0;
  if (berSmallInteger(f[i++], 'KeyAgreeRecipientInfo version') !== 3) malformed('KeyAgreeRecipientInfo version');
  const originator = berChildren(berExpect(f[i++], TAG.context0c, 'originator'));
  if (originator.length !== 1) malformed('originator');
  let ukm: Uint8Array | undefined;
  if (f[i]?.tag === TAG.context1c) {
    const u = berChildren(f[i++]);
    if (u.length !== 1) malformed('ukm');
    ukm = berContent(berExpect(u[0], TAG.octetString, 'ukm'));
  }
  const algEl = f[i++];
  const reks = berChildren(berExpect(f[i++], TAG.sequence, 'recipientEncryptedKeys'));
  if (i !== f.length) malformed('KeyAgreeRecipientInfo');
  let encryptedKey: Uint8Array | undefined;
  for (const rek of reks) {
    const [rid, ek, ...rest] = berChildren(berExpect(rek, TAG.sequence, 'RecipientEncryptedKey'));
    if (rest.length > 0) malformed('RecipientEncryptedKey');
    const key = berContent(berExpect(ek, TAG.octetString, 'encryptedKey'));
    let match: boolean;
    if (rid?.tag === TAG.sequence) {
      match = matchesIssuerAndSerial(rid, id);
    } else if (rid?.tag === TAG.context0c) {
      // rKeyId [0] IMPLICIT RecipientKeyIdentifier { subjectKeyIdentifier, date OPTIONAL, other OPTIONAL }
      const rkid = berChildren(rid);
      if (rkid.length < 1 || rkid.length > 3) malformed('RecipientKeyIdentifier');
      match = matchesKeyId(berContent(berExpect(rkid[0], TAG.octetString, 'subjectKeyIdentifier')), id);
    } else {
      return malformed('KeyAgreeRecipientIdentifier');
    }
    if (match && encryptedKey === undefined) encryptedKey = key;
  }
  if (encryptedKey === undefined) return undefined;
  // Only the ephemeral-static form: originatorKey [1] IMPLICIT OriginatorPublicKey.
  if (originator[0].tag !== TAG.context1c) {
    throw new UnsupportedAlgorithmError('key agreement with a static originator key is not supported');
  }
  const [keyAlg, publicKey, ...more] = berChildren(originator[0]);
  if (more.length > 0) malformed('OriginatorPublicKey');
  if (parseAlgorithmIdentifier(keyAlg, 'the originator key algorithm').algorithm !== OID.ecPublicKey) {
    throw new UnsupportedAlgorithmError('the originator key is not an EC public key');
  }
  const bits = berContent(berExpect(publicKey, TAG.bitString, 'the originator public key'));
  // Only the uncompressed form (what OpenSSL and semper write): the compressed and hybrid forms have two
  // encodings of points with the same ECDH result, so a changed byte there would go unnoticed.
  if (bits.length < 2 || bits[0] !== 0 || bits[1] !== 0x04) malformed('the originator public key');
  const algorithm = parseAlgorithmIdentifier(algEl, 'keyEncryptionAlgorithm');
  return { kind: 'kari', algorithm, originatorPoint: bits.subarray(1), ukm, encryptedKey };
}

function findDelivery(recipientInfos: readonly BerElement[], id: RecipientId, keyType: string): Delivery | undefined {
  for (const ri of recipientInfos) {
    if (ri.tag === TAG.sequence) {
      const d = matchKtri(ri, id);
      if (d !== undefined && keyType === 'rsa') return d;
    } else if (ri.tag === TAG.context1c) {
      const d = matchKari(ri, id);
      if (d !== undefined && keyType === 'ec') return d;
    } else if (ri.tag < TAG.context2c || ri.tag > TAG.context2c + 2) {
      malformed('RecipientInfo'); // kekri [2], pwri [3], ori [4] are skipped: not for a certificate
    }
  }
  return undefined;
}

/**
 * Decrypts a CMS EnvelopedData or AuthEnvelopedData (DER or BER `ContentInfo`) with the recipient's
 * identity: finds the recipient info addressed to its certificate (IssuerAndSerialNumber or
 * SubjectKeyIdentifier), recovers the content-encryption key, and decrypts.
 *
 * Reads what semper writes and what OpenSSL writes by default and with `-keyopt` options (see the file
 * header for the accepted algorithms).
 *
 * @throws {@link MalformedInputError} for malformed, oversized or too deeply nested input;
 * {@link UnsupportedAlgorithmError} for algorithms semper does not read; {@link DecryptionError}
 * `ERR_CRYPTO_NO_RECIPIENT` when no recipient info matches, and `ERR_CRYPTO_DECRYPTION_FAILED` for every
 * decryption failure.
 *
 * @example
 * ```ts
 * import { decryptData, unpackIdentity } from '@semper/crypto';
 * const hub = await unpackIdentity(identityPem, passphrase);
 * const { content, contentType, contentEncryption } = await decryptData(bytes, { identity: hub });
 * ```
 */
export async function decryptData(bytes: Uint8Array, o: DecryptOptions): Promise<DecryptedData> {
  if (!(bytes instanceof Uint8Array)) throw invalidArgument('bytes must be a Uint8Array');
  const privateKey = o?.identity?.privateKey;
  const certificate = o?.identity?.certificate;
  if (privateKey === undefined || certificate === undefined)
    throw invalidArgument('an identity with a private key and a certificate is required');
  checkAsn1(bytes, o.limits);

  let env: ParsedEnvelope;
  let delivery: Delivery | undefined;
  try {
    env = parseEnvelope(bytes);
    delivery = findDelivery(env.recipientInfos, recipientIdOf(certificate), privateKey.type);
  } catch (err) {
    if (err instanceof CryptoError) throw err;
    throw new MalformedInputError('ERR_CRYPTO_MALFORMED', 'malformed CMS', { cause: err });
  }
  if (delivery === undefined) {
    throw new DecryptionError('ERR_CRYPTO_NO_RECIPIENT', 'no recipient info in the message matches the identity');
  }

  const cek = await recoverContentKey(delivery, privateKey, env.cipher);
  const content = await decryptContent(env.cipher, cek, env.params, env.ciphertext, env.mac, env.aad);
  return { content, contentType: env.contentType, contentEncryption: env.cipher.name };
}

/** Recovers the CEK from the matched recipient info. Typed errors only; anything else is a decryption failure. */
async function recoverContentKey(
  delivery: Delivery,
  privateKey: PrivateKey,
  cipher: ContentCipher,
): Promise<CryptoKey> {
  try {
    return await recoverContentKeyUnguarded(delivery, privateKey, cipher);
  } catch (err) {
    if (err instanceof CryptoError) throw err;
    throw decryptionFailed();
  }
}

async function recoverContentKeyUnguarded(
  delivery: Delivery,
  privateKey: PrivateKey,
  cipher: ContentCipher,
): Promise<CryptoKey> {
  if (delivery.kind === 'ktri') {
    const algorithm = parseKeyTransportAlgorithm(delivery.algorithm);
    const raw = await decryptTransportedKey(privateKey, algorithm, delivery.encryptedKey, cipher.keyBytes);
    try {
      return await importContentKey(cipher, raw);
    } finally {
      raw.fill(0);
    }
  }
  const algorithm = parseKeyAgreementAlgorithm(delivery.algorithm);
  let derive: CryptoKey;
  try {
    derive = await privateKey.cryptoKey('derive');
  } catch (err) {
    throw new CryptoError('ERR_CRYPTO_INVALID_KEY', 'the identity key cannot be used for ECDH', { cause: err });
  }
  return agreeAndUnwrapKey({
    privateKey: derive,
    originatorPoint: delivery.originatorPoint,
    ukm: delivery.ukm,
    algorithm,
    encryptedKey: delivery.encryptedKey,
    contentKey: contentKeyAlgorithm(cipher),
  });
}
