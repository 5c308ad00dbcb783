// The secure data services on a real PostgreSQL server (started by test/setup/services.global.ts): a hub
// and two agencies, each in its own database, the same SQL as on PGlite; and what only a server shows:
// several intakes at once on one container (applied once, the others duplicates).
import { createHash, randomBytes } from 'node:crypto';
import { openStore, type Store } from '@semper/store';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type {} from '../../../../test/setup/services.global.js';
import { sealSdc } from '../format/index.js';
import {
  createSdcTestNetwork,
  digestStore,
  SDC_TEST_ALLOW_LIST,
  SDC_TEST_TABLES,
  type SdcTestNetwork,
  type SdcTestParty,
} from '../testing/network.js';
import { SecureDataService } from './secure-data.service.js';

const pgUrl = inject('pgUrl');
const pgUnavailable = inject('pgUnavailable');

const count = async (p: SdcTestParty, table: string, where = 'true'): Promise<number> => {
  const [r] = await p.store.query<{ n: bigint }>(`select count(*) as n from ${table} where ${where}`);
  return Number(r?.n);
};

if (pgUnavailable) {
  describe('secure data services on a PostgreSQL server', () => {
    it.skip(`not run: ${pgUnavailable}`, () => undefined);
  });
} else {
  describe('secure data services on a PostgreSQL server', () => {
    const suffix = randomBytes(4).toString('hex');
    const databases = ['hub', 'agency-a', 'agency-b'].map((p) => [p, `sdc_${p.replace('-', '_')}_${suffix}`] as const);
    const urlOf = (party: string) => {
      const url = new URL(pgUrl);
      url.pathname = `/${databases.find(([p]) => p === party)?.[1]}`;
      return url.toString();
    };
    let admin: Store;
    let net: SdcTestNetwork;

    beforeAll(async () => {
      admin = await openStore(pgUrl);
      for (const [, db] of databases) await admin.exec(`create database ${db}`);
      net = await createSdcTestNetwork({ storeUrl: urlOf });
    }, 120_000);
    afterAll(async () => {
      await net?.close();
      if (!admin) return;
      for (const [, db] of databases) await admin.exec(`drop database if exists ${db} with (force)`);
      await admin.close();
    });

    it('exports, imports and receipts, counted record by record at both ends', async () => {
      const [a, b] = net.agencies as [SdcTestParty, SdcTestParty];
      const hub = net.hub;
      await net.insertTransfers(a.id, 25, { status: 2, prefix: 'PA' });
      await net.insertTransfers(b.id, 15, { status: 2, prefix: 'PB' });
      await net.insertTransfers(b.id, 5, { status: 1, prefix: 'PB1' });
      await hub.store.query(
        `insert into rates ("Status", currency, rate, valid_from) values (2, 'XOF', '1', '2026-12-01'), (2, 'EUR', '655.957', '2026-12-01')`,
      );
      await a.service.exportTable('transfers', { to: hub.id, limit: 10 });
      await a.service.exportTable('transfers', { to: hub.id, limit: 10 });
      await a.service.exportTable('transfers', { to: hub.id, limit: 10 });
      await b.service.exportTable('transfers', { to: hub.id });
      await b.service.requestImport(
        { table: 'rates', where: { field: 'currency', op: '=', value: 'EUR' } },
        { from: hub.id },
      );
      const outcomes = await net.deliverAll();
      expect(outcomes.every((o) => o.status === 'accepted')).toBe(true);
      expect(await count(hub, 'transfers', `reference like 'PA-%'`)).toBe(25);
      expect(await count(hub, 'transfers', `reference like 'PB-%'`)).toBe(15);
      expect(await count(hub, 'transfers', `reference like 'PB1-%'`)).toBe(0);
      expect(await count(a, 'transfers', '"Status" = 3')).toBe(25);
      expect(await count(b, 'transfers', '"Status" = 3')).toBe(15);
      expect(await count(b, 'rates', `currency = 'EUR'`)).toBe(1);
      const delivered = [...(await a.service.deliveries()), ...(await b.service.deliveries())];
      expect(delivered.map((d) => d.rowsApplied)).toEqual([10, 10, 5, 15, 1]);
      expect(delivered.every((d) => d.deliveredAt !== null)).toBe(true);
    });

    it('the same container at five intakes at once is applied once; the others are duplicates', async () => {
      const a = net.agencies[0] as SdcTestParty;
      const hub = net.hub;
      await net.insertTransfers(a.id, 10, { status: 2, prefix: 'RACE' });
      await a.service.exportTable('transfers', { to: hub.id });
      const [entry] = await a.service.outbox.pending();
      if (entry === undefined) throw new Error('nothing queued');
      // Five services on five pools of the hub's database, as five processes would be.
      const stores = await Promise.all(Array.from({ length: 5 }, () => openStore(urlOf(hub.id))));
      try {
        const services = await Promise.all(
          stores.map((store) =>
            SecureDataService.open({
              store,
              identity: hub.identity,
              trust: net.pki.trust,
              peers: net.agencies.map((p) => ({ id: p.id, certificate: p.identity.certificate })),
              tables: [SDC_TEST_TABLES.transfers, SDC_TEST_TABLES.rates],
              allow: SDC_TEST_ALLOW_LIST,
            }),
          ),
        );
        const outcomes = await Promise.all(services.map((s) => s.receive(entry.bytes)));
        const statuses = outcomes.map((o) => o.status).sort();
        expect(statuses).toEqual(['accepted', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
        const answers = new Set(outcomes.map((o) => (o as { answerId?: string }).answerId));
        expect(answers.size).toBe(1);
        expect(await count(hub, 'transfers', `reference like 'RACE-%'`)).toBe(10);
      } finally {
        for (const s of stores) await s.close();
      }
      await a.service.outbox.markSent(entry.containerId);
      await net.deliverAll();
    });

    it('garbage and tampered containers change nothing on the server either', async () => {
      const a = net.agencies[0] as SdcTestParty;
      const hub = net.hub;
      const before = await digestStore(hub.store, { exclude: ['sdc_intake_log'] });
      const seed = await sealSdc(
        { header: { type: 'message', sequence: 1_000_000n, sender: a.id, recipient: hub.id }, body: { text: 'x' } },
        { signer: a.identity, recipient: hub.identity.certificate },
      );
      const inputs: Uint8Array[] = [];
      for (let i = 0; i < 300; i++) {
        const b = new Uint8Array(seed);
        b[(i * 7919) % b.length] ^= 1 << (i % 8);
        inputs.push(b, seed.slice(0, (i * 31) % seed.length), randomBytes(i));
      }
      const outcomes = await hub.service.receiveMany(inputs.map((bytes) => ({ bytes, source: 'pg-fuzz' })));
      expect(outcomes.every((o) => o.status === 'rejected' && o.code.startsWith('ERR_SDC_'))).toBe(true);
      // The batched log lines hold each input's digest, as written through array parameters.
      const logged = await hub.store.query<{ digest: Uint8Array }>(
        `select digest from sdc_intake_log where source = 'pg-fuzz'`,
      );
      const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
      expect(logged.map((r) => hex(r.digest)).sort()).toEqual(
        inputs.map((b) => createHash('sha256').update(b).digest('hex')).sort(),
      );
      expect(await digestStore(hub.store, { exclude: ['sdc_intake_log'] })).toBe(before);
    });
  });
}
