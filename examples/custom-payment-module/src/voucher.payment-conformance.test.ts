import { Money } from '@semper/core';
import { describePaymentModuleConformance } from '@semper/payments/testing';
import { VoucherIssuer } from './voucher.issuer.js';
import { VoucherPaymentModule } from './voucher.payment-module.js';

let issuers = 0;

describePaymentModuleConformance('example.voucher', async (suite) => {
  issuers += 1;
  const issuer = await VoucherIssuer.open(suite.store, `issuer-${issuers}`);
  const code = await issuer.sell(Money.parse('100.00', 'EUR')); // the payer's voucher, kept across a "crash"
  return {
    amount: Money.parse('25.00', 'EUR'),
    party: async (env) => {
      const module = new VoucherPaymentModule(issuer);
      return { module, purse: await module.openPurse(env.party, env.role === 'payer' ? { code } : undefined) };
    },
    faults: {
      declineNext: () => {
        issuer.declineNext = true;
      },
      failNext: (role, step) => {
        issuer.armed.set(`${role}:${step}`, 'fail');
      },
      crashSteps: [
        { role: 'payer', step: 'before-reserve' },
        { role: 'payer', step: 'after-reserve' },
        { role: 'payee', step: 'before-redeem' },
        { role: 'payee', step: 'after-redeem' },
      ],
      crashAt: (role, step) => {
        issuer.armed.set(`${role}:${step}`, 'crash');
      },
      clear: () => {
        issuer.armed.clear();
        issuer.declineNext = false;
      },
    },
  };
});
