/**
 * The RFC 2634 `ReceiptRequest` signed attribute (ESS, IMPLICIT tags), as OpenSSL writes and reads it:
 * ```asn
 * ReceiptRequest ::= SEQUENCE {
 *   signedContentIdentifier ContentIdentifier,          -- OCTET STRING
 *   receiptsFrom ReceiptsFrom,
 *   receiptsTo SEQUENCE SIZE (1..ub-receiptsTo) OF GeneralNames }
 * ReceiptsFrom ::= CHOICE {
 *   allOrFirstTier [0] AllOrFirstTier,                  -- INTEGER { allReceipts (0), firstTierRecipients (1) }
 *   receiptList [1] SEQUENCE OF GeneralNames }
 * ```
 *
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import {
  copyBytes,
  type BerElement,
  berChildren,
  berContent,
  berExpect,
  berRead,
  derEncode,
  derPrimitive,
  derTlv,
  TAG,
} from './cms-structures.js';
import { CryptoError, MalformedInputError } from './errors.js';

/**
 * What a signer asks for when it requests a signed receipt.
 *
 * @example
 * ```ts
 * const rr: ReceiptRequestOptions = { from: 'all', to: ['orders@merchant.example'] };
 * ```
 */
export interface ReceiptRequestOptions {
  /** Who is asked to return a receipt: every recipient (default) or only the first tier. */
  readonly from?: 'all' | 'first-tier';
  /** Where receipts go: e-mail addresses (rfc822Name), at least one. */
  readonly to: readonly string[];
  /** The signedContentIdentifier; default 32 random bytes. */
  readonly contentIdentifier?: Uint8Array;
}

/**
 * A receipt request found in a signed message.
 *
 * @example
 * ```ts
 * const { receiptRequest } = await verifySignedData(bytes, { trust });
 * if (receiptRequest) console.log('receipt wanted at', receiptRequest.to.join(', '));
 * ```
 */
export interface ReceiptRequest {
  readonly contentIdentifier: Uint8Array;
  /** `list`: only the names in `fromList` are asked. */
  readonly from: 'all' | 'first-tier' | 'list';
  readonly fromList?: readonly string[];
  /** The receiptsTo names: e-mail addresses, or `<type>:<value>` for other GeneralName forms. */
  readonly to: readonly string[];
}

const MAX_CONTENT_IDENTIFIER = 1024;
/** Longest e-mail address or other name read from a receipt request. */
const MAX_NAME_CHARS = 1024;

function malformed(what: string): never {
  throw new MalformedInputError('ERR_CRYPTO_MALFORMED', `malformed ReceiptRequest: ${what}`);
}

function generalNames(addresses: readonly string[]): Uint8Array {
  return derEncode(derTlv(TAG.sequence, ...addresses.map((a) => derPrimitive(0x81, new TextEncoder().encode(a)))));
}

/**
 * The DER value of the ReceiptRequest attribute for `o`.
 *
 * @throws {@link CryptoError} `ERR_CRYPTO_INVALID_ARGUMENT` for no address, an address that is not printable
 * ASCII, or a content identifier that is empty or too long.
 * @internal
 */
export function encodeReceiptRequest(o: ReceiptRequestOptions): Uint8Array {
  const to = o?.to;
  if (!Array.isArray(to) || to.length === 0) {
    throw new CryptoError('ERR_CRYPTO_INVALID_ARGUMENT', 'a receipt request needs at least one receiptsTo address');
  }
  for (const a of to) {
    if (typeof a !== 'string' || !/^[\x21-\x7e]+$/.test(a)) {
      throw new CryptoError('ERR_CRYPTO_INVALID_ARGUMENT', `not an e-mail address: ${JSON.stringify(a)}`);
    }
  }
  const from = o.from ?? 'all';
  if (from !== 'all' && from !== 'first-tier') {
    throw new CryptoError('ERR_CRYPTO_INVALID_ARGUMENT', "receipt request 'from' must be 'all' or 'first-tier'");
  }
  const id = o.contentIdentifier ?? new Uint8Array(randomBytes(32));
  if (!(id instanceof Uint8Array) || id.length === 0 || id.length > MAX_CONTENT_IDENTIFIER) {
    throw new CryptoError('ERR_CRYPTO_INVALID_ARGUMENT', 'contentIdentifier must be 1 to 1024 bytes');
  }
  return derEncode(
    derTlv(
      TAG.sequence,
      derPrimitive(TAG.octetString, id),
      derPrimitive(0x80, Uint8Array.of(from === 'all' ? 0 : 1)),
      derTlv(TAG.sequence, generalNames(to)),
    ),
  );
}

const NAME_TYPES: Readonly<Record<number, string>> = { 130: 'DNS', 134: 'URI' };

function readGeneralNames(el: BerElement): string[] {
  const out: string[] = [];
  for (const n of berChildren(berExpect(el, TAG.sequence, 'GeneralNames'))) {
    if (n.tag === 0x81 || NAME_TYPES[n.tag] !== undefined) {
      const c = berContent(n);
      if (c.length > MAX_NAME_CHARS) malformed('a name is too long');
      const text = Buffer.from(c.buffer, c.byteOffset, c.length).toString('latin1');
      if (!/^[\x20-\x7e]*$/.test(text)) malformed('a name is not IA5String');
      out.push(n.tag === 0x81 ? text : `${NAME_TYPES[n.tag]}:${text}`);
    } else {
      out.push(`GeneralName[${n.tag & 0x1f}]`);
    }
  }
  if (out.length === 0) malformed('empty GeneralNames');
  return out;
}

/**
 * Reads the value of a ReceiptRequest attribute.
 *
 * @throws {@link MalformedInputError} for anything that is not one.
 * @internal
 */
export function parseReceiptRequest(value: BerElement): ReceiptRequest {
  const f = berChildren(berExpect(value, TAG.sequence, 'ReceiptRequest'));
  if (f.length !== 3) malformed('three fields expected');
  const contentIdentifier = copyBytes(berContent(berExpect(f[0], TAG.octetString, 'signedContentIdentifier')));
  if (contentIdentifier.length === 0 || contentIdentifier.length > MAX_CONTENT_IDENTIFIER) {
    malformed('signedContentIdentifier length');
  }
  let from: ReceiptRequest['from'];
  let fromList: string[] | undefined;
  if (f[1].tag === 0x80) {
    const c = berContent(f[1]);
    if (c.length !== 1 || c[0] > 1) malformed('allOrFirstTier');
    from = c[0] === 0 ? 'all' : 'first-tier';
  } else if (f[1].tag === 0xa1) {
    from = 'list';
    fromList = berChildren(f[1]).flatMap(readGeneralNames);
  } else {
    return malformed('receiptsFrom');
  }
  const toSeq = berChildren(berExpect(f[2], TAG.sequence, 'receiptsTo'));
  if (toSeq.length === 0) malformed('empty receiptsTo');
  const to = toSeq.flatMap(readGeneralNames);
  return fromList === undefined ? { contentIdentifier, from, to } : { contentIdentifier, from, fromList, to };
}

/** Reads a ReceiptRequest from its DER (for tests and tools). @internal */
export function decodeReceiptRequest(der: Uint8Array): ReceiptRequest {
  const el = berRead(der);
  if (el.end !== der.length) malformed('trailing data');
  return parseReceiptRequest(el);
}
