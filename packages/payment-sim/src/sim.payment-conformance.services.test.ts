// The payments conformance kit against payment-sim on a real PostgreSQL server (started by
// test/setup/services.global.ts): the same SQL as on PGlite, with real concurrent connections, so the
// row locks that keep captures and refunds within bounds are exercised by a server.
import { randomBytes } from 'node:crypto';
import { Money } from '@semper/core';
import { describePaymentModuleConformance } from '@semper/payments/testing';
import { openStore, type Store } from '@semper/store';
import { afterAll, beforeAll, describe, inject, it } from 'vitest';
import type {} from '../../../test/setup/services.global.js';
import { SIM_STEPS, SimBank, SimPaymentModule } from './index.js';

const pgUrl = inject('pgUrl');
const pgUnavailable = inject('pgUnavailable');

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

if (pgUnavailable) {
  describe('PostgreSQL server', () => {
    it.skip(`not run: ${pgUnavailable}`, () => undefined);
  });
} else {
  describe('PostgreSQL server', () => {
    const database = `payments_suite_${randomBytes(4).toString('hex')}`;
    let admin: Store;
    beforeAll(async () => {
      admin = await openStore(pgUrl);
      await admin.exec(`create database ${database}`);
    });
    afterAll(async () => {
      if (!admin) return;
      await admin.exec(`drop database if exists ${database} with (force)`);
      await admin.close();
    });

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
              const operation = /-(capture|void|refund)$/.exec(s.step)?.[1] as
                | 'capture'
                | 'void'
                | 'refund'
                | undefined;
              return operation === undefined ? s : { ...s, operation };
            }),
            crashAt: (role, step) => bank.faults.crashAt(role, step),
            clear: () => bank.faults.clear(),
          },
        };
      },
      { openStore: () => openStore(withDatabase(pgUrl, database), { maxConnections: 8 }) },
    );
  });
}
