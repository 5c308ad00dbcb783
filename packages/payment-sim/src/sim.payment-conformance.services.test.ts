// The payments conformance kit against payment-sim on a real PostgreSQL server (started by
// test/setup/services.global.ts): the same SQL as on PGlite, with real concurrent connections, so the
// row locks that keep captures and refunds within bounds are exercised by a server.
import { Money } from '@semper/core';
import { describePaymentModuleConformance } from '@semper/payments/testing';
import { openStore } from '@semper/store';
import { describeOnPostgres } from '../../../test/support/postgres-database.js';
import { SIM_STEPS, SimBank, SimPaymentModule } from './index.js';

describeOnPostgres('PostgreSQL server', 'payments_suite', ({ url }) => {
  let banks = 0;
  describePaymentModuleConformance(
    'payment-sim on PostgreSQL',
    async (suite) => {
      banks += 1;
      const bank = await SimBank.open({ store: suite.store, name: `pg-bank-${banks}` });
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
          crashSteps: SIM_STEPS.map((s) => {
            const operation = /-(capture|void|refund)$/.exec(s.step)?.[1] as 'capture' | 'void' | 'refund' | undefined;
            return operation === undefined ? s : { ...s, operation };
          }),
          crashAt: (role, step) => bank.faults.crashAt(role, step),
          clear: () => bank.faults.clear(),
        },
      };
    },
    { openStore: () => openStore(url, { maxConnections: 8 }) },
  );
});
