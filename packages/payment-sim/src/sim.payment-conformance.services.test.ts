// The payments conformance kit against payment-sim on a real PostgreSQL server (started by
// test/setup/services.global.ts): the same SQL as on PGlite, with real concurrent connections, so the
// row locks that keep captures and refunds within bounds are exercised by a server.
import { describePaymentModuleConformance } from '@semper/payments/testing';
import { openStore } from '@semper/store';
import { describeOnPostgres } from '../../../test/support/postgres-database.js';
import { simConformanceFactory } from './sim.conformance.test-util.js';

describeOnPostgres('PostgreSQL server', 'payments_suite', ({ url }) => {
  describePaymentModuleConformance('payment-sim on PostgreSQL', simConformanceFactory('pg-bank'), {
    openStore: () => openStore(url, { maxConnections: 8 }),
  });
});
