/**
 * `@semper/crypto`: the crypto engine. Keys and identities, X.509 certificates, CMS SignedData,
 * EnvelopedData and AuthEnvelopedData, RFC 2634 receipts, and sealed containers — all interoperable with
 * `openssl cms`. Every malformed input gives a typed {@link CryptoError}.
 *
 * @packageDocumentation
 */
export {
  Certificate,
  type CertificateExtension,
  type CertificateIssuer,
  type CertificateTemplate,
  createSelfSignedCertificate,
  issueCertificate,
  type KeyUsageName,
  type SelfSignedOptions,
} from './certificate.js';
export { type OpenedContainer, type OpenOptions, openContainer, type SealOptions, sealContainer } from './container.js';
export { type Asn1Limits, checkAsn1, DEFAULT_ASN1_LIMITS } from './der.js';
export {
  type ContentEncryption,
  type ContentEncryptionName,
  type DecryptedData,
  type DecryptOptions,
  decryptData,
  type EncryptOptions,
  encryptData,
} from './enveloped-data.js';
export * from './errors.js';
export {
  type CreateIdentityOptions,
  createIdentity,
  DEFAULT_PBKDF2_ITERATIONS,
  decryptPrivateKey,
  encryptPrivateKey,
  type Identity,
  type ProtectOptions,
  packIdentity,
  unpackIdentity,
} from './identity.js';
export {
  type CurveName,
  generateKeyPair,
  type KeyHash,
  type KeySpec,
  type KeyType,
  PrivateKey,
  type PrivateKeyPurpose,
  PublicKey,
  type PublicKeyPurpose,
} from './keys.js';
export { commonNameOf, encodeName, formatName } from './name.js';
export { OID, type OidName } from './oids.js';
export { fromPem, type PemBlock, toPem } from './pem.js';
export {
  type CreateReceiptOptions,
  createReceipt,
  type ReceiptRequest,
  type ReceiptRequestOptions,
  type VerifiedReceipt,
  type VerifyReceiptOptions,
  verifyReceipt,
} from './receipt.js';
export type { DigestName, ReadDigestName, SignatureScheme } from './signature.js';
export {
  type InspectedSignedData,
  inspectSignedData,
  type SignOptions,
  signData,
  type VerifiedSignedData,
  type VerifiedSigner,
  type VerifyOptions,
  verifySignedData,
} from './signed-data.js';
export { type ChainValidator, TrustStore } from './trust.js';
