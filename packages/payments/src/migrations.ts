import type { MigrationSet } from '@semper/store';

/**
 * The payments block's schema, as `@semper/store` migrations of the package `@semper/payments` (the same
 * SQL on PGlite and PostgreSQL). `PaymentManager.start()` applies them. Every row belongs to a `party`
 * (the manager's party id), so several parties may share one database (a host of many merchants; the
 * conformance kit's payer and payee).
 *
 * - `payment_transactions`: one row per payment and party (`role`), with the amounts authorized,
 *   captured and refunded in minor units, and CHECK constraints that hold whatever the code does:
 *   `0 ≤ refunded ≤ captured ≤ authorized`; the module's data (`module_data`, JSON); the pending
 *   operation (`pending_*`), written before a module is called and cleared with its outcome, which is
 *   what recovery looks for.
 * - `payment_operations`: every capture, void and refund, with its outcome (the transaction's history).
 * - `payment_idempotency`: each idempotency key with the SHA-256 of its request (operation and
 *   payload), its state (`started`, `done`) and the first result.
 *
 * @example
 * ```ts
 * import { PAYMENTS_MIGRATIONS } from '@semper/payments';
 * import { migrate, openStore } from '@semper/store';
 * const store = await openStore('pglite:memory');
 * await migrate(store, PAYMENTS_MIGRATIONS);
 * ```
 */
export const PAYMENTS_MIGRATIONS: MigrationSet = {
  package: '@semper/payments',
  migrations: [
    {
      version: 1,
      name: 'init',
      sql: `
CREATE TABLE payment_transactions (
  party             text           NOT NULL,
  id                text           NOT NULL,
  module_id         text           NOT NULL,
  role              text           NOT NULL CHECK (role IN ('payer', 'payee')),
  mode              text           NOT NULL CHECK (mode IN ('sale', 'authorize')),
  state             text           NOT NULL CHECK (state IN ('pending', 'authorized', 'captured', 'refunded',
                                                          'voided', 'expired', 'declined', 'cancelled', 'failed')),
  currency          text           NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  amount            numeric(40, 0) NOT NULL CHECK (amount > 0),
  authorized        numeric(40, 0) NOT NULL DEFAULT 0,
  captured          numeric(40, 0) NOT NULL DEFAULT 0,
  refunded          numeric(40, 0) NOT NULL DEFAULT 0,
  payer             text           NOT NULL,
  payee             text           NOT NULL,
  peer_address      text,
  reference         text,
  expires_at        timestamptz,
  reason            text,
  last_step         text,
  module_data       jsonb,
  pending_operation text           CHECK (pending_operation IN ('pay', 'receive', 'capture', 'void', 'refund')),
  pending_key       text,
  pending_amount    numeric(40, 0),
  pending_since     timestamptz,
  created_at        timestamptz    NOT NULL,
  updated_at        timestamptz    NOT NULL,
  CHECK (authorized >= 0 AND captured >= 0 AND refunded >= 0),
  CHECK (captured <= authorized),
  CHECK (refunded <= captured),
  CHECK ((pending_operation IS NULL) = (pending_key IS NULL)),
  PRIMARY KEY (party, id)
);
CREATE INDEX payment_transactions_pending ON payment_transactions (party, pending_since)
  WHERE pending_operation IS NOT NULL;

CREATE TABLE payment_operations (
  party           text           NOT NULL,
  transaction_id  text           NOT NULL,
  seq             integer        NOT NULL,
  operation       text           NOT NULL CHECK (operation IN ('pay', 'receive', 'capture', 'void', 'refund', 'redeem', 'recover', 'expire')),
  status          text           NOT NULL,
  amount          numeric(40, 0),
  idempotency_key text,
  reason          text,
  at              timestamptz    NOT NULL,
  PRIMARY KEY (party, transaction_id, seq),
  FOREIGN KEY (party, transaction_id) REFERENCES payment_transactions (party, id)
);

CREATE TABLE payment_idempotency (
  party          text        NOT NULL,
  key            text        NOT NULL,
  operation      text        NOT NULL,
  digest         text        NOT NULL CHECK (digest ~ '^[0-9a-f]{64}$'),
  transaction_id text,
  state          text        NOT NULL CHECK (state IN ('started', 'done')),
  result         jsonb,
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL,
  PRIMARY KEY (party, key)
);
`,
    },
  ],
};
