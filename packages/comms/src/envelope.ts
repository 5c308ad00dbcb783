import { createHash } from 'node:crypto';
import { MalformedMessageError, MessageTooLargeError } from './errors.js';
import { checkMessage, DEFAULT_MAX_MESSAGE_BYTES, MAX_ENVELOPE_BYTES, type Message } from './message.js';

/** The first line of every envelope. */
const MAGIC = 'SEMPER-MESSAGE 1\n';
const MAGIC_BYTES = new TextEncoder().encode(MAGIC);
const NEWLINE = 0x0a;

/**
 * The media type of an encoded envelope (a whole message in one byte string), for media that carry one
 * (a mail attachment, a file).
 *
 * @example
 * ```ts
 * import { ENVELOPE_CONTENT_TYPE } from '@semper/comms/spi';
 * attachment.contentType = ENVELOPE_CONTENT_TYPE; // 'application/vnd.semper.message'
 * ```
 */
export const ENVELOPE_CONTENT_TYPE = 'application/vnd.semper.message';

/**
 * Encodes a whole message as one byte string, for media that store messages as files or attachments:
 *
 * ```text
 * SEMPER-MESSAGE 1\n
 * {"id":…,"from":…,"to":…,"contentType":…,"headers":{…},"length":<body bytes>,"sha256":"<hex of body>"}\n
 * <body>
 * ```
 *
 * The header line is JSON (ASCII, since every envelope field is printable ASCII) of at most
 * `MAX_ENVELOPE_BYTES`; `length` and `sha256` let the reader detect a truncated or damaged copy (a
 * removable medium pulled too early). The message is checked first (`checkMessage`).
 *
 * @example
 * ```ts
 * import { decodeEnvelope, encodeEnvelope } from '@semper/comms/spi';
 * const bytes = encodeEnvelope({ id: 'msg_1', from: 'folder:/a', to: 'folder:/b', contentType: 'text/plain', body: new Uint8Array([104, 105]) });
 * decodeEnvelope(bytes).id; // 'msg_1'
 * ```
 */
export function encodeEnvelope(message: Message, options: { readonly maxMessageBytes?: number } = {}): Uint8Array {
  const m = checkMessage(message, { maxMessageBytes: options.maxMessageBytes ?? Number.MAX_SAFE_INTEGER });
  const header = JSON.stringify({
    id: m.id,
    from: m.from,
    to: m.to,
    contentType: m.contentType,
    headers: m.headers,
    length: m.body.byteLength,
    sha256: createHash('sha256').update(m.body).digest('hex'),
  });
  const headerBytes = new TextEncoder().encode(`${header}\n`);
  const out = new Uint8Array(MAGIC_BYTES.length + headerBytes.length + m.body.byteLength);
  out.set(MAGIC_BYTES, 0);
  out.set(headerBytes, MAGIC_BYTES.length);
  out.set(m.body, MAGIC_BYTES.length + headerBytes.length);
  return out;
}

/**
 * Decodes an envelope written by {@link encodeEnvelope}, strictly: the size is checked first (at most
 * `maxMessageBytes + MAX_ENVELOPE_BYTES`, a `raw` `MessageTooLargeError` beyond), then the magic line, a
 * header line of at most `MAX_ENVELOPE_BYTES`, its JSON fields, the body length (at most `maxMessageBytes`:
 * a `body` `MessageTooLargeError` beyond) and digest. Throws `MessageTooLargeError` or
 * `MalformedMessageError` (`ERR_COMMS_MALFORMED`).
 *
 * @example
 * ```ts
 * import { decodeEnvelope } from '@semper/comms/spi';
 * const message = decodeEnvelope(await readFile(path), { maxMessageBytes: 1024 * 1024 });
 * ```
 */
export function decodeEnvelope(bytes: Uint8Array, options: { readonly maxMessageBytes?: number } = {}): Message {
  const limit = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  if (!(bytes instanceof Uint8Array)) throw new MalformedMessageError('ERR_COMMS_MALFORMED', 'an envelope is bytes');
  if (bytes.byteLength > limit + MAX_ENVELOPE_BYTES) {
    throw new MessageTooLargeError(bytes.byteLength, limit + MAX_ENVELOPE_BYTES, { kind: 'raw' });
  }
  const bad = (why: string): never => {
    throw new MalformedMessageError('ERR_COMMS_MALFORMED', `malformed envelope: ${why}`);
  };
  if (bytes.byteLength < MAGIC_BYTES.length) bad('too short');
  for (let i = 0; i < MAGIC_BYTES.length; i++) if (bytes[i] !== MAGIC_BYTES[i]) bad('not a semper message');
  const searchEnd = Math.min(bytes.byteLength, MAGIC_BYTES.length + MAX_ENVELOPE_BYTES);
  let end = -1;
  for (let i = MAGIC_BYTES.length; i < searchEnd; i++) {
    if (bytes[i] === NEWLINE) {
      end = i;
      break;
    }
  }
  if (end < 0) bad(`no header line within ${MAX_ENVELOPE_BYTES} bytes`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(MAGIC_BYTES.length, end)));
  } catch {
    bad('the header line is not JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) bad('the header is not an object');
  const h = header as Record<string, unknown>;
  const known = new Set(['id', 'from', 'to', 'contentType', 'headers', 'length', 'sha256']);
  for (const key of Object.keys(h)) if (!known.has(key)) bad(`unknown field '${key.slice(0, 40)}'`);
  if (!Number.isSafeInteger(h.length) || (h.length as number) < 0) bad('length is not a non-negative integer');
  const length = h.length as number;
  if (length > limit) throw new MessageTooLargeError(length, limit);
  const body = bytes.subarray(end + 1);
  if (body.byteLength !== length) bad(`body is ${body.byteLength} bytes, the header says ${length}`);
  if (typeof h.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(h.sha256)) bad('sha256 is not 64 hex digits');
  if (createHash('sha256').update(body).digest('hex') !== h.sha256) bad('body digest mismatch');
  return checkMessage(
    { id: h.id, from: h.from, to: h.to, contentType: h.contentType, headers: h.headers, body },
    { maxMessageBytes: limit, received: true },
  );
}
