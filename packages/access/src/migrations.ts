import type { MigrationSet } from '@semper/store';

/**
 * The plain-SQL migrations of `@semper/access` (package `@semper/access` in `semper_migrations`):
 * the same SQL on PGlite and on a PostgreSQL server. `StoreAccessRepository` applies them on first
 * use; a composition root may apply them ahead with `migrate(store, ACCESS_MIGRATIONS)`.
 *
 * Tables: `access_roles`, `access_role_privileges`, `access_subjects`, `access_grants`,
 * `access_status_changes` (every status change: from, to, actor, reason, time) and `access_denials`
 * (every denial: subject, action, resource, rule, reason, time).
 *
 * @example
 * ```ts
 * import { ACCESS_MIGRATIONS } from '@semper/access';
 * import { migrate, openStore } from '@semper/store';
 * const store = await openStore('pglite:memory');
 * await migrate(store, ACCESS_MIGRATIONS); // { package: '@semper/access', applied: [{ version: 1, name: 'init' }], version: 1 }
 * ```
 */
export const ACCESS_MIGRATIONS: MigrationSet = Object.freeze({
  package: '@semper/access',
  migrations: Object.freeze([
    Object.freeze({
      version: 1,
      name: 'init',
      sql: `
CREATE TABLE access_roles (
  name        text PRIMARY KEY,
  description text NOT NULL DEFAULT ''
);

CREATE TABLE access_role_privileges (
  role     text NOT NULL REFERENCES access_roles (name) ON DELETE CASCADE,
  action   text NOT NULL,
  resource text NOT NULL,
  PRIMARY KEY (role, action, resource)
);

CREATE TABLE access_subjects (
  id         text        PRIMARY KEY,
  kind       text        NOT NULL CHECK (kind IN ('user', 'party', 'agency')),
  name       text        NOT NULL DEFAULT '',
  status     integer     CHECK (status >= 0),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX access_subjects_kind_status ON access_subjects (kind, status, id);

CREATE TABLE access_grants (
  subject_id text        NOT NULL REFERENCES access_subjects (id) ON DELETE CASCADE,
  role       text        NOT NULL REFERENCES access_roles (name) ON DELETE RESTRICT,
  granted_by text        NOT NULL,
  granted_at timestamptz NOT NULL,
  PRIMARY KEY (subject_id, role)
);
CREATE INDEX access_grants_role ON access_grants (role);

CREATE TABLE access_status_changes (
  seq         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id          text        NOT NULL UNIQUE,
  subject_id  text        NOT NULL REFERENCES access_subjects (id),
  from_status integer,
  to_status   integer     NOT NULL CHECK (to_status >= 0),
  actor_id    text        NOT NULL,
  reason      text        NOT NULL,
  changed_at  timestamptz NOT NULL
);
CREATE INDEX access_status_changes_subject ON access_status_changes (subject_id, seq);

CREATE TABLE access_denials (
  seq        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id         text        NOT NULL UNIQUE,
  subject_id text        NOT NULL,
  action     text        NOT NULL,
  resource   text        NOT NULL,
  rule       text        NOT NULL,
  reason     text        NOT NULL,
  denied_at  timestamptz NOT NULL
);
CREATE INDEX access_denials_subject ON access_denials (subject_id, seq);
`,
    }),
  ]),
});
