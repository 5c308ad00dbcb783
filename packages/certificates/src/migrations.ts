/**
 * The certificates block's schema: plain-SQL migrations of `@semper/certificates`, applied by
 * `@semper/store`'s `migrate` (the same SQL on PGlite and on a PostgreSQL server).
 *
 * Tables (every one keyed by the CA module's id, so that several modules can share a store):
 * - `certificates_cas`: the CAs of a module, with the CA's identity packed and passphrase-protected
 *   (crypto's `packIdentity`: PKCS#8 PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC) and its CRL number;
 * - `certificates_issued`: every certificate a CA issued, with its profile, its registration (when it came
 *   through the RA) and its revocation;
 * - `certificates_crls`: every CRL a CA issued;
 * - `certificates_registrations`: the RA's registrations, with the enrolment secret's hash only;
 * - `certificates_external`: certificates of external CAs registered by an operator.
 *
 * @packageDocumentation
 */
import { type Migration, type MigrationReport, type MigrationSet, migrate, type Store } from '@semper/store';
import { CertificatesError } from './errors.js';

const INIT = `
CREATE TABLE certificates_cas (
  module_id      text        NOT NULL,
  ca_id          text        NOT NULL,
  parent_ca_id   text,
  subject        text        NOT NULL,
  certificate    bytea       NOT NULL,
  identity_pem   text        NOT NULL,
  crl_number     bigint      NOT NULL DEFAULT 0 CHECK (crl_number >= 0),
  created_at     timestamptz NOT NULL,
  PRIMARY KEY (module_id, ca_id),
  FOREIGN KEY (module_id, parent_ca_id) REFERENCES certificates_cas (module_id, ca_id)
);

CREATE TABLE certificates_issued (
  module_id          text        NOT NULL,
  ca_id              text        NOT NULL,
  serial_number      text        NOT NULL CHECK (serial_number ~ '^[0-9a-f]{1,40}$'),
  subject            text        NOT NULL,
  profile            text        NOT NULL,
  not_before         timestamptz NOT NULL,
  not_after          timestamptz NOT NULL,
  fingerprint        text        NOT NULL,
  certificate        bytea       NOT NULL,
  registration_id    text,
  issued_at          timestamptz NOT NULL,
  revoked_at         timestamptz,
  revocation_reason  text,
  invalidity_date    timestamptz,
  PRIMARY KEY (module_id, ca_id, serial_number),
  FOREIGN KEY (module_id, ca_id) REFERENCES certificates_cas (module_id, ca_id),
  CHECK ((revoked_at IS NULL) = (revocation_reason IS NULL))
);
CREATE INDEX certificates_issued_revoked ON certificates_issued (module_id, ca_id) WHERE revoked_at IS NOT NULL;
CREATE UNIQUE INDEX certificates_issued_registration ON certificates_issued (registration_id) WHERE registration_id IS NOT NULL;

CREATE TABLE certificates_crls (
  module_id    text        NOT NULL,
  ca_id        text        NOT NULL,
  crl_number   bigint      NOT NULL,
  this_update  timestamptz NOT NULL,
  next_update  timestamptz NOT NULL,
  crl          bytea       NOT NULL,
  PRIMARY KEY (module_id, ca_id, crl_number),
  FOREIGN KEY (module_id, ca_id) REFERENCES certificates_cas (module_id, ca_id)
);

CREATE TABLE certificates_registrations (
  registration_id  text        PRIMARY KEY,
  module_id        text        NOT NULL,
  ca_id            text        NOT NULL,
  subject          text        NOT NULL,
  subject_der      bytea       NOT NULL,
  profile          text        NOT NULL,
  validity_days    integer,
  subject_alt_names jsonb,
  secret_hash      bytea       NOT NULL,
  expires_at       timestamptz NOT NULL,
  attempts         integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts     integer     NOT NULL CHECK (max_attempts > 0),
  status           text        NOT NULL CHECK (status IN ('pending', 'used', 'locked', 'cancelled')),
  registered_by    text        NOT NULL,
  registered_at    timestamptz NOT NULL,
  used_at          timestamptz,
  serial_number    text
);

CREATE TABLE certificates_external (
  id               text        PRIMARY KEY,
  party            text        NOT NULL,
  subject          text        NOT NULL,
  issuer           text        NOT NULL,
  serial_number    text        NOT NULL,
  fingerprint      text        NOT NULL,
  not_before       timestamptz NOT NULL,
  not_after        timestamptz NOT NULL,
  certificate      bytea       NOT NULL,
  chain            bytea       NOT NULL,
  registered_by    text        NOT NULL,
  registered_at    timestamptz NOT NULL,
  note             text
);
CREATE UNIQUE INDEX certificates_external_party_fingerprint ON certificates_external (party, fingerprint);
`;

/**
 * The migrations of `@semper/certificates`, for `migrate` of `@semper/store`.
 *
 * @example
 * ```ts
 * import { migrate, openStore } from '@semper/store';
 * import { CERTIFICATES_MIGRATIONS } from '@semper/certificates';
 * const store = await openStore('pglite:memory');
 * await migrate(store, CERTIFICATES_MIGRATIONS);
 * ```
 */
export const CERTIFICATES_MIGRATIONS: MigrationSet = Object.freeze({
  package: '@semper/certificates',
  migrations: Object.freeze([{ version: 1, name: 'init', sql: INIT }] satisfies Migration[]),
});

const migrated = new WeakMap<Store, Promise<MigrationReport>>();

/**
 * Brings the certificates schema of `store` up to date, once per store object (later calls wait for the
 * first). The CA module, the RA and the registry of external certificates call it before their first
 * transaction, so a composition root need not; calling it at start-up surfaces a migration problem early.
 *
 * @throws `MigrationError` of `@semper/store` when the schema cannot be brought up to date.
 *
 * @example
 * ```ts
 * import { openStore } from '@semper/store';
 * import { migrateCertificates } from '@semper/certificates';
 * const store = await openStore('pglite:./ca-data');
 * await migrateCertificates(store);
 * ```
 */
export function migrateCertificates(store: Store): Promise<MigrationReport> {
  if (typeof store?.transaction !== 'function') {
    return Promise.reject(
      new CertificatesError('ERR_CERTIFICATES_INVALID_ARGUMENT', 'migrateCertificates needs a Store'),
    );
  }
  let p = migrated.get(store);
  if (p === undefined) {
    p = migrate(store, CERTIFICATES_MIGRATIONS);
    migrated.set(store, p);
    p.catch(() => migrated.delete(store));
  }
  return p;
}
