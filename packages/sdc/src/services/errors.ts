import { SemperError } from '@semper/core';

/**
 * The codes of the secure data services (`@semper/sdc` services): why a container was rejected or
 * refused at intake, why a query or a record set is invalid. The container format's own codes
 * (`ERR_SDC_MALFORMED`, `ERR_SDC_DECRYPT_FAILED`, …) come from the format and are reported as they are.
 *
 * - rejected (logged, nothing applied, nothing answered): `REPLAY`, `WRONG_RECIPIENT` (seen before
 *   decrypting), `UNKNOWN_SENDER`, `UNSOLICITED`, `INTAKE_FAILED`;
 * - refused (logged, nothing applied, answered with an error container): `ACCESS_DENIED`, `BODY_INVALID`,
 *   `SCHEMA_MISMATCH`, `BAD_ROW`, `TABLE_NOT_ALLOWED`, `COLUMN_NOT_ALLOWED`, `QUERY_INVALID`, `TOO_MANY_ROWS`;
 * - faults of the caller (thrown): `INVALID_ARGUMENT`, `UNKNOWN_PEER`, `UNKNOWN_TABLE`.
 *
 * @example
 * ```ts
 * import type { SdcServiceErrorCode } from '@semper/sdc';
 * const securityRejections: SdcServiceErrorCode[] = ['ERR_SDC_REPLAY', 'ERR_SDC_UNKNOWN_SENDER'];
 * ```
 */
export type SdcServiceErrorCode =
  /** The container id was seen before with other content, or its sequence is not above the last one seen. */
  | 'ERR_SDC_REPLAY'
  /** The container is addressed to another party. */
  | 'ERR_SDC_WRONG_RECIPIENT'
  /** The header's sender is not a known peer. */
  | 'ERR_SDC_UNKNOWN_SENDER'
  /** A receipt, error or import response that answers nothing this party sent to that peer. */
  | 'ERR_SDC_UNSOLICITED'
  /** The sender's access status does not allow the service (the access-control policy denied it). */
  | 'ERR_SDC_ACCESS_DENIED'
  /** The body does not match the schema of the container type. */
  | 'ERR_SDC_BODY_INVALID'
  /** The record set's columns do not match the local table description. */
  | 'ERR_SDC_SCHEMA_MISMATCH'
  /** A row of the record set is invalid (unknown field, wrong type, missing required field, too long). */
  | 'ERR_SDC_BAD_ROW'
  /** The table is not on the service's allow-list. */
  | 'ERR_SDC_TABLE_NOT_ALLOWED'
  /** A column is not on the service's allow-list for the table. */
  | 'ERR_SDC_COLUMN_NOT_ALLOWED'
  /** A structured query is malformed (operator, value type, depth, size). */
  | 'ERR_SDC_QUERY_INVALID'
  /** More rows than a container may carry. */
  | 'ERR_SDC_TOO_MANY_ROWS'
  /** The intake met an unexpected fault (reported, never thrown to the pump). */
  | 'ERR_SDC_INTAKE_FAILED'
  /** A caller's argument is invalid (programming or configuration error). */
  | 'ERR_SDC_INVALID_ARGUMENT'
  /** The peer named by the caller is not in the directory. */
  | 'ERR_SDC_UNKNOWN_PEER'
  /** The table named by the caller has no description. */
  | 'ERR_SDC_UNKNOWN_TABLE';

/**
 * A fault or a rejection of the secure data services, with a stable `code` and, for rows, where
 * (`details`: row index, column) — never the values themselves.
 *
 * @example
 * ```ts
 * import { SdcServiceError } from '@semper/sdc';
 * try {
 *   compileQuery(request, allowList, tables);
 * } catch (err) {
 *   if (err instanceof SdcServiceError && err.code === 'ERR_SDC_COLUMN_NOT_ALLOWED') console.log(err.message);
 * }
 * ```
 */
export class SdcServiceError extends SemperError<SdcServiceErrorCode> {
  /** Where the problem is (row index, column, table), when it is in a record set or a query. */
  readonly details: Readonly<Record<string, string | number>> | undefined;

  constructor(
    code: SdcServiceErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Readonly<Record<string, string | number>> },
  ) {
    super(code, message, options);
    this.details = options?.details;
  }
}
