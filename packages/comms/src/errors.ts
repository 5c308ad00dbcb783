import { SemperError } from '@semper/core';

/**
 * Codes thrown by `@semper/comms`. Each transport adds its own codes in its section below (keep each code
 * documented); every code says whether it is transient (worth a retry) or permanent.
 *
 * @example
 * ```ts
 * import { CommsError, type CommsErrorCode } from '@semper/comms';
 * const retryable: CommsErrorCode[] = ['ERR_COMMS_UNAVAILABLE', 'ERR_COMMS_TIMEOUT'];
 * function shouldRetry(err: unknown): boolean {
 *   return err instanceof CommsError && retryable.includes(err.code);
 * }
 * ```
 */
export type CommsErrorCode =
  // --- the contract (all transports) ---------------------------------------------------------------
  /** A caller's argument or option is invalid (a programming or configuration error). Permanent. */
  | 'ERR_COMMS_INVALID_ARGUMENT'
  /** An address is not `<scheme>:<target>` in printable ASCII, or its target is malformed. Permanent. */
  | 'ERR_COMMS_INVALID_ADDRESS'
  /** No transport (of those asked) sends to this address's scheme. Permanent. */
  | 'ERR_COMMS_UNSUPPORTED_ADDRESS'
  /** A message given to `send` breaks the envelope rules (id, addresses, content type, headers). Permanent. */
  | 'ERR_COMMS_INVALID_MESSAGE'
  /** Received data is not a well-formed message (bad envelope, bad digest, truncated). Permanent. */
  | 'ERR_COMMS_MALFORMED'
  /** A message exceeds `maxMessageBytes` (on send, or on receive). Permanent. */
  | 'ERR_COMMS_TOO_LARGE'
  /** The receiver's `verify` hook refused a message (e.g. a bad signature). Permanent. */
  | 'ERR_COMMS_VERIFICATION_FAILED'
  /** The receiving side refused the message for good (HTTP 4xx, a handler's `rejected`). Permanent. */
  | 'ERR_COMMS_REJECTED'
  /** The destination or the medium cannot be reached now (network, server down, 5xx). Transient. */
  | 'ERR_COMMS_UNAVAILABLE'
  /** A deadline passed (a request got no response in time, a send did not complete in time). Transient. */
  | 'ERR_COMMS_TIMEOUT'
  /** The transport or channel is closed. Permanent for that instance. */
  | 'ERR_COMMS_CLOSED'
  /** `receive` was called on a transport that already has an active receiver. */
  | 'ERR_COMMS_ALREADY_RECEIVING'
  /** Authentication to a server (SMTP, POP3, IMAP, an HTTP endpoint) failed. Permanent until reconfigured. */
  | 'ERR_COMMS_AUTH_FAILED'
  /** The peer violated the wire protocol (an unexpected reply, a broken response). Transient. */
  | 'ERR_COMMS_PROTOCOL'
  /** A local I/O operation failed (disk full, permission denied, a removed medium). Transient. */
  | 'ERR_COMMS_IO'
  // --- mail transport codes (packages/comms/src/mail) go here ------------------------------------------
  /**
   * TLS with a mail server failed: its certificate is not trusted, or it does not offer STARTTLS while
   * TLS is required. Permanent until reconfigured.
   */
  | 'ERR_COMMS_MAIL_TLS';

/**
 * The root of the comms block's errors. `code` is stable; `cause` holds the underlying error (a socket
 * error, an `fs` error) when there is one. Messages never contain message bodies or credentials.
 *
 * @example
 * ```ts
 * import { CommsError } from '@semper/comms';
 * try {
 *   await transport.send(message);
 * } catch (err) {
 *   if (err instanceof CommsError && err.code === 'ERR_COMMS_UNAVAILABLE') scheduleRetry();
 * }
 * ```
 */
export class CommsError extends SemperError<CommsErrorCode> {}

/**
 * Which size limit a {@link MessageTooLargeError} is about:
 * - `body`: the message body against `maxMessageBytes` (on send, or once a received message is decoded);
 * - `raw`: the bytes on the medium (envelope, framing, transfer encoding: a file, a mail's source, an HTTP
 *   request body) against the transport's raw limit, which a transport derives from `maxMessageBytes`
 *   (`AbstractTransport.rawLimit`); checked against the size the medium announces before reading, and
 *   while reading.
 *
 * @example
 * ```ts
 * import type { SizeLimitKind } from '@semper/comms';
 * const kind: SizeLimitKind = 'raw';
 * ```
 */
export type SizeLimitKind = 'body' | 'raw';

/**
 * Options of the {@link MessageTooLargeError} constructor.
 *
 * @example
 * ```ts
 * import type { MessageTooLargeOptions } from '@semper/comms';
 * const options: MessageTooLargeOptions = { kind: 'raw', atLeast: true };
 * ```
 */
export interface MessageTooLargeOptions {
  readonly cause?: unknown;
  /** Which limit was exceeded (default `body`). */
  readonly kind?: SizeLimitKind;
  /** `size` is a lower bound: reading stopped once the limit was passed (default `false`). */
  readonly atLeast?: boolean;
  /** Who said so, or more about it (an SMTP server's reply), appended to the message. No secrets. */
  readonly detail?: string;
}

/**
 * A message is larger than a limit: thrown by `send` (the body over `maxMessageBytes`), and reported (then
 * moved aside) on receive — over the body limit, or over the transport's raw limit (`kind` says which). The
 * message says which limit and by how much: `message body of 1025 bytes exceeds the body limit of 1024
 * bytes by 1 byte`, `raw message of 1500000 bytes exceeds the raw limit of 1466126 bytes by 33874 bytes`.
 * `limit` is 0 when it is someone else's and not known (an SMTP server refusing a mail with 552).
 *
 * @example
 * ```ts
 * import { MessageTooLargeError } from '@semper/comms';
 * const err = new MessageTooLargeError(2_000_000, 1_000_000);
 * console.log(err.code, err.kind, err.size, err.limit, err.excess); // ERR_COMMS_TOO_LARGE body 2000000 1000000 1000000
 * const raw = new MessageTooLargeError(1_500_000, 1_466_126, { kind: 'raw' });
 * console.log(raw.message); // raw message of 1500000 bytes exceeds the raw limit of 1466126 bytes by 33874 bytes
 * ```
 */
export class MessageTooLargeError extends CommsError {
  /** The size found, in bytes (a lower bound when `atLeast`: reading stopped at the limit). */
  readonly size: number;
  /** The limit, in bytes (0 when it is a peer's and unknown). */
  readonly limit: number;
  /** Which limit: the body's (`maxMessageBytes`) or the raw one (the bytes on the medium). */
  readonly kind: SizeLimitKind;
  /** Whether `size` is a lower bound. */
  readonly atLeast: boolean;

  constructor(size: number, limit: number, options: MessageTooLargeOptions = {}) {
    const kind = options.kind ?? 'body';
    const atLeast = options.atLeast ?? false;
    const bytes = (n: number) => `${n} byte${n === 1 ? '' : 's'}`;
    const what = `${kind === 'raw' ? 'raw message' : 'message body'} of ${atLeast ? 'at least ' : ''}${bytes(size)}`;
    const over =
      limit > 0
        ? `the ${kind} limit of ${bytes(limit)} by ${atLeast ? 'at least ' : ''}${bytes(Math.max(0, size - limit))}`
        : `the receiving side's ${kind} limit`;
    super(
      'ERR_COMMS_TOO_LARGE',
      `${what} exceeds ${over}${options.detail ? `: ${options.detail}` : ''}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.size = size;
    this.limit = limit;
    this.kind = kind;
    this.atLeast = atLeast;
  }

  /** By how many bytes `size` exceeds `limit` (0 when the limit is unknown). */
  get excess(): number {
    return this.limit > 0 ? Math.max(0, this.size - this.limit) : 0;
  }
}

/**
 * Received bytes are not a well-formed message (`ERR_COMMS_MALFORMED`), or a message given to `send`
 * breaks the envelope rules (`ERR_COMMS_INVALID_MESSAGE`).
 *
 * @example
 * ```ts
 * import { MalformedMessageError } from '@semper/comms';
 * throw new MalformedMessageError('ERR_COMMS_MALFORMED', 'envelope digest mismatch');
 * ```
 */
export class MalformedMessageError extends CommsError {
  constructor(
    code: 'ERR_COMMS_MALFORMED' | 'ERR_COMMS_INVALID_MESSAGE',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/**
 * A deadline passed: a request got no response in time (`request(..., { timeoutMs })`), or a send did not
 * complete in time.
 *
 * @example
 * ```ts
 * import { CommsTimeoutError } from '@semper/comms';
 * const err = new CommsTimeoutError('no response to msg_01J… within 5000 ms', 5000);
 * console.log(err.code, err.timeoutMs); // ERR_COMMS_TIMEOUT 5000
 * ```
 */
export class CommsTimeoutError extends CommsError {
  /** The deadline that passed, in milliseconds. */
  readonly timeoutMs: number;

  constructor(message: string, timeoutMs: number, options?: { cause?: unknown }) {
    super('ERR_COMMS_TIMEOUT', message, options);
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The transport, receiver or channel is closed.
 *
 * @example
 * ```ts
 * import { TransportClosedError } from '@semper/comms';
 * throw new TransportClosedError('send');
 * ```
 */
export class TransportClosedError extends CommsError {
  constructor(operation: string, options?: { cause?: unknown }) {
    super('ERR_COMMS_CLOSED', `${operation}() on a closed transport`, options);
  }
}

/**
 * The receiving side refused a message for good (an HTTP 4xx, a handler's `rejected` outcome). Not retried:
 * resending the same bytes gives the same answer.
 *
 * @example
 * ```ts
 * import { MessageRejectedError } from '@semper/comms';
 * const err = new MessageRejectedError('http 422: verification failed', { status: 422 });
 * console.log(err.code, err.status); // ERR_COMMS_REJECTED 422
 * ```
 */
export class MessageRejectedError extends CommsError {
  /** The protocol status that said so (an HTTP status, an SMTP reply code), when there is one. */
  readonly status: number | undefined;

  constructor(message: string, options?: { cause?: unknown; status?: number }) {
    super('ERR_COMMS_REJECTED', message, options);
    this.status = options?.status;
  }
}

/**
 * What is wrong with a received mail that is not a semper message (see {@link MalformedMailError}):
 * - `not-7bit`: a byte above 0x7f (semper mails are 7-bit);
 * - `bad-header`: the header section is not RFC 5322 (or a field that must be single is repeated);
 * - `no-envelope` / `bad-envelope`: no `X-Semper-Envelope` header, or one that is not the expected base64 JSON;
 * - `no-pkcs7-part`: no single `application/pkcs7-mime` entity;
 * - `bad-transfer-encoding` / `bad-base64`: that entity is not in (valid) base64;
 * - `length-mismatch` / `digest-mismatch`: the decoded part is not the body the envelope announces.
 *
 * @example
 * ```ts
 * import type { MailDefect } from '@semper/comms';
 * const foreign: MailDefect[] = ['no-envelope', 'no-pkcs7-part'];
 * ```
 */
export type MailDefect =
  | 'not-7bit'
  | 'bad-header'
  | 'no-envelope'
  | 'bad-envelope'
  | 'no-pkcs7-part'
  | 'bad-transfer-encoding'
  | 'bad-base64'
  | 'length-mismatch'
  | 'digest-mismatch';

/**
 * A received mail is not a well-formed semper message (`ERR_COMMS_MALFORMED`): the mail transport moves it
 * aside (an IMAP folder, a local folder for POP3) and reports it on `rejected$`; `defect` says what is wrong.
 *
 * @example
 * ```ts
 * import { MalformedMailError } from '@semper/comms';
 * const err = new MalformedMailError('no-pkcs7-part', 'the mail is text/plain, not application/pkcs7-mime');
 * console.log(err.code, err.defect); // ERR_COMMS_MALFORMED no-pkcs7-part
 * ```
 */
export class MalformedMailError extends MalformedMessageError {
  /** What is wrong with the mail. */
  readonly defect: MailDefect;

  constructor(defect: MailDefect, message: string, options?: { cause?: unknown }) {
    super('ERR_COMMS_MALFORMED', `malformed mail (${defect}): ${message}`, options);
    this.defect = defect;
  }
}

/** The codes worth a retry: the fault is in the moment, not in the message. */
const TRANSIENT: ReadonlySet<string> = new Set<CommsErrorCode>([
  'ERR_COMMS_UNAVAILABLE',
  'ERR_COMMS_TIMEOUT',
  'ERR_COMMS_PROTOCOL',
  'ERR_COMMS_IO',
]);

/**
 * Whether `err` is a transient comms fault (`ERR_COMMS_UNAVAILABLE`, `ERR_COMMS_TIMEOUT`,
 * `ERR_COMMS_PROTOCOL`, `ERR_COMMS_IO`): one that a later, identical attempt may not meet. Channels retry
 * exactly these.
 *
 * @example
 * ```ts
 * import { CommsError, isTransientError } from '@semper/comms';
 * isTransientError(new CommsError('ERR_COMMS_UNAVAILABLE', 'connection refused')); // true
 * isTransientError(new CommsError('ERR_COMMS_TOO_LARGE', 'too large')); // false
 * ```
 */
export function isTransientError(err: unknown): boolean {
  return err instanceof CommsError && TRANSIENT.has(err.code);
}
