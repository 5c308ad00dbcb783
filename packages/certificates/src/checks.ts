/**
 * Checks shared by the CA module base, the reference module, the manager and the RA.
 *
 * @internal
 * @packageDocumentation
 */
import { encodeName } from '@semper/crypto';
import { CertificatesError } from './errors.js';
import { parseName } from './validation/names.js';

const CA_ID = /^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$/;
const SERIAL = /^[0-9a-f]{1,40}$/;

function invalid(message: string): never {
  throw new CertificatesError('ERR_CERTIFICATES_INVALID_ARGUMENT', message);
}

/**
 * Checks a CA id (lower-case letters, digits, `.`, `_`, `-`; at most 64 characters).
 *
 * @internal
 */
export function checkCaId(caId: unknown, what = 'caId'): string {
  if (typeof caId !== 'string' || !CA_ID.test(caId)) {
    invalid(
      `${what} must be lower-case letters, digits, '.', '_' or '-' (at most 64): ${JSON.stringify(String(caId).slice(0, 64))}`,
    );
  }
  return caId;
}

/**
 * A serial number in the form modules keep it, that of `Certificate.serialNumber`: the minimal unsigned
 * big-endian octets in lower-case hex (upper case, an odd length and leading `00` octets are accepted).
 *
 * @internal
 */
export function normalizeSerial(serial: unknown): string {
  if (typeof serial !== 'string') invalid('serialNumber must be a hex string');
  const even = serial.length % 2 === 1 ? `0${serial}` : serial;
  const s = even.toLowerCase().replace(/^(?:00)+(?=[0-9a-f]{2})/, '');
  if (!SERIAL.test(s)) invalid(`serialNumber must be hex (at most 20 octets): ${JSON.stringify(serial.slice(0, 48))}`);
  return s;
}

/**
 * The DER of a subject given as text (crypto's strict `encodeName`) or as the DER of a Name (checked).
 *
 * @internal
 */
export function subjectNameDer(name: unknown, what: string): Uint8Array {
  if (typeof name === 'string') {
    try {
      return encodeName(name);
    } catch (err) {
      throw new CertificatesError(
        'ERR_CERTIFICATES_INVALID_ARGUMENT',
        `${what} is not a distinguished name: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }
  if (!(name instanceof Uint8Array)) invalid(`${what} must be a DN string or the DER of a Name`);
  const der = new Uint8Array(name);
  try {
    parseName(der);
  } catch (err) {
    throw new CertificatesError('ERR_CERTIFICATES_INVALID_ARGUMENT', `${what} is not the DER of a Name`, {
      cause: err,
    });
  }
  return der;
}
