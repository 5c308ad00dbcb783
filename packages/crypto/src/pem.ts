/**
 * PEM (RFC 7468) text armour for DER: keys, certificates, CMS messages.
 *
 * @packageDocumentation
 */
import { MalformedInputError } from './errors.js';

/** A decoded PEM block. */
export interface PemBlock {
  /** The label between `-----BEGIN ` and `-----`, e.g. `CERTIFICATE`. */
  readonly label: string;
  readonly der: Uint8Array;
}

/** Largest PEM text accepted (a 64 MiB DER is about 87 MiB of base64). */
const MAX_PEM_CHARS = 96 * 1024 * 1024;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Encodes DER as a PEM block with `label`, base64 in lines of 64 characters, ending with a newline.
 *
 * @example
 * ```ts
 * import { toPem } from '@semper/crypto';
 * const text = toPem('CMS', signedDer); // "-----BEGIN CMS-----\nMIAG...\n-----END CMS-----\n"
 * ```
 */
export function toPem(label: string, der: Uint8Array): string {
  if (!/^[\x21-\x2c\x2e-\x7e](?:[- ]?[\x21-\x2c\x2e-\x7e])*$/.test(label)) {
    throw new MalformedInputError('ERR_CRYPTO_MALFORMED', `not a PEM label: ${JSON.stringify(label)}`);
  }
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join('\n')}${lines.length > 0 ? '\n' : ''}-----END ${label}-----\n`;
}

/**
 * Decodes every PEM block of `text`, in order (text between blocks is ignored, as OpenSSL does). With
 * `label`, only the blocks with that label are returned.
 *
 * @throws {@link MalformedInputError} `ERR_CRYPTO_MALFORMED` when the text holds no block (with `label`: no
 * such block), a block has no END line, its END label differs, it carries RFC 1421 headers (legacy
 * encrypted PEM, which semper does not read), or its body is not base64; `ERR_CRYPTO_TOO_LARGE` when the
 * text is larger than 96 MiB.
 *
 * @example
 * ```ts
 * import { fromPem } from '@semper/crypto';
 * const [cert] = fromPem(readFileSync('alice.pem', 'utf8'), 'CERTIFICATE');
 * console.log(cert.der.length);
 * ```
 */
export function fromPem(text: string, label?: string): PemBlock[] {
  const blocks = readPemBlocks(text).filter((b) => label === undefined || b.label === label);
  if (blocks.length === 0) {
    throw new MalformedInputError(
      'ERR_CRYPTO_MALFORMED',
      label === undefined ? 'no PEM block found' : `no PEM block labelled ${label} found`,
    );
  }
  return blocks;
}

/**
 * Every PEM block of `text` (possibly none); the checks of {@link fromPem} otherwise.
 *
 * @internal
 */
export function readPemBlocks(text: string): PemBlock[] {
  if (typeof text !== 'string') throw new MalformedInputError('ERR_CRYPTO_MALFORMED', 'PEM input must be text');
  if (text.length > MAX_PEM_CHARS) {
    throw new MalformedInputError('ERR_CRYPTO_TOO_LARGE', `PEM text of ${text.length} characters exceeds the limit`);
  }
  const blocks: PemBlock[] = [];
  const lines = text.split(/\r?\n|\r/);
  for (let i = 0; i < lines.length; i++) {
    const begin = /^-----BEGIN ([^-]+(?:-[^-]+)*)-----\s*$/.exec(lines[i]);
    if (begin === null) continue;
    const blockLabel = begin[1];
    const body: string[] = [];
    let end = -1;
    for (let j = i + 1; j < lines.length; j++) {
      const m = /^-----END ([^-]+(?:-[^-]+)*)-----\s*$/.exec(lines[j]);
      if (m !== null) {
        if (m[1] !== blockLabel) {
          throw new MalformedInputError('ERR_CRYPTO_MALFORMED', `PEM block ${blockLabel} ends with END ${m[1]}`);
        }
        end = j;
        break;
      }
      if (lines[j].includes(':')) {
        throw new MalformedInputError(
          'ERR_CRYPTO_MALFORMED',
          `PEM block ${blockLabel} has RFC 1421 headers (legacy encrypted PEM is not supported; use PKCS#8)`,
        );
      }
      body.push(lines[j].trim());
    }
    if (end < 0) throw new MalformedInputError('ERR_CRYPTO_MALFORMED', `PEM block ${blockLabel} has no END line`);
    const b64 = body.join('');
    if (!BASE64.test(b64) || b64.length % 4 !== 0) {
      throw new MalformedInputError('ERR_CRYPTO_MALFORMED', `PEM block ${blockLabel} is not valid base64`);
    }
    blocks.push({ label: blockLabel, der: new Uint8Array(Buffer.from(b64, 'base64')) });
    i = end;
  }
  return blocks;
}
