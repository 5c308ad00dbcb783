import {
  type Certificate,
  CryptoError,
  checkAsn1,
  type Identity,
  OID,
  openContainer,
  sealContainer,
  type VerifyOptions,
} from '@semper/crypto';
import { canonicalBytes, parseCanonical, StatementsError } from '@semper/statements';
import { z } from 'zod';
import { children, content, decodeOid, encodeOid, expectTag, readTlv, TAG, tlv } from './der.js';
import { SdcError, type SdcErrorCode } from './errors.js';
import {
  describeIssues,
  makeSdcHeader,
  SDC_FORMAT,
  type SdcHeader,
  type SdcHeaderInput,
  sdcHeaderSchema,
  sdcPartyId,
} from './header.js';
import { resolveLimits, type SdcLimits } from './limits.js';

/**
 * The CMS eContentType of the signed content of an SDC, `id-ct-semperSdc` (a UUID-derived OID, ITU-T X.667):
 * `openssl cms -verify` prints the content whatever its type; `-econtent_type` writes it.
 *
 * @example
 * ```ts
 * import { SDC_ECONTENT_TYPE } from '@semper/sdc';
 * console.log(SDC_ECONTENT_TYPE); // 2.25.77995094637871956316037763970029116617
 * ```
 */
export const SDC_ECONTENT_TYPE = '2.25.77995094637871956316037763970029116617';

/**
 * The attribute type of the clear header, `id-aa-semperSdcHeader`: the one unauthenticated attribute
 * (unauthAttrs) of the AuthEnvelopedData, whose single UTF8String value is the canonical JSON of the header.
 *
 * @example
 * ```ts
 * import { SDC_HEADER_ATTRIBUTE } from '@semper/sdc';
 * console.log(SDC_HEADER_ATTRIBUTE); // 2.25.93151500852409890110331868087060237725
 * ```
 */
export const SDC_HEADER_ATTRIBUTE = '2.25.93151500852409890110331868087060237725';

/**
 * A container to seal: its header (completed by {@link makeSdcHeader}) and a JSON body.
 *
 * @example
 * ```ts
 * import type { SdcInput } from '@semper/sdc';
 * const c: SdcInput = { header: { type: 'message', sequence: 1 }, body: { text: 'hello' } };
 * ```
 */
export interface SdcInput {
  readonly header: SdcHeaderInput | SdcHeader;
  /** JSON data (null, booleans, finite numbers, strings, arrays, plain objects); canonicalised per RFC 8785. */
  readonly body: unknown;
}

/**
 * Options of {@link sealSdc}.
 *
 * @example
 * ```ts
 * import type { SealSdcOptions } from '@semper/sdc';
 * const o: SealSdcOptions = { signer: agency, recipient: hubCertificate };
 * ```
 */
export interface SealSdcOptions {
  /** The sender's identity: it signs. */
  readonly signer: Identity;
  /** The recipient's certificate (RSA or EC): only its private key decrypts. */
  readonly recipient: Certificate;
  /** The party id of a certificate, for a missing `sender`/`recipient`; default {@link sdcPartyId}. */
  readonly partyOf?: (certificate: Certificate) => string;
  /** The CMS signing-time; default the header's `createdAt`. */
  readonly signingTime?: Date;
}

/**
 * Options of {@link openSdc}.
 *
 * @example
 * ```ts
 * import { TrustStore } from '@semper/crypto';
 * import type { OpenSdcOptions } from '@semper/sdc';
 * const o: OpenSdcOptions = { identity: hub, trust: new TrustStore([agencyCa]) };
 * ```
 */
export interface OpenSdcOptions {
  /** The recipient's identity: its private key decrypts. */
  readonly identity: Identity;
  /** The anchors the signer must chain to: a `TrustStore` or a chain validator (e.g. `@semper/certificates`' RFC 5280 one). */
  readonly trust: VerifyOptions['trust'];
  /** Validation time of the signer's chain; default now. */
  readonly at?: Date;
  /** The party id of a certificate; default {@link sdcPartyId}. The signer's must be the header's `sender`. */
  readonly partyOf?: (certificate: Certificate) => string;
  /** The opener's party id, which the header's `recipient` must be; default `partyOf(identity.certificate)`. */
  readonly recipient?: string;
  /** Stricter limits than {@link SDC_LIMITS}. */
  readonly limits?: Partial<SdcLimits>;
}

/**
 * An opened container: the signed header and body, who signed and when.
 *
 * @example
 * ```ts
 * import type { OpenedSdc } from '@semper/sdc';
 * const show = (o: OpenedSdc) => `${o.header.type} ${o.header.id} from ${o.signer.subject}`;
 * ```
 */
export interface OpenedSdc {
  readonly header: SdcHeader;
  /** The body as JSON data (E1's schemas type it per container type). */
  readonly body: unknown;
  /** The certificate that signed. */
  readonly signer: Certificate;
  /** The signer's chain, from the signer to the trust anchor. */
  readonly chain: readonly Certificate[];
  /** The CMS signing-time attribute. */
  readonly signingTime?: Date;
}

/**
 * What {@link inspectSdc} reads without decrypting.
 *
 * @example
 * ```ts
 * import type { InspectedSdc } from '@semper/sdc';
 * const line = (i: InspectedSdc) => `${i.header.type} ${i.header.sender} → ${i.header.recipient} (${i.sizes.container} bytes)`;
 * ```
 */
export interface InspectedSdc {
  /** The clear header. Not authenticated until {@link openSdc} has compared it with the signed one. */
  readonly header: SdcHeader;
  /** The CMS content type of the outer layer (id-ct-authEnvelopedData). */
  readonly contentType: string;
  /** The content-encryption algorithm OID. */
  readonly contentEncryption: string;
  /** How many recipient infos there are. */
  readonly recipients: number;
  readonly sizes: {
    /** The whole container, DER. */
    readonly container: number;
    /** The encrypted content (the signed content plus the SignedData around it). */
    readonly encryptedContent: number;
    /** The clear header, canonical JSON. */
    readonly header: number;
  };
}

const envelopeSchema = z.strictObject({ body: z.json(), header: z.unknown() });

function fail(code: SdcErrorCode, message: string, cause?: unknown): never {
  throw new SdcError(code, message, cause === undefined ? undefined : { cause });
}

const CRYPTO_CODES: Record<string, SdcErrorCode> = {
  ERR_CRYPTO_MALFORMED: 'ERR_SDC_MALFORMED',
  ERR_CRYPTO_TOO_LARGE: 'ERR_SDC_TOO_LARGE',
  ERR_CRYPTO_TOO_DEEP: 'ERR_SDC_TOO_DEEP',
  ERR_CRYPTO_UNSUPPORTED_ALGORITHM: 'ERR_SDC_UNSUPPORTED_ALGORITHM',
  ERR_CRYPTO_BAD_SIGNATURE: 'ERR_SDC_BAD_SIGNATURE',
  ERR_CRYPTO_UNTRUSTED_SIGNER: 'ERR_SDC_UNTRUSTED_SIGNER',
  ERR_CRYPTO_DECRYPTION_FAILED: 'ERR_SDC_DECRYPT_FAILED',
  ERR_CRYPTO_INVALID_KEY: 'ERR_SDC_DECRYPT_FAILED',
  ERR_CRYPTO_NO_RECIPIENT: 'ERR_SDC_WRONG_RECIPIENT',
};

/** An engine failure on untrusted input, as the SdcError it means. */
function fromCrypto(e: unknown, during: string): never {
  if (e instanceof SdcError) throw e;
  if (e instanceof CryptoError) {
    fail(CRYPTO_CODES[e.code] ?? 'ERR_SDC_MALFORMED', `${during}: ${e.message}`, e);
  }
  fail('ERR_SDC_MALFORMED', `${during}: unreadable input`, e);
}

function fromJson(e: unknown, what: string): never {
  if (e instanceof StatementsError) {
    // parseCanonical reports too deep a nesting as ERR_STATEMENTS_TOO_LARGE "JSON nested deeper than …".
    const code: SdcErrorCode = /nested deeper/.test(e.message)
      ? 'ERR_SDC_TOO_DEEP'
      : e.code === 'ERR_STATEMENTS_TOO_LARGE'
        ? 'ERR_SDC_TOO_LARGE'
        : 'ERR_SDC_MALFORMED';
    fail(code, `${what}: ${e.message}`, e);
  }
  fail('ERR_SDC_MALFORMED', `${what} is not canonical JSON`, e);
}

function checkBytes(bytes: unknown, limits: SdcLimits): Uint8Array {
  if (!(bytes instanceof Uint8Array)) fail('ERR_SDC_INVALID_ARGUMENT', 'a container is a Uint8Array');
  if (bytes.length > limits.maxContainerBytes) {
    fail('ERR_SDC_TOO_LARGE', `container of ${bytes.length} bytes exceeds the limit of ${limits.maxContainerBytes}`);
  }
  const copy = new Uint8Array(bytes); // a view of a Buffer could change under us
  try {
    checkAsn1(copy, { maxBytes: limits.maxContainerBytes, maxDepth: limits.maxAsn1Depth });
  } catch (e) {
    fromCrypto(e, 'container');
  }
  return copy;
}

/** Checks the `format` member first, so that another version is named as such, then the schema. */
function parseHeader(value: unknown, where: string): SdcHeader {
  const format = (value as { format?: unknown } | null)?.format;
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && format !== SDC_FORMAT) {
    if (typeof format === 'string' && /^semper-sdc\//.test(format)) {
      fail(
        'ERR_SDC_UNSUPPORTED_VERSION',
        `${where}: format ${JSON.stringify(format.slice(0, 40))} is not supported (only ${SDC_FORMAT})`,
      );
    }
  }
  const parsed = sdcHeaderSchema.safeParse(value);
  if (!parsed.success) fail('ERR_SDC_MALFORMED', `${where} is invalid: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

interface Frame {
  readonly contentType: string;
  readonly aed: ReturnType<typeof readTlv>;
  readonly fields: ReturnType<typeof readTlv>[];
}

/** The outer ContentInfo and the AuthEnvelopedData fields. */
function readFrame(bytes: Uint8Array): Frame {
  const ci = expectTag(readTlv(bytes, 0), TAG.sequence, 'a ContentInfo SEQUENCE');
  if (ci.end !== bytes.length) fail('ERR_SDC_MALFORMED', 'malformed container: bytes after the ContentInfo');
  const [oid, explicit, extra] = children(bytes, ci);
  if (extra !== undefined) fail('ERR_SDC_MALFORMED', 'malformed container: ContentInfo has extra fields');
  const contentType = decodeOid(content(bytes, expectTag(oid, TAG.oid, 'the content type')));
  if (contentType !== OID.authEnvelopedData) {
    fail('ERR_SDC_MALFORMED', `an SDC is an AuthEnvelopedData, found content type ${contentType}`);
  }
  const inner = children(bytes, expectTag(explicit, TAG.context0c, 'the [0] content'));
  if (inner.length !== 1) fail('ERR_SDC_MALFORMED', 'malformed container: [0] content');
  const aed = expectTag(inner[0], TAG.sequence, 'an AuthEnvelopedData SEQUENCE');
  return { contentType, aed, fields: children(bytes, aed) };
}

interface ClearHeader {
  readonly header: SdcHeader;
  readonly headerBytes: Uint8Array;
  readonly frame: Frame;
}

function readClearHeader(bytes: Uint8Array, limits: SdcLimits): ClearHeader {
  const frame = readFrame(bytes);
  const last = frame.fields[frame.fields.length - 1];
  if (last === undefined || last.tag !== TAG.context2c)
    fail('ERR_SDC_MALFORMED', 'the container has no clear header (unauthAttrs)');
  const attrs = children(bytes, last);
  if (attrs.length !== 1) fail('ERR_SDC_MALFORMED', 'the unauthAttrs must hold exactly the header attribute');
  const [type, values, more] = children(bytes, expectTag(attrs[0], TAG.sequence, 'an Attribute'));
  if (more !== undefined) fail('ERR_SDC_MALFORMED', 'malformed container: Attribute has extra fields');
  const attrType = decodeOid(content(bytes, expectTag(type, TAG.oid, 'the attribute type')));
  if (attrType !== SDC_HEADER_ATTRIBUTE) fail('ERR_SDC_MALFORMED', `unexpected unauthenticated attribute ${attrType}`);
  const vals = children(bytes, expectTag(values, TAG.set, 'the attribute values'));
  if (vals.length !== 1) fail('ERR_SDC_MALFORMED', 'the header attribute must have exactly one value');
  const value = expectTag(vals[0], TAG.utf8String, 'a UTF8String header');
  const headerBytes = content(bytes, value);
  if (headerBytes.length > limits.maxHeaderBytes) {
    fail(
      'ERR_SDC_TOO_LARGE',
      `clear header of ${headerBytes.length} bytes exceeds the limit of ${limits.maxHeaderBytes}`,
    );
  }
  let json: unknown;
  try {
    json = parseCanonical(headerBytes, { maxBytes: limits.maxHeaderBytes, maxDepth: 2 });
  } catch (e) {
    fromJson(e, 'the clear header');
  }
  return { header: parseHeader(json, 'the clear header'), headerBytes, frame };
}

/**
 * Seals a Secure Data Container: the canonical JSON (RFC 8785) of `{ body, header }`, signed by the sender
 * (CMS SignedData, eContentType {@link SDC_ECONTENT_TYPE}), then encrypted to the recipient (CMS
 * AuthEnvelopedData, AES-256-GCM), with the header also in clear as the unauthenticated attribute
 * {@link SDC_HEADER_ATTRIBUTE} so that {@link inspectSdc} reads it without the key. The result is DER that
 * `openssl cms -decrypt` then `openssl cms -verify` open.
 *
 * @throws {@link SdcError} `ERR_SDC_INVALID_ARGUMENT` for a bad header or a body that is not JSON data,
 * `ERR_SDC_TOO_LARGE` when the result would exceed {@link SDC_LIMITS}.
 *
 * @example
 * ```ts
 * import { sealSdc } from '@semper/sdc';
 * const bytes = await sealSdc(
 *   { header: { type: 'export', sequence: 1n }, body: { table: 'transfers', rows: [] } },
 *   { signer: agency, recipient: hub.certificate },
 * );
 * ```
 */
export async function sealSdc(input: SdcInput, options: SealSdcOptions): Promise<Uint8Array> {
  if (input === null || typeof input !== 'object') fail('ERR_SDC_INVALID_ARGUMENT', 'sealSdc takes { header, body }');
  if (options?.signer === undefined || options.recipient === undefined) {
    fail('ERR_SDC_INVALID_ARGUMENT', 'sealSdc needs a signer identity and a recipient certificate');
  }
  const partyOf = options.partyOf ?? sdcPartyId;
  const h = input.header as SdcHeaderInput;
  const header = makeSdcHeader({
    ...h,
    sender: h?.sender ?? partyOf(options.signer.certificate),
    recipient: h?.recipient ?? partyOf(options.recipient),
  });
  const proto = protoKeyPath(input.body);
  if (proto !== undefined) {
    fail('ERR_SDC_INVALID_ARGUMENT', `the body has a member named "__proto__" at ${proto}, which readers refuse`);
  }
  let signedContent: Uint8Array;
  let headerBytes: Uint8Array;
  try {
    signedContent = canonicalBytes({ body: input.body, header }, { maxDepth: SDC_LIMITS_DEPTH });
    headerBytes = canonicalBytes(header);
  } catch (e) {
    fail('ERR_SDC_INVALID_ARGUMENT', `the body is not JSON data: ${e instanceof Error ? e.message : 'unknown'}`);
  }
  if (signedContent.length > SDC_LIMITS_RESOLVED.maxContentBytes) {
    fail(
      'ERR_SDC_TOO_LARGE',
      `signed content of ${signedContent.length} bytes exceeds the limit of ${SDC_LIMITS_RESOLVED.maxContentBytes}`,
    );
  }
  let sealed: Uint8Array;
  try {
    sealed = await sealContainer(signedContent, {
      signer: options.signer,
      recipients: [options.recipient],
      contentEncryption: 'AES-256-GCM',
      contentType: SDC_ECONTENT_TYPE,
      signingTime: options.signingTime ?? new Date(header.createdAt),
    });
  } catch (e) {
    if (e instanceof CryptoError) fail('ERR_SDC_INVALID_ARGUMENT', `cannot seal: ${e.message}`, e);
    throw e;
  }
  const out = withClearHeader(sealed, headerBytes);
  if (out.length > SDC_LIMITS_RESOLVED.maxContainerBytes) {
    fail(
      'ERR_SDC_TOO_LARGE',
      `container of ${out.length} bytes exceeds the limit of ${SDC_LIMITS_RESOLVED.maxContainerBytes}`,
    );
  }
  return out;
}

const SDC_LIMITS_RESOLVED = resolveLimits(undefined);
const SDC_LIMITS_DEPTH = SDC_LIMITS_RESOLVED.maxJsonDepth;

/** Appends `unauthAttrs [2] { Attribute { id-aa-semperSdcHeader, SET { UTF8String header } } }` to the AuthEnvelopedData. */
export function withClearHeader(sealed: Uint8Array, headerBytes: Uint8Array): Uint8Array {
  const frame = readFrame(sealed);
  if (frame.fields.some((f) => f.tag === TAG.context2c))
    fail('ERR_SDC_MALFORMED', 'the engine wrote unauthAttrs already');
  const attr = tlv(
    TAG.context2c,
    tlv(TAG.sequence, encodeOid(SDC_HEADER_ATTRIBUTE), tlv(TAG.set, tlv(TAG.utf8String, headerBytes))),
  );
  const aed = tlv(TAG.sequence, sealed.subarray(frame.aed.contentStart, frame.aed.end), attr);
  return tlv(TAG.sequence, encodeOid(OID.authEnvelopedData), tlv(TAG.context0c, aed));
}

/**
 * Reads what can be read of a container without decrypting: the clear header (not yet authenticated), the
 * algorithms, the number of recipients and the sizes. Checks the limits first.
 *
 * @throws {@link SdcError} `ERR_SDC_TOO_LARGE`, `ERR_SDC_TOO_DEEP`, `ERR_SDC_MALFORMED`,
 * `ERR_SDC_UNSUPPORTED_VERSION`.
 *
 * @example
 * ```ts
 * import { inspectSdc } from '@semper/sdc';
 * const { header, sizes } = inspectSdc(bytes);
 * console.log(header.type, header.sender, header.sequence, sizes.container);
 * ```
 */
export function inspectSdc(bytes: Uint8Array, options: { readonly limits?: Partial<SdcLimits> } = {}): InspectedSdc {
  const limits = resolveLimits(options.limits);
  const copy = checkBytes(bytes, limits);
  const { header, headerBytes, frame } = readClearHeader(copy, limits);
  // AuthEnvelopedData: version, [0] originatorInfo?, recipientInfos, authEncryptedContentInfo, [1] authAttrs?, mac, [2] unauthAttrs
  let i = 1;
  if (frame.fields[i]?.tag === TAG.context0c) i++;
  const ris = children(copy, expectTag(frame.fields[i++], TAG.set, 'recipientInfos'));
  const eci = children(copy, expectTag(frame.fields[i], TAG.sequence, 'the EncryptedContentInfo'));
  const alg = children(copy, expectTag(eci[1], TAG.sequence, 'the content-encryption algorithm'));
  const contentEncryption = decodeOid(content(copy, expectTag(alg[0], TAG.oid, 'the content-encryption algorithm')));
  const enc = eci[2];
  return {
    header,
    contentType: frame.contentType,
    contentEncryption,
    recipients: ris.length,
    sizes: {
      container: copy.length,
      encryptedContent: enc === undefined ? 0 : enc.end - enc.contentStart,
      header: headerBytes.length,
    },
  };
}

/**
 * Opens a Secure Data Container: checks the limits, reads the clear header (version, recipient), decrypts
 * with the recipient's key, verifies the signature and the signer's chain, reads the canonical JSON inside,
 * and checks that the signed header is byte for byte the clear one and that the signer is the sender.
 *
 * @throws {@link SdcError} with the reason: `ERR_SDC_TOO_LARGE`, `ERR_SDC_TOO_DEEP`, `ERR_SDC_MALFORMED`,
 * `ERR_SDC_UNSUPPORTED_VERSION`, `ERR_SDC_WRONG_RECIPIENT`, `ERR_SDC_DECRYPT_FAILED`,
 * `ERR_SDC_BAD_SIGNATURE`, `ERR_SDC_UNTRUSTED_SIGNER`, `ERR_SDC_HEADER_MISMATCH`, `ERR_SDC_SENDER_MISMATCH`,
 * `ERR_SDC_UNSUPPORTED_ALGORITHM`.
 *
 * @example
 * ```ts
 * import { TrustStore } from '@semper/crypto';
 * import { openSdc } from '@semper/sdc';
 * const { header, body, signer } = await openSdc(bytes, { identity: hub, trust: new TrustStore([agencyCa]) });
 * ```
 */
export async function openSdc(bytes: Uint8Array, options: OpenSdcOptions): Promise<OpenedSdc> {
  if (options?.identity === undefined || options.trust === undefined) {
    fail('ERR_SDC_INVALID_ARGUMENT', 'openSdc needs the recipient identity and a trust store');
  }
  const limits = resolveLimits(options.limits);
  const copy = checkBytes(bytes, limits);
  const clear = readClearHeader(copy, limits);
  const partyOf = options.partyOf ?? sdcPartyId;
  const me = options.recipient ?? partyOf(options.identity.certificate);
  if (clear.header.recipient !== me) {
    fail(
      'ERR_SDC_WRONG_RECIPIENT',
      `the container is addressed to ${JSON.stringify(clear.header.recipient)}, not ${JSON.stringify(me)}`,
    );
  }
  let opened: Awaited<ReturnType<typeof openContainer>>;
  try {
    opened = await openContainer(copy, {
      identity: options.identity,
      trust: options.trust,
      at: options.at,
      limits: { maxBytes: limits.maxContainerBytes, maxDepth: limits.maxAsn1Depth },
    });
  } catch (e) {
    fromCrypto(e, 'cannot open the container');
  }
  if (opened.contentType !== SDC_ECONTENT_TYPE) {
    fail('ERR_SDC_MALFORMED', `the signed content type is ${opened.contentType}, not id-ct-semperSdc`);
  }
  if (opened.content.length > limits.maxContentBytes) {
    fail(
      'ERR_SDC_TOO_LARGE',
      `signed content of ${opened.content.length} bytes exceeds the limit of ${limits.maxContentBytes}`,
    );
  }
  let json: unknown;
  try {
    json = parseCanonical(opened.content, { maxBytes: limits.maxContentBytes, maxDepth: limits.maxJsonDepth });
  } catch (e) {
    fromJson(e, 'the signed content');
  }
  // Before the schema: zod (like any code that copies by assignment) drops a "__proto__" member, so the
  // body handed out would differ from the body that was signed.
  const proto = protoKeyPath(json);
  if (proto !== undefined) fail('ERR_SDC_MALFORMED', `the signed content has a member named "__proto__" at ${proto}`);
  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success) fail('ERR_SDC_MALFORMED', `the signed content is invalid: ${describeIssues(envelope.error)}`);
  const header = parseHeader(envelope.data.header, 'the signed header');
  if (!equalBytes(canonicalBytes(header), clear.headerBytes)) {
    fail('ERR_SDC_HEADER_MISMATCH', 'the clear header differs from the signed header');
  }
  const signerParty = partyOf(opened.signer);
  if (signerParty !== header.sender) {
    fail(
      'ERR_SDC_SENDER_MISMATCH',
      `the header names sender ${JSON.stringify(header.sender)}, the signer is ${JSON.stringify(signerParty)}`,
    );
  }
  return {
    header,
    body: envelope.data.body,
    signer: opened.signer,
    chain: opened.chain,
    signingTime: opened.signingTime,
  };
}

/**
 * The path (`$.a[0].b`) of the first member named `__proto__` in a JSON value, or undefined. Such a member
 * is refused both ways (§4 of the format): code that copies a body by assignment would set a prototype
 * instead of a member. Iterative, so a deep value cannot exhaust the stack.
 */
function protoKeyPath(value: unknown): string | undefined {
  const stack: Array<[unknown, string]> = [[value, '$']];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const [v, path] = stack.pop() as [unknown, string];
    if (v === null || typeof v !== 'object' || seen.has(v)) continue;
    seen.add(v);
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}[${i}]`]);
      continue;
    }
    if (Object.hasOwn(v, '__proto__')) return `${path}.__proto__`;
    for (const k of Object.keys(v).reverse()) stack.push([(v as Record<string, unknown>)[k], `${path}.${k}`]);
  }
  return undefined;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
