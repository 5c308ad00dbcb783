/**
 * The certificates a party trusts, and the chain building the crypto engine needs to accept a signer.
 *
 * This is deliberately the small core of path validation: issuer Names, key identifiers, signatures,
 * validity at a time, basicConstraints CA and path length, keyCertSign. Full RFC 5280 validation
 * (policies, name constraints, revocation, extended key usage) is `@semper/certificates`' business, which
 * plugs in through the {@link ChainValidator} interface.
 *
 * @packageDocumentation
 */
import type { Certificate } from './certificate.js';
import { equalBytes } from './cms-structures.js';
import { CryptoError, SignatureVerificationError } from './errors.js';

/** Longest chain built, anchor included. */
const MAX_CHAIN = 10;

/**
 * What verifies a signer: builds and checks the chain from `leaf` to a trust anchor at time `at`, returning
 * it leaf first, anchor last. {@link TrustStore} is the engine's own; `@semper/certificates` provides a full
 * RFC 5280 one.
 *
 * @example
 * ```ts
 * const chain = await validator.buildChain(signer, certsFromMessage, new Date());
 * ```
 */
export interface ChainValidator {
  buildChain(leaf: Certificate, intermediates: readonly Certificate[], at?: Date): Promise<Certificate[]>;
}

function untrusted(message: string): SignatureVerificationError {
  return new SignatureVerificationError('ERR_CRYPTO_UNTRUSTED_SIGNER', message);
}

/**
 * A set of trust anchors: certificates trusted as they are (roots, or a partner's self-signed identity).
 *
 * @example
 * ```ts
 * import { Certificate, TrustStore } from '@semper/crypto';
 * const trust = new TrustStore(Certificate.fromPem(readFileSync('roots.pem', 'utf8')));
 * const chain = await trust.buildChain(leaf, intermediates);
 * ```
 */
export class TrustStore implements ChainValidator {
  readonly #anchors: Certificate[] = [];

  constructor(anchors: Iterable<Certificate> = []) {
    for (const a of anchors) this.add(a);
  }

  /**
   * Adds an anchor (a certificate already present is not added twice).
   *
   * @example
   * ```ts
   * trust.add(partner.certificate);
   * ```
   */
  add(cert: Certificate): void {
    if (typeof cert?.equals !== 'function') {
      throw new CryptoError('ERR_CRYPTO_INVALID_ARGUMENT', 'a trust anchor must be a Certificate');
    }
    if (!this.#anchors.some((a) => a.equals(cert))) this.#anchors.push(cert);
  }

  /** The anchors, in the order added. */
  get anchors(): readonly Certificate[] {
    return [...this.#anchors];
  }

  /**
   * The anchor with the same DER as `cert`, if any (so that a certificate read from a message is replaced
   * by the anchor object, whose checks are memoized).
   *
   * @example
   * ```ts
   * const anchor = trust.find(cert);
   * ```
   */
  find(cert: Certificate): Certificate | undefined {
    return this.#anchors.find((a) => a.equals(cert));
  }

  /**
   * Builds a chain from `leaf` through `intermediates` (untrusted, in any order) to an anchor and checks
   * it at `at` (default now): every certificate valid at `at`; every issuer's Name is its subject's issuer
   * Name and its key verifies the subject's signature; every issuer below the anchor is a CA
   * (basicConstraints cA) whose keyUsage, if present, allows keyCertSign and whose path length constraint
   * holds. When several paths exist, the first that validates is returned.
   *
   * @returns the chain, leaf first, anchor last (`[leaf]` when the leaf is itself an anchor).
   * @throws {@link SignatureVerificationError} `ERR_CRYPTO_UNTRUSTED_SIGNER` naming the reason when no path
   * validates.
   *
   * @example
   * ```ts
   * const [leaf, ...rest] = await trust.buildChain(signer, certificatesInMessage, signingTime);
   * ```
   */
  async buildChain(
    leaf: Certificate,
    intermediates: readonly Certificate[] = [],
    at: Date = new Date(),
  ): Promise<Certificate[]> {
    if (!(at instanceof Date) || Number.isNaN(at.getTime())) {
      throw new CryptoError('ERR_CRYPTO_INVALID_ARGUMENT', 'at must be a valid Date');
    }
    const reasons: string[] = [];
    const chain = await this.#extend([leaf], intermediates, at, reasons);
    if (chain !== undefined) return chain;
    const reason = reasons[0] ?? `no path from ${leaf.subject} to a trusted certificate`;
    throw untrusted(`the certificate of ${leaf.subject} is not trusted: ${reason}`);
  }

  async #extend(
    path: Certificate[],
    intermediates: readonly Certificate[],
    at: Date,
    reasons: string[],
  ): Promise<Certificate[] | undefined> {
    const cert = path[path.length - 1];
    if (!cert.isValidAt(at)) {
      reasons.push(
        `${cert.subject} is not valid at ${at.toISOString()} (valid ${cert.notBefore.toISOString()} to ${cert.notAfter.toISOString()})`,
      );
      return undefined;
    }
    const anchor = this.find(cert);
    if (anchor !== undefined) {
      path[path.length - 1] = anchor;
      return path;
    }
    if (path.length >= MAX_CHAIN) {
      reasons.push(`the chain is longer than ${MAX_CHAIN} certificates`);
      return undefined;
    }
    // Anchors first, then the untrusted intermediates; never a certificate already on the path.
    const candidates = [...this.#anchors, ...intermediates].filter((c) => !path.some((p) => p.equals(c)));
    let nameMatched = false;
    for (const issuer of candidates) {
      if (!equalBytes(issuer.subjectDer, cert.issuerDer)) continue;
      nameMatched = true;
      if (!(await cert.isIssuedBy(issuer))) {
        reasons.push(`the signature of ${cert.subject} does not verify with the key of ${issuer.subject}`);
        continue;
      }
      const problem = issuerProblem(issuer, path.length - 1, this.find(issuer) !== undefined);
      if (problem !== undefined) {
        reasons.push(problem);
        continue;
      }
      const found = await this.#extend([...path, issuer], intermediates, at, reasons);
      if (found !== undefined) return found;
    }
    if (!nameMatched) reasons.push(`no trusted or supplied certificate is the issuer ${cert.issuer}`);
    return undefined;
  }
}

/**
 * Why `issuer` cannot issue, with `below` certificates under it; undefined if it can. Every issuer must be a
 * CA by basicConstraints — except a trust anchor of version 1 or 2, which has no extensions at all and is
 * trusted as configured (RFC 5280 §6.1: the anchor is input to validation, not a certificate it checks).
 */
function issuerProblem(issuer: Certificate, below: number, isAnchor: boolean): string | undefined {
  const bc = issuer.basicConstraints;
  if (bc?.ca !== true && !(isAnchor && issuer.version < 3)) return `${issuer.subject} is not a CA (basicConstraints)`;
  if (issuer.keyUsage !== undefined && !issuer.keyUsage.includes('keyCertSign')) {
    return `${issuer.subject} may not sign certificates (keyUsage lacks keyCertSign)`;
  }
  if (bc?.pathLength !== undefined && below > bc.pathLength) {
    return `${issuer.subject} allows ${bc.pathLength} intermediate CA certificates below it, not ${below}`;
  }
  return undefined;
}
