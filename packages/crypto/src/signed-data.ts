/**
 * CMS SignedData (RFC 5652 §5), attached or detached.
 *
 * **Writing** (`signData`): one SignerInfo, the signer named by IssuerAndSerialNumber (OpenSSL's default),
 * signed attributes content-type, signing-time (UTCTime before 2050), message-digest and, when asked, an
 * RFC 2634 receipt request — encoded as a DER SET OF, sorted, and signed as such; SHA-256 by default
 * (SHA-384, SHA-512 on request; SHA-1 never; Ed25519 always SHA-512, RFC 8419); ECDSA with a DER
 * Ecdsa-Sig-Value, RSA PKCS#1 v1.5 (`rsaEncryption` in the SignerInfo, as OpenSSL writes), Ed25519; the
 * signer's chain in `certificates` (sorted, as DER wants a SET OF). The output is DER.
 *
 * **Reading** (`verifySignedData`): DER or BER (indefinite lengths, constructed OCTET STRINGs as
 * `openssl cms -stream` writes); every SignerInfo must verify (signer by IssuerAndSerialNumber or
 * SubjectKeyIdentifier; certificates from the message or the trust anchors); with signed attributes,
 * content-type must equal the eContentType and message-digest the content's digest; the signer's key usage
 * must allow signing; the chain must reach a trust anchor at the validation time.
 *
 * **Standard vs pkijs.** pkijs (4.0.0) defaults to SHA-1 and writes signed attributes in the order given,
 * not as a sorted DER SET OF; the signature then covers a non-DER encoding that strict verifiers re-encode
 * and reject. Here the attributes are always sorted before signing, and SHA-1 is refused when verifying
 * unless the caller allows it.
 *
 * @packageDocumentation
 */
import { derTime, parseTime } from './asn1-time.js';
import { Certificate } from './certificate.js';
import {
  compareBytes,
  equalBytes,
  copyBytes,
  type BerElement,
  berBytes,
  berChildren,
  berContent,
  berExpect,
  berOctetString,
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
import { type Asn1Limits, checkAsn1 } from './der.js';
import { CryptoError, MalformedInputError, SignatureVerificationError } from './errors.js';
import type { Identity } from './identity.js';
import { PrivateKey } from './keys.js';
import { OID } from './oids.js';
import {
  encodeReceiptRequest,
  parseReceiptRequest,
  type ReceiptRequest,
  type ReceiptRequestOptions,
} from './receipt-request.js';
import {
  type DigestName,
  digest,
  digestAlgorithmIdentifier,
  digestForKey,
  isDigestName,
  parseDigestAlgorithm,
  parseSignatureAlgorithm,
  type ReadDigestName,
  signatureAlgorithmIdentifier,
  signBytes,
  verifyBytes,
} from './signature.js';
import type { ChainValidator } from './trust.js';

export type { DigestName } from './signature.js';

/**
 * Options of {@link signData}.
 *
 * @example
 * ```ts
 * const o: SignOptions = { signer: alice, detached: true, digest: 'SHA-384' };
 * ```
 */
export interface SignOptions {
  readonly signer: Identity;
  /** Leave the content out (a detached signature); default false. */
  readonly detached?: boolean;
  /** Default SHA-256. Ed25519 signers always use SHA-512. */
  readonly digest?: DigestName;
  /** OID of the content (eContentType); default id-data. */
  readonly contentType?: string;
  /** The signing-time attribute; default now. */
  readonly signingTime?: Date;
  /** Put the signer's chain in `certificates`; default true (the signer's own certificate at least). */
  readonly includeChain?: boolean;
  /** Ask for a signed receipt (RFC 2634). */
  readonly receiptRequest?: ReceiptRequestOptions;
}

/**
 * Options of {@link verifySignedData}.
 *
 * @example
 * ```ts
 * const o: VerifyOptions = { trust: new TrustStore([ca]), at: new Date('2026-06-01') };
 * ```
 */
export interface VerifyOptions {
  /** Trust anchors (a `TrustStore`) or any chain validator (e.g. `@semper/certificates`' RFC 5280 one). */
  readonly trust: ChainValidator & {
    find?(cert: Certificate): Certificate | undefined;
    readonly anchors?: readonly Certificate[];
  };
  /** The content of a detached signature. */
  readonly content?: Uint8Array;
  /** Validation time for the signer's chain; default now. */
  readonly at?: Date;
  readonly limits?: Asn1Limits;
  /** Accept SHA-1 digests and signatures (old messages only); default false. */
  readonly allowSha1?: boolean;
}

/**
 * One verified signer.
 *
 * @example
 * ```ts
 * for (const s of verified.signers) console.log(s.signer.subject, s.signingTime);
 * ```
 */
export interface VerifiedSigner {
  readonly signer: Certificate;
  /** Leaf first, trust anchor last. */
  readonly chain: Certificate[];
  readonly signingTime?: Date;
  readonly digestAlgorithm: ReadDigestName;
  readonly receiptRequest?: ReceiptRequest;
  readonly signatureValue: Uint8Array;
  /** The DER SET OF the signed attributes (for an RFC 2634 msgSigDigest); undefined without signed attributes. */
  readonly signedAttributesDer?: Uint8Array;
}

/**
 * What {@link verifySignedData} returns: the content and the first signer (and all signers in `signers`).
 *
 * @example
 * ```ts
 * const { content, signer, signingTime } = await verifySignedData(bytes, { trust });
 * ```
 */
export interface VerifiedSignedData extends VerifiedSigner {
  readonly content: Uint8Array;
  /** The eContentType OID. */
  readonly contentType: string;
  readonly signers: readonly VerifiedSigner[];
}

function invalidArgument(message: string): CryptoError {
  return new CryptoError('ERR_CRYPTO_INVALID_ARGUMENT', message);
}

function malformed(what: string): never {
  throw new MalformedInputError('ERR_CRYPTO_MALFORMED', `malformed SignedData: ${what}`);
}

function badSignature(message: string): SignatureVerificationError {
  return new SignatureVerificationError('ERR_CRYPTO_BAD_SIGNATURE', message);
}

/** An Attribute ::= SEQUENCE { attrType OID, attrValues SET OF value } with one value. */
function attribute(oid: string, value: Uint8Array | ReturnType<typeof derTlv>): Uint8Array {
  return derEncode(derTlv(TAG.sequence, derOid(oid), derTlv(TAG.set, value)));
}

/**
 * Signs with extra signed attributes (DER Attribute encodings), for receipts.
 *
 * @internal
 */
export async function signWithAttributes(
  content: Uint8Array,
  o: SignOptions,
  extraAttributes: readonly Uint8Array[],
): Promise<Uint8Array> {
  if (!(content instanceof Uint8Array)) throw invalidArgument('content must be a Uint8Array');
  const signer = o?.signer;
  if (!(signer?.privateKey instanceof PrivateKey) || !(signer.certificate instanceof Certificate)) {
    throw invalidArgument('a signer identity with a private key and a certificate is required');
  }
  const requested = o.digest ?? 'SHA-256';
  if (!isDigestName(requested))
    throw invalidArgument(`digest must be SHA-256, SHA-384 or SHA-512, not ${String(requested)}`);
  const key = signer.privateKey;
  const digestName = digestForKey(key, requested);
  const contentType = o.contentType ?? OID.data;
  let contentTypeDer: Uint8Array;
  try {
    contentTypeDer = derOid(contentType);
  } catch {
    throw invalidArgument(`contentType is not an OID: ${String(contentType)}`);
  }
  const signingTime = o.signingTime ?? new Date();
  const year = signingTime instanceof Date ? signingTime.getUTCFullYear() : Number.NaN;
  if (!(year >= 0 && year <= 9999)) throw invalidArgument('signingTime must be a valid Date in the years 0 to 9999');
  const cert = signer.certificate;
  if (!key.publicKey().equals(cert.publicKey)) {
    throw new CryptoError('ERR_CRYPTO_INVALID_KEY', 'the signer key does not belong to the signer certificate');
  }
  const attrs = [
    attribute(OID.contentType, contentTypeDer),
    attribute(OID.signingTime, derTime(signingTime)),
    attribute(OID.messageDigest, derPrimitive(TAG.octetString, await digest(digestName, content))),
    ...(o.receiptRequest ? [attribute(OID.receiptRequest, encodeReceiptRequest(o.receiptRequest))] : []),
    ...extraAttributes,
  ].sort(compareBytes); // DER: SET OF in ascending order of the encodings
  const signedAttrs = derEncode(derTlv(TAG.set, ...attrs));
  const signature = await signBytes(key, digestName, signedAttrs);
  const implicitAttrs = signedAttrs.slice();
  implicitAttrs[0] = TAG.context0c; // [0] IMPLICIT SET OF Attribute

  const digestAlg = digestAlgorithmIdentifier(digestName);
  const signerInfo = derTlv(
    TAG.sequence,
    derInteger(1),
    derTlv(TAG.sequence, cert.issuerDer, derPrimitive(TAG.integer, cert.serialDer)),
    digestAlg,
    implicitAttrs,
    signatureAlgorithmIdentifier(key, digestName, 'cms'),
    derPrimitive(TAG.octetString, signature),
  );
  const certs: Certificate[] = [cert];
  if (o.includeChain !== false) for (const c of signer.chain ?? []) if (!certs.some((x) => x.equals(c))) certs.push(c);
  const certDers = certs.map((c) => c.der).sort(compareBytes);
  const encap = derTlv(
    TAG.sequence,
    contentTypeDer,
    o.detached ? undefined : derTlv(TAG.context0c, derPrimitive(TAG.octetString, content)),
  );
  const signedData = derTlv(
    TAG.sequence,
    derInteger(contentType === OID.data ? 1 : 3),
    derTlv(TAG.set, digestAlg),
    encap,
    derTlv(TAG.context0c, ...certDers),
    derTlv(TAG.set, signerInfo),
  );
  return derEncode(derTlv(TAG.sequence, derOid(OID.signedData), derTlv(TAG.context0c, signedData)));
}

/**
 * Signs `content`: a DER CMS `ContentInfo(SignedData)` that `openssl cms -verify -inform DER` checks.
 *
 * @throws {@link CryptoError} `ERR_CRYPTO_INVALID_ARGUMENT` for bad options, `ERR_CRYPTO_INVALID_KEY` when the
 * key does not belong to the certificate.
 *
 * @example
 * ```ts
 * import { createIdentity, signData } from '@semper/crypto';
 * const alice = await createIdentity({ subject: 'CN=Alice' });
 * const signed = await signData(new TextEncoder().encode('order 42'), { signer: alice });
 * ```
 */
export function signData(content: Uint8Array, o: SignOptions): Promise<Uint8Array> {
  return signWithAttributes(content, o, []);
}

// ---------------------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------------------

/** A SignerInfo as read, before any check. @internal */
export interface ParsedSignerInfo {
  readonly sid: { readonly issuer: Uint8Array; readonly serial: Uint8Array } | { readonly keyId: Uint8Array };
  readonly digestAlgorithm: BerElement;
  /** The attributes by OID, each with its single value; undefined when the SignerInfo has none. */
  readonly signedAttributes?: ReadonlyMap<string, BerElement>;
  /** DER SET OF of the signed attributes (the signed bytes). */
  readonly signedAttributesDer?: Uint8Array;
  readonly signatureAlgorithm: BerElement;
  readonly signature: Uint8Array;
}

/** A SignedData as read, before any check. @internal */
export interface ParsedSignedData {
  readonly contentType: string;
  /** The attached content, or undefined when detached. */
  readonly content?: Uint8Array;
  readonly certificates: readonly Uint8Array[];
  readonly signerInfos: readonly ParsedSignerInfo[];
  /** The digestAlgorithms SET, as read. */
  readonly digestAlgorithms: readonly BerElement[];
}

const SINGLE_VALUED = new Set<string>([
  OID.contentType,
  OID.messageDigest,
  OID.signingTime,
  OID.receiptRequest,
  OID.msgSigDigest,
]);

function parseSignedAttributes(el: BerElement): { map: Map<string, BerElement>; der: Uint8Array } {
  const map = new Map<string, BerElement>();
  for (const a of berChildren(el)) {
    const [typeEl, valuesEl, ...rest] = berChildren(berExpect(a, TAG.sequence, 'Attribute'));
    if (rest.length > 0) malformed('Attribute');
    const oid = berOid(typeEl, 'attrType');
    const values = berChildren(berExpect(valuesEl, TAG.set, 'attrValues'));
    if (values.length === 0) malformed(`attribute ${oid} without a value`);
    if (map.has(oid)) malformed(`attribute ${oid} appears twice`);
    if (SINGLE_VALUED.has(oid) && values.length !== 1) malformed(`attribute ${oid} must have one value`);
    map.set(oid, values[0]);
  }
  if (map.size === 0) malformed('empty signedAttrs');
  // The signature covers the DER encoding with the SET OF tag (RFC 5652 §5.4).
  const der = copyBytes(berBytes(el));
  der[0] = TAG.set;
  return { map, der };
}

function parseSignerInfo(el: BerElement): ParsedSignerInfo {
  const f = berChildren(berExpect(el, TAG.sequence, 'SignerInfo'));
  let i = 0;
  const version = berSmallInteger(f[i++], 'SignerInfo version');
  const sidEl = f[i++];
  let sid: ParsedSignerInfo['sid'];
  if (version === 1 && sidEl?.tag === TAG.sequence) {
    const [issuer, serial, ...rest] = berChildren(sidEl);
    if (rest.length > 0) malformed('IssuerAndSerialNumber');
    sid = {
      issuer: berBytes(berExpect(issuer, TAG.sequence, 'issuer')),
      serial: berContent(berExpect(serial, TAG.integer, 'serialNumber')),
    };
  } else if (version === 3 && sidEl?.tag === TAG.context0) {
    sid = { keyId: berContent(sidEl) };
  } else {
    return malformed('SignerInfo version and sid do not agree');
  }
  const digestAlgorithm = berExpect(f[i++], TAG.sequence, 'digestAlgorithm');
  let signedAttributes: Map<string, BerElement> | undefined;
  let signedAttributesDer: Uint8Array | undefined;
  if (f[i]?.tag === TAG.context0c) {
    const parsed = parseSignedAttributes(f[i++]);
    signedAttributes = parsed.map;
    signedAttributesDer = parsed.der;
  }
  const signatureAlgorithm = berExpect(f[i++], TAG.sequence, 'signatureAlgorithm');
  const sigEl = f[i++];
  if (sigEl === undefined || (sigEl.tag !== TAG.octetString && sigEl.tag !== TAG.constructedOctetString)) {
    malformed('signature');
  }
  const signature = berOctetString(sigEl);
  if (f[i]?.tag === TAG.context1c) i++; // unsignedAttrs
  if (i !== f.length) malformed('SignerInfo has unexpected fields');
  return { sid, digestAlgorithm, signedAttributes, signedAttributesDer, signatureAlgorithm, signature };
}

/**
 * Reads the structure of a SignedData ContentInfo (DER or BER) without checking anything but its form.
 *
 * @throws {@link MalformedInputError} for malformed, oversized or too deeply nested input.
 * @internal
 */
export function parseSignedData(bytes: Uint8Array, limits?: Asn1Limits): ParsedSignedData {
  if (!(bytes instanceof Uint8Array)) throw invalidArgument('bytes must be a Uint8Array');
  checkAsn1(bytes, limits);
  try {
    const ci = berExpect(berRead(bytes), TAG.sequence, 'ContentInfo');
    const [typeEl, explicit, ...extra] = berChildren(ci);
    if (extra.length > 0) malformed('ContentInfo has extra fields');
    const outer = berOid(typeEl, 'contentType');
    if (outer !== OID.signedData) malformed(`content type ${outer} is not SignedData`);
    const wrapped = berChildren(berExpect(explicit, TAG.context0c, 'content [0]'));
    if (wrapped.length !== 1) malformed('ContentInfo content');
    const f = berChildren(berExpect(wrapped[0], TAG.sequence, 'SignedData'));
    let i = 0;
    const version = berSmallInteger(f[i++], 'version');
    const digestAlgorithms = berChildren(berExpect(f[i++], TAG.set, 'digestAlgorithms'));
    const encap = berChildren(berExpect(f[i++], TAG.sequence, 'encapContentInfo'));
    if (encap.length < 1 || encap.length > 2) malformed('encapContentInfo');
    const contentType = berOid(encap[0], 'eContentType');
    let content: Uint8Array | undefined;
    if (encap.length === 2) {
      const e = berChildren(berExpect(encap[1], TAG.context0c, 'eContent [0]'));
      if (e.length !== 1 || (e[0].tag !== TAG.octetString && e[0].tag !== TAG.constructedOctetString)) {
        malformed('eContent');
      }
      content = berOctetString(e[0]);
    }
    const certificates: Uint8Array[] = [];
    const choices = new Set<number>();
    if (f[i]?.tag === TAG.context0c) {
      for (const c of berChildren(f[i++])) {
        choices.add(c.tag);
        if (c.tag === TAG.sequence) certificates.push(berBytes(c));
        else if (c.tag === TAG.context0c) malformed('obsolete extendedCertificate (PKCS #6)');
        else if (c.tag < TAG.context1c || c.tag > TAG.context2c + 1) malformed('CertificateChoices');
        // Attribute certificates [1], [2] and other formats [3] are not used for verification.
      }
    }
    let otherCrl = false;
    if (f[i]?.tag === TAG.context1c) {
      // crls: revocation is checked by the chain validator, not here.
      for (const c of berChildren(f[i++])) {
        if (c.tag === TAG.context1c) otherCrl = true;
        else if (c.tag !== TAG.sequence) malformed('RevocationInfoChoice');
      }
    }
    const signerInfos = berChildren(berExpect(f[i++], TAG.set, 'signerInfos')).map(parseSignerInfo);
    if (i !== f.length) malformed('SignedData has unexpected fields');
    // RFC 5652 §5.1 prescribes the version from the content; nothing else is accepted, so that no byte of
    // the (unsigned) frame can change unnoticed.
    const expected =
      choices.has(TAG.context2c + 1) || otherCrl
        ? 5
        : choices.has(TAG.context2c)
          ? 4
          : choices.has(TAG.context1c) || signerInfos.some((s) => 'keyId' in s.sid) || contentType !== OID.data
            ? 3
            : 1;
    if (version !== expected) malformed(`version ${version} does not fit the structure (RFC 5652 §5.1: ${expected})`);
    return { contentType, content, certificates, signerInfos, digestAlgorithms };
  } catch (err) {
    if (err instanceof CryptoError) throw err;
    throw new MalformedInputError('ERR_CRYPTO_MALFORMED', 'malformed SignedData', { cause: err });
  }
}

/**
 * The digestAlgorithms SET must name exactly the signers' digests, each once: it is not signed, so a
 * mismatch is a changed message, not a choice.
 */
function checkDigestAlgorithms(parsed: ParsedSignedData): void {
  const listed = parsed.digestAlgorithms.map((el) => parseDigestAlgorithm(el, true));
  const used = new Set(parsed.signerInfos.map((si) => parseDigestAlgorithm(si.digestAlgorithm, true)));
  if (new Set(listed).size !== listed.length) malformed('a digest algorithm is listed twice');
  if (listed.length !== used.size || !listed.every((d) => used.has(d))) {
    malformed("digestAlgorithms does not list exactly the signers' digest algorithms");
  }
}

function verifySignerSignature(
  signer: Certificate,
  scheme: ReturnType<typeof parseSignatureAlgorithm>,
  digestName: ReadDigestName,
  signed: Uint8Array,
  signature: Uint8Array,
  allowSha1: boolean,
): Promise<boolean> {
  return verifyBytes(
    signer.publicKey,
    scheme,
    scheme.kind === 'ed25519' ? undefined : digestName,
    signed,
    signature,
    allowSha1,
  );
}

function findSigner(sid: ParsedSignerInfo['sid'], certs: readonly Certificate[]): Certificate | undefined {
  return certs.find((c) =>
    'keyId' in sid
      ? c.subjectKeyIdentifier !== undefined && equalBytes(c.subjectKeyIdentifier, sid.keyId)
      : equalBytes(c.serialDer, sid.serial) && equalBytes(c.issuerDer, sid.issuer),
  );
}

/**
 * Checks one SignerInfo against `content` (signature, attributes, key usage), without the chain.
 *
 * @internal
 */
export async function checkSignerInfo(
  si: ParsedSignerInfo,
  contentType: string,
  content: Uint8Array,
  certs: readonly Certificate[],
  allowSha1: boolean,
): Promise<Omit<VerifiedSigner, 'chain'>> {
  const digestName = parseDigestAlgorithm(si.digestAlgorithm, allowSha1);
  const scheme = parseSignatureAlgorithm(si.signatureAlgorithm);
  const signer = findSigner(si.sid, certs);
  if (signer === undefined) {
    throw new SignatureVerificationError(
      'ERR_CRYPTO_UNTRUSTED_SIGNER',
      "the signer's certificate is neither in the message nor among the trusted certificates",
    );
  }
  if (
    signer.keyUsage !== undefined &&
    !signer.keyUsage.includes('digitalSignature') &&
    !signer.keyUsage.includes('nonRepudiation')
  ) {
    throw new SignatureVerificationError(
      'ERR_CRYPTO_UNTRUSTED_SIGNER',
      `the certificate of ${signer.subject} may not sign (keyUsage)`,
    );
  }
  let signed: Uint8Array;
  let signingTime: Date | undefined;
  let receiptRequest: ReceiptRequest | undefined;
  const attrs = si.signedAttributes;
  if (attrs !== undefined) {
    const ct = attrs.get(OID.contentType);
    const md = attrs.get(OID.messageDigest);
    if (ct === undefined || md === undefined) malformed('signed attributes lack content-type or message-digest');
    if (berOid(ct, 'content-type attribute') !== contentType) {
      throw badSignature('the content-type attribute differs from the eContentType');
    }
    const expected = berContent(berExpect(md, TAG.octetString, 'message-digest attribute'));
    const st = attrs.get(OID.signingTime);
    if (st !== undefined) signingTime = parseTime(st, 'signing-time attribute');
    const rr = attrs.get(OID.receiptRequest);
    if (rr !== undefined) receiptRequest = parseReceiptRequest(rr);
    signed = si.signedAttributesDer as Uint8Array;
    // The content's digest and the signature over the attributes are independent: computed at the same
    // time, and both must hold.
    const [actual, ok] = await Promise.all([
      digest(digestName, content),
      verifySignerSignature(signer, scheme, digestName, signed, si.signature, allowSha1),
    ]);
    if (!equalBytes(expected, actual)) throw badSignature('message digest mismatch: the content was changed');
    if (!ok) throw badSignature(`the signature of ${signer.subject} does not verify`);
  } else {
    if (contentType !== OID.data) malformed('signed attributes are required when the content is not id-data');
    signed = content;
    const ok = await verifySignerSignature(signer, scheme, digestName, signed, si.signature, allowSha1);
    if (!ok) throw badSignature(`the signature of ${signer.subject} does not verify`);
  }
  return {
    signer,
    signingTime,
    digestAlgorithm: digestName,
    receiptRequest,
    signatureValue: si.signature,
    signedAttributesDer: si.signedAttributesDer,
  };
}

/**
 * The certificates of a message, read (the same DER as a trust anchor gives the anchor object, whose checks
 * are memoized).
 *
 * @internal
 */
export function messageCertificates(ders: readonly Uint8Array[], trust: VerifyOptions['trust']): Certificate[] {
  const certs: Certificate[] = [];
  for (const d of ders) {
    let c: Certificate;
    try {
      c = Certificate.fromDer(d);
    } catch (err) {
      // A certificate with a key or algorithm semper does not use cannot sign here: leave it out.
      // A malformed one makes the message malformed.
      if (
        err instanceof CryptoError &&
        (err.code === 'ERR_CRYPTO_INVALID_KEY' || err.code === 'ERR_CRYPTO_UNSUPPORTED_ALGORITHM')
      ) {
        continue;
      }
      throw err;
    }
    certs.push(trust.find?.(c) ?? c);
  }
  return certs;
}

/**
 * What {@link inspectSignedData} reads from a SignedData without checking it.
 *
 * @example
 * ```ts
 * const { contentType, signers } = inspectSignedData(bytes);
 * console.log(signers[0]?.certificate?.subject, '(NOT verified)');
 * ```
 */
export interface InspectedSignedData {
  /** Always true: nothing here was verified. */
  readonly unverified: true;
  readonly contentType: string;
  /** The attached content; undefined for a detached signature. */
  readonly content?: Uint8Array;
  /** The certificates the message carries (those semper can read). */
  readonly certificates: readonly Certificate[];
  readonly signers: readonly {
    /** The signer's certificate, when the message carries it. */
    readonly certificate?: Certificate;
    readonly digestAlgorithm: ReadDigestName;
    /** The signing-time attribute, as claimed. */
    readonly signingTime?: Date;
    readonly receiptRequest?: ReceiptRequest;
  }[];
}

/**
 * Reads a SignedData for display — content type, content, certificates, and each signer's claimed
 * certificate and signing time — WITHOUT verifying anything: no signature, no digest, no chain. For tools
 * that show a message (`semper statement show`, evidence viewers); never a basis for trust.
 *
 * @throws {@link MalformedInputError} for malformed input; {@link CryptoError}
 * `ERR_CRYPTO_UNSUPPORTED_ALGORITHM` for an unknown digest.
 *
 * @example
 * ```ts
 * import { inspectSignedData } from '@semper/crypto';
 * const shown = inspectSignedData(bytes); // shown.unverified === true
 * ```
 */
export function inspectSignedData(bytes: Uint8Array, limits?: Asn1Limits): InspectedSignedData {
  const parsed = parseSignedData(bytes, limits);
  const certificates = messageCertificates(parsed.certificates, { buildChain: async () => [] });
  const signers = parsed.signerInfos.map((si) => {
    const attrs = si.signedAttributes;
    const st = attrs?.get(OID.signingTime);
    const rr = attrs?.get(OID.receiptRequest);
    return {
      certificate: findSigner(si.sid, certificates),
      digestAlgorithm: parseDigestAlgorithm(si.digestAlgorithm, true),
      signingTime: st === undefined ? undefined : parseTime(st, 'signing-time attribute'),
      receiptRequest: rr === undefined ? undefined : parseReceiptRequest(rr),
    };
  });
  return { unverified: true, contentType: parsed.contentType, content: parsed.content, certificates, signers };
}

/**
 * Verifies a CMS SignedData (DER or BER `ContentInfo`): every SignerInfo's signature and signed attributes,
 * and each signer's chain to the trust anchors at `at` (default now).
 *
 * @throws {@link MalformedInputError} for malformed input; {@link CryptoError}
 * `ERR_CRYPTO_UNSUPPORTED_ALGORITHM` (e.g. SHA-1 unless allowed); {@link SignatureVerificationError}
 * `ERR_CRYPTO_BAD_SIGNATURE` (signature, message digest, content type) or `ERR_CRYPTO_UNTRUSTED_SIGNER`
 * (no certificate, key usage, chain); `ERR_CRYPTO_INVALID_ARGUMENT` for a detached signature without
 * `content`, or attached content and `content` both.
 *
 * @example
 * ```ts
 * import { TrustStore, verifySignedData } from '@semper/crypto';
 * const { content, signer, signingTime } = await verifySignedData(bytes, { trust: new TrustStore([aliceCert]) });
 * ```
 */
export async function verifySignedData(bytes: Uint8Array, o: VerifyOptions): Promise<VerifiedSignedData> {
  if (typeof o?.trust?.buildChain !== 'function') throw invalidArgument('verifySignedData needs a trust store');
  const parsed = parseSignedData(bytes, o.limits);
  let content: Uint8Array;
  if (parsed.content !== undefined) {
    if (o.content !== undefined) throw invalidArgument('the signature has attached content: do not pass content');
    content = parsed.content;
  } else {
    if (!(o.content instanceof Uint8Array)) {
      throw invalidArgument('the signature is detached: its content must be passed');
    }
    content = o.content;
  }
  if (parsed.signerInfos.length === 0) malformed('no SignerInfo');
  checkDigestAlgorithms(parsed);
  const intermediates = messageCertificates(parsed.certificates, o.trust);
  const certs = [...intermediates, ...(o.trust.anchors ?? [])];
  const at = o.at ?? new Date();
  const signers: VerifiedSigner[] = [];
  for (const si of parsed.signerInfos) {
    const checked = await checkSignerInfo(si, parsed.contentType, content, certs, o.allowSha1 === true);
    const chain = await o.trust.buildChain(checked.signer, intermediates, at);
    signers.push({ ...checked, signer: chain[0], chain });
  }
  return { ...signers[0], content, contentType: parsed.contentType, signers };
}
