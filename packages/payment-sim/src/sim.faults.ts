import { SimError, SimulatedCrash } from './errors.js';

/**
 * The named steps of the simulated payment protocol at which a fault or a crash can be injected:
 * - payer `before-transfer`: the payee's account is known, nothing asked of the bank yet;
 * - payer `after-transfer`: the bank moved (or held) the money, the payee not told yet;
 * - payee `before-verify`: the payer's report arrived, the bank not asked yet;
 * - payee `after-verify`: the bank confirmed, the outcome not recorded yet;
 * - payee `before-capture`, `before-void`, `before-refund`: before the bank is asked, and
 *   `after-capture`, `after-void`, `after-refund`: after it answered.
 *
 * @example
 * ```ts
 * import { SIM_STEPS } from '@semper/payment-sim';
 * for (const { role, step } of SIM_STEPS) console.log(role, step);
 * ```
 */
export const SIM_STEPS: readonly { readonly role: 'payer' | 'payee'; readonly step: string }[] = Object.freeze([
  { role: 'payer', step: 'before-transfer' },
  { role: 'payer', step: 'after-transfer' },
  { role: 'payee', step: 'before-verify' },
  { role: 'payee', step: 'after-verify' },
  { role: 'payee', step: 'before-capture' },
  { role: 'payee', step: 'after-capture' },
  { role: 'payee', step: 'before-void' },
  { role: 'payee', step: 'after-void' },
  { role: 'payee', step: 'before-refund' },
  { role: 'payee', step: 'after-refund' },
]);

/**
 * Fault injection for the simulated bank and its module, armed by tests (and the pilot's failure
 * drills), each fault used once:
 * - `declineNext()`: the bank refuses the next payment (`refused`, a returned decline);
 * - `delayNext(ms)`: the bank waits `ms` before the next operation, so that the module's bank
 *   timeout fires (`ERR_SIM_TIMEOUT`) while the operation still happens later;
 * - `failNext(role, step)`: the module throws `ERR_SIM_INJECTED_FAULT` at that step;
 * - `crashAt(role, step)`: the module throws {@link SimulatedCrash} at that step (a process dying there);
 * - `clear()`: disarms everything.
 *
 * @example
 * ```ts
 * import { SimFaults } from '@semper/payment-sim';
 * const faults = new SimFaults();
 * faults.crashAt('payer', 'after-transfer');
 * ```
 */
export class SimFaults {
  #declines = 0;
  #delays: number[] = [];
  readonly #armed = new Map<string, 'fail' | 'crash'>();

  /** The next payment is declined. */
  declineNext(): void {
    this.#declines += 1;
  }

  /** The next bank operation waits `ms` first. */
  delayNext(ms: number): void {
    if (!Number.isSafeInteger(ms) || ms < 0)
      throw new SimError('ERR_SIM_INVALID_ARGUMENT', 'a delay is a non-negative integer');
    this.#delays.push(ms);
  }

  /** The module throws `ERR_SIM_INJECTED_FAULT` the next time `role` reaches `step`. */
  failNext(role: string, step: string): void {
    this.#armed.set(`${role}:${step}`, 'fail');
  }

  /** The module "crashes" (throws `SimulatedCrash`) the next time `role` reaches `step`. */
  crashAt(role: string, step: string): void {
    this.#armed.set(`${role}:${step}`, 'crash');
  }

  /** Disarms every fault. */
  clear(): void {
    this.#declines = 0;
    this.#delays = [];
    this.#armed.clear();
  }

  /** @internal Whether to decline this payment (uses the fault up). */
  takeDecline(): boolean {
    if (this.#declines === 0) return false;
    this.#declines -= 1;
    return true;
  }

  /** @internal Waits the next armed delay, if any. */
  async delay(): Promise<void> {
    const ms = this.#delays.shift();
    if (ms !== undefined && ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
  }

  /** @internal Throws the fault armed for `role` at `step`, if any (once). */
  check(role: string, step: string): void {
    const key = `${role}:${step}`;
    const armed = this.#armed.get(key);
    if (armed === undefined) return;
    this.#armed.delete(key);
    if (armed === 'crash') throw new SimulatedCrash(role, step);
    throw new SimError('ERR_SIM_INJECTED_FAULT', `injected fault of the ${role} at '${step}'`);
  }
}
