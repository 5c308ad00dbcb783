import type { MigrationSet } from '@semper/store';

/**
 * The schema of the secure data services, as `@semper/store` migrations of the package `@semper/sdc`:
 *
 * - `sdc_outbox`: containers waiting for the pump (`sent_at` null) or sent; the sealed bytes, the
 *   recipient, type and sequence; a re-acknowledged container is queued again (`sent_at` back to null).
 * - `sdc_inbox`: containers the pump received, waiting for the intake (`processed_at` null).
 * - `sdc_sequences`: the next sequence number per recipient (this party's containers to it).
 * - `sdc_peer_state`: per sender, the highest sequence applied (the replay line).
 * - `sdc_received`: every container applied here (exactly once: its id is the key, `(sender, sequence)`
 *   unique), with the digest of its bytes and the id of the answer (receipt or import response).
 * - `sdc_intake_log`: one line per container the intake looked at: accepted, duplicate, refused (answered
 *   with an error container) or rejected, with the code and reason — never the content.
 * - `sdc_deliveries`: the sender's side: each container sent that expects an answer, its delivery (the
 *   receipt or answer that came back, or the error) and, for exports, the table and Numeros it carried;
 *   version 2 adds `truncated` (an import response that carried fewer rows than matched).
 * - `sdc_messages`: the bodies of `message` containers applied here.
 *
 * @example
 * ```ts
 * import { SDC_MIGRATIONS } from '@semper/sdc';
 * import { migrate, openStore } from '@semper/store';
 * const store = await openStore('pglite:./agency-data');
 * await migrate(store, SDC_MIGRATIONS);
 * ```
 */
export const SDC_MIGRATIONS: MigrationSet = {
  package: '@semper/sdc',
  migrations: [
    {
      version: 1,
      name: 'services',
      sql: `
CREATE TABLE sdc_outbox (
  container_id text        PRIMARY KEY,
  recipient    text        NOT NULL,
  type         text        NOT NULL,
  sequence     int8        NOT NULL,
  in_reply_to  text,
  bytes        bytea       NOT NULL,
  created_at   timestamptz NOT NULL,
  queued_at    timestamptz NOT NULL,
  sent_at      timestamptz,
  attempts     int4        NOT NULL DEFAULT 0,
  last_error   text
);
CREATE INDEX sdc_outbox_pending ON sdc_outbox (queued_at) WHERE sent_at IS NULL;

CREATE TABLE sdc_inbox (
  inbox_id     int8        GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source       text        NOT NULL,
  bytes        bytea       NOT NULL,
  received_at  timestamptz NOT NULL,
  processed_at timestamptz,
  outcome      text,
  code         text
);
CREATE INDEX sdc_inbox_pending ON sdc_inbox (inbox_id) WHERE processed_at IS NULL;

CREATE TABLE sdc_sequences (
  recipient text PRIMARY KEY,
  last      int8 NOT NULL CHECK (last >= 0)
);

CREATE TABLE sdc_peer_state (
  sender        text        PRIMARY KEY,
  last_sequence int8        NOT NULL,
  updated_at    timestamptz NOT NULL
);

CREATE TABLE sdc_received (
  container_id text        PRIMARY KEY,
  sender       text        NOT NULL,
  sequence     int8        NOT NULL,
  type         text        NOT NULL,
  digest       bytea       NOT NULL,
  applied_at   timestamptz NOT NULL,
  answer_id    text,
  rows_applied int4        NOT NULL DEFAULT 0,
  UNIQUE (sender, sequence)
);

CREATE TABLE sdc_intake_log (
  log_id       int8        GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at           timestamptz NOT NULL,
  source       text,
  container_id text,
  sender       text,
  sequence     int8,
  type         text,
  status       text        NOT NULL CHECK (status IN ('accepted', 'duplicate', 'refused', 'rejected')),
  code         text,
  reason       text,
  answer_id    text,
  digest       bytea       NOT NULL
);
CREATE INDEX sdc_intake_log_container ON sdc_intake_log (container_id, sender);

CREATE TABLE sdc_deliveries (
  container_id  text        PRIMARY KEY,
  recipient     text        NOT NULL,
  type          text        NOT NULL,
  sequence      int8        NOT NULL,
  created_at    timestamptz NOT NULL,
  table_name    text,
  numeros       int8[],
  delivered_at  timestamptz,
  outcome       text CHECK (outcome IN ('applied', 'answered', 'error')),
  answer_id     text,
  answer_digest bytea,
  error_code    text,
  rows_applied  int4
);
CREATE INDEX sdc_deliveries_pending ON sdc_deliveries (created_at) WHERE delivered_at IS NULL;

CREATE TABLE sdc_messages (
  container_id text        PRIMARY KEY,
  sender       text        NOT NULL,
  subject      text,
  text         text        NOT NULL,
  received_at  timestamptz NOT NULL
);
`,
    },
    {
      version: 2,
      name: 'truncated-answers',
      sql: `ALTER TABLE sdc_deliveries ADD COLUMN truncated boolean;`,
    },
  ],
};
