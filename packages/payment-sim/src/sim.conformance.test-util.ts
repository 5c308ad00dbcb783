// The conformance kit's fixture for payment-sim, on PGlite (sim.payment-conformance.test.ts) and on
// PostgreSQL (sim.payment-conformance.services.test.ts).
import { Money } from '@semper/core';
import type { ConformanceFactory } from '@semper/payments/testing';
import { SIM_STEPS, SimBank, SimPaymentModule } from './index.js';

/** A factory that opens one bank per test in the suite's store (banks are told apart by `<prefix>-<n>`). */
export function simConformanceFactory(prefix: string): ConformanceFactory {
  let banks = 0;
  return async (suite) => {
    banks += 1;
    const bank = await SimBank.open({ store: suite.store, name: `${prefix}-${banks}` });
    return {
      amount: Money.parse('12.00', 'EUR'),
      party: async (env) => {
        const module = new SimPaymentModule({ bank, bankTimeoutMs: 2_000 });
        const account = `acc-${env.party}`;
        await bank.openAccount({
          id: account,
          owner: env.party,
          currency: 'EUR',
          balance: env.role === 'payer' ? Money.parse('1000.00', 'EUR') : Money.zero('EUR'),
        });
        return { module, purse: await module.openPurse(env.party, { account }) };
      },
      faults: {
        declineNext: () => bank.faults.declineNext(),
        failNext: (role, step) => bank.faults.failNext(role, step),
        // Every named step: those of capture, void and refund are marked with their operation.
        crashSteps: SIM_STEPS.map((s) => {
          const operation = /-(capture|void|refund)$/.exec(s.step)?.[1] as 'capture' | 'void' | 'refund' | undefined;
          return operation === undefined ? s : { ...s, operation };
        }),
        crashAt: (role, step) => bank.faults.crashAt(role, step),
        clear: () => bank.faults.clear(),
      },
    };
  };
}
