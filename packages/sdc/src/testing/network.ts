import { createHash } from 'node:crypto';
import {
  AccessControl,
  AGENCY_ROLE,
  AGENCY_STATUSES,
  createAgencyPolicy,
  HUB_OPERATOR_ROLE,
  StoreAccessRepository,
} from '@semper/access';
import { type CertificateRevocationList, issueCrl, PathValidator } from '@semper/certificates';
import type { Identity } from '@semper/crypto';
import { createTestPki, type TestPki } from '@semper/crypto/testing';
import { openStore, type Store } from '@semper/store';
import type { SdcAllowList } from '../services/query.js';
import {
  type IntakeOutcome,
  SecureDataService,
  type SecureDataServiceOptions,
} from '../services/secure-data.service.js';
import { defineTable, type SdcTable } from '../services/table.js';

/**
 * The record tables of the test network: `transfers` (every column type) and `rates`.
 *
 * @example
 * ```ts
 * import { SDC_TEST_TABLES } from '@semper/sdc/testing';
 * console.log(SDC_TEST_TABLES.transfers.columns.map((c) => c.name));
 * ```
 */
export const SDC_TEST_TABLES: { readonly transfers: SdcTable; readonly rates: SdcTable } = Object.freeze({
  transfers: defineTable({
    name: 'transfers',
    columns: [
      { name: 'reference', type: 'text', maxLength: 40 },
      { name: 'amount', type: 'bigint' },
      { name: 'currency', type: 'text', maxLength: 3 },
      { name: 'beneficiary', type: 'text', nullable: true, maxLength: 200 },
      { name: 'value_date', type: 'date' },
      { name: 'sent_at', type: 'timestamptz' },
      { name: 'urgent', type: 'boolean' },
      { name: 'fee', type: 'numeric', nullable: true },
      { name: 'priority', type: 'integer' },
    ],
  }),
  rates: defineTable({
    name: 'rates',
    columns: [
      { name: 'currency', type: 'text', maxLength: 3 },
      { name: 'rate', type: 'numeric' },
      { name: 'valid_from', type: 'date' },
    ],
  }),
});

/**
 * The hub's allow-list in the test network: agencies export `transfers` (every column) and query `rates`
 * (and `transfers`, without `beneficiary`).
 *
 * @example
 * ```ts
 * import { SDC_TEST_ALLOW_LIST } from '@semper/sdc/testing';
 * Object.keys(SDC_TEST_ALLOW_LIST.import ?? {}); // ['rates', 'transfers']
 * ```
 */
export const SDC_TEST_ALLOW_LIST: SdcAllowList = Object.freeze({
  export: { transfers: SDC_TEST_TABLES.transfers.columns.map((c) => c.name) },
  import: {
    rates: { columns: ['currency', 'rate', 'valid_from', 'Status'] },
    transfers: {
      columns: ['reference', 'amount', 'currency', 'value_date', 'sent_at', 'urgent', 'fee', 'priority', 'Status'],
    },
  },
});

/**
 * A party of the test network: its id, identity, store and services.
 *
 * @example
 * ```ts
 * import type { SdcTestParty } from '@semper/sdc/testing';
 * const pending = (p: SdcTestParty) => p.service.outbox.countPending();
 * ```
 */
export interface SdcTestParty {
  readonly id: string;
  readonly identity: Identity;
  readonly store: Store;
  readonly service: SecureDataService;
}

/**
 * Two (or more) agencies and a hub, each with an identity from one test PKI, a store, the record tables
 * and the services; the hub checks agencies against `@semper/access`'s agency status policy (all at
 * status 3, full, unless told) and every party checks revocation against the intermediate's CRL.
 *
 * @example
 * ```ts
 * import { createSdcTestNetwork } from '@semper/sdc/testing';
 * const net = await createSdcTestNetwork();
 * await net.agencies[0].service.exportTable('transfers', { to: 'hub' });
 * await net.deliverAll();
 * await net.close();
 * ```
 */
export interface SdcTestNetwork {
  readonly pki: TestPki;
  readonly hub: SdcTestParty;
  readonly agencies: readonly SdcTestParty[];
  /** The hub's access control (agency statuses). */
  readonly access: AccessControl;
  /** The hub's access repository (subjects, statuses, recorded denials). */
  readonly accessRepository: StoreAccessRepository;
  party(id: string): SdcTestParty;
  /** Sets an agency's access status at the hub (by the hub operator). */
  setStatus(agencyId: string, status: 0 | 1 | 2 | 3): Promise<void>;
  /** Revokes a party's certificate: a new CRL of the intermediate, given to every party's trust. */
  revoke(id: string): Promise<void>;
  /** Inserts rows in a party's table (Status 2 by default: ready for export). */
  insertTransfers(id: string, count: number, o?: { readonly status?: number; readonly prefix?: string }): Promise<void>;
  /**
   * A small pump for unit tests: moves every pending outbox container to its recipient's intake until no
   * outbox has anything; returns the intake outcomes in order.
   */
  deliverAll(o?: { readonly maxRounds?: number }): Promise<IntakeOutcome[]>;
  close(): Promise<void>;
}

/**
 * Options of {@link createSdcTestNetwork}.
 *
 * @example
 * ```ts
 * import type { SdcTestNetworkOptions } from '@semper/sdc/testing';
 * const o: SdcTestNetworkOptions = { agencies: ['agency-a', 'agency-b', 'agency-c'], storeUrl: () => 'pglite:memory' };
 * ```
 */
export interface SdcTestNetworkOptions {
  /** Default `['agency-a', 'agency-b']`. */
  readonly agencies?: readonly string[];
  /** Default `'hub'`. */
  readonly hub?: string;
  /** The store URL of each party; default `pglite:memory`. */
  readonly storeUrl?: (party: string) => string;
  /** The agencies' initial access status at the hub; default 3. */
  readonly status?: 0 | 1 | 2 | 3;
  /** More options for every party's services (e.g. `faultInjection`). */
  readonly services?: (party: string) => Partial<SecureDataServiceOptions>;
}

/**
 * Makes an {@link SdcTestNetwork}.
 *
 * @example
 * ```ts
 * import { createSdcTestNetwork } from '@semper/sdc/testing';
 * const net = await createSdcTestNetwork({ agencies: ['agency-a', 'agency-b'] });
 * ```
 */
export async function createSdcTestNetwork(o: SdcTestNetworkOptions = {}): Promise<SdcTestNetwork> {
  const pki = await createTestPki();
  const hubId = o.hub ?? 'hub';
  const agencyIds = o.agencies ?? ['agency-a', 'agency-b'];
  const ids = [hubId, ...agencyIds];
  const identities = new Map<string, Identity>();
  for (const id of ids) identities.set(id, await pki.issue(`CN=${id}`));
  let crlNumber = 1;
  const revoked: { serialNumber: string; revocationDate: Date }[] = [];
  const makeTrust = async () => {
    const crl: CertificateRevocationList = await issueCrl({
      issuer: pki.intermediate,
      entries: revoked,
      nextUpdate: new Date(Date.now() + 86_400_000),
      crlNumber: crlNumber++,
    });
    return new PathValidator(pki.trust.anchors, { crls: [crl], revocation: 'leaf' });
  };
  const trust = await makeTrust();
  const parties = new Map<string, SdcTestParty>();
  const stores: Store[] = [];
  let access: AccessControl | undefined;
  let accessRepository: StoreAccessRepository | undefined;
  try {
    for (const id of ids) {
      const store = await openStore(o.storeUrl?.(id) ?? 'pglite:memory');
      stores.push(store);
      const isHub = id === hubId;
      if (isHub) {
        const repository = new StoreAccessRepository(store);
        accessRepository = repository;
        access = new AccessControl({ policy: createAgencyPolicy(), repository, statuses: AGENCY_STATUSES });
        const by = { by: 'bootstrap', at: new Date() };
        await repository.saveRole(AGENCY_ROLE);
        await repository.saveRole(HUB_OPERATOR_ROLE);
        await repository.saveSubject({ id: 'hub-operator', kind: 'user' });
        await repository.grantRole('hub-operator', HUB_OPERATOR_ROLE.name, by);
        for (const a of agencyIds) {
          await repository.saveSubject({ id: a, kind: 'agency' });
          await repository.grantRole(a, AGENCY_ROLE.name, by);
          await access.changeStatus('hub-operator', a, o.status ?? 3, 'test network');
        }
      }
      const identity = identities.get(id) as Identity;
      const peers = (isHub ? agencyIds : [hubId]).map((p) => ({
        id: p,
        certificate: (identities.get(p) as Identity).certificate,
      }));
      const service = await SecureDataService.open({
        store,
        identity,
        trust,
        peers,
        tables: [SDC_TEST_TABLES.transfers, SDC_TEST_TABLES.rates],
        ...(isHub ? { allow: SDC_TEST_ALLOW_LIST, access } : {}),
        ...o.services?.(id),
      });
      parties.set(id, { id, identity, store, service });
    }
  } catch (e) {
    for (const s of stores) await s.close();
    throw e;
  }
  const party = (id: string): SdcTestParty => {
    const p = parties.get(id);
    if (p === undefined) throw new Error(`no party ${id}`);
    return p;
  };
  const acc = access as AccessControl;
  return {
    pki,
    hub: party(hubId),
    agencies: agencyIds.map(party),
    access: acc,
    accessRepository: accessRepository as StoreAccessRepository,
    party,
    async setStatus(agencyId, status) {
      const r = await acc.changeStatus('hub-operator', agencyId, status, 'test');
      if (r.outcome === 'denied') throw new Error('the operator may not change the status');
    },
    async revoke(id) {
      revoked.push({
        serialNumber: party(id).identity.certificate.serialNumber,
        revocationDate: new Date(Date.now() - 1000),
      });
      const t = await makeTrust();
      for (const p of parties.values()) p.service.setTrust(t);
    },
    async insertTransfers(id, count, io = {}) {
      const store = party(id).store;
      const prefix = io.prefix ?? id;
      for (let i = 0; i < count; i += 500) {
        const n = Math.min(500, count - i);
        const params: unknown[] = [];
        const tuples: string[] = [];
        for (let k = 0; k < n; k++) {
          const j = i + k;
          params.push(
            io.status ?? 2,
            `${prefix}-${j}`,
            BigInt(1000 + j * 7),
            j % 2 === 0 ? 'EUR' : 'XOF',
            j % 3 === 0 ? null : `Beneficiary ${j} «é»`,
            `2026-12-${String((j % 28) + 1).padStart(2, '0')}`,
            new Date(Date.UTC(2026, 11, 1, 8, 0, 0, j)),
            j % 5 === 0,
            j % 4 === 0 ? null : `${j}.25`,
            j % 10,
          );
          const b = k * 10;
          tuples.push(
            `($${b + 1}::int2, $${b + 2}, $${b + 3}::int8, $${b + 4}, $${b + 5}, $${b + 6}::date, $${b + 7}::timestamptz, $${b + 8}::bool, $${b + 9}::numeric, $${b + 10}::int4)`,
          );
        }
        await store.query(
          `INSERT INTO transfers ("Status", reference, amount, currency, beneficiary, value_date, sent_at, urgent, fee, priority) VALUES ${tuples.join(', ')}`,
          params,
        );
      }
    },
    async deliverAll(io = {}) {
      const outcomes: IntakeOutcome[] = [];
      for (let round = 0; round < (io.maxRounds ?? 20); round++) {
        let moved = 0;
        for (const p of parties.values()) {
          for (const e of await p.service.outbox.pending(1000)) {
            const target = parties.get(e.recipient);
            await p.service.outbox.markSent(e.containerId);
            moved++;
            if (target !== undefined) outcomes.push(await target.service.receive(e.bytes, { source: `test:${p.id}` }));
          }
        }
        if (moved === 0) return outcomes;
      }
      throw new Error('deliverAll: the parties keep answering each other');
    },
    async close() {
      for (const s of stores) await s.close();
    },
  };
}

/**
 * A digest (SHA-256, hex) of a store's contents: every table of the `public` schema (but those in
 * `exclude`), every row as JSON, sorted; so two stores with the same rows have the same digest and any
 * change to a row changes it.
 *
 * @example
 * ```ts
 * import { digestStore } from '@semper/sdc/testing';
 * const before = await digestStore(store, { exclude: ['sdc_intake_log'] });
 * ```
 */
export async function digestStore(store: Store, o: { readonly exclude?: readonly string[] } = {}): Promise<string> {
  const tables = await store.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  const h = createHash('sha256');
  for (const { table_name } of tables) {
    if (o.exclude?.includes(table_name)) continue;
    const rows = await store.query<{ j: string }>(
      `SELECT row_to_json(t)::text AS j FROM "${table_name.replace(/"/g, '""')}" t ORDER BY 1`,
    );
    h.update(`${table_name}\n`);
    for (const r of rows) h.update(`${r.j}\n`);
  }
  return h.digest('hex');
}
