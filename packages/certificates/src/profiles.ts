/**
 * Certificate profiles: what a certificate for each kind of party may do (keyUsage, extendedKeyUsage,
 * basicConstraints), which keys it may certify, and how long it may be valid. A CA module applies the
 * profile; it never copies usages from the request.
 *
 * | profile      | keys             | keyUsage (critical)                                          | extendedKeyUsage                  | basicConstraints    | validity (default / max) |
 * | ------------ | ---------------- | ------------------------------------------------------------ | --------------------------------- | ------------------- | ------------------------ |
 * | `signing`    | EC, RSA, Ed25519 | digitalSignature, nonRepudiation                             | emailProtection                   | CA:FALSE            | 730 / 1095 days          |
 * | `encryption` | EC, RSA          | keyAgreement (EC) / keyEncipherment (RSA)                    | emailProtection                   | CA:FALSE            | 730 / 1095 days          |
 * | `ttp`        | EC, RSA          | digitalSignature, nonRepudiation, keyAgreement / keyEncipherment | emailProtection               | CA:FALSE            | 1095 / 1825 days         |
 * | `ca`         | EC, RSA, Ed25519 | keyCertSign, cRLSign                                         | —                                 | CA:TRUE, pathLen 0  | 1825 / 3650 days         |
 * | `hub`        | EC, RSA          | digitalSignature, nonRepudiation, keyAgreement / keyEncipherment | emailProtection, serverAuth   | CA:FALSE            | 730 / 1095 days          |
 * | `agency`     | EC, RSA          | digitalSignature, nonRepudiation, keyAgreement / keyEncipherment | emailProtection, clientAuth   | CA:FALSE            | 730 / 1095 days          |
 *
 * @packageDocumentation
 */
import type { KeyType, KeyUsageName, PublicKey } from '@semper/crypto';
import { CertificatesError } from './errors.js';

/**
 * The extended key usage OIDs the profiles use (RFC 5280 §4.2.1.12).
 *
 * @example
 * ```ts
 * import { EXTENDED_KEY_USAGE } from '@semper/certificates';
 * if (cert.extendedKeyUsage?.includes(EXTENDED_KEY_USAGE.emailProtection)) console.log('signs CMS / S/MIME');
 * ```
 */
export const EXTENDED_KEY_USAGE = Object.freeze({
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  ocspSigning: '1.3.6.1.5.5.7.3.9',
});

/**
 * The names of the certificate profiles.
 *
 * @example
 * ```ts
 * import type { CertificateProfileName } from '@semper/certificates';
 * const profile: CertificateProfileName = 'agency';
 * ```
 */
export type CertificateProfileName = 'signing' | 'encryption' | 'ttp' | 'ca' | 'hub' | 'agency';

/**
 * Every profile name, in the order of the table.
 *
 * @example
 * ```ts
 * import { CERTIFICATE_PROFILE_NAMES } from '@semper/certificates';
 * for (const name of CERTIFICATE_PROFILE_NAMES) console.log(name);
 * ```
 */
export const CERTIFICATE_PROFILE_NAMES: readonly CertificateProfileName[] = Object.freeze([
  'signing',
  'encryption',
  'ttp',
  'ca',
  'hub',
  'agency',
]);

/**
 * A certificate profile (see the table in the package README).
 *
 * @example
 * ```ts
 * import { CERTIFICATE_PROFILES } from '@semper/certificates';
 * const { keyUsage, extendedKeyUsage } = CERTIFICATE_PROFILES.signing;
 * console.log(keyUsage.ec, extendedKeyUsage); // ['digitalSignature', 'nonRepudiation'] ['1.3.6.1.5.5.7.3.4']
 * ```
 */
export interface CertificateProfile {
  readonly name: CertificateProfileName;
  /** What the profile is for, in words. */
  readonly description: string;
  /** The keyUsage bits by key type; a key type without an entry may not be certified under this profile. */
  readonly keyUsage: Readonly<Partial<Record<KeyType, readonly KeyUsageName[]>>>;
  /** extendedKeyUsage OIDs (not critical); absent: no extendedKeyUsage extension. */
  readonly extendedKeyUsage?: readonly string[];
  /** basicConstraints (critical). */
  readonly basicConstraints: { readonly ca: boolean; readonly pathLength?: number };
  /** Validity when the request names none, in days (cut at the issuer's notAfter). */
  readonly defaultValidityDays: number;
  /** The longest validity a request may ask for, in days. */
  readonly maxValidityDays: number;
}

const SIGN: readonly KeyUsageName[] = ['digitalSignature', 'nonRepudiation'];
const DUAL_EC: readonly KeyUsageName[] = ['digitalSignature', 'nonRepudiation', 'keyAgreement'];
const DUAL_RSA: readonly KeyUsageName[] = ['digitalSignature', 'nonRepudiation', 'keyEncipherment'];

/**
 * The profiles. Why each is as it is:
 * - `signing`: signed statements (CMS SignedData): digitalSignature for the signature, nonRepudiation
 *   (contentCommitment) because the statements are evidence; emailProtection is the purpose OpenSSL and
 *   S/MIME agents check for CMS signers (`openssl cms -verify`, `-purpose smimesign`).
 * - `encryption`: receiving CMS EnvelopedData: keyEncipherment for RSA key transport, keyAgreement for
 *   ECDH (RFC 5753); Ed25519 cannot receive. A separate key from the signing one, so that a decryption key
 *   can be escrowed or recovered without touching the evidence key.
 * - `ttp`: the trusted third party of the fair exchanges signs its affidavits and resolutions (evidence:
 *   digitalSignature + nonRepudiation) and must open the items parties escrow to it in the resolve
 *   protocol (keyAgreement / keyEncipherment). **No timeStamping**: RFC 3161 §2.3 requires a TSA
 *   certificate's extendedKeyUsage to be timeStamping *alone* and critical, so adding it here would make the
 *   certificate a non-conformant TSA certificate and, with a critical EKU, unusable for CMS; semper's
 *   evidence carries the signer's signing-time attribute, and a TTP that runs an RFC 3161 TSA gets a
 *   dedicated certificate for it.
 * - `ca`: a subordinate CA certified from a request: keyCertSign + cRLSign, CA:TRUE with pathLen 0 (it
 *   may issue end-entity certificates only); no extendedKeyUsage (in a CA certificate it would constrain
 *   every path below).
 * - `hub`: the money-transfer hub signs receipts, receives SDCs encrypted to it and serves HTTPS:
 *   dual-use keyUsage, emailProtection and serverAuth.
 * - `agency`: an agency signs its exports, receives the hub's SDCs and connects to the hub as a TLS
 *   client: dual-use keyUsage, emailProtection and clientAuth.
 *
 * @example
 * ```ts
 * import { CERTIFICATE_PROFILES } from '@semper/certificates';
 * CERTIFICATE_PROFILES.encryption.keyUsage.ed25519; // undefined: Ed25519 keys cannot receive
 * ```
 */
export const CERTIFICATE_PROFILES: Readonly<Record<CertificateProfileName, CertificateProfile>> = Object.freeze({
  signing: {
    name: 'signing',
    description: 'signs statements (CMS SignedData) as evidence',
    keyUsage: { ec: SIGN, rsa: SIGN, ed25519: SIGN },
    extendedKeyUsage: [EXTENDED_KEY_USAGE.emailProtection],
    basicConstraints: { ca: false },
    defaultValidityDays: 730,
    maxValidityDays: 1095,
  },
  encryption: {
    name: 'encryption',
    description: 'receives encrypted items (CMS EnvelopedData / AuthEnvelopedData)',
    keyUsage: { ec: ['keyAgreement'], rsa: ['keyEncipherment'] },
    extendedKeyUsage: [EXTENDED_KEY_USAGE.emailProtection],
    basicConstraints: { ca: false },
    defaultValidityDays: 730,
    maxValidityDays: 1095,
  },
  ttp: {
    name: 'ttp',
    description: 'the trusted third party: signs affidavits and resolutions, opens escrowed items',
    keyUsage: { ec: DUAL_EC, rsa: DUAL_RSA },
    extendedKeyUsage: [EXTENDED_KEY_USAGE.emailProtection],
    basicConstraints: { ca: false },
    defaultValidityDays: 1095,
    maxValidityDays: 1825,
  },
  ca: {
    name: 'ca',
    description: 'a subordinate CA that issues end-entity certificates only',
    keyUsage: {
      ec: ['keyCertSign', 'cRLSign'],
      rsa: ['keyCertSign', 'cRLSign'],
      ed25519: ['keyCertSign', 'cRLSign'],
    },
    basicConstraints: { ca: true, pathLength: 0 },
    defaultValidityDays: 1825,
    maxValidityDays: 3650,
  },
  hub: {
    name: 'hub',
    description: 'the money-transfer hub: signs receipts, receives SDCs, serves HTTPS',
    keyUsage: { ec: DUAL_EC, rsa: DUAL_RSA },
    extendedKeyUsage: [EXTENDED_KEY_USAGE.emailProtection, EXTENDED_KEY_USAGE.serverAuth],
    basicConstraints: { ca: false },
    defaultValidityDays: 730,
    maxValidityDays: 1095,
  },
  agency: {
    name: 'agency',
    description: 'an agency: signs its exports, receives the hub’s SDCs, connects to the hub as a TLS client',
    keyUsage: { ec: DUAL_EC, rsa: DUAL_RSA },
    extendedKeyUsage: [EXTENDED_KEY_USAGE.emailProtection, EXTENDED_KEY_USAGE.clientAuth],
    basicConstraints: { ca: false },
    defaultValidityDays: 730,
    maxValidityDays: 1095,
  },
} satisfies Record<CertificateProfileName, CertificateProfile>);

/**
 * Whether `name` is a profile name.
 *
 * @example
 * ```ts
 * import { isCertificateProfileName } from '@semper/certificates';
 * isCertificateProfileName('agency'); // true
 * isCertificateProfileName('admin'); // false
 * ```
 */
export function isCertificateProfileName(name: unknown): name is CertificateProfileName {
  return typeof name === 'string' && Object.hasOwn(CERTIFICATE_PROFILES, name);
}

/**
 * The profile with this name.
 *
 * @throws {@link CertificatesError} `ERR_CERTIFICATES_UNKNOWN_PROFILE` for any other name.
 *
 * @example
 * ```ts
 * import { getCertificateProfile } from '@semper/certificates';
 * getCertificateProfile('hub').extendedKeyUsage; // ['1.3.6.1.5.5.7.3.4', '1.3.6.1.5.5.7.3.1']
 * ```
 */
export function getCertificateProfile(name: string): CertificateProfile {
  if (!isCertificateProfileName(name)) {
    throw new CertificatesError(
      'ERR_CERTIFICATES_UNKNOWN_PROFILE',
      `unknown certificate profile ${JSON.stringify(String(name).slice(0, 64))} (${CERTIFICATE_PROFILE_NAMES.join(', ')})`,
    );
  }
  return CERTIFICATE_PROFILES[name];
}

/**
 * The keyUsage a profile gives `publicKey`.
 *
 * @throws {@link CertificatesError} `ERR_CERTIFICATES_UNSUPPORTED_KEY` when the profile does not certify keys
 * of that type (an Ed25519 key for `encryption`…).
 *
 * @example
 * ```ts
 * import { CERTIFICATE_PROFILES, profileKeyUsage } from '@semper/certificates';
 * profileKeyUsage(CERTIFICATE_PROFILES.encryption, rsaPublicKey); // ['keyEncipherment']
 * ```
 */
export function profileKeyUsage(profile: CertificateProfile, publicKey: PublicKey): readonly KeyUsageName[] {
  const usage = profile.keyUsage[publicKey.type];
  if (usage === undefined) {
    throw new CertificatesError(
      'ERR_CERTIFICATES_UNSUPPORTED_KEY',
      `the ${profile.name} profile does not certify ${publicKey.type} keys (${Object.keys(profile.keyUsage).join(', ')})`,
    );
  }
  return usage;
}
