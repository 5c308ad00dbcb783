/**
 * Import of certificates from external CAs: a party may hold a certificate from a CA of its own choice;
 * an operator registers it (after the caller's trust validated it), and the registration records who did
 * so and when.
 *
 * @packageDocumentation
 */
import { type Clock, newId, SystemClock } from '@semper/core';
import { Certificate, type ChainValidator, CryptoError } from '@semper/crypto';
import type { Store } from '@semper/store';
import { CertificatesError } from './errors.js';
import { type CertificatesEventSink, publish } from './events.js';
import { migrateCertificates } from './migrations.js';
import { bytes, readTlv } from './validation/der.js';

/**
 * Options of {@link ExternalCertificateRegistry}.
 *
 * @example
 * ```ts
 * import type { ExternalCertificateRegistryOptions } from '@semper/certificates';
 * declare const store: import('@semper/store').Store;
 * const options: ExternalCertificateRegistryOptions = { store };
 * ```
 */
export interface ExternalCertificateRegistryOptions {
  readonly store: Store;
  readonly clock?: Clock;
  readonly events?: CertificatesEventSink;
}

/**
 * What an operator registers.
 *
 * @example
 * ```ts
 * import { TrustStore } from '@semper/crypto';
 * import type { ImportCertificateRequest } from '@semper/certificates';
 * declare const agencyPem: string; // the agency's certificate, then its CA's
 * declare const partnerRoots: TrustStore;
 * const r: ImportCertificateRequest = { party: 'agency-42', certificate: agencyPem, trust: partnerRoots, registeredBy: 'op:maria' };
 * ```
 */
export interface ImportCertificateRequest {
  /** Whose certificate it is (the party's id in the caller's records). */
  readonly party: string;
  /** The certificate: parsed, DER, or PEM (the first `CERTIFICATE` block; the others join `chain`). */
  readonly certificate: Certificate | Uint8Array | string;
  /** Intermediates to build the path with (untrusted). */
  readonly chain?: readonly Certificate[];
  /**
   * The caller's trust: validates the certificate, e.g. crypto's `TrustStore` of the external CA's root,
   * or the block's RFC 5280 path validator.
   */
  readonly trust: ChainValidator;
  /** Who registers (an operator id). */
  readonly registeredBy: string;
  /** Validation time (default now). */
  readonly at?: Date;
  /** Why, in words (e.g. the ticket of the request). */
  readonly note?: string;
}

/**
 * A registered external certificate.
 *
 * @example
 * ```ts
 * import type { ExternalCertificate } from '@semper/certificates';
 * const line = (e: ExternalCertificate) => `${e.party}: ${e.subject} from ${e.issuer}, by ${e.registeredBy} at ${e.registeredAt.toISOString()}`;
 * ```
 */
export interface ExternalCertificate {
  readonly id: string;
  readonly party: string;
  readonly certificate: Certificate;
  /** The validated path above the certificate (intermediates, then the anchor). */
  readonly chain: readonly Certificate[];
  readonly subject: string;
  readonly issuer: string;
  readonly serialNumber: string;
  /** SHA-256 of the DER, lower-case hex. */
  readonly fingerprint: string;
  readonly registeredBy: string;
  readonly registeredAt: Date;
  readonly note?: string;
}

interface ExternalRow {
  id: string;
  party: string;
  certificate: Uint8Array;
  chain: Uint8Array;
  registered_by: string;
  registered_at: Date;
  note: string | null;
}

const COLUMNS = 'id, party, certificate, chain, registered_by, registered_at, note';

function invalid(message: string): never {
  throw new CertificatesError('ERR_CERTIFICATES_INVALID_ARGUMENT', message);
}

function checkParty(party: unknown): string {
  if (typeof party !== 'string' || party.trim() === '' || party.length > 128)
    invalid('party must be 1 to 128 characters');
  return party;
}

function readCertificates(input: Certificate | Uint8Array | string): Certificate[] {
  if (input instanceof Certificate) return [input];
  try {
    if (typeof input === 'string') {
      const certs = Certificate.fromPem(input);
      if (certs.length === 0)
        throw new CertificatesError('ERR_CERTIFICATES_MALFORMED', 'no CERTIFICATE block in the PEM text');
      return certs;
    }
    if (input instanceof Uint8Array) return [Certificate.fromDer(input)];
  } catch (err) {
    if (err instanceof CertificatesError) throw err;
    throw new CertificatesError('ERR_CERTIFICATES_MALFORMED', `not a certificate: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return invalid('certificate must be a Certificate, DER bytes or PEM text');
}

function splitDer(der: Uint8Array): Certificate[] {
  const out: Certificate[] = [];
  let pos = 0;
  while (pos < der.length) {
    const el = readTlv(der, pos);
    out.push(Certificate.fromDer(bytes(el)));
    pos = el.end;
  }
  return out;
}

/**
 * The certificates of external CAs that operators registered for parties. A certificate is registered
 * only after the caller's trust validated it (`trust.buildChain`), and with who registered it and when;
 * the path found is kept with it. One certificate is registered once per party.
 *
 * @example
 * ```ts
 * import { TrustStore } from '@semper/crypto';
 * import { ExternalCertificateRegistry } from '@semper/certificates';
 * declare const store: import('@semper/store').Store;
 * declare const partnerRoot: import('@semper/crypto').Certificate;
 * const external = new ExternalCertificateRegistry({ store });
 * const entry = await external.register({
 *   party: 'agency-42', certificate: agencyPem, trust: new TrustStore([partnerRoot]), registeredBy: 'op:maria',
 * });
 * console.log(entry.subject, entry.registeredBy, entry.registeredAt);
 * ```
 */
export class ExternalCertificateRegistry {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #events: CertificatesEventSink | undefined;

  constructor(options: ExternalCertificateRegistryOptions) {
    if (typeof options?.store?.transaction !== 'function') invalid('ExternalCertificateRegistry needs a store');
    this.#store = options.store;
    this.#clock = options.clock ?? new SystemClock();
    this.#events = options.events;
  }

  /**
   * Validates a certificate with the caller's trust and registers it for `party`.
   *
   * @throws {@link CertificatesError} `ERR_CERTIFICATES_MALFORMED` for input that is not a certificate;
   * `ERR_CERTIFICATES_UNTRUSTED` when the trust does not validate it (its error as `cause`);
   * `ERR_CERTIFICATES_ALREADY_IMPORTED` when the party already has it; `ERR_CERTIFICATES_INVALID_ARGUMENT`.
   *
   * @example
   * ```ts
   * await external.register({ party: 'agency-42', certificate: pem, trust, registeredBy: 'op:maria', note: 'ticket 1234' });
   * ```
   */
  async register(request: ImportCertificateRequest): Promise<ExternalCertificate> {
    if (typeof request !== 'object' || request === null) invalid('register needs a request object');
    const party = checkParty(request.party);
    const registeredBy = request.registeredBy;
    if (typeof registeredBy !== 'string' || registeredBy.trim() === '' || registeredBy.length > 128) {
      invalid('registeredBy names the operator (1 to 128 characters)');
    }
    if (typeof request.trust?.buildChain !== 'function')
      invalid('register needs the caller’s trust (a ChainValidator)');
    if (request.note !== undefined && (typeof request.note !== 'string' || request.note.length > 1000)) {
      invalid('note must be a string of at most 1000 characters');
    }
    const at = request.at ?? this.#clock.now();
    if (!(at instanceof Date) || Number.isNaN(at.getTime())) invalid('at must be a valid Date');
    const [certificate, ...carried] = readCertificates(request.certificate);
    const supplied = [...carried, ...(request.chain ?? [])];
    if (supplied.some((c) => !(c instanceof Certificate))) invalid('chain must hold Certificates');
    let path: Certificate[];
    try {
      path = await request.trust.buildChain(certificate, supplied, at);
    } catch (err) {
      if (err instanceof CryptoError && err.code === 'ERR_CRYPTO_INVALID_ARGUMENT') throw err;
      throw new CertificatesError(
        'ERR_CERTIFICATES_UNTRUSTED',
        `the certificate of ${certificate.subject} does not validate under the given trust: ${(err as Error).message}`,
        { cause: err },
      );
    }
    const chain = path.slice(1);
    const fingerprint = await certificate.fingerprint();
    const id = newId('ext');
    const registeredAt = this.#clock.now();
    await migrateCertificates(this.#store);
    await this.#store.transaction(async (tx) => {
      const [existing] = await tx.query(
        'SELECT 1 FROM certificates_external WHERE party = $1 AND fingerprint = $2 FOR UPDATE',
        [party, fingerprint],
      );
      if (existing !== undefined) {
        throw new CertificatesError(
          'ERR_CERTIFICATES_ALREADY_IMPORTED',
          `the certificate ${fingerprint.slice(0, 16)}… is already registered for ${party}`,
        );
      }
      await tx.query(
        `INSERT INTO certificates_external (id, party, subject, issuer, serial_number, fingerprint, not_before, not_after,
           certificate, chain, registered_by, registered_at, note)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
        [
          id,
          party,
          certificate.subject,
          certificate.issuer,
          certificate.serialNumber,
          fingerprint,
          certificate.notBefore,
          certificate.notAfter,
          certificate.der,
          Buffer.concat(chain.map((c) => c.der)),
          registeredBy,
          registeredAt,
          request.note ?? null,
        ],
      );
    });
    publish(this.#events, {
      type: 'certificates.external-registered',
      id,
      party,
      subject: certificate.subject,
      fingerprint,
      registeredBy,
    });
    return {
      id,
      party,
      certificate,
      chain,
      subject: certificate.subject,
      issuer: certificate.issuer,
      serialNumber: certificate.serialNumber,
      fingerprint,
      registeredBy,
      registeredAt,
      ...(request.note !== undefined ? { note: request.note } : {}),
    };
  }

  /**
   * A registered certificate by id, or undefined.
   *
   * @example
   * ```ts
   * const entry = await external.get('ext_01J…');
   * ```
   */
  async get(id: string): Promise<ExternalCertificate | undefined> {
    if (typeof id !== 'string' || id.length > 64) invalid('id must be a string of at most 64 characters');
    await migrateCertificates(this.#store);
    const [row] = await this.#store.query<ExternalRow>(`SELECT ${COLUMNS} FROM certificates_external WHERE id = $1`, [
      id,
    ]);
    return row === undefined ? undefined : await toEntry(row);
  }

  /**
   * The certificates registered for `party` (or for every party), oldest first.
   *
   * @example
   * ```ts
   * const certificates = (await external.list({ party: 'agency-42' })).map((e) => e.certificate);
   * ```
   */
  async list(filter: { readonly party?: string } = {}): Promise<readonly ExternalCertificate[]> {
    await migrateCertificates(this.#store);
    const rows =
      filter.party === undefined
        ? await this.#store.query<ExternalRow>(
            `SELECT ${COLUMNS} FROM certificates_external ORDER BY registered_at, id`,
          )
        : await this.#store.query<ExternalRow>(
            `SELECT ${COLUMNS} FROM certificates_external WHERE party = $1 ORDER BY registered_at, id`,
            [checkParty(filter.party)],
          );
    const out: ExternalCertificate[] = [];
    for (const row of rows) out.push(await toEntry(row));
    return out;
  }

  /**
   * Removes a registration (e.g. when the party changes CA).
   *
   * @returns whether there was one.
   *
   * @example
   * ```ts
   * await external.remove(entry.id);
   * ```
   */
  async remove(id: string): Promise<boolean> {
    if (typeof id !== 'string' || id.length > 64) invalid('id must be a string of at most 64 characters');
    await migrateCertificates(this.#store);
    const rows = await this.#store.transaction((tx) =>
      tx.query('DELETE FROM certificates_external WHERE id = $1 RETURNING id', [id]),
    );
    return rows.length > 0;
  }
}

async function toEntry(row: ExternalRow): Promise<ExternalCertificate> {
  const certificate = Certificate.fromDer(row.certificate);
  return {
    id: row.id,
    party: row.party,
    certificate,
    chain: splitDer(row.chain),
    subject: certificate.subject,
    issuer: certificate.issuer,
    serialNumber: certificate.serialNumber,
    fingerprint: await certificate.fingerprint(),
    registeredBy: row.registered_by,
    registeredAt: row.registered_at,
    ...(row.note !== null ? { note: row.note } : {}),
  };
}
