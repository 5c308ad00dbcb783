import {
  type Certificate,
  type ChainValidator,
  createSelfSignedCertificate,
  generateKeyPair,
  type Identity,
  issueCertificate,
  type KeySpec,
  TrustStore,
} from '@semper/crypto';
import { CardError } from './errors.js';

/**
 * SET's certificate-type extension, `setCext-certType` (2.23.42.7.1, SET Book 2, "CertificateType"):
 * a BIT STRING with `card(0)`, `mer(1)` and `pgwy(2)` among its named bits. The card protocol marks
 * each end-entity certificate with its role this way, so that a merchant certificate cannot act as a
 * gateway's or a cardholder's.
 *
 * @example
 * ```ts
 * import { SET_CERT_TYPE_OID } from '@semper/payment-card';
 * const ext = cert.extensions.find((e) => e.oid === SET_CERT_TYPE_OID);
 * ```
 */
export const SET_CERT_TYPE_OID = '2.23.42.7.1';

/**
 * The bit of each role in {@link SET_CERT_TYPE_OID}.
 *
 * @example
 * ```ts
 * import { CARD_ROLE_BITS } from '@semper/payment-card';
 * console.log(CARD_ROLE_BITS.gateway); // 2
 * ```
 */
export const CARD_ROLE_BITS = { cardholder: 0, merchant: 1, gateway: 2 } as const;

/**
 * A role of the card protocol.
 *
 * @example
 * ```ts
 * const role: CardRole = 'merchant';
 * ```
 */
export type CardRole = keyof typeof CARD_ROLE_BITS;

/** The DER BIT STRING with the one named bit `bit` (< 8) set: trailing zero bits dropped, as DER asks. */
function certTypeValue(bit: number): Uint8Array {
  return Uint8Array.of(0x03, 0x02, 7 - bit, 0x80 >> bit);
}

/**
 * The roles a certificate's SET certificate-type extension names (empty without one).
 *
 * @example
 * ```ts
 * import { cardRolesOf } from '@semper/payment-card';
 * cardRolesOf(gateway.certificate); // ['gateway']
 * ```
 */
export function cardRolesOf(cert: Certificate): CardRole[] {
  const ext = cert.extensions.find((e) => e.oid === SET_CERT_TYPE_OID);
  const v = ext?.value;
  // BIT STRING, short form, with 1..3 content octets (unused-bits count, then the bits).
  if (v === undefined || v.length < 3 || v[0] !== 0x03 || v[1] !== v.length - 2 || (v[2] ?? 8) > 7) return [];
  const bits = v.subarray(3);
  return (Object.keys(CARD_ROLE_BITS) as CardRole[]).filter((role) => {
    const bit = CARD_ROLE_BITS[role];
    return ((bits[bit >> 3] ?? 0) & (0x80 >> (bit & 7))) !== 0;
  });
}

/**
 * Throws `ERR_CARD_BAD_SIGNATURE` unless `cert` is marked for `role` (see {@link SET_CERT_TYPE_OID}).
 *
 * @example
 * ```ts
 * import { checkCardRole } from '@semper/payment-card';
 * checkCardRole(verified.signer, 'gateway');
 * ```
 */
export function checkCardRole(cert: Certificate, role: CardRole): void {
  if (!cardRolesOf(cert).includes(role)) {
    throw new CardError('ERR_CARD_BAD_SIGNATURE', `the certificate of ${cert.subject} is not a ${role} certificate`);
  }
}

/**
 * A small card-brand PKI (SET's brand CA, here one root): cardholder, merchant and gateway certificates
 * issued on demand, each marked with its role in SET's certificate-type extension. For tests, demos and benchmarks: keys in memory.
 *
 * @example
 * ```ts
 * import { createCardPki } from '@semper/payment-card';
 * const pki = await createCardPki();
 * const gateway = await pki.issue('gateway', 'CN=Gateway, O=Acquirer');
 * ```
 */
export interface CardPki {
  /** The brand root (self-signed CA). */
  readonly root: Identity;
  /** Trusts the root. */
  readonly trust: ChainValidator & { readonly anchors: readonly Certificate[] };
  /** An end-entity identity for `role`, issued by the root; its chain is [leaf, root]. */
  issue(
    role: CardRole,
    subject: string,
    o?: { readonly key?: KeySpec; readonly validityDays?: number },
  ): Promise<Identity>;
}

/**
 * Creates a {@link CardPki} (EC P-256 keys unless `o.key`), valid from a minute ago.
 *
 * @example
 * ```ts
 * import { createCardPki } from '@semper/payment-card';
 * const pki = await createCardPki({ name: 'Test Brand' });
 * const alice = await pki.issue('cardholder', 'CN=Alice');
 * ```
 */
export async function createCardPki(
  o: { readonly key?: KeySpec; readonly name?: string; readonly notBefore?: Date } = {},
): Promise<CardPki> {
  const spec = o.key ?? { type: 'ec', curve: 'P-256' };
  const notBefore = o.notBefore ?? new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
  const rootKeys = await generateKeyPair(spec);
  const rootCert = await createSelfSignedCertificate({
    subject: `CN=${o.name ?? 'semper card brand'} root`,
    keys: rootKeys,
    ca: true,
    notBefore,
    notAfter: new Date(notBefore.getTime() + 2 * 365 * 86_400_000),
  });
  const root: Identity = { privateKey: rootKeys.privateKey, certificate: rootCert, chain: [rootCert] };
  const trust = new TrustStore([rootCert]);
  return {
    root,
    trust,
    async issue(role, subject, io = {}) {
      if (!(role in CARD_ROLE_BITS)) throw new CardError('ERR_CARD_INVALID_ARGUMENT', `unknown role ${String(role)}`);
      const keys = await generateKeyPair(io.key ?? spec);
      const start = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
      const cert = await issueCertificate(
        {
          subject,
          publicKey: keys.publicKey,
          notBefore: start,
          notAfter: new Date(start.getTime() + (io.validityDays ?? 365) * 86_400_000),
          basicConstraints: { ca: false },
          keyUsage: [
            'digitalSignature',
            'nonRepudiation',
            keys.publicKey.type === 'rsa' ? 'keyEncipherment' : 'keyAgreement',
          ],
          extensions: [{ oid: SET_CERT_TYPE_OID, critical: false, value: certTypeValue(CARD_ROLE_BITS[role]) }],
        },
        { privateKey: rootKeys.privateKey, certificate: rootCert },
      );
      return { privateKey: keys.privateKey, certificate: cert, chain: [cert, rootCert] };
    },
  };
}
