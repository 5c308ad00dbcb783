/**
 * Revocation checking with CRLs (RFC 5280 §6.3), for one certificate whose issuer on the path is known.
 *
 * A CRL is used for a certificate when:
 * - it is a direct CRL of the certificate's issuer: its issuer Name matches the certificate's (§7.1), its
 *   signature verifies with the key of the certificate's issuer on the path, whose keyUsage (if present)
 *   asserts cRLSign (§6.3.3 (f)); an authorityKeyIdentifier that names another key rules it out;
 * - it is in scope (§6.3.3 (b)): its issuingDistributionPoint, if any, names one of the certificate's CRL
 *   distribution points (when it names one at all), and onlyContainsUserCerts / onlyContainsCACerts fit;
 *   attribute-certificate CRLs, indirect CRLs and delta CRLs are not used (not supported);
 * - it conforms (strict mode): version 2, a non-critical cRLNumber, a nextUpdate;
 * - it is current: thisUpdate ≤ at ≤ nextUpdate.
 *
 * The usable CRLs are read newest first, each for the reasons its onlySomeReasons covers that the newer ones
 * did not (§6.3.3 (d)–(e)), until every reason is covered: the certificate is revoked if one of them lists
 * it (other than removeFromCRL), unrevoked if none does, and undetermined — `CRL_UNAVAILABLE`,
 * `CRL_EXPIRED` or `CRL_NOT_YET_VALID` — when the CRLs do not cover every reason.
 *
 * @packageDocumentation
 * @internal
 */
import type { Certificate } from '@semper/crypto';
import { ALL_REASONS, type CertificateRevocationList, crlInternals } from '../crl.js';
import { equalBytes } from './der.js';
import { analyze } from './extensions.js';
import type { GeneralName } from './names.js';
import { namesMatch } from './names.js';
import type { PathValidationFailure } from './result.js';
import { verifySignatureValue } from './signature.js';

const checked = new WeakMap<CertificateRevocationList, WeakMap<Certificate, Promise<boolean | 'unsupported'>>>();

function crlSignatureOk(crl: CertificateRevocationList, issuer: Certificate): Promise<boolean | 'unsupported'> {
  let byIssuer = checked.get(crl);
  if (byIssuer === undefined) {
    byIssuer = new WeakMap();
    checked.set(crl, byIssuer);
  }
  let p = byIssuer.get(issuer);
  if (p === undefined) {
    p = verifySignatureValue(crlInternals(crl).signatureAlgorithm, issuer.publicKey, crl.tbsDer, crl.signatureValue);
    byIssuer.set(issuer, p);
  }
  return p;
}

function sameGeneralName(a: GeneralName, b: GeneralName): boolean {
  if (a.type === 'directoryName' && b.type === 'directoryName') return namesMatch(a.name, b.name);
  return equalBytes(a.der, b.der);
}

/** Why the CRL's issuingDistributionPoint does not cover `cert`; undefined if it does. */
function scopeProblem(crl: CertificateRevocationList, cert: Certificate): string | undefined {
  const idp = crl.issuingDistributionPoint;
  if (crl.deltaCrlIndicator !== undefined) return 'it is a delta CRL (not supported)';
  if (idp === undefined) return undefined;
  if (idp.indirectCrl) return 'it is an indirect CRL (not supported)';
  if (idp.onlyContainsAttributeCerts) return 'it covers attribute certificates only';
  const isCa = cert.basicConstraints?.ca === true;
  if (idp.onlyContainsUserCerts && isCa) return 'it covers end-entity certificates only';
  if (idp.onlyContainsCACerts && !isCa) return 'it covers CA certificates only';
  const dp = crlInternals(crl).distributionPoint;
  if (dp === undefined) return undefined;
  // §6.3.3 (b)(2)(i): the IDP's name must be one of the certificate's distribution point names.
  const points = analyze(cert).distributionPoints ?? [];
  for (const p of points) {
    if (dp.fullName !== undefined && p.fullName !== undefined) {
      if (dp.fullName.some((a) => p.fullName?.some((b) => sameGeneralName(a, b)))) return undefined;
    }
    if (dp.relativeName !== undefined && p.relativeName !== undefined && equalBytes(dp.relativeName, p.relativeName)) {
      return undefined;
    }
  }
  return "its issuingDistributionPoint is not one of the certificate's CRL distribution points";
}

/**
 * The revocation status of `cert`, issued by `issuer`, at `at`: undefined when it is not revoked, the
 * failure otherwise.
 *
 * @example
 * ```ts
 * const failure = await checkRevocation(leaf, issuer, crls, at, true);
 * if (failure?.code === 'REVOKED') console.log(failure.reason);
 * ```
 * @internal
 */
export async function checkRevocation(
  cert: Certificate,
  issuer: Certificate,
  crls: readonly CertificateRevocationList[],
  at: Date,
  strict: boolean,
): Promise<PathValidationFailure | undefined> {
  const fail = (code: PathValidationFailure['code'], reason: string): PathValidationFailure => ({
    valid: false,
    code,
    reason,
    certificate: cert,
  });
  const why: string[] = [];
  let stale = 0;
  let early = 0;
  const usable: CertificateRevocationList[] = [];
  const t = at.getTime();
  for (const crl of crls) {
    if (!namesMatch(crl.issuerDer, cert.issuerDer)) continue;
    const label = `the CRL of ${crl.thisUpdate.toISOString()}`;
    const scope = scopeProblem(crl, cert);
    if (scope !== undefined) {
      why.push(`${label}: ${scope}`);
      continue;
    }
    if (strict) {
      const internals = crlInternals(crl);
      if (crl.version !== 2) {
        why.push(`${label} is a version 1 CRL`);
        continue;
      }
      if (crl.crlNumber === undefined || internals.crlNumberCritical) {
        why.push(`${label} has ${crl.crlNumber === undefined ? 'no' : 'a critical'} cRLNumber (RFC 5280 §5.2.3)`);
        continue;
      }
      if (crl.nextUpdate === undefined) {
        why.push(`${label} has no nextUpdate (RFC 5280 §5.1.2.5)`);
        continue;
      }
    }
    if (
      crl.authorityKeyIdentifier !== undefined &&
      issuer.subjectKeyIdentifier !== undefined &&
      !equalBytes(crl.authorityKeyIdentifier, issuer.subjectKeyIdentifier)
    ) {
      why.push(`${label} is signed by another key of ${issuer.subject} (authorityKeyIdentifier)`);
      continue;
    }
    if (issuer.keyUsage !== undefined && !issuer.keyUsage.includes('cRLSign')) {
      why.push(`${issuer.subject} may not sign CRLs (its keyUsage lacks cRLSign)`);
      continue;
    }
    const sig = await crlSignatureOk(crl, issuer);
    if (sig !== true) {
      why.push(`${label} ${sig === 'unsupported' ? 'has an unsupported signature algorithm' : 'has a bad signature'}`);
      continue;
    }
    if (t < crl.thisUpdate.getTime()) {
      early++;
      why.push(`${label} is not yet valid at ${at.toISOString()}`);
      continue;
    }
    if (crl.nextUpdate !== undefined && t > crl.nextUpdate.getTime()) {
      stale++;
      why.push(`${label} expired at ${crl.nextUpdate.toISOString()}`);
      continue;
    }
    usable.push(crl);
  }
  usable.sort(
    (a, b) =>
      b.thisUpdate.getTime() - a.thisUpdate.getTime() ||
      (b.crlNumber !== undefined && a.crlNumber !== undefined ? (b.crlNumber > a.crlNumber ? 1 : -1) : 0),
  );
  let covered = 0;
  for (const crl of usable) {
    const reasons = crlInternals(crl).reasons & ALL_REASONS;
    if ((reasons & ~covered) === 0) continue;
    covered |= reasons;
    const entry = crl.entry(cert.serialDer);
    if (entry !== undefined && entry.reason !== 'removeFromCRL') {
      return fail(
        'REVOKED',
        `${cert.subject} (serial ${cert.serialNumber}) was revoked on ${entry.revocationDate.toISOString()}` +
          (entry.reason ? ` (${entry.reason})` : ''),
      );
    }
    if (covered === ALL_REASONS) return undefined;
  }
  const subject = `${cert.subject} (serial ${cert.serialNumber})`;
  if (usable.length > 0) return fail('CRL_UNAVAILABLE', `the CRLs for ${subject} cover only some revocation reasons`);
  if (stale > 0) return fail('CRL_EXPIRED', `no current CRL for ${subject}: ${why.join('; ')}`);
  if (early > 0) return fail('CRL_NOT_YET_VALID', `no current CRL for ${subject}: ${why.join('; ')}`);
  return fail(
    'CRL_UNAVAILABLE',
    why.length > 0
      ? `no usable CRL for ${subject}: ${why.join('; ')}`
      : `no CRL from ${cert.issuer} was given for ${subject}`,
  );
}
