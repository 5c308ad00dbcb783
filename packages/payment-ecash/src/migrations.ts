import type { MigrationSet } from '@semper/store';

/**
 * The mint's schema, as `@semper/store` migrations of the package `@semper/payment-ecash/mint`.
 *
 * - `ecash_denomination_keys`: one RSA key per denomination and period (withdraw-until, deposit-until).
 * - `ecash_accounts`: accounts at the mint (balance in minor units, never negative), each with the Ed25519
 *   key that signs its withdrawals, refunds and balance reads.
 * - `ecash_withdrawals`, `ecash_withdrawal_items`: what a withdrawal debited and the blinded messages and
 *   blind signatures (kept so a repeated request gets the same answer). Nothing in them is a coin.
 * - `ecash_spends`: one row per accepted spend (deposit, refresh or change), keyed by the spend's digest.
 * - `ecash_spent_coins`: the spent-coin list. Its primary key on the coin's public key is what makes
 *   double spending impossible: the row is inserted in the transaction that credits the payee, so of two
 *   spends of one coin exactly one commits.
 * - `ecash_refunds`: refunds against a spend, bounded by what it credited.
 * - `ecash_mint_master`: the mint's master Ed25519 key, which signs every denomination key (made at the first
 *   open unless the operator gives one), and, when the keys are encrypted at rest, the salt of the scrypt
 *   key-encryption key and a check value.
 *
 * @example
 * ```ts
 * import { MINT_MIGRATIONS } from '@semper/payment-ecash';
 * import { migrate, openStore } from '@semper/store';
 * const store = await openStore('pglite:memory');
 * await migrate(store, MINT_MIGRATIONS);
 * ```
 */
export const MINT_MIGRATIONS: MigrationSet = {
  package: '@semper/payment-ecash/mint',
  migrations: [
    {
      version: 1,
      name: 'init',
      sql: `
CREATE TABLE ecash_denomination_keys (
  key_id         text        PRIMARY KEY,
  currency       text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  value          bigint      NOT NULL CHECK (value > 0),
  spki           bytea       NOT NULL,
  pkcs8          bytea       NOT NULL,
  valid_from     timestamptz NOT NULL,
  withdraw_until timestamptz NOT NULL,
  deposit_until  timestamptz NOT NULL,
  CHECK (valid_from < withdraw_until AND withdraw_until <= deposit_until)
);
CREATE INDEX ecash_denomination_keys_value ON ecash_denomination_keys (currency, value, valid_from);

CREATE TABLE ecash_accounts (
  id         text        PRIMARY KEY,
  currency   text        NOT NULL,
  public_key bytea       NOT NULL,
  balance    bigint      NOT NULL CHECK (balance >= 0),
  created_at timestamptz NOT NULL
);

CREATE TABLE ecash_withdrawals (
  account    text        NOT NULL REFERENCES ecash_accounts (id),
  request_id text        NOT NULL,
  digest     bytea       NOT NULL,
  total      bigint      NOT NULL CHECK (total > 0),
  at         timestamptz NOT NULL,
  PRIMARY KEY (account, request_id)
);

CREATE TABLE ecash_withdrawal_items (
  account     text   NOT NULL,
  request_id  text   NOT NULL,
  idx         int    NOT NULL,
  key_id      text   NOT NULL REFERENCES ecash_denomination_keys (key_id),
  blinded_msg bytea  NOT NULL,
  blind_sig   bytea  NOT NULL,
  PRIMARY KEY (account, request_id, idx),
  FOREIGN KEY (account, request_id) REFERENCES ecash_withdrawals (account, request_id)
);

CREATE TABLE ecash_spends (
  digest         bytea       PRIMARY KEY,
  credit_account text        REFERENCES ecash_accounts (id),
  credit_amount  bigint      NOT NULL CHECK (credit_amount >= 0),
  currency       text        NOT NULL,
  refunded       bigint      NOT NULL DEFAULT 0 CHECK (refunded >= 0 AND refunded <= credit_amount),
  response       jsonb       NOT NULL,
  at             timestamptz NOT NULL
);

CREATE TABLE ecash_spent_coins (
  coin_pub       bytea       PRIMARY KEY,
  key_id         text        NOT NULL REFERENCES ecash_denomination_keys (key_id),
  spend_digest   bytea       NOT NULL REFERENCES ecash_spends (digest),
  spend_sig      bytea       NOT NULL,
  at             timestamptz NOT NULL
);

CREATE TABLE ecash_refunds (
  account      text        NOT NULL REFERENCES ecash_accounts (id),
  refund_id    text        NOT NULL,
  digest       bytea       NOT NULL,
  spend_digest bytea       NOT NULL REFERENCES ecash_spends (digest),
  amount       bigint      NOT NULL CHECK (amount > 0),
  response     jsonb       NOT NULL,
  at           timestamptz NOT NULL,
  PRIMARY KEY (account, refund_id)
);
`,
    },
    {
      version: 2,
      name: 'master-key',
      sql: `
CREATE TABLE ecash_mint_master (
  mint        text        PRIMARY KEY,
  public_key  bytea       NOT NULL CHECK (length(public_key) = 32),
  private_key bytea       NOT NULL,
  kek_salt    bytea,
  kek_check   bytea,
  created_at  timestamptz NOT NULL
);
`,
    },
  ],
};

/**
 * The wallet's schema, as `@semper/store` migrations of the package `@semper/payment-ecash/wallet`. Several
 * wallets may share the tables, told apart by `wallet`.
 *
 * - `ecash_wallet_coins`: coins (`unspent`, `pending` while a spend is out, `spent`).
 * - `ecash_wallet_planchets`: coins being made (a withdrawal, change, a refund), written before the request
 *   goes out so that after a crash the same request can be sent again and its answer unblinded.
 * - `ecash_wallet_spends`: spends given to a payee or the mint, with the request, until settled.
 * - `ecash_wallet_mints`: the mint's master public key the wallet pinned (given, or the first it saw).
 *
 * @example
 * ```ts
 * import { WALLET_MIGRATIONS } from '@semper/payment-ecash';
 * import { migrate, openStore } from '@semper/store';
 * const store = await openStore('pglite:memory');
 * await migrate(store, WALLET_MIGRATIONS);
 * ```
 */
export const WALLET_MIGRATIONS: MigrationSet = {
  package: '@semper/payment-ecash/wallet',
  migrations: [
    {
      version: 1,
      name: 'init',
      sql: `
CREATE TABLE ecash_wallet_coins (
  wallet    text        NOT NULL,
  coin_pub  bytea       NOT NULL,
  key_id    text        NOT NULL,
  currency  text        NOT NULL,
  value     bigint      NOT NULL CHECK (value > 0),
  coin_priv bytea       NOT NULL,
  prefix    bytea       NOT NULL,
  signature bytea       NOT NULL,
  status    text        NOT NULL CHECK (status IN ('unspent', 'pending', 'spent')),
  spend_id  text,
  added_at  timestamptz NOT NULL,
  PRIMARY KEY (wallet, coin_pub)
);
CREATE INDEX ecash_wallet_coins_status ON ecash_wallet_coins (wallet, currency, status);

CREATE TABLE ecash_wallet_planchets (
  wallet      text   NOT NULL,
  operation   text   NOT NULL,
  idx         int    NOT NULL,
  key_id      text   NOT NULL,
  currency    text   NOT NULL,
  value       bigint NOT NULL CHECK (value > 0),
  coin_pub    bytea  NOT NULL,
  coin_priv   bytea  NOT NULL,
  prefix      bytea  NOT NULL,
  blinded_msg bytea  NOT NULL,
  inv         bytea  NOT NULL,
  PRIMARY KEY (wallet, operation, idx)
);

CREATE TABLE ecash_wallet_spends (
  wallet     text        NOT NULL,
  spend_id   text        NOT NULL,
  digest     bytea       NOT NULL,
  request    jsonb       NOT NULL,
  status     text        NOT NULL CHECK (status IN ('pending', 'accepted', 'rejected')),
  reason     text,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (wallet, spend_id)
);
`,
    },
    {
      version: 2,
      name: 'mint-pin',
      sql: `
CREATE TABLE ecash_wallet_mints (
  wallet     text        PRIMARY KEY,
  master_key bytea       NOT NULL CHECK (length(master_key) = 32),
  pinned_at  timestamptz NOT NULL
);
`,
    },
  ],
};
