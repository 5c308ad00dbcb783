/**
 * RFC 2634 signed receipts: proof that a signed message was received and its signature verified.
 *
 * A receipt is a SignedData whose content (`id-ct-receipt`) is
 * ```asn
 * Receipt ::= SEQUENCE {
 *   version ESSVersion,                       -- 1
 *   contentType ContentType,                  -- the original's eContentType
 *   signedContentIdentifier ContentIdentifier,  -- from the original's receipt request
 *   originatorSignatureValue OCTET STRING }   -- the original's signature
 * ```
 * with a `msgSigDigest` signed attribute: the digest of the original SignerInfo's signed attributes. Both
 * directions interoperate with `openssl cms -sign_receipt` and `openssl cms -verify_receipt`.
 *
 * @packageDocumentation
 */
import {
  equalBytes,
  copyBytes,
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
import type { Asn1Limits } from './der.js';
import { CryptoError, MalformedInputError, SignatureVerificationError } from './errors.js';
import type { Certificate } from './certificate.js';
import type { Identity } from './identity.js';
import { OID } from './oids.js';
import { parseReceiptRequest } from './receipt-request.js';
import { type DigestName, digest, digestForKey, parseDigestAlgorithm } from './signature.js';
import { parseSignedData, signWithAttributes, type VerifyOptions, verifySignedData } from './signed-data.js';

export type { ReceiptRequest, ReceiptRequestOptions } from './receipt-request.js';

/**
 * Options of {@link createReceipt}.
 *
 * @example
 * ```ts
 * const o: CreateReceiptOptions = { signer: merchant, trust: new TrustStore([buyerCert]) };
 * ```
 */
export interface CreateReceiptOptions {
  /** Who acknowledges: the recipient of the original. */
  readonly signer: Identity;
  /** To verify the original before acknowledging it. */
  readonly trust: VerifyOptions['trust'];
  /** Content of a detached original. */
  readonly content?: Uint8Array;
  readonly at?: Date;
  /** Digest of the receipt's signature and of msgSigDigest; default SHA-256. */
  readonly digest?: DigestName;
  readonly signingTime?: Date;
  readonly limits?: Asn1Limits;
}

/**
 * Options of {@link verifyReceipt}.
 *
 * @example
 * ```ts
 * const o: VerifyReceiptOptions = { original: signedOrder, trust: new TrustStore([merchantCert]) };
 * ```
 */
export interface VerifyReceiptOptions {
  /** The signed message the receipt acknowledges (as it was sent). */
  readonly original: Uint8Array;
  /** The anchors the receipt signer's chain must reach. */
  readonly trust: VerifyOptions['trust'];
  readonly at?: Date;
  readonly limits?: Asn1Limits;
}

/**
 * What {@link verifyReceipt} returns.
 *
 * @example
 * ```ts
 * const { signer, signingTime } = await verifyReceipt(receipt, { original, trust });
 * ```
 */
export interface VerifiedReceipt {
  /** Who signed the receipt. */
  readonly signer: Certificate;
  readonly chain: readonly Certificate[];
  readonly signingTime?: Date;
  /** The signedContentIdentifier of the original's receipt request. */
  readonly contentIdentifier: Uint8Array;
  /** The original's eContentType. */
  readonly contentType: string;
}

function mismatch(message: string): SignatureVerificationError {
  return new SignatureVerificationError('ERR_CRYPTO_RECEIPT_MISMATCH', message);
}

/**
 * Makes the signed receipt for a signed message that requests one: verifies the original first (its
 * signature and its signer's chain against `trust`), then signs a Receipt for the first signer that asked.
 *
 * @returns a DER ContentInfo(SignedData) with content type id-ct-receipt, for `openssl cms -verify_receipt`.
 * @throws the errors of {@link verifySignedData} for an original that does not verify; {@link CryptoError}
 * `ERR_CRYPTO_NO_RECEIPT_REQUEST` when it requests no receipt.
 *
 * @example
 * ```ts
 * import { createReceipt, TrustStore } from '@semper/crypto';
 * const receipt = await createReceipt(signedOrder, { signer: merchant, trust: new TrustStore([buyer.certificate]) });
 * ```
 */
export async function createReceipt(signed: Uint8Array, o: CreateReceiptOptions): Promise<Uint8Array> {
  const verified = await verifySignedData(signed, { trust: o.trust, content: o.content, at: o.at, limits: o.limits });
  const asked = verified.signers.find((s) => s.receiptRequest !== undefined);
  if (asked?.receiptRequest === undefined || asked.signedAttributesDer === undefined) {
    throw new CryptoError('ERR_CRYPTO_NO_RECEIPT_REQUEST', 'the signed message requests no receipt');
  }
  const digestName = digestForKey(o.signer.privateKey, o.digest ?? 'SHA-256');
  // msgSigDigest uses the ORIGINAL signer's digest algorithm, as OpenSSL computes and checks it
  // (cms_ess.c: cms_msgSigDigest(original SignerInfo)), whatever the receipt itself is signed with.
  const originalDigest = asked.digestAlgorithm;
  const receipt = derEncode(
    derTlv(
      TAG.sequence,
      derInteger(1),
      derOid(verified.contentType),
      derPrimitive(TAG.octetString, asked.receiptRequest.contentIdentifier),
      derPrimitive(TAG.octetString, asked.signatureValue),
    ),
  );
  const msgSigDigest = derEncode(
    derTlv(
      TAG.sequence,
      derOid(OID.msgSigDigest),
      derTlv(TAG.set, derPrimitive(TAG.octetString, await digest(originalDigest, asked.signedAttributesDer))),
    ),
  );
  return signWithAttributes(
    receipt,
    { signer: o.signer, contentType: OID.receipt, digest: digestName, signingTime: o.signingTime },
    [msgSigDigest],
  );
}

interface ReceiptContent {
  readonly contentType: string;
  readonly contentIdentifier: Uint8Array;
  readonly originatorSignatureValue: Uint8Array;
}

function parseReceiptContent(bytes: Uint8Array): ReceiptContent {
  try {
    const el = berRead(bytes);
    if (el.end !== bytes.length) throw new Error('trailing data');
    const f = berChildren(berExpect(el, TAG.sequence, 'Receipt'));
    if (f.length !== 4 || berSmallInteger(f[0], 'version') !== 1) throw new Error('version 1 with four fields');
    return {
      contentType: berOid(f[1], 'contentType'),
      contentIdentifier: berContent(berExpect(f[2], TAG.octetString, 'signedContentIdentifier')),
      originatorSignatureValue: berContent(berExpect(f[3], TAG.octetString, 'originatorSignatureValue')),
    };
  } catch (err) {
    if (err instanceof CryptoError) throw err;
    throw new MalformedInputError('ERR_CRYPTO_MALFORMED', 'malformed Receipt', { cause: err });
  }
}

/**
 * Verifies a signed receipt for `original`: the receipt's signature and its signer's chain against `trust`,
 * then that it acknowledges exactly this message — its msgSigDigest is the digest of one of the original's
 * SignerInfos' signed attributes, whose signature it quotes, whose receipt request's content identifier
 * and whose content type it names.
 *
 * @throws the errors of {@link verifySignedData} for the receipt; {@link SignatureVerificationError}
 * `ERR_CRYPTO_RECEIPT_MISMATCH` when it does not acknowledge `original`.
 *
 * @example
 * ```ts
 * import { TrustStore, verifyReceipt } from '@semper/crypto';
 * const { signer } = await verifyReceipt(receipt, { original: signedOrder, trust: new TrustStore([merchantCert]) });
 * ```
 */
export async function verifyReceipt(receipt: Uint8Array, o: VerifyReceiptOptions): Promise<VerifiedReceipt> {
  const verified = await verifySignedData(receipt, { trust: o.trust, at: o.at, limits: o.limits });
  if (verified.contentType !== OID.receipt) {
    throw mismatch(`not a receipt: the content type is ${verified.contentType}`);
  }
  const rct = parseReceiptContent(verified.content);
  const receiptInfo = parseSignedData(receipt, o.limits).signerInfos[0];
  const msgSigDigestEl: BerElement | undefined = receiptInfo.signedAttributes?.get(OID.msgSigDigest);
  if (msgSigDigestEl === undefined) throw mismatch('the receipt has no msgSigDigest attribute');
  const msgSigDigest = berContent(berExpect(msgSigDigestEl, TAG.octetString, 'msgSigDigest'));

  const original = parseSignedData(o.original, o.limits);
  for (const osi of original.signerInfos) {
    if (osi.signedAttributesDer === undefined) continue;
    // With the original signer's digest algorithm (see createReceipt).
    const digestName = parseDigestAlgorithm(osi.digestAlgorithm);
    if (!equalBytes(await digest(digestName, osi.signedAttributesDer), msgSigDigest)) continue;
    if (!equalBytes(osi.signature, rct.originatorSignatureValue)) {
      throw mismatch('the receipt quotes another signature than the original');
    }
    const rrEl = osi.signedAttributes?.get(OID.receiptRequest);
    if (rrEl === undefined) throw mismatch('the original requests no receipt');
    if (!equalBytes(parseReceiptRequest(rrEl).contentIdentifier, rct.contentIdentifier)) {
      throw mismatch("the receipt's content identifier is not the one the original requested");
    }
    const ctEl = osi.signedAttributes?.get(OID.contentType);
    if (ctEl === undefined || berOid(ctEl, 'content-type attribute') !== rct.contentType) {
      throw mismatch("the receipt's content type is not the original's");
    }
    return {
      signer: verified.signer,
      chain: verified.chain,
      signingTime: verified.signingTime,
      contentIdentifier: copyBytes(rct.contentIdentifier),
      contentType: rct.contentType,
    };
  }
  throw mismatch('the receipt does not acknowledge this message (msgSigDigest matches no signer)');
}
