import { SemperError } from '@semper/core';

/** Codes raised by the `semper` command itself (the crypto engine's `ERR_CRYPTO_*` codes pass through unchanged). */
export type CliErrorCode =
  /** Missing, unknown, conflicting or invalid flags. */
  | 'ERR_CLI_USAGE'
  /** An input file (or stdin) cannot be read: missing, unreadable, a directory. */
  | 'ERR_CLI_READ'
  /** An output file cannot be written. */
  | 'ERR_CLI_WRITE'
  /** An input is larger than the limit ({@link MAX_INPUT_BYTES}). */
  | 'ERR_CLI_TOO_LARGE'
  /** An input file does not hold what the flag expects (no certificate, no private key, a CMS PEM label missing). */
  | 'ERR_CLI_BAD_INPUT'
  /** The private key does not belong to the certificate given with it. */
  | 'ERR_CLI_KEY_MISMATCH'
  /** No passphrase could be obtained (unset variable, empty file, no terminal to ask on, confirmation differs). */
  | 'ERR_CLI_PASSPHRASE'
  /** The user cancelled a prompt (Ctrl-C). */
  | 'ERR_CLI_CANCELLED'
  /** `--dir` is not a CA folder (`semper ca init` makes one), or `ca init` was pointed at one that already holds a CA. */
  | 'ERR_CLI_CA_FOLDER'
  /** An evidence bundle does not verify (`semper archive verify`: the report lists the problems). */
  | 'ERR_CLI_BUNDLE_INVALID'
  /** A fault that is not the user's: a bug. */
  | 'ERR_CLI_INTERNAL';

/**
 * A fault raised by the `semper` command (bad flags, unreadable files, …).
 *
 * @example
 * ```ts
 * import { CliError } from '@semper/cli';
 * throw new CliError('ERR_CLI_USAGE', "--bits needs --rsa");
 * ```
 */
export class CliError extends SemperError<CliErrorCode> {}

/** Exit code of a successful run. */
export const EXIT_OK = 0;
/** Exit code of a negative verdict: bad signature, untrusted signer, decryption failure, receipt mismatch. */
export const EXIT_VERDICT = 1;
/** Exit code of a usage or input error (and of anything unexpected). */
export const EXIT_USAGE = 2;

/** The error codes that are a negative verdict on the input (exit code 1) rather than an input error (exit code 2). */
const VERDICT_CODES: ReadonlySet<string> = new Set([
  'ERR_CRYPTO_BAD_SIGNATURE',
  'ERR_CRYPTO_UNTRUSTED_SIGNER',
  'ERR_CRYPTO_DECRYPTION_FAILED',
  'ERR_CRYPTO_NO_RECIPIENT',
  'ERR_CRYPTO_RECEIPT_MISMATCH',
  'ERR_CERTIFICATES_PATH_INVALID',
  'ERR_CLI_BUNDLE_INVALID',
]);

/**
 * A fault that a command judged to be a negative verdict on its input (exit code 1): a refused enrolment, a
 * statement that does not verify. It keeps the code and message of the fault it stands for (its `cause`), so
 * that what is printed is the original's; only the exit code differs from the same fault met elsewhere (an
 * invalid body is a verdict for `statement verify`, an input error for `statement sign`).
 *
 * @example
 * ```ts
 * import { VerdictError } from '@semper/cli';
 * declare const refused: import('@semper/core').SemperError;
 * throw new VerdictError(refused); // exit code 1, printed as `semper: <refused.code>: <refused.message>`
 * ```
 */
export class VerdictError extends SemperError<string> {
  constructor(err: SemperError<string>) {
    super(err.code, err.message, { cause: err });
  }
}

/**
 * Runs `fn`; a {@link SemperError} it throws whose code is in `codes` is re-raised as a {@link VerdictError}
 * (exit code 1). Other errors pass through.
 */
export async function judged<T>(codes: ReadonlySet<string>, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof SemperError && !(err instanceof VerdictError) && codes.has(err.code)) {
      throw new VerdictError(err);
    }
    throw err;
  }
}

/**
 * The exit code for an error: 1 for a negative verdict (a bad signature, an untrusted signer, a decryption
 * failure, a receipt mismatch, a certification path that does not validate, an evidence bundle that does not
 * verify, and whatever a command marked as a {@link VerdictError}), 2 for everything else.
 *
 * @example
 * ```ts
 * import { exitCodeFor } from '@semper/cli';
 * exitCodeFor(new CliError('ERR_CLI_USAGE', 'missing --in')); // 2
 * ```
 */
export function exitCodeFor(err: unknown): number {
  if (err instanceof VerdictError) return EXIT_VERDICT;
  return err instanceof SemperError && VERDICT_CODES.has(err.code) ? EXIT_VERDICT : EXIT_USAGE;
}

/** Whether `err` is a negative verdict (exit code 1). */
export function isVerdict(err: unknown): boolean {
  return exitCodeFor(err) === EXIT_VERDICT;
}

/**
 * The code and a one-line message for any thrown value. Never includes a stack trace or a cause chain; an
 * error that is not a {@link SemperError} is reported as `ERR_CLI_INTERNAL`.
 *
 * @example
 * ```ts
 * import { describeError } from '@semper/cli';
 * describeError(new Error('boom')); // { code: 'ERR_CLI_INTERNAL', message: 'boom' }
 * ```
 */
export function describeError(err: unknown): { code: string; message: string } {
  const code = err instanceof SemperError ? err.code : 'ERR_CLI_INTERNAL';
  let message: string;
  if (err instanceof Error) message = err.message;
  else if (typeof err === 'string') message = err;
  else message = 'unexpected failure';
  message = message.replace(/\s*[\r\n]+\s*/g, ' ').trim() || 'failed';
  return { code, message };
}

/**
 * The line printed on stderr for an error: `semper: <code>: <message>`.
 *
 * @example
 * ```ts
 * import { formatError } from '@semper/cli';
 * formatError(new CliError('ERR_CLI_USAGE', 'missing --in')); // 'semper: ERR_CLI_USAGE: missing --in\n'
 * ```
 */
export function formatError(err: unknown): string {
  const { code, message } = describeError(err);
  return `semper: ${code}: ${message}\n`;
}

/**
 * Runs `fn`; a {@link SemperError} it throws is re-raised with `what` (a file name, `-` meaning stdin, or a
 * flag) before its message, keeping its code so that the exit code and the printed code stay those of the
 * original fault. Other values pass through.
 */
export async function annotated<T>(what: string, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof SemperError) {
      const wrapped = new SemperError(err.code, `${what === '-' ? 'stdin' : what}: ${err.message}`, { cause: err });
      throw err instanceof VerdictError ? new VerdictError(wrapped) : wrapped;
    }
    throw err;
  }
}
