import { SemperError } from '@semper/core';

/**
 * Codes thrown by `@semper/archive`.
 *
 * @example
 * ```ts
 * import { ArchiveError, type ArchiveErrorCode } from '@semper/archive';
 * function isBundleFault(err: unknown): boolean {
 *   const codes: ArchiveErrorCode[] = ['ERR_ARCHIVE_BUNDLE_MALFORMED', 'ERR_ARCHIVE_BUNDLE_TOO_LARGE'];
 *   return err instanceof ArchiveError && codes.includes(err.code);
 * }
 * ```
 */
export type ArchiveErrorCode =
  /** A caller's argument is invalid (a programming or configuration error, not untrusted input). */
  | 'ERR_ARCHIVE_INVALID_ARGUMENT'
  /** A checkpoint was asked of an archive that holds no record yet. */
  | 'ERR_ARCHIVE_EMPTY'
  /** A checkpoint was asked of an archive opened without a signing identity. */
  | 'ERR_ARCHIVE_NO_SIGNER'
  /**
   * The archive's head and its last record disagree (rows were removed or changed behind the archive's
   * back): nothing is appended to a chain that no longer verifies. Run `verify()` to locate the damage.
   */
  | 'ERR_ARCHIVE_INCONSISTENT'
  /**
   * A signed checkpoint's content is not a checkpoint of this format, or not the one expected (another
   * archive, another position or time, another signer than the one required).
   */
  | 'ERR_ARCHIVE_CHECKPOINT_INVALID'
  /** No record of the deal is in the archive (nothing to export). */
  | 'ERR_ARCHIVE_DEAL_NOT_FOUND'
  /** A bundle is not a well-formed evidence bundle (tar layout, manifest, references). */
  | 'ERR_ARCHIVE_BUNDLE_MALFORMED'
  /** A bundle, or a part of it, exceeds a size or count limit. */
  | 'ERR_ARCHIVE_BUNDLE_TOO_LARGE'
  /** A bundle of another format or of a version this package does not read. */
  | 'ERR_ARCHIVE_BUNDLE_UNSUPPORTED'
  /** A bundle file cannot be read or written (missing, a folder, no permission). */
  | 'ERR_ARCHIVE_BUNDLE_IO';

/**
 * A fault raised by `@semper/archive`. Database failures pass through as `@semper/store`'s
 * `StoreQueryError`, crypto failures while signing as `@semper/crypto`'s `CryptoError`.
 *
 * @example
 * ```ts
 * import { ArchiveError } from '@semper/archive';
 * try {
 *   await archive.checkpoint();
 * } catch (err) {
 *   if (err instanceof ArchiveError && err.code === 'ERR_ARCHIVE_EMPTY') console.log('nothing to sign yet');
 * }
 * ```
 */
export class ArchiveError extends SemperError<ArchiveErrorCode> {}

/**
 * Untrusted bundle bytes that cannot be read as an evidence bundle: malformed
 * (`ERR_ARCHIVE_BUNDLE_MALFORMED`), over a limit (`ERR_ARCHIVE_BUNDLE_TOO_LARGE`) or of an unknown
 * format or version (`ERR_ARCHIVE_BUNDLE_UNSUPPORTED`). The message names the part (a tar entry, a
 * manifest path such as `segments[0].entries[3].seq`) and never quotes the bundle's content at length.
 *
 * @example
 * ```ts
 * import { BundleFormatError, readBundle } from '@semper/archive';
 * try {
 *   readBundle(new Uint8Array(10));
 * } catch (err) {
 *   if (err instanceof BundleFormatError) console.error(err.code, err.message);
 * }
 * ```
 */
export class BundleFormatError extends ArchiveError {
  constructor(
    code: 'ERR_ARCHIVE_BUNDLE_MALFORMED' | 'ERR_ARCHIVE_BUNDLE_TOO_LARGE' | 'ERR_ARCHIVE_BUNDLE_UNSUPPORTED',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** @internal */
export function invalidArgument(message: string): ArchiveError {
  return new ArchiveError('ERR_ARCHIVE_INVALID_ARGUMENT', message);
}
