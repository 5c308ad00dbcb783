/**
 * A party's trust: the anchors it trusts, the intermediates it knows, and the latest CRL of each issuer,
 * in one object that validates with the block's RFC 5280 {@link PathValidator} (it never validates by
 * itself) and serves as crypto's `ChainValidator` wherever a `trust` is asked for.
 *
 * @packageDocumentation
 */
import type { Certificate, ChainValidator } from '@semper/crypto';
import { CertificateRevocationList } from './crl.js';
import { CertificatesError } from './errors.js';
import type { CertificateModule } from './spi.js';
import { toHex } from './validation/der.js';
import { namesMatch } from './validation/names.js';
import { type PathValidationOptions, PathValidator, type PathValidatorDefaults } from './validation/path-validator.js';
import type { PathValidationResult } from './validation/result.js';

/**
 * Options of {@link PartyTrustStore}.
 *
 * @example
 * ```ts
 * import type { PartyTrustStoreOptions } from '@semper/certificates';
 * declare const root: import('@semper/crypto').Certificate;
 * const options: PartyTrustStoreOptions = { anchors: [root], defaults: { revocation: 'chain', purpose: 'sign' } };
 * ```
 */
export interface PartyTrustStoreOptions {
  readonly anchors?: Iterable<Certificate>;
  readonly intermediates?: Iterable<Certificate>;
  readonly crls?: Iterable<CertificateRevocationList>;
  /** Applied to every validation (revocation mode, purpose, extended key usage, strictness…). */
  readonly defaults?: Omit<PathValidatorDefaults, 'crls'>;
}

function isCertificate(c: unknown): c is Certificate {
  return typeof (c as Certificate | null)?.equals === 'function' && (c as Certificate).der instanceof Uint8Array;
}

/** Whether two CRLs are of the same issuer and scope (same issuer Name, same authority key). */
function sameIssuer(a: CertificateRevocationList, b: CertificateRevocationList): boolean {
  const ka = a.authorityKeyIdentifier;
  const kb = b.authorityKeyIdentifier;
  if (ka !== undefined && kb !== undefined && toHex(ka) !== toHex(kb)) return false;
  return namesMatch(a.issuerDer, b.issuerDer);
}

/** Whether `a` supersedes `b` (a higher CRL number, or a later thisUpdate when they have none). */
function newer(a: CertificateRevocationList, b: CertificateRevocationList): boolean {
  if (a.crlNumber !== undefined && b.crlNumber !== undefined) return a.crlNumber > b.crlNumber;
  return a.thisUpdate.getTime() > b.thisUpdate.getTime();
}

/**
 * A party's trust store: anchors, known intermediates and the newest CRL per issuer. `validate` runs the
 * block's {@link PathValidator} with the known intermediates and CRLs added to the caller's; `buildChain`
 * makes it crypto's `ChainValidator` (for `verifySignedData`, `openContainer`, the import of external
 * certificates). Register one per party (`register` does, under `PARTY_TRUST_STORE`).
 *
 * @example
 * ```ts
 * import { PartyTrustStore } from '@semper/certificates';
 * declare const hubRoot: import('@semper/crypto').Certificate;
 * declare const agenciesCrl: import('@semper/certificates').CertificateRevocationList;
 * const trust = new PartyTrustStore({ anchors: [hubRoot], defaults: { revocation: 'leaf' } });
 * trust.addCrl(agenciesCrl); // replaces an older CRL of the same CA
 * const verdict = await trust.validate(agencyCertificate, { intermediates: [agenciesCa], purpose: 'sign' });
 * if (!verdict.valid) console.log(verdict.code, verdict.reason);
 * ```
 */
export class PartyTrustStore implements ChainValidator {
  readonly #anchors: Certificate[] = [];
  readonly #intermediates: Certificate[] = [];
  #crls: CertificateRevocationList[] = [];
  readonly #defaults: Omit<PathValidatorDefaults, 'crls'>;
  #validator: PathValidator | undefined;

  constructor(options: PartyTrustStoreOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new CertificatesError('ERR_CERTIFICATES_INVALID_ARGUMENT', 'PartyTrustStore takes an options object');
    }
    this.#defaults = { ...(options.defaults ?? {}) };
    new PathValidator([], this.#defaults); // refuse bad defaults now
    for (const a of options.anchors ?? []) this.addAnchor(a);
    for (const i of options.intermediates ?? []) this.addIntermediate(i);
    for (const c of options.crls ?? []) this.addCrl(c);
  }

  /** The trust anchors, in the order added. */
  get anchors(): readonly Certificate[] {
    return [...this.#anchors];
  }

  /** The known (untrusted) intermediates. */
  get intermediates(): readonly Certificate[] {
    return [...this.#intermediates];
  }

  /** The newest CRL of each issuer. */
  get crls(): readonly CertificateRevocationList[] {
    return [...this.#crls];
  }

  /**
   * Trusts `certificate` as an anchor (a root, or a partner's self-signed identity).
   *
   * @example
   * ```ts
   * trust.addAnchor(partnerRoot);
   * ```
   */
  addAnchor(certificate: Certificate): void {
    if (!isCertificate(certificate))
      throw new CertificatesError('ERR_CERTIFICATES_INVALID_ARGUMENT', 'an anchor is a Certificate');
    if (!this.#anchors.some((a) => a.equals(certificate))) {
      this.#anchors.push(certificate);
      this.#validator = undefined;
    }
  }

  /**
   * Knows `certificate` as an intermediate: used to build paths, never trusted by itself.
   *
   * @example
   * ```ts
   * trust.addIntermediate(agenciesCa);
   * ```
   */
  addIntermediate(certificate: Certificate): void {
    if (!isCertificate(certificate)) {
      throw new CertificatesError('ERR_CERTIFICATES_INVALID_ARGUMENT', 'an intermediate is a Certificate');
    }
    if (!this.#intermediates.some((a) => a.equals(certificate))) this.#intermediates.push(certificate);
  }

  /**
   * Keeps `crl` if it is the newest of its issuer (it replaces an older one; an older one is ignored).
   * Its signature and scope are the validator's to check, at validation. Delta CRLs are refused
   * (`ERR_CERTIFICATES_INVALID_ARGUMENT`): the validator uses full CRLs only.
   *
   * @returns whether it was kept.
   *
   * @example
   * ```ts
   * if (trust.addCrl(CertificateRevocationList.fromDer(downloaded))) console.log('updated');
   * ```
   */
  addCrl(crl: CertificateRevocationList): boolean {
    if (!(crl instanceof CertificateRevocationList)) {
      throw new CertificatesError('ERR_CERTIFICATES_INVALID_ARGUMENT', 'addCrl takes a CertificateRevocationList');
    }
    if (crl.deltaCrlIndicator !== undefined) {
      throw new CertificatesError('ERR_CERTIFICATES_INVALID_ARGUMENT', 'delta CRLs are not used: add the full CRL');
    }
    const current = this.#crls.find((c) => sameIssuer(c, crl));
    if (current !== undefined && !newer(crl, current)) return false;
    this.#crls = [...this.#crls.filter((c) => c !== current), crl];
    this.#validator = undefined;
    return true;
  }

  /**
   * Adds what a CA module publishes: its roots as anchors, its other CAs as intermediates, and each CA's
   * latest CRL (when the module issues CRLs). How a party trusts its own CA.
   *
   * @example
   * ```ts
   * await trust.addCertificateModule(manager.get('certificates-local-ca'));
   * ```
   */
  async addCertificateModule(module: CertificateModule): Promise<void> {
    for (const ca of await module.listCas()) {
      if (ca.parentCaId === undefined) this.addAnchor(ca.certificate);
      else this.addIntermediate(ca.certificate);
      if (module.descriptor.capabilities.crl) {
        const crl = await module.latestCrl(ca.caId);
        if (crl !== undefined) this.addCrl(crl.crl);
      }
    }
  }

  /**
   * The block's validator over the current anchors, CRLs and defaults.
   *
   * @example
   * ```ts
   * const validator = trust.validator();
   * ```
   */
  validator(): PathValidator {
    this.#validator ??= new PathValidator(this.#anchors, { ...this.#defaults, crls: this.#crls });
    return this.#validator;
  }

  /**
   * Validates `leaf` (RFC 5280, with the known intermediates and CRLs besides the options'); the verdict
   * is returned, never thrown.
   *
   * @example
   * ```ts
   * const r = await trust.validate(leaf, { purpose: 'encrypt', revocation: 'chain' });
   * ```
   */
  validate(leaf: Certificate, options: PathValidationOptions = {}): Promise<PathValidationResult> {
    return this.validator().validate(leaf, {
      ...options,
      intermediates: [...(options.intermediates ?? []), ...this.#intermediates],
      crls: [...(options.crls ?? []), ...this.#crls],
    });
  }

  /**
   * crypto's `ChainValidator`: the validated chain, leaf first and anchor last, or
   * `ERR_CRYPTO_UNTRUSTED_SIGNER` with the validator's verdict as cause.
   *
   * @example
   * ```ts
   * const verified = await verifySignedData(message, { trust }); // crypto calls trust.buildChain
   * ```
   */
  buildChain(leaf: Certificate, intermediates: readonly Certificate[] = [], at?: Date): Promise<Certificate[]> {
    return this.validator().buildChain(leaf, [...intermediates, ...this.#intermediates], at);
  }
}
