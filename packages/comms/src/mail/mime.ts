import { createHash } from 'node:crypto';
import { type MailDefect, MalformedMailError, MessageTooLargeError } from '../errors.js';
import { checkMessage, MAX_ENVELOPE_BYTES, type Message } from '../message.js';

/*
 * The mail form of a semper message: one single-part S/MIME message, `application/pkcs7-mime` in
 * base64, whose header carries the envelope (`X-Semper-Id`, and `X-Semper-Envelope`: the id, addresses,
 * content type, headers, body length and SHA-256 as base64 JSON, folded).
 *
 * ```text
 * From: <hub@sdc.test>
 * To: <agency1@sdc.test>
 * Date: Mon, 01 Dec 2025 20:00:00 GMT
 * Message-ID: <semper.3f2a…@sdc.test>
 * Subject: semper message
 * MIME-Version: 1.0
 * X-Semper-Id: msg_01JD…
 * X-Semper-Envelope:
 *  eyJ2IjoxLCJpZCI6Im1zZ18wMUpE…
 * Content-Type: application/pkcs7-mime; name="smime.p7m";
 *  smime-type=enveloped-data
 * Content-Transfer-Encoding: base64
 * Content-Disposition: attachment; filename="smime.p7m"
 *
 * MIAGCSqGSIb3DQEHA6CAMIACAQAxggE…
 * ```
 */
const CRLF = '\r\n';
const LINE = 76;
/** The header section of a mail we read: our headers plus whatever servers add (Received, Return-Path…). */
const MAX_HEADER_SECTION = 2 * MAX_ENVELOPE_BYTES;
const ENVELOPE_FIELDS = new Set(['v', 'id', 'from', 'to', 'contentType', 'headers', 'length', 'sha256']);
const PKCS7_TYPES = new Set(['application/pkcs7-mime', 'application/x-pkcs7-mime']);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const MAILBOX =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/**
 * The mailbox of a `mailto:` address (`mailto:hub@example.org` → `hub@example.org`), or `undefined` when it
 * is not a plain `mailto:local@domain` (no display name, no `?query`, no several recipients).
 *
 * @example
 * ```ts
 * import { mailboxOf } from '@semper/comms';
 * mailboxOf('mailto:hub@sdc.test'); // 'hub@sdc.test'
 * mailboxOf('mailto:a@x,b@y'); // undefined
 * ```
 */
export function mailboxOf(address: string): string | undefined {
  if (typeof address !== 'string' || !address.startsWith('mailto:')) return undefined;
  const mailbox = address.slice('mailto:'.length);
  return mailbox.length <= 254 && MAILBOX.test(mailbox) && !mailbox.includes('..') ? mailbox : undefined;
}

/**
 * The bytes a base64 body of `n` bytes takes in a mail: 4/3, in lines of 76 characters and CRLF.
 *
 * @example
 * ```ts
 * import { base64MailBytes } from '@semper/comms';
 * base64MailBytes(57); // 78: one line of 76 characters and its CRLF
 * ```
 */
export function base64MailBytes(n: number): number {
  const chars = Math.ceil(n / 3) * 4;
  return chars + 2 * Math.ceil(chars / LINE);
}

/**
 * The most raw bytes a mail carrying a body of at most `maxMessageBytes` may take (the base64 body and
 * a header section of at most twice `MAX_ENVELOPE_BYTES`): what a collector downloads at most.
 *
 * @example
 * ```ts
 * import { maxMailBytes } from '@semper/comms';
 * const cap = maxMailBytes(1024 * 1024); // about 1.35 MiB of base64 plus 128 KiB of headers
 * ```
 */
export function maxMailBytes(maxMessageBytes: number): number {
  return base64MailBytes(maxMessageBytes) + MAX_HEADER_SECTION + 4;
}

function foldBase64(text: string, firstLineRoom: number): string {
  const lines: string[] = [];
  let at = 0;
  if (firstLineRoom > 0) {
    lines.push(text.slice(0, firstLineRoom));
    at = firstLineRoom;
  }
  for (; at < text.length; at += LINE) lines.push(text.slice(at, at + LINE));
  return lines.join(CRLF);
}

/**
 * Options of {@link composeMail}.
 *
 * @example
 * ```ts
 * import type { ComposeMailOptions } from '@semper/comms';
 * const options: ComposeMailOptions = { fromMailbox: 'hub@sdc.test', toMailbox: 'agency1@sdc.test', date: new Date() };
 * ```
 */
export interface ComposeMailOptions {
  /** The sender's mailbox (the `From:` header). */
  readonly fromMailbox: string;
  /** The recipient's mailbox (the `To:` header). */
  readonly toMailbox: string;
  /** The `Date:` header. */
  readonly date: Date;
}

/**
 * The RFC 5322 mail (CRLF, 7-bit) that carries `message` (already checked with `checkMessage`), as
 * described at the top of this module.
 *
 * @example
 * ```ts
 * import { composeMail } from '@semper/comms';
 * const raw = composeMail(message, { fromMailbox: 'hub@sdc.test', toMailbox: 'agency1@sdc.test', date: new Date() });
 * ```
 */
export function composeMail(message: Message, options: ComposeMailOptions): Buffer {
  const body = message.body;
  const sha256 = createHash('sha256').update(body).digest('hex');
  const envelope = JSON.stringify({
    v: 1,
    id: message.id,
    from: message.from,
    to: message.to,
    contentType: message.contentType,
    headers: message.headers ?? {},
    length: body.byteLength,
    sha256,
  });
  const domain = options.fromMailbox.slice(options.fromMailbox.lastIndexOf('@') + 1);
  const smimeType = /;\s*smime-type\s*=\s*"?([A-Za-z0-9-]{1,64})"?/i.exec(message.contentType)?.[1];
  // The same semper id gives the same Message-ID, so that a resent message is recognisable in a mailbox too.
  const messageId = createHash('sha256').update(message.id).digest('hex').slice(0, 40);
  const head = [
    `From: <${options.fromMailbox}>`,
    `To: <${options.toMailbox}>`,
    `Date: ${options.date.toUTCString()}`,
    `Message-ID: <semper.${messageId}@${domain}>`,
    'Subject: semper message',
    'MIME-Version: 1.0',
    `X-Semper-Id: ${message.id}`,
    `X-Semper-Envelope:${CRLF} ${foldBase64(Buffer.from(envelope).toString('base64'), 0).split(CRLF).join(`${CRLF} `)}`,
    `Content-Type: application/pkcs7-mime; name="smime.p7m"${smimeType ? `;${CRLF} smime-type=${smimeType.toLowerCase()}` : ''}`,
    'Content-Transfer-Encoding: base64',
    'Content-Disposition: attachment; filename="smime.p7m"',
  ].join(CRLF);
  const encoded = foldBase64(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('base64'), 0);
  return Buffer.from(`${head}${CRLF}${CRLF}${encoded}${CRLF}`, 'latin1');
}

interface HeaderField {
  readonly name: string;
  readonly value: string;
}

function defect(kind: MailDefect, why: string): never {
  throw new MalformedMailError(kind, why);
}

/** Splits a header section (lines without their CRLF) into unfolded fields. */
function parseHeaderLines(lines: readonly string[]): HeaderField[] {
  const fields: HeaderField[] = [];
  let current: { name: string; value: string } | undefined;
  for (const line of lines) {
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (!current) defect('bad-header', 'a continuation line before the first header field');
      current.value += line;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0 || !/^[\x21-\x39\x3b-\x7e]+$/.test(line.slice(0, colon))) {
      defect('bad-header', `not a header field: '${line.slice(0, 60)}'`);
    }
    current = { name: line.slice(0, colon).toLowerCase(), value: line.slice(colon + 1) };
    fields.push(current);
  }
  return fields.map((f) => ({ name: f.name, value: f.value.trim() }));
}

/** Splits a mail (or a MIME part) into its header fields and body, at the first empty line. */
function splitEntity(text: string, maxHeaderChars: number): { fields: HeaderField[]; body: string } {
  const match = /\r?\n\r?\n/.exec(text.length > maxHeaderChars ? text.slice(0, maxHeaderChars + 4) : text);
  if (!match) {
    if (text.length > maxHeaderChars)
      defect('bad-header', `no end of the header section within ${maxHeaderChars} bytes`);
    return { fields: parseHeaderLines(text.split(/\r?\n/).filter((l) => l.length > 0)), body: '' };
  }
  const head = text.slice(0, match.index);
  return { fields: parseHeaderLines(head.split(/\r?\n/)), body: text.slice(match.index + match[0].length) };
}

function one(fields: readonly HeaderField[], name: string): string | undefined {
  const found = fields.filter((f) => f.name === name);
  if (found.length > 1) defect('bad-header', `${found.length} '${name}' header fields`);
  return found[0]?.value;
}

/** `type/subtype` (lower case) and the parameters of a Content-Type value. */
function parseContentType(value: string | undefined): { type: string; params: Map<string, string> } {
  const params = new Map<string, string>();
  if (value === undefined) return { type: 'text/plain', params };
  const [type = '', ...rest] = value.split(';');
  for (const param of rest) {
    const eq = param.indexOf('=');
    if (eq < 0) continue;
    let v = param.slice(eq + 1).trim();
    if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1);
    params.set(param.slice(0, eq).trim().toLowerCase(), v);
  }
  return { type: type.trim().toLowerCase(), params };
}

/** The single application/pkcs7-mime entity: the mail itself, or one part of a multipart mail. */
function findPkcs7(fields: readonly HeaderField[], body: string, depth = 0): { fields: HeaderField[]; body: string } {
  const { type, params } = parseContentType(one(fields, 'content-type'));
  if (PKCS7_TYPES.has(type)) return { fields: [...fields], body };
  if (!type.startsWith('multipart/') || depth > 0)
    defect('no-pkcs7-part', `the mail is ${type.slice(0, 80)}, not application/pkcs7-mime`);
  const boundary = params.get('boundary');
  if (!boundary || boundary.length > 70) defect('no-pkcs7-part', 'a multipart mail without a valid boundary');
  const delimiter = `--${boundary}`;
  const parts: string[] = [];
  let current: string[] | undefined;
  for (const line of body.split(/\r?\n/)) {
    if (line === delimiter || line.trimEnd() === delimiter) {
      if (current) parts.push(current.join(CRLF));
      current = [];
    } else if (line === `${delimiter}--` || line.trimEnd() === `${delimiter}--`) {
      if (current) parts.push(current.join(CRLF));
      current = undefined;
      break;
    } else current?.push(line);
  }
  const found = parts
    .map((part) => splitEntity(part, MAX_HEADER_SECTION))
    .filter((part) => PKCS7_TYPES.has(parseContentType(one(part.fields, 'content-type')).type));
  if (found.length !== 1) {
    defect('no-pkcs7-part', `${found.length} application/pkcs7-mime parts in a ${type} mail (one expected)`);
  }
  return found[0]!;
}

function decodeBase64Strict(text: string, what: string): Buffer {
  const compact = text.replace(/[\r\n\t ]+/g, '');
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) defect('bad-base64', `${what} is not valid base64`);
  return Buffer.from(compact, 'base64');
}

/**
 * Options of {@link parseMail}.
 *
 * @example
 * ```ts
 * import type { ParseMailOptions } from '@semper/comms';
 * const options: ParseMailOptions = { maxMessageBytes: 7 * 1024 * 1024 };
 * ```
 */
export interface ParseMailOptions {
  /** The body limit: a larger announced or decoded body is a `MessageTooLargeError`. */
  readonly maxMessageBytes: number;
}

/**
 * Reads a semper message out of a raw mail, strictly: 7-bit only; a header section of at most
 * 128 KiB; exactly one `X-Semper-Envelope` (base64 JSON with only the known fields) agreeing with
 * `X-Semper-Id`; an announced length within `maxMessageBytes` (else `MessageTooLargeError`, before the
 * body is decoded); exactly one `application/pkcs7-mime` entity (the mail, or one part of a multipart
 * mail) in strict base64 whose decoded length and SHA-256 match the envelope. Anything else throws
 * {@link MalformedMailError} (`ERR_COMMS_MALFORMED`, with a `defect`).
 *
 * @example
 * ```ts
 * import { parseMail } from '@semper/comms';
 * const message = parseMail(raw, { maxMessageBytes: 1024 * 1024 });
 * ```
 */
export function parseMail(raw: Uint8Array, options: ParseMailOptions): Message {
  const limit = options.maxMessageBytes;
  if (raw.byteLength > maxMailBytes(limit)) {
    throw new MessageTooLargeError(raw.byteLength, maxMailBytes(limit), { kind: 'raw' });
  }
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0 || bytes[i]! > 0x7f) defect('not-7bit', `a NUL or 8-bit byte at offset ${i}`);
  }
  const text = bytes.toString('latin1');
  const { fields, body } = splitEntity(text, MAX_HEADER_SECTION);

  const envelopeText = one(fields, 'x-semper-envelope');
  if (envelopeText === undefined) defect('no-envelope', 'no X-Semper-Envelope header: not a semper message');
  let envelope: unknown;
  try {
    envelope = JSON.parse(decodeBase64Strict(envelopeText, 'X-Semper-Envelope').toString('utf8'));
  } catch {
    defect('bad-envelope', 'X-Semper-Envelope is not base64 JSON');
  }
  if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) {
    defect('bad-envelope', 'X-Semper-Envelope is not a JSON object');
  }
  const e = envelope as Record<string, unknown>;
  for (const key of Object.keys(e))
    if (!ENVELOPE_FIELDS.has(key)) defect('bad-envelope', `unknown envelope field '${key.slice(0, 40)}'`);
  if (e.v !== 1) defect('bad-envelope', 'envelope version is not 1');
  if (!Number.isSafeInteger(e.length) || (e.length as number) < 0)
    defect('bad-envelope', 'length is not a non-negative integer');
  if ((e.length as number) > limit) throw new MessageTooLargeError(e.length as number, limit);
  if (typeof e.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(e.sha256))
    defect('bad-envelope', 'sha256 is not 64 hex digits');
  const idHeader = one(fields, 'x-semper-id');
  if (idHeader !== undefined && idHeader !== e.id) defect('bad-envelope', 'X-Semper-Id does not match the envelope');

  const part = findPkcs7(fields, body);
  const encoding = one(part.fields, 'content-transfer-encoding')?.toLowerCase();
  if (encoding !== 'base64') defect('bad-transfer-encoding', `the pkcs7 part is not base64 (${encoding ?? 'none'})`);
  const decoded = decodeBase64Strict(part.body, 'the pkcs7 part');
  if (decoded.length !== e.length) {
    defect('length-mismatch', `the pkcs7 part is ${decoded.length} bytes, the envelope says ${e.length}`);
  }
  if (createHash('sha256').update(decoded).digest('hex') !== e.sha256)
    defect('digest-mismatch', 'the pkcs7 part does not match its SHA-256');
  try {
    return checkMessage(
      {
        id: e.id,
        from: e.from,
        to: e.to,
        contentType: e.contentType,
        headers: e.headers,
        body: new Uint8Array(decoded),
      },
      { maxMessageBytes: limit, received: true },
    );
  } catch (err) {
    if (err instanceof MessageTooLargeError) throw err;
    defect('bad-envelope', (err as Error).message);
  }
}
