import { SemperError } from '@semper/core';

/**
 * Codes thrown by `@semper/payment-sim`.
 *
 * @example
 * ```ts
 * import { SimError, type SimErrorCode } from '@semper/payment-sim';
 * const injected: SimErrorCode[] = ['ERR_SIM_INJECTED_FAULT', 'ERR_SIM_CRASH'];
 * const isInjected = (err: unknown) => err instanceof SimError && injected.includes(err.code);
 * ```
 */
export type SimErrorCode =
  /** A caller's argument is invalid. */
  | 'ERR_SIM_INVALID_ARGUMENT'
  /** No such account. */
  | 'ERR_SIM_UNKNOWN_ACCOUNT'
  /** An operation key was reused with other parameters. */
  | 'ERR_SIM_KEY_REUSED'
  /** The bank did not answer in time (its operation may still happen: recovery looks it up). */
  | 'ERR_SIM_TIMEOUT'
  /** A fault injected by a test (`SimFaults.failNext`). */
  | 'ERR_SIM_INJECTED_FAULT'
  /** A simulated crash at a named step (`SimFaults.crashAt`). */
  | 'ERR_SIM_CRASH'
  /** The bank's records contradict what the other party said (e.g. a transfer that is not there). */
  | 'ERR_SIM_MISMATCH';

/**
 * A fault of the simulated bank or its payment module.
 *
 * @example
 * ```ts
 * import { SimError } from '@semper/payment-sim';
 * throw new SimError('ERR_SIM_UNKNOWN_ACCOUNT', 'no account ACC-9');
 * ```
 */
export class SimError extends SemperError<SimErrorCode> {}

/**
 * A simulated crash: thrown at a step armed with `SimFaults.crashAt`, standing for the process dying
 * there (whatever was committed before stays, nothing after happens).
 *
 * @example
 * ```ts
 * import { SimulatedCrash } from '@semper/payment-sim';
 * const err = new SimulatedCrash('payer', 'after-transfer');
 * console.log(err.code, err.step); // ERR_SIM_CRASH after-transfer
 * ```
 */
export class SimulatedCrash extends SimError {
  readonly role: string;
  readonly step: string;

  constructor(role: string, step: string) {
    super('ERR_SIM_CRASH', `simulated crash of the ${role} at '${step}'`);
    this.role = role;
    this.step = step;
  }
}
