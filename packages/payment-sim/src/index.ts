/**
 * `@semper/payment-sim`: a simulated bank (accounts, balances, atomic keyed operations) and its
 * payment module (`payment-sim`: account-based, two-phase, partial refunds) with fault injection
 * (declines, bank timeouts, failures and crashes at named steps), for the pilot's "payment by
 * simulation" and for tests. Nothing is registered at import time.
 *
 * @packageDocumentation
 */
export { register } from './container.js';
export { SimError, type SimErrorCode, SimulatedCrash } from './errors.js';
export {
  SIM_MIGRATIONS,
  type SimAccount,
  SimBank,
  type SimBankOptions,
  type SimOperation,
  type SimResult,
} from './sim.bank.js';
export { SIM_STEPS, SimFaults } from './sim.faults.js';
export { SimPaymentModule, type SimPaymentModuleOptions, type SimPurse } from './sim.payment-module.js';
