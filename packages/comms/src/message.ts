import { parseAddress } from './address.js';
import { CommsError, MalformedMessageError, MessageTooLargeError } from './errors.js';

/**
 * What every transport carries: opaque bytes with a small envelope. The transport never looks inside
 * `body`; authenticity (signatures) and confidentiality (encryption) are the business of the layers above
 * (CMS SignedData / EnvelopedData), which may check them in `ReceiveOptions.verify` before the message is
 * acknowledged.
 *
 * @example
 * ```ts
 * import { newId } from '@semper/core';
 * import type { Message } from '@semper/comms';
 * const message: Message = {
 *   id: newId('msg'),
 *   from: 'mem:agency-0042',
 *   to: 'mem:hub',
 *   contentType: 'application/cms',
 *   body: new Uint8Array([0x30, 0x80]),
 *   headers: { 'sdc-batch': '17' },
 * };
 * ```
 */
export interface Message {
  /**
   * Assigned by the sender, unique per message (a `newId('msg')` is the usual choice), kept by every
   * retry and every redelivery: the key receivers deduplicate on. 1 to {@link MAX_ID_LENGTH} printable
   * ASCII characters, no spaces.
   */
  readonly id: string;
  /** The sender's address, where replies go (see `parseAddress`). */
  readonly from: string;
  /** The recipient's address; its scheme picks the transport. */
  readonly to: string;
  /** A MIME type with optional parameters, e.g. `application/cms; smime-type=signed-data`. */
  readonly contentType: string;
  /** The payload, at most the transport's `maxMessageBytes`. */
  readonly body: Uint8Array;
  /**
   * Small metadata (correlation ids, a batch number), at most {@link MAX_HEADERS} entries and
   * {@link MAX_HEADER_BYTES} in all. Names: lower case `[a-z0-9-]`, 1 to 64 characters; values: printable
   * ASCII and spaces, at most 1024 characters. Not authenticated: never base a decision on a header that
   * the signed body does not confirm.
   */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * The longest message id accepted, in characters.
 *
 * @example
 * ```ts
 * import { MAX_ID_LENGTH } from '@semper/comms';
 * const fits = (id: string) => id.length <= MAX_ID_LENGTH;
 * ```
 */
export const MAX_ID_LENGTH = 200;
/**
 * The longest content type accepted, in characters.
 *
 * @example
 * ```ts
 * import { MAX_CONTENT_TYPE_LENGTH } from '@semper/comms';
 * MAX_CONTENT_TYPE_LENGTH; // 255
 * ```
 */
export const MAX_CONTENT_TYPE_LENGTH = 255;
/**
 * The most headers a message may have.
 *
 * @example
 * ```ts
 * import { MAX_HEADERS } from '@semper/comms';
 * MAX_HEADERS; // 32
 * ```
 */
export const MAX_HEADERS = 32;
/**
 * The most bytes all header names and values of a message may take together.
 *
 * @example
 * ```ts
 * import { MAX_HEADER_BYTES } from '@semper/comms';
 * MAX_HEADER_BYTES; // 8192
 * ```
 */
export const MAX_HEADER_BYTES = 8 * 1024;
/**
 * The longest header value accepted, in characters.
 *
 * @example
 * ```ts
 * import { MAX_HEADER_VALUE_LENGTH } from '@semper/comms';
 * MAX_HEADER_VALUE_LENGTH; // 1024
 * ```
 */
export const MAX_HEADER_VALUE_LENGTH = 1024;
/**
 * An upper bound of what a message's envelope adds to its body (ids, addresses, content type, headers,
 * framing) when the body is carried as it is. `maxMessageBytes + MAX_ENVELOPE_BYTES` is the default raw
 * limit of a transport (`AbstractTransport.rawLimit`: what it refuses unread, and reads at most); a medium
 * that encodes the body (base64 in a mail: about 4/3 of it) or carries the envelope elsewhere (HTTP
 * headers) overrides that.
 *
 * @example
 * ```ts
 * import { MAX_ENVELOPE_BYTES } from '@semper/comms/spi';
 * const defaultRawLimit = (maxMessageBytes: number) => maxMessageBytes + MAX_ENVELOPE_BYTES;
 * ```
 */
export const MAX_ENVELOPE_BYTES = 64 * 1024;
/**
 * The default `maxMessageBytes` of every transport: 16 MiB.
 *
 * @example
 * ```ts
 * import { createMemoryTransport, DEFAULT_MAX_MESSAGE_BYTES, MemoryBroker } from '@semper/comms';
 * createMemoryTransport({ broker: new MemoryBroker(), name: 'hub' }).maxMessageBytes === DEFAULT_MAX_MESSAGE_BYTES; // true
 * ```
 */
export const DEFAULT_MAX_MESSAGE_BYTES: number = 16 * 1024 * 1024;

const ID = /^[\x21-\x7e]+$/;
const HEADER_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
const HEADER_VALUE = /^[\x20-\x7e]*$/;
const CONTENT_TYPE =
  /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}(?:\s*;[\x20-\x7e]*)?$/;

/**
 * Options of {@link checkMessage}.
 *
 * @example
 * ```ts
 * import { checkMessage, type CheckMessageOptions } from '@semper/comms';
 * const options: CheckMessageOptions = { maxMessageBytes: 1024, received: true };
 * ```
 */
export interface CheckMessageOptions {
  /** The body limit in bytes (default {@link DEFAULT_MAX_MESSAGE_BYTES}). */
  readonly maxMessageBytes?: number;
  /**
   * `true` when the value came off a wire or a file: faults are `ERR_COMMS_MALFORMED` (a bad message that
   * the receiver moves aside) instead of `ERR_COMMS_INVALID_MESSAGE` (a caller's mistake).
   */
  readonly received?: boolean;
}

/**
 * Checks that `value` is a well-formed {@link Message} and returns a frozen copy (headers always present,
 * `body` a fresh `Uint8Array`, so the caller may reuse its buffer). The size limit is checked before
 * anything else is looked at. Throws `MessageTooLargeError` (`ERR_COMMS_TOO_LARGE`) or
 * `MalformedMessageError` (`ERR_COMMS_INVALID_MESSAGE`, or `ERR_COMMS_MALFORMED` with `received`).
 *
 * @example
 * ```ts
 * import { checkMessage } from '@semper/comms';
 * const m = checkMessage({ id: 'msg_1', from: 'mem:a', to: 'mem:b', contentType: 'text/plain', body: new Uint8Array(2) });
 * m.headers; // {}
 * ```
 */
export function checkMessage(
  value: unknown,
  options: CheckMessageOptions = {},
): Message & {
  readonly headers: Readonly<Record<string, string>>;
} {
  const limit = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const code = options.received ? 'ERR_COMMS_MALFORMED' : 'ERR_COMMS_INVALID_MESSAGE';
  const fail = (why: string): never => {
    throw new MalformedMessageError(code, `${options.received ? 'malformed message' : 'invalid message'}: ${why}`);
  };
  if (typeof value !== 'object' || value === null) fail('not an object');
  const m = value as Record<string, unknown>;
  if (!(m.body instanceof Uint8Array)) fail('body is not a Uint8Array');
  const body = m.body as Uint8Array;
  if (body.byteLength > limit) throw new MessageTooLargeError(body.byteLength, limit);

  if (typeof m.id !== 'string' || m.id.length === 0 || m.id.length > MAX_ID_LENGTH || !ID.test(m.id)) {
    fail(`id is 1 to ${MAX_ID_LENGTH} printable ASCII characters without spaces`);
  }
  for (const field of ['from', 'to'] as const) {
    try {
      parseAddress(m[field] as string);
    } catch (err) {
      fail(`${field}: ${(err as Error).message}`);
    }
  }
  const contentType = m.contentType;
  if (
    typeof contentType !== 'string' ||
    contentType.length > MAX_CONTENT_TYPE_LENGTH ||
    !CONTENT_TYPE.test(contentType)
  ) {
    fail('contentType is a MIME type (type/subtype, optional parameters), printable ASCII');
  }
  const headers: Record<string, string> = {};
  if (m.headers !== undefined) {
    if (typeof m.headers !== 'object' || m.headers === null || Array.isArray(m.headers))
      fail('headers is not a record');
    const entries = Object.entries(m.headers as object);
    if (entries.length > MAX_HEADERS) fail(`more than ${MAX_HEADERS} headers`);
    let bytes = 0;
    for (const [name, text] of entries) {
      if (!HEADER_NAME.test(name)) fail(`header name '${name.slice(0, 64)}' is not lower-case [a-z0-9-], 1 to 64`);
      if (typeof text !== 'string' || text.length > MAX_HEADER_VALUE_LENGTH || !HEADER_VALUE.test(text)) {
        fail(`header '${name}' is not printable ASCII of at most ${MAX_HEADER_VALUE_LENGTH} characters`);
      }
      bytes += name.length + (text as string).length;
      headers[name] = text as string;
    }
    if (bytes > MAX_HEADER_BYTES) fail(`headers exceed ${MAX_HEADER_BYTES} bytes`);
  }
  return Object.freeze({
    id: m.id as string,
    from: m.from as string,
    to: m.to as string,
    contentType: contentType as string,
    body: new Uint8Array(body),
    headers: Object.freeze(headers),
  });
}

/**
 * Checks a `maxMessageBytes` option: a positive safe integer. Throws `ERR_COMMS_INVALID_ARGUMENT`.
 *
 * @example
 * ```ts
 * import { checkMaxMessageBytes } from '@semper/comms/spi';
 * const limit = checkMaxMessageBytes(options.maxMessageBytes); // the default when undefined
 * ```
 */
export function checkMaxMessageBytes(value: number | undefined): number {
  if (value === undefined) return DEFAULT_MAX_MESSAGE_BYTES;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new CommsError('ERR_COMMS_INVALID_ARGUMENT', 'maxMessageBytes is a positive integer');
  }
  return value;
}
