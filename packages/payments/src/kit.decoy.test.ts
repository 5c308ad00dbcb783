import { Money } from '@semper/core';
import { DecoyPaymentModule, describePaymentModuleConformance } from './testing.js';

// The kit run against its own honour-system module (no balances, no faults, no two-phase, no refunds):
// the tests those capabilities need are skipped with the reason; the others check the manager itself.
describePaymentModuleConformance('conformance kit self-check (note module)', async () => ({
  amount: Money.parse('5.00', 'EUR'),
  party: async (env) => {
    const module = new DecoyPaymentModule(['EUR'], 'test.note');
    return { module, purse: await module.openPurse(env.party) };
  },
}));
