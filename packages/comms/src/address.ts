import { CommsError } from './errors.js';

/**
 * The longest address accepted, in characters.
 *
 * @example
 * ```ts
 * import { MAX_ADDRESS_LENGTH } from '@semper/comms';
 * MAX_ADDRESS_LENGTH; // 2048
 * ```
 */
export const MAX_ADDRESS_LENGTH = 2048;

const SCHEME = /^[a-z][a-z0-9+.-]{0,31}$/;
const PRINTABLE = /^[\x21-\x7e]+$/;

/**
 * An address split into its scheme and the transport-specific rest: `mem:hub` → `{ scheme: 'mem',
 * target: 'hub' }`; `https://hub.example/inbox` → `{ scheme: 'https', target: '//hub.example/inbox' }`.
 *
 * @example
 * ```ts
 * import { parseAddress, type ParsedAddress } from '@semper/comms';
 * const parsed: ParsedAddress = parseAddress('folder:/media/usb/hub');
 * parsed.scheme; // 'folder'
 * ```
 */
export interface ParsedAddress {
  /** The scheme, lower case: `mem`, `folder`, `http`, `https`, `mailto`, … */
  readonly scheme: string;
  /** Everything after the first `:`, as written. */
  readonly target: string;
  /** The whole address, as written. */
  readonly address: string;
}

/**
 * Parses an address: `<scheme>:<target>`, printable ASCII without spaces, at most
 * {@link MAX_ADDRESS_LENGTH} characters, the scheme lower case. Each transport checks its own targets
 * further. Throws `ERR_COMMS_INVALID_ADDRESS`.
 *
 * Addresses by transport: `mem:<name>` (in-memory), `folder:<absolute path>` (a transfer folder, also on
 * removable media), `http://host:port/path` and `https://…` (HTTP POST), `mailto:<addr-spec>` (mail).
 *
 * @example
 * ```ts
 * import { parseAddress } from '@semper/comms';
 * parseAddress('mailto:hub@example.org').target; // 'hub@example.org'
 * parseAddress('no scheme'); // throws ERR_COMMS_INVALID_ADDRESS
 * ```
 */
export function parseAddress(address: string): ParsedAddress {
  if (typeof address !== 'string' || address.length === 0 || address.length > MAX_ADDRESS_LENGTH) {
    throw new CommsError('ERR_COMMS_INVALID_ADDRESS', `an address is 1 to ${MAX_ADDRESS_LENGTH} characters`);
  }
  if (!PRINTABLE.test(address)) {
    throw new CommsError('ERR_COMMS_INVALID_ADDRESS', 'an address is printable ASCII without spaces');
  }
  const colon = address.indexOf(':');
  const scheme = colon < 0 ? '' : address.slice(0, colon);
  const target = address.slice(colon + 1);
  if (!SCHEME.test(scheme) || target.length === 0) {
    throw new CommsError('ERR_COMMS_INVALID_ADDRESS', `not <scheme>:<target>: '${address.slice(0, 80)}'`);
  }
  return { scheme, target, address };
}

/**
 * Whether `address` is a well-formed address (see {@link parseAddress}).
 *
 * @example
 * ```ts
 * import { isAddress } from '@semper/comms';
 * isAddress('mem:hub'); // true
 * isAddress('hub'); // false
 * ```
 */
export function isAddress(address: unknown): address is string {
  try {
    parseAddress(address as string);
    return true;
  } catch {
    return false;
  }
}

/**
 * The scheme of `address` (after checking it), e.g. `'https'`.
 *
 * @example
 * ```ts
 * import { schemeOf } from '@semper/comms';
 * schemeOf('https://hub.example/inbox'); // 'https'
 * ```
 */
export function schemeOf(address: string): string {
  return parseAddress(address).scheme;
}
