import { CommsError, CommsTimeoutError, MessageRejectedError, MessageTooLargeError } from '../errors.js';

const TLS_CODES =
  /^(?:ETLS|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(?:_LOCALLY)?|CERT_\w+|ERR_TLS_\w+|ERR_SSL_\w+|HOSTNAME_MISMATCH)$/;
const NETWORK_CODES =
  /^(?:ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE|ECONNECTION|ESOCKET|EDNS|NoConnection|EConnectionClosed|ECONNABORTED)$/;

interface LibraryError {
  message?: unknown;
  code?: unknown;
  responseCode?: unknown;
  response?: unknown;
  command?: unknown;
  eventName?: unknown;
  authenticationFailed?: unknown;
  serverResponseCode?: unknown;
  reason?: unknown;
  cause?: unknown;
}

function codesOf(err: LibraryError | undefined, depth = 0): string[] {
  if (!err || typeof err !== 'object' || depth > 3) return [];
  const own = typeof err.code === 'string' ? [err.code] : [];
  return [...own, ...codesOf(err.cause as LibraryError | undefined, depth + 1)];
}

/** A short, secret-free description of a library error. */
function describe(err: LibraryError): string {
  const text = typeof err.message === 'string' ? err.message : String(err);
  // Library messages name the command, never its arguments — but be sure no PASS/AUTH argument slips through.
  return text.replace(/\b(PASS|AUTH\s+\w+|LOGIN)\s+\S+(\s+\S+)?/gi, '$1 ***').slice(0, 300);
}

/**
 * Maps an error of nodemailer, node-pop3 or imapflow (or a socket) to the contract's `CommsError`:
 * authentication → `ERR_COMMS_AUTH_FAILED`; certificate or STARTTLS failures → `ERR_COMMS_MAIL_TLS`;
 * network faults → `ERR_COMMS_UNAVAILABLE`; deadlines → `ERR_COMMS_TIMEOUT`; an SMTP 552 →
 * `MessageTooLargeError` (`raw`, the mail's size in `sizes.rawSize`, the server's limit unknown: 0); another SMTP 5xx → `MessageRejectedError` (with the reply code); an SMTP 4xx →
 * `ERR_COMMS_UNAVAILABLE`; anything else → `ERR_COMMS_PROTOCOL`. `context` says what was being done.
 */
export function mailError(error: unknown, context: string, sizes?: { readonly rawSize: number }): CommsError {
  if (error instanceof CommsError) return error;
  const err = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as LibraryError;
  const codes = codesOf(err);
  const message = `${context}: ${describe(err)}`;
  const options = { cause: error };
  const responseCode = typeof err.responseCode === 'number' ? err.responseCode : undefined;
  const command = typeof err.command === 'string' ? err.command : '';

  if (
    codes.includes('EAUTH') ||
    err.authenticationFailed === true ||
    err.serverResponseCode === 'AUTHENTICATIONFAILED' ||
    (err.eventName === 'error' && /^(?:PASS|USER|APOP|AUTH)\b/.test(command))
  ) {
    return new CommsError('ERR_COMMS_AUTH_FAILED', message, options);
  }
  if (codes.some((c) => TLS_CODES.test(c)) || /certificate|STARTTLS|ssl3?_|tls handshake/i.test(describe(err))) {
    return new CommsError('ERR_COMMS_MAIL_TLS', message, options);
  }
  if (responseCode !== undefined && responseCode >= 500) {
    if (responseCode === 552 || responseCode === 523) {
      // The server's limit, not ours (which the message passed): its size is not known here.
      return new MessageTooLargeError(sizes?.rawSize ?? 0, 0, { ...options, kind: 'raw', detail: message });
    }
    return new MessageRejectedError(message, { ...options, status: responseCode });
  }
  if (responseCode !== undefined && responseCode >= 400)
    return new CommsError('ERR_COMMS_UNAVAILABLE', message, options);
  if (codes.some((c) => /^(?:ETIMEDOUT|ETIMEOUT|ETIMEOUT_\w+)$/.test(c)) || err.eventName === 'timeout') {
    return new CommsTimeoutError(message, 0, options);
  }
  if (codes.some((c) => NETWORK_CODES.test(c)) || err.eventName === 'close' || err.eventName === 'end') {
    return new CommsError('ERR_COMMS_UNAVAILABLE', message, options);
  }
  return new CommsError('ERR_COMMS_PROTOCOL', message, options);
}
