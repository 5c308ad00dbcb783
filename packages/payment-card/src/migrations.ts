import type { MigrationSet } from '@semper/store';

/**
 * The issuer simulator's schema (in the gateway's store): cards with their limit and balance, holds
 * (authorizations reserving funds until captured, released or expired) and postings (captures, refunds,
 * releases, each once: their id is the idempotency key). The available amount of a card is its balance
 * minus what its live holds still reserve.
 *
 * @example
 * ```ts
 * import { CARD_ISSUER_MIGRATIONS } from '@semper/payment-card';
 * import { migrate, openStore } from '@semper/store';
 * await migrate(await openStore('pglite:memory'), CARD_ISSUER_MIGRATIONS);
 * ```
 */
export const CARD_ISSUER_MIGRATIONS: MigrationSet = {
  package: '@semper/payment-card#issuer',
  migrations: [
    {
      version: 1,
      name: 'init',
      sql: `
CREATE TABLE card_issuer_cards (
  card_id               text    PRIMARY KEY,
  pan                   text    NOT NULL UNIQUE,
  expiry                text    NOT NULL,
  cvv                   text    NOT NULL,
  holder_cert_sha256    bytea,
  currency              text    NOT NULL,
  per_transaction_limit bigint  NOT NULL CHECK (per_transaction_limit >= 0),
  balance               bigint  NOT NULL CHECK (balance >= 0),
  status                text    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'blocked'))
);
CREATE TABLE card_issuer_holds (
  hold_id    text        PRIMARY KEY,
  card_id    text        NOT NULL REFERENCES card_issuer_cards (card_id),
  amount     bigint      NOT NULL CHECK (amount > 0),
  captured   bigint      NOT NULL DEFAULT 0,
  refunded   bigint      NOT NULL DEFAULT 0,
  status     text        NOT NULL CHECK (status IN ('held', 'released')),
  auth_code  text        NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  CHECK (captured >= 0 AND captured <= amount),
  CHECK (refunded >= 0 AND refunded <= captured)
);
CREATE INDEX card_issuer_holds_card ON card_issuer_holds (card_id, status);
CREATE TABLE card_issuer_postings (
  posting_id text        PRIMARY KEY,
  hold_id    text        NOT NULL REFERENCES card_issuer_holds (hold_id),
  kind       text        NOT NULL CHECK (kind IN ('capture', 'refund', 'release')),
  amount     bigint      NOT NULL CHECK (amount >= 0),
  at         timestamptz NOT NULL
);
`,
    },
  ],
};

/**
 * The payment gateway's schema: one row per authorization (amounts authorized, captured and refunded;
 * status; expiry) and one per merchant operation with the signed response it got (idempotency: a repeat
 * gets the same bytes). No card data: the gateway refers to the issuer's hold.
 *
 * @example
 * ```ts
 * import { CARD_GATEWAY_MIGRATIONS } from '@semper/payment-card';
 * await migrate(store, CARD_GATEWAY_MIGRATIONS);
 * ```
 */
export const CARD_GATEWAY_MIGRATIONS: MigrationSet = {
  package: '@semper/payment-card#gateway',
  migrations: [
    {
      version: 1,
      name: 'init',
      sql: `
CREATE TABLE card_gateway_authorizations (
  authorization_id       text        PRIMARY KEY,
  merchant_id            text        NOT NULL,
  transaction_id         text        NOT NULL,
  operation_id           text        NOT NULL,
  hold_id                text,
  currency               text        NOT NULL,
  amount                 bigint      NOT NULL CHECK (amount > 0),
  captured               bigint      NOT NULL DEFAULT 0,
  refunded               bigint      NOT NULL DEFAULT 0,
  closed                 boolean     NOT NULL DEFAULT false,
  status                 text        NOT NULL CHECK (status IN ('authorized', 'captured', 'voided', 'expired', 'declined')),
  decline_reason         text,
  auth_code              text,
  cardholder_cert_sha256 bytea,
  created_at             timestamptz NOT NULL,
  expires_at             timestamptz NOT NULL,
  updated_at             timestamptz NOT NULL,
  CHECK (captured >= 0 AND captured <= amount),
  CHECK (refunded >= 0 AND refunded <= captured)
);
CREATE UNIQUE INDEX card_gateway_authorizations_live
  ON card_gateway_authorizations (merchant_id, transaction_id) WHERE status <> 'declined';
CREATE TABLE card_gateway_operations (
  merchant_id    text        NOT NULL,
  operation_id   text        NOT NULL,
  kind           text        NOT NULL,
  request_digest bytea       NOT NULL,
  response       bytea       NOT NULL,
  at             timestamptz NOT NULL,
  PRIMARY KEY (merchant_id, operation_id)
);
`,
    },
  ],
};

/**
 * The merchant's schema: one row per card payment with the order information, the digests, the dual
 * signature and the payment information **as the encrypted envelope it cannot open**, the gateway's
 * answers, and the amounts. Nothing here is card data.
 *
 * @example
 * ```ts
 * import { CARD_MERCHANT_MIGRATIONS } from '@semper/payment-card';
 * await migrate(store, CARD_MERCHANT_MIGRATIONS);
 * ```
 */
export const CARD_MERCHANT_MIGRATIONS: MigrationSet = {
  package: '@semper/payment-card#merchant',
  migrations: [
    {
      version: 1,
      name: 'init',
      sql: `
CREATE TABLE card_merchant_payments (
  transaction_id    text        PRIMARY KEY,
  merchant_id       text        NOT NULL,
  currency          text        NOT NULL,
  amount            bigint      NOT NULL CHECK (amount > 0),
  description       text        NOT NULL,
  nonce             bytea       NOT NULL,
  status            text        NOT NULL CHECK (status IN ('initiated', 'authorized', 'captured', 'voided', 'declined')),
  order_information bytea,
  oimd              bytea,
  pimd              bytea,
  dual_signature    bytea,
  pi_envelope       bytea,
  cardholder        text,
  authorization_id  text,
  auth_code         text,
  decline_reason    text,
  captured          bigint      NOT NULL DEFAULT 0,
  refunded          bigint      NOT NULL DEFAULT 0,
  expires_at        timestamptz,
  created_at        timestamptz NOT NULL,
  updated_at        timestamptz NOT NULL
);
CREATE TABLE card_merchant_gateway_messages (
  operation_id   text        PRIMARY KEY,
  transaction_id text        NOT NULL,
  kind           text        NOT NULL,
  request        bytea       NOT NULL,
  response       bytea       NOT NULL,
  at             timestamptz NOT NULL
);
`,
    },
  ],
};
