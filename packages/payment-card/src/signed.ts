// Signed messages and the dual signature, over @semper/crypto's CMS SignedData.
import {
  type Certificate,
  type ChainValidator,
  CryptoError,
  type Identity,
  MalformedInputError,
  signData,
  verifySignedData,
} from '@semper/crypto';
import type { z } from 'zod';
import { type CardRole, checkCardRole } from './card-pki.js';
import { CardError, malformed } from './errors.js';
import { concat, decodeJson, encodeJson, MAX_MESSAGE_BYTES, sha256 } from './messages.js';

/**
 * Trust for one role: a chain validator (a `TrustStore` of anchors, or `@semper/certificates`' RFC 5280
 * validator passed in by the composition root), with the optional lookups `@semper/crypto` uses.
 *
 * @example
 * ```ts
 * import { TrustStore } from '@semper/crypto';
 * const trust: CardTrust = new TrustStore([brandRoot]);
 * ```
 */
export type CardTrust = ChainValidator & {
  find?(cert: Certificate): Certificate | undefined;
  readonly anchors?: readonly Certificate[];
};

/** @internal */
export interface OpenedSigned<T> {
  readonly value: T;
  readonly content: Uint8Array;
  readonly signer: Certificate;
}

/** @internal Signs the JSON of `value` (attached SignedData). */
export async function signJson(value: unknown, signer: Identity): Promise<{ signed: Uint8Array; content: Uint8Array }> {
  const content = encodeJson(value);
  return { signed: await signData(content, { signer }), content };
}

/** @internal */
export function cryptoFault(
  err: unknown,
  what: string,
  code: 'ERR_CARD_BAD_SIGNATURE' | 'ERR_CARD_BAD_DUAL_SIGNATURE',
): never {
  if (err instanceof CardError) throw err;
  if (err instanceof MalformedInputError) throw malformed(what, err);
  if (err instanceof CryptoError) throw new CardError(code, `${what}: ${err.message}`, { cause: err });
  throw err;
}

/**
 * @internal Verifies a signed message (trusted signer of `role`, or exactly `pinned`), then parses its
 * content with `schema`.
 */
export async function openSignedJson<S extends z.ZodType>(
  bytes: Uint8Array,
  schema: S,
  what: string,
  o: { readonly trust: CardTrust; readonly at: Date; readonly role: CardRole | null; readonly pinned?: Certificate },
): Promise<OpenedSigned<z.infer<S>>> {
  if (!(bytes instanceof Uint8Array)) throw malformed(`${what}: not bytes`);
  if (bytes.length > MAX_MESSAGE_BYTES) throw malformed(`${what}: ${bytes.length} bytes, over the limit`);
  let verified: Awaited<ReturnType<typeof verifySignedData>>;
  try {
    verified = await verifySignedData(new Uint8Array(bytes), { trust: o.trust, at: o.at });
  } catch (err) {
    cryptoFault(err, what, 'ERR_CARD_BAD_SIGNATURE');
  }
  if (verified.signers.length !== 1) throw new CardError('ERR_CARD_BAD_SIGNATURE', `${what}: expected one signer`);
  if (o.role !== null) checkCardRole(verified.signer, o.role);
  if (o.pinned !== undefined && !verified.signer.equals(o.pinned)) {
    throw new CardError(
      'ERR_CARD_BAD_SIGNATURE',
      `${what}: signed by ${verified.signer.subject}, not the expected ${o.role}`,
    );
  }
  return { value: decodeJson(verified.content, schema, what), content: verified.content, signer: verified.signer };
}

/**
 * The three digests of SET's dual signature: OIMD = H(OI), PIMD = H(PI), POMD = H(PIMD‖OIMD), with
 * H = SHA-256 over the exact bytes of the order and payment information.
 *
 * @example
 * ```ts
 * import { dualSignatureDigests } from '@semper/payment-card';
 * const { oimd, pimd, pomd } = await dualSignatureDigests(piBytes, oiBytes);
 * ```
 */
export async function dualSignatureDigests(
  pi: Uint8Array,
  oi: Uint8Array,
): Promise<{ pimd: Uint8Array; oimd: Uint8Array; pomd: Uint8Array }> {
  const [pimd, oimd] = await Promise.all([sha256(pi), sha256(oi)]);
  return { pimd, oimd, pomd: await sha256(concat(pimd, oimd)) };
}

/**
 * The cardholder's dual signature: a detached CMS SignedData whose content is PIMD‖OIMD, so that its
 * signed message-digest attribute is POMD = H(PIMD‖OIMD). The merchant checks it with the OI and PIMD,
 * the gateway with the PI and OIMD; neither needs the other's part in clear.
 *
 * @example
 * ```ts
 * import { createDualSignature } from '@semper/payment-card';
 * const { signature, pimd, oimd } = await createDualSignature(piBytes, oiBytes, cardholder);
 * ```
 */
export async function createDualSignature(
  pi: Uint8Array,
  oi: Uint8Array,
  signer: Identity,
): Promise<{ signature: Uint8Array; pimd: Uint8Array; oimd: Uint8Array; pomd: Uint8Array }> {
  const d = await dualSignatureDigests(pi, oi);
  const signature = await signData(concat(d.pimd, d.oimd), { signer, detached: true });
  return { signature, ...d };
}

/**
 * Checks a dual signature against PIMD and OIMD (32 bytes each): one signer, a trusted cardholder
 * certificate, the signature over POMD. Returns the cardholder's certificate.
 *
 * @throws {@link CardError} `ERR_CARD_BAD_DUAL_SIGNATURE` when it does not verify (any part changed),
 * `ERR_CARD_BAD_SIGNATURE` for a signer that is not a cardholder, `ERR_CARD_MALFORMED` for garbage.
 *
 * @example
 * ```ts
 * import { verifyDualSignature } from '@semper/payment-card';
 * const cardholderCert = await verifyDualSignature(signature, { pimd, oimd, trust: brandTrust });
 * ```
 */
export async function verifyDualSignature(
  signature: Uint8Array,
  o: { readonly pimd: Uint8Array; readonly oimd: Uint8Array; readonly trust: CardTrust; readonly at?: Date },
): Promise<Certificate> {
  if (o.pimd?.length !== 32 || o.oimd?.length !== 32) throw malformed('dual signature: digests must be 32 bytes');
  if (!(signature instanceof Uint8Array) || signature.length > 64 * 1024) throw malformed('dual signature: size');
  let verified: Awaited<ReturnType<typeof verifySignedData>>;
  try {
    verified = await verifySignedData(new Uint8Array(signature), {
      trust: o.trust,
      content: concat(o.pimd, o.oimd),
      at: o.at ?? new Date(),
    });
  } catch (err) {
    cryptoFault(err, 'dual signature', 'ERR_CARD_BAD_DUAL_SIGNATURE');
  }
  if (verified.signers.length !== 1)
    throw new CardError('ERR_CARD_BAD_DUAL_SIGNATURE', 'dual signature: expected one signer');
  checkCardRole(verified.signer, 'cardholder');
  return verified.signer;
}
