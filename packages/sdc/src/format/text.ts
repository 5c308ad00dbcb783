import { SdcError } from './errors.js';
import { resolveLimits, type SdcLimits } from './limits.js';

/**
 * The label of the armoured form: `-----BEGIN SEMPER SDC-----`.
 *
 * @example
 * ```ts
 * import { SDC_ARMOR_LABEL } from '@semper/sdc';
 * console.log(`-----BEGIN ${SDC_ARMOR_LABEL}-----`);
 * ```
 */
export const SDC_ARMOR_LABEL = 'SEMPER SDC';

/**
 * The MIME type of the S/MIME form (RFC 8551 §3.2 for an AuthEnvelopedData).
 *
 * @example
 * ```ts
 * import { SDC_SMIME_CONTENT_TYPE } from '@semper/sdc';
 * console.log(SDC_SMIME_CONTENT_TYPE); // application/pkcs7-mime; smime-type=authEnveloped-data; name=smime.p7m
 * ```
 */
export const SDC_SMIME_CONTENT_TYPE = 'application/pkcs7-mime; smime-type=authEnveloped-data; name=smime.p7m';

const BEGIN = `-----BEGIN ${SDC_ARMOR_LABEL}-----`;
const END = `-----END ${SDC_ARMOR_LABEL}-----`;

function wrap64(b64: string, eol: string): string {
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return lines.join(eol);
}

function checkText(text: unknown, limits: SdcLimits, what: string): string {
  if (typeof text !== 'string') throw new SdcError('ERR_SDC_INVALID_ARGUMENT', `${what} must be text`);
  if (text.length > limits.maxTextChars) {
    throw new SdcError(
      'ERR_SDC_TOO_LARGE',
      `${what} of ${text.length} characters exceeds the limit of ${limits.maxTextChars}`,
    );
  }
  return text;
}

/** Strict base64 (RFC 4648 §4, padding required) of lines that are only base64. */
function decodeBase64Lines(lines: string[], what: string, limits: SdcLimits): Uint8Array {
  const b64 = lines.join('');
  if (b64.length === 0 || b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) {
    throw new SdcError('ERR_SDC_MALFORMED', `${what}: not base64`);
  }
  if ((b64.length / 4) * 3 > limits.maxContainerBytes + 2) {
    throw new SdcError(
      'ERR_SDC_TOO_LARGE',
      `${what}: container exceeds the limit of ${limits.maxContainerBytes} bytes`,
    );
  }
  const bytes = new Uint8Array(Buffer.from(b64, 'base64'));
  if (Buffer.from(bytes).toString('base64') !== b64)
    throw new SdcError('ERR_SDC_MALFORMED', `${what}: not canonical base64`);
  return bytes;
}

/**
 * The armoured `.sdc` form of a container, for a transfer folder or removable media: `-----BEGIN SEMPER
 * SDC-----`, the base64 of the DER in lines of 64 characters, `-----END SEMPER SDC-----`, LF line ends.
 *
 * @example
 * ```ts
 * import { armorSdc } from '@semper/sdc';
 * writeFileSync('outbox/0001.sdc', armorSdc(bytes));
 * ```
 */
export function armorSdc(bytes: Uint8Array): string {
  if (!(bytes instanceof Uint8Array)) throw new SdcError('ERR_SDC_INVALID_ARGUMENT', 'armorSdc takes the DER bytes');
  return `${BEGIN}\n${wrap64(Buffer.from(bytes).toString('base64'), '\n')}\n${END}\n`;
}

/**
 * Reads an armoured `.sdc` file back to DER. Accepts LF or CRLF line ends and blank lines around the block;
 * nothing else (no text before or after, no headers, strict base64). The length is checked before decoding.
 *
 * @throws {@link SdcError} `ERR_SDC_TOO_LARGE`, `ERR_SDC_MALFORMED`.
 *
 * @example
 * ```ts
 * import { dearmorSdc, inspectSdc } from '@semper/sdc';
 * const { header } = inspectSdc(dearmorSdc(readFileSync('inbox/0001.sdc', 'utf8')));
 * ```
 */
export function dearmorSdc(text: string, options: { readonly limits?: Partial<SdcLimits> } = {}): Uint8Array {
  const limits = resolveLimits(options.limits);
  const lines = checkText(text, limits, 'an armoured SDC').split(/\r?\n/);
  while (lines.length > 0 && lines[0] === '') lines.shift();
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines[0] !== BEGIN || lines[lines.length - 1] !== END || lines.length < 3) {
    throw new SdcError('ERR_SDC_MALFORMED', `an armoured SDC is one ${BEGIN} … ${END} block`);
  }
  return decodeBase64Lines(lines.slice(1, -1), 'an armoured SDC', limits);
}

/**
 * Extra header fields of the S/MIME entity (e.g. `From`, `To`, `Subject`, `Message-ID` when it is the whole
 * mail). Names are RFC 5322 field names; values one line of printable ASCII.
 *
 * @example
 * ```ts
 * import type { SmimeHeaders } from '@semper/sdc';
 * const h: SmimeHeaders = { Subject: 'SDC export 7' };
 * ```
 */
export type SmimeHeaders = Readonly<Record<string, string>>;

/**
 * The S/MIME form of a container, for mail (RFC 8551): a MIME entity `application/pkcs7-mime;
 * smime-type=authEnveloped-data` with the base64 DER, CRLF line ends. `openssl cms -decrypt -inform SMIME`
 * reads it as it is.
 *
 * @example
 * ```ts
 * import { toSmime } from '@semper/sdc';
 * const mime = toSmime(bytes, { Subject: 'SDC export 7' });
 * ```
 */
export function toSmime(bytes: Uint8Array, headers: SmimeHeaders = {}): string {
  if (!(bytes instanceof Uint8Array)) throw new SdcError('ERR_SDC_INVALID_ARGUMENT', 'toSmime takes the DER bytes');
  const extra: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (
      !/^[!-9;-~]+$/.test(name) ||
      /^(mime-version|content-type|content-transfer-encoding|content-disposition)$/i.test(name)
    ) {
      throw new SdcError('ERR_SDC_INVALID_ARGUMENT', `not an extra header field name: ${JSON.stringify(name)}`);
    }
    if (typeof value !== 'string' || !/^[ -~]*$/.test(value)) {
      throw new SdcError('ERR_SDC_INVALID_ARGUMENT', `header field ${name} must be one line of printable ASCII`);
    }
    extra.push(`${name}: ${value}`);
  }
  return [
    ...extra,
    'MIME-Version: 1.0',
    'Content-Disposition: attachment; filename="smime.p7m"',
    `Content-Type: ${SDC_SMIME_CONTENT_TYPE}`,
    'Content-Transfer-Encoding: base64',
    '',
    wrap64(Buffer.from(bytes).toString('base64'), '\r\n'),
    '',
  ].join('\r\n');
}

/**
 * Reads the S/MIME form back to DER: the header block (unfolded) must have `Content-Type:
 * application/pkcs7-mime` (or the legacy `application/x-pkcs7-mime`) and `Content-Transfer-Encoding:
 * base64`; the body is strict base64 in lines.
 *
 * @throws {@link SdcError} `ERR_SDC_TOO_LARGE`, `ERR_SDC_MALFORMED`.
 *
 * @example
 * ```ts
 * import { fromSmime, openSdc } from '@semper/sdc';
 * const opened = await openSdc(fromSmime(mailText), { identity: hub, trust });
 * ```
 */
export function fromSmime(text: string, options: { readonly limits?: Partial<SdcLimits> } = {}): Uint8Array {
  const limits = resolveLimits(options.limits);
  const all = checkText(text, limits, 'an S/MIME entity');
  const split = /\r?\n\r?\n/.exec(all);
  if (split === null) throw new SdcError('ERR_SDC_MALFORMED', 'an S/MIME entity has a header block and a body');
  const head = all.slice(0, split.index).replace(/\r?\n[ \t]+/g, ' ');
  const fields = new Map<string, string>();
  for (const line of head.split(/\r?\n/)) {
    const m = /^([!-9;-~]+):[ \t]*(.*)$/.exec(line);
    if (m === null) throw new SdcError('ERR_SDC_MALFORMED', 'an S/MIME header line is not a field');
    fields.set((m[1] as string).toLowerCase(), (m[2] as string).trim());
  }
  const type = fields.get('content-type') ?? '';
  if (!/^application\/(x-)?pkcs7-mime\s*(;|$)/i.test(type)) {
    throw new SdcError('ERR_SDC_MALFORMED', 'an SDC mail is application/pkcs7-mime');
  }
  if ((fields.get('content-transfer-encoding') ?? '').toLowerCase() !== 'base64') {
    throw new SdcError('ERR_SDC_MALFORMED', 'an SDC mail is base64 encoded');
  }
  const body = all
    .slice(split.index + split[0].length)
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return decodeBase64Lines(body, 'an S/MIME entity', limits);
}
