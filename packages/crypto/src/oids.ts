/**
 * Object identifiers used by the crypto engine, in one place.
 *
 * @example
 * ```ts
 * import { OID } from '@semper/crypto';
 * OID.data; // '1.2.840.113549.1.7.1'
 * ```
 */
export const OID = Object.freeze({
  // CMS content types (RFC 5652, RFC 5083, RFC 2634)
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  envelopedData: '1.2.840.113549.1.7.3',
  authEnvelopedData: '1.2.840.113549.1.9.16.1.23',
  receipt: '1.2.840.113549.1.9.16.1.1',

  // Signed attributes (RFC 5652, RFC 2634)
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  receiptRequest: '1.2.840.113549.1.9.16.2.1',
  msgSigDigest: '1.2.840.113549.1.9.16.2.5',
  contentIdentifier: '1.2.840.113549.1.9.16.2.7',
  smimeCapabilities: '1.2.840.113549.1.9.15',

  // Digests
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',

  // Signature algorithms
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha1WithRSAEncryption: '1.2.840.113549.1.1.5',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  sha384WithRSAEncryption: '1.2.840.113549.1.1.12',
  sha512WithRSAEncryption: '1.2.840.113549.1.1.13',
  rsassaPss: '1.2.840.113549.1.1.10',
  mgf1: '1.2.840.113549.1.1.8',
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaWithSHA1: '1.2.840.10045.4.1',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  ecdsaWithSHA384: '1.2.840.10045.4.3.3',
  ecdsaWithSHA512: '1.2.840.10045.4.3.4',
  ed25519: '1.3.101.112',

  // Named curves
  secp256r1: '1.2.840.10045.3.1.7',
  secp384r1: '1.3.132.0.34',
  secp521r1: '1.3.132.0.35',

  // Key transport (RFC 8017, RFC 4055)
  rsaesOaep: '1.2.840.113549.1.1.7',
  pSpecified: '1.2.840.113549.1.1.9',

  // Key agreement (RFC 5753, SEC 1 / RFC 8418)
  dhSinglePassStdDHSha1kdf: '1.3.133.16.840.63.0.2',
  dhSinglePassStdDHSha224kdf: '1.3.132.1.11.0',
  dhSinglePassStdDHSha256kdf: '1.3.132.1.11.1',
  dhSinglePassStdDHSha384kdf: '1.3.132.1.11.2',
  dhSinglePassStdDHSha512kdf: '1.3.132.1.11.3',

  // Key wrap (RFC 3394 / RFC 3565)
  aes128Wrap: '2.16.840.1.101.3.4.1.5',
  aes192Wrap: '2.16.840.1.101.3.4.1.25',
  aes256Wrap: '2.16.840.1.101.3.4.1.45',
  /** Triple-DES key wrap, RFC 3217 (read only: OpenSSL 3.0 uses it with 3DES content for EC recipients). */
  cms3DesWrap: '1.2.840.113549.1.9.16.3.6',

  // Content encryption (RFC 3565, RFC 5084)
  aes128Cbc: '2.16.840.1.101.3.4.1.2',
  aes192Cbc: '2.16.840.1.101.3.4.1.22',
  aes256Cbc: '2.16.840.1.101.3.4.1.42',
  aes128Gcm: '2.16.840.1.101.3.4.1.6',
  aes192Gcm: '2.16.840.1.101.3.4.1.26',
  aes256Gcm: '2.16.840.1.101.3.4.1.46',
  /** Triple DES (read only). */
  desEde3Cbc: '1.2.840.113549.3.7',

  // Password-based encryption (PKCS#5 v2.1, RFC 8018) for protected key files
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  hmacWithSHA256: '1.2.840.113549.2.9',

  // X.509 extensions
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  basicConstraints: '2.5.29.19',
  extKeyUsage: '2.5.29.37',
  authorityKeyIdentifier: '2.5.29.35',
});

/** Every OID name the engine knows. */
export type OidName = keyof typeof OID;
