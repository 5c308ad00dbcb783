import { SemperError } from '@semper/core';

/**
 * Codes of the faults the SDC pump throws.
 *
 * @example
 * ```ts
 * import type { SdcPumpErrorCode } from '@semper/sdc';
 * const config: SdcPumpErrorCode = 'ERR_SDC_PUMP_INVALID_ARGUMENT';
 * ```
 */
export type SdcPumpErrorCode =
  /** An option of the pump is invalid (a programming or configuration error). */
  | 'ERR_SDC_PUMP_INVALID_ARGUMENT'
  /** The pump was stopped; it cannot be started again. */
  | 'ERR_SDC_PUMP_STOPPED'
  /** The mailbox returned something the pump cannot use (an entry without id, a bad address). */
  | 'ERR_SDC_PUMP_BAD_ENTRY';

/**
 * A fault of the SDC pump (a `SemperError`).
 *
 * @example
 * ```ts
 * import { SdcPumpError } from '@semper/sdc';
 * try {
 *   await pump.start();
 * } catch (err) {
 *   if (err instanceof SdcPumpError && err.code === 'ERR_SDC_PUMP_STOPPED') console.error('pump already stopped');
 * }
 * ```
 */
export class SdcPumpError extends SemperError<SdcPumpErrorCode> {}
