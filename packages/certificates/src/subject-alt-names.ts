/**
 * Subject alternative names (RFC 5280 §4.2.1.6) that a CA writes: e-mail addresses (rfc822Name), DNS
 * names and URIs. They come from the caller (an operator, the RA's registration), never from the request.
 *
 * @packageDocumentation
 */
import type { CertificateExtension } from '@semper/crypto';
import { CertificatesError } from './errors.js';
import { T, tlv } from './validation/der.js';

/**
 * Subject alternative names to certify.
 *
 * @example
 * ```ts
 * import type { SubjectAltNames } from '@semper/certificates';
 * const names: SubjectAltNames = { email: ['agency42@hub.example'], dns: ['agency42.hub.example'] };
 * ```
 */
export interface SubjectAltNames {
  readonly email?: readonly string[];
  readonly dns?: readonly string[];
  readonly uri?: readonly string[];
}

const EMAIL =
  /^[\x21-\x3f\x41-\x7e]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const DNS =
  /^(?:\*\.)?[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:[\x21-\x7e]+$/;

function list(value: unknown, what: string, pattern: RegExp): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > 32) {
    throw new CertificatesError(
      'ERR_CERTIFICATES_INVALID_ARGUMENT',
      `subjectAltNames.${what} must be a list (at most 32)`,
    );
  }
  return value.map((v) => {
    if (typeof v !== 'string' || v.length > 253 || !pattern.test(v)) {
      throw new CertificatesError(
        'ERR_CERTIFICATES_INVALID_ARGUMENT',
        `subjectAltNames.${what}: not a valid ${what}: ${JSON.stringify(String(v).slice(0, 64))}`,
      );
    }
    return v;
  });
}

/**
 * Checks names and returns a copy with only the lists that are not empty, or undefined when there is no name.
 *
 * @internal
 */
export function checkSubjectAltNames(names: unknown): SubjectAltNames | undefined {
  if (names === undefined) return undefined;
  if (typeof names !== 'object' || names === null) {
    throw new CertificatesError('ERR_CERTIFICATES_INVALID_ARGUMENT', 'subjectAltNames must be an object');
  }
  const n = names as Record<string, unknown>;
  for (const key of Object.keys(n)) {
    if (key !== 'email' && key !== 'dns' && key !== 'uri') {
      throw new CertificatesError(
        'ERR_CERTIFICATES_INVALID_ARGUMENT',
        `subjectAltNames.${key.slice(0, 32)} is not known`,
      );
    }
  }
  const email = list(n.email, 'email', EMAIL);
  const dns = list(n.dns, 'dns', DNS);
  const uri = list(n.uri, 'uri', URI);
  if (email.length + dns.length + uri.length === 0) return undefined;
  return {
    ...(email.length ? { email } : {}),
    ...(dns.length ? { dns } : {}),
    ...(uri.length ? { uri } : {}),
  };
}

/**
 * The subjectAltName extension (not critical: the subject Name is never empty here).
 *
 * @internal
 */
export function subjectAltNameExtension(names: SubjectAltNames): CertificateExtension {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [
    ...(names.email ?? []).map((v) => tlv(0x81, enc.encode(v))),
    ...(names.dns ?? []).map((v) => tlv(0x82, enc.encode(v))),
    ...(names.uri ?? []).map((v) => tlv(0x86, enc.encode(v))),
  ];
  return { oid: '2.5.29.17', critical: false, value: tlv(T.sequence, ...parts) };
}
