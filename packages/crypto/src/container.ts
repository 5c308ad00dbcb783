import type { Certificate } from './certificate.js';
import type { Asn1Limits } from './der.js';
import { type ContentEncryption, decryptData, encryptPending } from './enveloped-data.js';
import { MalformedInputError } from './errors.js';
import type { Identity } from './identity.js';
import { OID } from './oids.js';
import { signData, type VerifyOptions, verifySignedData } from './signed-data.js';

/** Options of {@link sealContainer}. */
export interface SealOptions {
  /** Who signs: the sender's identity. */
  readonly signer: Identity;
  /** Who can open: one or more recipient certificates (RSA or EC). */
  readonly recipients: readonly Certificate[];
  /** Content encryption; default AES-256-GCM (AuthEnvelopedData). CBC modes give EnvelopedData. */
  readonly contentEncryption?: ContentEncryption;
  /** OID of the signed content; default id-data. */
  readonly contentType?: string;
  /** The signing-time attribute; default now. */
  readonly signingTime?: Date;
}

/** Options of {@link openContainer}. */
export interface OpenOptions {
  /** The recipient's identity (its private key decrypts). */
  readonly identity: Identity;
  /** The anchors the signer's chain must reach: a `TrustStore`, or any chain validator (e.g. the RFC 5280 one of `@semper/certificates`). */
  readonly trust: VerifyOptions['trust'];
  /** Validation time; default now. */
  readonly at?: Date;
  /** Size and nesting limits on the input; defaults in {@link DEFAULT_ASN1_LIMITS}. */
  readonly limits?: Asn1Limits;
}

/** What {@link openContainer} returns. */
export interface OpenedContainer {
  readonly content: Uint8Array;
  /** OID of the signed content. */
  readonly contentType: string;
  /** The certificate that signed. */
  readonly signer: Certificate;
  /** The signer's chain, from the signer to the trust anchor. */
  readonly chain: readonly Certificate[];
  readonly signingTime?: Date;
}

/**
 * Signs `content` with the signer's identity (CMS SignedData, attached, SHA-256, signed attributes), then
 * encrypts the DER ContentInfo(SignedData), as id-data content, to every recipient (CMS AuthEnvelopedData with AES-256-GCM by default, or
 * EnvelopedData with AES-CBC; RSA-OAEP/SHA-256 key transport or ECDH with the SHA-256 X9.63 KDF).
 *
 * The result is a DER `ContentInfo` that OpenSSL opens with `openssl cms -decrypt` then `openssl cms -verify`.
 *
 * @example
 * ```ts
 * import { createIdentity, openContainer, sealContainer, TrustStore } from '@semper/crypto';
 * const alice = await createIdentity({ subject: 'CN=Alice' });
 * const bob = await createIdentity({ subject: 'CN=Bob' });
 * const sealed = await sealContainer(new TextEncoder().encode('hello'), { signer: alice, recipients: [bob.certificate] });
 * const opened = await openContainer(sealed, { identity: bob, trust: new TrustStore([alice.certificate]) });
 * console.log(new TextDecoder().decode(opened.content), opened.signer.subject);
 * ```
 */
export async function sealContainer(content: Uint8Array, options: SealOptions): Promise<Uint8Array> {
  // Signing and the recipients' key deliveries are independent: they run at the same time, and only the
  // content encryption waits for the signature.
  const signed = signData(content, {
    signer: options.signer,
    contentType: options.contentType,
    signingTime: options.signingTime,
  });
  signed.catch(() => undefined); // its failure is reported through encryptPending, never as unhandled
  // The encrypted content is the whole DER ContentInfo(SignedData), labelled id-data: exactly what
  // `openssl cms -sign | openssl cms -encrypt` makes, and what `openssl cms -decrypt | openssl cms -verify`
  // expects — so containers travel both ways between semper and OpenSSL.
  return encryptPending(signed, {
    recipients: [...(options.recipients ?? [])],
    contentEncryption: options.contentEncryption,
    contentType: OID.data,
  });
}

/**
 * Decrypts a sealed container with the recipient's identity, then verifies the signature inside and the
 * signer's chain against `trust`. Every failure is a typed `CryptoError`: malformed or oversized input,
 * no matching recipient, decryption failure, a bad signature, an untrusted signer.
 *
 * @example
 * ```ts
 * import { openContainer, TrustStore } from '@semper/crypto';
 * const { content, signer, signingTime } = await openContainer(sealed, { identity: bob, trust: new TrustStore([alice.certificate]) });
 * ```
 */
export async function openContainer(bytes: Uint8Array, options: OpenOptions): Promise<OpenedContainer> {
  const decrypted = await decryptData(bytes, { identity: options.identity, limits: options.limits });
  // id-data, what semper and OpenSSL write (`openssl cms -sign | openssl cms -encrypt`). The label is not
  // authenticated by the content encryption, so exactly one value is accepted: a changed byte is noticed.
  if (decrypted.contentType !== OID.data) {
    throw new MalformedInputError(
      'ERR_CRYPTO_MALFORMED',
      `a container must hold a signed ContentInfo, found content type ${decrypted.contentType}`,
    );
  }
  const verified = await verifySignedData(decrypted.content, {
    trust: options.trust,
    at: options.at,
    limits: options.limits,
  });
  return {
    content: verified.content,
    contentType: verified.contentType,
    signer: verified.signer,
    chain: verified.chain,
    signingTime: verified.signingTime,
  };
}
