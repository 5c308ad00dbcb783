import type { MigrationSet } from '@semper/store';

/**
 * The archive's schema, as `@semper/store` migrations of the package `@semper/archive`. Several archives
 * (chains) share the tables, told apart by their `archive` name.
 *
 * - `archive_records`: one row per record; `(archive, seq)` is the key, `(archive, prev_hash)` is unique
 *   (no two records continue the same predecessor: the chain cannot fork). A trigger refuses `UPDATE`,
 *   `DELETE` and `TRUNCATE` (SQLSTATE 55000): the table is append-only for everyone who does not first
 *   disable the trigger — and what such a party does, `verify()` detects.
 * - `archive_heads`: the last record of each archive (`seq`, `hash`); appends lock its row
 *   (`SELECT … FOR UPDATE`), which serializes them, and it proves a truncated tail.
 * - `archive_checkpoints`: the signed checkpoints, append-only too.
 *
 * `migrate(store, ARCHIVE_MIGRATIONS)` applies them; `openArchive` does it for you.
 *
 * @example
 * ```ts
 * import { ARCHIVE_MIGRATIONS } from '@semper/archive';
 * import { migrate, openStore } from '@semper/store';
 * const store = await openStore('pglite:./merchant-data');
 * await migrate(store, ARCHIVE_MIGRATIONS);
 * ```
 */
export const ARCHIVE_MIGRATIONS: MigrationSet = {
  package: '@semper/archive',
  migrations: [
    {
      version: 1,
      name: 'init',
      sql: `
CREATE TABLE archive_records (
  archive        text        NOT NULL,
  seq            bigint      NOT NULL CHECK (seq > 0),
  deal_id        text        NOT NULL,
  step           text        NOT NULL,
  direction      text        NOT NULL CHECK (direction IN ('sent', 'received')),
  peer           text,
  content_type   text        NOT NULL,
  content        bytea       NOT NULL,
  content_digest bytea       NOT NULL,
  at             timestamptz NOT NULL,
  prev_hash      bytea       NOT NULL,
  hash           bytea       NOT NULL,
  PRIMARY KEY (archive, seq),
  UNIQUE (archive, prev_hash)
);
CREATE INDEX archive_records_deal ON archive_records (archive, deal_id, seq);
CREATE INDEX archive_records_hash ON archive_records (archive, hash);

CREATE TABLE archive_heads (
  archive    text        PRIMARY KEY,
  seq        bigint      NOT NULL CHECK (seq >= 0),
  hash       bytea       NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE archive_checkpoints (
  archive   text        NOT NULL,
  seq       bigint      NOT NULL CHECK (seq > 0),
  head_hash bytea       NOT NULL,
  at        timestamptz NOT NULL,
  signed    bytea       NOT NULL,
  PRIMARY KEY (archive, seq)
);

CREATE FUNCTION archive_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the evidence archive is append-only: % on % refused', TG_OP, TG_TABLE_NAME
    USING ERRCODE = '55000';
END
$$;
CREATE TRIGGER archive_records_append_only BEFORE UPDATE OR DELETE ON archive_records
  FOR EACH ROW EXECUTE FUNCTION archive_refuse_change();
CREATE TRIGGER archive_records_no_truncate BEFORE TRUNCATE ON archive_records
  FOR EACH STATEMENT EXECUTE FUNCTION archive_refuse_change();
CREATE TRIGGER archive_checkpoints_append_only BEFORE UPDATE OR DELETE ON archive_checkpoints
  FOR EACH ROW EXECUTE FUNCTION archive_refuse_change();
CREATE TRIGGER archive_checkpoints_no_truncate BEFORE TRUNCATE ON archive_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION archive_refuse_change();
`,
    },
  ],
};
